"""The model loop headless: ``rdrs train``, ``predict``, ``models``, ``activate``, ``eval-set``
on a real database, with a real (tiny) training run and the real model worker."""
from __future__ import annotations

import json
import re

import pytest

from coref_fixtures import chained_review, coref_options
from loop_support import loop_store, shared_bundle
from rdrs_gui.cli import main
from rdrs_gui.core.document import (ACCEPTED, DOC_DONE, DOC_NEW, DOC_PREANNOTATED, HUMAN, SUGGESTED, Chain,
                                    Document, Mention, Span)
from rdrs_gui.core.store import Store
from rdrs_gui.jobs import evaluation, registry
from rdrs_gui.jobs.preannotate import PREANNOTATED_BY


def run(capsys, *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow
def test_train_predict_models_activate(tmp_path, capsys):
    db = tmp_path / "cli.sqlite"
    store, gold, raw = loop_store(db, gold=8, raw=3)
    store.close()

    code, out, err = run(capsys, "--db", db, "eval-set", "--docs", gold[0])
    assert (code, out.strip()) == (0, str(gold[0]))
    code, _, err = run(capsys, "--db", db, "predict", "--all")
    assert code == 2 and "no active model" in err

    out_dir = tmp_path / "bundle"
    code, out, err = run(capsys, "--db", db, "train", "--out", out_dir, "--epochs", 1, "--max-minutes", 2,
                         "--syntax", "none")
    assert code == 0, err
    assert "epoch 1: loss" in err and "training on 6 documents (1 dev)" in err
    assert "activate it with: rdrs activate" in out
    code, out, _ = run(capsys, "--db", db, "models", "--json")
    (model,) = json.loads(out)
    assert model["active"] is False and model["path"] == str(out_dir) and model["training_documents"] == 6
    assert model["metrics"]["dev"]["per_tag"] and model["metrics"]["eval_documents"] == 1
    assert model["snapshot"]["eval"] == [gold[0]]
    version = model["version"]

    code, out, err = run(capsys, "--db", db, "predict", "--model", version, "--docs", raw[0], raw[1], "--batch-size", 1)
    assert code == 0, err
    assert "pre-annotated 2 of 2 documents" in out and "2/2 documents" in err
    code, out, _ = run(capsys, "--db", db, "activate", version)
    assert (code, out.strip()) == (0, f"active tagger model: {version}")
    code, out, err = run(capsys, "--db", db, "models", "--auto-activate", "on")
    assert out.startswith("  version") and f"* {version}" in out and "auto-activation on" in err
    code, out, _ = run(capsys, "--db", db, "predict", "--unlabelled")     # the active model; resumable
    assert code == 0 and "pre-annotated 1 of 1 documents" in out and "2 already done" in out
    with Store.open(db) as store:
        assert all(store.document_meta(i)[PREANNOTATED_BY] == version for i in raw)
        assert all(s.origin == f"model:{version}" for i in raw for s in store.load_document(i).spans
                   if s.status == SUGGESTED)
        assert store.setting("auto_activate") is True

    code, _, err = run(capsys, "--db", db, "activate", "--rollback")
    assert code == 2 and "no earlier active tagger model" in err
    code, _, err = run(capsys, "--db", db, "activate", "no-such-version")
    assert code == 2 and "no model 'no-such-version'" in err
    weights = out_dir / "weights.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])           # a bundle damaged on disk
    code, _, err = run(capsys, "--db", db, "activate", version)
    assert code == 2 and "corrupt" in err and "weights.safetensors" in err
    code, out, err = run(capsys, "--db", db, "predict", "--docs", raw[0], "--force")
    assert code == 1 and "stopped after 0 of 1 documents" in out and "corrupt" in out


def test_train_refuses_a_folder_that_already_holds_a_model(tmp_path, capsys):
    db = tmp_path / "cli.sqlite"
    loop_store(db, gold=3, raw=0)[0].close()
    out_dir = tmp_path / "taken"
    out_dir.mkdir()
    (out_dir / "config.json").write_text("{}", encoding="utf-8")
    code, _, err = run(capsys, "--db", db, "train", "--out", out_dir, "--epochs", 1)
    assert code == 1 and "already holds a model" in err


@pytest.mark.slow
def test_train_the_adr_classifier_from_the_command_line(tmp_path, capsys):
    db = tmp_path / "cli.sqlite"
    loop_store(db, gold=8, raw=0)[0].close()
    code, out, err = run(capsys, "--db", db, "train", "--kind", "classifier", "--out", tmp_path / "adr",
                         "--epochs", 1, "--activate")
    assert code == 0, err
    code, out, _ = run(capsys, "--db", db, "models", "--json", "--kind", "classifier")
    (model,) = json.loads(out)
    assert model["active"] and model["kind"] == "classifier" and {"f1", "threshold"} <= set(model["metrics"]["dev"])


@pytest.mark.slow
def test_train_coref_then_predict_without_model_stores_chain_and_span_suggestions(tmp_path, capsys):
    """The issue's headless check: ``rdrs train --kind coref``, then ``rdrs predict`` with no
    ``--model`` runs every active model, so chains are suggested as well as spans."""
    db = tmp_path / "cli.sqlite"
    store, gold, _ = loop_store(db, gold=8, raw=0)
    chained = store.import_documents([chained_review(i) for i in range(8)]).document_ids
    raw = store.import_documents([Document(f"new-{i}", chained_review(i).text) for i in range(2)]
                                 + [Document(f"new-{d.name}", d.text) for d in store.iter_documents(gold[:2])]
                                 ).document_ids
    store.set_eval_set([chained[0]])
    store.close()
    code, _, err = run(capsys, "--db", db, "train", "--kind", "coref", "--out", tmp_path / "c0", "--epochs", 1,
                       "--init", tmp_path / "nowhere")
    assert code == 2 and "nowhere" in err
    code, _, err = run(capsys, "--db", db, "train", "--out", tmp_path / "tagger", "--epochs", 3, "--lr", 0.02,
                       "--syntax", "none", "--activate")
    assert code == 0, err
    code, out, err = run(capsys, "--db", db, "train", "--kind", "coref", "--out", tmp_path / "coref",
                         *coref_options(), "--max-minutes", 3, "--activate")
    assert code == 0, err
    assert "training on 6 documents (1 dev)" in err and "epoch 2: loss" in err   # the chained ones
    code, out, _ = run(capsys, "--db", db, "models", "--json", "--kind", "coref")
    (model,) = json.loads(out)
    assert model["active"] and {"avg_f1", "muc", "bcub", "ceafe"} <= set(model["metrics"]["dev"])
    assert model["training_documents"] == 6 and model["snapshot"]["eval"] == [chained[0]]
    assert {"avg_f1", "muc", "bcub", "ceafe"} <= set(model["metrics"]["eval"])   # scored on the pinned set
    code, out, _ = run(capsys, "--db", db, "models", "--kind", "coref")
    assert f"* {model['version']}" in out

    code, out, err = run(capsys, "--db", db, "predict", "--unlabelled")
    assert code == 0, err
    assert "tagger" in err and "coref" in err and f"pre-annotated {len(raw)} of {len(raw)} documents" in out
    with Store.open(db) as store:
        docs = [store.load_document(i) for i in raw]
        spans = [s for d in docs for s in d.spans if s.status == SUGGESTED]
        chains = [c for d in docs for c in d.chains if c.status == SUGGESTED]
        assert spans and chains
        assert {c.origin for c in chains} == {f"model:{model['version']}"}
        assert all(store.document_meta(i)[PREANNOTATED_BY].endswith("+" + model["version"]) for i in raw)
        # "Score all models" re-scores the coreference model on a newly pinned set, like the taggers
        store.set_eval_set(chained[:2])
        scored = evaluation.run(store, evaluation.EvaluationRequest())
        assert scored.state == "done" and "scored 2 of 2 models on 2 pinned documents" in scored.message
        coref = store.model(model["version"])
        assert coref.metrics["eval_documents"] == 2 and registry.macro_f1(coref, "eval") is not None
        assert set(registry.per_tag_f1(coref, "eval")) == {"CoNLL avg", "MUC", "B³", "CEAF-e"}


TRAIN_DRUGS = ["Кортексин", "Ноотропил", "Глицин", "Афобазол", "Пантогам", "Фенибут", "Мексидол", "Персен"]
UNSEEN_DRUGS = ["Терафлю", "Ингавирин", "Кагоцел"]
ADRS = ["болела голова", "пропал сон", "появилась сыпь"]
# RDRS-like sentences (written for this test): {a} is a drug, {adr} a side effect; "<a>" marks a
# mention of the drug's chain, "<i>" one of the reviewer's ("я", "мне") chain.
SENTENCES = ["Врач назначил <i>мне</i> <a>{a}</a>.", "<a>{a}</a> <i>я</i> пила две недели.",
             "От <a>{a}</a> у <i>меня</i> {adr}.", "Больше <i>я</i> <a>его</a> не куплю.",
             "Подруга советовала <a>{a}</a> от стресса.", "Пить <a>{a}</a> было удобно, по таблетке утром.",
             "Через неделю <a>он</a> помог, спала спокойно.", "В аптеке <a>{a}</a> стоил недорого."]


def annotated_review(i: int) -> Document:
    """An RDRS-like review: drug names and an ADR tagged, one chain for the drug (named again,
    or taken up by a pronoun) and one for the reviewer."""
    a, adr = TRAIN_DRUGS[i % 8], ADRS[i % 3]
    picked = [SENTENCES[(i + k * (1 + i % 3)) % len(SENTENCES)] for k in range(4)]
    text, chains, spans = "", {"a": [], "i": []}, []
    for part in re.split(r"(<[ai]>.*?</[ai]>)", " ".join(picked).format(a=a, adr=adr)):
        tag = re.fullmatch(r"<([ai])>(.*)</[ai]>", part)
        word = tag.group(2) if tag else part
        if tag:
            chains[tag.group(1)].append(Mention([(len(text), len(text) + len(word))]))
            if word == a:
                spans.append(Span({"DrugName"}, [(len(text), len(text) + len(word))]))
        if adr in word:
            at = len(text) + word.index(adr)
            spans.append(Span({"ADR"}, [(at, at + len(adr))]))
        text += word
    return Document(f"annotated-{i}", text, spans=spans, status=DOC_DONE,
                    chains=[Chain(m) for m in chains.values() if len(m) > 1])


@pytest.mark.slow
def test_default_training_on_a_small_project_suggests_chains_and_spans_on_unseen_reviews(tmp_path, capsys):
    """The issue's headless check as a user runs it: a dozen annotated reviews, both models
    trained with the default settings, then ``rdrs predict`` with no ``--model`` on reviews never
    trained on (other drugs, other wording) stores chain suggestions as well as span ones."""
    db = tmp_path / "small.sqlite"
    with Store.open(db) as store:
        store.import_documents([annotated_review(i) for i in range(12)])
        unseen = store.import_documents([
            Document(f"unseen-{k}", f"Купила {c} в аптеке. После {c} у меня {ADRS[k]}, больше {c} не возьму.")
            for k, c in enumerate(UNSEEN_DRUGS)]).document_ids
    for kind in ("tagger", "coref"):
        code, out, err = run(capsys, "--db", db, "train", "--kind", kind, "--out", tmp_path / kind, "--activate")
        assert code == 0, err
    code, out, err = run(capsys, "--db", db, "predict", "--unlabelled")
    assert code == 0 and f"pre-annotated {len(unseen)} of {len(unseen)} documents" in out, err
    with Store.open(db) as store:
        docs = [store.load_document(i) for i in unseen]
    spans = [d.text[s.start:s.end] for d in docs for s in d.spans if s.status == SUGGESTED]
    chains = [[d.text[m.start:m.end] for m in c.mentions] for d in docs for c in d.chains if c.status == SUGGESTED]
    assert set(UNSEEN_DRUGS) & set(spans), spans
    assert any(c.count(drug) >= 2 for c in chains for drug in UNSEEN_DRUGS), chains   # the name said again


@pytest.mark.slow
def test_predict_leaves_done_documents_alone_unless_included(tmp_path, tmp_path_factory, capsys):
    """Issue 16.4 through the CLI: a done review gets no suggestions unless --include-done, and
    a review with human annotations stays "new" while an untouched one becomes pre-annotated."""
    db = tmp_path / "cli.sqlite"
    store, _, raw = loop_store(db, gold=2, raw=4)
    model = registry.add_bundle(store, shared_bundle(tmp_path_factory))
    store.activate_model(model.id)
    done, annotated, untouched = raw[:3]
    store.set_status(done, DOC_DONE)
    text = store.load_document(annotated).text
    store.add_span(annotated, Span({"Note"}, [(0, text.index(" "))], origin=HUMAN, status=ACCEPTED))
    store.close()

    code, out, err = run(capsys, "--db", db, "predict", "--docs", *raw)
    assert code == 0, err
    assert "pre-annotated 3 of 3 documents" in out and "1 marked done or curated were left out" in out
    with Store.open(db) as store:
        pending = {i: [s for s in store.load_document(i).spans if s.status == SUGGESTED] for i in raw}
        states = {r.id: r.status for r in store.list_documents()}
        assert pending[done] == [] and pending[annotated] and pending[untouched]
        assert (states[done], states[annotated], states[untouched]) == (DOC_DONE, DOC_NEW, DOC_PREANNOTATED)

    code, out, err = run(capsys, "--db", db, "predict", "--docs", *raw, "--include-done")
    assert code == 0 and "pre-annotated 1 of 1 documents" in out and "3 already done" in out
    with Store.open(db) as store:
        assert [s for s in store.load_document(done).spans if s.status == SUGGESTED]
        assert store.list_documents(status=DOC_DONE)[0].id == done      # still done: the human said so
