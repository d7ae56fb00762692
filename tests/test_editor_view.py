"""What the span editor draws: lanes that keep overlapping and stacked tags apart, suggestions
that look different from human spans, linked fragments, a view that follows the current span,
and the same on the real RDRS documents (rendered offscreen, never saved into the repo)."""
from __future__ import annotations

import pytest
import razdel
from editor_support import TEXT, at, make_store
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest

from rdrs_gui.core.document import DOC_PREANNOTATED, SUGGESTED, Document, Span
from rdrs_gui.core.editing import EditSession
from rdrs_gui.core.schema import bundled
from rdrs_gui.core.store import Store
from rdrs_gui.ui.editor import SpanEditor
from rdrs_gui.ui.editor.layout import CHIP_GAP
from rdrs_gui.ui.editor.tokens import Tokens


def open_editor(qtbot, store: Store, doc_id: int, width: int = 700, height: int = 500) -> SpanEditor:
    editor = SpanEditor()
    qtbot.addWidget(editor)
    editor.resize(width, height)
    editor.set_session(EditSession(store, doc_id, "anna"), bundled())
    editor.show()
    qtbot.waitExposed(editor)
    return editor


def items_of(editor: SpanEditor, span_id: str):
    lay = editor._ensure_layout()
    lay.place_all()
    return [(i, it) for i in lay.span_lines[span_id] for it in lay.lines[i].items if it.span_id == span_id]


def assert_lanes_never_overlap(lay) -> None:
    for ln in lay.lines:
        by_lane: dict[int, list] = {}
        for it in ln.items:
            by_lane.setdefault(it.lane, []).append(it)
        for lane in by_lane.values():
            lane.sort(key=lambda it: it.x0)
            for a, b in zip(lane, lane[1:]):
                left_a = a.right if not a.more_right else lay.width
                assert left_a + CHIP_GAP <= b.x0 + 0.01, f"chips overlap in a lane: {a} / {b}"


@pytest.fixture
def store(tmp_path):
    store, doc_id, _ = make_store(tmp_path)
    yield store, doc_id
    store.close()


def test_stacked_and_overlapping_tags_get_their_own_lanes(qtbot, store):
    st, doc_id = store
    editor = open_editor(qtbot, st, doc_id)
    session = editor.session
    drug = next(s for s in session.document.spans if s.labels == {"DrugName", "DrugBrand"})
    lanes = sorted(it.lane for _, it in items_of(editor, drug.id))
    assert lanes == [0, 1]                              # two labels, two adjacent lanes
    editor.set_selection(*at("Нурофен-форте по 2"))
    QTest.keyClick(editor, Qt.Key.Key_T)                # a Note overlapping both spans
    note = editor.current_span_id()
    assert {it.lane for _, it in items_of(editor, note)} == {2}
    lay = editor._ensure_layout()
    line = lay.lines[lay.line_of(drug.start)]
    assert line.lanes == 3 and line.height > lay.lines[-1].height
    assert_lanes_never_overlap(lay)


def test_suggestions_are_dashed_and_scored_human_spans_solid(qtbot, store):
    st, doc_id = store
    editor = open_editor(qtbot, st, doc_id)
    session = editor.session
    rash = next(s for s in session.document.spans if s.covered_text(TEXT) == "сыпь")
    dosage = next(s for s in session.document.spans if s.covered_text(TEXT) == "2 таблетки")
    image = editor.viewport().grab().toImage()

    def bar_pixels(span):
        (i, it), = items_of(editor, span.id)
        lay = editor._layout
        y = int(lay.lanes_top(i) + it.lane * 17 + 1.5) - editor.verticalScrollBar().value()
        return [QColor(image.pixel(x, y)) for x in range(int(it.x0) + 1, int(it.x1) - 1)]

    base = QColor(bundled().tag("Dosage").color)
    assert all(abs(c.red() - base.red()) < 40 and abs(c.blue() - base.blue()) < 40 for c in bar_pixels(dosage))
    gaps = [c for c in bar_pixels(rash) if c.lightness() > 240]
    assert len(gaps) > 3                                # dashed: white gaps in the bar
    lay = editor._layout
    (_, it), = items_of(editor, rash.id)
    assert it.chip_w > lay.label_metrics.horizontalAdvance("ADR 0.91")   # the chip shows the score


def test_accepted_suggestions_turn_solid_and_rejected_ones_disappear(qtbot, store):
    st, doc_id = store
    editor = open_editor(qtbot, st, doc_id)
    editor.setFocus()
    QTest.keyClick(editor, Qt.Key.Key_Tab)
    accepted = editor.current_span_id()
    QTest.keyClick(editor, Qt.Key.Key_Return)
    rejected = editor.current_span_id()
    QTest.keyClick(editor, Qt.Key.Key_X)
    lay = editor._layout
    assert lay.spans[accepted].status != SUGGESTED
    assert rejected not in lay.spans and rejected not in lay.span_lines
    assert all(it.span_id != rejected for ln in lay.lines for it in ln.items)


def test_a_discontinuous_span_is_one_entity_with_linked_fragments(qtbot, tmp_path):
    words = " ".join(["слово"] * 60)
    text = f"Панадол {words} детский."
    store = Store.open(tmp_path / "d.sqlite")
    frags = [(0, 7), (len(text) - 8, len(text) - 1)]
    doc_id = store.import_documents([Document("d", text, spans=[Span({"DrugName"}, frags)])]).document_ids[0]
    editor = open_editor(qtbot, store, doc_id, width=500)
    span_id = editor.session.document.spans[0].id
    placed = items_of(editor, span_id)
    assert len(placed) >= 2 and len({i for i, _ in placed}) == len(placed)   # one item per line
    first, last = placed[0][1], placed[-1][1]
    assert first.more_right and not first.more_left and last.more_left and not last.more_right
    editor.select_span(span_id)
    assert editor.current_span_id() == span_id          # one span, selected as a whole
    store.close()


def test_the_view_follows_the_current_span_in_a_long_review(qtbot, tmp_path):
    sentence = "Принимала капли утром и вечером, голова болела меньше. "
    text = sentence * 80
    last = text.rindex("голова болела")
    store = Store.open(tmp_path / "l.sqlite")
    doc = Document("long", text, status=DOC_PREANNOTATED, spans=[
        Span({"DrugForm"}, [(10, 15)], origin="model:v1", status=SUGGESTED, score=0.7),
        Span({"ADR"}, [(last, last + 13)], origin="model:v1", status=SUGGESTED, score=0.8)])
    doc_id = store.import_documents([doc]).document_ids[0]
    editor = open_editor(qtbot, store, doc_id, height=300)
    editor.setFocus()
    QTest.keyClick(editor, Qt.Key.Key_Tab)
    QTest.keyClick(editor, Qt.Key.Key_Return)           # accept, jump to the last one far below
    bar = editor.verticalScrollBar()
    assert bar.value() > 0
    top, bottom = editor._layout.span_rect_y(editor.current_span_id())
    assert bar.value() <= top and bottom <= bar.value() + editor.viewport().height()
    store.close()


def test_offsets_stay_right_after_an_emoji(qtbot, tmp_path):
    text = "Супер 😀😀 средство Нурофен помог"
    start = text.index("Нурофен")
    store = Store.open(tmp_path / "e.sqlite")
    doc = Document("e", text, spans=[Span({"DrugName"}, [(start, start + 7)])])
    doc_id = store.import_documents([doc]).document_ids[0]
    editor = open_editor(qtbot, store, doc_id)
    lay = editor._ensure_layout()
    i = lay.line_of(start)
    y = lay.text_top(i) + 3
    assert lay.char_at(lay.x(i, start) + 2, y) == start
    assert lay.cursor_at(lay.x(i, start + 7), y) == start + 7
    (_, it), = items_of(editor, editor.session.document.spans[0].id)
    assert it.x0 == pytest.approx(lay.x(i, start)) and it.x1 > it.x0
    store.close()


def test_tokens_snap_like_razdel_and_lazy_chunks_change_nothing():
    text = ("Нурофен-форте по 2,5 мг. Не помогло!!! " * 200).strip()
    tokens = Tokens(text)

    def at(word: str) -> tuple[int, int]:
        return text.index(word), text.index(word) + len(word)

    assert tokens.snap(*at("Нурофен")) == at("Нурофен-форте")
    assert tokens.snap(0, 1) == at("Нурофен-форте")
    assert tokens.snap(at("2,5")[0] + 1, at("2,5")[0] + 1) == at("2,5")
    assert tokens.snap(at("мг")[1] - 1, at("мг")[1] + 2) == (at("мг")[0], at("мг")[1] + 1)   # "мг" + "."
    space = text.index(" ")
    assert tokens.snap(space, space + 1) is None
    reference = list(razdel.tokenize(text))
    while tokens.warm():
        pass
    chunked = [(s, e) for chunk in tokens._chunks for s, e in zip(*chunk)]
    assert chunked == [(t.start, t.stop) for t in reference]


def test_real_rdrs_documents_render_readably(qtbot, tmp_path, rdrs_json):
    """The 4 real documents with the densest overlaps: every label placed, no chip overlapping
    another in its lane, stacked tags in separate lanes; a screenshot goes to tmp_path only."""
    rdrs = pytest.importorskip("rdrs_gui.core.formats.rdrs_json")
    docs = rdrs.read(rdrs_json).documents

    def depth(doc: Document) -> int:
        events = sorted((p, d) for s in doc.spans for a, b in s.fragments for p, d in ((a, 1), (b, -1)))
        level = best = 0
        for _, d in events:
            level += d
            best = max(best, level)
        return best

    docs.sort(key=depth, reverse=True)
    store = Store.open(tmp_path / "real.sqlite")
    ids = store.import_documents(docs[:4]).document_ids
    editor = open_editor(qtbot, store, ids[0], width=640, height=900)
    for doc_id in ids:
        editor.set_session(EditSession(store, doc_id, "anna"), bundled())
        lay = editor._ensure_layout()
        lay.place_all()
        visible = editor.session.visible_spans()
        placed = {(it.span_id, it.label) for ln in lay.lines for it in ln.items}
        assert placed == {(s.id, lab) for s in visible for lab in s.labels}
        assert_lanes_never_overlap(lay)
        for span in visible:
            for i in lay.span_lines[span.id]:
                lanes = [it.lane for it in lay.lines[i].items if it.span_id == span.id]
                assert len(lanes) == len(set(lanes)) == len(span.labels)
        editor.grab().save(str(tmp_path / f"rdrs-{doc_id}.png"))
    store.close()
