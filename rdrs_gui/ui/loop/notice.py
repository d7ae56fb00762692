"""The notice shown when training ends: not modal, but it takes the keyboard (Enter and Esc
answer it). It says what the model learnt from (documents marked done and imported gold, both
named), compares it with the model active when training started on the same pinned evaluation
set where both were scored on it, tag by tag with the gold mentions behind each figure, and
offers to activate it — as the default answer only when it is not worse."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHeaderView, QLabel, QPushButton, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from rdrs_gui.core.errors import RdrsError
from rdrs_gui.jobs import registry
from rdrs_gui.jobs.comparison import FEW_MENTIONS, Comparison, compare
from rdrs_gui.jobs.training import TrainingResult

from ..i18n import status_text
from .controller import LoopController
from .jobs_panel import job_message


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
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.controller = controller
        self.result = result
        model, old = result.model, result.previous
        self.comparison = compare(model, old) if model is not None else None
        self.setWindowTitle(self.tr("Training finished") if result.state == "done"
                            else self.tr("Training {state}").format(state=status_text(result.state)))
        head = QLabel(self)
        head.setWordWrap(True)
        head.setObjectName("noticeText")
        head.setText("<br>".join(self._lines()))
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        self.table: QTableWidget | None = None
        if self.comparison is not None and self.comparison.rows:
            self.table = self._table(self.comparison, old is not None)
            layout.addWidget(self.table)
        buttons = QDialogButtonBox(self)
        self.activate_button: QPushButton | None = None
        if model is not None and not result.activated:   # nothing to activate after a cancel without a model
            self.activate_button = QPushButton(self.tr("Activate the new model"), self)
            self.activate_button.setObjectName("activateNew")
            self.activate_button.clicked.connect(self.activate)
            buttons.addButton(self.activate_button, QDialogButtonBox.ButtonRole.AcceptRole)
        registry_button = QPushButton(self.tr("Model registry…"), self)
        registry_button.clicked.connect(lambda: (open_registry(), self.close()))
        buttons.addButton(registry_button, QDialogButtonBox.ButtonRole.ActionRole)
        worse = self.comparison is not None and self.comparison.worse
        self.later_button = QPushButton(self.tr("Keep the active model") if worse and self.activate_button
                                        else self.tr("Later"), self)
        self.later_button.setObjectName("noticeLater")
        self.later_button.clicked.connect(self.close)
        buttons.addButton(self.later_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.default_button = self.activate_button if self.activate_button is not None and not worse \
            else self.later_button
        for button in (self.activate_button, registry_button, self.later_button):
            if button is not None:
                button.setAutoDefault(button is self.default_button)
                button.setDefault(button is self.default_button)
        layout.addWidget(buttons)
        rows = len(self.comparison.rows) if self.comparison is not None else 0
        self.resize(560, 180 if not rows else 460 if rows > 4 else 300)

    def _lines(self) -> list[str]:
        result, model, old = self.result, self.result.model, self.result.previous
        said = job_message(result.message)
        lines = [said[:1].upper() + said[1:] if said else status_text(result.state)]
        if model is None:
            return lines
        snap = model.snapshot
        if isinstance(snap.get("marked_done"), int) and isinstance(snap.get("imported_gold"), int):
            lines.append(self.tr("Trained on {n} documents: {done} marked done and {gold} with imported gold "
                                 "annotations ({train} to learn from, {dev} held out for dev).").format(
                n=snap["marked_done"] + snap["imported_gold"], done=snap["marked_done"], gold=snap["imported_gold"],
                train=len(snap.get("train", [])), dev=len(snap.get("dev", []))))
        if snap.get("annotator_layers"):
            lines.append(self.tr("Of the documents marked done, {curated} have curated gold and {layers} were taken "
                                 "from an annotator's done layer (not curated yet).").format(
                curated=snap.get("curated", 0), layers=snap["annotator_layers"]))
        if snap.get("pinned_now"):
            lines.append(self.tr("{n} other documents were pinned as the evaluation set: never trained on, every "
                                 "model is scored on them (Model registry → Evaluation set).").format(
                n=snap["pinned_now"]))
        if old is None and model.kind == "classifier":
            lines.append(self.tr("No ADR classifier was active: activate this one and pre-annotation scores "
                                 "each review's ADR probability."))
        elif old is None:
            lines.append(self.tr("No model was active: activate this one to get suggestions."))
        comparison = self.comparison
        if comparison is not None and old is not None and comparison.old_macro is not None:
            where = (self.tr("on the same {n} pinned evaluation documents").format(n=comparison.documents)
                     if comparison.split == "eval"
                     else self.tr("on each model's own dev split (no evaluation set both were scored on)"))
            verdict = (self.tr("<b>The new model is worse.</b>") if comparison.worse
                       else self.tr("The new model is at least as good."))
            lines.append(self.tr("{metric} {where}: new {new}, active {version} {old}. {verdict}").format(
                metric=registry.f1_name(model)[:1].upper() + registry.f1_name(model)[1:], where=where, version=old.version,
                new="–" if comparison.new_macro is None else f"{comparison.new_macro:.3f}",
                old=f"{comparison.old_macro:.3f}", verdict=verdict))
        if comparison is not None and any(r.mentions is not None and r.mentions < FEW_MENTIONS
                                          for r in comparison.rows):
            lines.append(self.tr("<i>Grey rows rest on fewer than {n} gold mentions: one mention found or missed "
                                 "moves their F1 a lot.</i>").format(n=FEW_MENTIONS))
        if result.activated:
            lines.append(self.tr("<b>It is now active</b> (auto-activation rule)."))
        return lines

    def _table(self, comparison: Comparison, has_old: bool) -> QTableWidget:
        on = self.tr("eval") if comparison.split == "eval" else self.tr("dev")
        table = QTableWidget(len(comparison.rows), 5, self)
        table.setObjectName("noticeTable")
        table.setHorizontalHeaderLabels([self.tr("Tag"), self.tr("Mentions"), self.tr("New {on} F1").format(on=on),
                                         self.tr("Active {on} F1").format(on=on) if has_old else self.tr("(no active)"),
                                         self.tr("Change")])
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for r, row in enumerate(comparison.rows):
            few = row.mentions is not None and row.mentions < FEW_MENTIONS
            texts = (row.tag, "–" if row.mentions is None else str(row.mentions),
                     "–" if row.new is None else f"{row.new:.3f}", "–" if row.old is None else f"{row.old:.3f}",
                     delta_text(row.new, row.old))
            for c, text in enumerate(texts):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if few:
                    item.setForeground(Qt.GlobalColor.gray)
                    font = QFont(item.font())
                    font.setItalic(True)
                    item.setFont(font)
                    item.setToolTip(self.tr("{n} gold mention(s) of {tag}: a change here is a mention or two "
                                            "found or missed").format(n=row.mentions, tag=row.tag))
                table.setItem(r, c, item)
        return table

    def showEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        """Take the keyboard, so Enter gives the default answer and Esc closes."""
        super().showEvent(event)
        self.activateWindow()
        self.raise_()
        self.default_button.setFocus()

    def activate(self) -> None:
        try:
            self.controller.activate(self.result.model.id)
        except RdrsError as exc:
            self.controller.message.emit(self.tr("Cannot activate {version}: {error}").format(
                version=self.result.model.version, error=exc))
        self.close()
