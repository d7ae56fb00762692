"""One user action, one transaction: counted on a real SQLite file by tracing what the driver
really executes (SQLAlchemy's pool hands every connection SQLite's own trace hook)."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from editor_support import TEXT, at, human_keys, make_store
from sqlalchemy import event

from rdrs_gui.core.document import (ACCEPTED, DOC_DONE, DOC_IN_PROGRESS, DOC_PREANNOTATED, HUMAN, REJECTED,
                                    SUGGESTED, Document, Mention, Span)
from rdrs_gui.core.editing import EditSession
from rdrs_gui.core.errors import StoreError
from rdrs_gui.core.store import Store
from rdrs_gui.core.store import edits as edits_module


class Trace:
    """Statements and commits the SQLite driver executes for ``store``."""

    def __init__(self, store: Store) -> None:
        self.lines: list[str] = []
        event.listen(store.engine, "checkout", lambda dbapi, *_: dbapi.set_trace_callback(self.lines.append))

    def clear(self) -> None:
        self.lines.clear()

    @property
    def commits(self) -> int:
        return sum(line.strip().upper() == "COMMIT" for line in self.lines)

    @property
    def statements(self) -> list[str]:
        return [line for line in self.lines if not line.strip().upper().startswith(("BEGIN", "COMMIT", "PRAGMA"))]


@pytest.fixture
def env(tmp_path):
    store, doc_id, path = make_store(tmp_path)
    yield store, doc_id, path
    store.close()


def pending(session: EditSession, text: str) -> Span:
    return next(s for s in session.suggestions() if s.covered_text(TEXT) == text)


def test_relabelling_a_suggestion_is_one_transaction(env):
    store, doc_id, _ = env
    session = EditSession(store, doc_id, "anna")
    trace = Trace(store)
    session.set_labels(pending(session, "температуры").id, {"DiseaseName"})
    # reject + human copy + review state: one commit of a few statements
    assert trace.commits == 1
    assert len(trace.statements) <= 12, trace.statements
    doc = store.load_document(doc_id, "anna")
    place = [at("температуры")]
    assert {(frozenset(s.labels), s.status, s.origin) for s in doc.spans if s.fragments == place} == {
        (frozenset({"Indication"}), REJECTED, "model:v1"), (frozenset({"DiseaseName"}), ACCEPTED, HUMAN)}
    assert doc.status == DOC_IN_PROGRESS


def test_accepting_all_visible_is_one_transaction_whatever_their_number(tmp_path):
    counts = []
    for n in (3, 40):
        text = " ".join(["сыпь"] * n)
        spans = [Span({"ADR"}, [(5 * i, 5 * i + 4)], origin="model:v1", status=SUGGESTED) for i in range(n)]
        with Store.open(tmp_path / f"{n}.sqlite") as store:
            (doc_id,) = store.import_documents([Document("r", text, spans=spans, status=DOC_PREANNOTATED)]).document_ids
            session = EditSession(store, doc_id, "anna")
            trace = Trace(store)
            inverse = session.accept_all([s.id for s in session.suggestions()])
            assert trace.commits == 1
            counts.append(len(trace.statements))
            assert {s.status for s in store.load_document(doc_id, "anna").spans} == {ACCEPTED}
            trace.clear()
            session.apply(inverse)          # undo: one transaction as well
            assert trace.commits == 1
            assert {s.status for s in store.load_document(doc_id, "anna").spans} == {SUGGESTED}
    assert counts[0] == counts[1] <= 7      # one UPDATE for all of them (and the layer's version), not one per suggestion


def test_a_failure_mid_action_leaves_the_previous_state_in_the_store_and_in_memory(env, monkeypatch):
    store, doc_id, path = env
    session = EditSession(store, doc_id, "anna")
    before_db = human_keys(store.load_document(doc_id, "anna"))
    before_memory = (human_keys(session.document), session.document.status)
    real = edits_module.insert_annotations

    def crash(*args, **kwargs):     # the reject is already executed when the copy is inserted
        real(*args, **kwargs)
        raise StoreError("disk full")

    monkeypatch.setattr(edits_module, "insert_annotations", crash)
    with pytest.raises(StoreError, match="disk full"):
        session.set_labels(pending(session, "сыпь").id, {"Finding"})
    assert human_keys(store.load_document(doc_id, "anna")) == before_db
    assert (human_keys(session.document), session.document.status) == before_memory
    assert human_keys(Store.open(path).load_document(doc_id, "anna")) == before_db


def test_a_process_killed_mid_transaction_leaves_the_previous_state(env):
    store, doc_id, path = env
    before = human_keys(store.load_document(doc_id, "anna"))
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(__import__('pathlib').Path(__file__).parent)!r})
        from rdrs_gui.core.editing import EditSession
        from rdrs_gui.core.store import Store, edits
        real = edits.insert_annotations
        def die(*args, **kwargs):
            real(*args, **kwargs)
            os._exit(9)          # the power goes out after the reject and the copy, before COMMIT
        edits.insert_annotations = die
        session = EditSession(Store.open({str(path)!r}), {doc_id}, "anna")
        span = next(s for s in session.suggestions() if s.labels == {{"Indication"}})
        session.set_labels(span.id, {{"DiseaseName"}})
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 9, done.stderr
    with Store.open(path) as reopened:
        assert human_keys(reopened.load_document(doc_id, "anna")) == before


def test_a_key_taken_by_another_writer_fails_the_whole_action(env):
    store, doc_id, path = env
    session = EditSession(store, doc_id, "anna")
    status = session.document.status
    top = max(int(k[1:].split("-")[0]) for k in store.document_keys(doc_id)["T"])
    with Store.open(path) as other:      # another writer takes the very key this session picks next
        other.add_span(doc_id, Span({"ADR"}, [at("тошнота")], id=f"T{top + 1}{store.key_tag}"), "boris")
    with pytest.raises(StoreError, match="another writer"):
        session.add_span(Span({"DrugName"}, [at("Панадол")]))
    assert session.document.status == status
    assert not any(s.labels == {"DrugName"} and s.fragments == [at("Панадол")] for s in session.document.spans)
    assert store.load_document(doc_id, "anna").status == status
    assert "Панадол" not in {s.covered_text(TEXT) for s in store.load_document(doc_id, "anna").spans}


def test_new_suggestions_reach_the_open_session_and_its_undo_history_still_works(env):
    store, doc_id, path = env
    session = EditSession(store, doc_id, "anna")
    rash = pending(session, "сыпь")
    undo_accept = session.accept(rash.id)
    undo_reject = session.reject(pending(session, "сильная тошнота").id)
    redo_reject = session.apply(undo_reject)       # the suggestion is pending again
    heard = []
    session.subscribe(heard.append)
    with Store.open(path) as pipeline:            # a pre-annotation run elsewhere, in the shared layer
        pipeline.apply_suggestions(doc_id, [Span({"ADR"}, [at("сыпь")]),
                                            Span({"ADR"}, [at("сильная тошнота")]),
                                            Span({"Frequency"}, [at("три раза в день")])], None, "v2")
    change = session.refresh()
    assert heard == [change] and change.spans
    freq = next(s for s in session.suggestions() if s.labels == {"Frequency"})
    assert freq.origin == "model:v2"
    # the pending suggestion made again kept its id: redo of its reject still applies
    session.apply(redo_reject)
    session.apply(undo_accept)
    doc = store.load_document(doc_id, "anna")
    statuses = {s.covered_text(TEXT): s.status for s in doc.spans}
    assert statuses["сыпь"] == SUGGESTED and statuses["сильная тошнота"] == REJECTED
    assert statuses["три раза в день"] == SUGGESTED


def test_a_chain_edit_of_several_operations_and_a_review_state_are_one_transaction_each(env):
    store, doc_id, _ = env
    session = EditSession(store, doc_id, "anna")
    trace = Trace(store)
    with session.unit():            # what the editor does for one action made of several calls
        session.new_chain(Mention([at("Нурофен-форте")]))
        (chain,) = session.visible_chains()
        session.add_mention(chain.id, Mention([at("Панадол")]))
        session.add_mention(chain.id, Mention([at("препарат")]))
    assert trace.commits == 1
    (stored,) = store.load_document(doc_id, "anna").chains
    words = ("Нурофен-форте", "Панадол", "препарат")
    assert [m.fragments for m in stored.mentions] == [[at(word)] for word in words]
    trace.clear()
    session.set_status(DOC_DONE)
    assert (trace.commits, store.load_document(doc_id, "anna").status) == (1, DOC_DONE)
