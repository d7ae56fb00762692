"""Native JSON-lines format: one document per line with everything the document model holds,
so export followed by import loses nothing (spans with all labels, fragments, attributes,
origin, status, score and id; chains; relations; meta; review state).

A minimal line ``{"id": "r1", "text": "..."}`` is a raw review to annotate; ``id`` becomes the
document name. A folder of ``*.jsonl`` files reads as their concatenation, in name order.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..document import (DOC_NEW, DOC_STATUSES, GOLD, HUMAN, SPAN_STATUSES, Chain, Document, Mention,
                        Relation, Span)
from ..errors import FormatError
from ..textio import atomic_write_text, decode
from .base import STOP, ReadResult

NAME = "jsonl"
DESCRIPTION = "JSON lines (native, lossless): one document per line"
OUTPUT = "file"
SUFFIXES = (".jsonl", ".ndjson")
# Keys of RuDReC's sentence-per-line JSONL, read by the rudrec format instead.
_FOREIGN_KEYS = ("file_name", "sentence_id")


def sniff(path: Path) -> bool:
    path = Path(path)
    if path.is_dir():
        files = _files(path)
        return bool(files) and all(_sniff_file(f) for f in files)
    return path.suffix.lower() in SUFFIXES and _sniff_file(path)


def _sniff_file(path: Path) -> bool:
    """The first non-empty line is an object with a "text" and none of RuDReC's keys. A line
    that starts like one but is broken still counts, so reading reports the exact line."""
    try:
        with open(path, "rb") as fh:
            for raw in fh:
                if raw.strip():
                    line = raw.decode("utf-8-sig", errors="replace").strip()
                    break
            else:
                return False
    except OSError:
        return False
    try:
        obj = json.loads(line)
    except (ValueError, RecursionError):
        return (line.startswith("{") and '"text"' in line
                and not any(f'"{k}"' in line for k in _FOREIGN_KEYS))
    return (isinstance(obj, dict) and isinstance(obj.get("text"), str)
            and not any(k in obj for k in _FOREIGN_KEYS))


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)


def read(path: Path, on_error: str = STOP) -> ReadResult:
    """A file or a folder of them; ``on_error="skip"`` lists a bad line in ``skipped`` and goes on."""
    path = Path(path)
    result = ReadResult()
    for file in _files(path) if path.is_dir() else [path]:
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise FormatError(file, f"cannot read file: {exc.strerror or exc}") from None
        # Split on "\n" only: str.splitlines() would also cut at U+2028 and friends, which
        # json.dumps(ensure_ascii=False) leaves unescaped inside strings.
        for number, line in enumerate(decode(data, file).split("\n"), 1):
            if line.strip():
                try:
                    result.documents.append(_parse_line(file, number, line))
                except FormatError as exc:
                    result.skip(exc, on_error)
    return result


def _parse_line(path: Path, number: int, line: str) -> Document:
    def fail(message: str) -> FormatError:
        return FormatError(path, message, number)

    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise fail(f"not valid JSON ({exc.msg.removesuffix(' at')} at column {exc.colno})") from None
    except RecursionError:
        raise fail("JSON nested too deeply") from None
    if not isinstance(obj, dict):
        raise fail("each line must be a JSON object")
    text = obj.get("text")
    if not isinstance(text, str):
        raise fail("'text' must be a string")
    name = obj.get("id", obj.get("name"))
    if name is None or isinstance(name, (dict, list, bool)):
        raise fail("'id' must be a string or a number")
    status = obj.get("status", DOC_NEW)
    if status not in DOC_STATUSES:
        raise fail(f"unknown document status {status!r}; use one of {', '.join(DOC_STATUSES)}")
    meta = obj.get("meta", {})
    if not isinstance(meta, dict):
        raise fail("'meta' must be an object")
    try:
        spans = [span_from_dict(raw) for raw in _list(obj, "spans")]
        chains = [chain_from_dict(raw) for raw in _list(obj, "chains")]
        relations = [_relation(raw) for raw in _list(obj, "relations")]
    except (TypeError, ValueError, KeyError) as exc:
        raise fail(str(exc).strip("'\"")) from None
    doc = Document(str(name), text, meta, spans, chains, relations, status)
    problems = doc.problems()
    if problems:
        raise fail(f"document {doc.name!r}: {problems[0]}")
    return doc


def _list(obj: dict, key: str) -> list:
    value = obj.get(key, [])
    if not isinstance(value, list):
        raise ValueError(f"'{key}' must be a list")
    return value


def _fragments(raw: object, what: str) -> list[tuple[int, int]]:
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{what}: 'fragments' must be a non-empty list of [start, end]")
    out = []
    for pair in raw:
        if (not isinstance(pair, list) or len(pair) != 2
                or not all(isinstance(x, int) and not isinstance(x, bool) for x in pair)):
            raise ValueError(f"{what}: fragment {pair!r} is not [start, end] with integer offsets")
        out.append((pair[0], pair[1]))
    return out


def _obj(raw: object, what: str) -> dict:
    if not isinstance(raw, dict):
        raise ValueError(f"{what} must be an object")
    return raw


def _status(raw: dict, what: str) -> str:
    status = raw.get("status", GOLD)
    if status not in SPAN_STATUSES:
        raise ValueError(f"{what}: unknown status {status!r}; use one of {', '.join(SPAN_STATUSES)}")
    return status


def _score(raw: dict, what: str) -> float | None:
    score = raw.get("score")
    if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float))):
        raise ValueError(f"{what}: 'score' must be a number")
    return score


def _attrs(raw: dict, what: str) -> dict[str, str]:
    attrs = raw.get("attrs", {})
    if not isinstance(attrs, dict):
        raise ValueError(f"{what}: 'attrs' must be an object")
    return {str(k): str(v) for k, v in attrs.items()}


def span_from_dict(raw: object) -> Span:
    """A span from its JSON object (as ``span_to_dict`` writes it; ValueError says what is wrong).
    Also the wire format of model workers' answers."""
    raw = _obj(raw, "a span")
    what = f"span {raw.get('id', '?')}"
    labels = raw.get("labels")
    if isinstance(labels, str):
        labels = [labels]
    if not isinstance(labels, list) or not labels or not all(isinstance(x, str) and x for x in labels):
        raise ValueError(f"{what}: 'labels' must be a non-empty list of strings")
    return Span(set(labels), _fragments(raw.get("fragments"), what), _attrs(raw, what),
                str(raw.get("origin", HUMAN)), _status(raw, what), _score(raw, what), str(raw.get("id", "")))


def chain_from_dict(raw: object) -> Chain:
    """A chain from its JSON object (as ``chain_to_dict`` writes it); the workers' wire format too."""
    raw = _obj(raw, "a chain")
    what = f"chain {raw.get('id', '?')}"
    mentions = raw.get("mentions")
    if not isinstance(mentions, list) or not mentions:
        raise ValueError(f"{what}: 'mentions' must be a non-empty list")
    return Chain([Mention(_fragments(m, f"{what} mention")) for m in mentions],
                 str(raw.get("label", "Coreference")), str(raw.get("origin", HUMAN)),
                 _status(raw, what), _score(raw, what), str(raw.get("id", "")))


def _relation(raw: object) -> Relation:
    raw = _obj(raw, "a relation")
    what = f"relation {raw.get('id', '?')}"
    for key in ("label", "head", "tail"):
        if not isinstance(raw.get(key), str):
            raise ValueError(f"{what}: '{key}' must be a string")
    return Relation(raw["label"], raw["head"], raw["tail"], _attrs(raw, what),
                    str(raw.get("origin", HUMAN)), _status(raw, what), str(raw.get("id", "")))


def to_dict(doc: Document) -> dict:
    """The JSON object of one line; ``None`` scores and empty attrs are written too (lossless)."""
    return {
        "id": doc.name,
        "text": doc.text,
        "status": doc.status,
        "meta": doc.meta,
        "spans": [span_to_dict(s) for s in doc.spans],
        "chains": [chain_to_dict(c) for c in doc.chains],
        "relations": [{"id": r.id, "label": r.label, "head": r.head, "tail": r.tail, "attrs": r.attrs,
                       "origin": r.origin, "status": r.status} for r in doc.relations],
    }


def span_to_dict(s: Span) -> dict:
    """The JSON object of one span: in a JSONL line, and in a model worker's answer."""
    return {"id": s.id, "labels": sorted(s.labels), "fragments": [list(f) for f in s.fragments],
            "attrs": s.attrs, "origin": s.origin, "status": s.status, "score": s.score}


def chain_to_dict(c: Chain) -> dict:
    """The JSON object of one chain: in a JSONL line, and in a model worker's answer."""
    return {"id": c.id, "label": c.label, "mentions": [[list(f) for f in m.fragments] for m in c.mentions],
            "origin": c.origin, "status": c.status, "score": c.score}


def write(documents, out: Path) -> None:  # noqa: ANN001 - any iterable of Document
    """Write all documents to one file atomically (a partial export never replaces a good one)."""
    lines = [json.dumps(to_dict(doc), ensure_ascii=False) for doc in documents]
    atomic_write_text(out, "".join(line + "\n" for line in lines))
