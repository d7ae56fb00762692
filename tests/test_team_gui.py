"""Team annotation in the app, through real widgets: the agreement view (matrix, a pair's
documents least agreement first, opening one) and curation mode (auto-merge, Tab through the
disagreements, resolve by key, undo), stacked and discontinuous spans kept."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from gui_support import isolated_settings
from rdrs_gui.core.document import DOC_CURATED, DOC_DONE, Chain, Document, Mention, Span
from rdrs_gui.core.store import Store
from rdrs_gui.ui.main_window import MainWindow

TEXT = "Нурофен помог, но болела голова и тошнило весь день."


def version(*spans: Span, name: str = "r1", chains: tuple[tuple[tuple[int, int], ...], ...] = ()) -> Document:
    return Document(name, TEXT, spans=list(spans), status=DOC_DONE,
                    chains=[Chain([Mention([m]) for m in chain]) for chain in chains])


def sp(labels: str, *fragments: tuple[int, int]) -> Span:
    return Span(set(labels.split("+")), list(fragments))


@pytest.fixture
def window_store(tmp_path):
    store = Store.open(tmp_path / "team.sqlite")
    drug = (0, 7)
    pain = (18, 31)      # "болела голова"
    nausea = (34, 41)    # "тошнило"
    store.import_documents([version(sp("Drugname+DrugBrand", drug), sp("ADR", pain), sp("ADR", nausea)),
                            version(sp("ADR", (18, 24), (32, 41)), name="r2",
                                    chains=(((0, 7), (8, 13), (25, 31)),))], annotator="A")
    store.import_documents([version(sp("Drugname+DrugBrand", drug), sp("ADR", (25, 31)), sp("Indication", nausea)),
                            version(sp("ADR", (18, 24), (32, 41)), name="r2",
                                    chains=(((0, 7), (8, 13)),))], annotator="B")
    yield store
    store.close()


def shared(store: Store, doc_id: int) -> Document:
    (doc,) = store.layer_documents(None, [doc_id])
    return doc


def keys(doc: Document) -> set[tuple]:
    return {s.key() for s in doc.spans}


def test_agreement_view_matrix_and_documents_least_first(window, qtbot):
    dialog = window.team.show_agreement()
    qtbot.addWidget(dialog)
    assert dialog.names == ["A", "B"]
    assert dialog.pair == ("A", "B") and dialog.documents.rowCount() == 2   # the least agreeing pair, at once
    # r1: 2 of max(4, 4) match (Drugname, DrugBrand); r2: 1 of 1 -> (0.5 + 1) / 2
    assert dialog.matrix.item(0, 1).text() == "75.0"
    dialog.tag_box.setCurrentIndex(1)            # tags ignored: r1 2 of 3 places, r2 1 -> (2/3 + 1) / 2
    assert dialog.matrix.item(1, 0).text() == f"{100 * (2 / 3 + 1) / 2:.1f}"
    dialog.tag_box.setCurrentIndex(0)
    rect = dialog.matrix.visualItemRect(dialog.matrix.item(0, 1))
    qtbot.mouseClick(dialog.matrix.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    names = [dialog.documents.item(r, 0).text() for r in range(dialog.documents.rowCount())]
    assert names == ["r1", "r2"]
    assert dialog.tags.rowCount() == 4         # ADR, DrugBrand, Drugname, Indication
    assert [tag for tag, _, _ in dialog.bars.rows] == ["ADR", "DrugBrand", "Drugname", "Indication"]
    assert [strict for _, strict, _ in dialog.bars.rows] == [0.5, 1.0, 1.0, 0.0]   # the plot: per tag, strict
    dialog._open_row(1)
    assert window.session.document.name == "r2"


def test_curation_auto_merge_tab_keys_and_undo(window, qtbot, window_store):
    r1 = window.find_document("r1")
    window.open_document(r1)
    dialog = window.team.curate_open()
    qtbot.addWidget(dialog)
    assert [v.objectName() for v in dialog.views] == ["version1", "version2"]
    # the pain ADR (A's covers "болела голова", B's "голова"), and тошнило ADR vs Indication
    assert [dialog.places.item(i).text() for i in range(dialog.places.count())] == [
        "«болела голова»  1: ADR | 2: ADR «голова»", "«тошнило»  1: ADR | 2: Indication"]
    assert dialog.places.item(0).toolTip() == dialog.places.item(0).text()   # the list is narrow
    qtbot.mouseClick(dialog.auto_button, Qt.MouseButton.LeftButton)
    window.writer.wait()
    merged = shared(window_store, r1)
    assert keys(merged) == {(((0, 7),), ("DrugBrand", "Drugname"), ())}     # stacked, both tags
    assert merged.status == DOC_CURATED
    dialog.places.setFocus()
    assert dialog.places.currentRow() == 0          # the first place is shown at once
    QTest.keyClick(dialog.places, Qt.Key.Key_1)     # the first place: A's ADR "болела голова"
    window.writer.wait()
    assert (((18, 31),), ("ADR",), ()) in keys(shared(window_store, r1))
    QTest.keyClick(dialog.places, Qt.Key.Key_Tab)
    assert dialog.places.currentRow() == 1
    QTest.keyClick(dialog.places, Qt.Key.Key_2)     # the second: B's Indication "тошнило"
    window.writer.wait()
    assert keys(shared(window_store, r1)) == {(((0, 7),), ("DrugBrand", "Drugname"), ()),
                                               (((18, 31),), ("ADR",), ()), (((34, 41),), ("Indication",), ())}
    QTest.keyClick(dialog.places, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    window.writer.wait()
    assert (((34, 41),), ("Indication",), ()) not in keys(shared(window_store, r1))
    QTest.keyClick(dialog.places, Qt.Key.Key_0)     # take none at the second place
    window.writer.wait()
    assert keys(shared(window_store, r1)) == {(((0, 7),), ("DrugBrand", "Drugname"), ()),
                                               (((18, 31),), ("ADR",), ())}


def test_a_place_where_only_a_code_differs_says_which(window, qtbot, window_store):
    coded = sp("ADR", (18, 31))
    coded.attrs = {"MedDRA": "10019211"}
    window_store.import_documents([version(coded, sp("ADR", (34, 41)), name="r3")], annotator="A")
    window_store.import_documents([version(sp("ADR", (18, 31)), sp("ADR", (34, 41)), name="r3")], annotator="B")
    window.open_document(window.find_document("r3"))
    dialog = window.team.curate_open()
    qtbot.addWidget(dialog)
    assert [dialog.places.item(i).text() for i in range(dialog.places.count())] == [
        "«болела голова»  1: ADR {MedDRA=10019211} | 2: ADR {—}"]



def test_places_that_read_alike_say_which_one(window, qtbot, window_store):
    text = "Нурофен помог, потом снова Нурофен."
    second = (text.rindex("Нурофен"), text.rindex("Нурофен") + 7)
    for annotator, label in (("A", "Drugname"), ("B", "DrugBrand")):
        window_store.import_documents([Document("r4", text, status=DOC_DONE, spans=[sp(label, (0, 7)),
                                                                                    sp(label, second)])],
                                      annotator=annotator)
    window.open_document(window.find_document("r4"))
    dialog = window.team.curate_open()
    qtbot.addWidget(dialog)
    assert [dialog.places.item(i).text() for i in range(dialog.places.count())] == [
        "«Нурофен»  1: Drugname | 2: DrugBrand", "…потом снова «Нурофен»  1: Drugname | 2: DrugBrand"]

def test_bulk_auto_merge_from_the_menu(window, window_store):
    report = window.team.merge_all(threshold=0.9)
    assert [d["name"] for d in report["documents"]] == ["r2"]      # r1 agrees 0.5 only
    r2 = window.find_document("r2")
    merged = shared(window_store, r2)
    assert keys(merged) == {(((18, 24), (32, 41)), ("ADR",), ())} and merged.status == DOC_CURATED


def test_a_document_changed_by_another_client_is_reloaded_with_a_message(window, window_store):
    from rdrs_gui.core.changes import AddSpan

    r2 = window.find_document("r2")
    window.open_document(r2)
    assert window.team.check_open_document() is False          # first look: the baseline
    window.editor.set_selection(0, 7)
    window.editor.apply_tag("Drugname")                          # this window's own edit: no message
    window.writer.wait()
    assert window.team.check_open_document() is False
    with Store.open(window_store.url) as curator:                # another client, e.g. a curator's app
        curator.apply_changes(r2, [AddSpan(Span({"Drugname"}, [(0, 7)], id="T90-curator"))])
    assert window.team.check_open_document() is True
    assert "T90-curator" in {s.id for s in window.session.document.spans}
    assert "reloaded" in window.statusBar().currentMessage()
    assert window.team.check_open_document() is False


def test_blind_annotation_the_list_offers_no_other_annotators_layer_unless_allowed(window, window_store):
    combo = window.documents.annotator
    shown = [combo.itemText(i) for i in range(combo.count())]
    assert "A" not in shown and "B" not in shown           # the window's annotator is anna
    window_store.set_others_visible(True)
    assert window_store.visible_annotators("anna") == ["A", "B"]
    window_store.set_others_visible(False)
    assert window_store.visible_annotators("A") == ["A"]


def test_bulk_auto_merge_is_one_undoable_action(window, window_store):
    r1, r2 = window.find_document("r1"), window.find_document("r2")
    window_store.import_documents([Document("r2", TEXT, spans=[sp("Indication", (0, 7))])])   # shared data there
    before = keys(shared(window_store, r2)), shared(window_store, r2).status
    report = window.team.merge_all(threshold=0.0)
    assert {d["name"] for d in report["documents"]} == {"r1", "r2"}
    assert shared(window_store, r1).status == DOC_CURATED
    assert window.team.undo_merge_action.isEnabled()
    window.team.undo_merge_action.trigger()
    assert (keys(shared(window_store, r2)), shared(window_store, r2).status) == before
    assert keys(shared(window_store, r1)) == set() and shared(window_store, r1).status != DOC_CURATED
    assert not window.team.undo_merge_action.isEnabled()


def test_an_annotators_list_is_their_queue_once_documents_are_assigned(tmp_path, qtbot):
    with Store.open(tmp_path / "queue.sqlite") as store:
        store.import_documents([Document(f"r{i}", TEXT) for i in range(4)])
        ids = store.document_ids()
        store.assign(ids[1:3], "anna")
        window = MainWindow(store, "anna", isolated_settings(tmp_path / "config"))
        qtbot.addWidget(window)
        window.show()
        window.list_model.wait()
        assert window.list_model.filters.assigned
        assert [window.list_model.row_data(r).name for r in range(window.list_model.rowCount())] == ["r1", "r2"]
        assert store.count_documents(annotator="boris", assigned=True) == 0
        window.close()


def test_without_assignments_the_list_is_not_a_queue(window):
    assert not window.list_model.filters.assigned       # annotators' imports alone assign nothing


def test_the_curated_result_is_edited_in_place(window, qtbot, window_store):
    r1 = window.find_document("r1")
    window.open_document(r1)
    dialog = window.team.curate_open()
    qtbot.addWidget(dialog)
    dialog.curated.setFocus()
    dialog.curated.set_selection(8, 13)                           # "помог"
    QTest.keyClick(dialog.curated, Qt.Key.Key_N)                  # n: DiseaseName in the RDRS schema
    window.writer.wait()
    assert ((((8, 13),), ("DiseaseName",), ())) in keys(shared(window_store, r1))
    QTest.keyClick(dialog.curated, Qt.Key.Key_Tab)                # Tab still walks the places
    assert dialog.places.currentRow() == 1


def chain_keys(doc: Document) -> set[tuple]:
    return {c.key() for c in doc.chains}


def test_chains_are_curated_place_by_place(window, qtbot, window_store):
    r2 = window.find_document("r2")
    window.open_document(r2)
    dialog = window.team.curate_open()
    qtbot.addWidget(dialog)
    assert dialog.places.count() == 1 and "Coreference" in dialog.places.item(0).text()   # spans all agree
    a_chain = ("Coreference", (((0, 7),), ((8, 13),), ((25, 31),)))
    b_chain = ("Coreference", (((0, 7),), ((8, 13),)))
    QTest.keyClick(dialog.places, Qt.Key.Key_1)
    window.writer.wait()
    assert chain_keys(shared(window_store, r2)) == {a_chain}
    QTest.keyClick(dialog.places, Qt.Key.Key_2)
    window.writer.wait()
    assert chain_keys(shared(window_store, r2)) == {b_chain}
    QTest.keyClick(dialog.places, Qt.Key.Key_0)
    window.writer.wait()
    assert chain_keys(shared(window_store, r2)) == set()
    QTest.keyClick(dialog.places, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    window.writer.wait()
    assert chain_keys(shared(window_store, r2)) == {b_chain}
