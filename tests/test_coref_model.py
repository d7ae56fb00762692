"""The coreference model: data mapping, a tiny real training run, bundle save/load, the CLI."""
from __future__ import annotations

import json
import random
import shutil

import pytest
import torch

from coref_fixtures import chained_review
from rdrs_gui.core.document import DOC_NEW, Chain, Document, Mention
from trainer import bundle
from trainer.coref.cli import main as coref_main
from trainer.coref.data import load_documents, to_example, units, word_keys
from trainer.coref.model import CorefModel, distance_bucket, match_kinds, saved_config
from trainer.coref.predict import CorefPredictor, crop, prepare
from trainer.coref.score import partition
from trainer.coref.train import train
from trainer.encoders import build_encoder
from trainer.metrics import coref_scores

TINY = {"lstm_hidden": 16, "ffnn_hidden": 24, "pair_dim": 12, "width_dim": 8, "distance_dim": 8,
        "max_span_width": 4, "dropout": 0.0, "lstm_window": 16}
ENCODER = {"kind": "embedded", "syntax": "none"}


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Tiny tensors run fastest on one thread; with two, the threads spin-wait for each other
    and on a busy shared machine each training step takes five times longer."""
    import trainer.device

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(trainer.device, "configure_threads", lambda n=1: torch.set_num_threads(1))
        previous = torch.get_num_threads()
        yield
        torch.set_num_threads(previous)


def review(i: int) -> Document:
    """A short synthetic review with two chains (coref_fixtures.chained_review), named ``r<i>``
    and in no review state: the trainer reads its chains only."""
    doc = chained_review(i, status=DOC_NEW)
    doc.name = f"r{i}"
    return doc


def test_to_example_maps_characters_to_words():
    doc = review(0)
    ex = to_example(doc)
    words = ex.words
    assert [[" ".join(words[s:e + 1]) for s, e in c] for c in ex.clusters] == [["Кортексин", "Кортексин"],
                                                                               ["Афобазол", "он"]]
    assert ex.lost_mentions == 0
    # a mention inside a word grows to the word; one on whitespace only is lost
    doc.chains = [Chain([Mention([(1, 3)]), Mention([(4, 5)])])]
    ex = to_example(doc)
    assert ex.clusters == [[(0, 0)]] and ex.lost_mentions == 1


def test_units_group_whole_sentences():
    ex = to_example(review(1))
    assert [len(u) for u in units(ex, 0)] == [len(s) for s in ex.sentences]
    grouped = units(ex, 10)
    assert sum(len(u) for u in grouped) == len(ex) and all(len(u) <= 10 or u.words == s.words
                                                           for u, s in zip(grouped, ex.sentences))


def test_crop_keeps_gold_spans_inside_the_window():
    docs = [Document("long", " ".join(review(i).text for i in range(6)))]
    text = docs[0].text
    at = [i for i in range(len(text)) if text.startswith("он ", i) and text[i - 1] == " "]
    docs[0].chains = [Chain([Mention([(p, p + 2)]) for p in at])]
    enc = build_encoder(ENCODER, sentences=to_example(docs[0]).sentences)
    [p] = prepare([to_example(docs[0])], enc, {})
    items, sentence_of, gold, keys = crop(p, 20, random.Random(0))
    assert len(sentence_of) <= 20 and sum(int(i["n"]) for i in items) == len(sentence_of) == len(keys)
    assert all(0 <= s <= e < len(sentence_of) for s, e in gold)


def test_string_match_kinds_by_stem_and_width():
    words = ["Купила", "Нурофен", ".", "Нурофена", "хватило", ",", "нурофен", "помог"]
    keys = torch.tensor(word_keys(words))
    assert keys[1] == keys[3] == keys[6] and keys[1] != keys[0]       # case and endings ignored
    starts, ends = torch.tensor([1, 3, 6, 6, 0]), torch.tensor([1, 3, 6, 7, 0])
    kinds = match_kinds(keys, starts, ends)
    assert kinds[0].tolist() == [3, 3, 3, 1, 0]   # same words; then first word only; then none
    assert kinds[4, 0] == 0 and kinds[3, 3] == 3


def test_bundles_saved_before_string_match_load_without_it():
    new = CorefModel(build_encoder(ENCODER, sentences=to_example(review(0)).sentences), TINY)
    assert new.cfg["string_match"] and any(name.startswith("match_") for name in new.state_dict())
    older = {k: v for k, v in new.cfg.items() if k not in ("string_match", "mention_pos_weight")}
    cfg = saved_config(older)
    assert cfg["string_match"] is False and cfg["mention_pos_weight"] == 1.0
    assert not any(name.startswith("match_") for name in CorefModel(new.encoder, cfg).state_dict())


def test_distance_buckets():
    d = torch.tensor([0, 1, 4, 5, 7, 8, 15, 16, 63, 64, 1000])
    assert distance_bucket(d).tolist() == [0, 1, 4, 5, 5, 6, 6, 7, 8, 9, 9]


def test_candidate_spans_stay_inside_sentences_and_width():
    ex = to_example(review(2))
    enc = build_encoder(ENCODER, sentences=ex.sentences)
    model = CorefModel(enc, TINY)
    sentence_of = torch.tensor(ex.sentence_of)
    starts, ends = model.candidate_spans(sentence_of)
    assert ((ends - starts) < TINY["max_span_width"]).all()
    assert (sentence_of[starts] == sentence_of[ends]).all()
    assert len(set(zip(starts.tolist(), ends.tolist()))) == len(starts)


def test_windowed_lstm_covers_every_word_once():
    model = CorefModel(build_encoder(ENCODER, sentences=to_example(review(0)).sentences), TINY).eval()
    words = torch.randn(37, model.encoder.output_dim)
    out = model._lstm(words)
    assert out.shape == (37, 2 * TINY["lstm_hidden"])
    # the first window is an ordinary BiLSTM run over its 16 words
    torch.testing.assert_close(out[:16], model.lstm(words[:16].unsqueeze(0))[0][0])
    torch.testing.assert_close(out[32:], model.lstm(words[21:].unsqueeze(0))[0][0][11:])


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny model trained for real on synthetic reviews (a few seconds on two cores)."""
    out = tmp_path_factory.mktemp("coref") / "bundle"
    docs = [review(i) for i in range(8)]
    events = []
    metrics = train(docs[:6], docs[6:], ENCODER, out, options={**TINY, "epochs": 12, "lr": 1e-2},
                    on_event=events.append)
    return out, docs, metrics, events


@pytest.mark.slow
def test_training_learns_the_synthetic_chains(trained):
    out, docs, metrics, events = trained
    epochs = [e for e in events if e["event"] == "epoch"]
    assert epochs[-1]["loss"] < epochs[0]["loss"] / 2
    assert metrics["dev"]["avg_f1"] > 0.6
    assert (out / bundle.LOG).exists() and (out / bundle.METRICS).exists()


@pytest.mark.slow
def test_saved_bundle_predicts_what_the_trained_model_scored(trained):
    out, docs, metrics, _ = trained
    predictor = CorefPredictor(out, device="cpu")
    gold = docs[6:]
    keys = [partition(d) for d in gold]
    predicted = predictor.predict([Document(d.name, d.text) for d in gold])
    scores = coref_scores(zip(keys, (partition(d) for d in predicted)))
    assert scores["avg_f1"] == pytest.approx(metrics["dev"]["avg_f1"])
    chain = predicted[0].chains[0]
    assert chain.status == "suggested" and chain.origin == "model:bundle" and 0 <= chain.score <= 1
    # loading twice gives the very same chains
    again = CorefPredictor(out, device="cpu").predict([Document(d.name, d.text) for d in gold])
    assert [sorted(c.key() for c in d.chains) for d in again] == [sorted(c.key() for c in d.chains)
                                                                 for d in predicted]


@pytest.mark.slow
def test_bundle_errors_are_clear(trained, tmp_path):
    out, *_ = trained
    with pytest.raises(bundle.BundleError, match="no such model directory"):
        CorefPredictor(tmp_path / "missing")
    wrong = tmp_path / "wrong"
    shutil.copytree(out, wrong)
    config = json.loads((wrong / bundle.CONFIG).read_text(encoding="utf-8"))
    (wrong / bundle.CONFIG).write_text(json.dumps({**config, "kind": "tagger"}), encoding="utf-8")
    with pytest.raises(bundle.BundleError, match="not a 'coref' model"):
        CorefPredictor(wrong)
    broken = tmp_path / "broken"
    shutil.copytree(out, broken)
    (broken / bundle.WEIGHTS).write_bytes(b"not safetensors")
    with pytest.raises(bundle.BundleError, match="corrupt"):
        CorefPredictor(broken)


def _write_rucoco(folder, docs):
    folder.mkdir()
    for d in docs:
        entities = [[[m.start, m.end] for m in c.mentions] for c in d.chains]
        (folder / f"{d.name}.json").write_text(json.dumps({"entities": entities, "includes": [[]] * len(entities),
                                                           "text": d.text}, ensure_ascii=False), encoding="utf-8")


@pytest.mark.slow
def test_cli_train_eval_predict(tmp_path, capsys):
    _write_rucoco(tmp_path / "train", [review(i) for i in range(5)])
    _write_rucoco(tmp_path / "gold", [review(i) for i in range(5, 7)])
    model = tmp_path / "model"
    options = [f"--option={k}={json.dumps(v)}" for k, v in TINY.items()]
    code = coref_main(["train", "--train", str(tmp_path / "train"), "--format", "rucoco", "--encoder",
                       json.dumps(ENCODER), "--out", str(model), "--epochs", "2", "--max-minutes", "1", *options])
    assert code == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert lines[-1]["event"] == "done" and any(e["event"] == "epoch" for e in lines)

    assert coref_main(["eval", "--model", str(model), "--gold", str(tmp_path / "gold"), "--format", "rucoco",
                       "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert set(scores) >= {"muc", "bcub", "ceafe", "avg_f1", "docs_per_second"} and len(scores["muc"]) == 3

    out = tmp_path / "pred.jsonl"
    assert coref_main(["predict", "--model", str(model), "--in", str(tmp_path / "gold"), "--format", "rucoco",
                       "--out", str(out)]) == 0
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["name"] if "name" in r else r["id"] for r in rows] == ["r5", "r6"]

    assert coref_main(["eval", "--model", str(tmp_path / "nope"), "--gold", str(tmp_path / "gold"),
                       "--format", "rucoco"]) == 1
    assert "no such model directory" in capsys.readouterr().err


@pytest.mark.slow
def test_cli_learns_human_chains_of_app_snapshots_and_fine_tunes(tmp_path, capsys):
    """What ``rdrs train --kind coref`` runs: JSONL snapshots (format detected), --dev, progress
    events as the tagger's, metrics.json with the CoNLL scores; then --init fine-tunes that bundle."""
    from rdrs_gui.core import formats
    from rdrs_gui.core.document import REJECTED, SUGGESTED

    docs = [review(i) for i in range(8)]
    for d in docs[:6]:  # a model's suggestion and a rejected one: neither is taught
        d.chains.append(Chain([Mention([(0, 4)]), Mention([(5, 12)])], origin="model:x", status=SUGGESTED))
        d.chains.append(Chain([Mention([(0, 4)]), Mention([(13, 17)])], origin="model:x", status=REJECTED))
    formats.get("jsonl").write(docs[:6], tmp_path / "train.jsonl")
    formats.get("jsonl").write(docs[6:], tmp_path / "dev.jsonl")
    options = [f"--option={k}={json.dumps(v)}" for k, v in TINY.items()]
    base = tmp_path / "base"
    args = ["train", "--train", str(tmp_path / "train.jsonl"), "--dev", str(tmp_path / "dev.jsonl"),
            "--encoder", json.dumps(ENCODER), "--seed", "13", "--device", "cpu", "--lr", "0.01"]
    assert coref_main([*args, "--out", str(base), "--epochs", "3", *options]) == 0
    events = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [e["event"] for e in events[:2]] == ["start", "featurized"] and events[-1]["event"] == "done"
    assert events[1]["chains"] == 12 and events[1]["mentions"] == 24  # two human chains per review
    epochs = [e for e in events if e["event"] == "epoch"]
    assert [e["epoch"] for e in epochs] == [1, 2, 3]
    assert all({"loss", "dev_f1", "dev_muc", "dev_bcub", "dev_ceafe", "best", "seconds"} <= set(e) for e in epochs)
    metrics = json.loads((base / bundle.METRICS).read_text(encoding="utf-8"))
    assert metrics["kind"] == "coref" and metrics["select"] == "avg_f1" and metrics["best_epoch"] >= 1
    assert metrics["dev_f1"] == metrics["dev"]["avg_f1"]
    assert round(metrics["dev_f1"], 5) == max(e["dev_f1"] for e in epochs) == events[-1]["dev_f1"]
    assert all(len(metrics["dev"][k]) == 3 for k in ("muc", "bcub", "ceafe"))
    assert [json.loads(x) for x in (base / bundle.LOG).read_text(encoding="utf-8").splitlines()] == events

    tuned = tmp_path / "tuned"
    assert coref_main([*args, "--out", str(tuned), "--epochs", "1", "--init", str(base)]) == 0
    events = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert events[0]["init"] == str(base) and events[-1]["model"] == str(tuned)
    config = json.loads((tuned / bundle.CONFIG).read_text(encoding="utf-8"))
    assert config["init"] == str(base)
    assert config["model"] == json.loads((base / bundle.CONFIG).read_text(encoding="utf-8"))["model"]
    CorefPredictor(tuned, device="cpu").predict([Document("x", docs[7].text)])

    for d in docs:
        d.chains = [c for c in d.chains if c.status != "gold"]
    formats.get("jsonl").write(docs, tmp_path / "none.jsonl")
    assert coref_main(["train", "--train", str(tmp_path / "none.jsonl"), "--out", str(tmp_path / "x")]) == 1
    assert "no coreference chains" in capsys.readouterr().err


def test_rdrs_context_chains_are_not_training_chains(rdrs_json):
    docs = load_documents(rdrs_json, "rdrs-json")
    assert docs and all(c.label != "Context" for d in docs for c in d.chains)
    assert sum(len(d.chains) for d in docs) > 100


@pytest.mark.slow
def test_serve_answers_chains(trained):
    import io

    from trainer.serve import load_predictor, run as serve_run

    out, docs, *_ = trained
    predictor = load_predictor(str(out), device="cpu")
    assert predictor.info()["kind"] == "coref"
    requests = io.StringIO(json.dumps({"id": 1, "op": "predict", "documents": [
        {"name": "x", "text": docs[7].text}]}) + "\n" + json.dumps({"id": 2, "op": "shutdown"}) + "\n")
    answers = io.StringIO()
    serve_run(predictor, requests, answers)
    first, second = [json.loads(x) for x in answers.getvalue().splitlines()]
    assert first["id"] == 1 and first["documents"][0]["name"] == "x"
    chains = first["documents"][0]["chains"]
    assert chains and all(len(m) == 1 and len(m[0]) == 2 for c in chains for m in c["mentions"])
    assert second == {"id": 2, "ok": True}


@pytest.mark.slow
def test_transformer_encoder_reads_segments_and_round_trips(tmp_path):
    from tagger_fixtures import tiny_transformer

    docs = [Document(f"long{i}", " ".join(review(i + k).text for k in range(3)),
                     chains=[c for k in range(3) for c in _shifted(review(i + k), i, k)]) for i in range(3)]
    model_dir = tiny_transformer(tmp_path / "bert", [d.text for d in docs])
    encoder = {"kind": "transformer", "model": str(model_dir), "window": 24, "overlap": 6}
    out = tmp_path / "bundle"
    metrics = train(docs[:2], docs[2:], encoder, out, options={**TINY, "lstm_hidden": 0, "proj_dim": 16,
                                                              "segment_words": 20, "epochs": 1})
    predicted = CorefPredictor(out, device="cpu").predict([Document(d.name, d.text) for d in docs[2:]])
    scores = coref_scores(zip([partition(d) for d in docs[2:]], [partition(d) for d in predicted]))
    assert scores["avg_f1"] == pytest.approx(metrics["dev"]["avg_f1"])
    config = json.loads((out / bundle.CONFIG).read_text(encoding="utf-8"))
    assert config["encoder"]["kind"] == "transformer" and (out / "transformer").is_dir()
    ex = to_example(docs[0])
    assert len(units(ex, 20)) < len(ex.sentences)  # several sentences per segment


def _shifted(doc: Document, i: int, k: int) -> list[Chain]:
    """``doc``'s chains moved to where the k-th review starts in the joined long document."""
    offset = sum(len(review(i + j).text) + 1 for j in range(k))
    return [Chain([Mention([(s + offset, e + offset) for s, e in m.fragments]) for m in c.mentions])
            for c in doc.chains]
