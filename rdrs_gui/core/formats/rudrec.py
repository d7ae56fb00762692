"""RuDReC JSON lines: one sentence per line, grouped by ``file_name`` into reviews.

Each line is ``{file_name, sentence_id, text, entities: [{start, end, entity_type, entity_text,
entity_id, concept_id, concept_name}]}`` with offsets relative to the sentence; the published file
has bare ``NaN`` for missing concepts (Python's ``json`` accepts it, and ``write`` writes it back).

A review becomes one document: its sentences joined in ``sentence_id`` order (a sentence that does
not end with a newline gets one as separator), entity offsets shifted into the document.
``concept_id``/``concept_name`` are kept as attributes when present; ``entity_id`` (the entity's
ordinal in its sentence) is regenerated on write. The sentence bounds are kept in
``Document.meta["sentence_bounds"]`` so ``write`` splits the review back into the same sentences;
without them (a review from another format) it splits at newlines. A sentence that a span would
cross is merged with the next, and a discontinuous span is written as one entity per fragment,
since the format has neither. Rejected suggestions are left out, as in the other writers, and
what the format cannot hold is reported in the returned list.
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from pathlib import Path
from typing import Iterable

from ..document import REJECTED, Document, Span, merge_stacked_spans, unstack
from ..errors import FormatError
from ..textio import atomic_write_text, read_text
from .base import ReadResult

NAME = "rudrec"
DESCRIPTION = "RuDReC JSON lines: one sentence per line, grouped into reviews by file_name"
OUTPUT = "file"

ATTRIBUTES = ("concept_id", "concept_name")
BOUNDS = "sentence_bounds"
_SNIFF_BYTES = 65536
_LINE = re.compile(r"[^\n]*\n|[^\n]+")


def sniff(path: str | Path) -> bool:
    path = Path(path)
    if not path.is_file() or path.suffix.lower() not in (".jsonl", ".json", ".ndjson"):
        return False
    try:
        with path.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES).decode("utf-8", errors="ignore").lstrip("\ufeff")
    except OSError:
        return False
    first = next((line for line in head.split("\n") if line.strip()), "")
    try:
        row = json.loads(first)
    except (ValueError, RecursionError):
        return False
    return isinstance(row, dict) and "file_name" in row and "sentence_id" in row


def read(path: str | Path) -> ReadResult:
    path = Path(path)
    reviews: dict[str, list[tuple[int, int, dict]]] = {}
    # split("\n"), not splitlines(): JSON strings may hold U+2028 and other line separators.
    for number, line in enumerate(read_text(path).split("\n"), start=1):
        if not line.strip():
            continue
        row = _parse_line(line, number, path)
        reviews.setdefault(row["file_name"], []).append((row["sentence_id"], number, row))
    if not reviews:
        raise FormatError(path, "no sentences found")
    result = ReadResult()
    for name, rows in reviews.items():
        result.documents.append(_document(name, sorted(rows, key=lambda r: r[0]), path, result.warnings))
    return result


def write(documents: Iterable[Document], out: str | Path) -> list[str]:
    """Write one JSON line per sentence; returns what the format could not keep."""
    losses: Counter[str] = Counter()
    lines = []
    for doc in documents:
        spans = [s for s in doc.spans if s.status != REJECTED]
        losses["rejected suggestions left out"] += len(doc.spans) - len(spans)
        losses["unreviewed suggestions written as plain annotations"] += sum(not s.is_human for s in spans)
        losses["discontinuous spans written as one entity per fragment"] += sum(s.is_discontinuous for s in spans)
        losses["attributes other than concept_id and concept_name left out"] += sum(
            key not in ATTRIBUTES for s in spans for key in s.attrs)
        losses["coreference chains left out"] += len(doc.chains)
        losses["relations left out"] += len(doc.relations)
        for sentence_id, (start, end) in enumerate(_sentences(doc, spans, losses)):
            lines.append(json.dumps({"file_name": doc.name, "text": doc.text[start:end],
                                     "entities": _sentence_entities(doc.text, spans, start, end),
                                     "sentence_id": sentence_id}, ensure_ascii=False))
    atomic_write_text(out, "".join(line + "\n" for line in lines))
    return [f"{what}: {count}" for what, count in losses.items() if count]


# --- reading -------------------------------------------------------------------------------------

def _parse_line(line: str, number: int, path: Path) -> dict:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise FormatError(path, f"not valid JSON: {exc.msg} (column {exc.colno})", number) from None
    except RecursionError:
        raise FormatError(path, "JSON nested too deeply", number) from None
    if not isinstance(row, dict):
        raise FormatError(path, "each line must be a JSON object {file_name, sentence_id, text, entities}",
                          number)
    if not isinstance(row.get("file_name"), str) or not row["file_name"]:
        raise FormatError(path, "'file_name' must be a non-empty string", number)
    if not _is_int(row.get("sentence_id")):
        raise FormatError(path, "'sentence_id' must be an integer", number)
    if not isinstance(row.get("text"), str):
        raise FormatError(path, "'text' must be a string", number)
    if not isinstance(row.get("entities", []), list):
        raise FormatError(path, "'entities' must be a list", number)
    return row


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and value != ""


def _document(name: str, rows: list[tuple[int, int, dict]], path: Path, warnings: list[str]) -> Document:
    parts: list[str] = []
    bounds: list[list[int]] = []
    spans: list[Span] = []
    offset = 0
    seen_ids: set[int] = set()
    for sentence_id, number, row in rows:
        if sentence_id in seen_ids:
            raise FormatError(path, f"review {name}: sentence_id {sentence_id} occurs twice", number)
        seen_ids.add(sentence_id)
        if parts and not parts[-1].endswith("\n"):
            parts.append("\n")
            offset += 1
        sentence = row["text"]
        for entity in row.get("entities", []):
            spans.append(_entity_span(entity, sentence, offset, number, path, name, warnings))
        bounds.append([offset, offset + len(sentence)])
        parts.append(sentence)
        offset += len(sentence)
    doc = Document(name=name, text="".join(parts), meta={BOUNDS: bounds}, spans=merge_stacked_spans(spans))
    doc.assign_ids()
    return doc


def _entity_span(entity: object, sentence: str, offset: int, number: int, path: Path, name: str,
                 warnings: list[str]) -> Span:
    if not isinstance(entity, dict):
        raise FormatError(path, "each entity must be an object", number)
    start, end, label = entity.get("start"), entity.get("end"), entity.get("entity_type")
    if not _is_int(start) or not _is_int(end):
        text = entity.get("entity_text")
        which = f" {text[:40]!r}" if isinstance(text, str) else ""
        raise FormatError(path, f"entity{which}: 'start' and 'end' must be integers, got {start!r} and {end!r}",
                          number)
    if not 0 <= start < end <= len(sentence):
        raise FormatError(path, f"entity {start}-{end} is outside its sentence (length {len(sentence)}) "
                                f"or empty", number)
    if not isinstance(label, str) or not label:
        raise FormatError(path, f"entity {start}-{end}: 'entity_type' must be a non-empty string", number)
    given = entity.get("entity_text")
    if isinstance(given, str) and given != sentence[start:end]:
        warnings.append(f"{path}:{number}: review {name}: entity text {given!r} differs from the text at "
                        f"its offsets {sentence[start:end]!r}")
    attrs = {key: str(entity[key]) for key in ATTRIBUTES if _present(entity.get(key))}
    return Span({label}, [(offset + start, offset + end)], attrs)


# --- writing -------------------------------------------------------------------------------------

def _sentences(doc: Document, spans: list[Span], losses: Counter[str]) -> list[tuple[int, int]]:
    """Sentence ranges to write: the bounds read from RuDReC when still valid, else the lines;
    a sentence that a span fragment crosses is joined with the next one."""
    bounds = _stored_bounds(doc) or _lines(doc.text)
    cuts = {end for _, end in bounds[:-1]}
    for span in spans:
        for start, end in span.fragments:
            cuts -= {cut for cut in cuts if start < cut < end}
    merged: list[tuple[int, int]] = []
    for start, end in bounds:
        if merged and merged[-1][1] not in cuts:
            merged[-1] = (merged[-1][0], end)
            losses["sentences joined because a span crosses their boundary"] += 1
        else:
            merged.append((start, end))
    return merged


def _stored_bounds(doc: Document) -> list[tuple[int, int]] | None:
    raw = doc.meta.get(BOUNDS)
    if not isinstance(raw, list) or not raw:
        return None
    try:
        bounds = [(int(s), int(e)) for s, e in raw]
    except (TypeError, ValueError):
        return None
    covered = 0
    for start, end in bounds:
        if not covered <= start <= end <= len(doc.text) or doc.text[covered:start].strip("\n"):
            return None
        covered = end
    return None if doc.text[covered:].strip("\n") else bounds


def _lines(text: str) -> list[tuple[int, int]]:
    return [match.span() for match in _LINE.finditer(text)] or [(0, 0)]


def _sentence_entities(text: str, spans: list[Span], start: int, end: int) -> list[dict]:
    pieces = sorted(((s, e, label, span) for span in spans for label, _ in unstack(span)
                     for s, e in span.fragments if start <= s and e <= end), key=lambda piece: piece[:3])
    return [{"start": s - start, "entity_type": label, "end": e - start, "entity_id": f"*[{i}]",
             "entity_text": text[s:e], "concept_id": span.attrs.get("concept_id", math.nan),
             "concept_name": span.attrs.get("concept_name", math.nan)}
            for i, (s, e, label, span) in enumerate(pieces)]
