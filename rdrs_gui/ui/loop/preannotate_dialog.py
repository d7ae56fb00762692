"""Pre-annotate a batch: the current document, the documents the list shows (its filter), or
every unlabelled document. A progress bar with documents/s and time left, Cancel, and a
summary. The dialog is not modal, and closing it leaves the batch running (the status bar
keeps showing its progress)."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QDialog, QDialogButtonBox, QLabel, QProgressBar,
                               QPushButton, QRadioButton, QVBoxLayout, QWidget)

from rdrs_gui.jobs import registry
from rdrs_gui.jobs.preannotate import PreannotationSummary, Progress

from .controller import LoopController

SCOPES = ("current", "list", "unlabelled")


def eta_text(seconds: float | None) -> str:
    if seconds is None:
        return "estimating time left"
    if seconds < 90:
        return f"about {max(1, round(seconds))} s left"
    return f"about {round(seconds / 60)} min left"


def progress_text(p: Progress) -> str:
    return f"{p.done} / {p.total} documents · {p.docs_per_s:.1f} documents/s · {eta_text(p.eta_s)}"


class PreannotateDialog(QDialog):
    def __init__(self, controller: LoopController, current_doc: Callable[[], int | None],
                 list_query: Callable[[], dict], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Pre-annotate")
        self.setModal(False)
        self.controller = controller
        self.current_doc = current_doc
        self.list_query = list_query
        self.models = QLabel(self)
        self.models.setWordWrap(True)
        self.scope = QButtonGroup(self)
        texts = {"current": "The open document", "list": "The documents in the list (its current filter)",
                 "unlabelled": "All unlabelled documents (no human annotations yet)"}
        self.radios: dict[str, QRadioButton] = {}
        for n, key in enumerate(SCOPES):
            radio = QRadioButton(texts[key], self)
            radio.setObjectName(f"scope-{key}")
            self.scope.addButton(radio, n)
            self.radios[key] = radio
        self.radios["unlabelled"].setChecked(True)
        self.force = QCheckBox("Also redo documents this model has already pre-annotated", self)
        self.bar = QProgressBar(self)
        self.bar.setObjectName("preannotateProgress")
        self.bar.setTextVisible(True)
        self.status = QLabel("Suggestions never replace human annotations, and a rejected suggestion is "
                             "never offered again.", self)
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(self)
        self.start_button = QPushButton("Start", self)
        self.start_button.setObjectName("startPreannotation")
        self.cancel_button = QPushButton("Cancel batch", self)
        self.cancel_button.setObjectName("cancelPreannotation")
        self.buttons.addButton(self.start_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.close)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.models)
        for key in SCOPES:
            layout.addWidget(self.radios[key])
        layout.addWidget(self.force)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        controller.preannotateProgress.connect(self.on_progress)
        controller.preannotateFinished.connect(self.on_finished)
        controller.modelsChanged.connect(self.refresh)
        self.resize(520, 300)
        self.refresh()

    def refresh(self) -> None:
        models = self.controller.active_models()
        lines = []
        for kind, m in models.items():
            f1 = registry.macro_f1(m)
            lines.append(f"{kind}: <b>{m.version}</b>" + (f" (dev macro F1 {f1:.3f})" if f1 is not None else ""))
        self.models.setText("Active models — " + "; ".join(lines) if lines else
                            "<b>No active model.</b> Train one with Retrain, or activate one in the model registry.")
        self.radios["current"].setEnabled(self.current_doc() is not None)
        running = self.controller.preannotating()
        self.start_button.setEnabled(bool(lines) and not running)
        self.cancel_button.setEnabled(running)

    def chosen_scope(self) -> dict:
        """The open document, the list's query, or every unlabelled document; the queries run
        in the pre-annotation process, never on the UI thread."""
        key = SCOPES[self.scope.checkedId()]
        if key == "current":
            doc = self.current_doc()
            return {"ids": [doc] if doc is not None else []}
        if key == "list":
            return {"query": self.list_query()}
        return {"unlabelled": True}

    def start(self) -> None:
        why = self.controller.preannotate(self.chosen_scope(), force=self.force.isChecked())
        if why is not None:
            self.status.setText(f"Not started: {why}.")
            return
        self.bar.setRange(0, 0)   # busy until the first batch (the model loads first)
        self.status.setText("Starting the model…")
        self.refresh()

    def cancel(self) -> None:
        self.controller.cancel_preannotation()
        self.status.setText("Cancelling after the batch in flight…")
        self.cancel_button.setEnabled(False)

    def on_progress(self, p: Progress) -> None:
        self.bar.setRange(0, max(1, p.total))
        self.bar.setValue(p.done)
        self.status.setText(progress_text(p))

    def on_finished(self, summary: PreannotationSummary) -> None:
        self.bar.setRange(0, max(1, summary.total))
        self.bar.setValue(summary.documents)
        self.status.setText(summary.text()[0].upper() + summary.text()[1:])
        self.refresh()
