"""DocumentBatch: documents as rows, the form in which reader processes hand documents to the
store. Whatever the documents hold, the rows make the same documents again, across processes
(marshal) too, and storing a batch stores what storing its documents does."""
from __future__ import annotations

import marshal
import random

import pytest

from rdrs_gui.core.document import DOC_DONE, Chain, Document, Mention, Relation, Span
from rdrs_gui.core.document_batch import DocumentBatch
from rdrs_gui.core.errors import StoreError
from rdrs_gui.core.store import Store

LABELS = ["ADR", "DrugName", "DrugBrand", "Note", "Дозировка"]


def random_document(rng: random.Random, n: int) -> Document:
    """Stacked labels, discontinuous spans, attributes, scores, chains with discontinuous
    mentions, relations: everything a row has a place for."""
    text = "".join(rng.choice("абв гд") for _ in range(200))
    spans = []
    for i in range(rng.randint(0, 8)):
        starts = sorted(rng.sample(range(0, 190, 10), rng.choice([1, 1, 1, 2, 3])))
        spans.append(Span(set(rng.sample(LABELS, rng.choice([1, 1, 2, 3]))), [(s, s + rng.randint(1, 9)) for s in starts],
                          {"MedFrom": rng.choice(["Domestic", "Foreign"])} if rng.random() < 0.3 else {},
                          rng.choice(["human", "model:v1"]), rng.choice(["gold", "suggested", "accepted"]),
                          rng.choice([None, 0.25]), f"T{i + 1}"))
    chains = [Chain([Mention([(s, s + 3)]) for s in rng.sample(range(0, 190, 10), 3)] + [Mention([(195, 197), (5, 8)])],
                    rng.choice(["Coreference", "Context"]), id=f"C{k + 1}") for k in range(rng.randint(0, 2))]
    relations = [Relation("has", spans[0].id, spans[-1].id, {"w": "1"}, id="R1")] if len(spans) > 1 else []
    return Document(f"doc{n}", text, {"source": "test", "n": n}, spans, chains, relations,
                    rng.choice(["new", DOC_DONE]))


def contents(doc: Document) -> tuple:
    return (doc.name, doc.text, doc.meta, doc.status,
            sorted((s.id, s.key(), s.origin, s.status, s.score) for s in doc.spans),
            sorted((c.id, c.key(), c.origin, c.status, c.score) for c in doc.chains),
            sorted((r.id, r.label, r.head, r.tail, r.attrs, r.origin, r.status) for r in doc.relations))


def test_rows_make_the_same_documents_again_also_across_processes():
    rng = random.Random(7)
    docs = [random_document(rng, n) for n in range(300)]
    batch = DocumentBatch.of(docs)
    assert len(batch) == 300 and len(batch.spans) == sum(len(d.spans) for d in docs)
    assert [contents(d) for d in batch.documents()] == [contents(d) for d in docs]
    sent = DocumentBatch(*marshal.loads(marshal.dumps(batch.as_tuple())))
    assert [contents(d) for d in sent.documents()] == [contents(d) for d in docs]


def test_a_span_row_holds_its_first_label_in_sorted_order_and_its_first_fragment():
    batch = DocumentBatch.of([Document("d", "x" * 50, spans=[Span({"Note", "ADR", "DrugName"}, [(30, 35), (2, 6)])])])
    assert [row[5:] for row in batch.spans] == [("ADR", 2, 6)]
    assert sorted(label for _, label in batch.labels) == ["DrugName", "Note"]
    assert batch.fragments == [(0, 1, 30, 35)]


def test_missing_and_repeated_keys_are_replaced_as_storing_would():
    doc = Document("d", "x" * 50, spans=[Span({"ADR"}, [(0, 2)], id="T1"), Span({"ADR"}, [(3, 5)], id="T1"),
                                         Span({"ADR"}, [(6, 8)])])
    batch = DocumentBatch.of([doc])
    assert [row[1] for row in batch.spans] == ["T1", "T2", "T3"]


def test_renaming_labels_keeps_each_span_first_label_right():
    doc = Document("d", "x" * 50, spans=[Span({"ADR", "Note"}, [(0, 2)]),            # Note -> AAA: now first
                                         Span({"adr", "ADR"}, [(3, 5)]),             # adr -> ADR: one label left
                                         Span({"DrugName"}, [(6, 8)])])              # untouched
    batch = DocumentBatch.of([doc])
    untouched = batch.spans[2]
    batch.rename_labels({"Note": "AAA", "adr": "ADR", "DrugName": "DrugName"})
    assert [sorted(s.labels) for s in batch.documents()[0].spans] == [["AAA", "ADR"], ["ADR"], ["DrugName"]]
    assert [row[5] for row in batch.spans] == ["AAA", "ADR", "DrugName"] and batch.spans[2] is untouched
    assert batch.label_names() == {"AAA", "ADR", "DrugName"}


def test_storing_a_batch_stores_what_storing_its_documents_does(tmp_path):
    rng = random.Random(3)
    docs = [random_document(rng, n) for n in range(60)]
    with Store.open(tmp_path / "a.sqlite") as a, Store.open(tmp_path / "b.sqlite") as b:
        first = a.import_documents([Document(d.name, d.text, dict(d.meta), list(d.spans), list(d.chains),
                                             list(d.relations), d.status) for d in docs]).document_ids
        with b.importing() as importing:
            importing.add_batch(DocumentBatch.of(docs[:25]), "here")
            importing.add_batch(DocumentBatch.of(docs[25:]), "here")
        second = importing.summary.document_ids
        stored = [contents(d) for d in b.documents_by_id(second, include_suggestions=True)]
        assert stored == [contents(d) for d in docs]
        assert stored == [contents(d) for d in a.documents_by_id(first, include_suggestions=True)]
        # Again: each document is already stored, so its layer is replaced, not duplicated.
        with b.importing() as importing:
            importing.add_batch(DocumentBatch.of(docs[:10]))
        assert importing.summary.document_ids == second[:10] and b.count_documents() == 60
        assert "already in the project" in importing.summary.warnings[0]


@pytest.mark.parametrize("annotator", [None, "ann1"])
def test_an_import_on_sqlite_stores_the_rows_and_ids_the_general_path_stores(tmp_path, monkeypatch, annotator):
    """An import's batch goes to SQLite as its rows are (owners worked out by SQLite): the same
    tables, row for row and id for id, as the general path writes, into a database that has
    documents already."""
    import sqlite3

    from rdrs_gui.core.store import bulk

    rng = random.Random(11)
    before = [random_document(rng, n) for n in range(7)]
    docs = [random_document(rng, n) for n in range(7, 67)]
    general = bulk._run
    for name, run in (("general.sqlite", lambda *owner: None), ("rows.sqlite", general)):
        monkeypatch.setattr(bulk, "_run", run)
        with Store.open(tmp_path / name) as store:
            store.import_documents(before)
            with store.importing(annotator=annotator) as importing:
                importing.add_batch(DocumentBatch.of(docs[:25]))
                importing.add_batch(DocumentBatch.of(docs[25:]))
            stored = store.documents_by_id(importing.summary.document_ids, annotator=annotator,
                                           include_suggestions=True)
            assert [contents(d)[:3] + contents(d)[4:] for d in stored] == \
                [contents(d)[:3] + contents(d)[4:] for d in docs]
    tables = ["spans", "span_labels", "span_fragments", "span_attributes", "chains", "chain_mentions", "relations"]
    dumps = []
    for name in ("general.sqlite", "rows.sqlite"):
        with sqlite3.connect(tmp_path / name) as db:
            dumps.append({t: sorted(db.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables})
    assert dumps[0] == dumps[1] and all(dumps[1].values())


def test_a_batch_with_an_unknown_review_state_stores_nothing(tmp_path):
    batch = DocumentBatch.of([Document("ok", "abc"), Document("bad", "abc", status="half done")])
    with Store.open(tmp_path / "a.sqlite") as store:
        with pytest.raises(StoreError, match="'bad': unknown review state 'half done'"):
            with store.importing() as importing:
                importing.add_batch(batch)
        assert store.count_documents() == 0
