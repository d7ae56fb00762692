"""Reading WebAnno TSV 3 files of the regular shape a sentence at a time.

Most files (INCEpTION's, and ours) number sentences from 1 and tokens 1-1, 1-2, ... without
sub-tokens: ``RegularParser`` reads those with whole-list string operations instead of the
line-by-line loop of ``Tsv3Parser``, where most of the time of an import went. It gives exactly
what ``Tsv3Parser`` gives; a file of any other shape raises ``Irregular`` (and a bad one a
FormatError), and ``webanno_tsv3.parse`` then reads it line by line, which also words any error.
"""
from __future__ import annotations

import operator
import threading
from collections.abc import Sequence
from itertools import compress, repeat
from pathlib import Path

from . import _tsv3_syntax as syn
from ._tsv3_read import _CACHE_SIZE, _HEADERS_KEPT, Tsv3Parser, _Ann, _Unit, plain_steps, split_chain_cells
from ._tsv3_syntax import Layer


class Irregular(Exception):
    """The file is not of the regular shape that ``RegularParser`` reads."""


_NUMBERS = ["0"]  # str(i) at index i, grown on demand
_GROWING = threading.Lock()
_TOKEN_IDS: dict[tuple[int, int], tuple[str, ...]] = {}  # see _token_ids


def _token_ids(sentence: int, count: int) -> tuple[str, ...]:
    """``("1-1", "1-2", ...)``: the ids of a sentence's ``count`` tokens when it has no sub-tokens
    (the same few recur from file to file: kept)."""
    ids = _TOKEN_IDS.get((sentence, count))
    if ids is None:
        if len(_NUMBERS) <= count:
            with _GROWING:  # two threads must not append the same number
                _NUMBERS.extend(map(str, range(len(_NUMBERS), count + 1)))
        ids = tuple(map(f"{sentence}-".__add__, _NUMBERS[1:count + 1]))
        if len(_TOKEN_IDS) < 500 and count <= 256:  # at most 128,000 ids kept
            _TOKEN_IDS[(sentence, count)] = ids
    return ids


_FIRST, _SECOND = operator.itemgetter(0), operator.itemgetter(1)


# A plain layer's cells per stack position: (disambiguation id that finds the annotation, the
# other ids of that position, (feature, value) pairs in column order).
_Groups = tuple[tuple[int, tuple[int, ...], tuple[tuple[str, str | None], ...]], ...]
# A chain layer's cells: (types per stack position, [(link relation, (chain, element))]).
_Links = tuple[tuple[str | None, ...], tuple[tuple[str | None, tuple[int, int]], ...]]
_ROW_PLANS: dict[tuple[str, ...], dict[str, tuple[tuple, ...]]] = {}  # header -> row cells -> plan
_VALUES: dict[tuple, tuple] = {}  # the (feature, value) pairs of a stack position, each kept once
# (layer position, layer line, its cells) -> how to read them (see RegularParser._layer_read)
_LAYER_READS: dict[tuple[int, str, str], tuple] = {}


def _stack_groups(steps: list[tuple]) -> _Groups | None:
    """``steps`` (see ``Tsv3Parser._plain_steps``) grouped by stack position, or None where
    reading them position by position could differ from reading them step by step: a bad
    disambiguation id, or one id at two positions (the order of the steps would then decide)."""
    by_stack: dict[int, list[tuple]] = {}
    for stack, dis, _, feature, value in steps:
        if dis < 0:
            return None
        by_stack.setdefault(stack, []).append((dis, feature, value))
    groups, seen = [], set()
    for stack in range(len(by_stack)):
        group = by_stack.get(stack)
        if group is None:
            return None
        ids = {dis for dis, _, _ in group if dis}
        if ids & seen:
            return None
        seen |= ids
        more = tuple(dict.fromkeys(dis for dis, _, _ in group[1:] if dis and dis != group[0][0]))
        values = tuple((feature, value) for _, feature, value in group if feature is not None)
        if len(_VALUES) < _CACHE_SIZE:  # the same values recur with other ids: kept once
            values = _VALUES.setdefault(values, values)
        groups.append((group[0][0], more, values))
    return tuple(groups)


def _chain_parts(layer: Layer, cells: list[str]) -> _Links | None:
    """A chain layer's cells as ``Tsv3Parser._read_chain_cells`` takes them apart; None where
    that would warn or refuse them."""
    types, links, bad_link, unknown = split_chain_cells(layer, cells)
    if bad_link is not None or unknown:
        return None
    return tuple(types), tuple(links)


class RegularParser(Tsv3Parser):
    """The same reader for files of the shape INCEpTION and our writer produce (sentences numbered
    from 1, tokens 1-1, 1-2, ... without sub-tokens, rows ending in one or no tab), a sentence at a
    time with whole-list string operations instead of line by line: most of the time of an import
    went into the per-line loop. Tokens without annotations get no ``_Unit`` unless a reference
    names them. Anything else, including any error, raises ``Irregular`` or FormatError, and
    ``parse`` then leaves the file to the line-by-line reader, which words the error."""

    def __init__(self, text: str, path: str | Path, name: str):
        super().__init__(text, path, name)
        # per sentence: the tokens' begins, ends, first line, and offset fields ("0-6", UTF-16)
        self.tokens: list[tuple[tuple[int, ...], tuple[int, ...], int, tuple[str, ...]]] = []

    def _read_body(self, index: int) -> list[str]:
        text: list[str] = []
        length = 0
        lines = self.lines
        ncols = sum(len(layer.columns) for layer in self.layers)
        self.null_cells = [syn.NULL_COLUMN] * ncols
        empty_rows = frozenset(("\t".join(self.null_cells) + "\t", "\t".join(self.null_cells)))
        if len(_ROW_PLANS) >= _HEADERS_KEPT and tuple(self.header) not in _ROW_PLANS:
            _ROW_PLANS.clear()
        self.row_plans = _ROW_PLANS.setdefault(tuple(self.header), {})
        while index < len(lines):
            if not lines[index]:
                index += 1
                continue
            first = index
            sentence_text: list[str] = []
            sentence_id = ""
            while index < len(lines) and lines[index][:1] == "#":
                line = lines[index]
                if line.startswith("#Text="):
                    sentence_text.append(syn.unescape_text(line[6:], self.minor) + "\n")
                elif line.startswith("#Sentence.id="):
                    sentence_id = syn.unescape_text(line[13:], self.minor)
                index += 1
            try:
                stop = lines.index("", index)
            except ValueError:
                stop = len(lines)
            if index == first or stop == index:  # tokens without a header, a header without tokens
                raise Irregular
            try:
                ids, offsets, shown, rest = zip(*map(str.split, lines[index:stop], repeat("\t"), repeat(3)))
            except ValueError:  # a row with too few fields
                raise Irregular from None
            count = stop - index
            if ids != _token_ids(len(self.tokens) + 1, count):
                raise Irregular
            if not "".join(offsets).replace("-", "").isdecimal():
                raise Irregular
            try:  # "0-6", "7-15" -> [[0, 6], [7, 15]]: JSON reads numbers much faster than int()
                pairs = syn.json_list("[[" + "],[".join(offsets).replace("-", ",") + "]]")
            except ValueError:  # e.g. "1--2", or a leading zero
                raise Irregular from None
            if list(map(len, pairs)).count(2) != count:
                raise Irregular  # an offset field without one dash, or with two
            begins, ends = tuple(map(_FIRST, pairs)), tuple(map(_SECOND, pairs))
            if not all(map(operator.le, begins, ends)) or not all(map(operator.ge, begins[1:], ends)):
                raise Irregular  # a token that ends before it begins, or overlaps the one before
            length, current = self._place_sentence(text, length, sentence_text, begins[0], index + 1)
            if ends[-1] > length:
                raise Irregular
            start, chunk, cps = current
            if len(cps) == len(chunk) + 1:  # no surrogate pairs: UTF-16 offsets index the chunk
                if start:
                    actual = tuple(map(chunk.__getitem__, map(slice, map(operator.sub, begins, repeat(start)),
                                                              map(operator.sub, ends, repeat(start)))))
                else:
                    actual = tuple(map(chunk.__getitem__, map(slice, begins, ends)))
                if actual != shown and any(a != s and s != syn.escape_text(a) for a, s in zip(actual, shown)):
                    raise Irregular
            else:
                for i in range(count):
                    self._check_token_text(shown[i], current, begins[i], ends[i], index + 1 + i)
            plans, units, layers = self.row_plans, self.units, self.layers
            for i in compress(range(count), map(operator.not_, map(empty_rows.__contains__, rest))):
                plan = plans.get(rest[i])
                if plan is None:
                    plan = self._row_plan(rest[i])
                if plan:  # one row's annotations, as _read_row reads them
                    unit = units[ids[i]] = _Unit(ids[i], begins[i], ends[i], index + 1 + i)  # ids are distinct
                    for layer_index, how, what in plan:
                        _READERS[how](self, layers[layer_index], unit, what)
            self.sentence_ids.append(sentence_id)
            self.tokens.append((begins, ends, index + 1, offsets))
            index = stop
        return text

    def _row_plan(self, rest: str) -> tuple[tuple, ...]:
        """What a row's annotation cells (``rest``, after the token column) hold: a read (see
        ``_layer_read``) for each layer with annotations on the row. A distinct ``rest`` is taken
        apart once per header, a layer's cells once per process."""
        cells = rest.split("\t")
        if len(cells) < len(self.null_cells):
            raise Irregular
        plan = []
        start = 0
        for index, (layer, line) in enumerate(zip(self.layers, self.header)):
            width = len(layer.columns)
            part = cells[start:start + width]
            start += width
            if part.count(syn.NULL_COLUMN) == width:
                continue
            key = (index, line, "\t".join(part))
            read = _LAYER_READS.get(key)
            if read is None:
                read = self._layer_read(index, layer, part)
                if len(_LAYER_READS) < _CACHE_SIZE:
                    _LAYER_READS[key] = read
            plan.append(read)
        plan = tuple(plan)  # one object a row: a cache keeps many
        if len(self.row_plans) < _CACHE_SIZE:
            self.row_plans[rest] = plan
        return plan

    def _layer_read(self, index: int, layer: Layer, part: list[str]) -> tuple:
        """How ``_read_row`` reads the cells ``part`` of the layer at ``index``: (``index``, the
        position in _READERS of the function that reads them, what it reads). Only strings,
        numbers and tuples of them: the garbage collector leaves such objects alone, so that what
        the caches keep does not make it go through the heap again and again (and no Layer: a
        cache may hold another parse of the same line)."""
        if layer.kind == syn.CHAIN:
            links = _chain_parts(layer, part)
            if links is None:
                return index, _CHAIN_CELLS, tuple(part)
            return index, _LINKS, links
        if layer.name not in self.plain_layers:
            return index, _CELLS, tuple(part)
        steps = plain_steps(layer, part)
        groups = _stack_groups(steps)
        if groups is None:
            return index, _STEPS, steps
        if len(groups) == 1:  # most cells: one annotation
            return index, _GROUP, groups[0]
        return index, _GROUPS, groups

    def _read_groups(self, layer: Layer, unit: _Unit, groups: _Groups) -> None:
        """A plain layer's cells a stack position at a time (see ``_stack_groups``); the same
        annotations and values as ``_read_plain_steps`` step by step. Anything it would refuse
        is Irregular here."""
        stacked: list[_Ann] = []
        unit.anns[layer.name] = stacked
        by_dis = self.by_dis
        for dis, more, values in groups:
            ann = by_dis.get(dis) if dis else None
            if ann is None:
                ann = _Ann(layer, unit.begin, unit.end, unit.id, unit.line)
                self.spans.append(ann)
                if dis:
                    by_dis[dis] = ann
            elif ann.layer is not layer:
                raise Irregular
            else:
                ann.begin, ann.end = min(ann.begin, unit.begin), max(ann.end, unit.end)
            stacked.append(ann)
            for other in more:
                if by_dis.setdefault(other, ann) is not ann:
                    raise Irregular
            if values:
                ann.values.update(values)

    def _read_group(self, layer: Layer, unit: _Unit, group: tuple) -> None:
        """``_read_groups`` of one stack position."""
        dis, more, values = group
        ann = self.by_dis.get(dis) if dis else None
        if ann is None:
            ann = _Ann(layer, unit.begin, unit.end, unit.id, unit.line)
            self.spans.append(ann)
            if dis:
                self.by_dis[dis] = ann
        elif ann.layer is not layer:
            raise Irregular
        else:
            ann.begin, ann.end = min(ann.begin, unit.begin), max(ann.end, unit.end)
        unit.anns[layer.name] = [ann]
        for other in more:
            if self.by_dis.setdefault(other, ann) is not ann:
                raise Irregular
        if values:
            ann.values.update(values)

    def _read_links(self, layer: Layer, unit: _Unit, links: _Links) -> None:
        """A chain layer's cells taken apart (``_chain_parts``), as ``_read_chain_cells`` reads them."""
        types, elements = links
        if not elements:  # a type without a link: no chain element
            return
        stacked = unit.anns.setdefault(layer.name, [])
        for stack, (relation, key) in enumerate(elements):
            ann = self.chain_elements.get(key)
            if ann is None:
                ann = _Ann(layer, unit.begin, unit.end, unit.id, unit.line, chain=key)
                self.chain_elements[key] = ann
            elif ann.layer is not layer:
                raise Irregular
            else:
                ann.begin, ann.end = min(ann.begin, unit.begin), max(ann.end, unit.end)
            stacked.append(ann)
            ann.values[syn.CHAIN_LINK_FEATURE] = relation
            if stack < len(types):
                ann.values[syn.CHAIN_TYPE_FEATURE] = types[stack]

    def _check_units(self, cp: Sequence[int]) -> None:
        if any(ends and ends[-1] >= len(cp) for _, ends, _, _ in self.tokens[-1:]):
            raise Irregular   # a token on the line break after the last #Text=: the general parser says where
        if cp[-1] != len(cp) - 1:  # the text has surrogate pairs
            for begins, ends, _, _ in self.tokens:
                if min(cp[b] for b in begins) < 0 or min(cp[e] for e in ends) < 0:
                    raise Irregular

    def _sentence_offsets(self, cp: Sequence[int]) -> list[str]:
        if cp[-1] == len(cp) - 1:  # the text has no surrogate pairs: the offset fields read are the offsets
            return [" ".join(offsets) for _, _, _, offsets in self.tokens]
        return [syn.token_offsets(map(cp.__getitem__, begins), map(cp.__getitem__, ends))
                for begins, ends, _, _ in self.tokens]

    def _find_unit(self, unit_id: str) -> _Unit | None:
        """A token without annotations gets its unit when a reference names it."""
        unit = self.units.get(unit_id)
        if unit is None:
            sentence, _, token = unit_id.partition("-")
            if not (sentence.isdecimal() and token.isdecimal() and f"{int(sentence)}-{int(token)}" == unit_id):
                return None
            s, t = int(sentence) - 1, int(token) - 1
            if 0 <= s < len(self.tokens) and 0 <= t < len(self.tokens[s][0]):
                begins, ends, line, _ = self.tokens[s]
                unit = self.units[unit_id] = _Unit(unit_id, begins[t], ends[t], line + t)
        return unit


# How a layer's cells on a row are read (see RegularParser._layer_read).
_GROUP, _GROUPS, _STEPS, _LINKS, _CHAIN_CELLS, _CELLS = range(6)
_READERS = (RegularParser._read_group, RegularParser._read_groups, Tsv3Parser._read_plain_steps,
            RegularParser._read_links, Tsv3Parser._read_chain_cells, Tsv3Parser._read_cells)
