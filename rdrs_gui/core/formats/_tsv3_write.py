"""Serialise a Document as WebAnno TSV 3.3, the way INCEpTION's ``Tsv3XSerializer`` does.

Tokens and sentences are those the document was read with (kept in ``meta["webanno_tsv3"]`` while
the text is unchanged); otherwise razdel's, cut at every span boundary so that spans align with
tokens. An annotation that starts or ends inside a token gets a sub-token unit (``1-3.1``), as in
INCEpTION. Sentences are stretched over the whitespace that follows them so that the reader
rebuilds the text exactly (only whitespace before the first token comes back as spaces).
"""
from __future__ import annotations

import bisect
import operator
import re
import threading
from collections import Counter
from collections.abc import Sequence
from itertools import compress, count, islice, repeat
from pathlib import Path

from ..document import Chain, Document, Span
from ..errors import FormatError
from . import _tsv3_syntax as syn
from ._tsv3_syntax import Column, Layer

_MAX_SUBTOKENS = 9  # INCEpTION's reader takes one digit after the dot
_TO_ESCAPE = re.compile("[\t\n\r]")  # what a token's text column must escape
_NUMBERS = ["0"]  # str(i) at index i, grown on demand
_GROWING = threading.Lock()
_NUMBERED_UP_TO = 100_000  # _NUMBERS also gives the offsets of documents up to this length
_FIRST, _SECOND = operator.itemgetter(0), operator.itemgetter(1)
# Caches of what recurs from document to document; each stops growing at _CACHE_SIZE entries and
# keeps only strings and tuples of them, which the garbage collector leaves alone.
_CACHE_SIZE = 20_000
# layer line -> its kind, name and columns
_LAYER_LINES: dict[str, tuple[str, str, tuple[tuple[str, str, str], ...]]] = {}
_PLAIN_JOINED: dict[tuple, str] = {}  # see _plain_joined
_NO_FEATURE = object()  # the feature of a placeholder column: an annotation has no value for it
_BEGIN, _END = operator.attrgetter("begin"), operator.attrgetter("end")
_Edges = tuple[dict[int, int], dict[int, int]]  # token begin -> its index, token end -> its index
_Tokens = tuple[list[int], list[int], list[int]]  # the tokens' begins, ends and sentence numbers


def _count_to(i: int) -> None:
    """Make ``_NUMBERS`` reach ``i`` (under a lock: two threads must not append the same number)."""
    if len(_NUMBERS) <= i:
        with _GROWING:
            _NUMBERS.extend(map(str, range(len(_NUMBERS), i + 1)))


class _Unit:
    """A token or sub-token with annotations (or sub-tokens); ``anns`` and ``subs`` are made on demand."""

    __slots__ = ("begin", "end", "id", "anns", "subs")

    def __init__(self, begin: int, end: int, unit_id: str = ""):
        self.begin = begin
        self.end = end
        self.id = unit_id
        self.anns: dict[str, list[_Ann]] | None = None
        self.subs: dict[tuple[int, int], _Unit] | None = None


class _Ann:
    """One WebAnno annotation to write. A document has many: the attributes most keep at their
    default are class attributes, set on an annotation only where they differ."""

    hidden = False  # token "spans" that relations attach to: placed, never written
    dis = 0
    links: dict[str, list[tuple[str | None, _Ann]]] | None = None  # slot feature -> (role, target)
    source: _Ann | None = None
    target: _Ann | None = None
    chain = (0, 0)
    cells: list[str] | None = None  # its cells, the same on every unit it covers: rendered once
    joined: str | None = None  # the cells joined by tabs, as the row of a unit with only this annotation has them

    def __init__(self, layer: Layer, begin: int, end: int, values: dict[str, str | None]):
        self.layer = layer
        self.begin = begin
        self.end = end
        self.values = values
        self.units: list[_Unit] = []


class Tsv3Writer:
    def __init__(self, doc: Document, path: str | Path, losses: Counter[str] | None = None):
        self.doc = doc
        self.path = path
        self.losses = Counter() if losses is None else losses   # what TSV cannot hold, left out
        self.meta = doc.meta.get("webanno_tsv3") if isinstance(doc.meta.get("webanno_tsv3"), dict) else {}
        self.layers: list[Layer] = self._meta_layers()
        self.new_layers: dict[str, list[Layer]] = {syn.SPAN: [], syn.CHAIN: [], syn.RELATION: []}
        self.spans: dict[str, list[_Ann]] = {}
        self.chains: list[_Ann] = []
        self.relations: list[_Ann] = []
        self.kept_tokens = False  # whether the tokens read with the document are written back
        self.null_cells: dict[str, str] = {}  # layer name -> its cells on a unit without its annotations
        self.around: dict[str, tuple[str, str]] = {}  # layer name -> the other layers' empty cells before, after
        self.plain_features: dict[str, tuple] = {}  # span layer without slots -> its columns' features
        self.begins: list[int] = []  # the tokens placed, as in _Tokens
        self.ends: list[int] = []
        self.units: dict[int, _Unit] = {}  # token index -> its unit, for the tokens that have one
        self.numbered = False  # whether _NUMBERS holds the text's offsets (see serialize)

    def fail(self, message: str) -> FormatError:
        return FormatError(self.path, f"document {self.doc.name!r}: {message}")

    # --- layers ----------------------------------------------------------------------------------

    def _meta_layers(self) -> list[Layer]:
        """The layers the document was read with; new Layer objects (the writer adds columns)
        from the layer lines, each parsed once per process."""
        try:
            layers = []
            for line in self.meta.get("header", []):
                known = _LAYER_LINES.get(line) if isinstance(line, str) else None
                if known is None:
                    layer = syn.parse_layer(line, self.path, None)
                    known = (layer.kind, layer.name, tuple((c.kind, c.feature, c.type) for c in layer.columns))
                    if len(_LAYER_LINES) < _CACHE_SIZE:
                        _LAYER_LINES[line] = known
                kind, name, columns = known
                layers.append(Layer(kind, name, [Column(*c) for c in columns]))
            return layers
        except (FormatError, TypeError):
            return []

    def _layer(self, kind: str, name: str) -> Layer:
        for layer in self.layers + [lay for group in self.new_layers.values() for lay in group]:
            if layer.name == name:
                if layer.kind != kind:
                    raise self.fail(f"{name} is used both as a {layer.kind} and a {kind} layer")
                return layer
        columns = {syn.SPAN: [Column(syn.PLACEHOLDER)], syn.RELATION: [Column(syn.REF)],
                   syn.CHAIN: [Column(syn.CHAIN_TYPE, syn.CHAIN_TYPE_FEATURE),
                               Column(syn.CHAIN_LINK, syn.CHAIN_LINK_FEATURE)]}[kind]
        layer = Layer(kind, name, columns)
        self.new_layers[kind].append(layer)
        return layer

    def _prepare(self, layer: Layer, items: list[tuple[str, dict[str, str], str | None]],
                 extra: tuple[str, ...] = ()) -> str | None:
        """Give ``layer`` a column for every label and attribute of ``items``; its label feature."""
        label_feature = layer.label_feature
        needs_label = any(label != layer.short or (label_feature and unset != label_feature)
                          for label, _, unset in items)
        keys = sorted({k for _, attrs, _ in items for k in attrs} | set(extra))
        if label_feature is None and (needs_label or keys):
            layer.add_feature("value")
            label_feature = "value"
        for key in keys:
            if not key.isidentifier():   # brat's notes, normalisations and events ("note:Lemma", "event:E1")
                family = key.split(":")[0] + (":…" if ":" in key else "")
                self.losses[f"attributes whose names cannot be WebAnno features ({family}) left out"] += sum(
                    key in attrs for _, attrs, _ in items)
                continue
            if key == label_feature:
                raise self.fail(f"attribute {key!r} clashes with the label feature of {layer.name}")
            if key not in layer.features:
                layer.add_feature(key)
        if layer.label_feature != label_feature:
            raise self.fail(f"attribute {layer.label_feature!r} would become the label of {layer.name}; "
                            "rename it or set the 'layer' attribute")
        return label_feature

    @staticmethod
    def _label_value(label_feature: str | None, layer: Layer, label: str, unset: str | None) -> dict:
        if label_feature is None:
            return {}
        if unset == label_feature and label == layer.short:
            return {label_feature: None}
        return {label_feature: label}

    # --- annotations -----------------------------------------------------------------------------

    def _check(self, what: str, fragments: list[tuple[int, int]]) -> None:
        if not fragments or any(not 0 <= s < e <= len(self.doc.text) for s, e in fragments):
            raise self.fail(f"{what} has an empty fragment or one outside the text")

    def _collect_spans(self) -> None:
        by_layer: dict[str, list[tuple[str, Span]]] = {}
        size = len(self.doc.text)
        for index, span in enumerate(self.doc.spans):
            fragments = span.fragments
            if not (len(fragments) == 1 and 0 <= fragments[0][0] < fragments[0][1] <= size):
                self._check(f"span {span.id or sorted(span.labels)}", fragments)
            key = span.id or f"#{index}"  # relations can only name spans that have an id
            by_layer.setdefault(span.attrs.get(syn.LAYER_ATTR, syn.DEFAULT_SPAN_LAYER), []).append((key, span))
        parts = 0
        for name, keyed in by_layer.items():
            if name == syn.TOKEN_TYPE:
                for key, span in keyed:
                    ann = _Ann(Layer(syn.SPAN, name), span.start, span.end, {})
                    ann.hidden = True
                    self.spans[key] = [ann]
                continue
            spans = [span for _, span in keyed]
            plains = [_plain(span.attrs) for span in spans]
            layer = self._layer(syn.SPAN, name)
            items = [(label, plain, span.attrs.get(syn.UNSET_ATTR))
                     for span, plain in zip(spans, plains) for label in span.labels]
            extra = (syn.PART_ATTR,) if any(len(s.fragments) > 1 for s in spans) else ()
            label_feature = self._prepare(layer, items, extra)
            short = layer.short
            for (key, span), plain in zip(keyed, plains):
                anns: list[_Ann] = []
                fragments = span.fragments
                discontinuous = len(fragments) > 1
                if discontinuous:
                    parts += 1
                unset = span.attrs.get(syn.UNSET_ATTR) if span.attrs else None
                labels = span.labels
                for label in sorted(labels) if len(labels) > 1 else labels:
                    values = dict(plain) if plain else {}
                    if label_feature is not None:  # as _label_value gives it
                        values[label_feature] = None if unset == label_feature and label == short else label
                    if discontinuous:
                        values[syn.PART_ATTR] = str(parts)
                        anns.append(_Ann(layer, fragments[0][0], fragments[0][1], values))
                        anns += [_Ann(layer, s, e, dict(values)) for s, e in fragments[1:]]
                    else:
                        anns.append(_Ann(layer, fragments[0][0], fragments[0][1], values))
                self.spans[key] = anns

    def _collect_relations(self) -> None:
        by_layer: dict[str, list] = {}
        for rel in self.doc.relations:
            head, tail = self.spans.get(rel.head), self.spans.get(rel.tail)
            if not head or not tail:
                raise self.fail(f"relation {rel.id or rel.label!r} refers to a span that does not exist")
            if syn.SLOT_ATTR in rel.attrs:
                self._slot_link(rel.attrs[syn.SLOT_ATTR], rel.label, head[0], tail[0])
                continue
            by_layer.setdefault(rel.attrs.get(syn.LAYER_ATTR, syn.DEFAULT_RELATION_LAYER), []).append(
                (rel, head[0], tail[0]))
        for name, rels in by_layer.items():
            layer = self._layer(syn.RELATION, name)
            base = rels[0][1].layer.name
            for rel, head, tail in rels:
                if head.layer.name != base or tail.layer.name != base:
                    raise self.fail(f"relations of {name} link spans of different layers ({base}, "
                                    f"{tail.layer.name}); WebAnno TSV needs one base layer")
            next(c for c in layer.columns if c.kind == syn.REF).type = base
            items = [(rel.label, _plain(rel.attrs), rel.attrs.get(syn.UNSET_ATTR)) for rel, _, _ in rels]
            label_feature = self._prepare(layer, items)
            for rel, head, tail in rels:
                values = dict(_plain(rel.attrs))
                values.update(self._label_value(label_feature, layer, rel.label, rel.attrs.get(syn.UNSET_ATTR)))
                ann = _Ann(layer, tail.begin, tail.end, values)
                ann.source, ann.target = head, tail
                self.relations.append(ann)

    def _slot_link(self, feature: str, role: str, host: _Ann, target: _Ann) -> None:
        if host.hidden or target.hidden:
            raise self.fail(f"slot {feature!r} links a token, which WebAnno TSV cannot express")
        if not feature.isidentifier():
            raise self.fail(f"slot name {feature!r} cannot be a WebAnno feature name")
        layer = host.layer
        slot = layer.slot(feature)
        if slot is None:
            layer.columns = [c for c in layer.columns if c.kind != syn.PLACEHOLDER]
            link_type = f"{layer.name}{feature[0].upper()}{feature[1:]}Link"
            slot = (Column(syn.ROLE, feature, link_type), Column(syn.TARGET, feature, target.layer.name))
            layer.columns += slot
        if slot[1].type not in (target.layer.name, syn.ANNOTATION_TYPE):
            slot[1].type = syn.ANNOTATION_TYPE
        if host.links is None:
            host.links = {}
        host.links.setdefault(feature, []).append((role or None, target))

    def _collect_chains(self) -> None:
        records = self.meta.get("chains", [])
        size = len(self.doc.text)
        for number, chain in enumerate(sorted(self.doc.chains, key=lambda c: (c.mentions[0].start
                                                                             if c.mentions else 0)), 1):
            places = [(m.start, m.end) for m in chain.mentions]  # a discontinuous mention is covered whole
            if not places or not all(0 <= s < e <= size for s, e in places):
                self._check(f"chain {chain.id or chain.label!r}", places)
            layer_name, types, links = self._chain_record(chain, places, records)
            layer = self._layer(syn.CHAIN, layer_name)
            for element, ((begin, end), ctype, link) in enumerate(zip(places, types, links), 1):
                values = {syn.CHAIN_TYPE_FEATURE: ctype, syn.CHAIN_LINK_FEATURE: link}
                ann = _Ann(layer, begin, end, values)
                ann.chain = (number, element)
                self.chains.append(ann)

    @staticmethod
    def _chain_record(chain: Chain, places: list, records: list) -> tuple[str, list, list]:
        """Layer, per-mention types and link relations: as read, if the chain is unchanged."""
        for rec in records if isinstance(records, list) else []:
            if not isinstance(rec, dict) or [tuple(p) for p in rec.get("mentions", [])] != places:
                continue
            layer = rec.get("layer", syn.DEFAULT_CHAIN_LAYER)
            types, links = rec.get("types", []), rec.get("relations", [])
            if len(types) == len(links) == len(places) and syn.chain_label(layer, types) == chain.label:
                return layer, types, links
            ctype = None if chain.label == syn.default_chain_label(layer) else chain.label
            return layer, [ctype] * len(places), [None] * len(places)
        ctype = None if chain.label == syn.default_chain_label(syn.DEFAULT_CHAIN_LAYER) else chain.label
        return syn.DEFAULT_CHAIN_LAYER, [ctype] * len(places), [None] * len(places)

    # --- tokens and units --------------------------------------------------------------------------
    # Tokens are three parallel lists (begins, ends, sentence numbers): most have no annotations,
    # and a _Unit is made only for those that get some (``_token``).

    def _boundaries(self) -> list[tuple[int, int]]:
        places = [(a.begin, a.end) for anns in self.spans.values() for a in anns]
        return places + [(a.begin, a.end) for a in self.chains]

    def _meta_tokens(self) -> _Tokens | None:
        sentences = self.meta.get("sentences")
        if self.meta.get("text_hash") != syn.text_hash(self.doc.text) or not isinstance(sentences, list):
            return None
        all_begins: list[int] = []
        all_ends: list[int] = []
        numbers: list[int] = []
        prev, size = 0, len(self.doc.text)
        try:
            for number, sentence in enumerate(sentences):
                if isinstance(sentence, str):  # "0-6 7-15 ...", see syn.token_offsets
                    begins, ends = syn.parse_token_offsets(sentence)
                    if not begins:
                        continue
                elif isinstance(sentence, list) and sentence and list(map(len, sentence)).count(2) == len(sentence):
                    # [[0, 6], [7, 15], ...]: documents stored before the strings
                    begins, ends = list(map(_FIRST, sentence)), list(map(_SECOND, sentence))
                else:
                    for begin, end in sentence:  # the general case, a token at a time
                        if not (isinstance(begin, int) and isinstance(end, int) and prev <= begin < end <= size):
                            return None
                        all_begins.append(begin)
                        all_ends.append(end)
                        numbers.append(number)
                        prev = end
                    continue
                # checked in one go
                if not (all(map(isinstance, begins, repeat(int))) and all(map(isinstance, ends, repeat(int)))
                        and prev <= begins[0] and ends[-1] <= size and all(map(operator.lt, begins, ends))
                        and all(map(operator.le, ends, begins[1:]))):
                    return None
                all_begins += begins
                all_ends += ends
                numbers += repeat(number, len(begins))
                prev = ends[-1]
        except (TypeError, ValueError):
            return None
        return all_begins, all_ends, numbers

    def _razdel_tokens(self) -> _Tokens:
        from razdel import sentenize

        from ..words import words as razdel_words

        begins: list[int] = []
        ends: list[int] = []
        numbers: list[int] = []
        number, offset = 0, 0
        for line in self.doc.text.split("\n"):
            for sentence in sentenize(line):
                words = razdel_words(sentence.text)
                for word_start, word_end, _ in words:
                    begins.append(offset + sentence.start + word_start)
                    ends.append(offset + sentence.start + word_end)
                    numbers.append(number)
                number += bool(words)
            offset += len(line) + 1
        return begins, ends, numbers

    @staticmethod
    def _cut(tokens: _Tokens, places: list[tuple[int, int]], only: set[int] | None = None) -> _Tokens:
        """Split tokens (all, or those at the indexes in ``only``) at annotation boundaries."""
        cuts = sorted({p for place in places for p in place})
        out: _Tokens = ([], [], [])
        for i, (begin, end, number) in enumerate(zip(*tokens)):
            inner = [] if only is not None and i not in only else \
                cuts[bisect.bisect_right(cuts, begin):bisect.bisect_left(cuts, end)]
            edges = [begin, *inner, end]
            out[0].extend(edges[:-1])
            out[1].extend(edges[1:])
            out[2].extend(repeat(number, len(edges) - 1))
        return out

    @staticmethod
    def _cover(tokens: _Tokens, places: list[tuple[int, int]]) -> _Tokens:
        """Add tokens over whitespace where an annotation begins or ends outside every token."""
        starts, ends, numbers = tokens
        if starts and places:  # the usual case, checked in one go: every edge lies in a token already
            edges = list(map(_FIRST, places)) + list(map(operator.sub, map(_SECOND, places), repeat(1)))
            at = list(map(bisect.bisect_right, repeat(starts), edges))
            covering = map(ends.__getitem__, map(operator.sub, at, repeat(1)))  # the end of the token before
            if min(at) > 0 and all(map(operator.lt, edges, covering)):
                return tokens
        for begin, end in sorted(set(places)):
            for edge in (begin, end - 1):
                i = bisect.bisect_right(starts, edge) - 1
                if i >= 0 and edge < ends[i]:
                    continue
                lo = max(begin, ends[i] if i >= 0 else 0)
                hi = min(end, starts[i + 1] if i + 1 < len(starts) else end)
                number = numbers[i] if i >= 0 else (numbers[0] if numbers else 0)
                starts.insert(i + 1, lo)
                ends.insert(i + 1, hi)
                numbers.insert(i + 1, number)
        return tokens

    def _tokens(self) -> tuple[_Tokens, _Edges | None]:
        """The tokens; and where every annotation begins and ends on a token's edge (the usual
        case when the tokens are those read), each edge's token index."""
        tokens = self._meta_tokens()
        self.kept_tokens = tokens is not None
        if tokens is not None:
            starts = dict(zip(tokens[0], count()))
            ends = dict(zip(tokens[1], count()))
            anns = self._all_anns()
            if (all(map(starts.__contains__, map(_BEGIN, anns)))
                    and all(map(ends.__contains__, map(_END, anns)))):
                return tokens, (starts, ends)  # every edge lies in a token: nothing to cover
        places = self._boundaries()
        if tokens is None:
            tokens = self._cut(self._razdel_tokens(), places)
        return self._cover(tokens, places), None

    def _token(self, i: int) -> _Unit:
        """The unit of token ``i``, made when first asked for."""
        unit = self.units.get(i)
        if unit is None:
            unit = self.units[i] = _Unit(self.begins[i], self.ends[i])
        return unit

    def _place(self, tokens: _Tokens, edges: _Edges | None = None) -> set[int]:
        """Put every annotation on its units; the indexes of tokens with too many sub-tokens.
        ``edges`` (see ``_tokens``) stand in for the search of each annotation's tokens."""
        self.begins, self.ends, _ = tokens
        self.units = {}  # the tokens are new: no annotations placed yet
        starts, ends, token, made = self.begins, self.ends, self._token, self.units
        by_end = sorted(self._all_anns(), key=_END, reverse=True)  # stable
        for ann in sorted(by_end, key=_BEGIN):  # by begin, then longest first
            if edges is not None:
                i0, i1 = edges[0][ann.begin], edges[1][ann.end]
            else:
                i0 = bisect.bisect_right(starts, ann.begin) - 1
                i1 = i0 if ann.end <= ends[i0] else bisect.bisect_right(starts, ann.end - 1, i0) - 1
            if starts[i0] == ann.begin and ends[i1] == ann.end:
                if i0 == i1:
                    units = [made.get(i0) or token(i0)]
                else:
                    units = [made.get(i) or token(i) for i in range(i0, i1 + 1)]
            else:
                first, last = token(i0), token(i1)
                head = _sub(first, ann.begin, min(first.end, ann.end)) if first.begin < ann.begin else \
                    (first if first.end <= ann.end else None)
                if i1 == i0:
                    tail = None if head is not None else _sub(first, ann.begin, ann.end)
                else:
                    tail = _sub(last, last.begin, ann.end) if last.end > ann.end else last
                units = [u for u in [head, *(token(i) for i in range(i0 + 1, i1)), tail] if u is not None]
            ann.units = units
            if not ann.hidden:
                name = ann.layer.name
                for unit in units:
                    if unit.anns is None:
                        unit.anns = {name: [ann]}
                    else:
                        unit.anns.setdefault(name, []).append(ann)
        for rel in self.relations:
            rel.units = [rel.target.units[0]]
            _add(rel.units[0], rel)
        return {i for i, tok in self.units.items() if tok.subs and len(tok.subs) > _MAX_SUBTOKENS}

    def _all_anns(self) -> list[_Ann]:
        return [a for anns in self.spans.values() for a in anns] + self.chains

    def _units(self, groups: list[tuple[int, int]]) -> list[_Unit]:
        """Number the units made (``sentence-token[.sub]``, the sentences being the ``groups`` of
        token indexes); the annotated ones in file order."""
        out = []
        starts = [lo for lo, _ in groups]
        for i in sorted(self.units):
            tok = self.units[i]
            number = bisect.bisect_right(starts, i)
            tok.id = f"{number}-{i - starts[number - 1] + 1}"
            if tok.anns:
                out.append(tok)
            if tok.subs:
                for k, key in enumerate(sorted(tok.subs), 1):
                    tok.subs[key].id = f"{tok.id}.{k}"
                    if tok.subs[key].anns:
                        out.append(tok.subs[key])
        return out

    def _disambiguate(self, units: list[_Unit], layers: list[Layer]) -> None:
        """``[N]`` ids for multi-unit and stacked span annotations and for ambiguous slot targets."""
        ambiguous = {t for anns in self.spans.values() for a in anns if a.links for f, links in a.links.items()
                     for _, t in links if a.layer.slot(f)[1].type == syn.ANNOTATION_TYPE}
        next_id = 1
        span_layers = [layer.name for layer in layers if layer.kind == syn.SPAN]
        for unit in units:
            by_layer = unit.anns
            # most units have annotations of one layer: the others need not be looked at
            for name in by_layer if len(by_layer) == 1 else span_layers:
                stacked = by_layer.get(name, ())
                if len(stacked) == 1:
                    ann = stacked[0]
                    if not ann.dis and (len(ann.units) > 1 or ann in ambiguous) and name in span_layers:
                        ann.dis, next_id = next_id, next_id + 1
                    continue
                for ann in stacked:
                    if not ann.dis and name in span_layers:
                        ann.dis, next_id = next_id, next_id + 1

    # --- output ------------------------------------------------------------------------------------

    def serialize(self) -> str:
        self._collect_spans()
        self._collect_chains()
        self._collect_relations()
        layers = self.layers + [lay for kind in (syn.SPAN, syn.CHAIN, syn.RELATION)
                                for lay in self.new_layers[kind]]
        tokens, edges = self._tokens()
        crowded = self._place(tokens, edges)
        if crowded:  # more sub-tokens than INCEpTION can number: cut those tokens instead
            tokens = self._cut(tokens, self._boundaries(), crowded)
            self._place(tokens)
        numbers = tokens[2]  # each sentence's token indexes, lo to hi: where the sentence number changes
        starts = [0, *compress(count(1), map(operator.ne, numbers[1:], numbers)), len(numbers)]
        groups = list(zip(starts, starts[1:])) if numbers else []
        self._disambiguate(self._units(groups), layers)
        text = self.doc.text
        u16 = syn.utf16_offsets(text)
        out = [syn.FORMAT_LINE + "\n"] + [layer.render() + "\n" for layer in layers] + ["\n"]
        sentence_ids = self.meta.get("sentence_ids") if self.kept_tokens else None
        empty = "".join("\t" + syn.NULL_COLUMN for layer in layers for _ in layer.columns) + "\t\n"
        self.null_cells = {layer.name: "\t".join([syn.NULL_COLUMN] * len(layer.columns)) for layer in layers}
        nulls = [self.null_cells[layer.name] for layer in layers]
        self.plain_features = {layer.name: tuple(_NO_FEATURE if col.kind == syn.PLACEHOLDER else col.feature
                                                 for col in layer.columns)
                               for layer in layers if layer.kind == syn.SPAN and all(
                                   col.kind in (syn.FEATURE, syn.PLACEHOLDER) for col in layer.columns)}
        self.around = {layer.name: ("".join(n + "\t" for n in nulls[:k]),
                                    "".join("\t" + n for n in nulls[k + 1:])) for k, layer in enumerate(layers)}
        begins, ends, units = self.begins, self.ends, self.units
        annotated = sorted(i for i, tok in units.items() if tok.anns is not None or tok.subs is not None)
        # offsets as the strings in _NUMBERS (where they are UTF-16 offsets too)
        numbered = self.numbered = len(text) <= _NUMBERED_UP_TO and u16[-1] == len(text)
        if numbered:
            _count_to(len(text))
        for k, (lo, hi) in enumerate(groups):
            out.append("\n")
            if isinstance(sentence_ids, list) and k < len(sentence_ids) and sentence_ids[k]:
                out.append(f"#Sentence.id={syn.escape_text(str(sentence_ids[k]))}\n")
            begin = begins[lo]
            if k + 1 < len(groups):
                following = begins[hi]
                newline = text[following - 1] == "\n" and following - 1 >= ends[hi - 1]
                end = following - 1 if newline else following
            else:
                end = len(text)
            out += [f"#Text={syn.escape_text(line)}\n" for line in text[begin:end].split("\n")]
            prefix = f"{k + 1}-"
            _count_to(hi - lo)
            if u16[-1] == len(text) and not _TO_ESCAPE.search(text, begin, ends[hi - 1]):
                # no surrogate pairs, nothing to escape: the rows of tokens without annotations at once
                if numbered:
                    rows = [f"{prefix}{position}\t{_NUMBERS[b]}-{_NUMBERS[e]}\t{text[b:e]}{empty}"
                            for position, b, e in zip(islice(_NUMBERS, 1, None), begins[lo:hi], ends[lo:hi])]
                else:
                    rows = [f"{prefix}{position}\t{b}-{e}\t{text[b:e]}{empty}"
                            for position, b, e in zip(islice(_NUMBERS, 1, None), begins[lo:hi], ends[lo:hi])]
                cut = len(empty)
                for i in annotated[bisect.bisect_left(annotated, lo):bisect.bisect_left(annotated, hi)]:
                    tok = units[i]
                    if tok.subs:
                        rows[i - lo] = self._rows(tok, layers, u16, empty)
                    else:  # the row made above, its empty cells replaced
                        rows[i - lo] = f"{rows[i - lo][:-cut]}\t{self._cells_of(tok, layers)}\t\n"
            else:
                rows = [self._rows(units.get(i) or _Unit(begins[i], ends[i], prefix + _NUMBERS[i - lo + 1]),
                                   layers, u16, empty) for i in range(lo, hi)]
            out += rows
        return "".join(out)

    def release(self) -> None:
        """Cut the links from annotations to their units: units point back at their annotations,
        and without this every document written leaves a few hundred objects in cycles, which
        only the garbage collector frees (0.6 s of a 10,000-review export, at the end, in one
        go, when the CLI turns it back on)."""
        for ann in self._all_anns() + self.relations:
            ann.units = []

    def _rows(self, tok: _Unit, layers: list[Layer], u16: Sequence[int], empty: str) -> str:
        """The line of a token, then those of its sub-tokens."""
        if not tok.subs:
            return self._row(tok, layers, u16, empty)
        return "".join([self._row(tok, layers, u16, empty)]
                       + [self._row(tok.subs[key], layers, u16, empty) for key in sorted(tok.subs)])

    def _row(self, unit: _Unit, layers: list[Layer], u16: Sequence[int], empty: str) -> str:
        """One unit's line; ``empty`` ends the line of a unit without annotations."""
        shown = self.doc.text[unit.begin:unit.end]
        if "\t" in shown or "\n" in shown or "\r" in shown:
            shown = syn.escape_text(shown)
        if not unit.anns:
            return f"{unit.id}\t{u16[unit.begin]}-{u16[unit.end]}\t{shown}{empty}"
        if self.numbered:
            offsets = f"{_NUMBERS[unit.begin]}-{_NUMBERS[unit.end]}"
        else:
            offsets = f"{u16[unit.begin]}-{u16[unit.end]}"
        return f"{unit.id}\t{offsets}\t{shown}\t{self._cells_of(unit, layers)}\t\n"

    def _cells_of(self, unit: _Unit, layers: list[Layer]) -> str:
        """The annotation cells of a unit with annotations, every layer's, joined by tabs."""
        by_layer = unit.anns
        if len(by_layer) == 1:  # most units: one annotation of one layer, the other layers' cells empty
            (name, anns), = by_layer.items()
            around = self.around.get(name)
            if len(anns) == 1 and around is not None:
                ann = anns[0]
                if ann.joined is None:
                    features = self.plain_features.get(name)
                    if features is not None:  # a span layer without slots: the same cells recur
                        ann.joined = _plain_joined(features, ann)
                    else:
                        ann.joined = "\t".join(_cells(ann.layer, ann))
                return f"{around[0]}{ann.joined}{around[1]}"
        parts = []
        for layer in layers:
            anns = by_layer.get(layer.name)
            if not anns:
                parts.append(self.null_cells[layer.name])
            elif len(anns) == 1:
                ann = anns[0]
                if ann.joined is None:
                    ann.joined = "\t".join(_cells(layer, ann))
                parts.append(ann.joined)
            else:
                parts.append("\t".join(map("|".join, zip(*[_cells(layer, a) for a in anns]))))
        return "\t".join(parts)


def _plain(attrs: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in attrs.items() if k not in syn.RESERVED_ATTRS} if attrs else {}


def _sub(token: _Unit, begin: int, end: int) -> _Unit:
    if token.subs is None:
        token.subs = {}
    return token.subs.setdefault((begin, end), _Unit(begin, end))


def _add(unit: _Unit, ann: _Ann) -> None:
    if unit.anns is None:
        unit.anns = {}
    unit.anns.setdefault(ann.layer.name, []).append(ann)


def _value(value: str | None) -> str:
    return syn.NULL_VALUE if value is None else syn.escape_value(value)


def _plain_joined(features: tuple, ann: _Ann) -> str:
    """The cells of ``ann`` joined by tabs, as ``_cells`` gives them for a span layer whose
    columns are ``features`` (primitive features or the placeholder): made once per process
    for each distinct set of values and disambiguation id."""
    key = (ann.dis, features, *map(ann.values.get, features))
    joined = _PLAIN_JOINED.get(key)
    if joined is None:
        dis = f"[{ann.dis}]" if ann.dis else ""
        joined = "\t".join([(syn.NULL_VALUE if value is None else syn.escape_value(value)) + dis
                            for value in key[2:]])
        if len(_PLAIN_JOINED) < _CACHE_SIZE:
            _PLAIN_JOINED[key] = joined
    return joined


def _cells(layer: Layer, ann: _Ann) -> list[str]:
    if ann.cells is None:
        dis = f"[{ann.dis}]" if ann.dis else ""
        ann.cells = [_cell(layer, col, ann, dis) for col in layer.columns]
    return ann.cells


def _cell(layer: Layer, col: Column, ann: _Ann, dis: str) -> str:
    if col.kind == syn.FEATURE:
        return _value(ann.values.get(col.feature)) + (dis if layer.kind == syn.SPAN else "")
    if col.kind == syn.PLACEHOLDER:
        return syn.NULL_VALUE + dis
    if col.kind == syn.ROLE:
        links = ann.links.get(col.feature) if ann.links else None
        return (";".join(_value(role) for role, _ in links) if links else syn.NULL_COLUMN) + dis
    if col.kind == syn.TARGET:
        links = ann.links.get(col.feature) if ann.links else None
        return ";".join(t.units[0].id + (f"[{t.dis}]" if t.dis else "") for _, t in links) \
            if links else syn.NULL_VALUE
    if col.kind == syn.REF:
        source, target = ann.source, ann.target
        ids = f"[{source.dis}_{target.dis}]" if source.dis or target.dis else ""
        return source.units[0].id + ids
    chain, element = ann.chain
    if col.kind == syn.CHAIN_TYPE:
        return f"{_value(ann.values.get(syn.CHAIN_TYPE_FEATURE))}[{chain}]"
    return f"{_value(ann.values.get(syn.CHAIN_LINK_FEATURE))}->{chain}-{element}"


def serialize(doc: Document, path: str | Path, losses: Counter[str] | None = None) -> str:
    """The TSV text of ``doc``; ``losses`` counts what the format could not hold."""
    writer = Tsv3Writer(doc, path, losses)
    try:
        return writer.serialize()
    finally:
        writer.release()
