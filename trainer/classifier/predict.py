"""Scoring texts with a trained classifier bundle, and the P/R/F1 of the ADR class.

A text's probability is the highest of its units' (a tweet has one unit; a long review several),
its label is ``probability >= threshold`` with the threshold tuned on dev at training time and
stored in the bundle, and its top sentence is the sentence with the highest in-context score.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rdrs_gui.core.document import Document

from .. import bundle
from ..device import Device
from ..encoders import build_encoder
from ..predictor import Predictor, run_batched
from ..vocab import Vocabulary
from .data import Example, Unit, annotate_units, make_units
from .model import LEMMAS_FILE, LEMMAS_KEY, ADRClassifier

KIND = "classifier"


# ----- metrics of the ADR class -----

def binary_prf(probs: np.ndarray, labels: np.ndarray, threshold: float) -> dict:
    """Precision, recall and F1 of class 1 when ``prob >= threshold`` means ADR."""
    pred = np.asarray(probs) >= threshold
    gold = np.asarray(labels).astype(bool)
    tp = int((pred & gold).sum())
    fp = int((pred & ~gold).sum())
    fn = int((~pred & gold).sum())
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return {"p": p, "r": r, "f1": f1, "threshold": float(threshold), "tp": tp, "fp": fp, "fn": fn}


def best_threshold(probs: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """The threshold with the best F1 of class 1, and that F1.

    Only cuts between distinct scores are considered, and the threshold is placed halfway
    between the last score taken and the next one, not on a dev score itself.
    """
    probs = np.asarray(probs, dtype=np.float64)
    labels = np.asarray(labels).astype(bool)
    n_pos = int(labels.sum())
    if not len(probs) or not n_pos:
        return 0.5, 0.0
    order = np.argsort(-probs, kind="stable")
    p_sorted, l_sorted = probs[order], labels[order]
    tp = np.cumsum(l_sorted)
    k = np.arange(1, len(probs) + 1)
    f1 = 2 * tp / (k + n_pos)
    last_of_value = np.append(p_sorted[1:] < p_sorted[:-1], True)  # cut only where the score changes
    f1 = np.where(last_of_value, f1, -1.0)
    i = int(f1.argmax())
    below = p_sorted[i + 1] if i + 1 < len(p_sorted) else 0.0
    return float((p_sorted[i] + below) / 2), float(f1[i])


def average_precision(probs: np.ndarray, labels: np.ndarray) -> float:
    """Area under the precision-recall curve (step-wise, as scikit-learn computes it): a
    threshold-free figure to choose checkpoints by."""
    probs = np.asarray(probs, dtype=np.float64)
    labels = np.asarray(labels).astype(bool)
    n_pos = int(labels.sum())
    if not n_pos:
        return 0.0
    order = np.argsort(-probs, kind="stable")
    p_sorted, l_sorted = probs[order], labels[order]
    distinct = np.append(np.nonzero(p_sorted[1:] < p_sorted[:-1])[0], len(probs) - 1)
    tp = np.cumsum(l_sorted)[distinct]
    precision = tp / (distinct + 1)
    recall = tp / n_pos
    return float(np.sum(np.diff(np.concatenate([[0.0], recall])) * precision))


# ----- running the model -----

def run_model(model: ADRClassifier, device: Device, items: list[dict],
              batch_tokens: int = 6000) -> list[tuple[float, np.ndarray]]:
    """(unit logit, sentence logits) per featurized unit, in input order."""
    def step(idx: list[int]) -> list[tuple[float, np.ndarray]]:
        chunk = [items[i] for i in idx]
        batch = model.collate(chunk).to(device.torch_device)
        units, sents = model.score(batch, max(int(it["n_sentences"]) for it in chunk))
        units, sents = units.float().cpu().numpy(), sents.float().cpu().numpy()
        return [(float(units[row]), sents[row, :int(it["n_sentences"])]) for row, it in enumerate(chunk)]

    return run_batched(model, device, items, step, batch_tokens)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


@dataclass
class TextScore:
    """The classifier's answer for one text. ``top_sentence``: start, end, text, prob."""

    prob: float
    label: int
    top_sentence: dict | None
    words: int = 0


def text_scores(texts: list[str], units: list[Unit], outputs: list[tuple[float, np.ndarray]],
                threshold: float, evidence: list | None = None) -> list[TextScore]:
    """Fold unit outputs back into one score per text; a text without words scores 0.
    ``evidence`` (per text, ``[start, end)`` or None): where the top sentence may come from —
    the review body, not a section header such as "TEXT" that the score happens to peak on."""
    best: list[float] = [0.0] * len(texts)
    words = [0] * len(texts)
    top: list[tuple[float, int, int] | None] = [None] * len(texts)
    for unit, (logit, sents) in zip(units, outputs):
        i = unit.text_index
        best[i] = max(best[i], _sigmoid(logit))
        words[i] += len(unit.sentence)
        region = _region(evidence[i] if evidence is not None and i < len(evidence) else None)
        for (a, b), s_logit in zip(unit.bounds, sents):
            start, end = unit.sentence.starts[a], unit.sentence.ends[b - 1]
            if region is not None and not region[0] <= start < end <= region[1]:
                continue
            if top[i] is None or s_logit > top[i][0]:
                top[i] = (float(s_logit), start, end)
    out = []
    for text, prob, t, n in zip(texts, best, top, words):
        sentence = None if t is None else {"start": t[1], "end": t[2], "text": text[t[1]:t[2]],
                                           "prob": round(_sigmoid(t[0]), 4)}
        out.append(TextScore(prob, int(prob >= threshold), sentence, n))
    return out


def _region(value: object) -> tuple[int, int] | None:
    """A ``[start, end)`` pair of ints, or None for anything else."""
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return int(value[0]), int(value[1])
    return None


class ClassifierPredictor(Predictor):
    """A loaded classifier bundle. ``predict_texts`` has no side effects."""

    kind = KIND

    def __init__(self, directory: str | Path, device: str = "auto", threshold: float | None = None) -> None:
        self._threshold = threshold
        super().__init__(directory, device)
        if not 0.0 <= self.threshold <= 1.0:
            raise bundle.BundleError(f"{self.directory}: decision threshold {self.threshold} is not between 0 and 1")

    def build(self, config: dict) -> ADRClassifier:
        self.syntax = dict(config["syntax"])
        self.threshold = float(config["threshold"] if self._threshold is None else self._threshold)
        # Bundles from before the wide n-gram part have no "wide" key: they load without it.
        head = {"wide": False, **config["head"]}
        encoders = [build_encoder(config["encoder"], directory=self.directory) for _ in range(int(head["members"]))]
        lemmas = Vocabulary.load(self.directory / LEMMAS_FILE, LEMMAS_KEY) if head.get("lemma_dim") else None
        return ADRClassifier(encoders, head, lemmas)

    def info(self) -> dict:
        return {**super().info(), "threshold": self.threshold}

    def predict_texts(self, texts: list[str], evidence: list | None = None) -> list[TextScore]:
        units = make_units(texts, int(self.model.cfg["max_words"]))
        annotate_units(units, self.syntax)
        outputs = run_model(self.model, self.device, self.model.featurize(units))
        return text_scores(texts, units, outputs, self.threshold, evidence)

    def predict(self, documents: list[Document]) -> list[Document]:
        """Copies of ``documents`` whose meta holds ``adr_prob``, ``adr`` and ``top_sentence``."""
        scores = self.predict_texts([d.text for d in documents])
        return [Document(d.name, d.text, {**d.meta, "adr_prob": round(s.prob, 6), "adr": bool(s.label),
                                          "top_sentence": s.top_sentence})
                for d, s in zip(documents, scores)]

    def serve(self, documents: list[dict]) -> dict:
        """The ``predict`` answer of ``python -m trainer serve``: per document ``adr_prob``,
        ``adr`` (the thresholded decision), ``top_sentence`` and ``tokens`` (words read). A
        document's optional ``evidence`` ``[start, end)`` bounds where ``top_sentence`` may lie."""
        scores = self.predict_texts([str(d.get("text", "")) for d in documents],
                                    [d.get("evidence") for d in documents])
        return {"documents": [{"name": d.get("name", ""), "adr_prob": round(s.prob, 6), "adr": bool(s.label),
                               "top_sentence": s.top_sentence, "tokens": s.words}
                              for d, s in zip(documents, scores)]}

    def evaluate(self, gold: list[Example]) -> dict:
        """P/R/F1 of the ADR class at the bundle's threshold, average precision, speed."""
        if any(e.label is None for e in gold):
            raise ValueError("every gold text needs a label")
        start = time.perf_counter()
        scores = self.predict_texts([e.text for e in gold])
        seconds = time.perf_counter() - start
        probs = np.array([s.prob for s in scores])
        labels = np.array([e.label for e in gold])
        report = binary_prf(probs, labels, self.threshold)
        report.update({"ap": average_precision(probs, labels), "texts": len(gold), "positives": int(labels.sum()),
                       "seconds": round(seconds, 3),
                       "texts_per_s": round(len(gold) / seconds, 1) if seconds > 0 else None})
        return report
