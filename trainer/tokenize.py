"""Words with character offsets: the unit every encoder, feature and tag head works on.

razdel is the tokenizer natasha's models were trained on, so its words are the words the
offline parser knows (``rdrs_gui.core.words`` gives them without razdel's per-atom objects).
Reviews are split into lines first (users separate thoughts with line breaks, not always with
full stops), then into razdel sentences; a sentence longer than ``max_words`` is cut into chunks
so one run-on review cannot make a batch huge.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
from razdel import sentenize

from rdrs_gui.core.words import words

_LINE = re.compile(r"[^\n]+")


@dataclass
class Sentence:
    """A run of words of one document; ``starts``/``ends`` are code-point offsets into its text.

    ``pos``, ``heads`` and ``rels`` are filled by ``trainer.features``: UPOS tags, CoNLL-U style
    heads (1-based index of the head word in this sentence, 0 for the root) and relations.
    """

    words: list[str]
    starts: list[int]
    ends: list[int]
    pos: list[str] | None = None
    heads: list[int] | None = None
    rels: list[str] | None = None
    states: "np.ndarray | None" = None  # parser's contextual vectors, (words, dim), see features

    def __len__(self) -> int:
        return len(self.words)

    @property
    def start(self) -> int:
        return self.starts[0]

    @property
    def end(self) -> int:
        return self.ends[-1]


def sentences(text: str, max_words: int = 100,
              protected: Sequence[tuple[int, int]] = ()) -> list[Sentence]:
    """Split ``text`` into sentences of at most ``max_words`` words.

    ``protected`` character ranges (gold spans, at training time) are never cut: a sentence
    boundary inside one is removed by joining the two sentences, and a long sentence is only
    chunked between protected ranges, so every gold span stays inside one sentence.
    """
    bounds: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        for sent in sentenize(line.group()):
            if sent.text.strip():
                bounds.append((line.start() + sent.start, line.start() + sent.stop))
    bounds = _join_across(bounds, protected)
    out: list[Sentence] = []
    for start, end in bounds:
        toks = [(start + s, start + e, w) for s, e, w in words(text[start:end])]
        if toks:
            out.extend(_chunk(toks, max_words, protected))
    return out


def join(parts: Sequence[Sentence]) -> Sentence:
    """One word sequence from several sentences (a whole document for coreference or
    classification); parses carry over, heads re-based onto the joined sequence."""
    out = Sentence([], [], [])
    parsed = all(p.pos is not None for p in parts) and bool(parts)
    if parsed:
        out.pos, out.heads, out.rels = [], [], []
    for p in parts:
        offset = len(out.words)
        out.words += p.words
        out.starts += p.starts
        out.ends += p.ends
        if parsed:
            out.pos += p.pos
            out.heads += [h + offset if h else 0 for h in p.heads]
            out.rels += p.rels
    if parts and all(p.states is not None for p in parts):
        out.states = np.concatenate([p.states for p in parts], 0)
    return out


def _join_across(bounds: list[tuple[int, int]], protected: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    cuts = sorted(protected)
    if not cuts or not bounds:
        return bounds
    joined = [bounds[0]]
    for start, end in bounds[1:]:
        prev_start, prev_end = joined[-1]
        if any(s < prev_end and e > start for s, e in cuts):
            joined[-1] = (prev_start, end)
        else:
            joined.append((start, end))
    return joined


def _chunk(toks: list[tuple[int, int, str]], max_words: int,
           protected: Sequence[tuple[int, int]]) -> list[Sentence]:
    if max_words < 1:   # from a bundle's config: 0 would never move on
        raise ValueError(f"max_words must be at least 1, not {max_words!r}")
    out = []
    i = 0
    while i < len(toks):
        j = min(i + max_words, len(toks))
        if j < len(toks):
            # Move the cut left until it does not fall inside a protected range.
            k = j
            while k > i + 1 and _inside(toks[k][0], protected):
                k -= 1
            j = k if k > i + 1 else j
        piece = toks[i:j]
        out.append(Sentence([w for _, _, w in piece], [s for s, _, _ in piece], [e for _, e, _ in piece]))
        i = j
    return out


def _inside(offset: int, protected: Sequence[tuple[int, int]]) -> bool:
    return any(s < offset < e for s, e in protected)
