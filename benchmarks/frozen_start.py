"""Size and start time of the frozen app (packaging/build.sh's dist/rdrs-gui/ or a .deb).

Start time is measured as a user sees it: from starting ``rdrs-gui --db DB --open ID`` under
``env -i`` on a real X server (Xvfb, Qt's xcb platform) until the X server holds the painted
main window (its pixels, read back with ``xwd`` every 50 ms, show many colours). A *cold* run
first evicts every file of the bundle from the page cache (posix_fadvise DONTNEED, so the
program is read from disk as after a reboot); a *warm* run follows it. The same is measured
for the source install (``python -m rdrs_gui.ui.app`` in this environment) for comparison.

    python benchmarks/frozen_start.py [--app dist/rdrs-gui | --deb dist/rdrs-gui_*.deb] [--runs 3]

Wall time depends on what else runs on the machine; the app's own CPU time (user + system, from
/proc) at the moment its window is painted does not, so both are printed. Needs Xvfb, xwininfo
and xwd (apt-get install xvfb x11-utils x11-apps). Prints one line per run and a last line
``size_mb=<bundle> deb_mb=<.deb or 0> cold_s= warm_s= source_warm_s=`` (medians of wall time)
``cold_cpu_s= warm_cpu_s= source_cpu_s=`` (medians of CPU time).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_real_display import _window_id, _xwd_colours, free_display  # noqa: E402  (one way to see a painted window)

REPO = Path(__file__).resolve().parents[1]


def evict(folder: Path) -> None:
    """Drop the folder's files from the page cache (the next read comes from the disk)."""
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (independent of the machine's load)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def time_to_painted(cmd: list[str], env: dict, display_env: dict) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the app) from its start to its painted window."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while proc.poll() is None and time.perf_counter() - start < 120:
            wid = _window_id(display_env, "rdrs-gui")
            if wid:
                shot = subprocess.run(["xwd", "-id", wid, "-silent"], env=display_env, capture_output=True)
                if shot.returncode == 0 and len(shot.stdout) > 100 and _xwd_colours(shot.stdout) >= 20:
                    return time.perf_counter() - start, cpu_seconds(proc.pid)
            time.sleep(0.05)
        raise RuntimeError(f"no painted window (exit status {proc.poll()})")
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def du_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app", type=Path, default=REPO / "dist" / "rdrs-gui")
    parser.add_argument("--deb", type=Path, help="unpack this .deb and measure its app instead")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--doc", default="demo-06")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rdrs-start-"))
    app, deb_mb = args.app.resolve(), 0.0
    if args.deb:
        subprocess.run(["dpkg-deb", "-x", str(args.deb), str(work / "root")], check=True)
        app, deb_mb = work / "root" / "opt" / "rdrs-gui", args.deb.stat().st_size / 2**20
    home = work / "home"
    home.mkdir()
    db = work / "demo.sqlite"
    subprocess.run(["env", "-i", f"HOME={home}", str(app / "rdrs"), "--db", str(db), "import",
                    str(app / "_internal" / "resources" / "demo" / "demo.jsonl")], check=True, capture_output=True)
    display = f":{free_display()}"
    xvfb = subprocess.Popen(["Xvfb", display, "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):   # until the server answers (slow to come up on a loaded machine)
        if subprocess.run(["xwininfo", "-root"], env={"DISPLAY": display}, capture_output=True).returncode == 0:
            break
        time.sleep(0.1)
    display_env = {"DISPLAY": display, "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8"}
    frozen_env = {"HOME": str(home), "DISPLAY": display}
    source_env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb", RDRS_GUI_CONFIG_DIR=str(work / "src-config"))
    gui_args = ["--db", str(db), "--open", args.doc, "--annotator", "anna"]
    cold, warm, source = [], [], []
    try:
        for run in range(1, args.runs + 1):
            evict(app)
            cold.append(time_to_painted([str(app / "rdrs-gui"), *gui_args], frozen_env, display_env))
            warm.append(time_to_painted([str(app / "rdrs-gui"), *gui_args], frozen_env, display_env))
            source.append(time_to_painted([sys.executable, "-m", "rdrs_gui.ui.app", *gui_args], source_env, display_env))
            print(f"run {run} (wall / CPU s): frozen cold {cold[-1][0]:.2f} / {cold[-1][1]:.2f}, frozen warm "
                  f"{warm[-1][0]:.2f} / {warm[-1][1]:.2f}, source install warm {source[-1][0]:.2f} / "
                  f"{source[-1][1]:.2f}; load average {os.getloadavg()[0]:.1f}", flush=True)
    finally:
        xvfb.terminate()
        xvfb.wait(10)
    def med(runs: list, i: int) -> float:
        return statistics.median(r[i] for r in runs)

    print(f"size_mb={du_mb(app):.0f} deb_mb={deb_mb:.0f} cold_s={med(cold, 0):.2f} warm_s={med(warm, 0):.2f} "
          f"source_warm_s={med(source, 0):.2f} cold_cpu_s={med(cold, 1):.2f} warm_cpu_s={med(warm, 1):.2f} "
          f"source_cpu_s={med(source, 1):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
