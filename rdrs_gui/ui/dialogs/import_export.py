"""Import and export: run on a worker thread behind a progress dialog, end with a summary.

Import reads every input first, each on its own: an input that cannot be read is refused (with
the reason and what to do), the others are stored together in one transaction, so a file is
either imported whole or not at all. When something was refused, the summary offers to import
the refused inputs again skipping only their bad documents (``on_error="skip"``), and then lists
each document left out with its file, line and reason. Export writes human annotations by default.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSettings, Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLineEdit, QMessageBox, QProgressDialog,
                               QPushButton, QWidget)

from rdrs_gui.core import formats, services
from rdrs_gui.core.document import DOC_CURATED, DOC_DONE
from rdrs_gui.core.errors import RdrsError
from rdrs_gui.core.formats.base import SKIP, STOP, ReadResult
from rdrs_gui.core.store import ImportSummary, Store

from ..i18n import format_description
from ..tasks import Progress, TaskRunner

REFUSED_HINT = QT_TRANSLATE_NOOP("ImportExport", "Nothing from a refused file was stored. Fix the file and import "
                                                "it again, or name its format with File → Import files as format….")
SKIP_HINT = QT_TRANSLATE_NOOP("ImportExport", "<b>Import the others, skipping bad files</b> imports every good "
                                             "document of the refused files and lists each one left out.")


def _tr(text: str) -> str:
    return QCoreApplication.translate("ImportExport", text)


@dataclass
class ImportReport:
    """What an import did: the store's summary plus every input refused and why."""

    summary: ImportSummary | None
    refused: list[tuple[str, str]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)

    @property
    def skipped(self) -> list[str]:
        return self.summary.skipped if self.summary is not None else []


def run_import(store: Store, paths: Sequence[str | Path], format: str | None, annotator: str | None,
               progress: Progress, on_error: str = STOP) -> ImportReport:
    """Worker-thread body: read each path separately, refuse the bad ones, store the rest at once
    (``on_error="skip"``: a bad document is left out and listed, not its whole file)."""
    good: list[tuple[Path, ReadResult]] = []
    refused: list[tuple[str, str]] = []
    total = len(paths) + 1
    for done, raw in enumerate(paths, 1):
        progress(done - 1, total, QCoreApplication.translate("ImportExport", "reading {file}…").format(file=Path(raw).name))
        try:
            good += services.read_inputs([raw], format, on_error=on_error)
        except RdrsError as exc:
            refused.append((str(raw), str(exc)))
    progress(len(paths), total, QCoreApplication.translate("ImportExport", "storing documents: {n}…").format(n=sum(len(r.documents) for _, r in good)))
    # No progress report after this point: a Cancel arriving now must not claim nothing was stored.
    summary = (services.import_inputs(store, good, annotator=annotator)
               if any(result.documents for _, result in good) or (good and on_error == STOP) else None)
    if summary is None and on_error == SKIP:   # every document was bad: say which, store nothing
        summary = ImportSummary(skipped=[reason for _, result in good for reason in result.skipped])
    return ImportReport(summary, refused, [str(p) for p in paths])


def import_report_html(report: ImportReport) -> str:
    parts = []
    s = report.summary
    if s is not None and (s.documents or not s.skipped):
        text = (QCoreApplication.translate("ImportExport", "<p><b>Imported {documents} document</b>: {spans} spans, {chains} chains, {relations} "
                    "relations.</p>") if s.documents == 1 else
                QCoreApplication.translate("ImportExport", "<p><b>Imported {documents} documents</b>: {spans} spans, {chains} chains, {relations} "
                    "relations.</p>"))
        parts.append(text.format(documents=s.documents, spans=s.spans, chains=s.chains, relations=s.relations))
    else:
        parts.append(QCoreApplication.translate("ImportExport", "<p><b>Nothing was imported.</b></p>"))
    if s is not None and s.warnings:
        parts.append(QCoreApplication.translate("ImportExport", "<p>Warnings ({n}):</p>").format(n=len(s.warnings)) + "<ul>")
        parts += [f"<li>{html.escape(w)}</li>" for w in s.warnings[:50]]
        if len(s.warnings) > 50:
            parts.append("<li>" + QCoreApplication.translate("ImportExport", "… and {n} more").format(n=len(s.warnings) - 50) + "</li>")
        parts.append("</ul>")
    if report.skipped:
        parts.append(QCoreApplication.translate("ImportExport", "<p>Bad documents left out ({n}):</p>").format(n=len(report.skipped)) + "<ul>")
        parts += [f"<li>{html.escape(reason)}</li>" for reason in report.skipped[:50]]
        if len(report.skipped) > 50:
            parts.append("<li>" + QCoreApplication.translate("ImportExport", "… and {n} more").format(n=len(report.skipped) - 50) + "</li>")
        parts.append("</ul>")
    if report.refused:
        parts.append(QCoreApplication.translate("ImportExport", "<p>Refused ({n}):</p>").format(n=len(report.refused)) + "<ul>")
        parts += [f"<li>{html.escape(reason)}</li>" for _, reason in report.refused]
        parts.append(f"</ul><p>{_tr(REFUSED_HINT)}</p>")
    return "".join(parts)


class ImportRunner:
    """Drives one import: progress dialog, worker thread, summary; ``on_done(report)`` at the end.
    ``retry(paths)``, when given, is what the summary's "Import the others, skipping bad files"
    calls with the refused inputs (the owner starts that import, with ``on_error="skip"``)."""

    def __init__(self, parent: QWidget, tasks: TaskRunner, store: Store, paths: Sequence[str | Path],
                 annotator: str | None, on_done: Callable[[ImportReport], None], format: str | None = None,
                 show_summary: bool = True, on_error: str = STOP,
                 retry: Callable[[list[str]], object] | None = None) -> None:
        self.parent = parent
        self.on_done = on_done
        self.show_summary = show_summary
        self.paths = [str(p) for p in paths]
        self.retry = retry if on_error != SKIP else None
        self.report: ImportReport | None = None
        self.dialog = QProgressDialog(QCoreApplication.translate("ImportExport", "Importing inputs: {n}…").format(n=len(paths)),
                                      QCoreApplication.translate("ImportExport", "Cancel"), 0, len(paths) + 1, parent)
        self.dialog.setWindowTitle(QCoreApplication.translate("ImportExport", "Import"))
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(300)  # small imports finish before a dialog would flash
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.task = tasks.start(lambda progress: run_import(store, paths, format, annotator, progress, on_error),
                                on_done=self._succeeded, on_error=self._failed, on_progress=self._progress)
        self.dialog.canceled.connect(self.task.cancel)

    def _progress(self, done: int, total: int, what: str) -> None:
        self.dialog.setMaximum(total)
        self.dialog.setValue(done)
        self.dialog.setLabelText(what)

    def _succeeded(self, report: ImportReport) -> None:
        self.dialog.close()
        self.report = report
        if self.show_summary:
            bad = report.refused or report.skipped
            box = QMessageBox(QMessageBox.Icon.Warning if bad else QMessageBox.Icon.Information,
                              QCoreApplication.translate("ImportExport", "Import finished"), import_report_html(report), QMessageBox.StandardButton.Ok,
                              self.parent)
            box.setTextFormat(Qt.TextFormat.RichText)
            box.setObjectName("importSummary")
            self._offer_skip(box, [path for path, _ in report.refused])
            box.open()
        self.on_done(report)

    def _offer_skip(self, box: QMessageBox, paths: list[str]) -> None:
        """A refused import's way on: the same inputs again, leaving out only the bad documents."""
        paths = [p for p in paths if p and Path(p).exists()]
        if not paths or self.retry is None:
            return
        box.setInformativeText(_tr(SKIP_HINT))
        again = box.addButton(QCoreApplication.translate("ImportExport", "Import the others, skipping bad files"), QMessageBox.ButtonRole.AcceptRole)
        again.setObjectName("skipBadFiles")
        retry = self.retry
        again.clicked.connect(lambda: retry(paths))

    def _failed(self, message: str) -> None:
        self.dialog.close()
        self.report = ImportReport(None, [("", message)])
        if self.show_summary:
            box = QMessageBox(QMessageBox.Icon.Warning, QCoreApplication.translate("ImportExport", "Import failed"),
                              QCoreApplication.translate("ImportExport", "{error}\n\nThe database is unchanged.").format(error=message),
                              QMessageBox.StandardButton.Ok, self.parent)
            box.setObjectName("importSummary")
            self._offer_skip(box, self.paths)
            box.open()
        self.on_done(self.report)


class ExportDialog(QDialog):
    """Format, destination and scope of an export; human annotations unless asked otherwise."""

    def __init__(self, parent: QWidget | None, annotator: str | None, last_dir: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(QCoreApplication.translate("ImportExport", "Export"))
        self.format = QComboBox(self)
        for name in formats.writable():
            self.format.addItem(f"{name} — {format_description(name)}", name)
        self.out = QLineEdit(self)
        self.out.setPlaceholderText(QCoreApplication.translate("ImportExport", "file or folder to write"))
        browse = QPushButton(QCoreApplication.translate("ImportExport", "Browse…"), self)
        browse.clicked.connect(self._browse)
        where = QHBoxLayout()
        where.addWidget(self.out, 1)
        where.addWidget(browse)
        self.finished_only = QCheckBox(QCoreApplication.translate("ImportExport", "Only documents marked done or curated"), self)
        self.suggestions = QCheckBox(QCoreApplication.translate("ImportExport", "Include pending suggestions (never rejected ones)"), self)
        self.layer = QComboBox(self)
        self.layer.addItem(QCoreApplication.translate("ImportExport", "{annotator}'s annotations (with the shared layer)").format(annotator=annotator)
                           if annotator else QCoreApplication.translate("ImportExport", "Shared layer"),
                           annotator)
        if annotator:
            self.layer.addItem(QCoreApplication.translate("ImportExport", "Shared layer only"), None)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        parent=self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(QCoreApplication.translate("ImportExport", "Export"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        # The format and folder of the last export come back (the folder the user works in).
        remembered = QSettings()
        i = self.format.findData(remembered.value("export/format", ""))
        if i >= 0:
            self.format.setCurrentIndex(i)
        export_dir = str(remembered.value("export/dir", "") or "")
        self._last_dir = export_dir if export_dir and Path(export_dir).is_dir() else last_dir
        form = QFormLayout(self)
        form.addRow(QCoreApplication.translate("ImportExport", "Format"), self.format)
        form.addRow(QCoreApplication.translate("ImportExport", "Write to"), where)
        form.addRow(QCoreApplication.translate("ImportExport", "Annotations"), self.layer)
        form.addRow("", self.finished_only)
        form.addRow("", self.suggestions)
        form.addRow(self.buttons)
        self.out.textChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.out.text().strip()))

    def accept(self) -> None:
        remembered = QSettings()
        remembered.setValue("export/format", self.format.currentData())
        out = Path(self.out.text().strip())
        remembered.setValue("export/dir", str(out if out.is_dir() else out.parent))
        super().accept()

    def _browse(self) -> None:
        module = formats.get(self.format.currentData())
        if getattr(module, "OUTPUT", "file") == "dir":
            path = QFileDialog.getExistingDirectory(self, QCoreApplication.translate("ImportExport", "Export into folder"), self._last_dir)
        else:
            path, _ = QFileDialog.getSaveFileName(self, QCoreApplication.translate("ImportExport", "Export to file"), self._last_dir)
        if path:
            self.out.setText(path)

    def options(self) -> dict:
        return {"format": self.format.currentData(), "out": self.out.text().strip(),
                "statuses": [DOC_DONE, DOC_CURATED] if self.finished_only.isChecked() else None,
                "include_suggestions": self.suggestions.isChecked(), "annotator": self.layer.currentData()}


def export_summary_text(summary: services.ExportSummary) -> str:
    return QCoreApplication.translate("ImportExport", "Exported {documents} documents ({spans} spans, {chains} chains, {relations} relations) as "
               "{format} to {out}.").format(documents=summary.documents, spans=summary.spans, chains=summary.chains,
                                           relations=summary.relations, format=summary.format, out=summary.out)
