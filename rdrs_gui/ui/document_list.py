"""The work queue: a lazy, sortable, filterable table over ``store.list_documents``.

Rows are fetched a page at a time (``canFetchMore``/``fetchMore``), sorting and filtering are
SQL (``order_by``, ``status``, ``label``, ``annotator``, ``search``), so the list stays instant
with 100,000 documents: only the rows the view scrolls to are ever loaded.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import (QT_TRANSLATE_NOOP, QAbstractTableModel, QCoreApplication, QEvent, QModelIndex, QObject,
                            QPersistentModelIndex, QRunnable, Qt, QThreadPool, QTimer, Signal)
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QTableView, QVBoxLayout, QWidget)

from rdrs_gui.core.document import (DOC_CURATED, DOC_DONE, DOC_IN_PROGRESS, DOC_NEW,
                                    DOC_PREANNOTATED, DOC_STATUSES)
from rdrs_gui.core.store import DocumentRow, Store

from .i18n import status_text

PAGE = 200
SELECT_FETCH_ROWS = 3 * PAGE  # how far down the list a document is looked for when opened elsewhere
FINISHED = (DOC_DONE, DOC_CURATED)
NOT_DONE = tuple(s for s in DOC_STATUSES if s not in FINISHED)
# A symbol with every state, so the list never relies on colour alone.
STATUS_MARK = {DOC_NEW: "○", DOC_PREANNOTATED: "◔", DOC_IN_PROGRESS: "◑", DOC_DONE: "●",
               DOC_CURATED: "★"}

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    field: str
    title: str
    order_by: str | None  # the store's order_by name, None when not sortable in SQL


COLUMNS = (
    Column("name", QT_TRANSLATE_NOOP("DocumentList", "Document"), "name"),
    Column("status", QT_TRANSLATE_NOOP("DocumentList", "Status"), "status"),
    Column("adr_prob", QT_TRANSLATE_NOOP("DocumentList", "ADR"), "adr_prob"),
    Column("uncertainty", QT_TRANSLATE_NOOP("DocumentList", "Uncert."), "uncertainty"),   # set by pre-annotation
    Column("spans", QT_TRANSLATE_NOOP("DocumentList", "Spans"), "spans"),
    Column("suggestions", QT_TRANSLATE_NOOP("DocumentList", "Sugg"), "suggestions"),
    Column("chains", QT_TRANSLATE_NOOP("DocumentList", "Chains"), None),
    Column("annotator", QT_TRANSLATE_NOOP("DocumentList", "Annotator"), None),
)


def _tr(text: str) -> str:
    return QCoreApplication.translate("DocumentList", text)
NUMERIC = {"adr_prob", "uncertainty", "spans", "suggestions", "chains"}
_ALIGN = [int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter) if c.field in NUMERIC
          else int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter) for c in COLUMNS]


def _texts(row: DocumentRow) -> tuple[str, ...]:
    """What each column shows; states carry a symbol so the list never relies on colour alone."""
    out = []
    for column in COLUMNS:
        value = getattr(row, column.field)
        if column.field == "status":
            out.append(f"{STATUS_MARK.get(value, '?')} {status_text(value)}")
        elif column.field in ("adr_prob", "uncertainty"):
            out.append("" if value is None else f"{value:.2f}")
        elif column.field in NUMERIC:
            out.append(str(value) if value else "")
        else:
            out.append(str(value or ""))
    return tuple(out)


@dataclass(frozen=True)
class Filters:
    """What the list shows; ``status`` may be one state or a tuple (e.g. everything not done)."""

    status: str | tuple[str, ...] | None = None
    label: str | None = None
    annotator: str | None = None
    search: str | None = None
    min_adr: float | None = None   # ADR probability at least this (the queue's triage filter)
    assigned: bool = False         # only the documents assigned to the annotator (a team's queue)

    def query(self) -> dict[str, Any]:
        status = list(self.status) if isinstance(self.status, tuple) else self.status
        return {"status": status, "label": self.label, "annotator": self.annotator,
                "search": self.search or None, "min_adr": self.min_adr, "assigned": self.assigned}


class _Relay(QObject):
    """Carries a finished query from the worker thread back to the UI thread (queued signal)."""

    arrived = Signal(int, int, int, object)   # generation, offset, limit, rows or an error text


class _Query(QRunnable):
    def __init__(self, relay: _Relay, generation: int, offset: int, limit: int,
                 fetch: Callable[[], list[DocumentRow]]) -> None:
        super().__init__()
        self.relay, self.generation, self.offset, self.limit, self.fetch = relay, generation, offset, limit, fetch

    def run(self) -> None:  # noqa: D102 - on the worker thread
        try:
            result: object = self.fetch()
        except Exception as exc:  # a database error becomes a message in the list, never a crash
            result = QCoreApplication.translate("DocumentList", "Could not list documents: {error}").format(error=exc)
        self.relay.arrived.emit(self.generation, self.offset, self.limit, result)


class DocumentListModel(QAbstractTableModel):
    """Rows of ``DocumentRow``. ``filters.annotator`` picks whose layer is shown: that annotator's
    review states and span counts (shared layer included); None shows the shared layer alone.

    Queries run on one worker thread, so a slow database (a large corpus, a team server) never
    freezes the window: the old rows stay until the new ones arrive (``loaded``); a newer filter
    supersedes a query still running, whose rows are then dropped.
    """

    DocIdRole = Qt.ItemDataRole.UserRole + 1
    loaded = Signal()               # rows for the current filters and order are in
    loadingChanged = Signal(bool)
    failed = Signal(str)

    def __init__(self, store: Store, annotator: str | None, parent: QObject | None = None,
                 view_state: dict | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.filters = Filters(annotator=annotator)
        self.order_by = "id"
        self.descending = False
        self._rows: list[DocumentRow] = []
        self._texts: list[tuple[str, ...]] = []
        self._more = False
        self._total: int | None = None
        self._generation = 0
        self._running = False
        self._waiting: tuple | None = None      # the newest request, started when the running one ends
        self._edited: dict[int, dict[str, Any]] = {}   # rows changed while a query was running
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._relay = _Relay()
        self._relay.arrived.connect(self._arrived)
        if view_state:
            self._apply_view_state(view_state)
        self._reload()

    # --- querying -------------------------------------------------------------------------
    def _kwargs(self, offset: int, limit: int) -> dict[str, Any]:
        return {**self.filters.query(), "order_by": self.order_by, "descending": self.descending,
                "offset": offset, "limit": limit}

    def _reload(self, keep: int = 0) -> None:
        self._generation += 1
        self._total = None
        # One row more than shown tells whether another page exists, without a COUNT(*).
        self._request(0, max(PAGE, keep) + 1)

    def _request(self, offset: int, limit: int) -> None:
        request = (self._generation, offset, limit, self._kwargs(offset, limit))
        if self._running:
            self._waiting = request
            return
        self._start(*request)

    def _start(self, generation: int, offset: int, limit: int, kwargs: dict) -> None:
        if not self._running:
            self._running = True
            self.loadingChanged.emit(True)
        store = self.store
        self._pool.start(_Query(self._relay, generation, offset, limit, lambda: store.list_documents(**kwargs)))

    def _arrived(self, generation: int, offset: int, limit: int, result: object) -> None:
        waiting, self._waiting = self._waiting, None
        if waiting is not None:
            self._start(*waiting)
        else:
            self._running = False
            self.loadingChanged.emit(False)
        if generation != self._generation:
            return                              # superseded by a newer filter or order
        if isinstance(result, str):
            self.failed.emit(result)
            return
        self._take(offset, limit, result)

    def _take(self, offset: int, limit: int, rows: list[DocumentRow]) -> None:
        page = limit - 1
        more, rows = len(rows) > page, rows[:page]
        # A query may have read a row before an edit the user already sees: the edit wins.
        rows = [dataclasses.replace(r, **self._edited[r.id]) if r.id in self._edited else r for r in rows]
        if not self._running:
            self._edited.clear()
        if offset == 0:
            self.beginResetModel()
            self._rows, self._texts = rows, [_texts(r) for r in rows]
            self._more = more
            self.endResetModel()
            self.loaded.emit()
        elif offset == len(self._rows):
            self._more = more
            if rows:
                self.beginInsertRows(QModelIndex(), offset, offset + len(rows) - 1)
                self._rows.extend(rows)
                self._texts.extend(_texts(r) for r in rows)
                self.endInsertRows()

    def _fetch_now(self) -> None:
        """Load the next page on this thread: only for an explicit "find / next" past the loaded rows."""
        offset = len(self._rows)
        self._take(offset, PAGE + 1, self.store.list_documents(**self._kwargs(offset, PAGE + 1)))

    @property
    def loading(self) -> bool:
        return self._running

    def has_more(self) -> bool:
        return self._more

    def wait(self, msecs: int = 30_000) -> None:
        """Block until queued queries end and their rows are applied (tests, shutdown)."""
        app = QCoreApplication.instance()
        while self._running and self._pool.waitForDone(msecs):
            app.processEvents()

    def refresh(self) -> None:
        """Re-read the loaded rows (after an import, a status change elsewhere)."""
        self._reload(keep=len(self._rows))

    def set_filters(self, filters: Filters) -> None:
        if filters != self.filters:
            if filters.annotator != self.filters.annotator:
                self._edited.clear()            # those edits were shown in another layer
            self.filters = filters
            self._reload()

    def update_filters(self, **changes: Any) -> None:
        self.set_filters(dataclasses.replace(self.filters, **changes))

    def total(self) -> int:
        """Documents matching the filters (a COUNT, computed on demand and cached)."""
        if self._total is None:
            self._total = self.store.count_documents(**self.filters.query())
        return self._total

    # --- Qt model interface -----------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:
        return not parent.isValid() and self._more and not self._running

    def fetchMore(self, parent: Index = QModelIndex()) -> None:
        if self.canFetchMore(parent):
            self._request(len(self._rows), PAGE + 1)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _tr(COLUMNS[section].title)
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            column = COLUMNS[section]
            return None if column.order_by else QCoreApplication.translate("DocumentList", "{column}: not sortable").format(column=_tr(column.title))
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        # Called thousands of times per repaint: the display texts are made once per row.
        if role == Qt.ItemDataRole.DisplayRole:
            return self._texts[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _ALIGN[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            row = self._rows[index.row()]
            prob = (QCoreApplication.translate("DocumentList", "not scored") if row.adr_prob is None
                    else f"{row.adr_prob:.2f}")
            doubt = "–" if row.uncertainty is None else f"{row.uncertainty:.2f}"
            return QCoreApplication.translate("DocumentList", "{name}: {status}; spans: {spans}, suggestions: {suggestions}, chains: {chains}; "
                       "ADR probability {prob}; model uncertainty {doubt}; characters: {length}").format(
                name=row.name, status=status_text(row.status), spans=row.spans, suggestions=row.suggestions,
                chains=row.chains, prob=prob, doubt=doubt, length=row.length)
        if role == self.DocIdRole:
            return self._rows[index.row()].id
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort in SQL; column -1 (no sort indicator) is import order."""
        order_by = COLUMNS[column].order_by if 0 <= column < len(COLUMNS) else "id"
        if order_by is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if (order_by, descending) != (self.order_by, self.descending):
            self.order_by, self.descending = order_by, descending
            self._reload()

    # --- lookups used by the main window --------------------------------------------------------
    def row_data(self, row: int) -> DocumentRow:
        return self._rows[row]

    def doc_id(self, row: int) -> int:
        return self._rows[row].id

    def row_of(self, doc_id: int, fetch: bool = False, limit: int = 20_000) -> int:
        """Row of ``doc_id`` or -1; with ``fetch``, load pages until it shows up (bounded)."""
        while True:
            for i, row in enumerate(self._rows):
                if row.id == doc_id:
                    return i
            if not (fetch and self._more and len(self._rows) < limit):
                return -1
            self._fetch_now()

    def next_not_done(self, after_doc_id: int | None) -> int | None:
        """The next document, in the current sort order, that is neither done nor curated."""
        self.wait()   # the answer depends on rows still arriving: the user asked for exactly this
        start = 0 if after_doc_id is None else self.row_of(after_doc_id) + 1
        i = start
        while True:
            while i < len(self._rows):
                if self._rows[i].status not in FINISHED:
                    return self._rows[i].id
                i += 1
            if not self._more:
                return None
            self._fetch_now()

    def update_row(self, doc_id: int, **fields: Any) -> None:
        """Show a change the editor just saved (status, counts) without re-querying the list."""
        if self._running:
            self._edited.setdefault(doc_id, {}).update(fields)
        row = self.row_of(doc_id)
        if row < 0:
            return
        updated = dataclasses.replace(self._rows[row], **fields)
        if updated != self._rows[row]:
            self._rows[row] = updated
            self._texts[row] = _texts(updated)
            self._total = None if "status" in fields else self._total
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def view_state(self) -> dict:
        status = self.filters.status
        return {"order_by": self.order_by, "descending": self.descending,
                "status": list(status) if isinstance(status, tuple) else status,
                "label": self.filters.label, "annotator": self.filters.annotator,
                "search": self.filters.search, "min_adr": self.filters.min_adr}

    def restore_view_state(self, state: dict) -> None:
        self._apply_view_state(state)
        self._reload()

    def _apply_view_state(self, state: dict) -> None:
        status = state.get("status")
        self.order_by = str(state.get("order_by") or "id")
        self.descending = bool(state.get("descending") in (True, "true", 1))
        self.filters = Filters(status=tuple(status) if isinstance(status, list) else (status or None),
                               label=state.get("label") or None, annotator=state.get("annotator") or None,
                               search=state.get("search") or None, min_adr=_probability(state.get("min_adr")))


def _probability(value: object) -> float | None:
    """A saved ADR threshold, or None when it is missing or not a probability."""
    try:
        value = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return value if 0.0 <= value <= 1.0 else None


SHARED_LAYER = QT_TRANSLATE_NOOP("DocumentList", "(shared layer)")
ADR_CHOICES = ((QT_TRANSLATE_NOOP("DocumentList", "Any ADR probability"), None), ("ADR ≥ 0.5", 0.5),
               ("ADR ≥ 0.8", 0.8), ("ADR ≥ 0.9", 0.9))
WIDTH_SAMPLE = {"name": "review-00000", "status": "◔ pre-annotated", "adr_prob": "0.00", "uncertainty": "0.00",
                "annotator": "annotator"}


class DocumentListPanel(QWidget):
    """Filter bar over a table of documents. ``documentActivated`` fires when the user picks one
    (click, Enter, or arrow keys: the current row is the open document)."""

    documentActivated = Signal(int)
    searchSubmitted = Signal(int)    # Enter in the search box opened this document (its first hit)

    SEARCH_DELAY_MS = 150  # typing pauses shorter than this do not re-query

    def __init__(self, model: DocumentListModel, labels: list[str], annotators: list[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._quiet = False
        self._open_first_hit = False
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Search name or text…"))
        self.search.setClearButtonEnabled(True)
        self.status = QComboBox(self)
        self.status.addItem(self.tr("All states"), None)
        self.status.addItem(self.tr("Not done"), NOT_DONE)
        for state in DOC_STATUSES:
            self.status.addItem(f"{STATUS_MARK[state]} {status_text(state)}", state)
        self.label = QComboBox(self)
        self.annotator = QComboBox(self)
        self.adr = QComboBox(self)
        for combo in (self.status, self.label, self.annotator, self.adr):
            # Narrow enough to leave the editor its width on a 1366-pixel screen (any language).
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(6)
        self.adr.setToolTip(self.tr("Only reviews whose ADR probability (from an ADR classifier) is at least "
                                    "this; reviews no classifier has scored are left out"))
        for text, value in ADR_CHOICES:
            self.adr.addItem(_tr(text), value)
        self.count = QLabel(self)
        self.table = QTableView(self)
        self.table.setModel(model)
        # The indicator must match the model before sorting is enabled, which sorts by it at once.
        self.table.horizontalHeader().setSortIndicator(self._sort_column(), self._sort_order())
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        rows = self.table.verticalHeader()
        rows.setVisible(False)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.table.setWordWrap(False)
        # Fixed widths from sample texts: ResizeToContents would ask every loaded row on each reset.
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        metrics = self.fontMetrics()
        # The state column fits its longest state in the interface language ("◔ предразмечен").
        states = [f"{STATUS_MARK[s]} {status_text(s)}" for s in DOC_STATUSES]
        for col, column in enumerate(COLUMNS):
            samples = [WIDTH_SAMPLE.get(column.field, "0000"), _tr(column.title)]
            samples += states if column.field == "status" else []
            header.resizeSection(col, max(metrics.horizontalAdvance(s) for s in samples) + 12)
        self.set_choices(labels, annotators)

        row1 = QHBoxLayout()
        row1.addWidget(self.search, 1)
        row2 = QHBoxLayout()
        row2.addWidget(self.status)
        row2.addWidget(self.label)
        row2.addWidget(self.annotator)
        row2.addWidget(self.adr)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(row1)
        layout.addLayout(row2)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(self.SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_search)
        self.search.textEdited.connect(lambda _: self._search_timer.start())
        self.search.returnPressed.connect(self._search_submitted)
        self.search.installEventFilter(self)
        self.model.loaded.connect(self._maybe_open_first_hit)
        self.status.currentIndexChanged.connect(self._filters_changed)
        self.label.currentIndexChanged.connect(self._filters_changed)
        self.annotator.currentIndexChanged.connect(self._filters_changed)
        self.adr.currentIndexChanged.connect(self._filters_changed)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.model.modelReset.connect(self._update_count)
        self.model.rowsInserted.connect(self._update_count)
        self.model.loadingChanged.connect(lambda _busy: self._update_count())
        self.model.failed.connect(self.count.setText)
        self.sync_controls()

    def width_for_columns(self) -> int:
        """The width that shows every column at its sample width without a horizontal scroll bar."""
        table = self.table
        margins = self.layout().contentsMargins()
        return (table.horizontalHeader().length() + table.verticalScrollBar().sizeHint().width()
                + 2 * table.frameWidth() + margins.left() + margins.right())

    def set_choices(self, labels: list[str], annotators: list[str]) -> None:
        """Fill the label and annotator pickers (schema tags; annotators in the database)."""
        for combo, first, items in ((self.label, (self.tr("Any label"), None), [(x, x) for x in labels]),
                                    (self.annotator, (_tr(SHARED_LAYER), None), [(x, x) for x in annotators])):
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(*first)
            for text, data in items:
                combo.addItem(text, data)
            combo.blockSignals(False)
        self.sync_controls()

    def sync_controls(self) -> None:
        """Show the model's filters in the controls (after restoring a saved view)."""
        f = self.model.filters
        for combo, value in ((self.status, f.status), (self.label, f.label), (self.annotator, f.annotator),
                             (self.adr, f.min_adr)):
            combo.blockSignals(True)
            i = combo.findData(value)
            if i < 0 and combo in (self.annotator, self.adr) and value is not None:
                combo.addItem(value if combo is self.annotator else f"ADR ≥ {value:g}", value)
                i = combo.count() - 1
            combo.setCurrentIndex(max(i, 0))
            combo.blockSignals(False)
        if self.search.text() != (f.search or ""):
            self.search.setText(f.search or "")
        self.table.horizontalHeader().setSortIndicator(self._sort_column(), self._sort_order())
        self._update_count()

    def _sort_column(self) -> int:
        return next((i for i, c in enumerate(COLUMNS) if c.order_by == self.model.order_by), -1)

    def _sort_order(self) -> Qt.SortOrder:
        return Qt.SortOrder.DescendingOrder if self.model.descending else Qt.SortOrder.AscendingOrder

    def apply_search(self) -> None:
        self._search_timer.stop()
        self.model.update_filters(search=self.search.text().strip() or None)

    def _search_submitted(self) -> None:
        """Enter: search now and open the first hit (once its rows are in)."""
        self._open_first_hit = True
        self.apply_search()
        if not self.model.loading:
            self._maybe_open_first_hit()

    def _maybe_open_first_hit(self) -> None:
        if not self._open_first_hit:
            return
        self._open_first_hit = False
        if self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(0, 0))   # opens it, like any current row
            self.searchSubmitted.emit(self.model.doc_id(0))

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        """Down in the search box moves into the list (its current row, else the first)."""
        if obj is self.search and event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Down:
            if self.model.rowCount():
                if not self.table.currentIndex().isValid():
                    self.table.setCurrentIndex(self.model.index(0, 0))
                self.table.setFocus()
                return True
        return super().eventFilter(obj, event)

    def _filters_changed(self) -> None:
        self.model.update_filters(status=self.status.currentData(), label=self.label.currentData(),
                                  annotator=self.annotator.currentData(), min_adr=self.adr.currentData())

    def _update_count(self) -> None:
        n = self.model.rowCount()
        more = "+" if self.model.has_more() else ""
        loading = self.tr("  (loading…)") if self.model.loading else ""
        text = self.tr("{n}{more} document{loading}") if n == 1 and not more else self.tr("{n}{more} documents{loading}")
        self.count.setText(text.format(n=n, more=more, loading=loading))

    def _row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and not self._quiet:
            self.documentActivated.emit(self.model.doc_id(current.row()))

    def current_doc_id(self) -> int | None:
        index = self.table.currentIndex()
        return self.model.doc_id(index.row()) if index.isValid() else None

    def select_document(self, doc_id: int) -> bool:
        """Show ``doc_id`` as the current row (loading a few pages if needed) without re-opening
        it; False if the filters hide it or it is further down than that."""
        row = self.model.row_of(doc_id, fetch=True, limit=SELECT_FETCH_ROWS)
        if row < 0:
            self.table.clearSelection()
            return False
        index = self.model.index(row, 0)
        selection = self.table.selectionModel()
        self._quiet = True
        try:
            selection.setCurrentIndex(index, selection.SelectionFlag.ClearAndSelect | selection.SelectionFlag.Rows)
        finally:
            self._quiet = False
        self.table.scrollTo(index)
        return True
