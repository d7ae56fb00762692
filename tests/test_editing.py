"""EditSession against a real SQLite store: every edit is saved at once, and the inverse it
returns restores memory and database exactly."""
from __future__ import annotations

import pytest
from editor_support import TEXT, at, human_keys, make_store

from rdrs_gui.core.document import (ACCEPTED, DOC_DONE, DOC_IN_PROGRESS, GOLD, REJECTED, SUGGESTED,
                                    Mention, Relation, Span)
from rdrs_gui.core.editing import EditSession
from rdrs_gui.core.errors import StoreError
from rdrs_gui.core.store import Store


@pytest.fixture
def env(tmp_path):
    store, doc_id, path = make_store(tmp_path)
    yield store, doc_id, path
    store.close()


def reopened(path, doc_id) -> EditSession:
    """A new store and session on the same file: what a restarted app would see."""
    return EditSession(Store.open(path), doc_id, "anna")


def span_with(session: EditSession, text: str) -> Span:
    return next(s for s in session.document.spans if s.covered_text(TEXT) == text)


def test_each_edit_is_saved_at_once_and_its_inverse_restores_the_store(env):
    store, doc_id, path = env
    session = EditSession(store, doc_id, "anna")
    before = human_keys(session.document)
    new = Span({"DrugName"}, [at("Панадол")])
    undo_add = session.add_span(new)
    assert new.id and human_keys(reopened(path, doc_id).document) == human_keys(session.document)
    undo_label = session.add_label(new.id, "DrugBrand")
    undo_frag = session.set_fragments(new.id, [at("Панадол"), at("детский")])
    undo_attr = session.set_attr(new.id, "MedFrom", "Foreign")
    after = human_keys(session.document)
    assert human_keys(reopened(path, doc_id).document) == after
    saved = reopened(path, doc_id).span(new.id)
    assert saved.labels == {"DrugName", "DrugBrand"} and saved.fragments == [at("Панадол"), at("детский")]
    assert saved.attrs == {"MedFrom": "Foreign"}

    redo = [session.apply(inv) for inv in (undo_attr, undo_frag, undo_label, undo_add)]
    assert human_keys(session.document) == before
    assert human_keys(reopened(path, doc_id).document) == before
    for edit in reversed(redo):
        session.apply(edit)
    assert human_keys(session.document) == after
    assert human_keys(reopened(path, doc_id).document) == after
    assert session.span(new.id) is not None   # ids survive undo and redo


def test_first_edit_starts_the_review_and_undo_restores_the_state(env):
    store, doc_id, path = env
    session = EditSession(store, doc_id, "anna")
    start = session.document.status
    inverse = session.accept(span_with(session, "сыпь").id)
    assert session.document.status == DOC_IN_PROGRESS
    assert reopened(path, doc_id).document.status == DOC_IN_PROGRESS
    session.apply(inverse)
    assert reopened(path, doc_id).document.status == start
    session.set_status(DOC_DONE)
    assert reopened(path, doc_id).document.status == DOC_DONE


def test_a_rejected_suggestion_stays_rejected_and_is_never_suggested_again(env):
    store, doc_id, path = env
    session = EditSession(store, doc_id, "anna")
    rash = span_with(session, "сыпь")
    session.reject(rash.id)
    again = reopened(path, doc_id)
    assert again.span(rash.id).status == REJECTED
    assert rash.id not in {s.id for s in again.visible_spans()}
    added = store.apply_suggestions(doc_id, [Span({"ADR"}, [at("сыпь")], origin="model:v2", status=SUGGESTED,
                                                 score=0.99)], [], "v2", annotator="anna")
    assert added == 0
    assert [s.covered_text(TEXT) for s in reopened(path, doc_id).suggestions()] == ["температуры", "сильная тошнота"]


def test_relabelling_a_suggestion_rejects_it_and_adds_a_human_copy(env):
    store, doc_id, path = env
    session = EditSession(store, doc_id, "anna")
    nausea = span_with(session, "сильная тошнота")
    inverse = session.set_labels(nausea.id, {"ADE-Neg"})
    copy_id = inverse.created_spans()[-1]
    assert session.span(nausea.id).status == REJECTED
    copy = reopened(path, doc_id).span(copy_id)
    assert copy.labels == {"ADE-Neg"} and copy.status == ACCEPTED and copy.fragments == nausea.fragments
    session.apply(inverse)
    assert session.span(copy_id) is None and session.span(nausea.id).status == SUGGESTED
    assert reopened(path, doc_id).span(nausea.id).status == SUGGESTED


def test_accept_all_and_reject_all_touch_only_pending_suggestions(env):
    store, doc_id, path = env
    session = EditSession(store, doc_id, "anna")
    ids = [s.id for s in session.document.spans]
    inverse = session.accept_all(ids)
    assert {s.status for s in reopened(path, doc_id).document.spans} == {GOLD, ACCEPTED}
    session.apply(inverse)
    assert len(reopened(path, doc_id).suggestions()) == 3
    session.reject_all(ids)
    assert reopened(path, doc_id).suggestions() == []
    assert {s.status for s in session.document.spans if s.origin == "human"} == {GOLD}


def test_removing_the_last_label_deletes_a_human_span(env):
    store, doc_id, path = env
    session = EditSession(store, doc_id, "anna")
    dosage = span_with(session, "2 таблетки")
    inverse = session.remove_label(dosage.id, "Dosage")
    assert reopened(path, doc_id).span(dosage.id) is None
    session.apply(inverse)
    assert reopened(path, doc_id).span(dosage.id).labels == {"Dosage"}


def test_chains_new_add_merge_split_remove_and_undo_all(env):
    store, doc_id, path = env
    session = EditSession(store, doc_id, "anna")
    drug, panadol, this = Mention([at("Нурофен-форте")]), Mention([at("Панадол")]), Mention([at("этот препарат")])
    undo = [session.new_chain(drug)]
    first = undo[0].created_chains()[0]
    undo.append(session.add_mention(first, this))
    undo.append(session.new_chain(panadol))
    second = undo[-1].created_chains()[0]
    undo.append(session.merge_chains(first, second))
    assert [m.key() for m in reopened(path, doc_id).chain(first).mentions] == [drug.key(), panadol.key(), this.key()]
    assert reopened(path, doc_id).chain(second) is None
    undo.append(session.split_chain(first, [panadol]))
    split = undo[-1].created_chains()[0]
    assert [m.key() for m in reopened(path, doc_id).chain(split).mentions] == [panadol.key()]
    undo.append(session.remove_mention(first, this))
    assert [m.key() for m in session.chain(first).mentions] == [drug.key()]
    undo.append(session.remove_mention(first, drug))       # the last mention: the chain goes
    assert reopened(path, doc_id).chain(first) is None
    for inverse in reversed(undo):
        session.apply(inverse)
    assert reopened(path, doc_id).document.chains == []


def test_a_mention_belongs_to_one_chain(env):
    store, doc_id, _ = env
    session = EditSession(store, doc_id, "anna")
    drug = Mention([at("Нурофен-форте")])
    one = session.new_chain(drug).created_chains()[0]
    two = session.new_chain(Mention([at("Панадол")])).created_chains()[0]
    session.add_mention(two, drug)
    assert session.chain(one) is None
    assert [m.key() for m in session.chain(two).mentions] == [drug.key(), Mention([at("Панадол")]).key()]


def test_observers_hear_what_changed(env):
    store, doc_id, _ = env
    session = EditSession(store, doc_id, "anna")
    heard = []
    session.subscribe(heard.append)
    rash = span_with(session, "сыпь")
    session.accept(rash.id)
    assert heard[-1].spans == {rash.id} and heard[-1].status   # the review also started
    session.new_chain(Mention([at("Панадол")]))
    assert heard[-1].chains and not heard[-1].spans


def test_bad_edits_are_refused_with_a_message_and_change_nothing(env):
    store, doc_id, path = env
    session = EditSession(store, doc_id, "anna")
    dosage = span_with(session, "2 таблетки")
    with pytest.raises(StoreError):
        session.set_fragments(dosage.id, [(5, 5)])
    with pytest.raises(StoreError):
        session.add_span(Span({"ADR"}, [(0, len(TEXT) + 5)]))
    with pytest.raises(StoreError, match="no span"):
        session.delete_span("T999")
    assert human_keys(reopened(path, doc_id).document) == human_keys(session.document)


def test_editing_a_suggested_chain_rejects_it_and_keeps_a_human_copy(env):
    store, doc_id, path = env
    from rdrs_gui.core.document import Chain
    suggested = Chain([Mention([at("Нурофен-форте")]), Mention([at("Панадол")])], status=SUGGESTED,
                      origin="model:v1", score=0.7)
    assert store.apply_suggestions(doc_id, [], [suggested], "v1", annotator="anna") == 1
    session = EditSession(store, doc_id, "anna")
    chain = next(c for c in session.document.chains if c.status == SUGGESTED)
    inverse = session.add_mention(chain.id, Mention([at("этот препарат")]))
    copy_id = inverse.created_chains()[-1]
    again = reopened(path, doc_id)
    assert again.chain(chain.id).status == REJECTED
    assert [TEXT[m.start:m.end] for m in again.chain(copy_id).mentions] == ["Нурофен-форте", "Панадол", "этот препарат"]
    assert store.apply_suggestions(doc_id, [], [suggested], "v2", annotator="anna") == 0


def test_undoing_a_delete_brings_back_the_relations_of_the_span(env):
    store, doc_id, path = env
    session = EditSession(store, doc_id, "anna")
    drug, other = Span({"DrugName"}, [at("Панадол")]), Span({"Indication"}, [at("детский")])
    session.add_span(drug)      # sets drug.id
    session.add_span(other)
    # Relations come from imports (brat, WebAnno); the editor has no command that makes one.
    store.add_span(doc_id, Span({"Note"}, [at("Панадол")]), "anna", [Relation("treats", drug.id, other.id)])
    session = reopened(path, doc_id)
    assert [(r.head, r.tail) for r in session.document.relations] == [(drug.id, other.id)]

    undo = session.delete_span(other.id)
    assert session.document.relations == [] and reopened(path, doc_id).document.relations == []
    redo = session.apply(undo)
    for doc in (session.document, reopened(path, doc_id).document):
        assert [(r.label, r.head, r.tail) for r in doc.relations] == [("treats", drug.id, other.id)]
    session.apply(redo)                     # redo deletes it again
    assert reopened(path, doc_id).document.relations == []
    session.delete_span(drug.id)            # with its other end gone, undo cannot bring it back
    session.apply(undo)
    assert session.document.relations == [] and reopened(path, doc_id).document.relations == []
