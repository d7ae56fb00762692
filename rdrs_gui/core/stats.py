"""Corpus statistics in the shape of the RDRS paper's Table 7: per tag, the number of mentions,
the number of words inside mentions and the number of documents with at least one mention.

Computed from ``Document`` objects, so the same figures come from the store or straight from
files. Words are counted with a simple regular expression: a word is a run of letters or
digits, hyphenated compounds ("какой-то", "COVID-19") count once; punctuation is not a word.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from .document import HUMAN_STATUSES, SUGGESTED, Document, Span
from .normalise.coding_stats import CodingTally

WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


def count_words(text: str) -> int:
    return sum(1 for _ in WORD.finditer(text))


def mention_words(span: Span, text: str) -> int:
    """Words inside a span, each fragment counted on its own (a discontinuous span's gap is not)."""
    return sum(count_words(text[s:e]) for s, e in span.fragments)


def compute(documents: Iterable[Document]) -> dict:
    """``{"documents", "spans", "suggestions", "chains", "relations", "tags": {tag: {"mentions",
    "words", "documents"}}, "coding": ...}`` (``coding``: normalise.coding_stats); spans and tags count human annotations (gold, accepted), a span with
    several labels counts once per label; suggestions count what a model proposed and nobody decided."""
    n_docs = n_spans = n_suggestions = n_chains = n_relations = 0
    mentions: Counter[str] = Counter()
    words: Counter[str] = Counter()
    covered: Counter[str] = Counter()
    coding = CodingTally()
    for doc in documents:
        n_docs += 1
        coding.add(doc)
        tags_here: set[str] = set()
        for span in doc.spans:
            if span.status == SUGGESTED:
                n_suggestions += 1
            if span.status not in HUMAN_STATUSES:
                continue
            n_spans += 1
            n_words = mention_words(span, doc.text)
            for label in span.labels:
                mentions[label] += 1
                words[label] += n_words
                tags_here.add(label)
        covered.update(tags_here)
        n_chains += sum(1 for chain in doc.chains if chain.status in HUMAN_STATUSES)
        n_relations += sum(1 for rel in doc.relations if rel.status in HUMAN_STATUSES)
    tags = {tag: {"mentions": mentions[tag], "words": words[tag], "documents": covered[tag]}
            for tag in sorted(mentions, key=lambda t: (-mentions[t], t))}
    return {"documents": n_docs, "spans": n_spans, "suggestions": n_suggestions,
            "chains": n_chains, "relations": n_relations, "tags": tags, "coding": coding.result()}


def format_table(stats: dict) -> str:
    """The statistics as aligned plain text for the terminal."""
    lines = [f"{key:<12} {stats[key]}" for key in ("documents", "spans", "suggestions", "chains", "relations")]
    coding = stats.get("coding") or {}
    if coding.get("tags"):
        lines += ["", "coded share: " + ", ".join(f"{tag} {row['coded']}/{row['mentions']} ({row['share']:.0%})"
                                                  for tag, row in coding["tags"].items())]
    for key, title in (("meddra", "top MedDRA"), ("atc", "top ATC"), ("atc_groups", "top ATC groups")):
        if coding.get(key):
            lines.append(f"{title}: " + ", ".join(f"{code} {n}" for code, n in coding[key][:10]))
    if stats["tags"]:
        width = max(12, *(len(tag) for tag in stats["tags"]))
        lines += ["", f"{'tag':<{width}} {'mentions':>9} {'words':>9} {'documents':>9}"]
        lines += [f"{tag:<{width}} {row['mentions']:>9} {row['words']:>9} {row['documents']:>9}"
                  for tag, row in stats["tags"].items()]
    return "\n".join(lines)
