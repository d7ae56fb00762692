"""ADR classifier: data files, threshold tuning, a tiny real training run, bundle round trip,
the stored threshold, refusal of corrupt bundles, and the CLI."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from rdrs_gui.core.errors import FormatError
from trainer import bundle
from trainer.classifier import cli
from trainer.classifier.data import Example, make_units, read_examples
from trainer.classifier.predict import ClassifierPredictor, average_precision, best_threshold, binary_prf
from trainer.classifier.train import split_dev, train

ADR = [
    "После ибупрофена у меня страшно разболелся живот.",
    "От этих таблеток тошнит весь день, голова кружится.",
    "Пью амоксициллин третий день, появилась сыпь на руках.",
    "Начала принимать флуоксетин и перестала спать по ночам.",
    "После укола диклофенака нога онемела до колена.",
    "Эналаприл вызвал у меня сухой кашель, пришлось отменить.",
    "С утра выпила нурофен, теперь жуткая изжога.",
    "От капель для носа сердце колотится и давление скачет.",
]
NO_ADR = [
    "Купила парацетамол в аптеке возле дома, недорого.",
    "Врач назначил омепразол на две недели перед едой.",
    "Кто знает, где в Казани есть инсулин по рецепту?",
    "Сальбутамол всегда лежит в сумке, на всякий случай.",
    "Завтра иду к терапевту за направлением на анализы.",
    "Аспирин кардио снова подорожал, цены растут.",
    "Прочитала статью про новые антибиотики, интересно.",
    "Мама попросила купить валерьянку и витамины.",
    "В аптеке не было но-шпы, взяла дротаверин.",
    "Погода отличная, гуляли с собакой в парке.",
]
TINY_HEAD = {"hidden": 16, "mlp": 16, "pair_dim": 8, "pair_rel_dim": 4, "wide_buckets": 4096}
TINY_OPTIONS = {"epochs": 3, "patience": 3, "batch_size": 8, "device": "cpu", "seed": 3}


def write_tsv(path: Path, texts: list[str], labels: list[int | None], header: bool = True) -> Path:
    lines = ["tweet_id\ttweet\tlabel"] if header else []
    for i, (text, label) in enumerate(zip(texts, labels)):
        lines.append(f"{1000 + i}\t{text}" + ("" if label is None else f"\t{label}"))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def examples() -> list[Example]:
    return ([Example(f"a{i}", t, 1) for i, t in enumerate(ADR)]
            + [Example(f"n{i}", t, 0) for i, t in enumerate(NO_ADR)])


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[Path, list[Example], dict]:
    """One tiny real training run, shared by the tests that need a bundle."""
    root = tmp_path_factory.mktemp("classifier")
    tr, dev = split_dev(examples(), 0.3, seed=1)
    summary = train(tr, dev, root / "model", head=TINY_HEAD, options=TINY_OPTIONS)
    return root / "model", dev, summary


# ----- data -----

def test_tsv_with_header_tabs_in_text_and_bad_label(tmp_path: Path) -> None:
    path = write_tsv(tmp_path / "t.tsv", ["Болит голова\tпосле таблетки", "Купил мазь"], [1, 0])
    got = read_examples(path)
    assert [(e.id, e.text, e.label) for e in got] == [("1000", "Болит голова\tпосле таблетки", 1),
                                                      ("1001", "Купил мазь", 0)]
    bad = write_tsv(tmp_path / "bad.tsv", ["Купил мазь", "Болит голова"], [0, 7])
    with pytest.raises(FormatError, match=r"bad\.tsv:3: label '7' is not 0 or 1"):
        read_examples(bad)
    # Prediction input may come without labels.
    unlabelled = write_tsv(tmp_path / "u.tsv", ["Купил мазь"], [None], header=False)
    assert read_examples(unlabelled, require_labels=False)[0].label is None
    with pytest.raises(FormatError, match="not 0 or 1|label"):
        read_examples(unlabelled)


def test_jsonl_labels_top_level_or_in_meta(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"id": "r1", "text": "Сыпь от таблеток", "label": 1}, ensure_ascii=False) + "\n"
                    + json.dumps({"id": "r2", "text": "Купил мазь", "meta": {"label": "0"}}, ensure_ascii=False)
                    + "\n", encoding="utf-8")
    assert [(e.id, e.label) for e in read_examples(path)] == [("r1", 1), ("r2", 0)]
    path.write_text('{"id": "r3", "text": "нет метки"}\n{"text": \n', encoding="utf-8")
    with pytest.raises(FormatError, match=r"d\.jsonl:1: no 'label'"):
        read_examples(path)
    with pytest.raises(FormatError, match=r"d\.jsonl:2: not valid JSON"):
        read_examples(path, require_labels=False)


def test_long_texts_become_several_units_of_whole_sentences() -> None:
    text = " ".join(["Первое предложение про таблетки."] * 10)
    units = make_units([text, "", "Одно."], max_words=12)
    assert {u.text_index for u in units} == {0, 2}  # an empty text gets no unit
    long = [u for u in units if u.text_index == 0]
    assert len(long) == 5 and all(len(u.sentence) <= 12 for u in long)
    for u in long:
        for a, b in u.bounds:
            assert text[u.sentence.starts[a]:u.sentence.ends[b - 1]] == "Первое предложение про таблетки."


# ----- metrics -----

def test_threshold_tuning_and_average_precision() -> None:
    probs = np.array([0.9, 0.8, 0.7, 0.6, 0.3, 0.2])
    labels = np.array([1, 0, 1, 1, 0, 0])
    threshold, f1 = best_threshold(probs, labels)
    assert threshold == pytest.approx(0.45)  # halfway between the last score taken and the next
    assert f1 == pytest.approx(2 * 3 / (4 + 3))
    assert binary_prf(probs, labels, threshold)["f1"] == pytest.approx(f1)
    # AP = mean precision at each positive: (1/1 + 2/3 + 3/4) / 3
    assert average_precision(probs, labels) == pytest.approx((1 + 2 / 3 + 3 / 4) / 3)
    # Tied scores are never split by the threshold.
    t, _ = best_threshold(np.array([0.5, 0.5, 0.1]), np.array([1, 0, 0]))
    assert t == pytest.approx(0.3)


# ----- training and bundles -----

@pytest.mark.slow
def test_tiny_training_run_writes_a_complete_bundle(trained) -> None:
    model_dir, dev, summary = trained
    assert summary["best_epoch"] >= 1 and summary["dev_texts"] == len(dev)
    config = bundle.read_config(model_dir, kind="classifier")
    assert 0.0 < config["threshold"] < 1.0
    assert config["threshold"] == summary["threshold"]
    assert config["syntax"]["backend"] in ("natasha", "stanza")
    for name in ("weights.safetensors", "schema.json", "metrics.json", "train_log.jsonl", "chars.json"):
        assert (model_dir / name).exists(), name
    events = [json.loads(line)["event"] for line in (model_dir / "train_log.jsonl").read_text().splitlines()]
    assert events[0] == "start" and events[-1] == "done" and "epoch" in events


@pytest.mark.slow
def test_loaded_bundle_reproduces_training_probabilities(trained, tmp_path: Path) -> None:
    model_dir, dev, summary = trained
    predictor = ClassifierPredictor(model_dir, device="cpu")
    report = predictor.evaluate(dev)
    # The dev figures measured in memory during training, from the reloaded bundle.
    for key in ("p", "r", "f1", "threshold", "ap"):
        assert report[key] == pytest.approx(summary["dev"][key], abs=1e-9), key
    copy = tmp_path / "copy"
    shutil.copytree(model_dir, copy)
    texts = [e.text for e in dev] + ["Пустое? Нет.\nВторая строка: после таблеток болит голова."]
    again = ClassifierPredictor(copy, device="cpu").predict_texts(texts)
    first = predictor.predict_texts(texts)
    assert [s.prob for s in again] == [s.prob for s in first]
    # Batching does not change a text's probability.
    assert predictor.predict_texts(texts[:1])[0].prob == pytest.approx(first[0].prob, abs=1e-6)


@pytest.mark.slow
def test_stored_threshold_is_honoured(trained, tmp_path: Path) -> None:
    model_dir, dev, _ = trained
    texts = [e.text for e in dev]
    stored = ClassifierPredictor(model_dir, device="cpu")
    scores = stored.predict_texts(texts)
    assert [s.label for s in scores] == [int(s.prob >= stored.threshold) for s in scores]
    # Editing the bundle's threshold changes the decisions (and only them).
    moved = tmp_path / "moved"
    shutil.copytree(model_dir, moved)
    config = json.loads((moved / "config.json").read_text(encoding="utf-8"))
    config["threshold"] = 0.0
    (moved / "config.json").write_text(json.dumps(config), encoding="utf-8")
    everything = ClassifierPredictor(moved, device="cpu").predict_texts(texts)
    assert all(s.label == 1 for s in everything)
    assert [s.prob for s in everything] == [s.prob for s in scores]
    middle = sorted(s.prob for s in scores)[len(scores) // 2]
    override = ClassifierPredictor(model_dir, device="cpu", threshold=middle).predict_texts(texts)
    assert [s.label for s in override] == [int(s.prob >= middle) for s in scores]


@pytest.mark.slow
def test_top_sentence_is_a_sentence_of_the_text(trained) -> None:
    model_dir, _, _ = trained
    text = "Купила таблетки в аптеке. После них сильно болит живот и тошнит.\nБольше не куплю."
    predictor = ClassifierPredictor(model_dir, device="cpu")
    answer = predictor.serve([{"name": "7", "text": text}, {"name": "8", "text": "  "}])["documents"]
    top = answer[0]["top_sentence"]
    assert text[top["start"]:top["end"]] == top["text"]
    assert top["text"] in ("Купила таблетки в аптеке.", "После них сильно болит живот и тошнит.", "Больше не куплю.")
    assert 0.0 <= answer[0]["adr_prob"] <= 1.0 and 0.0 <= top["prob"] <= 1.0
    # A text without words gets probability 0 and no sentence, not an error.
    assert answer[1] == {"name": "8", "adr_prob": 0.0, "adr": False, "top_sentence": None, "tokens": 0}
    assert answer[0]["tokens"] == 17


@pytest.mark.slow
def test_corrupt_or_foreign_bundles_are_refused(trained, tmp_path: Path) -> None:
    model_dir, _, _ = trained
    weights = tmp_path / "weights"
    shutil.copytree(model_dir, weights)
    data = bytearray((weights / "weights.safetensors").read_bytes())
    data[-10] ^= 0xFF
    (weights / "weights.safetensors").write_bytes(bytes(data))
    with pytest.raises(bundle.BundleError, match="corrupt"):
        ClassifierPredictor(weights, device="cpu")

    config = tmp_path / "config"
    shutil.copytree(model_dir, config)
    (config / "config.json").write_text('{"format": "rdrs-gui-model", ', encoding="utf-8")
    with pytest.raises(bundle.BundleError, match="corrupt config"):
        ClassifierPredictor(config, device="cpu")

    tagger = tmp_path / "tagger"
    shutil.copytree(model_dir, tagger)
    cfg = json.loads((tagger / "config.json").read_text(encoding="utf-8"))
    (tagger / "config.json").write_text(json.dumps({**cfg, "kind": "tagger"}), encoding="utf-8")
    with pytest.raises(bundle.BundleError, match="not a 'classifier' model"):
        ClassifierPredictor(tagger, device="cpu")

    shape = tmp_path / "shape"
    shutil.copytree(model_dir, shape)
    cfg = json.loads((shape / "config.json").read_text(encoding="utf-8"))
    cfg["head"]["hidden"] = 32  # weights no longer fit the described model
    (shape / "config.json").write_text(json.dumps(cfg), encoding="utf-8")
    with pytest.raises(bundle.BundleError, match="shape"):
        ClassifierPredictor(shape, device="cpu")

    with pytest.raises(bundle.BundleError, match="between 0 and 1"):
        ClassifierPredictor(model_dir, device="cpu", threshold=1.5)


@pytest.mark.slow
def test_serve_answers_adr_prob_and_top_sentence(trained) -> None:
    from trainer import serve

    model_dir, _, _ = trained
    predictor = serve.load_predictor(str(model_dir), device="cpu")
    assert predictor.info()["kind"] == "classifier"
    text = "Пью таблетки от давления. От них кружится голова."
    answer, done = serve.handle(predictor, {"id": 4, "op": "predict", "documents": [{"name": "12", "text": text}]})
    assert not done and answer["id"] == 4
    doc = answer["documents"][0]
    assert doc["name"] == "12" and 0.0 <= doc["adr_prob"] <= 1.0
    assert doc["adr_prob"] == pytest.approx(predictor.predict_texts([text])[0].prob, abs=1e-6)
    assert text[doc["top_sentence"]["start"]:doc["top_sentence"]["end"]] == doc["top_sentence"]["text"]


@pytest.mark.slow
def test_ablations_leave_their_parts_out_of_the_bundle(tmp_path: Path) -> None:
    from safetensors.torch import load_file

    tr, dev = split_dev(examples(), 0.3, seed=1)
    head = {**TINY_HEAD, "members": 1, "char_cnn": False, "dep_pairs": False, "syntax_features": False,
            "wide": False}
    train(tr, dev, tmp_path / "m", head=head, options={**TINY_OPTIONS, "epochs": 1}, progress=lambda e: None)
    names = set(load_file(str(tmp_path / "m" / "weights.safetensors")))
    assert not any("char_cnn" in n or "pairs" in n or ".features." in n or n.startswith("wide.") for n in names)
    assert any("lemma_emb" in n for n in names) and any("lstm" in n for n in names)
    assert bundle.read_config(tmp_path / "m")["encoder"]["syntax"] == {"backend": "none"}
    texts = [e.text for e in dev]
    a = ClassifierPredictor(tmp_path / "m", device="cpu").predict_texts(texts)
    b = ClassifierPredictor(tmp_path / "m", device="cpu").predict_texts(texts)
    assert [s.prob for s in a] == [s.prob for s in b]
    # A bundle written before the wide part existed has no "wide" key: it loads without one.
    config = json.loads((tmp_path / "m" / "config.json").read_text(encoding="utf-8"))
    del config["head"]["wide"]
    (tmp_path / "m" / "config.json").write_text(json.dumps(config), encoding="utf-8")
    old = ClassifierPredictor(tmp_path / "m", device="cpu")
    assert old.model.wide is None and [s.prob for s in old.predict_texts(texts)] == [s.prob for s in a]


def test_wide_ngram_features_are_stable_hashed_and_normalised() -> None:
    from trainer.classifier.wide import ngram_features

    ids, weights = ngram_features(["Тошнит", "от", "таблеток", "тошнит"], 1024)
    again, _ = ngram_features(["тошнит", "от", "таблеток", "тошнит"], 1024)
    assert ids.tolist() == again.tolist()  # lower-cased; crc32 does not change between processes
    assert ids.min() >= 0 and ids.max() < 1024 and len(ids) == len(weights)
    # words: 3 distinct unigrams + 3 bigrams; chars come after, and each family has unit norm
    n_words = 6
    assert np.linalg.norm(weights[:n_words]) == pytest.approx(1.0, abs=1e-5)
    assert np.linalg.norm(weights[n_words:]) == pytest.approx(1.0, abs=1e-5)
    assert weights[0] > weights[1]  # "тошнит" twice: sublinear tf weighs it more
    assert ngram_features([], 1024)[0].size == 0


@pytest.mark.slow
def test_full_bundle_holds_the_wide_weights(trained) -> None:
    from safetensors.torch import load_file

    path, _, _ = trained
    tensors = load_file(str(path / "weights.safetensors"))
    assert tuple(tensors["wide.bag.weight"].shape) == (TINY_HEAD["wide_buckets"], 1)
    assert float(tensors["wide.bag.weight"].abs().sum()) > 0  # trained, not left at zero


@pytest.mark.slow
def test_hugging_face_encoder_with_char_cnn(tmp_path: Path) -> None:
    from tagger_fixtures import tiny_transformer

    hf = tiny_transformer(tmp_path / "bert", ADR + NO_ADR)
    tr, dev = split_dev(examples(), 0.3, seed=1)
    summary = train(tr, dev, tmp_path / "m", encoder=str(hf), head=TINY_HEAD,
                    options={**TINY_OPTIONS, "epochs": 1}, progress=lambda e: None)
    config = bundle.read_config(tmp_path / "m")
    assert config["encoder"]["kind"] == "transformer" and config["encoder"]["char_cnn"] is True
    assert config["head"]["members"] == 1  # an ensemble of transformers is opt-in
    assert (tmp_path / "m" / "transformer" / "tokenizer.json").exists()
    report = ClassifierPredictor(tmp_path / "m", device="cpu").evaluate(dev)
    assert report["ap"] == pytest.approx(summary["dev"]["ap"], abs=1e-9)


# ----- command line -----

@pytest.mark.slow
def test_cli_eval_predict_and_errors(trained, tmp_path: Path, capsys) -> None:
    model_dir, dev, summary = trained
    gold = write_tsv(tmp_path / "gold.tsv", [e.text for e in dev], [e.label for e in dev])
    assert cli.main(["eval", "--model", str(model_dir), "--gold", str(gold), "--json", "--device", "cpu"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"p", "r", "f1", "threshold"} <= set(report)
    assert report["threshold"] == pytest.approx(summary["threshold"])
    assert report["f1"] == pytest.approx(summary["dev"]["f1"])

    out = tmp_path / "pred.jsonl"
    assert cli.main(["predict", "--model", str(model_dir), "--input", str(gold), "--output", str(out),
                     "--device", "cpu"]) == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == [f"{1000 + i}" for i in range(len(dev))]
    assert all(r["adr"] == (r["adr_prob"] >= summary["threshold"]) for r in rows)

    assert cli.main(["eval", "--model", str(tmp_path / "missing"), "--gold", str(gold)]) == 1
    assert "no such model directory" in capsys.readouterr().err
    one_class = write_tsv(tmp_path / "one.tsv", NO_ADR, [0] * len(NO_ADR))
    assert cli.main(["train", "--train", str(one_class), "--out", str(tmp_path / "m"), "--epochs", "1"]) == 1
    assert "both ADR (1) and non-ADR (0)" in capsys.readouterr().err


@pytest.mark.slow
def test_registered_classifier_lists_its_adr_f1(trained, tmp_path: Path, capsys) -> None:
    from rdrs_gui import cli as app_cli

    model_dir, _, summary = trained
    db = tmp_path / "models.sqlite"
    assert app_cli.main(["--db", str(db), "models", "--add", str(model_dir)]) == 0
    capsys.readouterr()
    assert app_cli.main(["--db", str(db), "models", "--kind", "classifier"]) == 0
    header, row = capsys.readouterr().out.splitlines()
    version, kind, docs, dev_f1 = row.split()[:4]
    assert kind == "classifier" and version.startswith("classifier-")
    assert float(dev_f1) == pytest.approx(summary["dev"]["f1"], abs=5e-4)
    assert header.index("kind") == row.index(" classifier ") + 1  # the version does not run into the kind
