"""Parse one WebAnno TSV 3.x file into a Document.

The parser mirrors INCEpTION's ``Tsv3XDeserializer``: the text is rebuilt from ``#Text=`` lines
placed at the first token's offset (gaps padded with spaces, as INCEpTION does), annotations are
identified per unit by their stacking position and across units by ``[N]`` disambiguation ids,
chain elements by ``->chain-element``, and references (relations, slots) are resolved at the end.
Offsets are UTF-16 in the file and code points in the Document.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from ..document import Chain, Document, Mention, Relation, Span
from ..errors import FormatError
from . import _tsv3_syntax as syn
from ._tsv3_syntax import Layer

_FORMAT_RE = re.compile(r"^#FORMAT=(?P<name>.*) (?P<major>\d+)\.(?P<minor>\d+)$")
_UNIT_RE = re.compile(r"^(?P<sent>\d+)-(?P<tok>\d+)(?:\.(?P<sub>\d+))?$")
_OFFSETS_RE = re.compile(r"^(\d+)-(\d+)$")
_TOKEN_LAYER = Layer(syn.SPAN, syn.TOKEN_TYPE, [syn.Column(syn.PLACEHOLDER)])
# Files of one project declare the same layers, and the same cells and values recur from file to
# file: a layer line is parsed once per process, a plain layer's cells taken apart once (see
# ``_plain_steps``), a set of values mapped to a label once (``_known_label``); the bulk reader
# keeps more of the same kind (_tsv3_bulk). The readers never change a Layer. A cache stops
# growing at _CACHE_SIZE entries (per header or layer line where it is kept per header or layer
# line) rather than being emptied and refilled: what it keeps lives long, and a stream of new
# long-lived objects makes the garbage collector go through the whole heap again and again.
_CACHE_SIZE = 20_000
_HEADERS_KEPT = 8
_LAYERS: dict[str, Layer] = {}  # layer line -> its Layer
_PLAIN_CELLS: dict[str, dict[str, tuple[tuple, ...]]] = {}  # layer line -> cells -> steps
_HEADERS: dict[tuple[str, ...], tuple[dict, set, dict]] = {}  # layer lines -> what _read_header derives
_LABELS: dict[tuple, tuple] = {}  # (layer, ..., values) -> label_and_attrs, see _known_label


class _Ann:
    """One WebAnno annotation while the file is read; offsets are UTF-16 until ``_finish``.
    (A plain class with slots: a file has many.)"""

    __slots__ = ("layer", "begin", "end", "unit", "line", "values", "roles", "targets", "source",
                 "target_dis", "chain", "span_id")

    def __init__(self, layer: Layer, begin: int, end: int, unit: str, line: int,
                 chain: tuple[int, int] = (0, 0)):
        self.layer = layer
        self.begin = begin
        self.end = end
        self.unit = unit  # the ID-defining (first) unit
        self.line = line
        self.values: dict[str, str | None] = {}
        self.roles: dict[str, list[str | None]] = {}
        self.targets: dict[str, list[tuple[str, int]]] = {}
        self.source: tuple[str, int] | None = None  # relation: source unit and disambiguation id
        self.target_dis = 0
        self.chain = chain  # chain id, element index
        self.span_id = ""


class _Unit:
    __slots__ = ("id", "begin", "end", "line", "anns")

    def __init__(self, unit_id: str, begin: int, end: int, line: int):
        self.id = unit_id
        self.begin = begin
        self.end = end
        self.line = line
        self.anns: dict[str, list[_Ann]] = {}

    def get(self, layer: str, index: int) -> _Ann | None:
        anns = self.anns.get(layer, [])
        return anns[index] if index < len(anns) else None


def plain_steps(layer: Layer, cells: Sequence[str]) -> tuple[tuple, ...]:
    """The cells of a span layer with only primitive features as (stack position,
    disambiguation id or -1 if the suffix is not one, suffix, feature, value) steps."""
    steps = []
    for col, raw in zip(layer.columns, cells):
        if raw == syn.NULL_COLUMN:
            continue
        for stack, value in enumerate(syn.split_unescaped(raw, "|")):
            value, info = syn.split_suffix(value)
            dis = (int(info) if info.isdigit() else -1) if info else 0
            if col.kind == syn.FEATURE:
                steps.append((stack, dis, info, col.feature,
                              None if value == syn.NULL_VALUE else syn.unescape_value(value)))
            else:  # the placeholder column of a layer without features
                steps.append((stack, dis, info, None, None))
    return tuple(steps)


class Tsv3Parser:
    def __init__(self, text: str, path: str | Path, name: str):
        self.path = path
        self.name = name
        self.lines = text.split("\n")
        self.warnings: list[str] = []
        self.layers: list[Layer] = []
        self.header: list[str] = []
        self.minor = 3
        self.units: dict[str, _Unit] = {}
        self.unit_order: list[_Unit] = []
        self.spans: list[_Ann] = []
        self.relations: list[_Ann] = []
        self.chain_elements: dict[tuple[int, int], _Ann] = {}
        self.by_dis: dict[int, _Ann] = {}
        self.token_anns: dict[str, _Ann] = {}
        self.sentences: list[list[_Unit]] = []
        self.sentence_ids: list[str] = []
        self.ignored_columns: set[str] = set()
        self.null_cells: list[str] = []
        self.label_features: dict[str, str | None] = {}  # layer name -> label feature, found once
        self.plain_layers: set[str] = set()  # span layers whose columns are all primitive features
        self.plain_cells: dict[str, dict[str, list[tuple]]] = {}  # layer -> cells -> steps

    def fail(self, message: str, line: int | None) -> FormatError:
        return FormatError(self.path, message, line)

    def warn(self, message: str) -> None:
        self.warnings.append(f"{self.name}: {message}")

    # --- structure -------------------------------------------------------------------------------

    def parse(self) -> Document:
        line_no = self._read_header()
        return self._finish(self._read_body(line_no))

    def _line(self, index: int) -> str:
        line = self.lines[index]
        return line[:-1] if line.endswith("\r") else line

    def _read_header(self) -> int:
        first = self._line(0).lstrip("\ufeff") if self.lines else ""
        m = _FORMAT_RE.match(first)
        if not m:
            if first.startswith(("#id=", "#text=", " # ", "# ")):
                raise self.fail("this is WebAnno TSV 1/2, not TSV 3; export the document again from "
                                "WebAnno/INCEpTION as \"WebAnno TSV v3.3\"", 1)
            raise self.fail(f"expected the header line '{syn.FORMAT_LINE}', got {first[:60]!r}", 1)
        if m.group("name") != "WebAnno TSV" or m.group("major") != "3":
            raise self.fail(f"unsupported format {m.group('name')!r}, version {m.group('major')}.{m.group('minor')}; "
                            "only 'WebAnno TSV' 3.x is supported", 1)
        self.minor = int(m.group("minor"))
        if self.minor > 3:
            self.warn(f"format version 3.{self.minor} is newer than 3.3; read as 3.3")
        index = 1
        while index < len(self.lines) and syn.is_layer_line(self._line(index)):
            line = self._line(index)
            layer = _LAYERS.get(line)
            if layer is None:
                layer = syn.parse_layer(line, self.path, index + 1)
                if len(_LAYERS) < _CACHE_SIZE:
                    _LAYERS[line] = layer
            if any(other.name == layer.name for other in self.layers):
                raise self.fail(f"layer {layer.name} is declared twice", index + 1)
            self.layers.append(layer)
            self.header.append(line)
            index += 1
        header = tuple(self.header)
        known = _HEADERS.get(header)
        if known is None:
            label_features = {layer.name: layer.label_feature for layer in self.layers}
            plain_layers = {layer.name for layer in self.layers if layer.kind == syn.SPAN and all(
                col.kind in (syn.FEATURE, syn.PLACEHOLDER) for col in layer.columns)}
            if len(_HEADERS) >= _HEADERS_KEPT:  # the files of a few projects at a time
                _HEADERS.clear()
                _PLAIN_CELLS.clear()
            plain_cells = {layer.name: _PLAIN_CELLS.setdefault(line, {})
                           for layer, line in zip(self.layers, self.header) if layer.name in plain_layers}
            known = _HEADERS[header] = (label_features, plain_layers, plain_cells)
        self.label_features, self.plain_layers, self.plain_cells = known  # read only
        return index

    def _read_body(self, index: int) -> list[str]:
        """Read sentences and tokens; returns the rebuilt text as chunks (UTF-16 length tracked)."""
        text: list[str] = []
        length = 0  # UTF-16 length of the text so far
        state = "between"
        sentence_text: list[str] = []
        sentence_id = ""
        sentence: list[_Unit] = []
        token: _Unit | None = None
        current: tuple[int, str, Sequence[int]] = (0, "", [0])
        header_line = 0
        ncols = sum(len(layer.columns) for layer in self.layers)
        self.null_cells = [syn.NULL_COLUMN] * ncols  # a row without annotations, most rows
        lines = self.lines
        for index in range(index, len(lines)):
            line_no = index + 1
            line = lines[index]
            if line.endswith("\r"):
                line = line[:-1]
            if state in ("between", "header") and line.startswith("#"):
                if state == "between":
                    header_line = line_no
                state = "header"
                if line.startswith("#Text="):
                    sentence_text.append(syn.unescape_text(line[6:], self.minor) + "\n")
                elif line.startswith("#Sentence.id="):
                    sentence_id = syn.unescape_text(line[13:], self.minor)
                continue
            if not line:
                if state == "header":
                    raise self.fail("sentence header (#Text=) without tokens", header_line)
                if state == "tokens":
                    self.sentences.append(sentence)
                    self.sentence_ids.append(sentence_id)
                    sentence, sentence_id, state = [], "", "between"
                continue
            if state == "between":
                raise self.fail(f"expected a #Text= line before tokens, got {line[:40]!r}", line_no)
            fields = line.split("\t")
            if len(fields) < 3 + ncols:
                raise self.fail(f"expected {3 + ncols} tab-separated fields (id, offsets, token and "
                                f"{ncols} annotation columns), found {len(fields)}", line_no)
            unit_id = fields[0]
            sentence_no, dash, token_no = unit_id.partition("-")
            first, dash2, last = fields[1].partition("-")
            if (dash and dash2 and sentence_no.isdecimal() and token_no.isdecimal() and first.isdecimal()
                    and last.isdecimal()):  # the usual "3-14<TAB>120-127", without the regexes
                is_sub, begin, end = False, int(first), int(last)
            else:
                offsets, m = _OFFSETS_RE.match(fields[1]), _UNIT_RE.match(unit_id)
                if not m or not offsets:
                    raise self.fail(f"bad token id or offsets {fields[0]!r} {fields[1]!r}", line_no)
                is_sub, begin, end = m.group("sub") is not None, int(offsets.group(1)), int(offsets.group(2))
            if end < begin:
                raise self.fail(f"token offsets {begin}-{end} end before they begin", line_no)
            if not is_sub:
                if state == "header":  # first token: place the sentence text at its offset
                    if not sentence_text:
                        raise self.fail("a sentence without its #Text= line", header_line)
                    length, current = self._place_sentence(text, length, sentence_text, begin, line_no)
                    sentence_text = []
                    state = "tokens"
                if end > length:
                    raise self.fail(f"token offsets {begin}-{end} lie beyond the sentence text, "
                                    f"which ends at {length - 1}", line_no)
                if sentence and begin < sentence[-1].end:
                    raise self.fail(f"token offsets {begin}-{end} overlap the previous token", line_no)
                token = self._unit(unit_id, begin, end, line_no)
                sentence.append(token)
            else:
                if state != "tokens" or token is None or unit_id.split(".")[0] != token.id:
                    raise self.fail(f"sub-token {unit_id} does not follow its token", line_no)
                if not token.begin <= begin <= end <= token.end:
                    raise self.fail(f"sub-token offsets {begin}-{end} lie outside its token "
                                    f"{token.begin}-{token.end}", line_no)
                self._unit(unit_id, begin, end, line_no)
            self._check_token_text(fields[2], current, begin, end, line_no)
            if fields[3:3 + ncols] != self.null_cells:
                self._read_row(self.unit_order[-1], fields)
        if state == "header":
            raise self.fail("file ends after a sentence header without tokens (truncated?)",
                            header_line)
        if state == "tokens":
            self.sentences.append(sentence)
            self.sentence_ids.append(sentence_id)
        return text

    def _place_sentence(self, text: list[str], length: int, sentence_text: list[str], begin: int,
                        line_no: int) -> tuple[int, tuple[int, str, Sequence[int]]]:
        """Append a sentence's text at its first token's offset ``begin``; the new UTF-16 length of
        the text and the sentence as (start, text, code point offsets)."""
        if length > begin:
            if length != begin + 1 or not text or not text[-1].endswith("\n"):
                raise self.fail(f"token offset {begin} overlaps the previous sentence, "
                                f"which ends at {length}", line_no)
            text[-1] = text[-1][:-1]
            length -= 1
        if length < begin:
            text.append(" " * (begin - length))
            length = begin
        chunk = "".join(sentence_text)
        text.append(chunk)
        units = syn.utf16_len(chunk)
        cps = range(units + 1) if units == len(chunk) else syn.code_point_offsets(chunk)
        return length + units, (length, chunk, cps)

    def _unit(self, unit_id: str, begin: int, end: int, line_no: int) -> _Unit:
        if unit_id in self.units:
            raise self.fail(f"token id {unit_id} occurs twice", line_no)
        unit = _Unit(unit_id, begin, end, line_no)
        self.units[unit_id] = unit
        self.unit_order.append(unit)
        return unit

    def _check_token_text(self, shown: str, sentence: tuple[int, str, Sequence[int]], begin: int, end: int,
                          line_no: int) -> None:
        """The token column must be the text at its offsets: a cheap, strong check of the offsets."""
        start, chunk, cps = sentence
        lo, hi = begin - start, end - start
        if 0 <= lo <= hi < len(cps) and cps[lo] >= 0 and cps[hi] >= 0:
            actual = chunk[cps[lo]:cps[hi]]
            if shown == actual or shown == syn.escape_text(actual):
                return
            raise self.fail(f"token {shown!r} does not match the text at offsets {begin}-{end} "
                            f"({actual!r})", line_no)
        raise self.fail(f"token offsets {begin}-{end} lie outside their sentence", line_no)

    # --- annotation columns ------------------------------------------------------------------------

    def _read_row(self, unit: _Unit, fields: list[str]) -> None:
        col_index = 3
        for layer in self.layers:
            width = len(layer.columns)
            cells = fields[col_index:col_index + width]
            col_index += width
            if cells.count(syn.NULL_COLUMN) == width:  # nothing of this layer on this unit
                continue
            if layer.kind == syn.CHAIN:
                self._read_chain_cells(layer, unit, cells)
            elif layer.name in self.plain_layers:
                self._read_plain_cells(layer, unit, cells)
            else:
                self._read_cells(layer, unit, cells)

    def _read_cells(self, layer: Layer, unit: _Unit, cells: list[str]) -> None:
        """The cells of a relation layer, or of a span layer with slots, value by value."""
        for col, raw in zip(layer.columns, cells):
            if raw == syn.NULL_COLUMN:
                continue
            for stack, value in enumerate(syn.split_unescaped(raw, "|")):
                if layer.kind == syn.SPAN:
                    self._read_span_value(layer, col, unit, stack, value)
                else:
                    self._read_relation_value(layer, col, unit, stack, value)

    def _read_plain_cells(self, layer: Layer, unit: _Unit, cells: list[str]) -> None:
        """The cells of a span layer with only primitive features, as ``_read_span_value`` reads
        them, value by value, column by column."""
        self._read_plain_steps(layer, unit, self._plain_steps(layer, cells))

    def _plain_steps(self, layer: Layer, cells: list[str]) -> tuple[tuple, ...]:
        """The same cells recur on every unit an annotation covers (and from file to file), so
        each distinct set is taken apart once into (stack position, disambiguation id or -1 if
        the suffix is not one, suffix, feature, value) steps."""
        key = "\t".join(cells)
        steps = self.plain_cells[layer.name].get(key)
        if steps is None:
            steps = plain_steps(layer, cells)
            cache = self.plain_cells[layer.name]
            if len(cache) < _CACHE_SIZE:
                cache[key] = steps
        return steps

    def _read_plain_steps(self, layer: Layer, unit: _Unit, steps: Sequence[tuple]) -> None:
        for stack, dis, info, feature, value in steps:
            if dis < 0:
                self._int(info, unit)  # raises: a bad disambiguation id
            stacked = unit.anns.get(layer.name)
            if stacked is not None and stack < len(stacked):  # _span_ann's common case, inline
                ann = stacked[stack]
                if dis and self.by_dis.setdefault(dis, ann) is not ann:
                    raise self.fail(f"disambiguation id [{dis}] names two different annotations", unit.line)
            else:
                ann = self._span_ann(layer, unit, stack, dis)
            if feature is not None:
                ann.values[feature] = value

    def _span_ann(self, layer: Layer, unit: _Unit, stack: int, dis: int) -> _Ann:
        """The annotation at ``stack`` of ``layer`` on ``unit``: the one already there, the one
        disambiguation id ``dis`` names (continued on this unit), or a new one."""
        stacked = unit.anns.get(layer.name)
        ann = stacked[stack] if stacked is not None and stack < len(stacked) else None
        if ann is None and dis:
            ann = self.by_dis.get(dis)
            if ann is not None:
                if ann.layer is not layer:
                    raise self.fail(f"disambiguation id [{dis}] is used by two layers", unit.line)
                unit.anns.setdefault(layer.name, []).append(ann)
                ann.begin, ann.end = min(ann.begin, unit.begin), max(ann.end, unit.end)
        if ann is None:
            ann = _Ann(layer, unit.begin, unit.end, unit.id, unit.line)
            unit.anns.setdefault(layer.name, []).append(ann)
            self.spans.append(ann)
        if dis:
            if self.by_dis.setdefault(dis, ann) is not ann:
                raise self.fail(f"disambiguation id [{dis}] names two different annotations", unit.line)
        return ann

    def _read_span_value(self, layer: Layer, col: syn.Column, unit: _Unit, stack: int, value: str) -> None:
        info = None
        if col.kind != syn.TARGET:  # slot targets carry per-target ids instead
            value, info = syn.split_suffix(value)
        ann = self._span_ann(layer, unit, stack, self._int(info, unit) if info else 0)
        if col.kind == syn.FEATURE:
            ann.values[col.feature] = None if value == syn.NULL_VALUE else syn.unescape_value(value)
        elif col.kind == syn.ROLE:
            ann.roles[col.feature] = [] if value == syn.NULL_COLUMN else [
                None if r == syn.NULL_VALUE else syn.unescape_value(r)
                for r in syn.split_unescaped(value, ";")]
        elif col.kind == syn.TARGET:
            targets = []
            if value != syn.NULL_VALUE:
                for ref in syn.split_unescaped(value, ";"):
                    ref_unit, ref_info = syn.split_suffix(ref)
                    targets.append((ref_unit, self._int(ref_info, unit) if ref_info else 0))
            ann.targets[col.feature] = targets

    def _read_relation_value(self, layer: Layer, col: syn.Column, unit: _Unit, stack: int, value: str) -> None:
        value, info = syn.split_suffix(value)
        ann = unit.get(layer.name, stack)
        if ann is None:
            ann = _Ann(layer, unit.begin, unit.end, unit.id, unit.line)
            unit.anns.setdefault(layer.name, []).append(ann)
            self.relations.append(ann)
        if col.kind == syn.FEATURE:
            ann.values[col.feature] = None if value == syn.NULL_VALUE else syn.unescape_value(value)
        elif col.kind == syn.REF:
            source_dis = target_dis = 0
            if info:
                ids = info.split("_")
                if len(ids) != 2:
                    raise self.fail(f"relation reference {value}[{info}] needs two ids [source_target]",
                                    unit.line)
                source_dis, target_dis = self._int(ids[0], unit), self._int(ids[1], unit)
            ann.source, ann.target_dis = (value, source_dis), target_dis

    def _read_chain_cells(self, layer: Layer, unit: _Unit, cells: list[str]) -> None:
        types, links, bad_link, unknown = split_chain_cells(layer, cells)
        if bad_link is not None:
            raise self.fail(f"chain link {bad_link!r} lacks its '->chain-element' suffix", unit.line)
        for feature in unknown:
            if feature not in self.ignored_columns:
                self.ignored_columns.add(feature)
                self.warn(f"chain layer {layer.name}: feature column {feature!r} is not supported "
                          "and was ignored")
        for stack, (relation, (chain_id, element)) in enumerate(links):
            ann = self.chain_elements.get((chain_id, element))
            if ann is None:
                ann = _Ann(layer, unit.begin, unit.end, unit.id, unit.line, chain=(chain_id, element))
                self.chain_elements[(chain_id, element)] = ann
            elif ann.layer is not layer:
                raise self.fail(f"chain {chain_id} is used by two layers", unit.line)
            else:
                ann.begin, ann.end = min(ann.begin, unit.begin), max(ann.end, unit.end)
            unit.anns.setdefault(layer.name, []).append(ann)
            ann.values[syn.CHAIN_LINK_FEATURE] = relation
            if stack < len(types):
                ann.values[syn.CHAIN_TYPE_FEATURE] = types[stack]

    def _int(self, text: str, unit: _Unit) -> int:
        if not text.isdigit():
            raise self.fail(f"bad disambiguation id {text!r}", unit.line)
        return int(text)

    # --- from annotations to the document model ----------------------------------------------------

    def _finish(self, chunks: list[str]) -> Document:
        text = "".join(chunks)
        if text.endswith("\n"):  # the line break after the last #Text= line is the format's own
            text = text[:-1]
        cp = syn.code_point_offsets(text)
        self._check_units(cp)
        doc = Document(name=self.name, text=text)
        spans = self._spans(cp)
        doc.relations = self._relations(cp, spans)
        doc.spans = syn.fold_stacked(spans, doc.relations, unique_ids=True)  # T1, T2, ...
        doc.chains, chain_meta = self._chains(cp)  # every span, chain and relation has its id
        meta: dict = {"header": self.header, "text_hash": syn.text_hash(text),
                      "sentences": self._sentence_offsets(cp)}
        if any(self.sentence_ids):
            meta["sentence_ids"] = self.sentence_ids
        if chain_meta:
            meta["chains"] = chain_meta
        doc.meta["webanno_tsv3"] = meta
        return doc

    def _check_units(self, cp: Sequence[int]) -> None:
        for unit in self.unit_order:
            if unit.end >= len(cp):   # on the line break after the last #Text=, which is not text
                raise self.fail(f"token offsets {unit.begin}-{unit.end} lie beyond the document text, which "
                                f"ends at {len(cp) - 1}", unit.line)
            if cp[unit.begin] < 0 or cp[unit.end] < 0:
                raise self.fail(f"offsets {unit.begin}-{unit.end} split a character (surrogate pair)",
                                unit.line)

    def _sentence_offsets(self, cp: Sequence[int]) -> list[str]:
        return [syn.token_offsets([cp[u.begin] for u in s], [cp[u.end] for u in s]) for s in self.sentences]

    def _find_unit(self, unit_id: str) -> _Unit | None:
        return self.units.get(unit_id)

    def _label(self, ann: _Ann, default_layer: str) -> tuple[str, dict[str, str]]:
        """The label and attributes of ``ann``; the same values recur, so each distinct set of
        them is mapped once (the attributes are copied: the caller keeps them)."""
        label, attrs, _, _, clashes = self._known_label(ann, default_layer)
        self._warn_clashes(ann, clashes)
        return label, dict(attrs)

    def _warn_clashes(self, ann: _Ann, clashes: Sequence[str]) -> None:
        for key in clashes:
            self.warn(f"{ann.layer.name}: feature {key!r} clashes with a reserved attribute name; "
                      "its value was dropped")

    def _known_label(self, ann: _Ann, default_layer: str) -> tuple:
        """``label_and_attrs`` of ``ann`` as (label, attributes, their PART_ATTR, the attributes
        without it, clashes): once per process for each distinct layer and values (the
        attributes returned are shared: copy them)."""
        layer = ann.layer
        label_feature = self.label_features[layer.name]
        key = (layer.name, label_feature, default_layer, *ann.values.items())
        known = _LABELS.get(key)
        if known is None:
            label, attrs, clashes = syn.label_and_attrs(layer, ann.values, default_layer, label_feature)
            others = dict(attrs)
            part = others.pop(syn.PART_ATTR, None)
            known = (label, attrs, part, others, tuple(clashes))
            if len(_LABELS) < _CACHE_SIZE:
                _LABELS[key] = known
        return known

    def _spans(self, cp: Sequence[int]) -> list[Span]:
        out: list[Span] = []
        parts: dict[tuple, Span] = {}
        for ann in self.spans:
            begin, end = cp[ann.begin], cp[ann.end]
            if begin == end:
                self.warn(f"zero-width {ann.layer.short} annotation at line {ann.line} skipped "
                          "(the document model has no empty spans)")
                continue
            label, _, part, attrs, clashes = self._known_label(ann, syn.DEFAULT_SPAN_LAYER)
            self._warn_clashes(ann, clashes)
            attrs = dict(attrs)  # without PART_ATTR
            if part is not None:  # fragments of one discontinuous span, written one per annotation
                key = (ann.layer.name, part, label, tuple(sorted(attrs.items())))
                if key in parts:
                    parts[key].fragments = sorted(parts[key].fragments + [(begin, end)])
                    ann.span_id = parts[key].id
                    continue
            span = Span({label}, [(begin, end)], attrs, id=f"T{len(out) + 1}")
            if part is not None:
                parts[key] = span
            ann.span_id = span.id
            out.append(span)
        return out

    def _resolve(self, unit_id: str, dis: int, layer_name: str, line: int, cp: Sequence[int],
                 spans: list[Span]) -> _Ann | None:
        """The annotation a relation or slot refers to: by disambiguation id, else by unit."""
        if dis:
            ann = self.by_dis.get(dis)
            if ann is None:
                raise self.fail(f"reference to unknown disambiguation id [{dis}]", line)
            return ann
        unit = self._find_unit(unit_id)
        if unit is None:
            raise self.fail(f"reference to unknown token {unit_id!r}", line)
        if layer_name == syn.ANNOTATION_TYPE:
            span_layers = [lay.name for lay in self.layers if lay.kind == syn.SPAN]
            candidates = [a for name in span_layers for a in unit.anns.get(name, [])]
        else:
            candidates = unit.anns.get(layer_name, [])
        if candidates:
            return candidates[0]
        declared = any(lay.name == layer_name and lay.kind == syn.SPAN for lay in self.layers)
        if declared and layer_name != syn.POS_TYPE:  # INCEpTION attaches Dependency to tokens
            raise self.fail(f"reference to {unit_id}, where there is no {layer_name} annotation", line)
        return self._token_ann(unit, cp, spans)

    def _token_ann(self, unit: _Unit, cp: Sequence[int], spans: list[Span]) -> _Ann:
        """Relations over tokens (BT_...Token) need spans at their ends: one per token, made here."""
        ann = self.token_anns.get(unit.id)
        if ann is None:
            ann = _Ann(_TOKEN_LAYER, unit.begin, unit.end, unit.id, unit.line)
            if cp[unit.begin] < cp[unit.end]:
                span = Span({"Token"}, [(cp[unit.begin], cp[unit.end])], {syn.LAYER_ATTR: syn.TOKEN_TYPE},
                            id=f"T{len(spans) + 1}")
                spans.append(span)
                ann.span_id = span.id
            self.token_anns[unit.id] = ann
        return ann

    def _relations(self, cp: Sequence[int], spans: list[Span]) -> list[Relation]:
        out: list[Relation] = []
        for ann in self.relations:
            if ann.source is None:
                raise self.fail(f"{ann.layer.short} relation without its source reference", ann.line)
            base = ann.layer.base_type
            source = self._resolve(*ann.source, base, ann.line, cp, spans)
            target = self._resolve(ann.unit, ann.target_dis, base, ann.line, cp, spans)
            label, attrs = self._label(ann, syn.DEFAULT_RELATION_LAYER)
            if not source.span_id or not target.span_id:
                self.warn(f"{ann.layer.short} relation at line {ann.line} skipped: one of its ends "
                          "is a zero-width annotation")
                continue
            out.append(Relation(label, source.span_id, target.span_id, attrs, id=f"R{len(out) + 1}"))
        for host in self.spans:
            for feature, targets in host.targets.items():
                roles = host.roles.get(feature, [])
                slot = host.layer.slot(feature)
                target_type = slot[1].type if slot else syn.ANNOTATION_TYPE
                for i, (unit_id, dis) in enumerate(targets):
                    target = self._resolve(unit_id, dis, target_type, host.line, cp, spans)
                    if not host.span_id or not target.span_id:
                        self.warn(f"slot link {feature!r} at line {host.line} skipped: its host or "
                                  "target is a zero-width annotation")
                        continue
                    role = roles[i] if i < len(roles) else None
                    out.append(Relation(role or "", host.span_id, target.span_id,
                                        {syn.SLOT_ATTR: feature}, id=f"R{len(out) + 1}"))
        return out

    def _chains(self, cp: Sequence[int]) -> tuple[list[Chain], list[dict]]:
        by_chain: dict[int, list[_Ann]] = {}
        for (chain_id, _), ann in sorted(self.chain_elements.items()):
            by_chain.setdefault(chain_id, []).append(ann)
        chains, meta = [], []
        for chain_id, elements in by_chain.items():
            layer = elements[0].layer
            kept: dict[tuple, _Ann] = {}
            for ann in elements:
                begin, end = cp[ann.begin], cp[ann.end]
                if begin == end:
                    self.warn(f"zero-width element of chain {chain_id} at line {ann.line} skipped")
                elif (begin, end) in kept:
                    self.warn(f"chain {chain_id} has two elements at {begin}-{end}; one kept")
                else:
                    kept[(begin, end)] = ann
            if not kept:
                continue
            ordered = sorted(kept.items())
            types = [a.values.get(syn.CHAIN_TYPE_FEATURE) for _, a in ordered]
            links = [a.values.get(syn.CHAIN_LINK_FEATURE) for _, a in ordered]
            label = syn.chain_label(layer.name, types)
            chains.append(Chain([Mention([place]) for place, _ in ordered], label, id=f"C{len(chains) + 1}"))
            uniform = types == [None if label == syn.default_chain_label(layer.name) else label] * len(types)
            if layer.name != syn.DEFAULT_CHAIN_LAYER or not uniform or any(links):
                meta.append({"layer": layer.name, "mentions": [list(place) for place, _ in ordered],
                             "types": types, "relations": links})
        return chains, meta


ChainLink = tuple[str | None, tuple[int, int]]  # (relation, (chain id, element id))


def split_chain_cells(layer: Layer, cells: list[str]
                      ) -> tuple[list[str | None], list[ChainLink], str | None, list[str]]:
    """A chain layer's cells taken apart: the types per stack position, the links, the first
    value that is no chain link (None if all are; the links stop there) and the feature columns
    a chain layer does not have."""
    types: list[str | None] = []
    links: list[ChainLink] = []
    unknown: list[str] = []
    for col, raw in zip(layer.columns, cells):
        if raw == syn.NULL_COLUMN:
            continue
        values = syn.split_unescaped(raw, "|")
        if col.kind == syn.CHAIN_TYPE:
            types = [None if v == syn.NULL_VALUE else syn.unescape_value(v)
                     for v in (syn.split_suffix(v)[0] for v in values)]
        elif col.kind == syn.CHAIN_LINK:
            for value in values:
                link = syn.split_chain_link(value)
                if link is None:
                    return types, links, value, unknown
                relation, chain_id, element = link
                links.append((None if relation == syn.NULL_VALUE else syn.unescape_value(relation),
                              (chain_id, element)))
        else:
            unknown.append(col.feature)
    return types, links, None, unknown
