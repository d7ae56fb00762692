"""Asked once, on first launch: whose layer and review states the edits belong to."""
from __future__ import annotations

import getpass

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget)


def login_name() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name on some sandboxes; the field then starts empty
        return ""


class AnnotatorDialog(QDialog):
    """One field, pre-filled with the login name, so Enter is enough on a personal machine."""

    def __init__(self, parent: QWidget | None = None, name: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Who is annotating?"))
        self.name_edit = QLineEdit(name or login_name(), self)
        self.name_edit.selectAll()
        self.name_edit.setPlaceholderText(self.tr("e.g. Anna"))
        info = QLabel(self.tr("Your name keeps your annotations and review states apart from other "
                              "annotators' in this database. It is asked once; change it later in the "
                              "File menu."), self)
        info.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok, parent=self)
        self.buttons.accepted.connect(self.accept)
        self.name_edit.textChanged.connect(self._update)
        layout = QVBoxLayout(self)
        layout.addWidget(info)
        layout.addWidget(self.name_edit)
        layout.addWidget(self.buttons)
        self._update()

    def name(self) -> str:
        return self.name_edit.text().strip()

    def _update(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.name()))
