"""The store on real SQLite files: layers, edits, listing, suggestion merging, models, jobs."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select, text

from rdrs_gui.core.changes import AddSpan, DeleteSpan, SetDocumentStatus, SetSpanStatus
from rdrs_gui.core.document import (ACCEPTED, DOC_DONE, DOC_IN_PROGRESS, DOC_NEW, DOC_PREANNOTATED, GOLD,
                                    REJECTED, SUGGESTED, Chain, Document, Mention, Relation, Span)
from rdrs_gui.core.errors import StoreError
from rdrs_gui.core.schema import bundled
from rdrs_gui.core.store import Store, default_db_path
from rdrs_gui.core.store import models as m
from rdrs_gui.core.store import documents as documents_module

TEXT = "Давал ребёнку Нурофен, через час поднялась температура и появилась сыпь."
DRUG = (14, 21)      # Нурофен
FEVER = (43, 54)     # температура
RASH = (67, 71)      # сыпь
TIMING = (23, 32)    # через час


def review(name: str = "r1", text: str = TEXT, **kw) -> Document:
    spans = kw.pop("spans", [Span({"DrugName", "DrugBrand"}, [DRUG], {"MedFrom": "Foreign"}),
                             Span({"ADR"}, [RASH])])
    return Document(name, text, spans=spans, **kw)


@pytest.fixture
def store(database_url):
    """A store on a fresh SQLite file, and on PostgreSQL where one is given (conftest)."""
    with Store.open(database_url) as s:
        yield s


def table_counts(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {t.name: conn.scalar(select(func.count()).select_from(t)) for t in m.Base.metadata.sorted_tables}


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    with Store.open(tmp_path / "db.sqlite") as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
        assert store.url.startswith("sqlite:///")
    assert (tmp_path / "db.sqlite").exists()


def test_default_path_is_in_the_user_data_dir(monkeypatch):
    monkeypatch.delenv("RDRS_DB", raising=False)
    path = default_db_path()
    assert path.name == "rdrs.sqlite" and "rdrs-gui" in str(path)
    monkeypatch.setenv("RDRS_DB", "/somewhere/else.sqlite")
    assert str(default_db_path()) == "/somewhere/else.sqlite"


def test_open_accepts_a_sqlalchemy_url(tmp_path):
    with Store.open(f"sqlite:///{tmp_path / 'u.sqlite'}") as s:
        s.import_documents([review()])
    with Store.open(tmp_path / "u.sqlite") as s:
        assert s.count_documents() == 1


def test_import_list_and_load(store):
    summary = store.import_documents([review("r1"), review("r2", status=DOC_DONE)], source="a.jsonl")
    assert (summary.documents, summary.spans) == (2, 4)
    rows = store.list_documents()
    assert [(r.name, r.status, r.spans, r.suggestions, r.length) for r in rows] == [
        ("r1", DOC_NEW, 2, 0, len(TEXT)), ("r2", DOC_DONE, 2, 0, len(TEXT))]
    doc = store.load_document(rows[0].id)
    assert doc.id == rows[0].id and doc.text == TEXT
    assert {s.key() for s in doc.spans} == {s.key() for s in review().spans}
    assert all(s.id for s in doc.spans) and len({s.id for s in doc.spans}) == 2
    assert store.project_schema().tag_names == bundled("rdrs").tag_names
    with pytest.raises(StoreError, match="no document with id 999"):
        store.load_document(999)


def test_failed_import_leaves_the_database_exactly_as_before(store, monkeypatch):
    store.import_documents([review("kept")])
    before = table_counts(store)
    # A real database error half-way: the second document's label violates NOT NULL after the
    # first document and its spans were already inserted in the same transaction.
    bad = review("bad", spans=[Span({None}, [(0, 5)])])
    with pytest.raises(StoreError, match="nothing was stored"):
        store.import_documents([review("new"), bad], project="other")
    assert table_counts(store) == before
    assert store.projects() == ["default"]

    # And a failure after every INSERT of the batch, right before the commit.
    real = documents_module.insert_batch

    def explode(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(documents_module, "insert_batch", explode)
    with pytest.raises(RuntimeError):
        store.import_documents([review("late")])
    assert table_counts(store) == before
    assert [r.name for r in store.list_documents()] == ["kept"]


def test_invalid_documents_are_refused_before_anything_is_written(store):
    with pytest.raises(StoreError, match="outside text"):
        store.import_documents([review("ok"), review("x", spans=[Span({"ADR"}, [(5, 500)])])])
    assert store.count_documents() == 0


def test_edits_persist_across_reopen(tmp_path):
    path = tmp_path / "edit.sqlite"
    with Store.open(path) as s:
        (doc_id,) = s.import_documents([review()]).document_ids
        key = s.add_span(doc_id, Span({"Indication"}, [FEVER]))
        doc = s.load_document(doc_id)
        adr = next(sp for sp in doc.spans if sp.labels == {"ADR"})
        adr.labels = {"ADR", "Worse"}
        adr.attrs = {"MedDRA": "Сыпь"}
        s.update_span(doc_id, adr)
        drug = next(sp for sp in doc.spans if "DrugName" in sp.labels)
        s.delete_span(doc_id, drug.id)
        chain_key = s.add_chain(doc_id, Chain([Mention([DRUG]), Mention([(0, 5), (6, 13)])]))
        s.set_status(doc_id, DOC_IN_PROGRESS)
        s.set_meta(doc_id, "adr_prob", 0.9)
    with Store.open(path) as s:
        doc = s.load_document(doc_id)
        assert doc.status == DOC_IN_PROGRESS and doc.meta["adr_prob"] == 0.9
        spans = {sp.id: sp for sp in doc.spans}
        assert drug.id not in spans
        assert spans[key].labels == {"Indication"} and spans[key].fragments == [FEVER]
        assert spans[adr.id].labels == {"ADR", "Worse"} and spans[adr.id].attrs == {"MedDRA": "Сыпь"}
        (chain,) = doc.chains
        assert chain.id == chain_key and chain.mentions[0].fragments == [(0, 5), (6, 13)]
        chain.mentions = chain.mentions[:1] + [Mention([RASH])]
        chain.label = "Context"
        s.update_chain(doc_id, chain)
        assert s.load_document(doc_id).chains[0].key() == ("Context", (((0, 5), (6, 13)), (RASH,)))
        s.delete_chain(doc_id, chain_key)
        assert s.load_document(doc_id).chains == []
        with pytest.raises(StoreError):
            s.update_span(doc_id, Span({"ADR"}, [(0, 1)], id="T404"))
        with pytest.raises(StoreError):
            s.add_span(doc_id, Span({"ADR"}, [(0, 999)]))
        with pytest.raises(StoreError):
            s.set_status(doc_id, "finished")


def test_deleting_a_span_deletes_its_relations(store):
    doc = review()
    doc.assign_ids()
    doc.relations = [Relation("ADR_Drugname", doc.spans[1].id, doc.spans[0].id)]
    (doc_id,) = store.import_documents([doc]).document_ids
    assert len(store.load_document(doc_id).relations) == 1
    store.delete_span(doc_id, doc.spans[0].id)
    assert store.load_document(doc_id).relations == []


def test_relation_attributes_come_back_as_they_were_stored(store):
    """Relation attributes are JSON: many relations share the same few (encoded once), others
    differ only in a value's type; each comes back as its own dict, on SQLite and PostgreSQL."""
    doc = review()
    doc.assign_ids()
    head, tail = doc.spans[1].id, doc.spans[0].id
    same = [Relation("ADR_Drugname", head, tail, {"relation_class": "1"}) for _ in range(3)]
    other = [Relation("ADR_Drugname", head, tail, {"relation_class": 1}),
             Relation("ADR_Drugname", head, tail, {"relation_class": True}),
             Relation("ADR_Drugname", head, tail, {"b": "2", "a": "1"}),
             Relation("ADR_Drugname", head, tail, {"nested": ["x", {"y": None}]}),
             Relation("ADR_Drugname", head, tail)]
    doc.relations = same + other
    (doc_id,) = store.import_documents([doc]).document_ids
    back = store.load_document(doc_id).relations
    assert [r.attrs for r in back] == [r.attrs for r in doc.relations]
    assert [type(r.attrs["relation_class"]) for r in back[:5]] == [str, str, str, int, bool]
    back[0].attrs["relation_class"] = "changed"
    back[6].attrs["nested"][1]["y"] = "changed"
    assert back[1].attrs == {"relation_class": "1"}
    assert store.load_document(doc_id).relations[6].attrs == {"nested": ["x", {"y": None}]}
    assert list(back[5].attrs) == ["b", "a"]


def test_annotator_layers_are_separate(store):
    (doc_id,) = store.import_documents([review()]).document_ids
    shared = {sp.id for sp in store.load_document(doc_id).spans}
    key = store.add_span(doc_id, Span({"Note"}, [(0, 5)]), annotator="anna")
    assert key not in shared
    store.set_status(doc_id, DOC_DONE, annotator="anna")
    anna = store.load_document(doc_id, annotator="anna")
    assert {sp.id for sp in anna.spans} == shared | {key} and anna.status == DOC_DONE
    boris = store.load_document(doc_id, annotator="boris")
    assert {sp.id for sp in boris.spans} == shared and boris.status == DOC_NEW
    assert store.load_document(doc_id).status == DOC_NEW
    (row,) = store.list_documents(annotator="anna")
    assert (row.spans, row.status, row.annotator) == (3, DOC_DONE, "anna")
    assert store.list_documents(annotator="anna", status=DOC_NEW) == []
    assert store.annotators() == ["anna"]


def test_import_into_an_annotator_layer_of_an_existing_document(store):
    (doc_id,) = store.import_documents([review()]).document_ids
    mine = review(spans=[Span({"ADR"}, [RASH], id="T1"), Span({"Note"}, [(0, 5)], id="T2")],
                  status=DOC_DONE)
    mine.relations = [Relation("rel", "T1", "T2", id="R1")]
    summary = store.import_documents([mine], annotator="anna")
    assert summary.document_ids == [doc_id] and summary.warnings
    assert store.count_documents() == 1
    doc = store.load_document(doc_id, annotator="anna")
    assert len(doc.spans) == 4 and len({sp.id for sp in doc.spans}) == 4
    (rel,) = doc.relations
    assert doc.span_by_id(rel.head).labels == {"ADR"} and doc.span_by_id(rel.tail).labels == {"Note"}
    assert doc.status == DOC_DONE and store.load_document(doc_id).status == DOC_NEW
    # Importing the same layer again replaces it instead of stacking duplicates.
    store.import_documents([review(spans=[Span({"ADR"}, [RASH])])], annotator="anna")
    assert len(store.load_document(doc_id, annotator="anna").spans) == 3


def test_same_name_with_another_text_is_a_new_document(store):
    store.import_documents([review("r1")])
    summary = store.import_documents([review("r1", text="Другой отзыв о Нурофене, сыпи не было.", spans=[])])
    assert store.count_documents() == 2
    assert any("another text" in w for w in summary.warnings)


def test_list_filters_search_and_order(store):
    docs = [review("b-нурофен"), review("a", text="ПАРАЦЕТАМОЛ помог.", spans=[]), review("c", text="ничего", spans=[])]
    ids = store.import_documents(docs).document_ids
    store.set_meta(ids[0], "adr_prob", 0.2)
    store.set_meta(ids[1], "adr_prob", 0.7)
    store.set_status(ids[2], DOC_DONE)
    assert [r.name for r in store.list_documents(search="парацетамол")] == ["a"]
    assert [r.name for r in store.list_documents(search="НУРОФЕН")] == ["b-нурофен"]
    assert [r.name for r in store.list_documents(search="100%")] == []
    assert [r.name for r in store.list_documents(label="ADR")] == ["b-нурофен"]
    assert [r.name for r in store.list_documents(status=[DOC_NEW])] == ["b-нурофен", "a"]
    assert [r.name for r in store.list_documents(order_by="name")] == ["a", "b-нурофен", "c"]
    assert [r.name for r in store.list_documents(order_by="adr_prob", descending=True)] == ["a", "b-нурофен", "c"]
    assert [r.name for r in store.list_documents(order_by="adr_prob")] == ["b-нурофен", "a", "c"]
    assert [r.name for r in store.list_documents(order_by="spans", descending=True, limit=1)] == ["b-нурофен"]
    assert [r.name for r in store.list_documents(offset=1, limit=1)] == ["a"]
    assert store.count_documents(status=DOC_NEW) == 2
    assert [r.name for r in store.list_documents(min_adr=0.5)] == ["a"]       # unscored "c" is left out
    assert store.count_documents(min_adr=0.2) == 2 and store.document_ids(min_adr=0.71) == []
    assert store.document_ids(order_by="name") == [ids[1], ids[0], ids[2]]
    assert store.list_documents(project="nope") == []
    with pytest.raises(StoreError):
        store.list_documents(order_by="text")


def test_apply_suggestions_never_overrides_human_decisions(store):
    (doc_id,) = store.import_documents([review()]).document_ids
    drug, rash, fever = DRUG, RASH, FEVER
    added = store.apply_suggestions(doc_id, [
        Span({"DrugName"}, [drug], score=0.9),            # same as gold: dropped
        Span({"DrugName", "DrugClass"}, [drug]),          # only the new label survives
        Span({"Indication"}, [fever], score=0.6),
        Span({"Indication"}, [fever], score=0.5),         # duplicate in one batch
    ], [Chain([Mention([drug]), Mention([rash])])], "v1")
    assert added == 3
    doc = store.load_document(doc_id)
    suggested = [sp for sp in doc.spans if sp.status == SUGGESTED]
    assert sorted((tuple(sp.labels), sp.fragments[0]) for sp in suggested) == [
        (("DrugClass",), drug), (("Indication",), fever)]
    assert all(sp.origin == "model:v1" for sp in suggested)
    assert [sp.key() for sp in doc.spans if sp.status == GOLD] == [sp.key() for sp in review().spans]
    assert doc.status == DOC_NEW      # its gold spans are human work: the state stays the human's

    # The user rejects one suggestion and accepts the other.
    fever_span = next(sp for sp in suggested if "Indication" in sp.labels)
    fever_span.status = REJECTED
    store.update_span(doc_id, fever_span)
    class_span = next(sp for sp in suggested if "DrugClass" in sp.labels)
    class_span.status = ACCEPTED
    store.update_span(doc_id, class_span)

    # A newer model suggests the rejected and accepted spans again plus something new; the
    # pending v1 chain is replaced by v2's suggestions.
    added = store.apply_suggestions(doc_id, [Span({"Indication"}, [fever]), Span({"DrugClass"}, [drug]),
                                             Span({"Frequency"}, [TIMING])], [], "v2")
    assert added == 1
    doc = store.load_document(doc_id)
    by_status = {}
    for sp in doc.spans:
        by_status.setdefault(sp.status, []).append((sorted(sp.labels), sp.origin))
    assert by_status[REJECTED] == [(["Indication"], "model:v1")]
    assert by_status[ACCEPTED] == [(["DrugClass"], "model:v1")]
    assert by_status[SUGGESTED] == [(["Frequency"], "model:v2")]
    assert len(by_status[GOLD]) == 2
    assert doc.chains == []
    # The same model run twice adds nothing twice.
    assert store.apply_suggestions(doc_id, [Span({"Frequency"}, [TIMING])], [], "v2") == 1
    assert sum(sp.status == SUGGESTED for sp in store.load_document(doc_id).spans) == 1
    (row,) = store.list_documents()
    assert (row.spans, row.suggestions) == (3, 1)


def test_rejected_chain_is_not_suggested_again(store):
    (doc_id,) = store.import_documents([review(spans=[])]).document_ids
    chain = Chain([Mention([DRUG]), Mention([RASH])])
    assert store.apply_suggestions(doc_id, [], [chain], "v1") == 1
    assert store.load_document(doc_id).status == DOC_PREANNOTATED   # no human work yet
    (stored,) = store.load_document(doc_id).chains
    stored.status = REJECTED
    store.update_chain(doc_id, stored)
    assert store.apply_suggestions(doc_id, [], [Chain([Mention([DRUG]), Mention([RASH])])], "v2") == 0
    assert [c.status for c in store.load_document(doc_id).chains] == [REJECTED]


def test_iter_documents_exports_human_annotations(store):
    ids = store.import_documents([review("r1"), review("r2", status=DOC_DONE)]).document_ids
    store.apply_suggestions(ids[0], [Span({"Note"}, [(0, 5)]), Span({"Route"}, [(6, 13)])], [], "v1")
    note = next(sp for sp in store.load_document(ids[0]).spans if sp.labels == {"Route"})
    note.status = REJECTED
    store.update_span(ids[0], note)
    plain = {d.name: d for d in store.iter_documents()}
    assert {sp.status for sp in plain["r1"].spans} == {GOLD}
    with_suggestions = {d.name: d for d in store.iter_documents(include_suggestions=True)}
    assert sorted(sp.status for sp in with_suggestions["r1"].spans) == [GOLD, GOLD, SUGGESTED]
    assert [d.name for d in store.iter_documents(statuses=[DOC_DONE])] == ["r2"]
    assert [d.name for d in store.iter_documents(ids=[ids[1]])] == ["r2"]
    stats = store.stats()
    assert (stats["documents"], stats["spans"], stats["suggestions"]) == (2, 4, 1)


def test_save_document_replaces_one_layer(store):
    (doc_id,) = store.import_documents([review()]).document_ids
    doc = store.load_document(doc_id, annotator="anna")
    gold_ids = {sp.id for sp in doc.spans}
    doc.spans.append(Span({"Note"}, [(0, 5)], id="T9"))
    doc.status = DOC_IN_PROGRESS
    doc.meta["uncertainty"] = 0.4
    store.save_document(doc, annotator="anna")
    again = store.load_document(doc_id, annotator="anna")
    assert {sp.id for sp in again.spans} == gold_ids | {"T9"}
    assert again.status == DOC_IN_PROGRESS and again.meta["uncertainty"] == 0.4
    assert {sp.id for sp in store.load_document(doc_id).spans} == gold_ids
    again.spans = [sp for sp in again.spans if sp.id != "T9"]
    store.save_document(again, annotator="anna")
    assert {sp.id for sp in store.load_document(doc_id, annotator="anna").spans} == gold_ids


def test_models_and_jobs(store):
    first = store.register_model("tagger", "/models/a", "tagger-1", {"f1": 0.5}, [1, 2], "cpu", active=True)
    second = store.register_model("tagger", "/models/b", "tagger-2", {"f1": 0.6}, [1, 2, 3], "cuda")
    store.register_model("coref", "/models/c", "coref-1", {}, [], "cpu", active=True)
    assert store.active_model("tagger").id == first
    store.activate_model("tagger-2")
    assert store.active_model("tagger").version == "tagger-2"
    assert [mdl.active for mdl in store.list_models("tagger")] == [False, True]
    assert store.active_model("coref").version == "coref-1"
    assert store.list_models("tagger")[1].documents == [1, 2, 3]
    store.activate_model(first)
    assert store.active_model("tagger").id == first and second != first
    with pytest.raises(StoreError):
        store.register_model("tagger", "/x", "tagger-1", {}, [], "cpu")
    with pytest.raises(StoreError):
        store.activate_model("missing")
    assert store.active_model("classifier") is None

    job = store.add_job("train", {"epochs": 3})
    store.update_job(job, state="running", progress=0.5, log_path="/tmp/log.jsonl")
    store.update_job(job, state="done", progress=1.0, message="dev F1 0.61")
    (row,) = store.list_jobs()
    assert (row.kind, row.state, row.progress, row.log_path, row.message, row.args) == (
        "train", "done", 1.0, "/tmp/log.jsonl", "dev F1 0.61", {"epochs": 3})
    with pytest.raises(StoreError):
        store.update_job(999, state="done")


def test_foreign_keys_cascade_on_delete(store):
    (doc_id,) = store.import_documents([review()]).document_ids
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM documents WHERE id = :i"), {"i": doc_id})
    counts = table_counts(store)
    assert counts["spans"] == counts["span_labels"] == counts["span_fragments"] == counts["span_attributes"] == 0


def test_a_second_writer_waits_for_the_first_instead_of_failing(tmp_path):
    path = tmp_path / "shared.sqlite"
    with Store.open(path) as gui, Store.open(path) as cli:
        (doc_id,) = gui.import_documents([review()]).document_ids
        holding, committing, errors = threading.Event(), threading.Event(), []

        def slow_write() -> None:  # e.g. an import in another process
            try:
                with cli._tx() as session:
                    session.execute(text("UPDATE documents SET status = 'in progress'"))
                    holding.set()
                    time.sleep(0.5)
                    committing.set()  # the commit follows: no other writer got in before it
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                holding.set()

        writer = threading.Thread(target=slow_write)
        writer.start()
        holding.wait(5)
        assert [r.status for r in gui.list_documents()] == [DOC_NEW]  # readers never wait
        gui.set_status(doc_id, DOC_DONE)  # waits for the other writer's commit, then wins
        assert committing.is_set()        # it returned only once the other writer was committing
        writer.join()
        assert errors == []
        assert gui.load_document(doc_id).status == DOC_DONE


def test_apply_changes_is_one_transaction_all_or_nothing(store):
    """The editor's unit of work on this database: a failing change (a span gone) undoes the
    ones before it in the same set; a good set lands whole."""
    (doc_id,) = store.import_documents([review(spans=[Span({"ADR"}, [RASH], origin="model:v1", status=SUGGESTED)])],
                                       annotator="anna").document_ids
    (rash,) = store.load_document(doc_id, "anna").spans
    before = table_counts(store)
    good = [SetSpanStatus((rash.id,), REJECTED), AddSpan(Span({"Finding"}, [RASH], id="T9")),
            SetDocumentStatus(DOC_IN_PROGRESS)]
    with pytest.raises(StoreError, match="no span 'T404'"):
        store.apply_changes(doc_id, [*good, DeleteSpan("T404")], "anna")
    assert table_counts(store) == before
    store.apply_changes(doc_id, good, "anna")
    doc = store.load_document(doc_id, "anna")
    assert {(sp.id, sp.status) for sp in doc.spans} == {(rash.id, REJECTED), ("T9", GOLD)}
    assert doc.status == DOC_IN_PROGRESS
    with pytest.raises(StoreError, match="another writer"):     # a key someone else holds
        store.apply_changes(doc_id, [AddSpan(Span({"Note"}, [DRUG], id="T9"))], "boris")
