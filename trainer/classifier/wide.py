"""The "wide" half of a wide & deep classifier: hashed word 1–2-grams and char 2–5-grams of a
unit, one trainable weight per hash bucket, summed into a logit.

On a few thousand tweets a linear model over n-grams (the TF-IDF peer) is as good as the
BiLSTM, and the two err on different texts: the n-grams remember exact spellings, slang and
symptom stems; the network reads word order, negation and who is affected. The model averages
the two probabilities. Features are hashed into a fixed number of buckets (crc32, stable across
processes), so the bundle needs no vocabulary file — only one weight vector.
"""
from __future__ import annotations

import zlib
from collections import Counter

import numpy as np
import torch
from torch import nn

CHAR_SIZES = (2, 3, 4, 5)


def _bucket(gram: str, buckets: int) -> int:
    return zlib.crc32(gram.encode("utf-8")) % buckets


def _block(grams: list[str], prefix: str, buckets: int) -> tuple[list[int], list[float]]:
    """Bucket ids and weights of one feature family: sublinear counts (1 + log tf), L2-normalised
    so that a long text and a short one weigh alike, and words and chars weigh alike."""
    counts = Counter(grams)
    if not counts:
        return [], []
    values = np.array([1.0 + np.log(c) for c in counts.values()])
    values /= np.linalg.norm(values)
    return [_bucket(prefix + g, buckets) for g in counts], values.tolist()


def ngram_features(words: list[str], buckets: int) -> tuple[np.ndarray, np.ndarray]:
    """(bucket ids, weights) of a unit's lower-cased word 1–2-grams and of the char 2–5-grams of
    each word padded with spaces (as scikit-learn's ``char_wb``)."""
    low = [w.lower() for w in words]
    word_grams = low + [f"{a} {b}" for a, b in zip(low, low[1:])]
    char_grams = [p[i:i + n] for w in low for p in (f" {w} ",) for n in CHAR_SIZES for i in range(len(p) - n + 1)]
    ids_w, val_w = _block(word_grams, "w\x00", buckets)
    ids_c, val_c = _block(char_grams, "c\x00", buckets)
    return np.array(ids_w + ids_c, dtype=np.int64), np.array(val_w + val_c, dtype=np.float32)


def collate_ngrams(items: list[dict]) -> dict[str, torch.Tensor]:
    """Flat ids/weights of a batch with the offset where each unit's features start."""
    lengths = [len(it["wide_ids"]) for it in items]
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    return {"wide_ids": torch.from_numpy(np.concatenate([it["wide_ids"] for it in items])),
            "wide_w": torch.from_numpy(np.concatenate([it["wide_w"] for it in items])),
            "wide_offsets": torch.from_numpy(offsets)}


class WideNgrams(nn.Module):
    """Linear logit over hashed n-gram buckets; starts at zero so the deep part sets the pace."""

    def __init__(self, buckets: int) -> None:
        super().__init__()
        self.buckets = int(buckets)
        self.bag = nn.EmbeddingBag(self.buckets, 1, mode="sum")
        nn.init.zeros_(self.bag.weight)

    def forward(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        """One logit per unit: (B,)."""
        return self.bag(inputs["wide_ids"], inputs["wide_offsets"],
                        per_sample_weights=inputs["wide_w"].float()).squeeze(-1)

    def penalty(self) -> torch.Tensor:
        """Squared L2 norm of the weights: the hashed space has far more buckets than texts, so
        without it the wide part memorises the rare n-grams of the training texts."""
        return self.bag.weight.pow(2).sum()
