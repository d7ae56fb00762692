"""Retraining from the store: the data snapshot (done + gold, pinned evaluation set held
out, seeded dev split), a real ``trainer tagger train`` subprocess, and registration."""
from __future__ import annotations

import json

import pytest

from coref_fixtures import chained_review
from loop_support import fake_bundle, loop_store
from rdrs_gui.core.document import ACCEPTED, DOC_DONE, DOC_NEW, GOLD, HUMAN, REJECTED, SUGGESTED, Span
from rdrs_gui.core.errors import RdrsError
from rdrs_gui.core.formats import read
from rdrs_gui.jobs import bundles, registry, training
from rdrs_gui.jobs.paths import data_dir
from rdrs_gui.jobs.training import TrainingRequest


@pytest.fixture
def db(tmp_path):
    store, gold, raw = loop_store(tmp_path / "loop.sqlite", gold=8, raw=4)
    yield store, gold, raw
    store.close()


def test_the_snapshot_holds_done_and_gold_documents_and_never_the_evaluation_set(db, tmp_path):
    store, gold, raw = db
    store.set_eval_set([gold[0], gold[1]])
    doc = store.load_document(raw[0], "anna")
    word = (0, doc.text.index(" "))
    store.add_span(raw[0], Span({"ADR"}, [word], origin=HUMAN, status=ACCEPTED), annotator="anna")
    store.add_span(raw[0], Span({"DrugName"}, [word], origin="model:v1", status=REJECTED), annotator="anna")
    store.add_span(raw[0], Span({"Note"}, [word], origin="model:v1", status=SUGGESTED), annotator="anna")
    store.set_status(raw[0], DOC_DONE, annotator="anna")
    data = training.collect(store, TrainingRequest(annotator="anna"), tmp_path / "snap")
    assert sorted(data.train_ids + data.dev_ids) == sorted(gold[2:] + [raw[0]])
    assert data.eval_ids == gold[:2] and len(data.dev_ids) == 1
    assert not set(data.train_ids) & set(data.dev_ids)
    again = training.collect(store, TrainingRequest(annotator="anna"), tmp_path / "snap2")
    assert (again.train_ids, again.dev_ids, again.sha256) == (data.train_ids, data.dev_ids, data.sha256)
    docs = {d.name: d for d in read(data.train_path).documents + read(data.dev_path).documents}
    labels = {tuple(sorted(s.labels)) for s in docs["raw-0"].spans}
    assert labels == {("ADR",)}                      # accepted kept; rejected and pending left out
    assert {d.name for d in read(data.eval_path).documents} == {"r0", "r1"}
    assert json.loads(data.schema_path.read_text(encoding="utf-8"))["name"] == "rdrs"
    assert data.snapshot("anna")["sha256"] == bundles.file_sha256(data.train_path)


def test_too_few_documents_is_a_clear_refusal(tmp_path):
    store, _, raw = loop_store(tmp_path / "few.sqlite", gold=1, raw=2)
    with store:
        result = training.run(store, TrainingRequest(annotator="anna", epochs=1))
        assert result.state == "failed" and "at least 2 documents" in result.message
        assert store.list_jobs()[-1].state == "failed"


@pytest.mark.slow
def test_a_training_job_registers_its_bundle_with_snapshot_and_metrics(db):
    store, gold, _ = db
    store.set_eval_set([gold[0]])
    store.set_setting(registry.AUTO_ACTIVATE, True)
    events = []
    result = training.run(store, TrainingRequest(epochs=2, syntax="none", max_minutes=3), on_event=events.append)
    assert result.state == "done", result.message
    kinds = [e["event"] for e in events]
    assert kinds[0] == "start" and "epoch" in kinds and kinds[-1] == "done"
    model = result.model
    assert model.kind == "tagger" and model.device.startswith(("cpu", "cuda"))
    assert model.snapshot["eval"] == [gold[0]] and sorted(model.documents + model.snapshot["dev"]) == gold[1:]
    assert set(registry.per_tag_f1(model)) >= {"ADR", "DrugName"}
    assert registry.macro_f1(model, "eval") is not None and model.metrics["eval_documents"] == 1
    assert result.activated and store.active_model("tagger").version == model.version   # the rule fired
    job = store.list_jobs()[-1]
    assert (job.state, job.progress) == ("done", 1.0) and model.version in job.message
    log = data_dir(store.url) / "logs" / f"job-{job.id}.log"
    assert job.log_path == str(log) and '"event": "epoch"' in log.read_text(encoding="utf-8")
    assert bundles.inspect(model.path).version == model.version
    # a bundle whose version is taken is registered under a new name, in the bundle as well
    info = bundles.inspect(model.path)
    data = training.TrainingData(data_dir(store.url), model.documents, model.snapshot["dev"], [], "x")
    twin = training.register(store, TrainingRequest(), data, info, None, job_id=99)
    assert twin.version == f"{model.version}-job99" and bundles.inspect(model.path).version == twin.version
    assert not registry.improves(twin, store.active_model("tagger"))   # same F1: no auto-activation


def test_the_classifier_snapshot_labels_reviews_by_their_adr_spans(db, tmp_path):
    store, gold, _ = db
    store.set_eval_set([gold[0]])
    data = training.collect(store, TrainingRequest(kind="classifier"), tmp_path / "snap")
    written = {}
    for path in (data.train_path, data.dev_path, data.eval_path):
        for line in path.read_text(encoding="utf-8").splitlines():
            obj = json.loads(line)
            written[obj["id"]] = obj["meta"]["label"]
    stored = {d.name: int(any("ADR" in s.labels for s in d.spans)) for d in store.iter_documents(gold)}
    assert written == stored and set(stored.values()) == {0, 1}
    dev = {json.loads(line)["meta"]["label"] for line in data.dev_path.read_text(encoding="utf-8").splitlines()}
    assert dev == {0, 1}                              # both labels held out for the threshold
    assert "--schema" not in training.command(TrainingRequest(kind="classifier"), data, tmp_path / "m")


def test_a_classifier_needs_reviews_with_and_without_adr(tmp_path):
    store, gold, _ = loop_store(tmp_path / "one.sqlite", gold=4, raw=0)
    with store:
        for doc in store.iter_documents(gold):
            for span in doc.spans:
                if "ADR" in span.labels:
                    store.delete_span(doc.id, span.id)
        result = training.run(store, TrainingRequest(kind="classifier", epochs=1))
        assert result.state == "failed" and "with and without an ADR span" in result.message
        assert "4 without" in result.message and store.list_models() == []
        text = store.load_document(gold[0]).text
        store.add_span(gold[0], Span({"ADR"}, [(0, text.index(" "))], origin=HUMAN, status=ACCEPTED))
        result = training.run(store, TrainingRequest(kind="classifier", epochs=1))   # one is too few to split
        assert result.state == "failed" and "1 with and 3 without" in result.message


@pytest.mark.slow
def test_a_classifier_job_registers_a_bundle_scored_on_the_adr_class(db):
    store, gold, _ = db
    store.set_eval_set([gold[0], gold[1]])
    store.set_setting(registry.AUTO_ACTIVATE, True)
    result = training.run(store, TrainingRequest(kind="classifier", epochs=2, max_minutes=3))
    assert result.state == "done", result.message
    model = result.model
    assert model.kind == "classifier" and "F1 of the ADR class" in result.message
    assert set(model.metrics["dev"]) >= {"p", "r", "f1", "threshold"}
    assert registry.per_tag_f1(model) == {"ADR": registry.macro_f1(model)}
    assert set(model.metrics["eval"]) >= {"p", "r", "f1"} and model.metrics["eval_documents"] == 2
    assert result.activated and store.active_model("classifier").version == model.version
    assert store.active_model("tagger") is None       # the tagger's registry is untouched


def test_coref_snapshot_takes_documents_with_chains_and_imported_gold_teaches_its_own_kind(db, tmp_path):
    store, gold, raw = db
    chained = store.import_documents([chained_review(i, status=DOC_NEW) for i in range(4)]).document_ids
    store.set_status(raw[0], DOC_DONE)          # a human finished it: it counts for every model kind
    store.set_eval_set([chained[0]])
    coref = training.collect(store, TrainingRequest(kind="coref", seed=3), tmp_path / "coref")
    # gold chains (a RuCoCo-like import has no spans) and done documents; no span-only gold
    assert sorted(coref.train_ids + coref.dev_ids) == sorted(chained[1:] + [raw[0]])
    assert coref.eval_ids == [chained[0]]
    train = read(coref.train_path).documents
    assert any(c.status == GOLD for d in train for c in d.chains)   # training keeps a document with chains
    tagger = training.collect(store, TrainingRequest(kind="tagger"), tmp_path / "tagger")
    assert sorted(tagger.train_ids + tagger.dev_ids) == sorted(gold + [raw[0]])   # no chain-only gold
    command = training.command(TrainingRequest(kind="coref", init="/base", options={"lstm_hidden": 16}),
                               coref, tmp_path / "m")
    assert command[command.index("--init") + 1] == "/base" and "--option=lstm_hidden=16" in command
    assert "--schema" not in command and "--syntax" not in command


def test_coref_training_without_any_chain_is_a_clear_refusal(db):
    store, _, raw = db
    result = training.run(store, TrainingRequest(kind="coref", epochs=1))   # span-only gold does not count
    assert result.state == "failed" and "2 documents marked done (or with gold coreference chains)" in result.message
    store.set_status(raw[0], DOC_DONE)
    store.set_status(raw[1], DOC_DONE)
    result = training.run(store, TrainingRequest(kind="coref", epochs=1))
    assert result.state == "failed" and "none of the 2 documents" in result.message
    assert "has a coreference chain" in result.message and store.list_models() == []
    with pytest.raises(RdrsError, match="cannot be the base of a coreference model"):
        training.base_bundle(store, str(fake_bundle(store_dir(store) / "t", "t1")))


def store_dir(store):  # noqa: ANN001, ANN201
    return data_dir(store.url)
