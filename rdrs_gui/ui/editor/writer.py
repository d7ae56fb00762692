"""Writing the editor's change sets off the UI thread.

A change set can wait on the database (SQLite's busy timeout while another process writes, a
PostgreSQL server far away); the editor must not. The session changes the document in memory
at once (optimistically) and hands each change set here; one writer thread applies them in the
order they came, each in one transaction. A change set that fails is reported through
``failed`` and the later ones of that document are not applied (they built on it) until the
window reloads the document from the database and calls ``resume``: the user sees what was
really saved, never a silent loss. The window waits for the queue before it reads a document
and when it closes.
"""
from __future__ import annotations

import queue
import threading
from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal

from rdrs_gui.core.changes import Change
from rdrs_gui.core.editing import EditStore, Writer
from rdrs_gui.core.errors import RdrsError

_STOP = None


class StoreWriter(QObject):
    """One thread, one queue: change sets are applied in order, one transaction each."""

    failed = Signal(int, str)     # document id, a one-line reason; emitted on the writer thread
    drained = Signal()            # the queue ran empty

    def __init__(self, store: EditStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._queue: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._queued = 0
        self._idle = threading.Event()
        self._idle.set()
        self._halted: set[int] = set()
        self._thread = threading.Thread(target=self._run, name="rdrs-store-writer", daemon=True)
        self._thread.start()

    def writer_for(self, doc_id: int, annotator: str | None) -> Writer:
        """What an ``EditSession`` of ``doc_id`` calls with each change set."""
        def write(changes: list[Change]) -> None:
            self.submit(doc_id, annotator, changes)
        return write

    def submit(self, doc_id: int, annotator: str | None, changes: Sequence[Change]) -> None:
        with self._lock:
            self._queued += 1
            self._idle.clear()
        self._queue.put((doc_id, annotator, list(changes)))

    def pending(self) -> int:
        """Change sets not written yet."""
        with self._lock:
            return self._queued

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every queued change set is written (or failed); False on timeout."""
        return self._idle.wait(timeout)

    def resume(self, doc_id: int) -> None:
        """The window reloaded ``doc_id`` after a failure: write its change sets again."""
        with self._lock:
            self._halted.discard(doc_id)

    def close(self, timeout: float | None = None) -> bool:
        """Write what is queued, then stop the thread; False if it did not finish in time."""
        self._queue.put(_STOP)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:  # on the writer thread
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            doc_id, annotator, changes = item
            message = None
            with self._lock:
                halted = doc_id in self._halted
            if not halted:
                try:
                    self.store.apply_changes(doc_id, changes, annotator)
                except RdrsError as exc:
                    message = str(exc)
                except Exception as exc:  # a bug must reach the user, not end the thread silently
                    message = f"{type(exc).__name__}: {exc}"
            if message is not None:
                with self._lock:
                    self._halted.add(doc_id)
                self.failed.emit(doc_id, message)
            with self._lock:
                self._queued -= 1
                empty = self._queued == 0
                if empty:
                    self._idle.set()
            if empty:
                self.drained.emit()
