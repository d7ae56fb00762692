"""Batch pre-annotation: merging rules, resumability, cancel, and a worker killed mid-batch.

The rules are checked with a scripted in-process worker (exact, known suggestions); the
fault tests use the real ``trainer serve`` subprocess on a tiny bundle.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from loop_support import fake_bundle, loop_store, shared_bundle
from rdrs_gui.core.document import (ACCEPTED, DOC_CURATED, DOC_DONE, DOC_NEW, DOC_PREANNOTATED, GOLD, HUMAN, REJECTED,
                                    SUGGESTED, Span)
from rdrs_gui.core.errors import RdrsError
from rdrs_gui.jobs import registry
from rdrs_gui.jobs.preannotate import PREANNOTATED_BY, chosen_models, preannotate
from rdrs_gui.jobs.worker import ModelWorker, WorkerError


class ScriptedWorker:
    """Suggests the first word of every text as ADR (score 0.8) and its second as DrugName
    (0.6); optionally dies on the n-th request."""

    def __init__(self, version: str = "v1", die_on: set[int] | None = None) -> None:
        self.info = {"version": version, "kind": "tagger"}
        self.model_dir = Path(version)
        self.starts = 0
        self.requests = 0
        self.die_on = die_on or set()

    def start(self) -> dict:
        self.starts = self.starts or 1
        return self.info

    def predict(self, documents: list[dict], timeout: float | None = None) -> list[dict]:
        self.requests += 1
        if self.requests in self.die_on:
            self.starts += 1   # the real client restarts a dead worker on the next request
            raise WorkerError("the model worker was killed (signal 9)")
        out = []
        for d in documents:
            words = d["text"].split(" ")
            first = (0, len(words[0]))
            second = (len(words[0]) + 1, len(words[0]) + 1 + len(words[1]))
            out.append({"name": d["name"], "spans": [{"labels": ["ADR"], "fragments": [list(first)], "score": 0.8},
                                                     {"labels": ["DrugName"], "fragments": [list(second)], "score": 0.6}]})
        return out


@pytest.fixture
def db(tmp_path):
    store, gold, raw = loop_store(tmp_path / "loop.sqlite", gold=2, raw=6)
    yield store, gold, raw
    store.close()


def suggestions(store, doc_id, annotator="anna"):
    return [s for s in store.load_document(doc_id, annotator).spans if s.status == SUGGESTED]


def test_suggestions_respect_human_spans_and_rejections(db):
    store, gold, raw = db
    doc = store.load_document(raw[0], "anna")
    first = (0, doc.text.index(" "))
    store.add_span(raw[0], Span({"ADR"}, [first], origin=HUMAN, status=ACCEPTED), annotator="anna")
    summary = preannotate(store, {"tagger": ScriptedWorker("v1")}, raw, annotator="anna", batch_size=4)
    assert (summary.documents, summary.skipped, summary.error) == (6, 0, None)
    assert summary.suggestions == 6 * 2 - 1              # the human ADR span is not suggested again
    spans = store.load_document(raw[0], "anna").spans
    assert [s.status for s in spans if s.fragments == [first]] == [ACCEPTED]
    assert store.document_meta(raw[0])[PREANNOTATED_BY] == "v1"
    meta = store.document_meta(raw[0])     # a tagger alone gives no ADR probability, only its span score
    assert "adr_prob" not in meta and meta["adr_tagger"] == pytest.approx(0.8) and meta["adr_source"] == "tagger v1"
    assert store.document_meta(raw[1])["uncertainty"] == pytest.approx(0.4)    # 1 - the lowest span score
    assert store.list_documents(annotator="anna", order_by="uncertainty")[0].id in raw

    # the user rejects one suggestion and accepts another; a later model must respect both
    rejected, accepted = suggestions(store, raw[1])
    rejected.status, accepted.status = REJECTED, ACCEPTED
    store.update_span(raw[1], rejected)
    store.update_span(raw[1], accepted)
    again = preannotate(store, {"tagger": ScriptedWorker("v2")}, raw, annotator="anna")
    assert again.documents == 6 and again.skipped == 0
    spans = store.load_document(raw[1], "anna").spans
    assert [s.status for s in spans if s.key() == rejected.key()] == [REJECTED]
    assert [(s.status, s.origin) for s in spans if s.key() == accepted.key()] == [(ACCEPTED, "model:v1")]
    assert suggestions(store, raw[1]) == []
    # gold documents keep their gold spans untouched next to suggestions
    before = [s.key() for s in store.load_document(gold[0]).spans if s.status == GOLD]
    preannotate(store, {"tagger": ScriptedWorker("v2")}, gold, annotator="anna")
    assert [s.key() for s in store.load_document(gold[0], "anna").spans if s.status == GOLD] == before


def test_a_second_run_skips_what_this_model_already_did_and_cancel_keeps_finished_batches(db):
    store, _, raw = db
    calls = []
    first = preannotate(store, {"tagger": ScriptedWorker("v1")}, raw, annotator="anna", batch_size=2,
                        progress=calls.append, should_stop=lambda: len(calls) >= 1)
    # the batch predicted while the first was stored is kept too; nothing after it
    assert first.cancelled and first.documents == 4
    assert calls[0].done == 2 and calls[0].total == 6 and calls[0].docs_per_s > 0
    done = [i for i in raw if store.document_meta(i).get(PREANNOTATED_BY) == "v1"]
    assert done == raw[:4]
    second = preannotate(store, {"tagger": ScriptedWorker("v1")}, raw, annotator="anna")
    assert (second.skipped, second.documents) == (4, 2)
    assert preannotate(store, {"tagger": ScriptedWorker("v1")}, raw, annotator="anna").documents == 0
    assert preannotate(store, {"tagger": ScriptedWorker("v1")}, raw, annotator="anna", force=True).documents == 6
    assert all(len(suggestions(store, i)) == 2 for i in raw)   # never duplicated


def test_a_worker_that_keeps_dying_stops_the_run_with_a_message_and_loses_nothing(db):
    store, _, raw = db
    worker = ScriptedWorker("v1", die_on={2, 3})
    summary = preannotate(store, {"tagger": worker}, raw, annotator="anna", batch_size=2)
    assert summary.documents == 2 and "killed" in summary.error and "twice" in summary.error
    assert "Run it again to continue" in summary.text()
    assert [i for i in raw if PREANNOTATED_BY in store.document_meta(i)] == raw[:2]
    broken = preannotate(store, {"tagger": ScriptedWorker("v2", die_on={1, 2})}, raw, annotator="anna", batch_size=2)
    assert broken.documents == 0 and "Run it again" not in broken.text()   # the model, not the run, is at fault
    assert all(suggestions(store, i) == [] for i in raw[2:])
    resumed = preannotate(store, {"tagger": worker}, raw, annotator="anna", batch_size=2)
    assert (resumed.skipped, resumed.documents, resumed.error) == (2, 4, None)


@pytest.mark.slow
def test_killing_the_real_worker_mid_batch_restarts_it_and_finishes(db, tmp_path_factory):
    store, _, raw = db
    worker = ModelWorker(shared_bundle(tmp_path_factory))
    try:
        seen = []

        def kill_after_first(p) -> None:  # noqa: ANN001
            seen.append(p.done)
            if len(seen) == 1:
                worker.kill()

        summary = preannotate(store, {"tagger": worker}, raw, annotator="anna", batch_size=2,
                              progress=kill_after_first)
    finally:
        worker.close()
    assert summary.error is None and summary.documents == 6 and summary.restarts == 1
    assert "restarted 1×" in summary.text()
    marker = summary.version
    assert all(store.document_meta(i)[PREANNOTATED_BY] == marker for i in raw)
    assert all(s.origin == f"model:{marker}" for i in raw for s in suggestions(store, i))


def test_done_documents_are_left_out_unless_included_and_human_work_keeps_its_state(db):
    store, gold, raw = db
    done_shared, done_anna, annotated, untouched = raw[0], raw[1], raw[2], raw[3]
    store.set_status(done_shared, DOC_DONE)                       # finished in the shared layer
    store.set_status(done_anna, DOC_CURATED, annotator="anna")    # finished in anna's layer
    first = (0, store.load_document(annotated).text.index(" "))
    store.add_span(annotated, Span({"Note"}, [first], origin=HUMAN, status=ACCEPTED), annotator="anna")
    scopes = []
    summary = preannotate(store, {"tagger": ScriptedWorker("v1")}, raw[:4], annotator="anna", started=scopes.append)
    assert (summary.scope, summary.left_out_done, summary.documents) == (4, 2, 2)
    assert scopes == [summary] and scopes[0].total == 2
    assert "2 marked done or curated were left out" in summary.text()
    assert suggestions(store, done_shared) == suggestions(store, done_anna) == []
    assert PREANNOTATED_BY not in store.document_meta(done_anna)
    states = {r.id: r.status for r in store.list_documents(annotator="anna")}
    # suggestions arrived for both, but only the document without human work changes state
    assert len(suggestions(store, annotated)) == 2 and states[annotated] == DOC_NEW
    assert len(suggestions(store, untouched)) == 2 and states[untouched] == DOC_PREANNOTATED
    assert states[done_anna] == DOC_CURATED

    included = preannotate(store, {"tagger": ScriptedWorker("v1")}, raw[:4], annotator="anna", include_done=True)
    assert (included.left_out_done, included.documents, included.skipped) == (0, 2, 2)
    assert len(suggestions(store, done_anna)) == 2
    states = {r.id: r.status for r in store.list_documents(annotator="anna")}
    assert states[done_anna] == DOC_CURATED                 # included, and still the human's state


def test_a_malformed_worker_answer_stops_the_run_and_stores_nothing(db):
    store, _, raw = db

    class Broken(ScriptedWorker):
        def predict(self, documents, timeout=None):  # noqa: ANN001, ANN201
            return [{"name": d["name"], "spans": [{"labels": [], "fragments": [[0, 1]]}]} for d in documents]

    summary = preannotate(store, {"tagger": Broken("v1")}, raw, annotator="anna")
    assert "malformed span" in summary.error and "labels" in summary.error and summary.documents == 0
    assert all(suggestions(store, i) == [] for i in raw)


def test_the_models_are_every_active_one_or_the_named_ones_one_per_kind(db, tmp_path):
    store, _, _ = db
    with pytest.raises(RdrsError, match="no active model"):
        chosen_models(store)
    tagger = registry.add_bundle(store, fake_bundle(tmp_path / "t1", "t1"))
    store.activate_model(tagger.id)
    coref = fake_bundle(tmp_path / "c1", "c1")
    config = json.loads((coref / "config.json").read_text(encoding="utf-8"))
    (coref / "config.json").write_text(json.dumps({**config, "kind": "coref"}), encoding="utf-8")
    store.activate_model(registry.add_bundle(store, coref).id)
    assert chosen_models(store) == {"tagger": tagger.path, "coref": str(coref.resolve())}
    assert chosen_models(store, ["t1"]) == {"tagger": tagger.path}                  # a registered version
    assert chosen_models(store, [str(coref)]) == {"coref": str(coref)}              # a bundle folder
    with pytest.raises(RdrsError, match="two tagger models"):
        chosen_models(store, ["t1", str(fake_bundle(tmp_path / "t2", "t2"))])
    with pytest.raises(RdrsError, match="no model 'nope'"):
        chosen_models(store, ["nope"])
