"""Documents <-> per-tag BIO labels over words, and decoded labels -> character spans.

Every tag has its own B/I/O column, so a word can be inside an ADR and a DrugName at once, and
spans of different tags overlap freely (RDRS paper, model B). A discontinuous gold span is
labelled fragment by fragment; two spans of the *same* tag that overlap cannot both be written
in one BIO column — the later one is skipped and counted in ``LabelStats.conflicts``.
"""
from __future__ import annotations

import bisect
import random
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from rdrs_gui.core.document import Document, Span, SUGGESTED
from rdrs_gui.core.schema import SCHEMA_DIR, Schema

from ..tokenize import Sentence, sentences as split_sentences

O, B, I = 0, 1, 2
MAX_WORDS = 100


@dataclass
class LabelStats:
    """What happened while turning gold spans into BIO columns (shown in the training log)."""

    spans: Counter = field(default_factory=Counter)  # per tag, fragments labelled
    conflicts: int = 0  # same-tag overlaps that BIO cannot hold
    unknown: Counter = field(default_factory=Counter)  # labels outside the model's tag set


def guess_schema(labels: set[str]) -> Schema:
    """The bundled schema that names every label (fewest extra tags wins), else one made from the labels."""
    best: Schema | None = None
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        schema = Schema.load(path)
        if all(schema.canonical(lab) for lab in labels):
            if best is None or len(schema.tags) < len(best.tags):
                best = schema
    return best if best is not None else Schema.from_labels("corpus", labels)


def tags_in(documents: list[Document], schema: Schema) -> list[str]:
    """Schema tags that occur in ``documents``, in schema order: what a model can learn from them."""
    seen = {schema.canonical(lab) for d in documents for s in d.spans for lab in s.labels}
    return [t for t in schema.tag_names if t in seen]


def document_sentences(doc: Document, protect_gold: bool, max_words: int = MAX_WORDS) -> list[Sentence]:
    """Sentences of a document; at training time gold spans are kept inside one sentence."""
    protected = [f for s in doc.spans for f in s.fragments] if protect_gold else ()
    return split_sentences(doc.text, max_words=max_words, protected=protected)


def bio_labels(sentence: Sentence, doc: Document, tags: list[str], schema: Schema,
               stats: LabelStats | None = None) -> np.ndarray:
    """(words, tags) array of O/B/I for the gold spans of ``doc`` that fall in ``sentence``."""
    index = {t: k for k, t in enumerate(tags)}
    out = np.zeros((len(sentence), len(tags)), dtype=np.int64)
    lo, hi = sentence.start, sentence.end
    spans = sorted((s for s in doc.spans if s.start < hi and s.end > lo), key=lambda s: (s.start, -s.end))
    for span in spans:
        for label in sorted(span.labels):
            tag = schema.canonical(label)
            k = index.get(tag) if tag else None
            if k is None:
                if stats is not None:
                    stats.unknown[label] += 1
                continue
            for start, end in span.fragments:
                first = bisect.bisect_right(sentence.ends, start)
                last = bisect.bisect_left(sentence.starts, end) - 1
                if first > last or first >= len(sentence):
                    continue
                if out[first:last + 1, k].any():
                    if stats is not None:
                        stats.conflicts += 1
                    continue
                out[first, k] = B
                out[first + 1:last + 1, k] = I
                if stats is not None:
                    stats.spans[tags[k]] += 1
    return out


def decode_spans(sentence: Sentence, labels: np.ndarray, probs: np.ndarray, tags: list[str]) -> list[tuple[str, int, int, float]]:
    """``(tag, start, end, score)`` character spans from a (words, tags) O/B/I array.

    Chunks follow conlleval: a chunk starts at B or at an I after O. The score is the mean
    probability the model gave the chosen label on the span's words.
    """
    out = []
    n = len(sentence)
    for k in np.flatnonzero(labels[:n].any(0)).tolist():  # all-O columns (most) have no chunk
        tag, col = tags[k], labels[:n, k]
        # A chunk starts at a B, or at an I after O (or first); it runs while I follows.
        after_o = np.concatenate([[True], col[:-1] == O])
        firsts = np.flatnonzero((col == B) | ((col == I) & after_o))
        breaks = np.flatnonzero(col != I)
        for i in firsts.tolist():
            nxt = np.searchsorted(breaks, i, side="right")
            j = int(breaks[nxt]) if nxt < len(breaks) else n
            out.append((tag, sentence.starts[i], sentence.ends[j - 1], float(probs[i:j, k].mean())))
    return out


def spans_from_predictions(found: list[tuple[str, int, int, float]], origin: str) -> list[Span]:
    """One suggested span per place; tags predicted on the very same characters share it."""
    by_place: dict[tuple[int, int], list[tuple[str, float]]] = {}
    for tag, start, end, score in found:
        by_place.setdefault((start, end), []).append((tag, score))
    out = []
    for (start, end), hits in sorted(by_place.items()):
        score = min(s for _, s in hits)
        out.append(Span({t for t, _ in hits}, [(start, end)], origin=origin, status=SUGGESTED,
                        score=round(score, 4)))
    return out


def split_documents(documents: list[Document], fraction: float, seed: int) -> tuple[list[Document], list[Document]]:
    """Hold out ``fraction`` of the documents (whole reviews, never sentences), reproducibly."""
    order = list(range(len(documents)))
    random.Random(seed).shuffle(order)
    n_out = max(1, round(len(documents) * fraction)) if len(documents) > 1 else 0
    held = set(order[:n_out])
    return ([d for i, d in enumerate(documents) if i not in held],
            [d for i, d in enumerate(documents) if i in held])


def gold_keys(doc: Document, tags: list[str], schema: Schema) -> set[tuple[str, tuple]]:
    """``(tag, fragments)`` of a gold document, labels mapped to the schema, limited to ``tags``."""
    wanted = set(tags)
    out = set()
    for span in doc.spans:
        for label in span.labels:
            tag = schema.canonical(label)
            if tag in wanted:
                out.add((tag, tuple(span.fragments)))
    return out


def span_keys(spans: list[Span]) -> set[tuple[str, tuple]]:
    return {(label, tuple(s.fragments)) for s in spans for label in s.labels}
