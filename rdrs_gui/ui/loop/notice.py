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

from ..i18n import status_text
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
        self.setWindowTitle(self.tr("Training finished") if result.state == "done"
                            else self.tr("Training {state}").format(state=status_text(result.state)))
        head = QLabel(self)
        head.setWordWrap(True)
        head.setObjectName("noticeText")
        lines = [result.message[0].upper() + result.message[1:] if result.message else status_text(result.state)]
        if model is not None:
            old_f1 = registry.macro_f1(old) if old is not None else None
            if old is None and model.kind == "classifier":
                lines.append(self.tr("No ADR classifier was active: activate this one and pre-annotation scores "
                                     "each review's ADR probability."))
            elif old is None:
                lines.append(self.tr("No model was active: activate this one to get suggestions."))
            elif old_f1 is not None:
                lines.append(self.tr("The active model {version} has dev {metric} {f1} ({old_docs} training "
                                     "documents; this one {new_docs}).").format(
                    version=old.version, metric=registry.f1_name(old), f1=f"{old_f1:.3f}",
                    old_docs=len(old.documents), new_docs=len(model.documents)))
            if result.activated:
                lines.append(self.tr("<b>It is now active</b> (auto-activation rule)."))
        head.setText("<br>".join(lines))
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        self.table = QTableWidget(0, 4, self)
        self.table.setObjectName("noticeTable")
        self.table.setHorizontalHeaderLabels([self.tr("Tag"), self.tr("New dev F1"),
                                              self.tr("Active dev F1") if old is not None else self.tr("(no active)"),
                                              self.tr("Change")])
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
        self.activate_button = QPushButton(self.tr("Activate the new model"), self)
        self.activate_button.setObjectName("activateNew")
        self.activate_button.setVisible(model is not None and not result.activated)
        self.activate_button.clicked.connect(self.activate)
        registry_button = QPushButton(self.tr("Model registry…"), self)
        registry_button.clicked.connect(lambda: (open_registry(), self.close()))
        buttons.addButton(self.activate_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(registry_button, QDialogButtonBox.ButtonRole.ActionRole)
        later = buttons.addButton(self.tr("Later"), QDialogButtonBox.ButtonRole.RejectRole)
        later.clicked.connect(self.close)
        layout.addWidget(buttons)
        self.resize(460, 160 if model is None else 420 if len(rows) > 4 else 260)

    def activate(self) -> None:
        try:
            self.controller.activate(self.result.model.id)
        except RdrsError as exc:
            self.controller.message.emit(self.tr("Cannot activate {version}: {error}").format(
                version=self.result.model.version, error=exc))
        self.close()
