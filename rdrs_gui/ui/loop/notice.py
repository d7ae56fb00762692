"""The notice shown when training ends: not modal and shown without taking the keyboard from
the editor. It compares the new model with the one active when training started, tag by tag
(dev F1), and offers to activate it."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHeaderView, QLabel, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from rdrs_gui.core.errors import RdrsError
from rdrs_gui.jobs import registry
from rdrs_gui.jobs.training import TrainingResult

from .controller import LoopController


def delta_text(new: float | None, old: float | None) -> str:
    """Signed change with an arrow, so better/worse never relies on colour."""
    if new is None or old is None:
        return ""
    d = new - old
    return "=" if abs(d) < 5e-4 else f"{'▲' if d > 0 else '▼'} {d:+.3f}"


class TrainingNotice(QDialog):
    def __init__(self, controller: LoopController, result: TrainingResult, open_registry: Callable[[], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModal(False)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.controller = controller
        self.result = result
        model, old = result.model, result.previous
        self.setWindowTitle("Training finished" if result.state == "done" else f"Training {result.state}")
        head = QLabel(self)
        head.setWordWrap(True)
        head.setObjectName("noticeText")
        lines = [result.message[0].upper() + result.message[1:] if result.message else result.state]
        if model is not None:
            old_f1 = registry.macro_f1(old) if old is not None else None
            if old is None and model.kind == "classifier":
                lines.append("No ADR classifier was active: activate this one and pre-annotation scores each "
                             "review's ADR probability.")
            elif old is None:
                lines.append("No model was active: activate this one to get suggestions.")
            elif old_f1 is not None:
                lines.append(f"The active model {old.version} has dev {registry.f1_name(old)} {old_f1:.3f} "
                             f"({len(old.documents)} training documents; this one {len(model.documents)}).")
            if result.activated:
                lines.append("<b>It is now active</b> (auto-activation rule).")
        head.setText("<br>".join(lines))
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        self.table = QTableWidget(0, 4, self)
        self.table.setObjectName("noticeTable")
        self.table.setHorizontalHeaderLabels(["Tag", "New dev F1", "Active dev F1" if old is not None else "(no active)",
                                              "Change"])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        rows = registry.comparison(model, old) if model is not None else []
        if model is not None:
            self.table.setRowCount(len(rows))
            for r, (tag, new, prev) in enumerate(rows):
                for c, text in enumerate((tag, "–" if new is None else f"{new:.3f}",
                                          "–" if prev is None else f"{prev:.3f}", delta_text(new, prev))):
                    self.table.setItem(r, c, QTableWidgetItem(text))
            layout.addWidget(self.table)
        buttons = QDialogButtonBox(self)
        self.activate_button = QPushButton("Activate the new model", self)
        self.activate_button.setObjectName("activateNew")
        self.activate_button.setVisible(model is not None and not result.activated)
        self.activate_button.clicked.connect(self.activate)
        registry_button = QPushButton("Model registry…", self)
        registry_button.clicked.connect(lambda: (open_registry(), self.close()))
        buttons.addButton(self.activate_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(registry_button, QDialogButtonBox.ButtonRole.ActionRole)
        later = buttons.addButton("Later", QDialogButtonBox.ButtonRole.RejectRole)
        later.clicked.connect(self.close)
        layout.addWidget(buttons)
        self.resize(460, 160 if model is None else 420 if len(rows) > 4 else 260)

    def activate(self) -> None:
        try:
            self.controller.activate(self.result.model.id)
        except RdrsError as exc:
            self.controller.message.emit(f"Cannot activate {self.result.model.version}: {exc}")
        self.close()
