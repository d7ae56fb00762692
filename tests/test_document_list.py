"""The document list (work queue) on a real SQLite store: lazy paging, SQL sorting from the
header, filters by state, label, annotator and free text, and "next not done" in the shown order."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt

from gui_support import synthetic_documents, type_text
from rdrs_gui.core.document import DOC_CURATED, DOC_DONE
from rdrs_gui.core.store import Store
from rdrs_gui.ui import document_list
from rdrs_gui.ui.document_list import COLUMNS, NOT_DONE, DocumentListModel, DocumentListPanel


@pytest.fixture
def store(qapp, tmp_path):
    # qapp: rows arrive from the worker thread through queued signals, which need an application.
    with Store.open(tmp_path / "list.sqlite") as s:
        s.import_documents(synthetic_documents(30), annotator="anna")
        yield s


@pytest.fixture
def panel(qtbot, store):
    model = DocumentListModel(store, "anna")
    view = DocumentListPanel(model, store.project_schema().tag_names, store.annotators())
    qtbot.addWidget(view)
    view.resize(500, 700)
    view.show()
    return view


def column(name: str) -> int:
    return next(i for i, c in enumerate(COLUMNS) if c.field == name)


def loaded(model: DocumentListModel) -> DocumentListModel:
    """Queries run on a worker thread: wait until the rows for the current filters are in."""
    model.wait()
    assert not model.loading
    return model


def names(model: DocumentListModel) -> list[str]:
    loaded(model)
    return [model.row_data(r).name for r in range(model.rowCount())]


def test_rows_are_fetched_a_page_at_a_time(store, monkeypatch):
    monkeypatch.setattr(document_list, "PAGE", 8)
    model = loaded(DocumentListModel(store, "anna"))
    assert model.rowCount() == 8 and model.canFetchMore()
    model.fetchMore()
    assert model.loading and not model.canFetchMore()      # one query at a time
    assert loaded(model).rowCount() == 16
    while model.canFetchMore():
        model.fetchMore()
        loaded(model)
    assert model.rowCount() == 30 == model.total()
    assert names(model)[:2] == ["doc-000", "doc-001"]


def test_rows_show_state_counts_and_adr_probability(store):
    model = loaded(DocumentListModel(store, "anna"))
    row = names(model).index("doc-000")
    cell = lambda name: model.data(model.index(row, column(name)))  # noqa: E731
    assert cell("status") == "○ new"          # a symbol with every state: never colour alone
    assert cell("spans") == "2" and cell("suggestions") == "1"
    assert cell("adr_prob") == "0.00"
    assert cell("annotator") == "anna"
    assert model.data(model.index(row, 0), DocumentListModel.DocIdRole) == model.doc_id(row)


def click_header(qtbot, panel, col: int) -> None:
    header = panel.table.horizontalHeader()
    x = header.sectionViewportPosition(col) + header.sectionSize(col) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, header.height() // 2))


def test_clicking_a_header_sorts_in_sql(qtbot, panel):
    model = panel.model
    click_header(qtbot, panel, column("adr_prob"))
    loaded(model)
    probs = [model.row_data(r).adr_prob for r in range(model.rowCount())]
    assert model.order_by == "adr_prob"
    assert probs == sorted(probs) or probs == sorted(probs, reverse=True)
    first = probs[0]
    click_header(qtbot, panel, column("adr_prob"))
    loaded(model)
    again = [model.row_data(r).adr_prob for r in range(model.rowCount())]
    assert again == sorted(again, reverse=first < again[0]) and again[0] != first


def test_status_label_and_text_filters(qtbot, panel):
    model = panel.model
    panel.status.setCurrentIndex(panel.status.findData(NOT_DONE))
    assert loaded(model).rowCount() == 18
    assert all(model.row_data(r).status not in (DOC_DONE, DOC_CURATED) for r in range(model.rowCount()))
    panel.label.setCurrentIndex(panel.label.findData("ADR"))
    assert set(names(model)) == {f"doc-{i:03d}" for i in range(0, 30, 3) if i % 5 not in (2, 3)}
    panel.status.setCurrentIndex(0)
    panel.label.setCurrentIndex(0)
    panel.search.setFocus()
    type_text(panel.search, "Отзыв 1")
    qtbot.waitUntil(lambda: model.filters.search == "Отзыв 1", timeout=2000)
    with qtbot.waitSignal(model.loaded, timeout=5000, raising=False):
        pass
    assert names(model) == ["doc-001"] + [f"doc-{i:03d}" for i in range(10, 20)]
    assert panel.count.text() == "11 documents"


def test_annotator_filter_shows_that_layer(qtbot, store, panel):
    model = panel.model
    panel.annotator.setCurrentIndex(panel.annotator.findData(None))   # the shared layer
    loaded(model)
    # The documents were imported into anna's layer: the shared layer has no spans, states "new".
    assert {model.row_data(r).status for r in range(model.rowCount())} == {"new"}
    assert all(model.row_data(r).spans == 0 for r in range(model.rowCount()))
    panel.annotator.setCurrentIndex(panel.annotator.findData("anna"))
    assert loaded(model).row_data(0).spans == 2


def test_adr_filter_keeps_the_likely_reports(qtbot, panel):
    model = panel.model
    panel.adr.setCurrentIndex(panel.adr.findData(0.8))
    loaded(model)
    probs = [model.row_data(r).adr_prob for r in range(model.rowCount())]
    assert probs and all(p >= 0.8 for p in probs)
    assert model.total() == sum(1 for i in range(30) if (i * 37 % 100) / 100 >= 0.8)
    panel.adr.setCurrentIndex(0)
    assert loaded(model).rowCount() == 30


def test_next_not_done_follows_the_current_sort_order(store):
    model = loaded(DocumentListModel(store, "anna"))
    model.sort(column("name"), Qt.SortOrder.DescendingOrder)
    assert names(model)[0] == "doc-029"
    done_id = next(model.doc_id(r) for r in range(model.rowCount()) if model.row_data(r).status == DOC_DONE)
    after = model.next_not_done(done_id)
    row = model.row_of(after)
    assert model.row_data(row).status not in (DOC_DONE, DOC_CURATED)
    assert row > model.row_of(done_id)
    between = range(model.row_of(done_id) + 1, row)
    assert all(model.row_data(r).status in (DOC_DONE, DOC_CURATED) for r in between)


def test_next_not_done_fetches_further_pages(store, monkeypatch):
    monkeypatch.setattr(document_list, "PAGE", 4)
    model = loaded(DocumentListModel(store, "anna"))
    last_page_doc = model.doc_id(3)
    assert model.next_not_done(last_page_doc) is not None
    assert model.rowCount() > 4


def test_update_row_shows_an_edit_without_requery(qtbot, store):
    model = loaded(DocumentListModel(store, "anna"))
    doc_id = model.doc_id(0)
    with qtbot.waitSignal(model.dataChanged):
        model.update_row(doc_id, status=DOC_DONE, spans=5)
    assert model.data(model.index(0, column("status"))) == "● done"
    assert model.data(model.index(0, column("spans"))) == "5"


def test_view_state_round_trips(store):
    model = DocumentListModel(store, "anna")
    model.update_filters(status=NOT_DONE, label="ADR", search="Отзыв", min_adr=0.5)
    model.sort(column("adr_prob"), Qt.SortOrder.DescendingOrder)
    again = DocumentListModel(store, "anna", view_state=model.view_state())
    assert again.filters == model.filters
    assert (again.order_by, again.descending) == ("adr_prob", True)
    assert names(again) == names(model)


def test_a_newer_filter_supersedes_a_query_still_running(qtbot, store):
    model = DocumentListModel(store, "anna")
    model.update_filters(label="ADR")
    model.update_filters(label=None, search="Отзыв 2")       # before the first two answered
    assert names(model) == ["doc-002"] + [f"doc-{i:03d}" for i in range(20, 30)]
    assert model.filters.label is None


def test_a_database_error_is_shown_not_raised(qtbot, store, monkeypatch):
    model = loaded(DocumentListModel(store, "anna"))

    def broken(**_kwargs):
        raise RuntimeError("disk I/O error")

    monkeypatch.setattr(store, "list_documents", broken)
    with qtbot.waitSignal(model.failed) as signal:
        model.update_filters(label="ADR")
    assert "disk I/O error" in signal.args[0]
    assert model.rowCount() == 30 and not model.loading      # the old rows stay usable


def test_an_edit_shown_during_a_running_query_is_not_overwritten(qtbot, store):
    model = loaded(DocumentListModel(store, "anna"))
    doc_id = model.doc_id(0)
    model.refresh()                                  # a query is now reading the old state
    assert model.loading
    model.update_row(doc_id, status=DOC_DONE, spans=9)
    loaded(model)
    row = model.row_of(doc_id)
    assert (model.row_data(row).status, model.row_data(row).spans) == (DOC_DONE, 9)
