"""Curation: the annotators' versions of a document merged into one gold version (the shared
layer, review state "curated").

A mention here is a (tag, fragments, attributes) triple, so a span with stacked tags is curated
tag by tag and a stacked tag is never dropped because its neighbour was; chains are compared
whole (kind and mentions). Modes of the automatic merge:

- ``unanimous`` (default): what every annotator marked; the curated layer then holds exactly the
  agreed mentions and chains.
- ``uncontested``: also what only some marked, when no annotator who left it out marked an
  overlapping mention of any tag (for chains: a chain of its kind sharing a mention) that not
  all agree on.
- ``majority``: what more than half of the annotators marked.

``curation_changes`` turns a result into one change set for ``Store.apply_changes`` (shared
layer), so a curation is one transaction and one undoable action.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import count

from .agreement import document_agreement as pair_agreement
from .agreement import human_spans, overlaps
from .changes import AddChain, AddSpan, Change, DeleteChain, DeleteSpan, SetDocumentStatus
from .document import DOC_CURATED, GOLD, HUMAN, HUMAN_STATUSES, Chain, Document, Fragment, Mention, Span

UNANIMOUS = "unanimous"
UNCONTESTED = "uncontested"
MAJORITY = "majority"
MODES = (UNANIMOUS, UNCONTESTED, MAJORITY)

SpanItem = tuple[str, tuple[Fragment, ...], tuple[tuple[str, str], ...]]   # tag, fragments, attributes
ChainItem = tuple[str, tuple[tuple[Fragment, ...], ...]]                    # kind, mentions


def span_items(doc: Document) -> set[SpanItem]:
    return {(label, tuple(s.fragments), tuple(sorted(s.attrs.items())))
            for s in doc.spans if s.status in HUMAN_STATUSES for label in s.labels}


def chain_items(doc: Document) -> set[ChainItem]:
    return {(c.label, tuple(tuple(m.fragments) for m in c.mentions))
            for c in doc.chains if c.status in HUMAN_STATUSES and c.mentions}


@dataclass
class Merged:
    """The curated spans and chains, and what the annotators disagree on (left to a person)."""

    spans: list[Span] = field(default_factory=list)
    chains: list[Chain] = field(default_factory=list)
    disagreements: list[SpanItem] = field(default_factory=list)


def auto_merge(versions: Sequence[Document], mode: str = UNANIMOUS) -> Merged:
    """Merge annotators' versions of one document (each their own layer) by ``mode``."""
    if mode not in MODES:
        raise ValueError(f"unknown merge mode {mode!r}; use one of {', '.join(MODES)}")
    span_sets = [span_items(v) for v in versions]
    chain_sets = [chain_items(v) for v in versions]
    spans = _take(span_sets, mode, lambda x, y: overlaps(x[1], y[1]))
    chains = _take(chain_sets, mode, lambda x, y: x[0] == y[0] and bool(set(x[1]) & set(y[1])))
    out = Merged()
    out.spans = fold_spans(spans)
    out.chains = [Chain([Mention(list(m)) for m in mentions], kind) for kind, mentions in sorted(chains)]
    everything = set().union(*span_sets) if span_sets else set()
    out.disagreements = sorted(everything - spans, key=lambda m: (m[1], m[0]))
    return out


def _take(sets: list[set], mode: str, clash) -> set:  # noqa: ANN001 - (item, item) -> bool
    if not sets:
        return set()
    counts = Counter(item for s in sets for item in s)
    n = len(sets)
    agreed = {item for item, c in counts.items() if c == n}
    if mode == UNANIMOUS:
        return agreed
    if mode == MAJORITY:
        return {item for item, c in counts.items() if 2 * c > n}
    out = set(agreed)
    for item in counts.keys() - agreed:
        if not any(item not in s and any(other not in agreed and clash(item, other) for other in s)
                   for s in sets):
            out.add(item)
    return out


def fold_spans(items: set[SpanItem]) -> list[Span]:
    """One gold span per (fragments, attributes) carrying every curated tag there."""
    by_place: dict[tuple, set[str]] = {}
    for tag, fragments, attrs in items:
        by_place.setdefault((fragments, attrs), set()).add(tag)
    return [Span(labels, list(fragments), dict(attrs), HUMAN, GOLD)
            for (fragments, attrs), labels in sorted(by_place.items(), key=lambda kv: (kv[0][0], kv[0][1]))]


def document_agreement(versions: Sequence[Document]) -> float:
    """Mean over annotator pairs of span- and tag-strict agreement on one document; 1.0 when
    nobody marked anything (nothing to disagree on) or there is one version."""
    values = [pair_agreement(human_spans(a), human_spans(b), True, True)
              for i, a in enumerate(versions) for b in versions[i + 1:]]
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else 1.0


def curation_changes(shared: Document, merged: Merged, taken: dict[str, set[str]], tag: str = "") -> list[Change]:
    """The change set that makes ``shared`` (the document's shared layer as stored) hold exactly
    ``merged`` as gold, in state "curated": spans and chains already there stay (keeping their
    keys), the others go, the new ones get keys above ``taken`` (every key of the document),
    ending in ``tag`` (the writing client's, so a concurrent editor never picks the same)."""
    want_spans = {s.key(): s for s in merged.spans}
    want_chains = {c.key(): c for c in merged.chains}
    changes: list[Change] = []
    kept_spans: set[tuple] = set()
    for span in shared.spans:
        if span.status == GOLD and span.key() in want_spans and span.key() not in kept_spans:
            kept_spans.add(span.key())
        else:
            changes.append(DeleteSpan(span.id))
    kept_chains: set[tuple] = set()
    for chain in shared.chains:
        if chain.status == GOLD and chain.key() in want_chains and chain.key() not in kept_chains:
            kept_chains.add(chain.key())
        else:
            changes.append(DeleteChain(chain.id))
    next_span = _counter("T", taken.get("T", set()))
    for key, span in want_spans.items():
        if key not in kept_spans:
            changes.append(AddSpan(Span(set(span.labels), list(span.fragments), dict(span.attrs), HUMAN, GOLD,
                                        id=f"T{next(next_span)}{tag}")))
    next_chain = _counter("C", taken.get("C", set()))
    for key, chain in want_chains.items():
        if key not in kept_chains:
            changes.append(AddChain(Chain([Mention(list(m.fragments)) for m in chain.mentions], chain.label,
                                          HUMAN, GOLD, id=f"C{next(next_chain)}{tag}")))
    changes.append(SetDocumentStatus(DOC_CURATED))
    return changes


def _counter(prefix: str, taken: set[str]) -> Iterator[int]:
    numbers = (k[len(prefix):].split("-")[0] for k in taken if k.startswith(prefix))
    top = max((int(n) for n in numbers if n.isdigit()), default=0)
    return count(top + 1)


def undo_changes(before: Document, changes: Sequence[Change]) -> list[Change]:
    """The change set that takes ``changes`` (a ``curation_changes`` result) back: what they
    added goes, what they deleted returns with its key and relations, and the review state."""
    out: list[Change] = [DeleteSpan(c.span.id) for c in changes if isinstance(c, AddSpan)]
    out += [DeleteChain(c.chain.id) for c in changes if isinstance(c, AddChain)]
    gone_spans = {c.key for c in changes if isinstance(c, DeleteSpan)}
    gone_chains = {c.key for c in changes if isinstance(c, DeleteChain)}
    out += [AddSpan(span, tuple(r for r in before.relations if span.id in (r.head, r.tail)))
            for span in before.spans if span.id in gone_spans]
    out += [AddChain(chain) for chain in before.chains if chain.id in gone_chains]
    out.append(SetDocumentStatus(before.status))
    return out
