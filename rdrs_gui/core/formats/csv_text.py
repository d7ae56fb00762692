"""CSV/TSV of raw reviews: one review per row, to import for annotation.

The delimiter (comma, semicolon or tab) is the one that splits the first rows into the same number
of columns; if none does, every line (or quoted field) is one review. The first row is a header
when a cell names a known column, or is a word where the column below holds numbers. The text
column is the one named ``text``/``review``/``отзыв``/``текст`` (or similar), else the column with
the most text; an ``id``/``name`` column, if any, names the documents (else ``<file stem>-<record
number>``). Other columns are kept in ``Document.meta["fields"]`` (e.g. a tweet's 0/1 ADR label).
The encoding is UTF-8 (with or without BOM) or cp1251, anything else is refused. ``write`` writes
``id,text`` and reports what it left out.
"""
from __future__ import annotations

import csv
import io
import sys
from collections import Counter
from pathlib import Path
from typing import Iterable

from ..document import Document
from ..errors import FormatError
from ..textio import atomic_write_text, read_text
from .base import ReadResult

NAME = "csv"
DESCRIPTION = "CSV/TSV of raw reviews: a text column and an optional id column"
OUTPUT = "file"

TEXT_COLUMNS = ("text", "review", "отзыв", "текст", "tweet", "comment", "body", "content", "отзывы", "комментарий")
ID_COLUMNS = ("id", "name", "text_id", "doc_id", "review_id", "tweet_id", "file_name", "filename", "имя",
              "номер", "название")
DELIMITERS = ("\t", ";", ",")
_SAMPLE_ROWS = 50
# Share of sampled rows that must have the same column count: prose with commas, one review per
# line, splits unevenly and must stay one column.
_CONSISTENT = 0.8
_NO_DELIMITER = "\x1f"


def _raise_field_limit() -> None:
    """Reviews can be longer than the csv module's 128 KiB default field limit."""
    limit = sys.maxsize
    while True:
        try:
            csv.field_size_limit(limit)
            return
        except OverflowError:  # sys.maxsize does not fit a C long on some platforms
            limit //= 2


_raise_field_limit()


def sniff(path: str | Path) -> bool:
    path = Path(path)
    return path.is_file() and path.suffix.lower() in (".csv", ".tsv")


def read(path: str | Path) -> ReadResult:
    path = Path(path)
    text = read_text(path)
    if not text.strip():
        raise FormatError(path, "the file is empty")
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise FormatError(path, f"not valid CSV: {exc}", reader.line_num) from None
    if not records:
        raise FormatError(path, "no rows with any text")
    header = _is_header(records[0][1], [row for _, row in records[1:_SAMPLE_ROWS]])
    names = [cell.strip() for cell in records[0][1]] if header else []
    body = records[1:] if header else records
    if not body:
        raise FormatError(path, "no rows below the header")
    width = max(len(row) for _, row in body)
    text_col = _find(names, TEXT_COLUMNS)
    if text_col is None:
        text_col = max(range(width), key=lambda c: sum(len(row[c]) for _, row in body if c < len(row)))
    id_col = _find(names, ID_COLUMNS)
    if id_col == text_col:
        id_col = None
    columns = [names[c] if c < len(names) and names[c] else f"column{c + 1}" for c in range(width)]
    return _documents(path, body, text_col, id_col, columns)


def write(documents: Iterable[Document], out: str | Path) -> list[str]:
    """Write ``id,text`` rows; returns what was not kept."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["id", "text"])
    losses: Counter[str] = Counter()
    for doc in documents:
        writer.writerow([doc.name, doc.text])
        losses["annotations left out (CSV holds the text only)"] += len(doc.spans) + len(doc.chains)
        losses["documents whose other imported columns were left out"] += bool(doc.meta.get("fields"))
    atomic_write_text(out, buffer.getvalue())
    return [f"{what}: {count}" for what, count in losses.items() if count]


def _documents(path: Path, body: list[tuple[int, list[str]]], text_col: int, id_col: int | None,
               columns: list[str]) -> ReadResult:
    result = ReadResult()
    used: set[str] = set()
    empty = 0
    for number, (line, row) in enumerate(body, start=1):
        text = row[text_col] if text_col < len(row) else ""
        if not text.strip():
            empty += 1
            continue
        name = row[id_col].strip() if id_col is not None and id_col < len(row) else ""
        name = name or f"{path.stem}-{number}"
        if name in used:
            result.warnings.append(f"{path}:{line}: id {name!r} used before; renamed")
            base, n = name, 2
            while f"{base}-{n}" in used:
                n += 1
            name = f"{base}-{n}"
        used.add(name)
        fields = {columns[c]: cell for c, cell in enumerate(row) if c not in (text_col, id_col)}
        result.documents.append(Document(name=name, text=text, meta={"fields": fields} if fields else {}))
    if empty:
        result.warnings.append(f"{path}: {empty} row(s) with an empty text column skipped")
    if not result.documents:
        raise FormatError(path, f"no review text found in column {columns[text_col]!r}")
    return result


def _delimiter(text: str) -> str:
    """The delimiter that splits the first rows into one number (> 1) of columns.

    If none does, the file is one column (reviews with commas, one per line): the ASCII unit
    separator, which review text does not contain, then stands in, so only newlines and quoting
    split the file.
    """
    sample = text[:65536]
    best, best_score = "", (0.0, 0)
    for delimiter in DELIMITERS:
        try:
            rows = []
            for row in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter):
                rows.append(len(row))
                if len(rows) > _SAMPLE_ROWS:
                    break
        except csv.Error:
            continue
        if len(rows) > 1 and len(sample) < len(text):
            rows = rows[:-1]  # the sample may cut the last row short
        if not rows:
            continue
        modal = max(set(rows), key=rows.count)
        score = (rows.count(modal) / len(rows), modal)
        if modal > 1 and score[0] >= _CONSISTENT and score > best_score:
            best, best_score = delimiter, score
    return best or _NO_DELIMITER


def _is_header(first: list[str], rows: list[list[str]]) -> bool:
    """A header names a known column, or has words where a column below holds numbers."""
    if any(cell.strip().lower() in TEXT_COLUMNS + ID_COLUMNS for cell in first):
        return True
    for c, cell in enumerate(first):
        column = [row[c] for row in rows if c < len(row) and row[c].strip()]
        if column and not _is_number(cell) and sum(map(_is_number, column)) >= 0.9 * len(column):
            return True
    return False


def _is_number(cell: str) -> bool:
    try:
        float(cell.replace(",", "."))
    except ValueError:
        return False
    return True


def _find(names: list[str], wanted: tuple[str, ...]) -> int | None:
    lowered = [name.lower() for name in names]
    return next((lowered.index(w) for w in wanted if w in lowered), None)
