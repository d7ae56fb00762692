"""CoNLL multi-column BIO, the RDRS multi-tag encoding: one BIO column per tag, so spans of
different tags overlap freely (the way the RDRS multi-tag model predicts them).

Layout written (and read back exactly)::

    # rdrs-conll columns = TOKEN<TAB>OFFSETS<TAB>ADR<TAB>DrugName
    #doc review-1
    # text = "Нурофен помог.\\nГолова прошла."
    Нурофен<TAB>0-7<TAB>O<TAB>B-DrugName
    помог<TAB>8-13<TAB>O<TAB>O
    .<TAB>13-14<TAB>O<TAB>O
    <blank line between sentences>
    Голова<TAB>15-21<TAB>B-ADR<TAB>O
    ...

- The first line names the columns (tab-separated): token, ``START-END`` code-point offsets into
  the document text (end exclusive), then one column per tag holding ``B-TAG``, ``I-TAG`` or ``O``.
- ``#doc NAME`` starts a document; ``# text = "..."`` holds its whole text as a JSON string, so
  newlines, tabs and runs of spaces come back exactly (offsets alone would lose them). Without a
  text line (hand-made files) the text is rebuilt from the offsets, gaps filled with spaces.
  Other ``#`` lines are comments.
- Tokens: razdel's Russian tokenisation, cut further at every span boundary so each span covers
  whole tokens; whitespace never belongs to a token. The TOKEN column repeats the text at the
  offsets (control characters shown as U+FFFD) and is checked on reading.
- Sentences (razdel) are separated by a blank line; sentences a span crosses are written as one.

BIO cannot hold everything a Document holds. ``write`` writes what it can and returns one message
per kind of loss: a discontinuous span is written as one span per fragment; of overlapping spans
of the *same* tag only the first (longest) is written; span edges on whitespace are trimmed;
attributes, relations, chains and rejected suggestions are not written. Spans of different tags
over the same tokens come back as one multi-label span (``merge_stacked_spans``).

Plain CoNLL is read too: ``TOKEN TAG`` per line, or CoNLL-2003's ``TOKEN POS CHUNK TAG`` (the last
column is the tag; BIO, IOB1 or BIOES), ``-DOCSTART-`` lines between documents, blank lines between
sentences. Its text is rebuilt by joining tokens with spaces and sentences with newlines.
"""
from __future__ import annotations

import bisect
import json
import re
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterable

import razdel

from ..document import REJECTED, Document, Span, merge_stacked_spans
from ..errors import FormatError
from ..textio import atomic_write_text, decode, read_text
from ..words import words
from .base import ReadResult

NAME = "conll"
DESCRIPTION = "CoNLL multi-column BIO (one column per tag, overlapping tags allowed); reads plain CoNLL too"
OUTPUT = "file"

HEADER = "# rdrs-conll columns = "
DOC = "#doc "
TEXT = "# text = "
_FIXED = ["TOKEN", "OFFSETS"]
_OFFSETS = re.compile(r"^([0-9]+)-([0-9]+)$")
_TAG = re.compile(r"^(?:O|([BIES])-(.+))$")
_SNIFF_BYTES = 65536


def sniff(path: str | Path) -> bool:
    path = Path(path)
    if not path.is_file():
        return False
    try:
        with path.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES)
        text = decode(head[: head.rfind(b"\n") + 1] or head, path)
    except (OSError, FormatError, UnicodeDecodeError):
        return False
    lines = [ln.rstrip("\r") for ln in text.split("\n") if ln.strip()]
    if not lines:
        return False
    if lines[0].startswith((HEADER, "#begin document")):   # CoNLL-2012: refused by read, saying why
        return True
    if lines[0].startswith("#FORMAT="):  # WebAnno TSV, whose feature columns may look like BIO
        return False
    rows = [ln.split() for ln in lines[:200] if not ln.startswith("-DOCSTART-")]
    rows = [r for r in rows if not (r[0].startswith("#") and not _TAG.match(r[-1]))]
    return bool(rows) and all(len(r) >= 2 and _TAG.match(r[-1]) for r in rows)


def read(path: str | Path) -> ReadResult:
    path = Path(path)
    if path.is_dir():
        raise FormatError(path, "CoNLL is one file; this is a folder")
    lines = [ln.rstrip("\r") for ln in read_text(path).split("\n")]
    first = next((ln for ln in lines if ln.strip()), "")
    if first.startswith(HEADER):
        return _read_multi(path, lines)
    if first.startswith("#begin document"):
        raise FormatError(path, "this is CoNLL-2012 (coreference, OntoNotes columns), which is scored "
                                "(python -m trainer coref score) but not imported; import the corpus's JSON "
                                "(RuCoCo: --format rucoco) or its brat or WebAnno TSV export", 1)
    return _read_plain(path, lines)


# ---------------------------------------------------------------- reading

def _parse_tag(tag: str, path: Path, no: int) -> tuple[str, str]:
    match = _TAG.match(tag)
    if not match:
        raise FormatError(path, f"tag {tag!r} is not O, B-TAG, I-TAG, E-TAG or S-TAG", no)
    return (match.group(1), match.group(2)) if match.group(1) else ("O", "")


def _chunks(tags: list[tuple[str, str]]) -> list[tuple[int, int, str]]:
    """(first token, last token, type) of each chunk, conlleval semantics (IOB1, IOB2, BIOES)."""
    out = []
    start, kind = None, ""
    for i, (prefix, typ) in enumerate(tags):
        if start is not None and (prefix in ("O", "B", "S") or typ != kind):
            out.append((start, i - 1, kind))
            start = None
        if prefix != "O" and start is None:
            start, kind = i, typ
        if prefix in ("E", "S") and start is not None:
            out.append((start, i, kind))
            start = None
    if start is not None:
        out.append((start, len(tags) - 1, kind))
    return out


def _shown(token: str) -> str:
    return "".join("\ufffd" if unicodedata.category(c) == "Cc" else c for c in token)


class _Doc:
    def __init__(self, name: str, no: int):
        self.name, self.no = name, no
        self.text: str | None = None
        self.sentences: list[list[tuple[int, str, int, int, list[tuple[str, str]]]]] = [[]]


def _is_row(line: str, n_columns: int) -> bool:
    fields = line.split("\t")
    return len(fields) == n_columns and bool(_OFFSETS.match(fields[1]))


def _read_multi(path: Path, lines: list[str]) -> ReadResult:
    columns: list[str] = []
    docs: list[_Doc] = []
    for no, line in enumerate(lines, 1):
        if not columns:
            if line.strip():
                columns = line[len(HEADER):].split("\t")
                if columns[:2] != _FIXED:
                    raise FormatError(path, "header must name TOKEN and OFFSETS first", no)
            continue
        if line.startswith(DOC):
            docs.append(_Doc(line[len(DOC):], no))
        elif line.startswith(TEXT):
            if not docs:
                docs.append(_Doc(path.stem, no))
            try:
                docs[-1].text = json.loads(line[len(TEXT):])
            except json.JSONDecodeError as exc:
                raise FormatError(path, f"the text line is not a JSON string: {exc.msg}", no) from None
            except RecursionError:
                raise FormatError(path, "the text line is not a JSON string: nested too deeply", no) from None
            if not isinstance(docs[-1].text, str):
                raise FormatError(path, "the text line is not a JSON string", no)
        elif line.startswith("#") and not _is_row(line, len(columns)):
            continue  # a comment; a token such as "#tag" still makes a row
        elif not line.strip():
            if docs and docs[-1].sentences[-1]:
                docs[-1].sentences.append([])
        else:
            fields = line.split("\t")
            if len(fields) != len(columns):
                raise FormatError(path, f"expected {len(columns)} tab-separated columns, found {len(fields)}", no)
            match = _OFFSETS.match(fields[1])
            if not match:
                raise FormatError(path, f"offsets must look like START-END, got {fields[1]!r}", no)
            tags = [_parse_tag(t, path, no) for t in fields[2:]]
            for column, (prefix, typ) in zip(columns[2:], tags):
                if prefix != "O" and typ != column:
                    raise FormatError(path, f"column {column} holds a tag of {typ}", no)
            if not docs:
                docs.append(_Doc(path.stem, no))
            docs[-1].sentences[-1].append((no, fields[0], int(match.group(1)), int(match.group(2)), tags))
    if not columns:
        raise FormatError(path, "empty file")
    return ReadResult([_build(path, d, columns[2:]) for d in docs])


def _build(path: Path, doc: _Doc, labels: list[str]) -> Document:
    rows = [row for sentence in doc.sentences for row in sentence]
    text = doc.text
    if text is None:
        chars: list[str] = []
        for no, token, s, e, _ in rows:
            if s < len(chars) or e - s != len(token):
                raise FormatError(path, f"offsets {s}-{e} overlap the previous token or do not fit {token!r}", no)
            chars += [" "] * (s - len(chars)) + list(token)
        text = "".join(chars)
    last_end = 0
    for no, token, s, e, _ in rows:
        if not (last_end <= s < e <= len(text)):
            raise FormatError(path, f"offsets {s}-{e} are out of order or outside the text ({len(text)} characters)", no)
        if _shown(text[s:e]) != token:
            raise FormatError(path, f"token {token!r} does not match the text at {s}-{e}: {text[s:e]!r}", no)
        last_end = e
    spans = []
    for sentence in doc.sentences:
        for col, label in enumerate(labels):
            for first, last, _ in _chunks([row[4][col] for row in sentence]):
                spans.append(Span({label}, [(sentence[first][2], sentence[last][3])]))
    spans.sort(key=lambda sp: (sp.start, -sp.end))
    document = Document(doc.name, text, spans=merge_stacked_spans(spans))
    document.assign_ids()
    return document


def _read_plain(path: Path, lines: list[str]) -> ReadResult:
    docs: list[list[list[tuple[str, tuple[str, str]]]]] = [[[]]]
    for no, line in enumerate(lines, 1):
        fields = line.split()
        if not fields:
            if docs[-1][-1]:
                docs[-1].append([])
        elif fields[0] == "-DOCSTART-":
            if any(docs[-1]):
                docs.append([[]])
        elif len(fields) >= 2 and _TAG.match(fields[-1]):
            docs[-1][-1].append((fields[0], _parse_tag(fields[-1], path, no)))
        elif fields[0].startswith("#"):
            continue
        else:
            raise FormatError(path, f"expected 'TOKEN TAG' (tag O, B-X or I-X), got {line[:60]!r}", no)
    docs = [[s for s in d if s] for d in docs if any(d)]
    out = []
    for i, sentences in enumerate(docs, 1):
        pieces, spans, pos = [], [], 0
        for sentence in sentences:
            starts = []
            for j, (token, _) in enumerate(sentence):
                pos += 1 if j else 0
                starts.append(pos)
                pos += len(token)
            pieces.append(" ".join(token for token, _ in sentence))
            for first, last, typ in _chunks([tag for _, tag in sentence]):
                spans.append(Span({typ}, [(starts[first], starts[last] + len(sentence[last][0]))]))
            pos += 1  # the newline between sentences
        name = path.stem if len(docs) == 1 else f"{path.stem}-{i}"
        doc = Document(name, "\n".join(pieces), spans=merge_stacked_spans(spans))
        doc.assign_ids()
        out.append(doc)
    return ReadResult(out)


# ---------------------------------------------------------------- writing

def _clean_label(label: str, losses: Counter[str]) -> str:
    if any(c in label for c in "\t\r\n"):
        losses["tags with tabs or newlines renamed"] += 1
        return re.sub(r"[\t\r\n]", "_", label)
    return label


def write(documents: Iterable[Document], out: str | Path) -> list[str]:
    """Write all documents into one file ``out``; returns what BIO could not hold."""
    out = Path(out)
    if out.is_dir():
        raise FormatError(out, "CoNLL export is one file, and this is a folder")
    documents = list(documents)
    losses: Counter[str] = Counter()
    labels = sorted({_clean_label(label, Counter()) for doc in documents for span in doc.spans
                     if span.status != REJECTED for label in span.labels})
    lines = [HEADER + "\t".join(_FIXED + labels)]
    for doc in documents:
        name = doc.name.replace("\r", " ").replace("\n", " ")
        if name != doc.name:
            losses["document names with newlines changed"] += 1
        lines += [DOC + name, TEXT + json.dumps(doc.text, ensure_ascii=False)]
        for sentence in _encode(doc, labels, losses):
            lines += ["\t".join(row) for row in sentence] + [""]
    atomic_write_text(out, "\n".join(lines) + "\n")
    return [f"{what}: {count}" for what, count in losses.items() if count]


def _pieces(doc: Document, losses: Counter[str]) -> dict[str, list[tuple[int, int]]]:
    """Per tag, the non-overlapping continuous ranges BIO can hold."""
    text = doc.text
    wanted: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for span in doc.spans:
        if span.status == REJECTED:
            losses["rejected suggestions left out"] += 1
            continue
        if not span.is_human:
            losses["unreviewed suggestions written as plain spans"] += 1
        if span.attrs:
            losses["spans whose attributes were not written"] += 1
        if span.is_discontinuous:
            losses["discontinuous spans written as one span per fragment"] += 1
        for s, e in span.fragments:
            core = text[s:e]
            ts, te = s + len(core) - len(core.lstrip()), e - len(core) + len(core.rstrip())
            if ts >= te:
                losses["spans of whitespace only left out"] += 1
                continue
            if (ts, te) != (s, e):
                losses["span edges on whitespace trimmed"] += 1
            for label in span.labels:
                wanted[_clean_label(label, losses)].append((ts, te))
    kept: dict[str, list[tuple[int, int]]] = {}
    for label, ranges in wanted.items():
        kept[label] = []
        for s, e in sorted(set(ranges), key=lambda r: (r[0], -r[1])):
            if kept[label] and s < kept[label][-1][1]:
                losses["overlapping spans of the same tag left out"] += 1
            else:
                kept[label].append((s, e))
        losses["overlapping spans of the same tag left out"] += len(ranges) - len(set(ranges))
    if doc.relations:
        losses["relations not written"] += len(doc.relations)
    if doc.chains:
        losses["coreference chains not written"] += len(doc.chains)
    return kept


def _encode(doc: Document, labels: list[str], losses: Counter[str]) -> list[list[list[str]]]:
    text = doc.text
    kept = _pieces(doc, losses)
    cuts = {0, len(text)} | {b for ranges in kept.values() for r in ranges for b in r}
    cuts |= {b for start, end, _ in words(text) for b in (start, end)}
    cuts_sorted = sorted(cuts)
    tokens = [(a + m.start(), a + m.end()) for a, b in zip(cuts_sorted, cuts_sorted[1:])
              for m in re.finditer(r"\S+", text[a:b])]
    starts = [s for s, _ in tokens]
    breaks = [sent.start for sent in razdel.sentenize(text)][1:]
    crossed = {p for ranges in kept.values() for s, e in ranges for p in breaks if s < p < e}
    breaks = [p for p in breaks if p not in crossed]
    columns = {label: ["O"] * len(tokens) for label in labels}
    for label, ranges in kept.items():
        for s, e in ranges:
            first, last = bisect.bisect_left(starts, s), bisect.bisect_left(starts, e)
            columns[label][first] = f"B-{label}"
            for i in range(first + 1, last):
                columns[label][i] = f"I-{label}"
    sentences: list[list[list[str]]] = [[]]
    for i, (s, e) in enumerate(tokens):
        if sentences[-1] and bisect.bisect_right(breaks, s) != bisect.bisect_right(breaks, tokens[i - 1][0]):
            sentences.append([])
        sentences[-1].append([_shown(text[s:e]), f"{s}-{e}", *(columns[label][i] for label in labels)])
    return [s for s in sentences if s]
