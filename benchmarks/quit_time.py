"""How long quitting takes: from closing the main window to the window being gone (the UI
thread's work) and to the Python process having exited, in the situations a user quits from:

- ``idle``: nothing ever started;
- ``after-preannotation``: a pre-annotation ran (its process and model workers stay loaded);
- ``training``: a retrain is running.

Each situation runs in a fresh child process (the demo project, a tiny tagger trained first
where a model is needed). ``--wait`` measures the old behaviour (the UI thread waits for every
worker process to stop) for comparison. Target: the window is gone in under 1 s.

    python benchmarks/quit_time.py [--runs 3] [--wait]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SITUATIONS = ("idle", "after-preannotation", "training")
TINY = {"epochs": 4, "syntax": "none", "max_minutes": 3, "lr": 0.01}


def child(situation: str, folder: Path, wait: bool) -> None:
    """Build the situation, close the window, print the UI-side close time (then exit)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "tests"))
    from PySide6.QtWidgets import QApplication

    from gui_support import demo_store, isolated_settings
    from rdrs_gui.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    store = demo_store(folder / "demo.sqlite")
    window = MainWindow(store, "anna", isolated_settings(folder / "config"))
    window.loop.controller.training_overrides.update(TINY)
    if wait:   # the old behaviour: the window's close waits for every worker process
        controller = window.loop.controller
        original = controller.shutdown
        controller.shutdown = lambda timeout=30.0, wait=True: original(timeout, wait=True)
    window.show()
    window.list_model.wait()
    loop, controller = window.loop, window.loop.controller

    def until(condition, seconds: float) -> None:  # noqa: ANN001
        deadline = time.monotonic() + seconds
        while not condition() and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)

    if situation in ("after-preannotation", "training"):
        finished: list = []
        controller.jobFinished.connect(lambda _id, result: finished.append(result))
        loop.retrain()
        if situation == "training":
            until(lambda: controller.queue.running() is not None, 60)
            time.sleep(3)          # well into training
        else:
            until(lambda: finished, 600)
            result = finished[0]
            if store.active_model("tagger") is None:
                controller.activate(result.model.version)
            runs: list = []
            controller.preannotateFinished.connect(runs.append)
            error = controller.preannotate({"unlabelled": True}, force=True, include_done=True)
            if error:
                raise SystemExit(f"pre-annotation refused: {error}")
            until(lambda: runs, 600)
    started = time.perf_counter()
    window.close()
    app.processEvents()
    closed = time.perf_counter() - started
    print(json.dumps({"close_s": closed, "closed_at": time.time()}), flush=True)


def measure(situation: str, wait: bool) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen([sys.executable, __file__, "--child", situation, "--folder", tmp]
                                + (["--wait"] if wait else []), stdout=subprocess.PIPE, text=True, cwd=ROOT)
        line = ""
        for line in proc.stdout:
            if line.startswith("{"):
                break
        report = json.loads(line)
        proc.wait()
        exited = time.time() - report["closed_at"]
        return report["close_s"], report["close_s"] + exited


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--wait", action="store_true", help="the old behaviour: close waits for the workers")
    parser.add_argument("--child", choices=SITUATIONS, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--situations", nargs="+", choices=SITUATIONS, default=list(SITUATIONS))
    args = parser.parse_args()
    if args.child:
        child(args.child, args.folder, args.wait)
        return 0
    for situation in args.situations:
        window, process = zip(*(measure(situation, args.wait) for _ in range(args.runs)))
        print(f"{situation}{' (--wait)' if args.wait else ''}: window gone {statistics.median(window):.3f} s "
              f"(max {max(window):.3f}), process exited {statistics.median(process):.3f} s "
              f"(max {max(process):.3f}) over {args.runs} runs", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
