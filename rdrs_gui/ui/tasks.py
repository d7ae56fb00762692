"""Background work for the window (Orange's concurrent helpers, in small): a function runs on a
QThread, reports progress through a callback, can be asked to stop at its next progress report,
and hands its result or a one-line error back to the UI thread through signals.

The UI thread never waits on a task; the window keeps every running task so none is destroyed
while its thread runs, and waits for them only when it closes.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QObject, QThread, Signal

from rdrs_gui.core.errors import RdrsError

Progress = Callable[[int, int, str], None]


class Cancelled(RdrsError):
    """Raised inside a task's progress callback once the user pressed Cancel."""


class Task(QThread):
    """Runs ``fn(progress)`` off the UI thread. Exactly one of ``succeeded``/``failed`` is emitted."""

    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(str)

    def __init__(self, fn: Callable[[Progress], object], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fn = fn
        self._cancel = False

    def cancel(self) -> None:
        self._cancel = True

    def _progress(self, done: int, total: int, what: str) -> None:
        if self._cancel:
            raise Cancelled(self.tr("cancelled; nothing was imported"))
        self.progressed.emit(done, total, what)

    def run(self) -> None:  # noqa: D102 - QThread entry point, on the worker thread
        try:
            result = self._fn(self._progress)
        except RdrsError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # a bug must reach the user as a message, not kill the thread silently
            self.failed.emit(f"{type(exc).__name__}: {exc}")
        else:
            self.succeeded.emit(result)


class TaskRunner(QObject):
    """Owns running tasks: starts them, drops them when they end, waits for them on shutdown."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks: set[Task] = set()

    def start(self, fn: Callable[[Progress], object], on_done: Callable[[object], None] | None = None,
              on_error: Callable[[str], None] | None = None,
              on_progress: Callable[[int, int, str], None] | None = None) -> Task:
        task = Task(fn, self)
        if on_progress is not None:
            task.progressed.connect(on_progress)
        if on_done is not None:
            task.succeeded.connect(on_done)
        if on_error is not None:
            task.failed.connect(on_error)
        task.finished.connect(lambda: self._forget(task))
        self._tasks.add(task)
        task.start()
        return task

    def _forget(self, task: Task) -> None:
        self._tasks.discard(task)
        task.deleteLater()

    def busy(self) -> bool:
        return bool(self._tasks)

    def wait_all(self, msecs: int = 30_000) -> None:
        for task in list(self._tasks):
            task.cancel()
            task.wait(msecs)
