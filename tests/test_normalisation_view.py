"""The normalisation view through real widgets: a tag's groups with their documents, coding a
whole group in one undoable step (database checked after undo and redo), merge, split, rename
undone from the view's stack, and the statistics plot."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from test_terminology import release

from gui_support import type_text
from rdrs_gui.core import terminology
from rdrs_gui.core.document import Document, Span
from rdrs_gui.core.store import Store

TEXT = "Болела голова, потом тошнота."


@pytest.fixture
def window_store(tmp_path):
    store = Store.open(tmp_path / "norm.sqlite")
    store.import_documents([
        Document("r1", TEXT, spans=[Span({"ADR"}, [(0, 13)]), Span({"ADR"}, [(21, 28)])]),
        Document("r2", TEXT, spans=[Span({"ADR"}, [(0, 13)]), Span({"DrugName"}, [(15, 20)], {"ATC": "N02BE01"})]),
        Document("r3", "Тошноты не было.", spans=[Span({"ADR"}, [(0, 7)])]),
    ], annotator="anna")
    store.import_terms("meddra", terminology.read_meddra(release(tmp_path / "meddra")))
    return store


def group_item(view, name: str):  # noqa: ANN001, ANN201 - a top-level QTreeWidgetItem
    return next(view.tree.topLevelItem(i) for i in range(view.tree.topLevelItemCount())
                if view.tree.topLevelItem(i).text(0) == name)


def shown(view) -> list[tuple[str, str, str]]:  # noqa: ANN001
    return [(view.tree.topLevelItem(i).text(0), view.tree.topLevelItem(i).text(1), view.tree.topLevelItem(i).text(2))
            for i in range(view.tree.topLevelItemCount())]


def adr_codes(window) -> dict[tuple[str, str], str | None]:  # noqa: ANN001
    window.writer.wait()
    out = {}
    for name in ("r1", "r2", "r3"):
        doc = window.store.load_document(window.find_document(name), "anna")
        for span in doc.spans:
            if "ADR" in span.labels:
                out[name, span.covered_text(doc.text)] = span.attrs.get("MedDRA")
    return out


def test_a_group_is_coded_in_one_undoable_step(window, qtbot):
    view = window.show_normalisation()
    assert view.tag.currentText() == "ADR"
    assert shown(view) == [("болела голова", "2", "—"), ("тошнота", "2", "—")], "тошноты ~ тошнота: 12/14 > 0.8"
    members = group_item(view, "болела голова")
    assert [(members.child(i).text(0), members.child(i).text(1)) for i in range(members.childCount())] == [
        ("Болела голова", "r1"), ("Болела голова", "r2")]
    view.tree.setCurrentItem(group_item(view, "тошнота"))
    qtbot.mouseClick(view.buttons["code"], Qt.MouseButton.LeftButton)
    coder = view.coder
    assert coder.isVisible() and coder.query.text() == "тошнота"
    assert coder.list.item(0).text().startswith("10028813")
    QTest.keyClick(coder.query, Qt.Key.Key_Return)
    assert adr_codes(window) == {("r1", "Болела голова"): None, ("r1", "тошнота"): "10028813",
                                 ("r2", "Болела голова"): None, ("r3", "Тошноты"): "10028813"}
    assert shown(view)[1] == ("тошнота", "2", "10028813")
    view.activateWindow()                                # the coder closed: the view has the keyboard again
    qtbot.waitUntil(view.isActiveWindow)
    QTest.keySequence(view.tree, "Ctrl+Z")
    assert set(adr_codes(window).values()) == {None}, "one Ctrl+Z takes the whole group back"
    assert shown(view)[1] == ("тошнота", "2", "—")
    qtbot.mouseClick(view.buttons["redo"], Qt.MouseButton.LeftButton)
    assert list(adr_codes(window).values()).count("10028813") == 2


def test_the_open_document_shows_the_group_code(window, qtbot):
    assert window.open_document(window.find_document("r3"))
    view = window.show_normalisation()
    view.code_group(1, "10028813")
    assert [s.attrs for s in window.editor.session.document.spans] == [{"MedDRA": "10028813"}]


def test_merge_split_rename_are_undone_from_the_view(window, qtbot):
    view = window.show_normalisation()
    for name in ("болела голова", "тошнота"):
        group_item(view, name).setSelected(True)
    qtbot.mouseClick(view.buttons["merge"], Qt.MouseButton.LeftButton)
    assert shown(view) == [("болела голова", "4", "—")]
    view.tree.clearSelection()
    merged = group_item(view, "болела голова")
    merged.child(3).setSelected(True)                    # Тошноты (r3)
    qtbot.mouseClick(view.buttons["split"], Qt.MouseButton.LeftButton)
    assert shown(view) == [("болела голова", "3", "—"), ("тошноты", "1", "—")]
    view.tree.clearSelection()
    group_item(view, "болела голова").setSelected(True)
    view.rename_selected("головная боль")
    assert shown(view)[0][0] == "головная боль"
    for _ in range(3):
        qtbot.mouseClick(view.buttons["undo"], Qt.MouseButton.LeftButton)
    assert shown(view) == [("болела голова", "2", "—"), ("тошнота", "2", "—")]
    assert not view.buttons["undo"].isEnabled()


def test_statistics_tab_plots_coded_shares(window, qtbot, tmp_path):
    view = window.show_normalisation()
    view.code_group(0, "10019211")
    view.tabs.setCurrentIndex(1)
    figures = view.plots.figures
    assert figures["tags"]["ADR"] == {"mentions": 4, "coded": 2, "share": 0.5}
    assert figures["atc"] == [["N02BE01", 1]] and figures["meddra"] == [["10019211", 2]]
    view.grab().save(str(tmp_path / "plots.png"))


def test_typing_in_the_coder_from_the_view(window, qtbot):
    view = window.show_normalisation()
    view.tree.setCurrentItem(group_item(view, "болела голова"))
    view.code_selected()
    view.coder.query.clear()
    type_text(view.coder.query, "головная")
    QTest.keyClick(view.coder.query, Qt.Key.Key_Return)
    assert adr_codes(window)["r2", "Болела голова"] == "10019211"
