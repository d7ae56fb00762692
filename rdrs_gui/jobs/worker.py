"""Client of the long-lived model worker (``python -m trainer serve --model DIR``).

The GUI process never imports torch: predictions come from this subprocess over JSON lines
on stdin/stdout. The model loads once; if the worker dies it is started again on the next
request, and a dead or hung worker surfaces as a ``WorkerError`` the caller can show, never
as a crash. A model that cannot be loaded at all (a corrupt bundle) raises
``WorkerStartError``: trying again would not help.
"""
from __future__ import annotations

import itertools
import json
import queue
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..core.errors import RdrsError
from .paths import trainer_command, trainer_env


class WorkerError(RdrsError):
    """The model worker died, hung or answered with an error."""


class WorkerStartError(WorkerError):
    """The model worker could not load its model; restarting it would fail the same way."""


class ModelWorker:
    """One ``trainer serve`` subprocess; ``request`` blocks, so call it off the UI thread.

    ``kill`` may be called from any thread (e.g. Cancel while a request hangs): the request in
    flight then fails with ``WorkerError`` and the next one starts a fresh process.

    ``threads``: torch CPU threads of the worker. One by default: on a two-core laptop that
    leaves a core to the app, and one thread per process measured 3x less CPU per document
    than two on a busy machine (two threads spin waiting for each other).
    """

    def __init__(self, model_dir: str | Path, *, start_timeout: float = 180.0, request_timeout: float = 120.0,
                 log_path: str | Path | None = None, command: list[str] | None = None, device: str = "auto",
                 threads: int = 1):
        self.model_dir = Path(model_dir)
        self.threads = threads
        self._command = command or trainer_command("serve", "--model", str(self.model_dir), "--device", device)
        self.start_timeout = start_timeout
        self.request_timeout = request_timeout
        self.log_path = Path(log_path) if log_path else None
        self._proc: subprocess.Popen | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr_tail: list[str] = []
        self._failed: str | None = None
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.starts = 0
        self.info: dict = {}

    @property
    def alive(self) -> bool:
        proc = self._proc
        return proc is not None and proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def restarts(self) -> int:
        """How many times the worker had to be started again after it died."""
        return max(0, self.starts - 1)

    def start(self) -> dict:
        """Start the subprocess (if needed) and wait until the model is loaded; returns its info."""
        with self._lock:
            self._ensure_started()
        return self.info

    def request(self, op: str, timeout: float | None = None, **payload) -> dict:
        """Send one request and return its answer; a dead worker is started again first."""
        with self._lock:
            self._ensure_started()
            return self._roundtrip({"op": op, **payload}, timeout or self.request_timeout)

    def predict(self, documents: list[dict], timeout: float | None = None) -> list[dict]:
        answer = self.request("predict", timeout=timeout, documents=documents)
        found = answer.get("documents")
        if not isinstance(found, list) or len(found) != len(documents):
            raise WorkerError(f"the model worker for {self.model_dir} answered {len(found or [])} documents "
                              f"for {len(documents)}")
        return found

    def close(self) -> None:
        with self._lock:
            self._stop()

    def kill(self) -> None:
        """Kill the subprocess outright (a hung request, a cancel, a test of the restart)."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()

    # -- internals ------------------------------------------------------------------------
    def _ensure_started(self) -> None:
        if self.alive:
            return
        self._spawn()
        try:
            self.info = self._roundtrip({"op": "info"}, self.start_timeout)
        except WorkerError as exc:
            self._stop()
            if isinstance(exc, WorkerStartError):
                raise
            raise WorkerStartError(f"the model worker for {self.model_dir} could not start: {exc}") from None

    def _spawn(self) -> None:
        self._stop()
        try:
            self._proc = subprocess.Popen(self._command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace",
                                          bufsize=1, env={**trainer_env(), "RDRS_TORCH_THREADS": str(self.threads)})
        except OSError as exc:
            raise WorkerStartError(f"cannot start the model worker for {self.model_dir}: {exc}") from None
        self.starts += 1
        self._lines = queue.Queue()
        self._stderr_tail = []
        self._failed = None
        threading.Thread(target=self._pump_stdout, args=(self._proc, self._lines), daemon=True).start()
        threading.Thread(target=self._pump_stderr, args=(self._proc,), daemon=True).start()

    def _stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.poll() is None:
                proc.stdin.close()   # the worker exits at the end of its input
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(timeout=5)
        except OSError:
            proc.kill()
            proc.wait(timeout=5)

    @staticmethod
    def _pump_stdout(proc: subprocess.Popen, lines: queue.Queue) -> None:
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    def _pump_stderr(self, proc: subprocess.Popen) -> None:
        log = None
        if self.log_path is not None:
            try:
                self.log_path.parent.mkdir(parents=True, exist_ok=True)
                log = open(self.log_path, "a", encoding="utf-8")
            except OSError:
                log = None
        try:
            for line in proc.stderr:
                self._stderr_tail = (self._stderr_tail + [line.rstrip()])[-20:]
                if log is not None:
                    log.write(line)
                    log.flush()
        finally:
            if log is not None:
                log.close()

    def _roundtrip(self, message: dict, timeout: float) -> dict:
        request_id = next(self._ids)
        proc = self._proc
        try:
            proc.stdin.write(json.dumps({"id": request_id, **message}, ensure_ascii=False) + "\n")
            proc.stdin.flush()
        except (OSError, ValueError, AttributeError):
            raise self._died() from None
        while True:
            try:
                line = self._lines.get(timeout=timeout)
            except queue.Empty:
                self.kill()
                raise WorkerError(f"the model worker for {self.model_dir} did not answer within "
                                  f"{timeout:.0f} s and was stopped; it starts again on the next request") from None
            if line is None:
                raise self._died()
            try:
                answer = json.loads(line)
            except json.JSONDecodeError:
                continue  # not a protocol line
            if not isinstance(answer, dict):
                continue
            if answer.get("event") == "failed":
                self._failed = str(answer.get("error", "unknown error"))
                continue
            if answer.get("id") != request_id:
                continue
            if "error" in answer:
                raise WorkerError(f"the model worker refused the request: {answer['error']}")
            return answer

    def _died(self) -> WorkerError:
        proc = self._proc
        code = None
        if proc is not None:
            try:
                code = proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self._failed is not None:
            return WorkerStartError(f"the model in {self.model_dir} could not be loaded: {self._failed}")
        detail = next((line for line in reversed(self._stderr_tail) if line.strip()), "")
        how = f"was killed (signal {-code})" if code is not None and code < 0 else f"stopped (exit code {code})"
        return WorkerError(f"the model worker for {self.model_dir} {how}" + (f": {detail}" if detail else ""))


class WorkerPool:
    """Several workers of one model answering one batch together: the batch is split into
    contiguous parts, asked in parallel, and the answers joined in order. Same interface as
    ``ModelWorker``, so pre-annotation uses either. With one-thread workers this is how a
    batch uses several cores (process parallelism, no threads spinning on each other)."""

    def __init__(self, model_dir: str | Path, replicas: int = 1, **options) -> None:
        self.model_dir = Path(model_dir)
        log_path = options.pop("log_path", None)
        self.workers = [ModelWorker(model_dir, log_path=(Path(log_path).with_name(f"{Path(log_path).stem}-{n}.log")
                                                         if log_path and replicas > 1 else log_path), **options)
                        for n in range(max(1, replicas))]
        self._pool = ThreadPoolExecutor(max_workers=len(self.workers), thread_name_prefix="model-worker")

    @property
    def info(self) -> dict:
        return self.workers[0].info

    @property
    def starts(self) -> int:
        return sum(w.starts for w in self.workers)

    @property
    def alive(self) -> bool:
        return all(w.alive for w in self.workers)

    def start(self) -> dict:
        for future in [self._pool.submit(w.start) for w in self.workers]:
            future.result()
        return self.info

    def predict(self, documents: list[dict], timeout: float | None = None) -> list[dict]:
        n = min(len(self.workers), max(1, len(documents)))
        size = -(-len(documents) // n)
        parts = [documents[i:i + size] for i in range(0, len(documents), size)]
        futures = [self._pool.submit(w.predict, part, timeout) for w, part in zip(self.workers, parts)]
        return [answer for future in futures for answer in future.result()]

    def kill(self) -> None:
        for w in self.workers:
            w.kill()

    def close(self) -> None:
        for w in self.workers:
            w.close()
        self._pool.shutdown(wait=False)
