"""The jobs dock: queued, running and past jobs, cancel, the log, and a live curve of the
selected training job (loss and dev F1 by epoch). A past job's curve is rebuilt from its log,
which holds every progress event."""
from __future__ import annotations

import json
import re
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from rdrs_gui.core.store import JobRow
from rdrs_gui.jobs.training import TrainingRequest, progress_fraction

from ..i18n import status_text
from .controller import LoopController
from .curve import CurveWidget, Series

SHOWN = 30
FINAL = ("done", "failed", "cancelled")
STATE_MARK = {"queued": "…", "running": "▶", "done": "✓", "failed": "✗", "cancelled": "■"}


def _tr(text: str) -> str:
    return QCoreApplication.translate("JobsPanel", text)


# The job layer (Qt-free, shared with the CLI) writes its progress and outcome in English; the
# messages a user meets most are shown in the interface language by shape, anything else as it is.
_JOB_MESSAGES = (
    (r"collecting data", QT_TRANSLATE_NOOP("JobMessages", "collecting data")),
    (r"scoring on the pinned evaluation set", QT_TRANSLATE_NOOP("JobMessages", "scoring on the pinned evaluation set")),
    (r"training on (?P<total>\d+) documents: (?P<done>\d+) marked done \+ (?P<gold>\d+) with imported gold "
     r"annotations \((?P<train>\d+) to learn from, (?P<dev>\d+) held out for dev\)",
     QT_TRANSLATE_NOOP("JobMessages", "training on {total} documents: {done} marked done + {gold} with imported gold "
                                      "annotations ({train} to learn from, {dev} held out for dev)")),
    (r"(?P<kept>finished|best checkpoint kept): (?P<version>\S+), dev (?P<metric>.+?) (?P<f1>[\d.]+|n/a)"
     r"(?P<activated>, activated)?",
     QT_TRANSLATE_NOOP("JobMessages", "{kept}: {version}, dev {metric} {f1}{activated}")),
    (r"fine-tuning (?P<base>\S+)", QT_TRANSLATE_NOOP("JobMessages", "fine-tuning {base}")),
    (r"(?P<n>\d+) pinned as the evaluation set", QT_TRANSLATE_NOOP("JobMessages", "{n} pinned as the evaluation set")),
    (r"of those marked done, (?P<curated>\d+) curated and (?P<layers>\d+) from an annotator's done layer",
     QT_TRANSLATE_NOOP("JobMessages", "of those marked done, {curated} curated and {layers} from an annotator's "
                                      "done layer")),
    (r"cancelled before it started", QT_TRANSLATE_NOOP("JobMessages", "cancelled before it started")),
    (r"cancelled before the first checkpoint; no model was kept",
     QT_TRANSLATE_NOOP("JobMessages", "cancelled before the first checkpoint; no model was kept")),
    (r"cancelled: the app was closed", QT_TRANSLATE_NOOP("JobMessages", "cancelled: the app was closed")),
    (r"interrupted: the app closed before this job finished",
     QT_TRANSLATE_NOOP("JobMessages", "interrupted: the app closed before this job finished")),
    (r"scored (?P<scored>\d+) of (?P<models>\d+) models on (?P<docs>\d+) pinned documents",
     QT_TRANSLATE_NOOP("JobMessages", "scored {scored} of {models} models on {docs} pinned documents")),
)
_WORDS = {"finished": QT_TRANSLATE_NOOP("JobMessages", "finished"),
          "best checkpoint kept": QT_TRANSLATE_NOOP("JobMessages", "best checkpoint kept"),
          ", activated": QT_TRANSLATE_NOOP("JobMessages", ", activated")}


def job_message(text: str) -> str:
    """A job's message (see above) in the interface language, each ``;``-separated part alone."""
    parts = []
    for part in (text or "").split("; "):
        for pattern, template in _JOB_MESSAGES:
            found = re.fullmatch(pattern, part)
            if found:
                fields = {k: QCoreApplication.translate("JobMessages", _WORDS[v]) if v in _WORDS else (v or "")
                          for k, v in found.groupdict().items()}
                part = QCoreApplication.translate("JobMessages", template).format(**fields)
                break
        parts.append(part)
    return "; ".join(parts)


def curve_points(events: list[dict]) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """Loss (steps and epochs) and dev F1 (epochs) against fractional epochs."""
    loss, f1 = [], []
    for e in events:
        if e.get("event") == "step" and e.get("steps") and isinstance(e.get("loss"), (int, float)):
            loss.append((e["epoch"] - 1 + e["step"] / e["steps"], float(e["loss"])))
        elif e.get("event") == "epoch":
            if isinstance(e.get("loss"), (int, float)):
                loss.append((float(e["epoch"]), float(e["loss"])))
            if isinstance(e.get("dev_f1"), (int, float)):
                f1.append((float(e["epoch"]), float(e["dev_f1"])))
    return loss, f1


def read_events(log_path: str | None) -> list[dict]:
    if not log_path:
        return []
    out = []
    try:
        lines = Path(log_path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    for line in lines:
        if line.startswith("{"):
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(event, dict) and "event" in event:
                out.append(event)
    return out


def job_title(job: JobRow) -> str:
    """What a job does, in the words of the action that started it."""
    if job.kind == "train":
        return {"classifier": QCoreApplication.translate("JobsPanel", "Train ADR classifier"), "coref": QCoreApplication.translate("JobsPanel", "Retrain coreference")}.get(
            job.args.get("kind"), QCoreApplication.translate("JobsPanel", "Retrain"))
    return QCoreApplication.translate("JobsPanel", "Score on evaluation set") if job.kind == "evaluate" else job.kind


def status_line(events: list[dict]) -> str:
    epochs = [e for e in events if e.get("event") == "epoch"]
    start = next((e for e in events if e.get("event") == "start"), None)
    parts = []
    if start:
        count = start.get("train_documents", start.get("train_texts"))   # the tagger's / the classifier's
        parts.append(QCoreApplication.translate("JobsPanel", "{count} training documents on {device}").format(count=count, device=start.get("device")))
    if epochs:
        last = epochs[-1]
        best = max((e["dev_f1"] for e in epochs if isinstance(e.get("dev_f1"), (int, float))), default=None)
        parts.append(QCoreApplication.translate("JobsPanel", "epoch {epoch} · loss {loss}").format(epoch=last["epoch"], loss=last.get("loss"))
                     + (QCoreApplication.translate("JobsPanel", " · dev F1 {f1}").format(f1=f"{last['dev_f1']:.3f}")
                        if isinstance(last.get("dev_f1"), (int, float)) else "")
                     + (QCoreApplication.translate("JobsPanel", " (best {f1})").format(f1=f"{best:.3f}") if best is not None else ""))
    elif events and events[-1].get("event") == "featurized":
        parts.append(QCoreApplication.translate("JobsPanel", "first epoch running"))
    return " · ".join(parts)


class JobsPanel(QWidget):
    def __init__(self, controller: LoopController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.events: dict[int, list[dict]] = {}
        self.rows: list[JobRow] = []
        self.table = QTableWidget(0, 4, self)
        self.table.setObjectName("jobsTable")
        self.table.setHorizontalHeaderLabels([self.tr("Job"), self.tr("State"), self.tr("Progress"), self.tr("Message")])
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        for col in range(3):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._show_selected)
        self.retrain_button = QPushButton(self.tr("Retrain"), self)
        self.retrain_button.setToolTip(self.tr("Train a new tagger on the documents marked done (and gold)"))
        self.retrain_button.clicked.connect(controller.retrain)
        self.cancel_button = QPushButton(self.tr("Cancel job"), self)
        self.cancel_button.setObjectName("cancelJob")
        self.cancel_button.clicked.connect(self.cancel_selected)
        self.log_button = QPushButton(self.tr("Open log"), self)
        self.log_button.clicked.connect(self.open_log)
        self.curve = CurveWidget(self.tr("epoch"), self.tr("loss"), self.tr("dev F1"), self)
        self.curve.empty_text = self.tr("Select a training job to see its curve")
        self.detail = QLabel(self)
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QHBoxLayout()
        for b in (self.retrain_button, self.cancel_button, self.log_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.detail)
        layout.addWidget(self.curve, 3)
        controller.jobEvent.connect(self.on_event)
        controller.jobFinished.connect(lambda job_id, _result: self.refresh(select=job_id))
        self.refresh()

    # ---------------------------------------------------------------- data
    def refresh(self, select: int | None = None) -> None:
        keep = select if select is not None else self.selected_job()
        self.rows = list(reversed(self.controller.store.list_jobs()))[:SHOWN]
        self.table.setRowCount(len(self.rows))
        for r, job in enumerate(self.rows):
            what = job_title(job)
            cells = (f"#{job.id} {what}", f"{STATE_MARK.get(job.state, '')} {status_text(job.state)}".strip(),
                     f"{job.progress * 100:.0f} %", job_message(job.message))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, job.id)
                item.setToolTip(job_message(job.message) if c == 3 else text)
                self.table.setItem(r, c, item)
        target = keep if keep is not None else next((j.id for j in self.rows if j.state == "running"), None)
        if target is not None:
            self.select_job(target)
        self._update_buttons()

    def on_event(self, job_id: int, event: dict) -> None:
        self.events.setdefault(job_id, []).append(event)
        job = self._job(job_id)
        if job is None or event.get("event") in ("queued", "started", "start"):
            # new rows, or the job's message changed (e.g. "training on 120 documents")
            self.refresh(select=job_id if event.get("event") != "queued" else None)
            return
        share = progress_fraction(event, TrainingRequest.from_args(job.args)) if job.kind == "train" else None
        if share is not None:
            row = self.rows.index(job)
            self.table.item(row, 2).setText(f"{share * 100:.0f} %")
        if self.selected_job() == job_id:
            self._show(job_id)

    def selected_job(self) -> int | None:
        items = self.table.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def select_job(self, job_id: int) -> None:
        for r, job in enumerate(self.rows):
            if job.id == job_id:
                self.table.selectRow(r)
                self._show(job_id)
                return

    def _job(self, job_id: int) -> JobRow | None:
        return next((j for j in self.rows if j.id == job_id), None)

    def _show_selected(self) -> None:
        job_id = self.selected_job()
        if job_id is not None:
            self._show(job_id)
        self._update_buttons()

    def _show(self, job_id: int) -> None:
        job = self._job(job_id)
        events = self.events.get(job_id) or (read_events(job.log_path) if job is not None else [])
        if job is not None and job.state in FINAL and events:
            self.events[job_id] = events
        loss, f1 = curve_points(events)
        self.curve.set_series([
            Series(self.tr("loss"), "#1f5fa8", loss),
            Series(self.tr("dev F1"), "#c8501e", f1, right_axis=True, dash=Qt.PenStyle.DashLine, marker="circle"),
        ])
        line = status_line(events)
        self.detail.setText("<b>" + self.tr("Job {id}").format(id=job_id) + "</b>" + (f": {line}" if line else "")
                            + (f"<br>{job_message(job.message)}" if job is not None and job.message else ""))

    def _update_buttons(self) -> None:
        job = self._job(self.selected_job()) if self.selected_job() is not None else None
        self.cancel_button.setEnabled(job is not None and job.id in self.controller.queue.active())
        self.log_button.setEnabled(bool(job is not None and job.log_path))

    # ---------------------------------------------------------------- commands
    def cancel_selected(self) -> None:
        job_id = self.selected_job()
        if job_id is not None:
            self.controller.cancel_job(job_id)

    def open_log(self) -> None:
        job = self._job(self.selected_job()) if self.selected_job() is not None else None
        if job is not None and job.log_path:
            QDesktopServices.openUrl(QUrl.fromLocalFile(job.log_path))
