"""The editor saves each action off the UI thread, in order; a failed save is reported and the
document reloaded; suggestions arriving for the open document keep its undo history. Real main
window, real editor widget, real SQLite file (a second connection checks what was saved)."""
from __future__ import annotations

import sqlite3
import threading

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from rdrs_gui.core.document import ACCEPTED, SUGGESTED, Span
from rdrs_gui.core.errors import StoreError
from rdrs_gui.core.store import Store


def saved(db, doc_id: int):
    with Store.open(db) as store:
        return store.load_document(doc_id, "anna")


def open_with_suggestions(window) -> tuple[int, str]:
    """demo-06 opened in the editor with its first suggestion current."""
    doc_id = window.find_document("demo-06")
    assert window.open_document(doc_id)
    first = window.session.suggestions()[0]
    window.editor.select_span(first.id)
    return doc_id, first.id


def test_an_edit_waits_for_the_database_on_the_writer_thread_not_in_the_editor(qtbot, window, db, monkeypatch):
    doc_id, span_id = open_with_suggestions(window)
    threads = []
    real = window.store.apply_changes
    monkeypatch.setattr(window.store, "apply_changes",
                        lambda *a, **k: (threads.append(threading.current_thread()), real(*a, **k))[1])
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")          # another process holds the write lock
    try:
        window.editor.setFocus()
        qtbot.keyClick(window.editor, Qt.Key.Key_Return)       # accept: the editor shows it at once
        assert window.session.span(span_id).status == ACCEPTED
        qtbot.keyClick(window.editor, Qt.Key.Key_X)            # and the next action queues behind it
        assert window.writer.pending() >= 1
        assert window.store.load_document(doc_id, "anna").span_by_id(span_id).status == SUGGESTED  # not yet
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert window.writer.wait(10)
    doc = saved(db, doc_id)
    assert doc.span_by_id(span_id).status == ACCEPTED
    assert {s.status for s in doc.spans} >= {ACCEPTED, "rejected"}
    assert threads and all(t is not threading.main_thread() for t in threads)


def test_a_failed_save_is_reported_and_the_document_reloaded(qtbot, window, db, monkeypatch):
    doc_id, span_id = open_with_suggestions(window)

    def fail(*args, **kwargs):
        raise StoreError("database is read-only")

    monkeypatch.setattr(window.store, "apply_changes", fail)
    window.editor.accept_current()
    assert window.session.span(span_id).status == ACCEPTED          # shown at once ...
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "writeFailedMessage") is not None, timeout=10000)
    box = window.findChild(QMessageBox, "writeFailedMessage")
    assert "could not be saved" in box.text() and "read-only" in box.text()
    # ... and after the failure the editor shows what the database really holds
    assert window.session.span(span_id).status == SUGGESTED
    doc = saved(db, doc_id)
    assert doc.span_by_id(span_id).status == SUGGESTED
    assert window.editor.undo_stack.count() == 0
    row = window.list_model.row_data(window.list_model.row_of(doc_id))      # the list tells the truth too
    assert (row.status, row.suggestions) == (doc.status, sum(s.status == SUGGESTED for s in doc.spans))
    monkeypatch.undo()
    window.editor.select_span(span_id)
    window.editor.accept_current()                                  # saving works again afterwards
    assert window.writer.wait(10)
    assert saved(db, doc_id).span_by_id(span_id).status == ACCEPTED


def test_undo_works_after_new_suggestions_arrive_for_the_open_document(qtbot, window, db):
    doc_id, span_id = open_with_suggestions(window)
    window.editor.setFocus()
    qtbot.keyClick(window.editor, Qt.Key.Key_Return)              # accept the first suggestion
    assert window.writer.wait(10)
    text = window.session.text
    start = text.index(" ") + 1
    new = Span({"Frequency"}, [(start, text.index(" ", start))])
    with Store.open(db) as pipeline:      # a pre-annotation process stores a newer model's suggestions
        pending = [s for s in pipeline.load_document(doc_id, "anna").spans if s.status == SUGGESTED]
        pipeline.apply_suggestions(doc_id, [*(Span(set(s.labels), list(s.fragments), dict(s.attrs))
                                              for s in pending), new], None, "v2", "anna")
    window.loop.controller.documentsPreannotated.emit([doc_id])
    qtbot.waitUntil(lambda: any(s.labels == {"Frequency"} for s in window.session.suggestions()), timeout=10000)
    assert window.editor.undo_stack.count() == 1                   # the history survived
    window.editor.undo()                                           # Ctrl+Z: the accept is undone
    assert window.session.span(span_id).status == SUGGESTED
    assert window.writer.wait(10)
    doc = saved(db, doc_id)
    assert doc.span_by_id(span_id).status == SUGGESTED
    assert any(s.labels == {"Frequency"} and s.status == SUGGESTED for s in doc.spans)
    window.editor.redo()
    assert window.writer.wait(10)
    assert saved(db, doc_id).span_by_id(span_id).status == ACCEPTED
