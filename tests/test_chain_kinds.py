"""Chain kinds: RDRS Context groups are not coreference chains. Driven through the real main
window (chain panel, L picker, keyboard resizing) on a real SQLite store, and through the CLI
on the real RDRS reviews (brat round trip)."""
from __future__ import annotations

import json
from collections import Counter

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from rdrs_gui.cli import main as rdrs
from rdrs_gui.core import formats
from rdrs_gui.core.document import CONTEXT, COREFERENCE, Chain, Document, Mention, Span
from rdrs_gui.core.errors import RdrsError
from rdrs_gui.core.store import Store

# Written for this test (not from the corpus), laid out like an RDRS review.
TEXT = "Ноотропный препарат Кортексин назначили дочке. Этот препарат не помог, Кортексин не советую."


def at(words: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(words, start + 1)
    return start, start + len(words)


def review() -> Document:
    return Document("r1", TEXT, spans=[Span({"Drugclass"}, [at("Ноотропный")]),
                                       Span({"DrugName"}, [at("Кортексин")], {"Context": "1"}),
                                       Span({"DrugName"}, [at("Кортексин", 1)])],
                    chains=[Chain([Mention([at("Ноотропный")]), Mention([at("Кортексин")]),
                                   Mention([at("Кортексин", 1)])], label=CONTEXT),
                            Chain([Mention([at("Этот препарат")]), Mention([at("Кортексин", 1)])])])


@pytest.fixture
def window_store(tmp_path):
    store = Store.open(tmp_path / "k.sqlite")
    store.import_documents([review()])
    return store


@pytest.fixture
def window(window):
    """conftest's window at 1366 x 768 with the review open."""
    window.resize(1366, 768)
    assert window.open_document(window.store.document_ids()[0])
    return window


def stored(window) -> Document:
    """The document as a second connection reads it, once the window's queued writes are done."""
    window.writer.wait()
    with Store.open(window.store.url) as store:
        return store.load_document(window.session.doc_id, "anna")


def chains_of(doc: Document, kind: str) -> list[list[str]]:
    return sorted([[TEXT[m.start:m.end] for m in c.mentions] for c in doc.chains if c.label == kind])


def pick(menu, key: Qt.Key, text: str) -> None:
    """A key straight to the open picker, as its keyboard grab delivers it."""
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(menu, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, text))


def act(window, action_id: str) -> None:
    """Run the window's action behind a key (L, Shift+L, Shift+Right), as its shortcut does."""
    window.editor.setFocus()
    window.actions_by_id[action_id].trigger()


def rows(panel) -> list[str]:
    return [panel.tree.topLevelItem(i).text(0) for i in range(panel.tree.topLevelItemCount())]


def test_the_panel_shows_and_filters_kinds_and_a_new_coreference_chain_keeps_the_context_group(window, qtbot):
    panel, editor = window.chains_panel, window.editor
    box = panel.kind_box
    # coreference is shown first: one chain, not the Context group as a second "chain"
    assert box.currentData() == COREFERENCE and len(rows(panel)) == 1
    assert [box.itemData(i) for i in range(box.count())] == ["", COREFERENCE, CONTEXT]
    box.setCurrentIndex(0)
    box.activated.emit(0)
    assert len(rows(panel)) == 2 and any(r.split(". ", 1)[1].startswith("Context: ") for r in rows(panel))
    assert editor.chain_kind == ""                      # the L picker follows the panel
    box.setCurrentIndex(box.findData(COREFERENCE))
    box.activated.emit(box.currentIndex())
    assert editor.chain_kind == COREFERENCE
    # L on "Кортексин" (in the Context group): the picker lists coreference chains only; N starts one
    editor.select_span(next(s.id for s in window.session.visible_spans() if s.start == at("Кортексин")[0]))
    act(window, "chain.link")
    picker = QApplication.activePopupWidget()
    assert picker is not None and picker.objectName() == "chainPicker"
    labels = [a.text() for a in picker.actions() if a.data()]
    assert len(labels) == 1 and "Этот препарат" in labels[0]
    assert any(a.text() == "&New Coreference chain" for a in picker.actions())
    pick(picker, Qt.Key.Key_N, "n")
    assert QApplication.activePopupWidget() is None
    doc = stored(window)
    assert chains_of(doc, CONTEXT) == [["Ноотропный", "Кортексин", "Кортексин"]]     # kept
    assert ["Кортексин"] in chains_of(doc, COREFERENCE)
    # adding it to the other coreference chain moves it within coreference only
    editor.select_span(next(s.id for s in window.session.visible_spans() if s.start == at("Кортексин")[0]))
    act(window, "chain.link")
    picker = QApplication.activePopupWidget()
    digit = next(a.text()[1] for a in picker.actions() if a.data() and "Этот препарат" in a.text())
    pick(picker, Qt.Key(Qt.Key.Key_0 + int(digit)), digit)   # "&2 «Этот препарат»": digits pick
    assert QApplication.activePopupWidget() is None
    doc = stored(window)
    assert chains_of(doc, COREFERENCE) == [["Кортексин", "Этот препарат", "Кортексин"]]
    assert chains_of(doc, CONTEXT) == [["Ноотропный", "Кортексин", "Кортексин"]]
    # Shift+L takes it out of the coreference chain, not out of its Context group
    act(window, "chain.unlink")
    doc = stored(window)
    assert chains_of(doc, COREFERENCE) == [["Этот препарат", "Кортексин"]]
    assert chains_of(doc, CONTEXT) == [["Ноотропный", "Кортексин", "Кортексин"]]


def test_the_picker_switches_the_kind_in_place_and_the_panel_follows(window, qtbot):
    panel, editor = window.chains_panel, window.editor
    editor.set_selection(*at("препарат"), snap=False)
    act(window, "chain.link")
    picker = QApplication.activePopupWidget()
    assert "kind shown: Coreference (next: Context)" in picker.actions()[-1].text()
    pick(picker, Qt.Key.Key_K, "k")                           # next kind, the picker stays open
    assert QApplication.activePopupWidget() is picker
    assert panel.shown_kind == CONTEXT and panel.kind_box.currentData() == CONTEXT
    assert len(rows(panel)) == 1 and "Ноотропный" in rows(panel)[0]
    chains = [a.text() for a in picker.actions() if a.data()]
    assert len(chains) == 1 and "Ноотропный" in chains[0]
    assert any(a.text() == "&New Context chain" for a in picker.actions())
    pick(picker, Qt.Key.Key_1, "1")
    doc = stored(window)
    assert chains_of(doc, CONTEXT) == [["Ноотропный", "препарат", "Кортексин", "Кортексин"]]
    assert chains_of(doc, COREFERENCE) == [["Этот препарат", "Кортексин"]]


def test_a_chain_mention_follows_its_span_when_the_span_is_extended(window, qtbot, tmp_path):
    editor = window.editor
    editor.select_span(next(s.id for s in window.session.visible_spans() if s.start == 0))
    act(window, "span.grow_end")                   # "Ноотропный" -> "Ноотропный препарат"
    doc = stored(window)
    assert any(s.covered_text(TEXT) == "Ноотропный препарат" for s in doc.spans)
    assert chains_of(doc, CONTEXT) == [["Ноотропный препарат", "Кортексин", "Кортексин"]]
    out = tmp_path / "brat"
    assert rdrs(["--db", str(window.store.url), "export", "--format", "brat", "--out", str(out)]) == 0
    ann = (out / "r1.ann").read_text(encoding="utf-8").splitlines()
    mentions = [line.split("\t")[2] for line in ann if "\tMention " in line]
    assert mentions == ["Этот препарат"]       # the only mention that is no entity: no stray "Ноотропный"
    context = next(line for line in ann if line.startswith("*\tContext "))
    tids = {line.split("\t")[0]: line.split("\t")[1] for line in ann if line.startswith("T")}
    assert [tids[t].split()[0] for t in context.split()[2:]] == ["Drugclass", "DrugName", "DrugName"]
    drug = next(t for t, body in tids.items() if body.startswith("DrugName ") and body.endswith(f" {at('Кортексин')[1]}"))
    assert any(line.startswith("A") and line.endswith(f"\tContext {drug} 1") for line in ann)   # as RDRS has it
    assert "*\tCoreference " in "\n".join(ann)
    editor.undo_stack.undo()                                          # one step undoes both
    assert chains_of(stored(window), CONTEXT) == [["Ноотропный", "Кортексин", "Кортексин"]]


@pytest.mark.parametrize("fmt, name", [("brat", "out"), ("rdrs-json", "out.json"), ("webanno-tsv3", "out"),
                                       ("jsonl", "out.jsonl")])
def test_every_export_keeps_each_chain_kind(tmp_path, fmt, name):
    doc = review()
    doc.chains.append(Chain([Mention([at("препарат")]), Mention([at("препарат", 1)])], label="Equiv"))
    module = formats.get(fmt)
    module.write([doc], tmp_path / name)
    back = module.read(tmp_path / name).documents[0]
    assert sorted(c.key() for c in back.chains) == sorted(c.key() for c in doc.chains)


def test_brat_star_lines_of_one_kind_sharing_a_mention_stay_separate(tmp_path):
    (tmp_path / "d.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "d.ann").write_text(
        "T1\tDrugName {} {}\tКортексин\nT2\tMention {} {}\tпрепарат\nT3\tMention {} {}\tЭтот препарат\n"
        "*\tCoreference T1 T2\n*\tCoreference T1 T3\n".format(*at("Кортексин"), *at("препарат"),
                                                              *at("Этот препарат")), encoding="utf-8")
    doc = formats.get("brat").read(tmp_path).documents[0]
    assert chains_of(doc, COREFERENCE) == [["Кортексин", "Этот препарат"], ["препарат", "Кортексин"]]


def test_a_brat_round_trip_of_the_real_rdrs_reviews_is_lossless(rdrs_json, tmp_path):
    first, second = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    assert rdrs(["--db", str(first), "import", "--format", "rdrs-json", str(rdrs_json)]) == 0
    assert rdrs(["--db", str(first), "export", "--format", "brat", "--out", str(tmp_path / "brat")]) == 0
    assert rdrs(["--db", str(second), "import", "--format", "brat", str(tmp_path / "brat")]) == 0
    with Store.open(first) as a, Store.open(second) as b:
        before = {d.name: d for d in a.iter_documents(a.document_ids())}
        after = {d.name: d for d in b.iter_documents(b.document_ids())}
    assert before.keys() == after.keys() and len(before) == len(json.loads(rdrs_json.read_text("utf-8")))
    kinds = Counter()
    for name, doc in before.items():
        assert sorted(s.key() for s in after[name].spans) == sorted(s.key() for s in doc.spans), name
        assert sorted(c.key() for c in after[name].chains) == sorted(c.key() for c in doc.chains), name
        kinds.update(c.label for c in doc.chains)
    assert kinds[COREFERENCE] > 0 and kinds[CONTEXT] > 0


def test_chains_of_different_kinds_are_not_merged(window):
    panel = window.chains_panel
    panel.set_kind("")
    panel.tree.topLevelItem(0).setSelected(True)
    panel.tree.topLevelItem(1).setSelected(True)
    assert not panel.merge_button.isEnabled()
    session = window.session
    context, coref = sorted(session.visible_chains(), key=lambda c: c.label != CONTEXT)
    with pytest.raises(RdrsError, match="cannot be merged"):
        session.merge_chains(coref.id, context.id)
    assert chains_of(stored(window), CONTEXT) == [["Ноотропный", "Кортексин", "Кортексин"]]
