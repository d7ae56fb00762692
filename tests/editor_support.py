"""A small synthetic review in a real SQLite store, shared by the editing and editor tests.

The text is written for these tests (not taken from any corpus): human spans, stacked labels,
pending suggestions with scores, so every editor path has something to act on.
"""
from __future__ import annotations

from pathlib import Path

from rdrs_gui.core.document import DOC_PREANNOTATED, SUGGESTED, Document, Span
from rdrs_gui.core.store import Store

TEXT = ("Ребенку назначили Нурофен-форте по 2 таблетки три раза в день от температуры. "
        "Через неделю у него началась сыпь и сильная тошнота, а температура не снижалась. "
        "Врач посоветовал заменить на Панадол детский. Не рекомендую этот препарат!")


def at(word: str, nth: int = 0) -> tuple[int, int]:
    """Character range of the ``nth`` occurrence of ``word`` in ``TEXT``."""
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(word, start + 1)
    return start, start + len(word)


def review() -> Document:
    return Document("review-1", TEXT, status=DOC_PREANNOTATED, spans=[
        Span({"DrugName", "DrugBrand"}, [at("Нурофен-форте")]),
        Span({"Dosage"}, [at("2 таблетки")]),
        Span({"Indication"}, [at("температуры")], origin="model:v1", status=SUGGESTED, score=0.55),
        Span({"ADR"}, [at("сыпь")], origin="model:v1", status=SUGGESTED, score=0.91),
        Span({"ADR"}, [at("сильная тошнота")], origin="model:v1", status=SUGGESTED, score=0.64),
    ])


def make_store(tmp_path: Path) -> tuple[Store, int, Path]:
    """A fresh database file holding ``review()``; returns the store, the document id and the path."""
    path = tmp_path / "rdrs.sqlite"
    store = Store.open(path)
    doc_id = store.import_documents([review()]).document_ids[0]
    return store, doc_id, path


def human_keys(doc: Document) -> set[tuple]:
    """What a reviewer decided: every visible span with its status."""
    return {(span.key(), span.status) for span in doc.spans}


def shown_editor(qtbot, tmp_path: Path):  # noqa: ANN001, ANN201 - qtbot, (SpanEditor, EditSession, Path, Store)
    """The span editor on ``review()`` in a fresh store, shown and focused, for anna: the editor,
    its session, the database path and the store (the caller closes it)."""
    from rdrs_gui.core.editing import EditSession
    from rdrs_gui.core.schema import bundled
    from rdrs_gui.ui.editor import SpanEditor

    store, doc_id, path = make_store(tmp_path)
    session = EditSession(store, doc_id, "anna")
    editor = SpanEditor()
    qtbot.addWidget(editor)
    editor.resize(700, 500)
    editor.set_session(session, bundled())
    editor.show()
    qtbot.waitExposed(editor)
    editor.setFocus()
    return editor, session, path, store
