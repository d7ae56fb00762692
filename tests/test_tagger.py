"""The multi-tag tagger: BIO columns per tag, overlapping spans, training, save/load."""
from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
import torch

from rdrs_gui.core.document import Document, Span, SUGGESTED
from rdrs_gui.core.schema import bundled
from tagger_fixtures import make_documents, tiny_transformer
from trainer import bundle
from trainer.device import epoch_batches, length_batches
from trainer.tagger.data import B, I, O, bio_labels, decode_spans, document_sentences, spans_from_predictions
from trainer.layers import Packing
from trainer.tagger.model import MultiCRF, _log_marginals, _scaled_marginals, viterbi
from trainer.tagger.predict import TaggerPredictor, run_model
from trainer.engine import Patience
from trainer.tagger.train import Progress, StopFlag, train
from trainer.tokenize import Sentence, sentences

SCHEMA = bundled("rdrs")
TAGS = ["ADR", "DrugName", "DrugBrand"]


def _doc() -> Document:
    text = "Началась аллергия на Нурофен детский, больше не куплю."
    drug = (text.index("Нурофен"), text.index("Нурофен") + len("Нурофен детский"))
    adr = (text.index("аллергия"), drug[1])
    return Document("d", text, spans=[Span({"DrugName", "DrugBrand"}, [drug]), Span({"ADR"}, [adr])])


def test_overlapping_and_stacked_spans_get_their_own_bio_columns():
    doc = _doc()
    sent = document_sentences(doc, protect_gold=True)[0]
    labels = bio_labels(sent, doc, TAGS, SCHEMA)
    col = {t: labels[:, k].tolist() for k, t in enumerate(TAGS)}
    # Началась аллергия на Нурофен детский , больше не куплю .
    assert col["ADR"] == [O, B, I, I, I, O, O, O, O, O]
    assert col["DrugName"] == [O, O, O, B, I, O, O, O, O, O]
    assert col["DrugBrand"] == col["DrugName"]


def test_decoding_gives_overlapping_character_spans_and_merges_stacked_tags():
    doc = _doc()
    sent = document_sentences(doc, protect_gold=True)[0]
    labels = bio_labels(sent, doc, TAGS, SCHEMA)
    probs = np.full(labels.shape, 0.9)
    found = decode_spans(sent, labels, probs, TAGS)
    spans = spans_from_predictions(found, "model:test")
    keys = {(tuple(sorted(s.labels)), tuple(s.fragments)) for s in spans}
    assert keys == {(tuple(sorted(s.labels)), tuple(s.fragments)) for s in doc.spans}
    assert all(s.status == SUGGESTED and s.origin == "model:test" and s.score == 0.9 for s in spans)


def test_an_i_after_o_opens_a_chunk_as_in_conlleval():
    sent = sentences("у меня болела голова")[0]
    labels = np.array([[O], [I], [I], [O]])
    found = decode_spans(sent, labels, np.ones((4, 1)), ["ADR"])
    assert [(t, s, e) for t, s, e, _ in found] == [("ADR", 2, 13)]


def test_chunks_are_read_as_conlleval_reads_them_word_by_word():
    """Spans come from whole label columns at once; a plain word-by-word reading is the reference."""
    def word_by_word(sentence, labels, probs, tags):
        out, n = [], len(sentence)
        for k, tag in enumerate(tags):
            i = 0
            while i < n:
                if labels[i, k] == O:
                    i += 1
                    continue
                j = i + 1
                while j < n and labels[j, k] == I:
                    j += 1
                out.append((tag, sentence.starts[i], sentence.ends[j - 1], float(probs[i:j, k].mean())))
                i = j
        return out

    rng = np.random.default_rng(0)
    for n in list(range(8)) * 60:
        sent = Sentence([f"w{i}" for i in range(n)], list(range(0, 3 * n, 3)), list(range(2, 3 * n, 3)))
        labels = rng.integers(0, 3, (n, 2))
        probs = rng.random((n, 2))
        assert decode_spans(sent, labels, probs, ["ADR", "Drug"]) == word_by_word(sent, labels, probs, ["ADR", "Drug"])


@torch.no_grad()
def test_crf_marginals_and_viterbi_agree_with_brute_force():
    torch.manual_seed(0)
    crf = MultiCRF(2)
    with torch.no_grad():
        crf.trans.normal_()
        crf.start.normal_()
        crf.end.normal_()
    em = torch.randn(1, 4, 2, 3)
    mask = torch.tensor([[True, True, True, False]])
    packing = Packing(mask.sum(1))
    trans, start, end = crf.constrained()
    import itertools
    for k in range(2):
        scores = {}
        for path in itertools.product(range(3), repeat=3):
            s = start[k, path[0]] + em[0, 0, k, path[0]] + end[k, path[-1]]
            for t in range(1, 3):
                s = s + trans[k, path[t - 1], path[t]] + em[0, t, k, path[t]]
            scores[path] = s
        best = max(scores, key=lambda p: scores[p])
        assert viterbi(packing.pack(em), packing, trans, start, end)[:, k].tolist() == list(best)
        z = torch.logsumexp(torch.stack(list(scores.values())), 0)
        marg = crf.marginals(packing.pack(em), packing)[:, k]
        for t in range(3):
            for y in range(3):
                p = sum(torch.exp(v - z) for path, v in scores.items() if path[t] == y)
                assert abs(float(marg[t, y]) - float(p)) < 1e-5
        labels = torch.tensor([[list(best) + [0]]]).permute(0, 2, 1).expand(1, 4, 2).contiguous()
        nll = crf.nll(em, labels, mask)[0, k]
        assert abs(float(nll) - float(z - scores[best])) < 1e-4


def _padded_viterbi(em, mask, trans, start, end):
    """Per-sentence Viterbi, one sentence at a time with plain loops: the reference."""
    out = torch.zeros(em.shape[:3], dtype=torch.long)
    for b in range(em.shape[0]):
        n = int(mask[b].sum())
        for k in range(em.shape[2]):
            delta = start[k] + em[b, 0, k]
            back = []
            for t in range(1, n):
                cand = delta.unsqueeze(-1) + trans[k]
                best, arg = cand.max(0)
                delta = best + em[b, t, k]
                back.append(arg)
            cur = int((delta + end[k]).argmax())
            for t in range(n - 1, -1, -1):
                out[b, t, k] = cur
                if t:
                    cur = int(back[t - 1][cur])
    return out


@torch.no_grad()
def test_packed_viterbi_and_marginals_equal_one_sentence_at_a_time_with_padding():
    torch.manual_seed(1)
    crf = MultiCRF(3)
    for p in crf.parameters():
        p.normal_()
    lengths = torch.tensor([5, 1, 7, 3, 7, 0, 2])
    mask = torch.arange(7).unsqueeze(0) < lengths.unsqueeze(1)
    em = torch.randn(7, 7, 3, 3) * 3
    packing = Packing(lengths)
    assert packing.sizes == [6, 5, 4, 3, 3, 2, 2] and len(packing.flat) == int(lengths.sum())
    assert torch.equal(packing.reverse[packing.reverse], torch.arange(int(lengths.sum())))
    trans, start, end = crf.constrained()
    labels = packing.unpack(viterbi(packing.pack(em), packing, trans, start, end), mask.shape)
    assert torch.equal(labels, _padded_viterbi(em, mask, trans, start, end))
    marg = packing.unpack(crf.marginals(packing.pack(em), packing), mask.shape)
    for b in range(7):  # each sentence alone, as a batch of one with no padding
        n = int(lengths[b])
        if n:
            alone = Packing([n])
            assert torch.allclose(marg[b, :n], crf.marginals(alone.pack(em[b:b + 1, :n]), alone), atol=1e-6)
    assert torch.allclose(marg[mask].sum(-1), torch.ones(int(lengths.sum()), 3))
    # Rescaled probabilities equal log space, and scores beyond float range fall back to it.
    assert torch.allclose(crf.marginals(packing.pack(em), packing),
                          _log_marginals(packing.pack(em), packing, trans, start, end), atol=1e-5)
    extreme = packing.pack(em) * 1e4
    assert not torch.isfinite(_scaled_marginals(extreme, packing, trans, start, end)).all()
    far = crf.marginals(extreme, packing)
    assert torch.isfinite(far).all() and torch.allclose(far, _log_marginals(extreme, packing, trans, start, end))


@torch.no_grad()
def test_packed_bilstm_equals_the_padded_one():
    from trainer.layers import BiLSTM, packed_bilstm

    torch.manual_seed(2)
    lstm = BiLSTM(6, 5, 2, 0.5).eval()
    lengths = torch.tensor([4, 9, 1, 9, 6])
    mask = torch.arange(9).unsqueeze(0) < lengths.unsqueeze(1)
    x = torch.randn(5, 9, 6)
    packing = Packing(lengths)
    padded = lstm(x, mask)
    packed = packed_bilstm(lstm, packing.pack(x), packing)
    assert torch.allclose(packing.unpack(packed, mask.shape)[mask], padded[mask], atol=1e-5)
    # Flat: the same words written sentence after sentence.
    flat = x[mask]
    assert torch.allclose(packed_bilstm(lstm, flat[packing.flat], packing), packed, atol=1e-6)


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[Path, list[Document], Progress]:
    out = tmp_path_factory.mktemp("tagger") / "model"
    docs = make_documents(16)
    progress = Progress(out / bundle.LOG, echo=False)
    train(docs[:12], docs[12:], SCHEMA, out, head={"hidden": 32}, options={"epochs": 12, "lr": 0.02}, progress=progress)
    return out, docs, progress


@pytest.mark.slow
def test_training_writes_a_complete_bundle_and_json_progress(trained):
    out, docs, progress = trained
    for name in ("config.json", "schema.json", "weights.safetensors", "chars.json", "metrics.json", "train_log.jsonl"):
        assert (out / name).exists(), name
    events = [json.loads(line) for line in (out / "train_log.jsonl").read_text(encoding="utf-8").splitlines()]
    assert events == progress.events
    epochs = [e for e in events if e["event"] == "epoch"]
    assert epochs and all({"epoch", "loss", "dev_f1"} <= set(e) for e in epochs)
    assert events[-1]["event"] == "done"
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["best_epoch"] == max(epochs, key=lambda e: e["dev_f1"])["epoch"]
    assert metrics["dev"]["micro"]["f1"] > 0.5  # the synthetic reviews are easy
    assert not any(p.suffix in (".pt", ".pkl", ".bin") for p in out.rglob("*"))


@pytest.mark.slow
def test_saved_model_predicts_exactly_what_the_trained_one_did(trained):
    out, docs, _ = trained
    first = TaggerPredictor(out, device="cpu")
    second = TaggerPredictor(out, device="cpu")
    a = first.predict(docs[12:])
    b = second.predict(docs[12:])
    assert [[s.key() + (s.score,) for s in d.spans] for d in a] == [[s.key() + (s.score,) for s in d.spans] for d in b]
    assert any(d.spans for d in a)
    assert all(s.origin == f"model:{first.version}" and s.status == SUGGESTED for d in a for s in d.spans)
    # Predictions do not depend on which sentences share a batch.
    sents = [s for d in docs[12:] for s in document_sentences(d, protect_gold=False)]
    items = first.model.encoder.featurize(sents)
    together = run_model(first.model, first.device, items)
    alone = [run_model(first.model, first.device, [it])[0] for it in items]
    for (la, pa), (lb, pb) in zip(together, alone):
        assert np.array_equal(la, lb)
        assert np.allclose(pa, pb, atol=1e-5)


@pytest.mark.slow
def test_overlapping_tags_come_out_of_a_trained_model(trained):
    out, docs, _ = trained
    predictor = TaggerPredictor(out, device="cpu")
    text = "Началась аллергия на Арбидол, больше не куплю."
    spans = predictor.predict_texts([text])[0]
    by_text = {s.covered_text(text): s.labels for s in spans}
    assert {"DrugName", "DrugBrand"} <= by_text.get("Арбидол", set())
    assert "ADR" in by_text.get("аллергия на Арбидол", set())


@pytest.mark.slow
def test_document_doubt_is_the_least_confident_word_decision(trained):
    out, docs, _ = trained
    predictor = TaggerPredictor(out, device="cpu")
    texts = [docs[12].text, "Арбидол.", ""]
    spans, doubts = predictor.tag_texts(texts)
    assert spans == predictor.predict_texts(texts)
    sents = document_sentences(docs[12], protect_gold=False)
    outputs = run_model(predictor.model, predictor.device, predictor.model.encoder.featurize(sents))
    assert doubts[0] == pytest.approx(max(float(1 - probs.min()) for _, probs in outputs))
    assert 0.0 < doubts[0] < 1.0 and 0.0 <= doubts[1] < 1.0 and doubts[2] == 0.0
    answer = predictor.serve([{"name": "a", "text": texts[0]}])["documents"][0]
    assert answer["uncertainty"] == pytest.approx(doubts[0], abs=1e-4)


@pytest.mark.slow
def test_flat_runs_predict_what_padded_batches_and_one_sentence_at_a_time_do(trained, monkeypatch):
    """On a CPU the tagger runs many sentences as one row of words (no padding): its labels
    must be those of a right-padded batch and of each sentence alone (float32 throughout)."""
    from trainer.tagger import model as model_module

    monkeypatch.setattr(model_module, "cpu_bf16", lambda: False)
    out, docs, _ = trained
    predictor = TaggerPredictor(out, device="cpu")
    model = predictor.model
    sents = [s for d in docs[10:] for s in document_sentences(d, protect_gold=False)]
    items = model.encoder.featurize(sents)
    flat = run_model(model, predictor.device, items)
    assert predictor.model.encoder.collate(items, flat=True).mask.shape == (1, sum(len(s) for s in sents))
    padded_labels, padded_probs = model.decode(model.encoder.collate(items))
    for row, (item, (labels, probs)) in enumerate(zip(items, flat)):
        n = int(item["n"])
        assert labels.shape == (n, len(predictor.tags))
        assert np.array_equal(labels, padded_labels[row, :n].numpy())
        assert np.allclose(probs, padded_probs[row, :n].numpy(), atol=1e-5)
        alone_labels, alone_probs = run_model(model, predictor.device, [item])[0]
        assert np.array_equal(labels, alone_labels) and np.allclose(probs, alone_probs, atol=1e-5)
    texts = [d.text for d in docs[10:]]
    assert [[s.key() for s in x] for x in predictor.predict_texts(texts)] == [
        [s.key() for s in predictor.predict_texts([t])[0]] for t in texts]


@pytest.mark.slow
def test_bfloat16_input_products_decide_as_float32_does(trained, monkeypatch):
    """On CPUs with native bf16 the BiLSTM's input products multiply bf16 copies: a small change
    in the numbers, almost none in the decisions."""
    from trainer.tagger import model as model_module

    out, docs, _ = trained
    predictor = TaggerPredictor(out, device="cpu")
    sents = [s for d in docs for s in document_sentences(d, protect_gold=False)]
    items = predictor.model.encoder.featurize(sents)
    runs = {}
    for bf16 in (False, True):
        monkeypatch.setattr(model_module, "cpu_bf16", lambda bf16=bf16: bf16)
        runs[bf16] = run_model(predictor.model, predictor.device, items)
    labels = {k: np.concatenate([lab for lab, _ in v]) for k, v in runs.items()}
    probs = {k: np.concatenate([p for _, p in v]) for k, v in runs.items()}
    assert (labels[True] == labels[False]).mean() > 0.98
    assert np.abs(probs[True] - probs[False]).max() < 0.2 and not np.array_equal(probs[True], probs[False])


def test_bfloat16_use_follows_the_cpu_and_can_be_switched_off(monkeypatch):
    from trainer import device

    device.cpu_bf16.cache_clear()
    monkeypatch.setenv("RDRS_CPU_BF16", "0")
    assert device.cpu_bf16() is False
    device.cpu_bf16.cache_clear()
    monkeypatch.delenv("RDRS_CPU_BF16")
    flags = Path("/proc/cpuinfo").read_text().split() if Path("/proc/cpuinfo").exists() else []
    assert device.cpu_bf16() == ("avx512_bf16" in flags or "amx_bf16" in flags)
    device.cpu_bf16.cache_clear()


@pytest.mark.slow
def test_stop_flag_ends_training_cleanly_and_keeps_the_best_checkpoint(tmp_path: Path):
    docs = make_documents(10)
    stop = StopFlag()
    events = []

    def progress(event):
        events.append(event)
        if event["event"] == "epoch":
            stop.stop = True  # what SIGTERM does

    summary = train(docs[:8], docs[8:], SCHEMA, tmp_path / "m", head={"hidden": 16},
                    options={"epochs": 50}, progress=progress, stop=stop)
    assert summary["stopped"] == "cancelled" and summary["best_epoch"] == 1
    assert events[-1] == {**events[-1], "event": "done", "stopped": "cancelled"}
    TaggerPredictor(tmp_path / "m", device="cpu")  # the checkpoint loads


def test_small_training_sets_get_enough_steps_per_epoch():
    rng = random.Random(0)
    small = list(range(18))                       # a handful of reviews: one batch of 64 would hold them all
    batches = epoch_batches(small, lambda i: 12, 3000, 64, rng, min_steps=24)
    assert len(batches) >= 24 and max(map(len, batches)) <= 4
    passes = [sorted(i for b in batches[k:k + 5] for i in b) for k in range(0, 20, 5)]
    assert all(p == small for p in passes)        # whole shuffled passes, every item once in each
    large = list(range(5000))                     # a real corpus: batches as before
    assert len(epoch_batches(large, lambda i: 12, 3000, 64, rng, min_steps=24)) == len(
        list(length_batches(large, lambda i: 12, 3000, 64, shuffle=True, rng=rng)))
    assert epoch_batches([], lambda i: 1, 3000, 64, rng, min_steps=24) == []


@pytest.mark.slow
def test_a_first_model_from_five_reviews_learns_them(tmp_path: Path):
    # The app's first retrain on the demo project has ~5 done reviews: with one batch per epoch the
    # model stopped while still guessing; with default settings it must at least learn what it saw.
    docs = make_documents(6, seed=3)
    out = tmp_path / "model"
    train(docs[:5], docs[5:], SCHEMA, out, options={"epochs": 6}, progress=Progress(None, echo=False))
    predicted = TaggerPredictor(out, device="cpu").predict(docs[:5])
    gold = {(d.name, s.start, s.end, label) for d in docs[:5] for s in d.spans for label in s.labels}
    found = {(d.name, s.start, s.end, label) for d in predicted for s in d.spans for label in s.labels}
    assert len(gold & found) / len(gold) > 0.8


def test_patience_waits_for_the_first_find_on_dev():
    """Epochs that find nothing on dev (tiny data, early epochs) are not a plateau to stop on, and
    until dev finds something the latest of them is the checkpoint to keep."""
    patience = Patience(2)
    assert [patience.update(f1) for f1 in (0.0, 0.0, 0.0, 0.0)] == [True, True, True, True]
    assert not patience.exhausted
    assert [patience.update(f1) for f1 in (0.3, 0.2)] == [True, False] and not patience.exhausted
    patience.update(0.3)                                  # a tie is no improvement
    assert patience.exhausted
    by_loss = Patience(1)                                 # no dev set: the negative loss, from the start
    by_loss.update(-2.0, scored=False)
    by_loss.update(-2.5, scored=False)
    assert by_loss.exhausted


@pytest.mark.slow
def test_transformer_tagger_trains_and_reloads(tmp_path: Path):
    docs = make_documents(10)
    model_dir = tiny_transformer(tmp_path / "bert", [d.text for d in docs])
    summary = train(docs[:8], docs[8:], SCHEMA, tmp_path / "m",
                    encoder={"kind": "transformer", "model": str(model_dir), "window": 12, "overlap": 4},
                    head={"hidden": 16, "crf": False}, options={"epochs": 2}, progress=Progress(None, echo=False))
    assert summary["epochs_run"] == 2
    assert (tmp_path / "m" / "transformer" / "tokenizer.json").exists()
    a = TaggerPredictor(tmp_path / "m", device="cpu").predict_texts([docs[9].text])
    b = TaggerPredictor(tmp_path / "m", device="cpu").predict_texts([docs[9].text])
    assert [[s.key() + (s.score,) for s in x] for x in a] == [[s.key() + (s.score,) for s in x] for x in b]


@pytest.mark.slow
def test_same_seed_same_model(tmp_path: Path):
    docs = make_documents(6)
    for name in ("a", "b"):
        train(docs[:4], docs[4:], SCHEMA, tmp_path / name, head={"hidden": 8}, options={"epochs": 2, "seed": 5},
              progress=Progress(None, echo=False))
    weights = [json.loads((tmp_path / n / "config.json").read_text(encoding="utf-8"))["weights_sha256"] for n in "ab"]
    assert weights[0] == weights[1]


def test_a_sentence_length_below_one_word_is_refused_not_looped_on():
    """``max_words`` comes from a bundle's config: 0 made the splitter add empty sentences forever."""
    for bad in (0, -3):
        with pytest.raises(ValueError, match="max_words must be at least 1"):
            sentences("Болела голова после таблеток.", max_words=bad)
