"""The ADR classifier through the app: trained from the reviews marked done (their ADR spans
are the labels), activated from the training notice, then a batch pre-annotation stores its
ADR probability, verdict and top sentence on each review; the editor's ADR strip shows them
and highlights the sentence, and "most likely ADR first" orders the list by the probability."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel

from gui_support import loop_window, preannotate_from_dialog
from loop_support import loop_store
from rdrs_gui.ui.editor.adr_bar import verdict
from rdrs_gui.ui.editor.layout import MARGIN
from rdrs_gui.ui.loop.jobs_panel import status_line

LONG = 180_000


@pytest.mark.slow
def test_train_the_classifier_activate_it_and_sort_the_queue_by_adr(qtbot, tmp_path):
    store, gold, raw = loop_store(tmp_path / "adr.sqlite", gold=10, raw=4)
    window = loop_window(qtbot, store, tmp_path / "config", epochs=2, max_minutes=3)
    loop, controller = window.loop, window.loop.controller

    with qtbot.waitSignal(controller.jobFinished, timeout=LONG) as finished:
        loop.actions["model.train_classifier"].trigger()
    result = finished.args[1]
    assert result.state == "done", result.message
    assert result.model.kind == "classifier" and store.active_model("tagger") is None
    loop.jobs.refresh()
    assert loop.jobs.table.item(0, 0).text() == f"#{finished.args[0]} Train ADR classifier"
    line = status_line(loop.jobs.events.get(finished.args[0], []))
    assert "training documents on" in line and "None" not in line
    qtbot.waitUntil(lambda: bool(loop.notices))
    notice = loop.notices[-1]
    assert notice.table.rowCount() == 1 and notice.table.item(0, 0).text() == "ADR"
    assert "ADR probability" in notice.findChild(QLabel, "noticeText").text()   # not "suggestions"
    qtbot.mouseClick(notice.activate_button, Qt.MouseButton.LeftButton)
    assert store.active_model("classifier").version == result.model.version

    run = preannotate_from_dialog(qtbot, loop, timeout=LONG)
    assert run.error is None and run.documents == len(raw)
    probs = {i: store.load_document(i, "anna").meta.get("adr_prob") for i in raw}
    assert all(isinstance(p, float) and 0.0 <= p <= 1.0 for p in probs.values())
    assert len(set(probs.values())) > 1                 # a real score, so the order below means something

    metas = {i: store.load_document(i, "anna").meta for i in raw}
    for i, meta in metas.items():
        start, end = meta["adr_sentence"]
        text = store.load_document(i).text
        assert isinstance(meta["adr"], bool) and 0 <= start < end <= len(text)

    # the editor's strip and the highlighted sentence
    shown = raw[0]
    assert window.open_document(shown)
    bar, editor = window.adr_bar, window.editor
    assert bar.isVisible() and f"{probs[shown]:.2f}" in bar.chip.text()
    assert ("likely" in bar.chip.text()) and bar.show_button.isVisible()
    assert bar.bar.value() == round(100 * probs[shown])
    start, end = metas[shown]["adr_sentence"]
    assert editor._state.focus == (start, end)
    qtbot.mouseClick(bar.show_button, Qt.MouseButton.LeftButton)
    lay = editor._ensure_layout()
    line = lay.line_of(start)
    point = (int(lay.x(line, start)) + 2, int(lay.text_top(line) - editor.verticalScrollBar().value()) + 2)
    assert 0 <= point[1] < editor.viewport().height()               # scrolled into view
    tinted = QColor(editor.viewport().grab().toImage().pixel(*point))
    editor.set_focus_range(None)
    plain = QColor(editor.viewport().grab().toImage().pixel(*point))
    assert tinted != plain and point[0] >= MARGIN
    for bad in (["a", "b"], [5], [end, start]):          # meta from an imported file: ignored, never a crash
        editor.set_focus_range(tuple(bad))
        assert editor._state.focus is None

    loop.actions["model.sort_adr"].trigger()
    model = window.list_model
    model.wait()
    listed = [model.doc_id(r) for r in range(model.rowCount())]
    ranked = [i for i in listed if i in probs]
    assert len(ranked) == len(raw) and [probs[i] for i in ranked] == sorted(probs.values(), reverse=True)
    window.close()
    store.close()


def test_the_strip_says_where_the_score_comes_from():
    assert verdict({}) is None and verdict({"adr_prob": None}) is None
    assert all(verdict({"adr_prob": bad}) is None for bad in (float("nan"), 1.5, True, "0.9"))
    text, tip = verdict({"adr_prob": 0.8123, "adr": True, "adr_sentence": [0, 10]})
    assert text == "ADR report likely · 0.81" and "classifier" in tip
    text, _ = verdict({"adr_prob": 0.1, "adr": False})
    assert text == "ADR report unlikely · 0.10"
    text, tip = verdict({"adr_prob": 0.64})                   # tagger-only pre-annotation of an older database
    assert text == "ADR: not scored" and "0.64" in tip and "tagger" in tip
    text, tip = verdict({"adr_tagger": 0.3, "adr_source": "tagger v2"})
    assert text == "ADR: not scored" and "tagger v2" in tip
