"""The tagger's evaluation path (decoded BIO columns -> character spans -> trainer.metrics) gives
seqeval's figures (conlleval semantics) on the same BIO input, tag by tag, micro and macro."""
from __future__ import annotations

import random

import numpy as np
import pytest
from seqeval.metrics import classification_report

from rdrs_gui.core.document import Document, Span
from rdrs_gui.core.schema import bundled
from trainer.tagger.data import decode_spans, spans_from_predictions
from trainer.tagger.predict import score
from trainer.tokenize import sentences

TAGS = ["ADR", "DrugName", "DrugForm"]
WORDS = ("после трех дней приема таблеток Нурофен у меня сильно болела голова и появилась сыпь на руках "
         "а капли Називин помогли быстро").split()


def _random_columns(rng: random.Random, n: int) -> np.ndarray:
    # Ill-formed sequences (I after O) on purpose: conlleval starts a chunk there.
    return np.array([[rng.choice([0, 0, 0, 1, 2]) for _ in TAGS] for _ in range(n)])


def _bio(col: np.ndarray, tag: str) -> list[str]:
    return [("O", f"B-{tag}", f"I-{tag}")[v] for v in col]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_span_scores_equal_seqeval_on_the_same_bio_columns(seed: int):
    rng = random.Random(seed)
    gold_docs, predicted, gold_seqs, pred_seqs = [], [], [], []
    for d in range(6):
        text = " ".join(rng.sample(WORDS, k=rng.randint(5, len(WORDS))))
        sent = sentences(text)[0]
        gold, pred = _random_columns(rng, len(sent)), _random_columns(rng, len(sent))
        ones = np.ones(gold.shape)
        gold_spans = spans_from_predictions(decode_spans(sent, gold, ones, TAGS), "human")
        gold_docs.append(Document(f"d{d}", text, spans=[Span(s.labels, s.fragments) for s in gold_spans]))
        predicted.append(spans_from_predictions(decode_spans(sent, pred, ones, TAGS), "model:x"))
        for k, tag in enumerate(TAGS):  # one sequence per tag column: tags overlap freely
            gold_seqs.append(_bio(gold[:, k], tag))
            pred_seqs.append(_bio(pred[:, k], tag))
    ours = score(gold_docs, predicted, TAGS, bundled("rdrs"))
    theirs = classification_report(gold_seqs, pred_seqs, output_dict=True, zero_division=0)
    for tag in TAGS:
        for ours_key, their_key in (("p", "precision"), ("r", "recall"), ("f1", "f1-score")):
            assert ours["per_tag"][tag][ours_key] == pytest.approx(theirs[tag][their_key])
        assert ours["per_tag"][tag]["support"] == theirs[tag]["support"]
    assert ours["micro"]["f1"] == pytest.approx(theirs["micro avg"]["f1-score"])
    assert ours["micro"]["p"] == pytest.approx(theirs["micro avg"]["precision"])
    assert ours["macro_f1"] == pytest.approx(theirs["macro avg"]["f1-score"])
    assert ours["partial"]["micro"]["f1"] >= ours["micro"]["f1"]
