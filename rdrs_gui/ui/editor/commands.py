"""Undo commands over ``EditSession`` operations.

The operation runs before the command is pushed (so a refused edit never reaches the stack);
the command keeps the exact inverse the session returned. Undo applies it and keeps what that
returned for redo. Each command also remembers which span was current before and after, so
undo and redo put the user back where the edit happened.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QUndoCommand

from rdrs_gui.core.editing import Edit, EditSession
from rdrs_gui.core.errors import RdrsError


class SessionCommand(QUndoCommand):
    """One user action (possibly many session operations, e.g. "accept all visible")."""

    def __init__(self, session: EditSession, text: str, inverse: Edit, focus_before: str, focus_after: str,
                 restore_focus: Callable[[str], None], report: Callable[[str], None]) -> None:
        super().__init__(text)
        self.session = session
        self.inverse: Edit | None = inverse
        self.forward: Edit | None = None
        self.focus_before = focus_before
        self.focus_after = focus_after
        self._restore_focus = restore_focus
        self._report = report

    def redo(self) -> None:
        if self.forward is None:   # pushed right after the operation ran: nothing to do yet
            return
        self.inverse = self._run(self.forward)
        self.forward = None
        self._restore_focus(self.focus_after)

    def undo(self) -> None:
        self.forward = self._run(self.inverse)
        self.inverse = None
        self._restore_focus(self.focus_before)

    def _run(self, edit: Edit | None) -> Edit | None:
        try:
            return self.session.apply(edit)
        except RdrsError as exc:   # e.g. the database went read-only: say so, keep the app alive
            self._report(QCoreApplication.translate("SpanEditor", "Could not do “{edit}”: {error}").format(
                edit=self.text(), error=exc))
            self.setObsolete(True)
            return None
