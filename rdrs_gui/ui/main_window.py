"""The main window: the work queue on the left, the span editor in the centre, dockable panels
(span details, suggestions, chains, guidelines) on the right, progress in the status bar.

The window only wires views to the store and the current ``EditSession``: every edit is saved by
the session the moment it happens, long work (import, export, counting) runs on worker threads,
and menus are built from the one action registry. Nothing here ever asks "save changes?".
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (QDockWidget, QFileDialog, QInputDialog, QLabel, QMainWindow, QMenu,
                               QMessageBox, QProgressBar, QPushButton, QStackedWidget, QVBoxLayout, QWidget)

from rdrs_gui.core import formats, services
from rdrs_gui.core.document import DOC_CURATED, DOC_DONE, HUMAN_STATUSES, SUGGESTED, Mention
from rdrs_gui.core.editing import Change, Edit, EditSession
from rdrs_gui.core.errors import RdrsError
from rdrs_gui.core.store import Store
from rdrs_gui.core.store.location import shown_url

from . import i18n
from .actions import WINDOW, ActionRegistry, ActionSpec
from .dialogs.annotator import AnnotatorDialog
from .dialogs.import_export import ExportDialog, ImportReport, ImportRunner, export_summary_text
from .dialogs.shortcuts import CheatSheetDialog, ShortcutEditor
from .document_list import DocumentListModel, DocumentListPanel
from .editor import SpanEditor
from .editor.adr_bar import AdrBar
from .editor.adr_bar import evidence as adr_evidence
from .editor.writer import StoreWriter
from .gc_guard import collect_on_ui_thread
from .loop import install_loop
from .panels.chains import ChainsPanel
from .panels.guidelines import GuidelinesPanel
from .normalise.coding import install_coder
from .panels.span_details import SpanDetailsPanel
from .panels.suggestions import SuggestionsPanel
from .settings import AppSettings
from .tasks import TaskRunner
from .team import install_team

DEMO_FILE = Path(__file__).resolve().parents[2] / "resources" / "demo" / "demo.jsonl"
DEMO_FIRST = "demo-01"
PROGRESS_DELAY_MS = 250

# Window commands, declared as data in the same registry as the editor's.
WINDOW_ACTIONS = (
    ActionSpec("file.import", QT_TRANSLATE_NOOP("Actions", "Import files…"),
               "File", ("Ctrl+O",), WINDOW, "import_files",
               tip=QT_TRANSLATE_NOOP("Actions", "Import annotated or raw documents; the format is detected.")),
    ActionSpec("file.import_folder", QT_TRANSLATE_NOOP("Actions", "Import folder…"),
               "File", ("Ctrl+Shift+O",), WINDOW, "import_folder",
               tip=QT_TRANSLATE_NOOP("Actions", "Import a folder (brat, a folder of JSONL or text files).")),
    ActionSpec("file.import_as", QT_TRANSLATE_NOOP("Actions", "Import files as format…"),
               "File", (), WINDOW, "import_as_format",
               tip=QT_TRANSLATE_NOOP("Actions", "Name the format of files that are not recognised.")),
    ActionSpec("file.export", QT_TRANSLATE_NOOP("Actions", "Export…"),
               "File", ("Ctrl+E",), WINDOW, "export_documents"),
    ActionSpec("file.open_db", QT_TRANSLATE_NOOP("Actions", "Open database…"), "File", (), WINDOW, "choose_database",
               tip=QT_TRANSLATE_NOOP("Actions",
                   "Open another SQLite database file; the app restarts in it next time too.")),
    ActionSpec("file.demo", QT_TRANSLATE_NOOP("Actions", "Load demo project"), "File", (), WINDOW, "load_demo",
               tip=QT_TRANSLATE_NOOP("Actions",
                   "Twelve synthetic Russian reviews with overlapping and discontinuous spans.")),
    ActionSpec("file.annotator", QT_TRANSLATE_NOOP("Actions", "Change annotator…"),
               "File", (), WINDOW, "change_annotator"),
    ActionSpec("file.quit", QT_TRANSLATE_NOOP("Actions", "Quit"), "File", ("Ctrl+Q",), WINDOW, "close"),
    ActionSpec("view.search", QT_TRANSLATE_NOOP("Actions", "Search documents"),
               "View", ("Ctrl+F",), WINDOW, "focus_search"),
    ActionSpec("view.editor", QT_TRANSLATE_NOOP("Actions", "Back to the editor"),
               "View", ("Ctrl+J",), WINDOW, "focus_editor"),
    ActionSpec("help.shortcuts", QT_TRANSLATE_NOOP("Actions", "Keyboard shortcuts…"),
               "Help", (), WINDOW, "edit_shortcuts"),
)
# Where each registry category appears in the menu bar.
_MENU_TITLES = (QT_TRANSLATE_NOOP("MainWindow", "&File"), QT_TRANSLATE_NOOP("MainWindow", "&Edit"),
                QT_TRANSLATE_NOOP("MainWindow", "&Annotate"), QT_TRANSLATE_NOOP("MainWindow", "&Document"),
                QT_TRANSLATE_NOOP("MainWindow", "&View"), QT_TRANSLATE_NOOP("MainWindow", "&Help"))
MENU_OF = {"File": "&File", "Edit": "&Edit", "Spans": "&Annotate", "Suggestions": "&Annotate",
           "Coreference": "&Annotate", "Tags": "&Annotate", "Navigate": "&Annotate",
           "Document": "&Document", "View": "&View", "Help": "&Help"}


class MainWindow(QMainWindow):
    def __init__(self, store: Store, annotator: str, settings: AppSettings) -> None:
        super().__init__()
        collect_on_ui_thread()   # worker threads must never run the cyclic GC on Qt objects
        self.store = store
        self.annotator = annotator
        self.settings = settings
        self.session: EditSession | None = None
        self.tasks = TaskRunner(self)
        self.writer = StoreWriter(store, self)     # edits are saved off the UI thread, in order
        self.writer.failed.connect(self._write_failed)
        self.writer.drained.connect(self._refresh_if_due)
        self._refresh_due = False
        self.last_import: ImportReport | None = None
        self._imports: set[ImportRunner] = set()
        self._cheat_sheet: CheatSheetDialog | None = None
        self.setAcceptDrops(True)
        self.resize(1400, 860)

        self.schema = store.project_schema()
        self.registry = ActionRegistry(self.schema, QSettings())
        for spec in WINDOW_ACTIONS:
            self.registry.register(spec)

        # centre: the editor under its ADR strip, or a welcome page while the database is empty
        self.editor = SpanEditor(self)
        self.editor.setObjectName("spanEditor")
        self.adr_bar = AdrBar(self)
        self.adr_bar.sentenceRequested.connect(self.editor.show_focus_range)
        self.editor_page = QWidget(self)
        page = QVBoxLayout(self.editor_page)
        page.setContentsMargins(0, 0, 0, 0)
        page.setSpacing(0)
        page.addWidget(self.adr_bar)
        page.addWidget(self.editor, 1)
        self.welcome = self._welcome_page()
        self.centre = QStackedWidget(self)
        self.centre.addWidget(self.editor_page)
        self.centre.addWidget(self.welcome)
        self.setCentralWidget(self.centre)

        # docks
        self.list_model = DocumentListModel(store, annotator, self, view_state=settings.list_view(store.url))
        self.documents = DocumentListPanel(self.list_model, self.schema.tag_names,
                                           store.visible_annotators(annotator), self)
        execute = self._execute
        self.span_panel = SpanDetailsPanel(execute, self)
        self.suggestions_panel = SuggestionsPanel(execute, self)
        self.chains_panel = ChainsPanel(execute, self)
        self.guidelines = GuidelinesPanel(self)
        self.guidelines.set_schema(self.schema)
        self.docks: dict[str, QDockWidget] = {}
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        right = Qt.DockWidgetArea.RightDockWidgetArea
        self._dock("documents", self.tr("Documents"), self.documents, left)
        self._dock("span", self.tr("Span"), self.span_panel, right)
        self._dock("guidelines", self.tr("Guidelines"), self.guidelines, right)
        self._dock("suggestions", self.tr("Suggestions"), self.suggestions_panel, right)
        self._dock("chains", self.tr("Chains"), self.chains_panel, right)
        self.tabifyDockWidget(self.docks["span"], self.docks["guidelines"])
        self.tabifyDockWidget(self.docks["suggestions"], self.docks["chains"])
        self.docks["span"].raise_()
        self.docks["suggestions"].raise_()
        # wide enough for every column of the list, up to two fifths of the window: the editor comes
        # first (a saved layout, restored below, wins)
        list_width = min(self.documents.width_for_columns(), max(500, self.width() * 2 // 5))
        self.resizeDocks([self.docks["documents"]], [list_width], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["span"]], [360], Qt.Orientation.Horizontal)

        # status bar: messages on the left, progress of the current annotator on the right
        self.progress = QProgressBar(self)
        self.progress.setObjectName("reviewProgress")
        self.progress.setMaximumWidth(220)
        self.progress.setFormat(self.tr("counting…"))
        self.progress_label = QLabel(self)
        self.who = QLabel(self)
        self.statusBar().addPermanentWidget(self.progress_label)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.who)
        self._progress_timer = QTimer(self)
        self._progress_timer.setSingleShot(True)
        self._progress_timer.setInterval(PROGRESS_DELAY_MS)
        self._progress_timer.timeout.connect(self.update_progress)

        # actions and menus, all from the registry
        self.actions_by_id = self.registry.create_qactions(self)
        self.registry.connect(self.actions_by_id, WINDOW, self)
        self.editor.install_actions(self.registry, self.actions_by_id)
        for aid, action in self.actions_by_id.items():
            if self.registry.specs[aid].target == WINDOW:
                self.addAction(action)
        self._build_menus()

        # wiring
        self.documents.documentActivated.connect(self.open_document)
        self.documents.searchSubmitted.connect(lambda _doc: self.focus_editor())
        self.list_model.modelReset.connect(self._reselect_current)
        self.list_model.loaded.connect(self._open_first_if_none)
        self.editor.currentSpanChanged.connect(self._current_span_changed)
        self.editor.selectionChanged.connect(self._selection_changed)
        self.editor.message.connect(lambda text: self.statusBar().showMessage(text, 6000))
        self.editor.attributesRequested.connect(lambda _sid: self.show_dock("span"))
        self.code_lookups = install_coder(self)    # F2 on a code: the terminology coder
        self.suggestions_panel.spanActivated.connect(lambda sid: self.editor.select_span(sid))
        self.chains_panel.chainHighlighted.connect(self.editor.highlight_chain)
        self.chains_panel.mentionActivated.connect(self._show_mention)
        self.chains_panel.kindChanged.connect(self.editor.set_chain_kind)
        self.editor.chainKindChanged.connect(self.chains_panel.set_kind)
        self.editor.verticalScrollBar().valueChanged.connect(
            lambda v: self.settings.set_scroll(self.store.url, "editor", v))
        self.documents.table.verticalScrollBar().valueChanged.connect(
            lambda v: self.settings.set_scroll(self.store.url, "list", v))

        # --- model loop hook (pre-annotate, Retrain, jobs dock, model registry): rdrs_gui/ui/loop
        self.loop = install_loop(self)
        # --- end of model loop hook
        self.team = install_team(self)   # Team menu: agreement, curation (rdrs_gui/ui/team)
        for dock in self.docks.values():
            # Restoring a saved layout leaves QMainWindow's spare tab bars visible beneath the docks;
            # a panel that paints its whole background keeps them from showing through its gaps.
            dock.widget().setAutoFillBackground(True)

        geometry, state = settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)
        self._update_title()
        self.update_progress()

    # ================================================================ building
    def _dock(self, key: str, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> None:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{key}")  # saveState/restoreState need stable names
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        self.docks[key] = dock

    def keep_help_menu_last(self) -> None:
        """After a plug-in (the model loop) added its menus, Help goes back to the end."""
        self.menuBar().addAction(self.menus["&Help"].menuAction())

    def show_dock(self, key: str) -> None:
        self.docks[key].show()
        self.docks[key].raise_()

    def _welcome_page(self) -> QWidget:
        page = QWidget(self)
        page.setObjectName("welcome")
        title = QLabel(self.tr("<h2>This database has no documents yet</h2>"
                               "<p>Load the demo project to see how annotation works here: twelve short "
                               "synthetic drug reviews with stacked, overlapping and discontinuous spans, "
                               "model suggestions and coreference chains.</p>"
                               "<p>Or import your own files (brat, WebAnno TSV, RDRS JSON, JSONL, CoNLL, "
                               "CSV or plain text); you can also drop them onto this window.</p>"), page)
        title.setWordWrap(True)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.demo_button = QPushButton(self.tr("Load the demo project"), page)
        self.demo_button.setObjectName("loadDemo")
        self.demo_button.clicked.connect(self.load_demo)
        import_button = QPushButton(self.tr("Import files…"), page)
        import_button.clicked.connect(self.import_files)
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        layout.addWidget(title)
        layout.addWidget(self.demo_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(import_button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        return page

    def _build_menus(self) -> None:
        self.menus: dict[str, QMenu] = {}
        menus = self.menus
        for title in dict.fromkeys(MENU_OF.values()):
            menus[title] = self.menuBar().addMenu(self.tr(title))
        tags = QMenu(self.tr("Label with tag"), self)
        last_category: dict[str, str] = {}
        for aid, spec in self.registry.specs.items():
            action = self.actions_by_id[aid]
            if spec.category == "Tags":
                tags.addAction(action)
                continue
            title = MENU_OF.get(spec.category, "&Annotate")
            menu = menus[title]
            if last_category.get(title) not in (None, spec.category):
                menu.addSeparator()
            last_category[title] = spec.category
            menu.addAction(action)
            if aid == "file.open_db":
                self.recent_menu = menu.addMenu(self.tr("Recent databases"))
                self.recent_menu.aboutToShow.connect(self._fill_recent)
        menus["&Annotate"].addSeparator()
        menus["&Annotate"].addMenu(tags)
        view = menus["&View"]
        view.addSeparator()
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())
        view.addSeparator()
        self.language_menu = view.addMenu(self.tr("Interface language"))
        self.language_menu.setObjectName("languageMenu")
        for code, name in [(i18n.SYSTEM, self.tr("As the system")), *i18n.LANGUAGES.items()]:
            choice = self.language_menu.addAction(name)
            choice.setCheckable(True)
            choice.setChecked(code == self.settings.language)
            choice.setData(code)
            choice.triggered.connect(lambda _=False, c=code: self.set_language(c))

    def set_language(self, code: str) -> None:
        """Remember the interface language ("" = the system's); it applies at the next start."""
        self.settings.language = code
        for choice in self.language_menu.actions():
            choice.setChecked(choice.data() == code)
        shown = i18n.resolve_language(code)
        QMessageBox(QMessageBox.Icon.Information, self.tr("Interface language"),
                    self.tr("The interface will be in {language} from the next start of rdrs-gui.").format(
                        language=i18n.LANGUAGES[shown]), QMessageBox.StandardButton.Ok, self).open()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for url in self.settings.recent_databases():
            action = self.recent_menu.addAction(shown_url(url))
            action.setEnabled(url != self.store.url)
            action.triggered.connect(lambda _=False, u=url: self._switch_database(u))

    # ================================================================ documents
    def open_document(self, doc_id: int) -> bool:
        """Show one document for editing; False (with a message) if it cannot be loaded."""
        if self.session is not None and self.session.doc_id == doc_id:
            return True
        self.span_panel.flush()
        try:
            self.writer.wait()    # read what every queued edit wrote
            session = EditSession(self.store, doc_id, self.annotator,
                                  write=self.writer.writer_for(doc_id, self.annotator))
        except RdrsError as exc:
            self.statusBar().showMessage(self.tr("Could not open document {id}: {error}").format(id=doc_id, error=exc),
                                         10000)
            return False
        if self.session is not None:
            self.session.unsubscribe(self._on_change)
        self.session = session
        session.subscribe(self._on_change)
        self.editor.set_session(session, self.schema)
        self._show_adr()
        for panel in (self.span_panel, self.suggestions_panel, self.chains_panel):
            panel.set_session(session, self.editor.schema)
        self.span_panel.show_span("")
        self.chains_panel.set_mention(None)
        self.documents.select_document(doc_id)
        self.settings.set_last_document(self.store.url, doc_id)
        self.centre.setCurrentWidget(self.editor_page)
        self._update_title()
        return True

    def open_by_reference(self, ref: str) -> int | None:
        """``--open``: a document id, or a document name; returns the id opened."""
        doc_id = int(ref) if ref.strip().isdigit() else self.find_document(ref.strip())
        if doc_id is not None and self.open_document(doc_id):
            return doc_id
        return None

    def find_document(self, name: str) -> int | None:
        """Id of the document called ``name`` (exact), if any."""
        rows = self.store.list_documents(annotator=self.annotator, search=name, limit=200)
        return next((r.id for r in rows if r.name == name), None)

    def current_doc_id(self) -> int | None:
        return self.session.doc_id if self.session is not None else None

    def next_document(self) -> None:
        """The next document that is not done, in the list's order (wrapping to the top once)."""
        self.span_panel.flush()
        current = self.current_doc_id()
        target = self.list_model.next_not_done(current)
        if target is None or target == current:
            target = self.list_model.next_not_done(None)
        if target is None or target == current:
            self.statusBar().showMessage(self.tr("Every document in this list is done. Change the filters to see others."),
                                         8000)
            return
        self.open_document(target)
        self.editor.setFocus()

    def prev_document(self) -> None:
        current = self.current_doc_id()
        row = self.list_model.row_of(current) if current is not None else -1
        if row > 0:
            self.open_document(self.list_model.doc_id(row - 1))
            self.editor.setFocus()

    def done_and_next(self) -> None:
        if self.session is None:
            return
        self.editor.mark_done()
        self.next_document()

    def _reselect_current(self) -> None:
        if self.session is not None:
            self.documents.select_document(self.session.doc_id)

    def _open_first_if_none(self) -> None:
        """With nothing to reopen, the first document of the list is where work starts."""
        if self.session is None and self.list_model.rowCount():
            self.open_document(self.list_model.doc_id(0))

    # ================================================================ edits
    def refresh_open_document(self) -> None:
        """Another writer (pre-annotation) changed the open document: show its new suggestions
        and keep the undo history, once this window's own queued edits are written."""
        if self.session is None:
            return
        if self.writer.pending():
            self._refresh_due = True      # the writer's ``drained`` brings us back
            return
        self._refresh_due = False
        try:
            self.session.refresh()
        except RdrsError as exc:
            self.statusBar().showMessage(self.tr("Could not reload the document: {error}").format(error=exc), 10000)
            return
        self._show_adr()      # the batch may have scored it too

    def _show_adr(self) -> None:
        """The ADR strip and the evidence sentence of the open document."""
        meta, text = self.session.document.meta, self.session.text
        self.adr_bar.set_meta(meta, text)
        self.editor.set_focus_range(adr_evidence(meta, text))   # a body sentence, never "TEXT"

    def _refresh_if_due(self) -> None:
        if self._refresh_due:
            self.refresh_open_document()

    def _write_failed(self, doc_id: int, message: str) -> None:
        """An edit could not be saved: say so and show the document as the database has it."""
        self.writer.wait()
        self.writer.resume(doc_id)
        text = self.tr("Your last edit could not be saved: {error}. The document was reloaded "
                       "from the database.").format(error=message)
        self.statusBar().showMessage(text, 30000)
        if self.current_doc_id() == doc_id:
            self.session = None
            if self.open_document(doc_id):
                self._on_change(Change(status=True))   # its list row showed the edit that was not saved
        else:
            self.list_model.refresh()
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Edit not saved"), text,
                          QMessageBox.StandardButton.Ok, self)
        box.setObjectName("writeFailedMessage")
        box.open()

    def _execute(self, text: str, op: Callable[[], Edit]) -> None:
        """Panels' edits go through the editor's undo stack: one Ctrl+Z for every kind of edit."""
        self.editor.edit(text, lambda _session: op())

    def _on_change(self, change) -> None:  # noqa: ANN001 - editing.Change
        session = self.session
        if session is None:
            return
        spans = session.visible_spans()
        self.list_model.update_row(
            session.doc_id, status=session.document.status,
            spans=sum(1 for s in spans if s.status in HUMAN_STATUSES),
            suggestions=sum(1 for s in spans if s.status == SUGGESTED),
            chains=len(session.visible_chains()))
        if change.status:
            self._progress_timer.start()

    def _current_span_changed(self, span_id: str) -> None:
        self.span_panel.show_span(span_id)
        self.suggestions_panel.show_span(span_id)
        span = self.session.span(span_id) if self.session and span_id else None
        label = sorted(span.labels)[0] if span is not None and span.labels else None
        self.guidelines.show_label(label)
        if self.editor.selection() is None:
            self.chains_panel.set_mention(Mention(list(span.fragments)) if span is not None else None)

    def _selection_changed(self, start: int, end: int) -> None:
        if start >= 0 and end > start:
            self.chains_panel.set_mention(Mention([(start, end)]))
        else:
            span = self.session.span(self.editor.current_span_id()) if self.session else None
            self.chains_panel.set_mention(Mention(list(span.fragments)) if span is not None else None)

    def _show_mention(self, start: int, end: int) -> None:
        span = next((s for s in self.session.visible_spans() if s.fragments and s.start == start and s.end == end),
                    None) if self.session else None
        if span is not None:
            self.editor.select_span(span.id)
        else:
            self.editor.set_selection(start, end, snap=False)

    # ================================================================ status bar
    def update_progress(self) -> None:
        """Count done / total for this annotator on a worker thread (a COUNT can take a while)."""
        store, annotator, writer = self.store, self.annotator, self.writer

        def count(_progress) -> tuple[int, int]:  # noqa: ANN001
            writer.wait()     # count what the queued edits wrote (this is not the UI thread)
            return (store.count_documents(annotator=annotator, status=[DOC_DONE, DOC_CURATED]),
                    store.count_documents(annotator=annotator))

        self.tasks.start(count, on_done=self._show_progress,
                         on_error=lambda msg: self.statusBar().showMessage(
                             self.tr("Could not count documents: {error}").format(error=msg)))

    def _show_progress(self, counts: tuple[int, int]) -> None:
        done, total = counts
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)
        self.progress.setFormat(self.tr("{done} / {total} done").format(done=done, total=total))
        self.progress_label.setText(self.tr("Review progress:"))
        self.progress.setToolTip(self.tr("{annotator}: {done} of {total} documents done or curated").format(
            annotator=self.annotator, done=done, total=total))
        # The welcome page (demo, import) while the database is empty: known once this count is in.
        if total == 0:
            self.centre.setCurrentWidget(self.welcome)
        elif self.centre.currentWidget() is self.welcome:
            self.centre.setCurrentWidget(self.editor_page)

    def _update_title(self) -> None:
        doc = self.session.document.name if self.session is not None else self.tr("no document")
        self.setWindowTitle(f"{doc} — rdrs-gui ({self.annotator})")
        self.who.setText(f"{self.annotator} · {self._short_url()}")

    def _short_url(self) -> str:
        url = self.store.url
        return Path(url.split("///", 1)[1]).name if url.startswith("sqlite:///") else shown_url(url)

    # ================================================================ import / export
    def import_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, self.tr("Import files"), self._last_dir())
        if paths:
            self.start_import(paths)

    def import_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.tr("Import folder"), self._last_dir())
        if path:
            self.start_import([path])

    def import_as_format(self) -> None:
        """For files whose format cannot be detected (or is detected wrongly): name it."""
        names = formats.readable()
        name, ok = QInputDialog.getItem(self, self.tr("Import as format"), self.tr("Format of the files:"),
                                        [f"{n} — {i18n.format_description(n)}" for n in names], 0, False)
        if not ok:
            return
        paths, _ = QFileDialog.getOpenFileNames(self, self.tr("Import {format} files").format(format=name.split(" — ")[0]),
                                                self._last_dir())
        if paths:
            self.start_import(paths, format=name.split(" — ")[0])

    def _last_dir(self) -> str:
        """Where file dialogs start: the folder last imported from, else the home folder."""
        last = Path(str(QSettings().value("last_dir", "") or Path.home()))
        return str(last if last.is_dir() and not last.resolve().is_relative_to(DEMO_FILE.parents[1])
                   else Path.home())

    def start_import(self, paths: list[str], annotator: str | None = None, show_summary: bool = True,
                     format: str | None = None, on_error: str = "stop") -> ImportRunner:
        """Import on a worker thread (the shared layer unless ``annotator``), then refresh;
        ``on_error="skip"`` leaves bad documents out instead of refusing their file."""
        if not Path(paths[0]).resolve().is_relative_to(DEMO_FILE.parent):   # never the install folder
            QSettings().setValue("last_dir", str(Path(paths[0]).parent))

        def finished(report: ImportReport) -> None:
            self._imports.discard(runner)
            self.last_import = report
            self._after_import(report)

        runner = ImportRunner(self, self.tasks, self.store, paths, annotator, finished, format=format,
                              show_summary=show_summary, on_error=on_error,
                              retry=lambda refused: self.start_import(refused, annotator, show_summary, format, "skip"))
        self._imports.add(runner)   # kept alive until its summary is shown
        return runner

    def _after_import(self, report: ImportReport) -> None:
        if report.summary is None:
            self.statusBar().showMessage(
                self.tr("Import refused: {reasons}. Fix the file, or name its format: File → Import files as format…")
                .format(reasons="; ".join(r for _, r in report.refused)), 15000)
            return
        self.schema = self.store.project_schema()
        self.registry.set_schema(self.schema)
        self.guidelines.set_schema(self.schema)
        self.documents.set_choices(self.schema.tag_names, self.store.visible_annotators(self.annotator))
        self.list_model.refresh()
        self.update_progress()
        s = report.summary
        self.statusBar().showMessage(self.tr("Imported {documents} documents ({spans} spans, {chains} chains).").format(
            documents=s.documents, spans=s.spans, chains=s.chains), 10000)
        if self.session is None and s.document_ids:
            self.open_document(s.document_ids[0])

    def load_demo(self) -> ImportRunner | None:
        """Import the demo project into this annotator's layer (once) and open its first review.
        Never imported twice: a second import would replace the annotator's demo edits."""
        existing = self.find_document(DEMO_FIRST)
        if existing is not None:
            self.open_document(existing)
            self.statusBar().showMessage(self.tr("The demo project is already in this database."), 8000)
            return None
        return self.start_import([str(DEMO_FILE)], annotator=self.annotator, show_summary=False)

    def export_documents(self) -> None:
        dialog = ExportDialog(self, self.annotator, self._last_dir())
        dialog.setObjectName("exportDialog")
        dialog.accepted.connect(lambda: self.start_export(**dialog.options()))
        dialog.open()

    def start_export(self, format: str, out: str, statuses: list[str] | None = None,
                     include_suggestions: bool = False, annotator: str | None = None) -> None:
        store, writer = self.store, self.writer
        self.statusBar().showMessage(self.tr("Exporting to {out}…").format(out=out))

        def run(_progress) -> services.ExportSummary:  # noqa: ANN001
            writer.wait()     # the export holds every edit made before it started
            return services.export(store, format, out, statuses=statuses,
                                   include_suggestions=include_suggestions, annotator=annotator)

        def done(summary: services.ExportSummary) -> None:
            self.statusBar().showMessage(export_summary_text(summary), 15000)

        def failed(message: str) -> None:
            self.statusBar().clearMessage()
            box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Export failed"),
                              self.tr("Nothing was written to {out}.\n\n{error}\n\n"
                                      "Choose another destination or format and export again.").format(
                                  out=out, error=message),
                              QMessageBox.StandardButton.Ok, self)
            box.open()

        self.tasks.start(run, on_done=done, on_error=failed)

    # drag and drop
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if event.mimeData().hasUrls() and all(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.start_import(paths)

    # ================================================================ other commands
    def choose_database(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Open or create a database"), self._last_dir(),
                                              self.tr("SQLite databases (*.sqlite *.db);;All files (*)"),
                                              options=QFileDialog.Option.DontConfirmOverwrite)
        if path:
            self._switch_database(path)

    def _switch_database(self, url_or_path: str) -> None:
        """Open another database now: the window is rebuilt on it by the app (``databaseRequested``)."""
        try:
            store = Store.open(url_or_path)
        except RdrsError as exc:
            QMessageBox(QMessageBox.Icon.Warning, self.tr("Cannot open database"),
                        self.tr("{error}\n\nThe current database stays open.").format(error=exc),
                        QMessageBox.StandardButton.Ok, self).open()
            return
        self.settings.add_recent_database(store.url)
        replacement = MainWindow(store, self.annotator, self.settings)
        replacement.show()
        replacement.restore_position()
        self.close()

    def change_annotator(self) -> None:
        dialog = AnnotatorDialog(self, self.annotator)

        def accepted() -> None:
            name = dialog.name()
            if name and name != self.annotator:
                self.span_panel.flush()
                self.settings.annotator = name
                self.annotator = name
                self.list_model.update_filters(annotator=name)
                self.documents.set_choices(self.schema.tag_names,
                                           list(dict.fromkeys(self.store.visible_annotators(name) + [name])))
                current = self.current_doc_id()
                self.session = None
                if current is not None:
                    self.open_document(current)
                self._update_title()
                self.update_progress()

        dialog.accepted.connect(accepted)
        dialog.open()

    def focus_search(self) -> None:
        self.show_dock("documents")
        self.documents.search.setFocus()
        self.documents.search.selectAll()

    def focus_editor(self) -> None:
        self.editor.setFocus()

    def show_cheat_sheet(self) -> None:
        if self._cheat_sheet is None:
            self._cheat_sheet = CheatSheetDialog(self.registry, self)
            self._cheat_sheet.setObjectName("cheatSheet")
        self._cheat_sheet.refresh()
        self._cheat_sheet.show()
        self._cheat_sheet.raise_()

    def edit_shortcuts(self) -> None:
        dialog = ShortcutEditor(self.registry, self)
        dialog.setObjectName("shortcutEditor")
        dialog.open()

    # ================================================================ restoring and closing
    def restore_position(self, open_ref: str | None = None) -> bool:
        """Open ``open_ref`` if given, else reopen where the user left off: the document, the
        editor's and the list's scroll. False when ``open_ref`` names no document."""
        url = self.store.url
        last = self.settings.last_document(url)
        # Read before opening anything: opening a document resets the editor's scroll.
        editor_pos, list_pos = self.settings.scroll(url, "editor"), self.settings.scroll(url, "list")
        if open_ref:
            if self.open_by_reference(open_ref) is not None:
                return True
            self.statusBar().showMessage(self.tr("No document {name!r} in {database}.").format(
                name=open_ref, database=self._short_url()), 10000)
        if last is not None and self.open_document(last):
            self._restore_scroll(editor_pos, list_pos)
        else:
            self._open_first_if_none()     # or as soon as the list has loaded
        return not open_ref

    def _restore_scroll(self, editor_pos: int, list_pos: int, tries: int = 120) -> None:
        """Scroll ranges exist only once the editor has laid the text out at its real width,
        so retry briefly until they do."""
        bars = ((self.editor.verticalScrollBar(), editor_pos), (self.documents.table.verticalScrollBar(), list_pos))
        for bar, pos in bars:
            if bar.maximum() >= pos:
                bar.setValue(pos)
        if tries and any(bar.value() != pos for bar, pos in bars):
            QTimer.singleShot(25, lambda: self._restore_scroll(editor_pos, list_pos, tries - 1))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.span_panel.flush()
        self.settings.set_window_state(self.saveGeometry(), self.saveState())
        self.settings.set_list_view(self.store.url, self.list_model.view_state())
        self.settings.sync()
        self.writer.close()   # every queued edit is written before the database closes
        self.tasks.wait_all()
        self.list_model.wait()
        self.store.close()   # every edit is already committed: closing only releases the file
        super().closeEvent(event)
