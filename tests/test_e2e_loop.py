"""The whole loop through the app: real RDRS documents imported as gold and others as raw
text, Retrain from the toolbar, activate from the notice, pre-annotate from the dialog,
accept and reject suggestions in the editor with the keyboard, mark the review done, retrain,
pre-annotate again with the new model — then rejected suggestions are still rejected, human
spans are untouched, and the registry holds both versions with their metrics and data."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from gui_support import loop_window, preannotate_from_dialog
from rdrs_gui.core import formats, services
from rdrs_gui.core.document import ACCEPTED, GOLD, REJECTED, SUGGESTED
from rdrs_gui.core.store import Store
from rdrs_gui.jobs import registry

TINY = {"epochs": 4, "syntax": "none", "max_minutes": 3, "lr": 0.01}
LONG = 180_000


def suggestions(store, doc_id):
    return [s for s in store.load_document(doc_id, "anna").spans if s.status == SUGGESTED]


@pytest.mark.slow
def test_correct_retrain_and_the_next_batch_respects_every_human_decision(qtbot, tmp_path, rdrs_json):
    docs = formats.read(rdrs_json).documents
    raw_dir = tmp_path / "raw"
    raw_dir.mkdir()
    for doc in docs[-4:]:   # other real reviews, as unannotated text files
        (raw_dir / f"{doc.name}.txt").write_text(doc.text, encoding="utf-8")
    store = Store.open(tmp_path / "e2e.sqlite")
    gold_ids = store.import_documents(docs[:10]).document_ids
    raw_ids = services.import_paths(store, [raw_dir]).document_ids
    gold_before = {i: sorted(s.key() for s in store.load_document(i).spans if s.status == GOLD) for i in gold_ids}

    window = loop_window(qtbot, store, tmp_path / "config", **TINY)
    loop = window.loop
    controller = loop.controller

    # 1. Retrain from the toolbar; the notice offers the new model, the user activates it
    with qtbot.waitSignal(controller.jobFinished, timeout=LONG) as finished:
        loop.actions["model.retrain"].trigger()
    first = finished.args[1]
    assert first.state == "done", first.message
    qtbot.waitUntil(lambda: bool(loop.notices))
    qtbot.mouseClick(loop.notices[-1].activate_button, Qt.MouseButton.LeftButton)
    assert store.active_model("tagger").version == first.model.version

    # 2. Pre-annotate every unlabelled review from the dialog
    run = preannotate_from_dialog(qtbot, loop, timeout=LONG)
    assert run.error is None and run.documents == len(raw_ids)
    target = max(raw_ids, key=lambda i: len(suggestions(store, i)))
    assert len(suggestions(store, target)) >= 2, "the first model made too few suggestions to review"

    # 3. In the editor: accept one suggestion, reject another, mark the review done
    assert window.open_document(target)
    editor = window.editor
    editor.setFocus()
    keep, drop = suggestions(store, target)[:2]
    editor.select_span(keep.id)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    editor.select_span(drop.id)
    qtbot.keyClick(editor, Qt.Key.Key_X)
    editor.mark_done()
    assert window.writer.wait(10)      # the editor's edits are saved on the writer thread
    spans = {s.id: s for s in store.load_document(target, "anna").spans}
    assert spans[keep.id].status == ACCEPTED and spans[drop.id].status == REJECTED

    # 4. Retrain on the gold documents plus the review just done; activate through the registry
    with qtbot.waitSignal(controller.jobFinished, timeout=LONG) as finished:
        loop.retrain()
    second = finished.args[1]
    assert second.state == "done", second.message
    assert target in second.model.snapshot["train"] + second.model.snapshot["dev"]
    reg = loop.show_registry()
    reg.select(second.model.id)
    qtbot.mouseClick(reg.activate_button, Qt.MouseButton.LeftButton)
    assert store.active_model("tagger").version == second.model.version

    # 5. The next batch (forced over everything) with the new model
    loop.show_preannotate().force.setChecked(True)
    assert preannotate_from_dialog(qtbot, loop, timeout=LONG).error is None

    after = store.load_document(target, "anna").spans
    assert [s.status for s in after if s.key() == drop.key()] == [REJECTED]      # never suggested again
    kept = [s for s in after if s.key() == keep.key()]
    assert [(s.status, s.origin) for s in kept] == [(ACCEPTED, f"model:{first.model.version}")]
    for doc_id, keys in gold_before.items():                                   # human spans untouched
        assert sorted(s.key() for s in store.load_document(doc_id, "anna").spans if s.status == GOLD) == keys
    models = store.list_models("tagger")
    assert [m.version for m in models] == [first.model.version, second.model.version]
    assert all(registry.per_tag_f1(m) and m.snapshot["train"] and m.device for m in models)
    assert len(second.model.documents) == len(first.model.documents) + 1 or target in second.model.snapshot["dev"]
    window.close()
    store.close()
