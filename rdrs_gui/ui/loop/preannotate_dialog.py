"""Pre-annotate a batch: the current document, the documents the list shows (its filter), or
every unlabelled document. A progress bar with documents/s and time left, Cancel, and a
summary. The dialog is not modal, and closing it leaves the batch running (the status bar
keeps showing its progress).

Human work comes first: documents marked done or curated are left out unless "Include
documents marked done or curated" is ticked. The dialog shows the run it started: its scope
as soon as the pre-annotation process has resolved it, then its result; reopened when no run
is going, it shows no earlier run's figures.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QDialog, QDialogButtonBox, QLabel, QProgressBar,
                               QPushButton, QRadioButton, QVBoxLayout, QWidget)

from rdrs_gui.jobs import registry
from rdrs_gui.jobs.preannotate import PreannotationSummary, Progress

from .controller import LoopController

SCOPES = ("current", "list", "unlabelled")


def eta_text(seconds: float | None) -> str:
    if seconds is None:
        return QCoreApplication.translate("PreannotateDialog", "estimating time left")
    if seconds < 90:
        return QCoreApplication.translate("PreannotateDialog", "about {n} s left").format(n=max(1, round(seconds)))
    return QCoreApplication.translate("PreannotateDialog", "about {n} min left").format(n=round(seconds / 60))


def progress_text(p: Progress) -> str:
    text = QCoreApplication.translate("PreannotateDialog", "{done} / {total} documents · {rate} documents/s · {eta}")
    return text.format(done=p.done, total=p.total, rate=f"{p.docs_per_s:.1f}", eta=eta_text(p.eta_s))


def result_text(s: PreannotationSummary) -> str:
    """``PreannotationSummary.text()`` in the interface language (worker and store messages
    stay as they come: they are not the app's strings)."""
    if s.cancelled:
        how = QCoreApplication.translate("PreannotateDialog", "Cancelled after {done} of {total} documents")
    elif s.error:
        how = QCoreApplication.translate("PreannotateDialog", "Stopped after {done} of {total} documents")
    else:
        how = QCoreApplication.translate("PreannotateDialog", "Pre-annotated {done} of {total} documents")
    rate = QCoreApplication.translate("PreannotateDialog", "({n} suggestions, {rate} documents/s)")
    parts = [how.format(done=s.documents, total=s.total) + " "
             + rate.format(n=s.suggestions, rate=f"{s.docs_per_s:.1f}")]
    if s.left_out_done:
        parts.append(QCoreApplication.translate(
            "PreannotateDialog", "{n} marked done or curated were left out (include them explicitly to "
            "pre-annotate them)").format(n=s.left_out_done))
    if s.skipped:
        parts.append(QCoreApplication.translate(
            "PreannotateDialog", "{n} already done by this model were skipped").format(n=s.skipped))
    if s.restarts:
        parts.append(QCoreApplication.translate(
            "PreannotateDialog", "the model worker stopped and was restarted {n}×").format(n=s.restarts))
    parts += s.warnings
    if s.error:
        parts.append(QCoreApplication.translate(
            "PreannotateDialog", "{error}. Run it again to continue: finished documents are kept.")
            .format(error=s.error.rstrip(".")))
    return "; ".join(parts)


class PreannotateDialog(QDialog):
    def __init__(self, controller: LoopController, current_doc: Callable[[], int | None],
                 list_query: Callable[[], dict], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Pre-annotate"))
        self.setModal(False)
        self.controller = controller
        self.current_doc = current_doc
        self.list_query = list_query
        self.running_scope: str | None = None   # the scope of the run this dialog started
        self.models = QLabel(self)
        self.models.setWordWrap(True)
        self.scope = QButtonGroup(self)
        texts = {"current": self.tr("The open document"),
                 "list": self.tr("The documents in the list (its current filter)"),
                 "unlabelled": self.tr("All unlabelled documents (no human annotations yet)")}
        self.radios: dict[str, QRadioButton] = {}
        for n, key in enumerate(SCOPES):
            radio = QRadioButton(texts[key], self)
            radio.setObjectName(f"scope-{key}")
            self.scope.addButton(radio, n)
            self.radios[key] = radio
        self.radios["unlabelled"].setChecked(True)
        self.include_done = QCheckBox(self.tr("Include documents marked done or curated (left out otherwise)"), self)
        self.include_done.setObjectName("includeDone")
        self.force = QCheckBox(self.tr("Also redo documents this model has already pre-annotated"), self)
        self.scope_line = QLabel(self)
        self.scope_line.setObjectName("preannotateScope")
        self.scope_line.setWordWrap(True)
        self.bar = QProgressBar(self)
        self.bar.setObjectName("preannotateProgress")
        self.bar.setTextVisible(True)
        self.status = QLabel(self)
        self.status.setObjectName("preannotateStatus")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(self)
        self.start_button = QPushButton(self.tr("Start"), self)
        self.start_button.setObjectName("startPreannotation")
        self.cancel_button = QPushButton(self.tr("Cancel batch"), self)
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
        layout.addWidget(self.include_done)
        layout.addWidget(self.force)
        layout.addWidget(self.scope_line)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        controller.preannotateStarted.connect(self.on_started)
        controller.preannotateProgress.connect(self.on_progress)
        controller.preannotateFinished.connect(self.on_finished)
        controller.modelsChanged.connect(self.refresh)
        self.resize(560, 340)
        self.idle()
        self.refresh()

    def idle(self) -> None:
        """No run of this dialog's to show: the rules, an empty bar."""
        self.running_scope = None
        self.scope_line.clear()
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.status.setText(self.tr("Suggestions never replace human annotations, a rejected suggestion is never "
                                    "offered again, and documents with human annotations keep their state."))

    def refresh(self) -> None:
        models = self.controller.active_models()
        lines = []
        for kind, m in models.items():
            f1 = registry.macro_f1(m)
            score = f" (dev {registry.f1_name(m)} {f1:.3f})" if f1 is not None else ""
            lines.append(f"{kind}: <b>{m.version}</b>{score}")
        self.models.setText(self.tr("Active models — {models}").format(models="; ".join(lines)) if lines else
                            self.tr("<b>No active model.</b> Train one with Retrain, or activate one in the "
                                    "model registry."))
        self.radios["current"].setEnabled(self.current_doc() is not None)
        running = self.controller.preannotating()
        self.start_button.setEnabled(bool(lines) and not running)
        self.cancel_button.setEnabled(running)

    def reopened(self) -> None:
        """Shown again: an earlier run's result is not this one's."""
        if not self.controller.preannotating():
            self.idle()
        self.refresh()

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

    def scope_name(self) -> str:
        key = SCOPES[self.scope.checkedId()]
        return {"current": self.tr("the open document"), "list": self.tr("the documents in the list"),
                "unlabelled": self.tr("all unlabelled documents")}[key]

    def start(self) -> None:
        scope = self.scope_name()
        why = self.controller.preannotate(self.chosen_scope(), force=self.force.isChecked(),
                                          include_done=self.include_done.isChecked())
        if why is not None:
            self.status.setText(self.tr("Not started: {why}.").format(why=why))
            return
        self.running_scope = scope
        self.scope_line.setText(self.tr("Pre-annotating {scope}…").format(scope=scope))
        self.bar.setRange(0, 0)   # busy until the first batch (the model loads first)
        self.bar.setValue(0)
        self.status.setText(self.tr("Starting the model…"))
        self.refresh()

    def cancel(self) -> None:
        self.controller.cancel_preannotation()
        self.status.setText(self.tr("Cancelling after the batch in flight…"))
        self.cancel_button.setEnabled(False)

    def scope_text(self, s: PreannotationSummary) -> str:
        """What this run covers: the scope's documents, those left out and why, those to do."""
        parts = [self.tr("{scope}: {n} in scope").format(scope=self.running_scope or self.tr("this run"), n=s.scope)]
        if s.left_out_done:
            parts.append(self.tr("{n} marked done or curated left out").format(n=s.left_out_done))
        if s.skipped:
            parts.append(self.tr("{n} already pre-annotated by these models skipped").format(n=s.skipped))
        parts.append(self.tr("{n} to pre-annotate").format(n=s.total))
        text = "; ".join(parts)
        return text[:1].upper() + text[1:]

    def on_started(self, summary: PreannotationSummary) -> None:
        self.scope_line.setText(self.scope_text(summary))
        if not summary.total:
            self.bar.setRange(0, 1)
            self.bar.setValue(0)

    def on_progress(self, p: Progress) -> None:
        self.bar.setRange(0, max(1, p.total))
        self.bar.setValue(p.done)
        self.status.setText(progress_text(p))

    def on_finished(self, summary: PreannotationSummary) -> None:
        if summary.scope or not summary.error:
            self.scope_line.setText(self.scope_text(summary))
        else:   # stopped before its documents were known (no model could start)
            self.scope_line.clear()
        self.bar.setRange(0, max(1, summary.total))
        self.bar.setValue(summary.documents)
        self.status.setText(result_text(summary))
        self.refresh()
