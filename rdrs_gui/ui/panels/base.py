"""What every side panel shares: it follows one EditSession and changes it only through the
editor's undo stack (``Execute``), so panel edits are undoable and saved like editor edits."""
from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QWidget

from rdrs_gui.core.editing import Change, Edit, EditSession
from rdrs_gui.core.schema import Schema

# execute(text for the undo menu, operation) runs the operation and pushes its undo command.
Execute = Callable[[str, Callable[[], Edit]], None]


class SessionPanel(QWidget):
    """Subscribes to the current session and re-renders on every change it reports."""

    def __init__(self, execute: Execute, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.execute = execute
        self.session: EditSession | None = None
        self.schema: Schema | None = None

    def set_session(self, session: EditSession | None, schema: Schema | None) -> None:
        if self.session is not None:
            self.session.unsubscribe(self._on_change)
        self.session, self.schema = session, schema
        if session is not None:
            session.subscribe(self._on_change)
        self.refresh()

    def _on_change(self, change: Change) -> None:
        self.refresh()

    def refresh(self) -> None:
        raise NotImplementedError
