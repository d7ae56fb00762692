"""The model registry: every trained version side by side (per-tag F1 on its dev split, macro
F1 on the pinned evaluation set, data size, device), the learning curve (F1 against the number
of training documents, like Figure 11 of the RDRS paper), activate and roll back, the
auto-activation rule, the pinned evaluation set and the training settings used by Retrain."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QDialog, QDoubleSpinBox, QFileDialog, QFormLayout,
                               QGroupBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMessageBox, QPushButton,
                               QSplitter, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from rdrs_gui.core.errors import RdrsError
from rdrs_gui.core.store import ModelRow
from rdrs_gui.jobs import registry

from .controller import ENCODER_SETTING, MINUTES_SETTING, LoopController
from .curve import CurveWidget, Series

FIXED = ("", QT_TRANSLATE_NOOP("RegistryDialog", "Version"), QT_TRANSLATE_NOOP("RegistryDialog", "Kind"),
         QT_TRANSLATE_NOOP("RegistryDialog", "Created"), QT_TRANSLATE_NOOP("RegistryDialog", "Device"),
         QT_TRANSLATE_NOOP("RegistryDialog", "Train docs"), QT_TRANSLATE_NOOP("RegistryDialog", "Dev macro F1"),
         QT_TRANSLATE_NOOP("RegistryDialog", "Dev micro F1"), QT_TRANSLATE_NOOP("RegistryDialog", "Eval macro F1"))


def _tr(text: str) -> str:
    return QCoreApplication.translate("RegistryDialog", text) if text else text


def _f1(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def learning_curve(models: list[ModelRow]) -> list[Series]:
    """Dev and evaluation macro F1 against training documents, one point per version."""
    ordered = sorted(models, key=lambda m: (len(m.documents), m.id))
    dev = [(len(m.documents), registry.macro_f1(m)) for m in ordered]
    ev = [(len(m.documents), registry.macro_f1(m, "eval")) for m in ordered]
    return [
        Series(QCoreApplication.translate("RegistryDialog", "dev macro F1"), "#1f5fa8", [(x, y) for x, y in dev if y is not None], right_axis=True, marker="circle",
               labels=[f"#{m.id}" for m, (_, y) in zip(ordered, dev) if y is not None]),
        Series(QCoreApplication.translate("RegistryDialog", "evaluation-set macro F1"), "#c8501e", [(x, y) for x, y in ev if y is not None], right_axis=True,
               dash=Qt.PenStyle.DashLine, marker="square"),
    ]


class RegistryDialog(QDialog):
    def __init__(self, controller: LoopController, listed_ids: Callable[[], list[int]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Model registry"))
        self.setModal(False)
        self.controller = controller
        self.store = controller.store
        self.listed_ids = listed_ids
        self.models: list[ModelRow] = []
        self.tags: list[str] = []

        self.table = QTableWidget(0, len(FIXED), self)
        self.table.setObjectName("modelsTable")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.curve = CurveWidget(self.tr("training documents"), "", self.tr("macro F1"), self)
        self.curve.empty_text = self.tr("No models yet: press Retrain")

        self.activate_button = QPushButton(self.tr("Activate"), self)
        self.activate_button.setObjectName("activateModel")
        self.activate_button.clicked.connect(self.activate_selected)
        self.rollback_button = QPushButton(self.tr("Roll back"), self)
        self.rollback_button.setObjectName("rollbackModel")
        self.rollback_button.setToolTip(self.tr("Re-activate the version that was active before the current one"))
        self.rollback_button.clicked.connect(self.rollback)
        self.add_button = QPushButton(self.tr("Add bundle…"), self)
        self.add_button.setToolTip(self.tr("Register a model folder trained with python -m trainer"))
        self.add_button.clicked.connect(self.add_bundle)
        self.auto = QCheckBox(self.tr("Activate a new model automatically when its dev macro F1 beats the active one"),
                              self)
        self.auto.setObjectName("autoActivate")
        self.auto.toggled.connect(lambda on: self.store.set_setting(registry.AUTO_ACTIVATE, bool(on)))
        self.notice = QLabel(self)
        self.notice.setWordWrap(True)

        evaluation = QGroupBox(self.tr("Evaluation set (never trained on; every model is scored on it)"), self)
        self.eval_label = QLabel(evaluation)
        pin = QPushButton(self.tr("Pin the documents in the list"), evaluation)
        pin.setObjectName("pinEvalSet")
        pin.clicked.connect(self.pin_listed)
        clear = QPushButton(self.tr("Unpin all"), evaluation)
        clear.clicked.connect(lambda: self._set_eval([]))
        self.rescore_button = QPushButton(self.tr("Score all models on it"), evaluation)
        self.rescore_button.setObjectName("rescoreModels")
        self.rescore_button.clicked.connect(self._rescore)
        row = QHBoxLayout(evaluation)
        row.addWidget(self.eval_label, 1)
        for b in (pin, clear, self.rescore_button):
            row.addWidget(b)

        training = QGroupBox(self.tr("Retrain settings"), self)
        self.encoder = QLineEdit(str(self.store.setting(ENCODER_SETTING, "embedded")), training)
        self.encoder.setToolTip(self.tr("'embedded' (offline, fast on a CPU) or a Hugging Face encoder id or folder, "
                                        "e.g. xlm-roberta-base (best on a GPU)"))
        self.encoder.editingFinished.connect(lambda: self.store.set_setting(
            ENCODER_SETTING, self.encoder.text().strip() or "embedded"))
        self.minutes = QDoubleSpinBox(training)
        self.minutes.setRange(0.5, 24 * 60)
        self.minutes.setSuffix(self.tr(" min"))
        self.minutes.setValue(float(self.store.setting(MINUTES_SETTING, 30.0)))
        self.minutes.valueChanged.connect(lambda v: self.store.set_setting(MINUTES_SETTING, float(v)))
        form = QFormLayout(training)
        form.addRow(self.tr("Encoder:"), self.encoder)
        form.addRow(self.tr("Time budget:"), self.minutes)

        buttons = QHBoxLayout()
        for b in (self.activate_button, self.rollback_button, self.add_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        top = QWidget(self)
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.table)
        top_layout.addLayout(buttons)
        top_layout.addWidget(self.auto)
        top_layout.addWidget(self.notice)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(top)
        split.addWidget(self.curve)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addWidget(evaluation)
        layout.addWidget(training)
        controller.modelsChanged.connect(self.refresh)
        self.resize(1100, 720)
        self.refresh()

    # ---------------------------------------------------------------- view
    def refresh(self) -> None:
        keep = self.selected()
        self.models = self.store.list_models()
        self.tags = list(dict.fromkeys(t for m in self.models for t in registry.per_tag_f1(m)))
        headers = [_tr(h) for h in FIXED] + [f"{t} F1" for t in self.tags]
        self.table.setColumnCount(len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setRowCount(len(self.models))
        best = self._best_per_column()
        for r, m in enumerate(self.models):
            values = [self.tr("● active") if m.active else "", m.version, m.kind, f"{m.created:%Y-%m-%d %H:%M}", m.device,
                      str(len(m.documents)), _f1(registry.macro_f1(m)), _f1(registry.micro_f1(m)),
                      _f1(registry.macro_f1(m, "eval"))]
            tags = registry.per_tag_f1(m)
            values += [_f1(tags.get(t)) for t in self.tags]
            for c, text in enumerate(values):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, m.id)
                if c >= 5:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if best.get(c) == text and text != "–" and len(self.models) > 1:
                    font = QFont(item.font())
                    font.setBold(True)      # the best figure of each column, in bold (not by colour)
                    item.setFont(font)
                    item.setToolTip(self.tr("best of all versions"))
                if c == 1:
                    item.setToolTip(self.tr("{path}\nsnapshot: {train} train, {dev} dev, {eval} evaluation documents")
                                    .format(path=m.path, train=len(m.snapshot.get("train", m.documents)),
                                            dev=len(m.snapshot.get("dev", [])), eval=len(m.snapshot.get("eval", []))))
                self.table.setItem(r, c, item)
        if keep is not None:
            self.select(keep)
        self.curve.set_series(learning_curve([m for m in self.models if m.kind == "tagger"]))
        self.auto.blockSignals(True)
        self.auto.setChecked(registry.auto_activate_enabled(self.store))
        self.auto.blockSignals(False)
        self._update_eval_label()
        self._update_buttons()

    def _best_per_column(self) -> dict[int, str]:
        best: dict[int, str] = {}
        for c in range(6, len(FIXED) + len(self.tags)):
            values = []
            for m in self.models:
                tags = registry.per_tag_f1(m)
                figure = ([registry.macro_f1(m), registry.micro_f1(m), registry.macro_f1(m, "eval")]
                          + [tags.get(t) for t in self.tags])[c - 6]
                if figure is not None:
                    values.append(figure)
            if values:
                best[c] = _f1(max(values))
        return best

    def _update_eval_label(self) -> None:
        n = len(self.store.eval_set())
        self.eval_label.setText(self.tr("{n} document(s) pinned").format(n=n) if n else
                                self.tr("No evaluation set pinned: models are compared on their own dev splits only"))
        # nothing to score on without a pinned set: say why rather than queue a job that fails
        self.rescore_button.setEnabled(bool(n))
        self.rescore_button.setToolTip(
            self.tr("Score every model on the {n} pinned documents, so all are compared on the same ones").format(n=n)
            if n else self.tr("Pin an evaluation set first (the documents in the list, or the first retrain pins "
                              "one): there is nothing to score the models on yet"))

    def selected(self) -> int | None:
        items = self.table.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def select(self, model_id: int) -> None:
        for r, m in enumerate(self.models):
            if m.id == model_id:
                self.table.selectRow(r)

    def _update_buttons(self) -> None:
        chosen = next((m for m in self.models if m.id == self.selected()), None)
        self.activate_button.setEnabled(chosen is not None and not chosen.active)
        self.rollback_button.setEnabled(any(m.activated is not None and not m.active for m in self.models))

    # ---------------------------------------------------------------- commands
    def activate_selected(self) -> None:
        model_id = self.selected()
        if model_id is None:
            return
        self._try(lambda: self.controller.activate(model_id), self.tr("Cannot activate this model"))

    def rollback(self) -> None:
        chosen = next((m for m in self.models if m.id == self.selected()), None)
        self._try(lambda: self.controller.rollback(chosen.kind if chosen else "tagger"), self.tr("Cannot roll back"))

    def add_bundle(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.tr("Model bundle folder"))
        if path:
            self._try(lambda: registry.add_bundle(self.store, path), self.tr("Cannot register this folder"))
            self.controller.modelsChanged.emit()

    def pin_listed(self) -> None:
        self._set_eval(self.listed_ids())

    def _set_eval(self, ids: list[int]) -> None:
        self._try(lambda: self.store.set_eval_set(ids), self.tr("Cannot pin the evaluation set"))
        self._update_eval_label()

    def _rescore(self) -> None:
        job = self.controller.rescore()
        if job is not None:
            self.notice.setText(self.tr("Scoring job {job} queued: see the Jobs panel. The table updates when it ends.")
                                .format(job=job))

    def _try(self, action: Callable[[], object], title: str) -> None:
        try:
            action()
        except RdrsError as exc:
            self.notice.setText(f"<b>{title}:</b> {exc}")
            QMessageBox(QMessageBox.Icon.Warning, title, f"{exc}", QMessageBox.StandardButton.Ok, self).open()
            return
        self.notice.setText("")
