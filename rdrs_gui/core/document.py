"""The one document model every layer shares: formats read into it, the store persists it,
the tagger predicts into it and the editor edits it.

Offsets are Unicode code points into ``Document.text``, end exclusive. Formats that count
otherwise (UTF-16 in WebAnno/UIMA) convert at their border.

A span carries a *set* of labels: a word that is both DrugName and DrugBrand is one span with
two labels, the way a pharmacist sees it. Readers of formats that store one label per
annotation (brat, RDRS JSON) fold annotations of different labels over identical fragments
together with ``merge_stacked_spans``; writers unfold them again.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Iterable

HUMAN = "human"

# Span review states. ``gold`` and ``accepted`` are human decisions; a model only ever writes
# ``suggested``; ``rejected`` is kept so the same suggestion is never offered again.
SUGGESTED = "suggested"
ACCEPTED = "accepted"
REJECTED = "rejected"
GOLD = "gold"
SPAN_STATUSES = (SUGGESTED, ACCEPTED, REJECTED, GOLD)
HUMAN_STATUSES = (GOLD, ACCEPTED)

# Per-annotator document review states.
DOC_NEW = "new"
DOC_PREANNOTATED = "pre-annotated"
DOC_IN_PROGRESS = "in progress"
DOC_DONE = "done"
DOC_CURATED = "curated"
DOC_STATUSES = (DOC_NEW, DOC_PREANNOTATED, DOC_IN_PROGRESS, DOC_DONE, DOC_CURATED)

Fragment = tuple[int, int]
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # half of a character: JSON "\\ud800", a broken escape

# Chain kinds (``Chain.label``): RDRS has coreference clusters and review-context groups, and
# brat/WebAnno files bring their own (``Equiv``...). A mention may belong to one chain of each
# kind: a Context group and a coreference chain are different layers over the same words.
COREFERENCE = "Coreference"
CONTEXT = "Context"


def _fragments(fragments: Iterable[tuple[int, int]]) -> list[Fragment]:
    """A new sorted list of int pairs; the single fragment most spans have is the quick case
    (reading 10,000 reviews builds 200,000 spans)."""
    if isinstance(fragments, (list, tuple)) and len(fragments) == 1:
        (start, end), = fragments
        return [(int(start), int(end))]
    return sorted((int(s), int(e)) for s, e in fragments)


def model_origin(version: str) -> str:
    """Origin string of a suggestion made by model ``version``."""
    return f"model:{version}"


@dataclass
class Span:
    """An annotation: one or more labels over one or more fragments (discontinuous if >1)."""

    labels: set[str]
    fragments: list[Fragment]
    attrs: dict[str, str] = field(default_factory=dict)
    origin: str = HUMAN
    status: str = GOLD
    score: float | None = None
    id: str = ""

    def __post_init__(self) -> None:
        self.labels = set(self.labels)
        self.fragments = _fragments(self.fragments)

    @property
    def start(self) -> int:
        return self.fragments[0][0]

    @property
    def end(self) -> int:
        return self.fragments[-1][1]

    @property
    def is_discontinuous(self) -> bool:
        return len(self.fragments) > 1

    @property
    def is_human(self) -> bool:
        return self.status in HUMAN_STATUSES

    def covered_text(self, text: str, joiner: str = " ") -> str:
        return joiner.join(text[s:e] for s, e in self.fragments)

    def key(self) -> tuple:
        """Identity for comparisons and round-trip tests: what a span *is*, not where it came from."""
        return (tuple(self.fragments), tuple(sorted(self.labels)), tuple(sorted(self.attrs.items())))


@dataclass
class Mention:
    """One mention in a coreference chain: a character range, optionally discontinuous."""

    fragments: list[Fragment]

    def __post_init__(self) -> None:
        self.fragments = _fragments(self.fragments)

    @property
    def start(self) -> int:
        return self.fragments[0][0]

    @property
    def end(self) -> int:
        return self.fragments[-1][1]

    def key(self) -> tuple:
        return tuple(self.fragments)


@dataclass
class Chain:
    """A chain of mentions in reading order; ``label`` is its kind: a coreference chain (one
    drug, disease or person), an RDRS Context group, or any other kind a source file has."""

    mentions: list[Mention]
    label: str = COREFERENCE
    origin: str = HUMAN
    status: str = GOLD
    score: float | None = None
    id: str = ""

    def __post_init__(self) -> None:
        self.mentions = sorted(self.mentions, key=lambda m: (m.start, m.end))

    def key(self) -> tuple:
        return (self.label, tuple(m.key() for m in self.mentions))


def chain_kinds(chains: Iterable[Chain]) -> list[str]:
    """The kinds present, coreference first, then the others by name."""
    kinds = {c.label for c in chains}
    return sorted(kinds, key=lambda k: (k != COREFERENCE, k.lower()))


@dataclass
class Relation:
    """A directed, labelled link between two spans of the same document (by span id)."""

    label: str
    head: str
    tail: str
    attrs: dict[str, str] = field(default_factory=dict)
    origin: str = HUMAN
    status: str = GOLD
    id: str = ""


@dataclass
class Document:
    """A review with its annotations. ``name`` is the external id (file stem, source id)."""

    name: str
    text: str
    meta: dict = field(default_factory=dict)
    spans: list[Span] = field(default_factory=list)
    chains: list[Chain] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    status: str = DOC_NEW
    id: int | None = None

    def assign_ids(self) -> None:
        """Give every span, chain and relation without an id a fresh one, unique in this document."""
        for prefix, items in (("T", self.spans), ("C", self.chains), ("R", self.relations)):
            taken = {item.id for item in items if item.id}
            counter = itertools.count(1)
            for item in items:
                if not item.id:
                    new = f"{prefix}{next(counter)}"
                    while new in taken:
                        new = f"{prefix}{next(counter)}"
                    item.id = new
                    taken.add(new)

    def span_by_id(self, span_id: str) -> Span | None:
        return next((s for s in self.spans if s.id == span_id), None)

    def labels(self) -> set[str]:
        return {label for span in self.spans for label in span.labels}

    def sort(self) -> None:
        self.spans.sort(key=lambda s: (s.start, -s.end, sorted(s.labels)))
        self.chains.sort(key=lambda c: (c.mentions[0].start if c.mentions else 0))

    def problems(self) -> list[str]:
        """Structural errors: offsets outside the text, empty or overlapping fragments, bad chains."""
        out: list[str] = []
        n = len(self.text)
        for what, value in (("text", self.text), ("name", self.name)):
            bad = None if value.isascii() else _LONE_SURROGATE.search(value)
            if bad is not None:   # "\ud800" in JSON, half an escaped pair: no file or database can store it
                out.append(f"the {what} holds half of a character (a lone UTF-16 surrogate, U+{ord(bad.group()):04X}) "
                           f"at position {bad.start()}: the file's escapes or encoding are broken")
        for span in self.spans:
            fragments = span.fragments
            if len(fragments) != 1 or not 0 <= fragments[0][0] < fragments[0][1] <= n:  # else: fine
                out += _fragment_problems(f"span {span.id or '?'}", fragments, n)
            if not span.labels:
                out.append(f"span {span.id or '?'}: no label")
            if span.status not in SPAN_STATUSES:
                out.append(f"span {span.id or '?'}: unknown status {span.status!r}")
        ids = {s.id for s in self.spans}
        if not ids.issuperset([rel.head for rel in self.relations] + [rel.tail for rel in self.relations]):
            for rel in self.relations:
                for end in (rel.head, rel.tail):
                    if end not in ids:
                        out.append(f"relation {rel.id or '?'}: unknown span {end!r}")
        for chain in self.chains:
            places = [m.fragments[0] for m in chain.mentions if len(m.fragments) == 1]
            if (len(places) == len(chain.mentions) == len(set(places)) > 0
                    and all(0 <= s < e <= n for s, e in places)):
                continue  # one fragment per mention, inside the text, no mention twice: fine
            if not chain.mentions:
                out.append(f"chain {chain.id or '?'}: no mentions")
            seen: set[tuple] = set()
            for mention in chain.mentions:
                out += _fragment_problems(f"chain {chain.id or '?'} mention", mention.fragments, n)
                if mention.key() in seen:
                    out.append(f"chain {chain.id or '?'}: mention {mention.fragments} twice")
                seen.add(mention.key())
        return out


def _fragment_problems(what: str, fragments: list[Fragment], n: int) -> list[str]:
    out = []
    if not fragments:
        out.append(f"{what}: no fragments")
    for (s, e) in fragments:
        if not (0 <= s < e <= n):
            out.append(f"{what}: fragment {s}-{e} outside text of length {n} or empty")
    for (_, e1), (s2, _) in zip(fragments, fragments[1:]):
        if s2 < e1:
            out.append(f"{what}: fragments overlap or are out of order")
    return out


def max_number(prefix: str, keys: Iterable[str]) -> int:
    return max((int(k[len(prefix):]) for k in keys if k.startswith(prefix) and k[len(prefix):].isdigit()),
               default=0)


def next_key(prefix: str, taken: set[str]) -> str:
    """One more than the highest ``<prefix><n>`` taken, so ids the editor held are not reused."""
    return f"{prefix}{max_number(prefix, taken) + 1}"


def claim_keys(doc: Document, taken: dict[str, set[str]]) -> None:
    """Give every span, chain and relation a key unique in the document: missing, duplicate or
    taken (by another layer) ids get fresh ones; relations follow spans renamed away from a
    key another layer holds."""
    renamed: dict[str, str] = {}
    for prefix, items in (("T", doc.spans), ("C", doc.chains), ("R", doc.relations)):
        used = set(taken.get(prefix, ()))
        fresh = None  # numbered after the highest key, worked out once a key is needed (imports rarely need one)
        for item in items:
            if item.id and item.id not in used:
                used.add(item.id)
                continue
            if fresh is None:
                fresh = itertools.count(max_number(prefix, used | {item.id for item in items}) + 1)
            new = f"{prefix}{next(fresh)}"
            if prefix == "T" and item.id in taken.get("T", ()):
                renamed[item.id] = new
            item.id = new
    if renamed:
        for rel in doc.relations:
            rel.head = renamed.get(rel.head, rel.head)
            rel.tail = renamed.get(rel.tail, rel.tail)



def merge_stacked_spans(spans: Iterable[Span]) -> list[Span]:
    """Fold spans over identical fragments into one span with several labels (see
    ``fold_stacked_spans``)."""
    return fold_stacked_spans(list(spans))[0]


def fold_stacked_spans(spans: list[Span]) -> tuple[list[Span], list[int]]:
    """Fold spans over identical fragments into one span with several labels, and say which
    folded span each input went into (its index in the result).

    Spans merge only when origin, status and score agree, their attributes do not conflict
    (same key, different value) and they share no label: a second annotation with a label the
    place already has is another annotation (INCEpTION and brat allow both), kept as its own
    span, so no information is lost. The first span's id is kept. Order of first appearance is
    preserved.
    """
    out: list[Span] = []
    home: list[int] = []
    by_place: dict[tuple, list[tuple[int, Span]]] = {}
    for span in spans:
        place = (tuple(span.fragments), span.origin, span.status, span.score)
        for index, other in by_place.get(place, []):
            if not (other.labels & span.labels) and all(other.attrs.get(k, v) == v for k, v in span.attrs.items()):
                other.labels |= span.labels
                other.attrs.update(span.attrs)
                home.append(index)
                break
        else:
            copy = Span(set(span.labels), list(span.fragments), dict(span.attrs), span.origin,
                        span.status, span.score, span.id)
            by_place.setdefault(place, []).append((len(out), copy))
            home.append(len(out))
            out.append(copy)
    return out, home


def unstack(span: Span) -> list[tuple[str, Span]]:
    """One ``(label, span)`` per label, for writers of one-label-per-annotation formats."""
    return [(label, span) for label in sorted(span.labels)]
