"""Pre-annotation respects human work, seen from the real dialog (issue 16, item 4): documents
marked done are left out unless the user ticks "Include documents marked done or curated",
documents with human annotations keep their state, and the dialog shows the run it started
(its scope, then its result), never an earlier run's."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from loop_support import model_window
from rdrs_gui.core.document import ACCEPTED, DOC_DONE, DOC_NEW, DOC_PREANNOTATED, HUMAN, SUGGESTED, Span

LONG = 120_000


@pytest.fixture
def window(qtbot, tmp_path, tmp_path_factory):
    w = model_window(qtbot, tmp_path, tmp_path_factory, gold=2, raw=5)
    yield w
    w.close()
    w.store.close()


def pending(store, doc_id: int) -> list[Span]:
    return [s for s in store.load_document(doc_id, "anna").spans if s.status == SUGGESTED]


def states(store) -> dict[int, str]:
    return {r.id: r.status for r in store.list_documents(annotator="anna")}


def start(qtbot, dialog):  # noqa: ANN001, ANN201
    """Click Start; the run's scope (started) and its result (finished), as the dialog got them."""
    controller = dialog.controller
    with qtbot.waitSignal(controller.preannotateFinished, timeout=LONG) as finished:
        with qtbot.waitSignal(controller.preannotateStarted, timeout=LONG):
            qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
        scope_while_running = dialog.scope_line.text()
    return scope_while_running, finished.args[0]


@pytest.mark.slow
def test_done_documents_are_left_out_unless_included_and_the_dialog_shows_this_run(window, qtbot):
    store, loop, raw = window.store, window.loop, window.raw
    done, annotated, untouched = raw[0], raw[1], raw[2]
    store.set_status(done, DOC_DONE, annotator="anna")
    text = store.load_document(annotated).text
    store.add_span(annotated, Span({"Note"}, [(0, text.index(" "))], origin=HUMAN, status=ACCEPTED), annotator="anna")

    dialog = loop.show_preannotate()
    assert not dialog.include_done.isChecked()           # human work is left alone by default
    dialog.radios["list"].setChecked(True)
    scope, summary = start(qtbot, dialog)
    assert scope == ("The documents in the list: 7 in scope; 1 marked done or curated left out; "
                     "6 to pre-annotate")
    assert summary.error is None and (summary.documents, summary.left_out_done) == (6, 1)
    assert "1 marked done or curated were left out" in dialog.status.text()
    assert pending(store, done) == []
    assert pending(store, annotated) and pending(store, untouched)
    after = states(store)
    assert (after[done], after[annotated], after[untouched]) == (DOC_DONE, DOC_NEW, DOC_PREANNOTATED)

    dialog.close()
    dialog = loop.show_preannotate()                       # reopened: nothing of the last run shows
    assert dialog.scope_line.text() == "" and "pre-annotated" not in dialog.status.text()
    assert dialog.bar.value() == 0

    window.open_document(done)
    dialog.radios["current"].setChecked(True)
    qtbot.mouseClick(dialog.include_done, Qt.MouseButton.LeftButton)
    assert dialog.include_done.isChecked()
    scope, summary = start(qtbot, dialog)
    assert scope == "The open document: 1 in scope; 1 to pre-annotate"
    assert (summary.documents, summary.left_out_done) == (1, 0)
    assert dialog.status.text().startswith("Pre-annotated 1 of 1 documents")
    assert pending(store, done) and states(store)[done] == DOC_DONE   # included, and still done
