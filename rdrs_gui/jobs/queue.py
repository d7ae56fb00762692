"""Queued model jobs (training, re-scoring), run one at a time on a background thread.

Qt-free: callbacks arrive on the queue's thread (or a job's reader thread); the GUI turns
them into signals. Every job is a row of the store's ``jobs`` table, so its state, progress,
log and outcome survive the app; jobs a previous session left queued or running are marked
interrupted when a queue opens. The queue is bounded: a full queue refuses new jobs with a
message instead of piling them up.
"""
from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from ..core.errors import RdrsError
from ..core.store import Store
from . import evaluation, training
from .training import CancelToken, TrainingRequest, TrainingResult

MAX_PENDING = 4
Request = TrainingRequest | evaluation.EvaluationRequest


class QueueFull(RdrsError):
    """Too many jobs are waiting."""


@dataclass
class QueuedJob:
    id: int
    request: Request
    token: CancelToken


def recover_interrupted(store: Store) -> int:
    """Mark jobs left queued or running by a session that ended as interrupted; returns how many."""
    stale = [j for j in store.list_jobs() if j.state in ("queued", "running")]
    for job in stale:
        store.update_job(job.id, state="failed", message="interrupted: the app closed before this job finished")
    return len(stale)


class JobQueue:
    def __init__(self, store: Store, *, max_pending: int = MAX_PENDING,
                 on_event: Callable[[int, dict], None] | None = None,
                 on_finished: Callable[[int, TrainingResult], None] | None = None,
                 recover: bool = True) -> None:
        self.store = store
        self.max_pending = max_pending
        self.on_event = on_event or (lambda job_id, event: None)
        self.on_finished = on_finished or (lambda job_id, result: None)
        self._pending: deque[QueuedJob] = deque()
        self._current: QueuedJob | None = None
        self._cv = threading.Condition()
        self._closed = False
        self._thread: threading.Thread | None = None
        if recover:
            recover_interrupted(store)

    # ------------------------------------------------------------------ API
    def submit(self, request: Request) -> int:
        """Queue a job; returns its id. Raises QueueFull when ``max_pending`` jobs already wait."""
        with self._cv:
            if self._closed:
                raise RdrsError("the job queue is closed")
            if len(self._pending) >= self.max_pending:
                raise QueueFull(f"{len(self._pending)} jobs are already waiting; wait for one to finish "
                                f"or cancel one, then try again")
            job_id = self.store.add_job(request.job_kind, request.to_args())
            self._pending.append(QueuedJob(job_id, request, CancelToken()))
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="rdrs-jobs", daemon=True)
                self._thread.start()
            self._cv.notify_all()
        self.on_event(job_id, {"event": "queued", "position": len(self._pending)})
        return job_id

    def cancel(self, job_id: int) -> bool:
        """Cancel a waiting job, or ask the running one to stop (it keeps its best checkpoint)."""
        with self._cv:
            waiting = next((j for j in self._pending if j.id == job_id), None)
            if waiting is not None:
                self._pending.remove(waiting)
            elif self._current is not None and self._current.id == job_id:
                self._current.token.cancel()
                return True
            else:
                return False
        waiting.token.cancel()
        self.store.update_job(job_id, state="cancelled", message="cancelled before it started")
        self.on_finished(job_id, TrainingResult("cancelled", "cancelled before it started"))
        return True

    def running(self) -> int | None:
        with self._cv:
            return self._current.id if self._current is not None else None

    def pending(self) -> list[int]:
        with self._cv:
            return [j.id for j in self._pending]

    def active(self) -> list[int]:
        """The running job's id (if any) then the waiting ones', read at one moment: asking
        ``running()`` then ``pending()`` can miss a job that starts in between."""
        with self._cv:
            return ([self._current.id] if self._current is not None else []) + [j.id for j in self._pending]

    def busy(self) -> bool:
        with self._cv:
            return self._current is not None or bool(self._pending)

    def close(self, timeout: float = 60.0, wait: bool = True) -> None:
        """Cancel everything (the running job keeps its best checkpoint) and wait for the thread.
        ``wait=False`` (quitting the app) returns at once: a non-daemon thread waits instead, so
        the process still exits only once the running job has saved and registered its model."""
        with self._cv:
            self._closed = True
            dropped = list(self._pending)
            self._pending.clear()
            current = self._current
            self._cv.notify_all()
        for job in dropped:
            self.store.update_job(job.id, state="cancelled", message="cancelled: the app was closed")
        if current is not None:
            current.token.cancel()
        if self._thread is not None and wait:
            self._thread.join(timeout)
        elif self._thread is not None and self._thread.is_alive():
            threading.Thread(target=self._thread.join, args=(timeout,), name="rdrs-jobs-closing").start()

    # ------------------------------------------------------------------ the runner thread
    def _loop(self) -> None:
        while True:
            with self._cv:
                while not self._pending and not self._closed:
                    self._cv.wait()
                if self._closed:
                    return
                job = self._current = self._pending.popleft()
            self.on_event(job.id, {"event": "started"})
            result = self._run(job)
            with self._cv:
                self._current = None
            self.on_finished(job.id, result)

    def _run(self, job: QueuedJob) -> TrainingResult:
        def relay(event: dict) -> None:
            self.on_event(job.id, event)

        try:
            if isinstance(job.request, TrainingRequest):
                return training.run(self.store, job.request, job_id=job.id, on_event=relay, token=job.token)
            return evaluation.run(self.store, job.request, job_id=job.id, on_event=relay, token=job.token)
        except Exception as exc:  # noqa: BLE001 - a bug in one job must not stop the queue
            message = f"{type(exc).__name__}: {exc}"
            try:
                self.store.update_job(job.id, state="failed", message=message)
            except RdrsError:
                pass
            return TrainingResult("failed", message)
