"""``install_team(window)``: the one hook that puts team annotation into the main window — a Team
menu with the agreement view, curation of the open document, and the bulk auto-merge of every
document at or above an agreement threshold — and the watch on the open document: when another
client (a curator, a second annotator on a shared database) writes one of its layers, the window
says so and reloads it."""
from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QInputDialog, QMainWindow, QMessageBox

from rdrs_gui.core.errors import RdrsError
from rdrs_gui.core.team import curate_all

from .agreement_view import AgreementDialog
from .curation_view import CurationDialog


WATCH_MS = 3000   # how often the open document's layer versions are read


class TeamUi(QObject):
    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        menu = window.menuBar().addMenu(self.tr("&Team"))
        menu.setObjectName("teamMenu")
        self.agreement_action = menu.addAction(self.tr("Agreement…"), self.show_agreement)
        self.curate_action = menu.addAction(self.tr("Curate this document…"), self.curate_open)
        self.merge_action = menu.addAction(self.tr("Auto-merge every document…"), self.merge_all)
        self.undo_merge_action = menu.addAction(self.tr("Undo the last auto-merge"), self.undo_merge)
        self.undo_merge_action.setEnabled(False)
        self._undo_merge: dict = {}
        window.keep_help_menu_last()
        self.agreement: AgreementDialog | None = None
        self.curation: CurationDialog | None = None
        if window.store.assignments_made():          # documents were assigned: the list is their queue
            window.list_model.update_filters(assigned=True)
        self._seen: tuple[int | None, tuple] = (None, ())
        self.watch = QTimer(self)
        self.watch.setInterval(WATCH_MS)
        self.watch.timeout.connect(self.check_open_document)
        self.watch.start()

    def check_open_document(self) -> bool:
        """Reload the open document if another client wrote its shared layer or this
        annotator's layer since we last looked; True when it did."""
        window = self.window
        session = window.session
        if session is None or window.writer.pending():
            return False
        store = window.store
        try:
            now = (store.layer_version(session.doc_id, None), store.layer_version(session.doc_id, window.annotator))
        except RdrsError:
            return False
        seen_doc, seen = self._seen
        self._seen = (session.doc_id, now)
        if seen_doc != session.doc_id or now == seen:
            return False
        if all(new == old or new[1] == store.client for new, old in zip(now, seen)):
            return False      # only this window wrote
        window.refresh_open_document()
        window.list_model.refresh()
        window.statusBar().showMessage(self.tr("Someone else changed this document (a curator or another "
                                               "annotator); it was reloaded."), 15000)
        return True

    def show_agreement(self) -> AgreementDialog:
        self.agreement = AgreementDialog(self.window.store, parent=self.window)
        self.agreement.documentRequested.connect(self.window.open_document)
        self.agreement.show()
        return self.agreement

    def curate_open(self) -> CurationDialog | None:
        doc_id = self.window.current_doc_id()
        if doc_id is None:
            self.window.statusBar().showMessage(self.tr("Open a document to curate first."), 6000)
            return None
        return self.curate(doc_id)

    def curate(self, doc_id: int) -> CurationDialog:
        self.window.writer.wait()      # the annotators' queued edits first
        self.curation = CurationDialog(self.window.store, doc_id, self.window.writer.writer_for(doc_id, None),
                                       self.window)
        self.curation.finished.connect(self._after_curation)
        self.curation.show()
        return self.curation

    def _after_curation(self) -> None:
        self.window.writer.wait()
        self.window.refresh_open_document()
        self.window.list_model.refresh()

    def merge_all(self, threshold: float | None = None) -> dict | None:
        """Auto-merge (unanimous) every ready document whose agreement is at least the threshold."""
        if threshold is None:
            value, ok = QInputDialog.getDouble(
                self.window, self.tr("Auto-merge every document"),
                self.tr("Merge the documents whose agreement (span and tag strict) is at least, in %:"),
                80.0, 0.0, 100.0, 1)
            if not ok:
                return None
            threshold = value / 100
        self.window.writer.wait()
        undo: dict = {}
        try:
            report = curate_all(self.window.store, "default", min_agreement=threshold, undo=undo)
        except RdrsError as exc:
            QMessageBox.warning(self.window, self.tr("Auto-merge"), str(exc))
            return None
        self._undo_merge = undo
        self.undo_merge_action.setEnabled(bool(undo))
        self.window.statusBar().showMessage(self.tr("Curated {n} documents automatically.").format(
            n=len(report["documents"])), 10000)
        self._after_curation()
        return report

    def undo_merge(self) -> bool:
        """Take the last bulk auto-merge back (one transaction); False if there is none or it failed."""
        if not self._undo_merge:
            return False
        self.window.writer.wait()
        try:
            self.window.store.apply_change_sets(self._undo_merge)
        except RdrsError as exc:
            QMessageBox.warning(self.window, self.tr("Auto-merge"), str(exc))
            return False
        self._undo_merge = {}
        self.undo_merge_action.setEnabled(False)
        self.window.statusBar().showMessage(self.tr("The last auto-merge was undone."), 10000)
        self._after_curation()
        return True


def install_team(window: QMainWindow) -> TeamUi:
    return TeamUi(window)
