"""Merging a model's suggestions into one annotator layer of a document: the rules, and nothing
else (no SQL, no Qt), so the store, the editor and any future curation use one definition.

The rules:

- Human decisions win. A label on exactly the fragments of a human span (gold, accepted) is not
  suggested; neither is a chain equal to a human chain.
- A rejected suggestion never comes back, from any model version: the rejection blocks its
  (fragments, label) pairs, or the chain, exactly like a human span.
- What a suggestion blocks or is blocked by is one label on one set of fragments: a
  multi-label suggestion loses only its blocked labels; a duplicate within one run is dropped.
- A new run replaces the pending suggestions of its kind in the layer. A pending suggestion
  the new run makes again (the same fragments, labels and attributes; for a chain the same
  label and mentions) keeps its key, because the editor's undo history may name it, and takes
  the new run's origin and score; the others are dropped; new ones get keys above every key
  in the document.
- A document with human work keeps its review state; a new one that got suggestions becomes
  pre-annotated.
"""
from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from .document import DOC_NEW, HUMAN_STATUSES, SUGGESTED, Chain, Span

SpanPlace = tuple[tuple[tuple[int, int], ...], str]


@dataclass
class Merged:
    """What to do with one kind (spans or chains) of one layer; ``kept`` are updated copies."""

    added: list = field(default_factory=list)
    kept: list = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


def span_places(span: Span) -> set[SpanPlace]:
    """What a span blocks or offers: one (fragments, label) pair per label."""
    place = tuple(tuple(f) for f in span.fragments)
    return {(place, label) for label in span.labels}


def merge_spans(standing: Iterable[Span], pending: Sequence[Span], incoming: Sequence[Span] | None,
                origin: str, taken_keys: Iterable[str]) -> Merged:
    """Merge ``incoming`` span suggestions. ``standing`` are the spans that stay whatever the run
    says (human, rejected, other layers' suggestions), ``pending`` the layer's replaceable
    suggestions, ``taken_keys`` every span key of the document (all layers). ``incoming`` None
    leaves the pending suggestions as they are."""
    if incoming is None:
        return Merged()
    standing = list(standing)
    blocked = set().union(*(span_places(sp) for sp in standing))
    by_place = {_identity(sp.fragments, sp.labels, sp.attrs): sp for sp in pending}
    fresh = _fresh_keys("T", taken_keys, (sp.id for sp in itertools.chain(standing, pending)))
    out = Merged()
    kept: set[str] = set()
    for sp in incoming:
        labels = {label for place, label in span_places(sp) if (place, label) not in blocked}
        if not labels:
            continue
        blocked |= {(tuple(tuple(f) for f in sp.fragments), label) for label in labels}
        same = by_place.get(_identity(sp.fragments, labels, sp.attrs))
        if same is not None and same.id not in kept:
            kept.add(same.id)
            out.kept.append(Span(set(same.labels), list(same.fragments), dict(same.attrs), origin, SUGGESTED,
                                 sp.score, same.id))
        else:
            out.added.append(Span(labels, list(sp.fragments), dict(sp.attrs), origin, SUGGESTED, sp.score,
                                  next(fresh)))
    out.dropped = [sp.id for sp in pending if sp.id not in kept]
    return out


def merge_chains(standing: Iterable[Chain], pending: Sequence[Chain], incoming: Sequence[Chain] | None,
                 origin: str, taken_keys: Iterable[str]) -> Merged:
    """``merge_spans`` for coreference chains: a chain is blocked by an equal standing chain."""
    if incoming is None:
        return Merged()
    standing = list(standing)
    blocked = {ch.key() for ch in standing}
    by_key = {ch.key(): ch for ch in pending}
    fresh = _fresh_keys("C", taken_keys, (ch.id for ch in itertools.chain(standing, pending)))
    out = Merged()
    kept: set[str] = set()
    for ch in incoming:
        if ch.key() in blocked:
            continue
        blocked.add(ch.key())
        same = by_key.get(ch.key())
        if same is not None:
            kept.add(same.id)
            out.kept.append(Chain(copy.deepcopy(same.mentions), same.label, origin, SUGGESTED, ch.score, same.id))
        else:
            out.added.append(Chain(copy.deepcopy(ch.mentions), ch.label, origin, SUGGESTED, ch.score, next(fresh)))
    out.dropped = [ch.id for ch in pending if ch.id not in kept]
    return out


def _identity(fragments: Iterable, labels: Iterable[str], attrs: dict) -> tuple:
    return tuple(tuple(f) for f in fragments), frozenset(labels), tuple(sorted(attrs.items()))


def has_human_work(spans: Iterable[Span], chains: Iterable[Chain]) -> bool:
    """A human span or chain: pre-annotating such a document leaves its state to the human."""
    return any(sp.status in HUMAN_STATUSES for sp in spans) or any(ch.status in HUMAN_STATUSES for ch in chains)


def becomes_preannotated(status: str, added: int, human_work: bool) -> bool:
    """Whether a run that added ``added`` suggestions moves the review state to pre-annotated."""
    return status == DOC_NEW and added > 0 and not human_work


def _fresh_keys(prefix: str, *taken: Iterable[str]) -> Iterable[str]:
    """``<prefix><n>`` above every key taken, so a key the editor held is never reused."""
    top = max((int(k[len(prefix):]) for keys in taken for k in keys
               if k and k.startswith(prefix) and k[len(prefix):].isdigit()), default=0)
    return (f"{prefix}{n}" for n in itertools.count(top + 1))
