"""The one-key coder F2 opens in the main window: ranked terms from the imported MedDRA (Russian
edition) with their hierarchy, earlier codes of the same mention first, Enter picks, a code not in
the terminology is flagged and kept only on a second Enter; Ctrl+Enter adds a second code."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from test_terminology import release

from gui_support import type_text
from rdrs_gui.core import terminology
from rdrs_gui.core.document import Document, Span
from rdrs_gui.core.store import Store

TEXT = "Болела голова, потом тошнота. Голова болела снова."


@pytest.fixture
def window_store(tmp_path):
    store = Store.open(tmp_path / "coder.sqlite")
    store.import_documents([
        Document("r1", TEXT, spans=[Span({"ADR"}, [(0, 13)]), Span({"ADR"}, [(21, 28)]),
                                    Span({"ADR"}, [(30, 43)], {"MedDRA": "10019211"})]),
    ], annotator="anna")
    store.import_terms("meddra", terminology.read_meddra(release(tmp_path / "meddra")))
    return store


def open_coder(window, qtbot, text: str):  # noqa: ANN201 - the CodeDialog
    doc_id = window.find_document("r1")
    assert window.open_document(doc_id)
    span = next(s for s in window.editor.session.document.spans if s.covered_text(TEXT) == text)
    window.editor.select_span(span.id)
    window.editor.setFocus()
    QTest.keyClick(window.editor, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: getattr(window, "coder", None) is not None and window.coder.isVisible())
    return window.coder, span


def rows(dialog) -> list[str]:  # noqa: ANN001
    return [dialog.list.item(i).text() for i in range(dialog.list.count())]


def saved_attrs(window, span_id: str) -> dict:  # noqa: ANN001
    window.writer.wait()
    return window.store.load_document(window.find_document("r1"), "anna").span_by_id(span_id).attrs


def test_f2_opens_the_coder_with_ranked_terms_and_enter_picks(window, qtbot):
    dialog, span = open_coder(window, qtbot, "тошнота")
    assert dialog.query.text() == "тошнота", "the mention is the first query"
    first = rows(dialog)[0]
    assert first.startswith("10028813") and "PT Тошнота → HLT Симптомы тошноты и рвоты" in first
    assert "SOC Желудочно-кишечные нарушения" in first
    dialog.query.clear()
    type_text(dialog.query, "подташ")
    assert rows(dialog)[0].startswith("10028822   LLT Подташнивание → PT Тошнота")
    QTest.keyClick(dialog.query, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert saved_attrs(window, span.id) == {"MedDRA": "10028822"}
    window.editor.undo_stack.undo()
    assert saved_attrs(window, span.id) == {}, "coding is one undoable edit"


def test_an_earlier_code_of_the_same_lemmas_comes_first(window, qtbot):
    dialog, span = open_coder(window, qtbot, "Болела голова")
    assert rows(dialog)[0].startswith("10019211   used for this mention before · PT Головная боль"), \
        "'голова болела' elsewhere is coded 10019211: same lemmas"


def test_a_code_outside_the_terminology_is_flagged_then_kept_on_a_second_enter(window, qtbot):
    dialog, span = open_coder(window, qtbot, "тошнота")
    dialog.query.clear()
    type_text(dialog.query, "99999999")
    assert dialog.list.count() == 0
    QTest.keyClick(dialog.query, Qt.Key.Key_Return)
    assert dialog.isVisible() and "99999999 is not in the loaded terminology" in dialog.status.text()
    QTest.keyClick(dialog.query, Qt.Key.Key_Return)
    assert not dialog.isVisible()
    assert saved_attrs(window, span.id) == {"MedDRA": "99999999"}


def test_ctrl_enter_adds_a_second_code(window, qtbot):
    dialog, span = open_coder(window, qtbot, "тошнота")
    QTest.keyClick(dialog.query, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.isVisible() and "10028813" in dialog.chosen.text()
    type_text(dialog.query, "головная")
    QTest.keyClick(dialog.query, Qt.Key.Key_Return)
    assert saved_attrs(window, span.id) == {"MedDRA": "10028813;10019211"}


def test_the_learnt_suggester_offers_its_codes_with_scores(window, qtbot):
    qtbot.waitUntil(lambda: window.code_lookups.suggested("MedDRA", "тошнота") != [], timeout=20_000)
    dialog, span = open_coder(window, qtbot, "тошнота")
    assert rows(dialog)[0].startswith("10028813   suggested, score 0.90 · PT Тошнота"), \
        "the mention is a term's name: the suggester's first choice, with its score"
    assert sum(row.startswith("10028813") for row in rows(dialog)) == 1, "offered once"


def test_a_terminology_is_imported_from_the_app_and_a_bad_one_refused(window, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from rdrs_gui.ui.normalise.coding import import_terminology
    atc = tmp_path / "atc.csv"
    atc.write_text("N02BE01,Парацетамол\nN02BE,Анилиды\n", encoding="utf-8")
    assert import_terminology(window, "atc", str(atc)) == 2
    assert window.store.term_counts()["atc"] == 2
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warned.append(args[2]))
    bad = tmp_path / "bad.csv"
    bad.write_text("N02BE01,Парацетамол,ZZZ\n", encoding="utf-8")
    assert import_terminology(window, "atc", str(bad)) is None
    assert warned and f"{bad}:1:" in warned[0] and window.store.term_counts()["atc"] == 2
    assert window.code_lookups.index("ATC").path("N02BE01")[1].name == "Анилиды"
