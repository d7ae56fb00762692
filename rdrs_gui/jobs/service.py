"""The pre-annotation service: a long-lived helper process that owns the model workers and
writes suggestions, so the GUI process does neither.

Why a process and not a thread: a pre-annotation batch does real Python work (reading the
workers' answers, building suggestions, SQL); on a busy two-core machine a background thread
holding the GIL while the OS has preempted it froze the GUI's event loop for 200-360 ms at a
time. In its own process the same work left the GUI's loop under the 50 ms stall budget and
ran faster (no GIL contention).

    python -m rdrs_gui.jobs.service --db URL [--threads 1]

Requests on stdin, one JSON object per line:

    {"op": "preannotate", "run": 3, "scope": {"ids": [...]} | {"query": {...}} | {"unlabelled": true},
     "annotator": "anna", "force": false, "include_done": false, "batch_size": 32}
    {"op": "cancel", "run": 3}          (read while a run is going on)
    {"op": "shutdown"}                  (or end of input, or SIGTERM)

Events on stdout: ``ready``, ``started`` (run, summary: the run's scope, the documents left
out because they are done, those this model set already did, and how many remain), ``progress``
(run, done, total, elapsed_s, suggestions, tokens), ``stored`` (run, ids), ``finished`` (run,
summary). The models are the store's active ones (``preannotate.chosen_models``, as ``rdrs
predict`` chooses them), checked at every run: a worker of a model no longer active is closed,
one for a newly active model is started (and then kept for the next run).
"""
from __future__ import annotations

import argparse
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import asdict

from ..core.errors import RdrsError
from ..core.store import Store
from .paths import background_priority, logs_dir, trainer_env
from .preannotate import (KIND_ORDER, PreannotationSummary, Progress, chosen_models, model_workers, preannotate,
                          scope_ids)
from .worker import WorkerPool

# Kinds `python -m trainer serve` loads (trainer.serve.PREDICTORS): spans, chains and the
# classifier's per-document ADR probability.
SERVED = KIND_ORDER


# ================================================================ the service process
class _Service:
    def __init__(self, store: Store, threads: int, replicas: int, say: Callable[[dict], None]) -> None:
        self.store = store
        self.threads = threads
        self.replicas = replicas
        self.say = say
        self.workers: dict[str, WorkerPool] = {}
        self.cancelled: set[int] = set()
        self.current: int | None = None

    def sync_workers(self) -> dict[str, WorkerPool]:
        """Workers of the active models; RdrsError when there is none."""
        active = chosen_models(self.store)
        for kind in list(self.workers):
            if kind not in active or str(self.workers[kind].model_dir) != active[kind]:
                self.workers.pop(kind).close()
        fresh = {k: path for k, path in active.items() if k not in self.workers}
        self.workers.update(model_workers(fresh, replicas=self.replicas, threads=self.threads,
                                          log_dir=logs_dir(self.store.url)))
        return dict(self.workers)

    def run(self, request: dict) -> None:
        run = self.current = int(request.get("run", 0))
        summary = PreannotationSummary()
        try:
            workers = self.sync_workers()
            annotator = request.get("annotator")
            ids = scope_ids(self.store, dict(request.get("scope") or {}), annotator)
            summary = preannotate(
                self.store, workers, ids, annotator=annotator, force=bool(request.get("force")),
                include_done=bool(request.get("include_done")), batch_size=int(request.get("batch_size", 32)),
                progress=lambda p: self.say({"event": "progress", "run": run, **asdict(p)}),
                should_stop=lambda: run in self.cancelled,
                stored=lambda done: self.say({"event": "stored", "run": run, "ids": done}),
                started=lambda scope: self.say({"event": "started", "run": run, "summary": asdict(scope)}))
        except (RdrsError, ValueError, TypeError, KeyError) as exc:
            summary.error = str(exc)
        except Exception as exc:  # noqa: BLE001 - one bad request must not end the service
            summary.error = f"{type(exc).__name__}: {exc}"
        self.current = None
        self.say({"event": "finished", "run": run, "summary": asdict(summary)})

    def close(self) -> None:
        for worker in self.workers.values():
            worker.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rdrs_gui.jobs.service", description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--threads", type=int, default=1, help="CPU threads of each model worker")
    parser.add_argument("--replicas", type=int, default=1, help="tagger workers sharing each batch")
    args = parser.parse_args(argv)
    background_priority()
    protocol, lock = sys.stdout, threading.Lock()
    sys.stdout = sys.stderr   # stray prints must not corrupt the protocol

    def say(event: dict) -> None:
        with lock:
            protocol.write(json.dumps(event, ensure_ascii=False) + "\n")
            protocol.flush()

    try:
        store = Store.open(args.db)
    except RdrsError as exc:
        say({"event": "failed", "error": str(exc)})
        return 1
    service = _Service(store, args.threads, args.replicas, say)
    requests: queue.Queue[dict | None] = queue.Queue()

    def read() -> None:
        for line in sys.stdin:
            try:
                request = json.loads(line)
            except json.JSONDecodeError:
                continue
            if not isinstance(request, dict):
                continue
            if request.get("op") == "cancel":
                service.cancelled.add(int(request.get("run", 0)))
            else:
                requests.put(request)
        requests.put(None)

    def stop(*_: object) -> None:
        if service.current is not None:
            service.cancelled.add(service.current)
        requests.put(None)

    signal.signal(signal.SIGTERM, stop)
    threading.Thread(target=read, daemon=True).start()
    say({"event": "ready", "pid": os.getpid()})
    try:
        while True:
            request = requests.get()
            if request is None or request.get("op") == "shutdown":
                break
            if request.get("op") == "preannotate":
                service.run(request)
    finally:
        service.close()
        store.close()
    return 0


# ================================================================ the client (in the GUI)
def default_replicas() -> int:
    """Two one-thread tagger workers where there are two cores: 2,800 reviews took 56 s
    instead of 65 s on a busy two-core machine (the GUI stays smooth: the service and its
    workers run at background priority). Each worker costs about 460 MB."""
    return max(1, min(2, os.cpu_count() or 1))


class PreannotationService:
    """Runs the service process and hands its events to ``on_event`` (from a reader thread).

    Started on the first request and again after it died; if it dies during a run, the run
    ends with a ``finished`` event whose summary says so (finished batches are kept).
    """

    def __init__(self, store_url: str, on_event: Callable[[dict], None], threads: int = 1,
                 replicas: int | None = None) -> None:
        self.store_url = store_url
        self.on_event = on_event
        self.threads = threads
        self.replicas = replicas or default_replicas()
        self.log_path = logs_dir(store_url) / "preannotation-service.log"
        self._proc: subprocess.Popen | None = None
        self._reader: threading.Thread | None = None
        self._lock = threading.Lock()
        self._current: int | None = None

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def preannotate(self, run: int, scope: dict, annotator: str | None, force: bool = False,
                    batch_size: int = 32, include_done: bool = False) -> None:
        with self._lock:
            self._ensure_started()
            self._current = run
            self._send({"op": "preannotate", "run": run, "scope": scope, "annotator": annotator,
                        "force": force, "include_done": include_done, "batch_size": batch_size})

    def cancel(self, run: int) -> None:
        with self._lock:
            if self.alive:
                self._send({"op": "cancel", "run": run})

    def kill(self) -> None:
        """Stop the service at once (a hung model); it starts again on the next request."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()

    def close(self, timeout: float = 20.0, wait: bool = True) -> None:
        """Stop the process after its batch and wait for the reader thread: once this returns,
        ``on_event`` is never called again (its receiver may be destroyed next). ``wait=False``
        (quitting the app) only asks: the process stops its workers and exits on its own, a
        daemon thread reaps it, and ``on_event`` is detached at once."""
        with self._lock:
            proc, self._proc = self._proc, None
            reader, self._reader = self._reader, None
        if not wait:
            self.on_event = lambda _event: None
        if proc is not None and proc.poll() is None:
            try:
                proc.stdin.write(json.dumps({"op": "cancel", "run": self._current or 0}) + "\n")
                proc.stdin.write('{"op": "shutdown"}\n')
                proc.stdin.flush()
                proc.stdin.close()
            except (OSError, ValueError):
                proc.kill()
        if wait:
            _reap(proc, reader, timeout)
        elif proc is not None or reader is not None:
            threading.Thread(target=_reap, args=(proc, reader, timeout), name="rdrs-service-closing",
                             daemon=True).start()

    def _ensure_started(self) -> None:
        if self.alive:
            return
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "a", encoding="utf-8")
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "rdrs_gui.jobs.service", "--db", self.store_url, "--threads", str(self.threads),
                 "--replicas", str(self.replicas)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True, encoding="utf-8",
                errors="replace", bufsize=1, env=trainer_env())
        except OSError as exc:
            raise RdrsError(f"cannot start the pre-annotation process: {exc.strerror or exc}") from None
        finally:
            log.close()
        self._reader = threading.Thread(target=self._read, args=(self._proc,), daemon=True)
        self._reader.start()

    def _send(self, message: dict) -> None:
        try:
            self._proc.stdin.write(json.dumps(message, ensure_ascii=False) + "\n")
            self._proc.stdin.flush()
        except (OSError, ValueError) as exc:
            raise RdrsError(f"the pre-annotation process does not accept requests: {exc}") from None

    def _read(self, proc: subprocess.Popen) -> None:
        finished_runs: set[int] = set()
        for line in proc.stdout:
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(event, dict) and "event" in event:
                if event["event"] == "finished":
                    finished_runs.add(int(event.get("run", 0)))
                    if self._current == event.get("run"):
                        self._current = None
                self.on_event(event)
        code = proc.wait()
        run = self._current
        if run is not None and run not in finished_runs:
            self._current = None
            how = f"was killed (signal {-code})" if code < 0 else f"stopped (exit code {code})"
            summary = PreannotationSummary(error=f"the pre-annotation process {how}; see {self.log_path}")
            self.on_event({"event": "finished", "run": run, "summary": asdict(summary)})
        self.on_event({"event": "exited", "code": code})


def _reap(proc: subprocess.Popen | None, reader: threading.Thread | None, timeout: float) -> None:
    """Wait for a stopping service process (killed after ``timeout`` s) and its reader thread."""
    if proc is not None:
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    if reader is not None:
        reader.join(10)


def progress_of(event: dict) -> Progress:
    return Progress(int(event["done"]), int(event["total"]), float(event["elapsed_s"]),
                    int(event["suggestions"]), int(event["tokens"]))


def summary_of(event: dict) -> PreannotationSummary:
    data = dict(event.get("summary") or {})
    known = {k: v for k, v in data.items() if k in PreannotationSummary.__dataclass_fields__}
    return PreannotationSummary(**known)


if __name__ == "__main__":
    sys.exit(main())
