"""The grammar of WebAnno TSV 3.x that its reader and writer share: value and text escaping,
UTF-16 offsets and the layer header (``#T_SP=``, ``#T_CH=``, ``#T_RL=``).

It follows INCEpTION's own implementation (``Tsv3XDeserializer``, ``Tsv3XSerializer``,
``Escaping``), so that files we write are files INCEpTION reads, and the reverse. It also holds
the rules that map WebAnno/INCEpTION layers onto the document model, because the TSV reader, the
TSV writer and the XMI reader must apply exactly the same rules (see webanno_tsv3.py).
"""
from __future__ import annotations

import hashlib
import json
import json.scanner
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..document import Relation, Span, fold_stacked_spans
from ..errors import FormatError

FORMAT_PREFIX = "#FORMAT="
FORMAT_LINE = "#FORMAT=WebAnno TSV 3.3"
NULL_COLUMN = "_"  # no annotation of this layer on this unit
NULL_VALUE = "*"  # an annotation whose feature has no value

TOKEN_TYPE = "de.tudarmstadt.ukp.dkpro.core.api.segmentation.type.Token"
ANNOTATION_TYPE = "uima.tcas.Annotation"
POS_TYPE = "de.tudarmstadt.ukp.dkpro.core.api.lexmorph.type.pos.POS"
# Layers the document model leaves implicit: spans, chains and relations without a "layer"
# attribute belong to these. NamedEntity and Coreference exist in every INCEpTION project.
DEFAULT_SPAN_LAYER = "de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity"
DEFAULT_CHAIN_LAYER = "de.tudarmstadt.ukp.dkpro.core.api.coref.type.CoreferenceLink"
DEFAULT_RELATION_LAYER = "webanno.custom.Relation"
CHAIN_TYPE_FEATURE = "referenceType"
CHAIN_LINK_FEATURE = "referenceRelation"
# The feature that becomes a span's or relation's label, first match wins; otherwise the first
# feature of the layer. "tag" is the label feature of RDRS-style custom layers.
LABEL_FEATURES = ("value", "tag", "label", "PosValue", "DependencyType")

# Attribute keys the format itself puts on spans and relations (see webanno_tsv3.py).
LAYER_ATTR = "layer"
UNSET_ATTR = "unset"
PART_ATTR = "discontinuous"
SLOT_ATTR = "slot"
RESERVED_ATTRS = (LAYER_ATTR, UNSET_ATTR, PART_ATTR, SLOT_ATTR)

SPAN, CHAIN, RELATION = "span", "chain", "relation"
_LAYER_PREFIXES = {"#T_SP=": SPAN, "#T_CH=": CHAIN, "#T_RL=": RELATION}

# Column kinds, as in INCEpTION's FeatureType.
FEATURE, PLACEHOLDER, ROLE, TARGET, REF, CHAIN_TYPE, CHAIN_LINK = (
    "feature", "placeholder", "role", "target", "ref", "chain_type", "chain_link")


# --- escaping ---------------------------------------------------------------------------------

_VALUE_ESCAPES = {"\\": "\\\\", "[": "\\[", "]": "\\]", "|": "\\|", "_": "\\_", "->": "\\->",
                  ";": "\\;", "\t": "\\t", "\n": "\\n", "*": "\\*"}
_VALUE_UNESCAPES = {v[1:]: k for k, v in _VALUE_ESCAPES.items()}
_VALUE_ESCAPE_RE = re.compile(r"\\|\[|\]|\||_|->|;|\t|\n|\*")
_VALUE_UNESCAPE_RE = re.compile(r"\\(\\|\[|\]|\||_|->|;|t|n|\*)")


def escape_value(value: str) -> str:
    if value.isalnum():  # most labels: none of the characters to escape is a letter or digit
        return value
    return _VALUE_ESCAPE_RE.sub(lambda m: _VALUE_ESCAPES[m.group()], value)


def unescape_value(value: str) -> str:
    if "\\" not in value:  # most values: nothing to undo
        return value
    return _VALUE_UNESCAPE_RE.sub(lambda m: _VALUE_UNESCAPES[m.group(1)], value)


# TSV 3.2+ text escaping: control characters other than 8-13 get a backslash in front of the
# raw character; tab, newline, form feed, carriage return, backspace and backslash get the
# readable Java escape. Vertical tab (11) is left alone, as INCEpTION does.
_TEXT_ESCAPES = {"\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r", "\b": "\\b", "\\": "\\\\"}
_TEXT_ESCAPES.update({chr(i): "\\" + chr(i) for i in range(32) if not 8 <= i <= 13})
_TEXT_UNESCAPES = {v[1:]: k for k, v in _TEXT_ESCAPES.items()}
_TEXT_ESCAPE_RE = re.compile("[" + re.escape("".join(_TEXT_ESCAPES)) + "]")
_TEXT_UNESCAPE_RE = re.compile(r"\\([" + re.escape("".join(_TEXT_UNESCAPES)) + "])")
_JAVA_UNESCAPE_RE = re.compile(r"\\(u+[0-9a-fA-F]{4}|[0-3][0-7]{0,2}|[4-7][0-7]?|[btnfr\"'\\])")
_JAVA_SIMPLE = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "'": "'", "\\": "\\"}


def escape_text(text: str) -> str:
    return _TEXT_ESCAPE_RE.sub(lambda m: _TEXT_ESCAPES[m.group()], text)


def unescape_text(text: str, minor_version: int) -> str:
    """Undo ``escape_text``; TSV 3.0 and 3.1 used Java string escapes instead."""
    if minor_version <= 1:
        text = _JAVA_UNESCAPE_RE.sub(_java_unescape, text)
        # Java escapes a character beyond U+FFFF as its two UTF-16 halves: put them together
        # (a half alone stays, and Document.problems refuses it)
        if not text.isascii():
            text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
        return text
    return _TEXT_UNESCAPE_RE.sub(lambda m: _TEXT_UNESCAPES[m.group(1)], text)


def _java_unescape(match: re.Match) -> str:
    code = match.group(1)
    if code[0] == "u":
        return chr(int(code.lstrip("u"), 16))
    if code[0].isdigit():
        return chr(int(code, 8))
    return _JAVA_SIMPLE[code]


def is_escaped(text: str, index: int) -> bool:
    """Whether ``text[index]`` is preceded by an odd number of backslashes."""
    count = 0
    while index - count - 1 >= 0 and text[index - count - 1] == "\\":
        count += 1
    return count % 2 == 1


def split_unescaped(text: str, separator: str) -> list[str]:
    """Split at separators that are not escaped (stack ``|`` and slot ``;`` separators, one
    character): split everywhere, then join back a piece whose text before the separator ends
    in an odd run of backslashes (escaped values, ``A\\_B``, are common: no loop per character)."""
    parts = text.split(separator)
    if len(parts) == 1 or "\\" not in text:
        return parts
    joined = [parts[0]]
    for part in parts[1:]:
        before = joined[-1]
        if before.endswith("\\") and (len(before) - len(before.rstrip("\\"))) % 2:
            joined[-1] = before + separator + part
        else:
            joined.append(part)
    return joined


_CHAIN_RE = re.compile(r"^(.*)->(\d+)-(\d+)$", re.S)


def split_suffix(value: str) -> tuple[str, str | None]:
    """``PER[3]`` -> ``("PER", "3")``, ``1-1[1_2]`` -> ``("1-1", "1_2")``; no suffix -> None.
    What ``^(.*)\\[(\\d+(?:_\\d+)?)\\]$`` matches, without the regex (one call per cell value)."""
    if not value.endswith("]"):
        return value, None
    i = value.rfind("[")  # the suffix holds no "[", so only the last one can open it
    suffix = value[i + 1:-1]
    if i < 0 or not suffix.isdecimal():
        first, underscore, second = suffix.partition("_")
        if i < 0 or not (underscore and first.isdecimal() and second.isdecimal()):
            return value, None
    if value[i - 1:i] == "\\" and is_escaped(value, i):
        return value, None
    return value[:i], suffix


def split_chain_link(value: str) -> tuple[str, int, int] | None:
    """``COREFERENTIAL->4-2`` -> ``("COREFERENTIAL", 4, 2)``; None if it is no chain link."""
    m = _CHAIN_RE.match(value)
    if m and not is_escaped(value, m.end(1)):
        return m.group(1), int(m.group(2)), int(m.group(3))
    return None


# --- offsets ------------------------------------------------------------------------------------

def _bmp_only(text: str) -> bool:
    """No character outside the Basic Multilingual Plane: UTF-16 and code point offsets agree."""
    return text.isascii() or utf16_len(text) == len(text)


def utf16_offsets(text: str) -> Sequence[int]:
    """UTF-16 offset of every code point position 0..len(text) (WebAnno counts like Java); a
    ``range`` when they are the same, which costs nothing to make."""
    if _bmp_only(text):
        return range(len(text) + 1)
    out, pos = [0] * (len(text) + 1), 0
    for i, ch in enumerate(text):
        out[i] = pos
        pos += 2 if ord(ch) > 0xFFFF else 1
    out[len(text)] = pos
    return out


def code_point_offsets(text: str) -> Sequence[int]:
    """Code point position of every UTF-16 offset; -1 inside a surrogate pair (a ``range``
    when there are no surrogate pairs)."""
    if _bmp_only(text):
        return range(len(text) + 1)
    out = []
    for i, ch in enumerate(text):
        out.append(i)
        if ord(ch) > 0xFFFF:
            out.append(-1)
    out.append(len(text))
    return out


def text_hash(text: str) -> str:
    """Fingerprint kept with the tokens read, so they are reused only for the same text."""
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


# The tokens read with a document are kept in its meta as one string a sentence, "0-6 7-15 ...":
# the reader has those fields at hand, and 10,000 reviews' tokens as JSON lists of [begin, end]
# pairs cost the import ~1 s of CPU (encoding, and carrying them between processes). Documents
# stored before keep the lists, which the writer still reads.

def token_offsets(begins: Iterable[int], ends: Iterable[int]) -> str:
    """``"0-6 7-15"``: a sentence's tokens (character offsets) as kept in a document's meta."""
    return " ".join(map("{}-{}".format, begins, ends))


_TOKEN_OFFSETS = re.compile(r"[0-9]+-[0-9]+(?: [0-9]+-[0-9]+)*")
_SCAN = json.scanner.make_scanner(json.JSONDecoder())  # json.loads without its checks of the outside


def json_list(text: str) -> list:
    """``json.loads(text)`` of a text that starts with ``[`` (ValueError if it is not JSON): JSON
    reads lists of numbers much faster than int() does, and refuses a leading zero."""
    try:
        value, end = _SCAN(text, 0)
    except StopIteration:
        raise ValueError(text[:40]) from None
    if end != len(text):
        raise ValueError(text[:40])
    return value


def parse_token_offsets(kept: str) -> tuple[list[int], list[int]]:
    """The begins and ends of ``token_offsets``; ValueError if ``kept`` is not of that shape."""
    if not kept:
        return [], []
    if not _TOKEN_OFFSETS.fullmatch(kept):
        raise ValueError(kept[:40])
    numbers = json_list("[" + kept.replace("-", ",").replace(" ", ",") + "]")
    return numbers[0::2], numbers[1::2]


def utf16_len(text: str) -> int:
    """Two bytes a UTF-16 unit; encoding is far faster than looking at each character."""
    return len(text) if text.isascii() else len(text.encode("utf-16-le", "surrogatepass")) // 2


# --- the layer header ---------------------------------------------------------------------------

@dataclass
class Column:
    kind: str
    feature: str = ""  # FEATURE, ROLE, TARGET: the feature name
    type: str = ""  # ROLE: link type; TARGET: slot target type; REF: the base (attach) type


@dataclass
class Layer:
    kind: str  # SPAN, CHAIN or RELATION
    name: str
    columns: list[Column] = field(default_factory=list)

    @property
    def short(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    @property
    def features(self) -> list[str]:
        return [c.feature for c in self.columns if c.kind == FEATURE]

    @property
    def label_feature(self) -> str | None:
        feats = self.features
        return next((f for f in LABEL_FEATURES if f in feats), feats[0] if feats else None)

    @property
    def base_type(self) -> str:
        return next((c.type for c in self.columns if c.kind == REF), "")

    def slot(self, feature: str) -> tuple[Column, Column] | None:
        """The (role, target) columns of slot ``feature``."""
        for role, target in zip(self.columns, self.columns[1:]):
            if role.kind == ROLE and role.feature == feature:
                return role, target
        return None

    def add_feature(self, name: str) -> None:
        """Add a primitive feature column, replacing the placeholder if it was the only column."""
        self.columns = [c for c in self.columns if c.kind != PLACEHOLDER]
        position = next((i for i, c in enumerate(self.columns) if c.kind == REF), len(self.columns))
        self.columns.insert(position, Column(FEATURE, name))

    def render(self) -> str:
        prefix = next(p for p, kind in _LAYER_PREFIXES.items() if kind == self.kind)
        parts = [prefix + self.name]
        for col in self.columns:
            if col.kind == PLACEHOLDER:
                parts.append("")
            elif col.kind == ROLE:
                parts.append(f"ROLE_{self.name}:{col.feature}_{col.type}")
            elif col.kind == TARGET:
                parts.append(col.type)
            elif col.kind == REF:
                parts.append("BT_" + col.type)
            elif col.kind == CHAIN_TYPE:
                parts.append(CHAIN_TYPE_FEATURE)
            elif col.kind == CHAIN_LINK:
                parts.append(CHAIN_LINK_FEATURE)
            else:
                parts.append(col.feature)
        if len(parts) == 1:  # INCEpTION writes "type|" for a layer without features
            parts.append("")
        return "|".join(parts)


_ROLE_RE = re.compile(r"^ROLE_(?P<host>[^:]+):(?P<feature>[^_]+)_(?P<link>.+)$")


def is_layer_line(line: str) -> bool:
    return line[:6] in _LAYER_PREFIXES


def parse_layer(line: str, path: str | Path, line_no: int | None) -> Layer:
    """One ``#T_SP=``/``#T_CH=``/``#T_RL=`` header line as a Layer; FormatError if malformed."""
    kind = _LAYER_PREFIXES.get(line[:6])
    if kind is None:
        raise FormatError(path, f"not a layer declaration: {line[:60]!r}", line_no)
    fields = [f for f in line[6:].split("|") if f]
    if not fields or not re.match(r"^[\w.$]+$", fields[0]):
        raise FormatError(path, f"layer declaration without a valid type name: {line[:60]!r}", line_no)
    layer = Layer(kind, fields[0])
    for decl in fields[1:]:
        prev = layer.columns[-1] if layer.columns else None
        if kind == SPAN and decl.startswith("ROLE_"):
            m = _ROLE_RE.match(decl)
            if not m:
                raise FormatError(path, f"malformed slot role column {decl!r}", line_no)
            layer.columns.append(Column(ROLE, m.group("feature"), m.group("link")))
        elif kind == SPAN and prev is not None and prev.kind == ROLE:
            layer.columns.append(Column(TARGET, prev.feature, decl))
        elif kind == RELATION and decl.startswith("BT_"):
            layer.columns.append(Column(REF, type=decl[3:]))
        elif kind == CHAIN and decl == CHAIN_TYPE_FEATURE:
            layer.columns.append(Column(CHAIN_TYPE, decl))
        elif kind == CHAIN and decl == CHAIN_LINK_FEATURE:
            layer.columns.append(Column(CHAIN_LINK, decl))
        else:
            layer.columns.append(Column(FEATURE, decl))
    if not layer.columns:
        layer.columns.append(Column(PLACEHOLDER))
    if layer.columns[-1].kind == ROLE:
        raise FormatError(path, f"slot role column of {layer.name} has no target column", line_no)
    if kind == RELATION and not layer.base_type:
        raise FormatError(path, f"relation layer {layer.name} has no BT_ base type column", line_no)
    if kind == CHAIN and not any(c.kind == CHAIN_LINK for c in layer.columns):
        raise FormatError(path, f"chain layer {layer.name} has no {CHAIN_LINK_FEATURE} column", line_no)
    return layer


# --- mapping layers onto the document model -------------------------------------------------------

def default_chain_label(layer_name: str) -> str:
    """Label of a chain whose mentions carry no (or mixed) types: ``CoreferenceLink`` -> ``Coreference``."""
    short = layer_name.rsplit(".", 1)[-1]
    return short[:-4] if short.endswith("Link") and len(short) > 4 else short


def chain_label(layer_name: str, types: list[str | None]) -> str:
    if types and types[0] is not None and all(t == types[0] for t in types):
        return types[0]
    return default_chain_label(layer_name)


_UNKNOWN = object()


def label_and_attrs(layer: Layer, values: dict[str, str | None], default_layer: str,
                    label_feature: str | None | object = _UNKNOWN) -> tuple[str, dict[str, str], list[str]]:
    """Label and attributes of one span or relation annotation with these feature ``values``;
    also the reserved names among its features, whose values cannot be kept. A reader that
    labels many annotations of one layer passes the layer's ``label_feature``, found once."""
    if label_feature is _UNKNOWN:
        label_feature = layer.label_feature
    attrs = {k: v for k, v in values.items() if v is not None and k != label_feature}
    clashes = [k for k in RESERVED_ATTRS if k in attrs and k != PART_ATTR]
    for key in clashes:
        del attrs[key]
    value = values.get(label_feature) if label_feature else None
    if value is None:
        label = layer.short
        if label_feature:
            attrs[UNSET_ATTR] = label_feature
    else:
        label = value
    if layer.name != default_layer:
        attrs[LAYER_ATTR] = layer.name
    return label, attrs, clashes


def fold_stacked(spans: list[Span], relations: list[Relation], unique_ids: bool = False) -> list[Span]:
    """Fold stacked annotations of one layer into multi-label spans and repoint the relations
    (``unique_ids``: the caller knows that no two spans share an id)."""
    if not unique_ids and len({span.id for span in spans}) != len(spans):
        return _fold_stacked_by_layer(spans, relations)
    # Ids are unique: only spans that share a layer and a place fold; the others are kept as they are.
    places = [(span.attrs.get(LAYER_ATTR, ""), tuple(span.fragments)) for span in spans]
    count = Counter(places)
    if len(count) == len(spans) and not relations:
        return list(spans)
    stacked: dict[str, list[Span]] = {}
    for span, place in zip(spans, places):
        if count[place] > 1:
            stacked.setdefault(place[0], []).append(span)
    moved: dict[str, str] = {}
    if relations:
        moved.update((span.id, span.id) for span, place in zip(spans, places) if count[place] == 1)
    folded: dict[str, Span] = {}  # by id: a merged span keeps the id of its first span
    for group in stacked.values():
        merged, home = fold_stacked_spans(group)
        folded.update((m.id, m) for m in merged)
        moved.update((span.id, merged[i].id) for span, i in zip(group, home))
    for rel in relations:
        rel.head, rel.tail = moved[rel.head], moved[rel.tail]
    return [span if count[place] == 1 else folded[span.id] for span, place in zip(spans, places)
            if count[place] == 1 or span.id in folded]


def _fold_stacked_by_layer(spans: list[Span], relations: list[Relation]) -> list[Span]:
    """``fold_stacked`` where span ids repeat: every layer's spans go through the merge."""
    by_layer: dict[str, list[Span]] = {}
    for span in spans:
        by_layer.setdefault(span.attrs.get(LAYER_ATTR, ""), []).append(span)
    merged_all: list[Span] = []
    moved: dict[str, str] = {}
    for group in by_layer.values():
        merged, home = fold_stacked_spans(group)
        moved.update((span.id, merged[i].id) for span, i in zip(group, home))
        merged_all += merged
    for rel in relations:
        rel.head, rel.tail = moved[rel.head], moved[rel.tail]
    order = {span.id: i for i, span in enumerate(spans)}
    return sorted(merged_all, key=lambda s: order[s.id])
