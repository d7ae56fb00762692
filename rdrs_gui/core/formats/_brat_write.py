"""Writing one Document as brat .ann lines (the mapping is described in brat.py)."""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Iterable

from functools import lru_cache

from ..document import REJECTED, Document, Span
from ..schema import bundled
from ._brat_conf import MENTION

_UNSAFE = re.compile(r"[^\w.\-]+")
_SPACE = re.compile(r"\s")  # what str.isspace() calls whitespace
_T_ID = re.compile(r"T[0-9]+")
_R_ID = re.compile(r"R[0-9]+")


def safe_name(name: str) -> str:
    """A file name from a document name: letters (any script), digits, '.', '-', '_' only."""
    cleaned = _UNSAFE.sub("_", name).strip("._")
    return cleaned or "document"


class _Ids:
    """Fresh brat ids per prefix, skipping ones already used."""

    def __init__(self, reserved: Iterable[str]):
        self.reserved = set(reserved)  # ids the document already has: kept, so output stays stable
        self.issued: set[str] = set()
        self.counters: dict[str, int] = {}

    def new(self, prefix: str) -> str:
        n = self.counters.get(prefix, 0)
        while True:
            n += 1
            ident = f"{prefix}{n}"
            if ident not in self.reserved and ident not in self.issued:
                self.counters[prefix] = n
                self.issued.add(ident)
                return ident

    def keep_or_new(self, ident: str, prefix: str) -> str:
        if ident in self.reserved and ident.startswith(prefix) and ident not in self.issued:
            self.issued.add(ident)
            return ident
        return self.new(prefix)


def _token(value: str, what: str, losses: Counter[str]) -> str:
    """brat types and names cannot contain whitespace."""
    if value and not _SPACE.search(value):
        return value
    losses[f"{what} with whitespace written with '_'"] += 1
    return _SPACE.sub("_", value) or "_"


@lru_cache(maxsize=1)
def _attribute_tags() -> dict[str, frozenset[str]]:
    """Which tags each RDRS attribute belongs to (ATC: DrugName, DrugClass; MedDRA: ADR, Indication...)."""
    return {a.name: frozenset(a.tags) for a in bundled("rdrs").attributes if a.tags}


def owner_tags(key: str) -> frozenset[str] | None:
    """The tags an RDRS attribute belongs to (``norm:ATC``, ``norm-text:ATC`` go with ATC); None
    for any other attribute."""
    return _attribute_tags().get(key.split(":", 1)[1] if key.startswith(("norm:", "norm-text:")) else key)


def follows_another_tag(key: str, label: str, labels: set[str]) -> bool:
    """Whether attribute ``key`` of a stacked span belongs with another of its tags than
    ``label`` (a DrugName's ATC code, not the DrugBrand stacked on the same text)."""
    tags = owner_tags(key)
    return tags is not None and label not in tags and not tags.isdisjoint(labels)


def _label_attrs(attrs: dict[str, str], label: str, labels: set[str]) -> dict[str, str]:
    """The attributes a stacked span's ``label`` carries in brat: not those of its other tags."""
    if len(labels) < 2:
        return attrs
    return {k: v for k, v in attrs.items() if not follows_another_tag(k, label, labels)}


def ann_lines(doc: Document, losses: Counter[str] | None = None) -> list[str]:
    """The .ann lines of one document; ``losses`` counts what brat could not hold."""
    losses = Counter() if losses is None else losses
    spans = [s for s in doc.spans if s.status != REJECTED]
    # Each span's attributes split once: those written as A, N and # lines, and whether any
    # belongs to a brat event (most spans have attributes, hardly any an event).
    plains: list[dict[str, str]] = []
    evented: set[int] = set()
    event_ids: list[str] = []
    for n, span in enumerate(spans):
        plain = {k: v for k, v in span.attrs.items() if not k.startswith(("event:", "brat:"))} if span.attrs else {}
        if len(plain) < len(span.attrs):
            evented.add(n)
            event_ids += [k[len("event:"):] for k in span.attrs if k.startswith("event:") and k.count(":") == 1]
        plains.append(plain)
    ids = _Ids([s.id for s in spans if _T_ID.fullmatch(s.id)]
               + [r.id for r in doc.relations if _R_ID.fullmatch(r.id)] + event_ids)
    if len(spans) < len(doc.spans):
        losses["rejected suggestions left out"] += len(doc.spans) - len(spans)
    losses["unreviewed suggestions written as plain annotations"] += sum(not s.is_human for s in spans)
    primary = {id(s): ids.keep_or_new(s.id, "T") for s in spans}
    lines: list[str] = []
    at_place: dict[tuple, list[tuple[str, str]]] = defaultdict(list)  # fragments -> (T id, label)
    span_tid: dict[str, str] = {}
    event_lines: list[tuple[str, str, str, Span]] = []
    plain_labels: set[str] = set()  # labels already found to need no '_'
    for n, (span, plain) in enumerate(zip(spans, plains)):
        fragments = span.fragments
        frags = (f"{fragments[0][0]} {fragments[0][1]}" if len(fragments) == 1
                 else ";".join(f"{s} {e}" for s, e in fragments))
        covered = line_text(doc.text, fragments)
        place = at_place[tuple(fragments)]
        for i, label in enumerate(sorted(span.labels) if len(span.labels) > 1 else span.labels):
            tid = primary[id(span)] if i == 0 else ids.new("T")
            if label not in plain_labels:
                token = _token(label, "labels", losses)
                if token == label:
                    plain_labels.add(label)
                label = token
            lines.append(f"{tid}\t{label} {frags}\t{covered}")
            if plain:
                lines += _attr_lines(tid, _label_attrs(plain, label, span.labels), ids, losses)
            place.append((tid, label))
        if span.id:
            span_tid[span.id] = primary[id(span)]
        if n not in evented:
            continue
        for key, etype in span.attrs.items():
            if key.startswith("event:") and key.count(":") == 1:
                eid = key[len("event:"):]
                if eid in {e[0] for e in event_lines}:
                    losses["events defined twice left out"] += 1
                    continue
                trigger = next((t for t, lab in at_place[tuple(span.fragments)] if lab == etype), primary[id(span)])
                event_lines.append((eid, etype, trigger, span))
    eids = {e[0] for e in event_lines}
    event_args: dict[str, list[str]] = defaultdict(list)
    relation_lines: list[str] = []
    for rel in doc.relations:
        head, tail = span_tid.get(rel.head), span_tid.get(rel.tail)
        if head is None or tail is None:
            losses["relations whose span was not written left out"] += 1
            continue
        event = rel.attrs.get("brat:event")
        if event is not None:
            if event in eids:
                arg = rel.attrs.get("brat:arg", tail)
                event_args[event].append(f"{_token(rel.label, 'event roles', losses)}:{arg}")
            else:
                losses["event arguments whose event was not written left out"] += 1
            continue
        roles = rel.attrs.get("brat:roles", "Arg1 Arg2").split()
        roles = roles if len(roles) == 2 else ["Arg1", "Arg2"]
        rid = ids.keep_or_new(rel.id, "R")
        label = _token(rel.label, "relation labels", losses)
        relation_lines.append(f"{rid}\t{label} {roles[0]}:{head} {roles[1]}:{tail}")
        attrs = {k: v for k, v in rel.attrs.items() if not k.startswith("brat:")}
        relation_lines += _attr_lines(rid, attrs, ids, losses)
    for eid, etype, trigger, span in event_lines:
        args = "".join(f" {a}" for a in event_args[eid])
        lines.append(f"{eid}\t{_token(etype, 'event types', losses)}:{trigger}{args}")
        prefix = f"event:{eid}:"
        lines += _attr_lines(eid, {k[len(prefix):]: v for k, v in span.attrs.items() if k.startswith(prefix)},
                             ids, losses)
    lines += relation_lines
    lines += _chain_lines(doc, at_place, ids, losses)
    return lines


def _chain_lines(doc: Document, at_place: dict[tuple, list[tuple[str, str]]], ids: _Ids,
                 losses: Counter[str]) -> list[str]:
    lines: list[str] = []
    mention_tids: dict[tuple, str] = {}
    if doc.chains:  # a mention is the first T line over its text that is not a bare Mention
        for place, written in at_place.items():
            tid = next((t for t, label in written if label != MENTION), None)
            if tid is not None:
                mention_tids[place] = tid
    for chain in doc.chains:
        if chain.status == REJECTED:
            losses["rejected chains left out"] += 1
            continue
        members = []
        for mention in chain.mentions:
            place = tuple(mention.fragments)
            tid = mention_tids.get(place)
            if tid is None:  # a mention no span covers: a T line of its own
                tid = mention_tids[place] = ids.new("T")
                frags = ";".join(f"{s} {e}" for s, e in place)
                lines.append(f"{tid}\t{MENTION} {frags}\t{line_text(doc.text, mention.fragments)}")
            members.append(tid)
        lines.append(f"*\t{_token(chain.label, 'chain labels', losses)} {' '.join(members)}")
    return lines


_PLAIN_NAMES: set[str] = set()  # attribute names written as they are (few recur over a corpus)


def _attr_lines(target: str, attrs: dict[str, str], ids: _Ids, losses: Counter[str]) -> list[str]:
    """A, N and # lines for one annotation, the inverse of ``_target_attrs``."""
    lines = []
    for key, value in attrs.items():
        if key not in _PLAIN_NAMES:
            if key == "note" or key.startswith("note:"):
                ntype = _token(key[5:], "note types", losses) if key != "note" else "AnnotatorNotes"
                lines += [f"{ids.new('#')}\t{ntype} {target}\t{part}" for part in value.split("\n")]
                continue
            if key.startswith("norm:"):
                rid = _token(key[5:], "normalisation resources", losses)
                eids = value.split(" ")
                texts = attrs.get(f"norm-text:{key[5:]}", "").split("\n")
                texts += [""] * (len(eids) - len(texts))
                lines += [f"{ids.new('N')}\tReference {target} {rid}:{eid}\t{text}" for eid, text in zip(eids, texts)]
                continue
            if key.startswith("norm-text:"):
                if f"norm:{key[10:]}" not in attrs:
                    losses["normalisation texts without an id left out"] += 1
                continue
            name = _token(key, "attribute names", losses)
            if name != key:
                key = name
            elif len(_PLAIN_NAMES) < 1000:
                _PLAIN_NAMES.add(key)
        if "\n" in value or "\t" in value or value != value.strip(" "):
            losses["attribute values with tabs, newlines or edge spaces trimmed"] += 1
            value = " ".join(value.split())
        lines.append(f"{ids.new('A')}\t{key} {target} {value}" if value else f"{ids.new('A')}\t{key} {target}")
    return lines


def clean(span_text: str) -> str:
    """How span text is written into a .ann line: line breaks would end the line."""
    return span_text.replace("\r", " ").replace("\n", " ")


def line_text(text: str, fragments: list[tuple[int, int]]) -> str:
    if len(fragments) == 1:
        return clean(text[fragments[0][0]:fragments[0][1]])
    return clean(" ".join(text[s:e] for s, e in fragments))
