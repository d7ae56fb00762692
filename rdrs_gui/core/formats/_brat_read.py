"""Reading one brat .ann/.txt pair into a Document (the mapping is described in brat.py)."""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Iterable

from ..document import Chain, Document, Mention, Relation, Span
from ..errors import FormatError
from ..textio import decode
from ._brat_conf import MENTION
from ._brat_write import clean, follows_another_tag, line_text

COREFERENCE = "coreference"  # R lines of this type (any case) are chain links
_NUMBER = re.compile(r"^[0-9]+$")
_BOM = b"\xef\xbb\xbf"
_MAX_TEXT_WARNINGS = 5

@dataclass
class _Ann:
    """The lines of one .ann file, syntax-checked, ids not yet resolved."""

    texts: dict[str, tuple[int, str, list[tuple[int, int]], str | None]] = field(default_factory=dict)
    relations: list[tuple[int, str, str, list[tuple[str, str]]]] = field(default_factory=list)
    events: dict[str, tuple[int, str, str, list[tuple[str, str]]]] = field(default_factory=dict)
    attributes: list[tuple[int, str, str, str, str]] = field(default_factory=list)  # no, id, name, target, value
    norms: list[tuple[int, str, str, str, str, str]] = field(default_factory=list)  # no, id, type, target, rid:eid, text
    notes: list[tuple[int, str, str, str, str]] = field(default_factory=list)  # no, id, type, target, text
    equivs: list[tuple[int, str, list[str]]] = field(default_factory=list)
    zero_width: bool = False  # a T line has a fragment whose offsets are equal (see _drop_zero_width)


def _parse_ann(path: str | Path, content: str) -> _Ann:
    ann = _Ann()
    seen: set[str] = set()
    texts, attributes = ann.texts, ann.attributes
    lines = content.split("\n")
    if "\r" in content:
        lines = [line.rstrip("\r") for line in lines]
    for no, line in enumerate(lines, 1):
        ident, sep, body = line.partition("\t")
        if not sep or not ident or " " in ident:
            if not line or line.isspace():
                continue
            raise FormatError(path, f"expected an annotation id, a tab and the annotation, got {line[:60]!r}", no)
        if ident != "*":
            if ident in seen:
                raise FormatError(path, f"annotation id {ident} is used twice", no)
            seen.add(ident)
        kind = ident[0]
        if kind == "A":  # the commonest line in RDRS files: Name TARGET [Value]
            fields = body.split(" ", 2)
            if len(fields) < 2 or not fields[0] or not fields[1]:
                raise _bad(path, ident, line, no, "expected 'Name TARGET [Value]'")
            attributes.append((no, ident, fields[0], fields[1], fields[2] if len(fields) == 3 else ""))
            continue
        head, tab, tail = body.partition("\t")
        if kind == "T":
            label, _, offsets = head.partition(" ")
            start, space, end = offsets.partition(" ")
            if space and start.isascii() and start.isdigit() and end.isascii() and end.isdigit():
                fragments = [(int(start), int(end))]  # the usual one fragment, checked cheaply
                if fragments[0][0] == fragments[0][1]:
                    ann.zero_width = True
            else:
                fragments = []
                for part in offsets.split(";"):
                    nums = part.split()
                    if len(nums) != 2 or not all(_NUMBER.match(n) for n in nums):
                        raise _bad(path, ident, line, no, "expected 'Type start end[;start end...]'")
                    fragments.append((int(nums[0]), int(nums[1])))
                    ann.zero_width |= fragments[-1][0] == fragments[-1][1]
            if not label:
                raise _bad(path, ident, line, no, "missing type")
            texts[ident] = (no, label, fragments, tail if tab else None)
            continue
        words = head.split()
        if kind == "R":
            args = [w.partition(":") for w in words[1:]]
            if len(words) != 3 or not all(a[1] and a[0] and a[2] for a in args):
                raise _bad(path, ident, line, no, "expected 'Type Arg1:ID Arg2:ID'")
            ann.relations.append((no, ident, words[0], [(a[0], a[2]) for a in args]))
        elif kind == "E":
            parts = [w.partition(":") for w in words]
            if not parts or not all(p[1] and p[0] and p[2] for p in parts):
                raise _bad(path, ident, line, no, "expected 'Type:TRIGGER Role:ID ...'")
            ann.events[ident] = (no, parts[0][0], parts[0][2], [(p[0], p[2]) for p in parts[1:]])
        elif kind == "M":
            fields = body.split(" ", 2)
            if len(fields) < 2 or not fields[0] or not fields[1]:
                raise _bad(path, ident, line, no, "expected 'Name TARGET [Value]'")
            attributes.append((no, ident, fields[0], fields[1], fields[2] if len(fields) == 3 else ""))
        elif kind == "N":
            if len(words) != 3 or ":" not in words[2][1:]:
                raise _bad(path, ident, line, no, "expected 'Reference TARGET Resource:Id<TAB>text'")
            ann.norms.append((no, ident, words[0], words[1], words[2], tail))
        elif kind == "#":
            if len(words) != 2:
                raise _bad(path, ident, line, no, "expected 'NoteType TARGET<TAB>text'")
            ann.notes.append((no, ident, words[0], words[1], tail))
        elif kind == "*":
            if len(words) < 2:
                raise _bad(path, ident, line, no, "expected 'Type ID ID ...'")
            ann.equivs.append((no, words[0], words[1:]))
        else:
            raise FormatError(path, f"unknown annotation type {ident!r} (brat knows T, R, E, A, M, N, #, *)", no)
    return ann


def _bad(path: str | Path, ident: str, line: str, no: int, what: str) -> FormatError:
    return FormatError(path, f"{ident}: {what}: {line[:80]!r}", no)


# ---------------------------------------------------------------- building the Document

def read_document(ann_path: str | Path, txt_path: str | Path, name: str) -> tuple[Document, list[str]]:
    """One document from its .ann (absent = no annotations) and .txt, plus warnings."""
    data = _read_bytes(txt_path)
    text = decode(data, txt_path)
    try:
        with open(ann_path, "rb") as file:
            content = file.read()
    except FileNotFoundError:
        ann = _Ann()
    except OSError as exc:
        raise FormatError(ann_path, f"cannot read file: {exc.strerror or exc}") from None
    else:
        ann = _parse_ann(ann_path, decode(content, ann_path))
    warnings: list[str] = []
    if data.startswith(_BOM):
        _apply_bom_shift(ann, text)
    if ann.zero_width:
        _drop_zero_width(ann, len(text), ann_path, warnings)
    _check_texts(ann, text, ann_path, warnings)
    _check_references(ann, ann_path)

    coref_rels = [r for r in ann.relations
                  if r[2].lower() == COREFERENCE and all(a in ann.texts for _, a in r[3])]
    chain_refs = {i for _, _, ids in ann.equivs for i in ids} | {a for r in coref_rels for _, a in r[3]}
    other_refs = ({t for _, _, _, t, _ in ann.attributes} | {t for _, _, _, t, _, _ in ann.norms}
                  | {t for _, _, _, t, _ in ann.notes}
                  | {a for r in ann.relations if r[2].lower() != COREFERENCE for _, a in r[3]}
                  | {x for _, _, trig, args in ann.events.values() for x in [trig, *(a for _, a in args)]})
    chain_only = {tid for tid, (_, label, _, _) in ann.texts.items()
                  if label == MENTION and tid in chain_refs and tid not in other_refs}

    attrs = _target_attrs(ann, ann_path, warnings)
    # (T id, label, fragments, attrs) per T line; folded into multi-label Spans below
    raw = {tid: (tid, label, fragments, dict(attrs[tid]) if tid in attrs else {})
           for tid, (_, label, fragments, _) in ann.texts.items() if tid not in chain_only}
    relations: list[Relation] = []
    for eid, (_, etype, trigger, args) in ann.events.items():
        span_attrs = raw[trigger][3]
        span_attrs[f"event:{eid}"] = etype
        span_attrs.update({f"event:{eid}:{k}": v for k, v in attrs.get(eid, {}).items()})
        for role, arg in args:
            extra = {"brat:arg": arg} if arg in ann.events else {}
            tail = ann.events[arg][2] if arg in ann.events else arg
            relations.append(Relation(role, trigger, tail, {"brat:event": eid, **extra}))
    if ann.events:
        warnings.append(f"{ann_path}: {len(ann.events)} event(s) kept as trigger spans with "
                        "'event:' attributes and one relation per argument")
    for no, rid, label, args in ann.relations:
        if any(a in ann.events for _, a in args):
            warnings.append(f"{ann_path}:{no}: relation {rid} links an event; rdrs-gui links spans only, skipped")
            continue
        if label.lower() == COREFERENCE:
            if attrs.get(rid):
                warnings.append(f"{ann_path}:{no}: attributes/notes of coreference link {rid} dropped")
            continue
        extra = {}
        if [r for r, _ in args] != ["Arg1", "Arg2"]:
            extra["brat:roles"] = " ".join(r for r, _ in args)
        relations.append(Relation(label, args[0][1], args[1][1], {**attrs.get(rid, {}), **extra}, id=rid))

    referenced = {r.tail for r in relations} | {r.head for r in relations if "brat:event" not in r.attrs}
    spans, folded = _fold(raw.values(), referenced)
    for rel in relations:
        rel.head, rel.tail = folded[rel.head], folded[rel.tail]
    doc = Document(name, text, spans=spans, chains=_chains(ann, coref_rels),
                   relations=relations)
    doc.assign_ids()
    return doc, warnings


def _read_bytes(path: str | Path) -> bytes:
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError as exc:
        raise FormatError(path, f"cannot read file: {exc.strerror or exc}") from None


def _apply_bom_shift(ann: _Ann, text: str) -> None:
    """Offsets written by brat count a UTF-8 BOM as a character; decoding drops it."""
    if not ann.texts:
        return

    def matches(shift: int) -> int:
        return sum(t is not None and line_text(text, [(s - shift, e - shift) for s, e in f]) == clean(t)
                   for _, _, f, t in ann.texts.values())

    if matches(1) > matches(0):
        for tid, (no, label, fragments, t) in list(ann.texts.items()):
            ann.texts[tid] = (no, label, [(max(s - 1, 0), e - 1) for s, e in fragments], t)
        ann.zero_width = any(s == e for _, _, fragments, _ in ann.texts.values() for s, e in fragments)


def _drop_zero_width(ann: _Ann, length: int, path: str | Path, warnings: list[str]) -> None:
    """brat allows a T line whose offsets are equal; the document model has no empty spans, so,
    as the WebAnno and XMI readers do, such a fragment is dropped with a warning, a T line left
    with none goes, and so do the lines that refer to what went (attributes, notes,
    normalisations, relations, events, places in ``*`` lines)."""
    empty = {tid for tid, (_, _, fragments, _) in ann.texts.items()
             if any(s == e for s, e in fragments) and all(0 <= s <= length for s, _ in fragments)}
    gone = set()
    for tid in sorted(empty):
        no, label, fragments, _ = ann.texts[tid]
        kept = [(s, e) for s, e in fragments if s != e]
        if kept:
            ann.texts[tid] = (no, label, kept, None)   # the text recorded joined the empty fragment too
        else:
            del ann.texts[tid]
            gone.add(tid)
    if gone:
        dropped = sorted(gone)
        gone.update(eid for eid, (_, _, trigger, _) in ann.events.items() if trigger in gone)  # a T
        ann.events = {eid: (no, etype, trigger, [(role, arg) for role, arg in args if arg not in gone])
                      for eid, (no, etype, trigger, args) in ann.events.items() if eid not in gone}
        gone.update(r[1] for r in ann.relations if any(arg in gone for _, arg in r[3]))
        ann.relations = [r for r in ann.relations if r[1] not in gone]
        ann.attributes = [a for a in ann.attributes if a[3] not in gone]
        ann.norms = [n for n in ann.norms if n[3] not in gone]
        ann.notes = [n for n in ann.notes if n[3] not in gone]
        equivs = [(no, label, [i for i in ids if i not in gone]) for no, label, ids in ann.equivs]
        ann.equivs = [(no, label, ids) for no, label, ids in equivs if len(ids) > 1]
        warnings.append(f"{path}: zero-width text-bound annotation(s) {', '.join(dropped)} dropped, "
                        "with the lines that refer to them")
    if empty - gone:
        warnings.append(f"{path}: zero-width fragment(s) of {', '.join(sorted(empty - gone))} dropped")


def _check_texts(ann: _Ann, text: str, path: str | Path, warnings: list[str]) -> None:
    mismatches = []
    n = len(text)
    for tid, (no, _, fragments, recorded) in ann.texts.items():
        for s, e in fragments:
            if not 0 <= s < e <= n:
                what = ("empty" if s == e else "reversed: the end is before the start" if e < s
                        else f"outside the text ({n} characters)")
                raise FormatError(path, f"{tid}: offsets {s}-{e} are {what}", no)
        if len(fragments) == 1:
            if recorded is None or text[fragments[0][0]:fragments[0][1]] == recorded:
                continue
        else:
            for (_, e1), (s2, _) in zip(sorted(fragments), sorted(fragments)[1:]):
                if s2 < e1:
                    raise FormatError(path, f"{tid}: fragments overlap", no)
        if recorded is not None and line_text(text, fragments) != clean(recorded):
            mismatches.append(f"{path}:{no}: {tid} records {recorded!r} but the text there is "
                              f"{line_text(text, fragments)!r}")
    warnings += mismatches[:_MAX_TEXT_WARNINGS]
    if len(mismatches) > _MAX_TEXT_WARNINGS:
        warnings.append(f"{path}: {len(mismatches) - _MAX_TEXT_WARNINGS} more T text mismatches")


def _check_references(ann: _Ann, path: str | Path) -> None:
    """Every id a line refers to is defined, and of a kind that may stand there; the first
    line that breaks this is the error. Set by set first: the ordered walk below, which words
    the error, takes a call per reference (150 a review in RDRS files)."""
    texts = set(ann.texts)
    spans_or_events = texts.union(ann.events) if ann.events else texts
    if (spans_or_events.issuperset([arg for r in ann.relations for _, arg in r[3]])
            and texts.issuperset([trigger for _, _, trigger, _ in ann.events.values()])
            and spans_or_events.issuperset([arg for _, _, _, args in ann.events.values() for _, arg in args])
            and texts.issuperset([ref for _, _, ids in ann.equivs for ref in ids])
            and spans_or_events.union([r[1] for r in ann.relations]).issuperset(
                map(itemgetter(3), chain(ann.attributes, ann.norms, ann.notes)))):
        return
    relation_ids = {r[1]: r for r in ann.relations}
    targets = (ann.texts, ann.events, relation_ids)

    def need(ref: str, kinds: tuple[dict, ...], no: int, what: str) -> None:
        if not any(ref in k for k in kinds):
            why = "cannot be used there" if any(ref in k for k in targets) else "is not defined in this file"
            raise FormatError(path, f"{what} refers to {ref}, which {why}", no)

    for no, rid, _, args in ann.relations:
        for _, arg in args:
            need(arg, (ann.texts, ann.events), no, rid)
    for eid, (no, _, trigger, args) in ann.events.items():
        need(trigger, (ann.texts,), no, f"{eid} trigger")
        for _, arg in args:
            need(arg, (ann.texts, ann.events), no, eid)
    for no, ident, _, target, *_ in ann.attributes + ann.norms + ann.notes:
        need(target, targets, no, ident)
    for no, label, ids in ann.equivs:
        for ref in ids:
            need(ref, (ann.texts,), no, f"* {label}")


def _target_attrs(ann: _Ann, path: str | Path, warnings: list[str]) -> dict[str, dict[str, str]]:
    """The attrs dict each T/E/R gets from the A, N and # lines that point at it."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for no, ident, name, target, value in ann.attributes:
        if name in out[target]:
            warnings.append(f"{path}:{no}: {ident} sets {name} on {target} a second time; the last value is kept")
        out[target][name] = value
    notes: dict[tuple[str, str], list[str]] = defaultdict(list)
    for _, _, ntype, target, text in ann.notes:
        notes[(target, "note" if ntype == "AnnotatorNotes" else f"note:{ntype}")].append(text)
    for (target, key), texts in notes.items():
        out[target][key] = "\n".join(texts)
    norms: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for no, ident, ntype, target, ref, text in ann.norms:
        if ntype != "Reference":
            warnings.append(f"{path}:{no}: {ident} has type {ntype!r}; read as a Reference")
        rid, _, eid = ref.partition(":")
        norms[(target, rid)].append((eid, text))
    for (target, rid), pairs in norms.items():
        out[target][f"norm:{rid}"] = " ".join(eid for eid, _ in pairs)
        if any(text for _, text in pairs):
            out[target][f"norm-text:{rid}"] = "\n".join(text for _, text in pairs)
    return out


def _chains(ann: _Ann, coref_rels: list[tuple[int, str, str, list[tuple[str, str]]]]) -> list[Chain]:
    """Each ``*`` line is one chain, even where it shares a mention with another line of its
    kind (RDRS clusters do: merging them would not survive a round trip); coreference ``R``
    links are pairs, closed transitively per label."""
    chains = []
    for _, label, ids in ann.equivs:
        places = dict.fromkeys(tuple(sorted(ann.texts[i][2])) for i in ids)
        chains.append(Chain([Mention(list(frags)) for frags in places], label=label))
    parent: dict[tuple, tuple] = {}

    def find(x: tuple) -> tuple:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def members(label: str, ids: list[str]) -> None:
        keys = [(label, tuple(sorted(ann.texts[i][2]))) for i in ids]
        for key in keys:
            find(key)
        for a, b in zip(keys, keys[1:]):
            parent[find(a)] = find(b)

    for _, _, label, args in coref_rels:
        members(label, [a for _, a in args])
    groups: dict[tuple, list[tuple]] = defaultdict(list)
    for key in parent:
        groups[find(key)].append(key)
    return chains + [Chain([Mention(list(frags)) for _, frags in keys], label=keys[0][0])
                     for keys in groups.values()]


def _fold(raw: Iterable[tuple[str, str, list[tuple[int, int]], dict[str, str]]], referenced: set[str]
          ) -> tuple[list[Span], dict[str, str]]:
    """T lines over identical fragments folded into one multi-label Span, as
    ``merge_stacked_spans`` does (not where attributes conflict, nor a label the Span already
    has: that is a second annotation), without building a Span per line first; also which Span
    each T id went into. A fold the writer would not give back line for line (``_writes_back``)
    is undone: those lines stay spans of their own."""
    created: list[list] = []  # [T id, labels, fragments, attrs, lines folded in (None: only the first)], file order
    groups: dict[tuple, list[list]] = {}
    folded: dict[str, str] = {}
    for tid, label, fragments, attrs in raw:
        place = tuple(fragments) if len(fragments) == 1 else tuple(sorted(fragments))
        for group in groups.get(place, ()):
            if label not in group[1] and all(group[3].get(k, v) == v for k, v in attrs.items()):
                if group[4] is None:     # the first line's own attributes stay as they were
                    group[4] = [(group[0], next(iter(group[1])), group[3])]
                    group[3] = dict(group[3])
                group[1].add(label)
                group[3].update(attrs)
                group[4].append((tid, label, attrs))
                folded[tid] = group[0]
                break
        else:
            group = [tid, {label}, fragments, attrs, None]
            groups.setdefault(place, []).append(group)
            created.append(group)
            folded[tid] = tid
    spans = []
    for tid, labels, fragments, attrs, lines in created:
        if lines is None or _writes_back(labels, attrs, lines, referenced):
            spans.append(Span(labels, fragments, attrs, id=tid))
            continue
        for line_tid, label, line_attrs in lines:
            spans.append(Span({label}, fragments, line_attrs, id=line_tid))
            folded[line_tid] = line_tid
    return spans, folded


def _writes_back(labels: set[str], attrs: dict[str, str], lines: list[tuple[str, str, dict[str, str]]],
                 referenced: set[str]) -> bool:
    """Whether the writer would give the folded T lines back as they were: each line's own
    attributes, notes and normalisations on it (the writer puts every attribute on every line,
    but an RDRS one only on the line of a tag it belongs to: the ATC code on the DrugName, not
    on the DrugBrand stacked there), relations and event arguments at the line of the first
    label, and an event on the line of its type (else the first). Otherwise which line they were
    on would be lost: brat allows e.g. a Negation on a Protein and a note on an Entity over the
    same word."""
    first = min(labels)
    for tid, label, line_attrs in lines:
        if tid in referenced and label != first:
            return False
        for key, value in attrs.items():
            if key.startswith("event:"):
                if key.count(":") == 1 and key in line_attrs and label != (value if value in labels else first):
                    return False
            elif line_attrs.get(key) != value and not follows_another_tag(key, label, labels):
                return False
    return True
