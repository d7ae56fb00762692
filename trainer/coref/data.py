"""Coreference training data: documents from RuCoCo JSON, RDRS JSON or CoNLL-2012 turned into
words with offsets and gold clusters of word spans, and predicted word spans turned back into
``Chain``s.

RuCoCo's ``includes`` (split antecedents: "Том" and "Сид" inside "они") are left out on
purpose: the parent ("они") is its own chain in ``entities`` and stays one; the model learns
ordinary chains only, never merges a parent with its children, and does not predict the links
(the format reader keeps them in ``meta["includes"]``). RDRS "Context" chains (every mention of
one review context, a different relation) are dropped; its "Coreference" chains are kept. So
are a model's suggested chains and rejected ones: only human chains (gold, accepted) are learnt
from and scored against.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace
from pathlib import Path

from rdrs_gui.core import formats
from rdrs_gui.core.document import HUMAN_STATUSES, Chain, Document, Mention, model_origin, SUGGESTED

from trainer.tokenize import Sentence, sentences

FORMATS = ("rucoco", "rdrs-json", "conll2012")  # the formats with coreference chains
CONTEXT_LABEL = "Context"

WordSpan = tuple[int, int]  # first and last word, inclusive


@dataclass
class CorefExample:
    """One document as the model sees it: words (with offsets) in sentences, gold clusters."""

    name: str
    text: str
    sentences: list[Sentence]
    clusters: list[list[WordSpan]] = field(default_factory=list)
    lost_mentions: int = 0  # gold mentions with no word in them (whitespace, markup)

    @property
    def words(self) -> list[str]:
        return [w for s in self.sentences for w in s.words]

    @property
    def starts(self) -> list[int]:
        return [x for s in self.sentences for x in s.starts]

    @property
    def ends(self) -> list[int]:
        return [x for s in self.sentences for x in s.ends]

    @property
    def sentence_of(self) -> list[int]:
        return [i for i, s in enumerate(self.sentences) for _ in s.words]

    def __len__(self) -> int:
        return sum(len(s) for s in self.sentences)


def load_documents(path: str | Path, fmt: str | None) -> list[Document]:
    """Documents with their human coreference chains from a file or folder: ``FORMATS`` and
    ``jsonl`` carry chains; any other format rdrs-gui reads (``text``, ...) works for prediction.
    ``fmt`` None: detected from the file."""
    if fmt == "conll2012":
        from trainer.coref import conll2012

        path = Path(path)
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        docs = [d for f in files for d in conll2012.read(f)]
    else:
        docs = formats.read(path, fmt).documents
    return human_chains(docs)


def human_chains(docs: list[Document]) -> list[Document]:
    """Copies of ``docs`` keeping the chains to learn from: human (gold or accepted), not Context."""
    return [replace(d, chains=[c for c in d.chains if c.label != CONTEXT_LABEL and c.mentions
                               and c.status in HUMAN_STATUSES]) for d in docs]


def to_example(doc: Document, protect_gold: bool = True, max_sentence_words: int = 100) -> CorefExample:
    """Words and gold clusters of ``doc``; a mention covers every word it overlaps.

    ``protect_gold`` keeps sentence splits out of gold mentions (at training time), so that a
    mention never spans two sentences, which the model cannot represent.
    """
    places = [(m.start, m.end) for c in doc.chains for m in c.mentions]
    sents = sentences(doc.text, max_words=max_sentence_words, protected=places if protect_gold else ())
    example = CorefExample(doc.name, doc.text, sents)
    starts, ends = example.starts, example.ends
    for chain in doc.chains:
        spans: list[WordSpan] = []
        for m in chain.mentions:
            span = char_to_word_span(starts, ends, m.start, m.end)
            if span is None:
                example.lost_mentions += 1
            elif span not in spans:
                spans.append(span)
        if spans:
            example.clusters.append(sorted(spans))
    return example


STEM_CHARS = 6  # Russian names and nouns inflect at the end: "Нурофен", "Нурофена", "Нурофеном"


def word_keys(words: list[str]) -> list[int]:
    """One id per word, equal for words with the same lower-cased first ``STEM_CHARS`` letters
    (ids are only comparable within one document). They feed the model's string-match feature:
    a drug named again is the commonest chain in a review, and a model trained on a few reviews
    must not have to learn spelling equality from its word vectors."""
    ids: dict[str, int] = {}
    return [ids.setdefault(w.lower().replace("ё", "е")[:STEM_CHARS], len(ids)) for w in words]


def units(example: CorefExample, segment_words: int = 0) -> list[Sentence]:
    """What the encoder reads: the sentences themselves (``segment_words`` = 0), or runs of whole
    sentences of up to ``segment_words`` words, so a transformer sees context across sentences."""
    if segment_words <= 0:
        return list(example.sentences)
    out: list[Sentence] = []
    for s in example.sentences:
        if out and len(out[-1]) + len(s) <= segment_words:
            last = out[-1]
            out[-1] = Sentence(last.words + s.words, last.starts + s.starts, last.ends + s.ends)
        else:
            out.append(Sentence(list(s.words), list(s.starts), list(s.ends)))
    return out


def char_to_word_span(starts: list[int], ends: list[int], start: int, end: int) -> WordSpan | None:
    """First and last word overlapping characters ``[start, end)``, or None if none does."""
    first = bisect.bisect_right(ends, start)
    last = bisect.bisect_left(starts, end) - 1
    if first >= len(starts) or last < first:
        return None
    return first, last


def to_chains(example: CorefExample, clusters: list[list[WordSpan]], scores: list[float] | None = None,
              version: str = "coref") -> list[Chain]:
    """Predicted clusters of word spans as suggested ``Chain``s with character offsets."""
    starts, ends = example.starts, example.ends
    chains = []
    for k, cluster in enumerate(clusters):
        mentions = [Mention([(starts[a], ends[b])]) for a, b in sorted(set(cluster))]
        chains.append(Chain(mentions, origin=model_origin(version), status=SUGGESTED,
                            score=None if scores is None else float(scores[k])))
    return chains
