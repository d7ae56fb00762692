"""Reading terminologies the user brings (MedDRA is licensed, so none is shipped): a MedDRA ASCII
release folder, or a ``code,name[,parent]`` CSV table for ICD-10 (МКБ-10) or ATC.

Every reader checks the whole input before returning, so a malformed file raises one
``FormatError`` naming the file and line and nothing is stored. Hierarchies are kept as each
term's ``parent`` code: LLT → PT → HLT → HLGT → SOC (the primary path of ``mdhier.asc``; without
it, PT → SOC from ``pt.asc``), ATC by code length (levels 1–5), ICD-10 by the CSV's third column.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from .errors import FormatError

MEDDRA = "meddra"
ICD10 = "icd10"
ATC = "atc"
KINDS = (MEDDRA, ICD10, ATC)

# The schema attribute each terminology codes (resources/schemas/rdrs.json).
ATTRIBUTE_KIND = {"MedDRA": MEDDRA, "MKB10": ICD10, "ATC": ATC}

# ATC level from the length of its code: A, A10, A10B, A10BA, A10BA02.
_ATC_LEVELS = {1: "1", 3: "2", 4: "3", 5: "4", 7: "5"}


@dataclass(frozen=True)
class Term:
    """One entry of a terminology: ``level`` is LLT/PT/HLT/HLGT/SOC for MedDRA, 1–5 for ATC."""

    kind: str
    level: str
    code: str
    name: str
    parent: str | None = None


def _decode(path: Path) -> str:
    """MedDRA ASCII files of recent releases are UTF-8; older Cyrillic editions were cp1251."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FormatError(path, f"cannot read file: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1251")
    except UnicodeDecodeError:
        raise FormatError(path, "not UTF-8 or cp1251 text; save it as UTF-8") from None


def _asc_rows(path: Path, min_fields: int, unique: bool = True) -> list[tuple[int, list[str]]]:
    """The '$'-separated rows of a MedDRA file, codes checked; ``unique``: the first field is the
    file's key, so a code twice is an error (mdhier.asc repeats a PT on each of its paths)."""
    rows = []
    seen: dict[str, int] = {}
    for number, line in enumerate(_decode(path).splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split("$")
        if len(fields) < min_fields:
            raise FormatError(path, f"expected at least {min_fields} '$'-separated fields, found {len(fields)}",
                              number)
        for index in range(min_fields):
            code = fields[index].strip()
            if index in _CODE_FIELDS.get(path.name.lower(), ()) and not (code.isascii() and code.isdigit()):
                raise FormatError(path, f"field {index + 1} must be a numeric MedDRA code, not {fields[index]!r}",
                                  number)
        row = [f.strip() for f in fields]
        if unique and seen.setdefault(row[0], number) != number:
            raise FormatError(path, f"code {row[0]} is here a second time (first on line {seen[row[0]]})", number)
        rows.append((number, row))
    if not rows:
        raise FormatError(path, "no entries in the file")
    return rows


# Which fields of each file hold codes (0-based), checked as numbers.
_CODE_FIELDS = {"llt.asc": (0, 2), "pt.asc": (0,), "hlt.asc": (0,), "hlgt.asc": (0,), "soc.asc": (0,),
                "mdhier.asc": (0, 1, 2, 3)}


def read_meddra(folder: str | Path) -> list[Term]:
    """Terms of a MedDRA ASCII release (``llt.asc`` and ``pt.asc`` required, any language edition)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FormatError(folder, "not a folder: give the MedDRA release's ASCII folder (with llt.asc, pt.asc)")
    files = {p.name.lower(): p for p in folder.iterdir() if p.is_file()}
    for required in ("llt.asc", "pt.asc"):
        if required not in files:
            raise FormatError(folder / required, "missing: a MedDRA ASCII release needs llt.asc and pt.asc")
    pts = {row[0]: (number, row) for number, row in _asc_rows(files["pt.asc"], 4)}
    for number, row in pts.values():
        _need_name(files["pt.asc"], number, row)
    primary: dict[str, list[str]] = {}   # pt -> [hlt, hlgt, soc] on its primary path
    upper: dict[str, dict[str, str]] = {"HLT": {}, "HLGT": {}, "SOC": {}}
    if "mdhier.asc" in files:
        for number, row in _asc_rows(files["mdhier.asc"], 12, unique=False):
            pt, hlt, hlgt, soc = row[:4]
            upper["HLT"].setdefault(hlt, row[5])
            upper["HLGT"].setdefault(hlgt, row[6])
            upper["SOC"].setdefault(soc, row[7])
            if row[11].upper() == "Y" or pt not in primary:
                primary[pt] = [hlt, hlgt, soc]
    names = {"HLT": "hlt.asc", "HLGT": "hlgt.asc", "SOC": "soc.asc"}
    for level, name in names.items():
        if name in files:
            for number, row in _asc_rows(files[name], 2):
                _need_name(files[name], number, row)
                upper[level][row[0]] = row[1]
    terms: list[Term] = []
    parents: dict[str, dict[str, str]] = {"HLT": {}, "HLGT": {}}
    for pt, path in primary.items():
        parents["HLT"].setdefault(path[0], path[1])
        parents["HLGT"].setdefault(path[1], path[2])
    for code, (_, row) in pts.items():
        parent = primary[code][0] if code in primary else (row[3] or None)
        terms.append(Term(MEDDRA, "PT", code, row[1], parent))
    for number, row in _asc_rows(files["llt.asc"], 3):
        _need_name(files["llt.asc"], number, row)
        if row[2] not in pts:
            raise FormatError(files["llt.asc"], f"LLT {row[0]} names PT {row[2]}, which pt.asc does not have",
                              number)
        terms.append(Term(MEDDRA, "LLT", row[0], row[1], row[2]))
    for level, entries in upper.items():
        for code, name in entries.items():
            terms.append(Term(MEDDRA, level, code, name, parents.get(level, {}).get(code)))
    return terms


def _need_name(path: Path, number: int, row: list[str]) -> None:
    if not row[1]:
        raise FormatError(path, f"code {row[0]} has no name (field 2)", number)


def read_table(path: str | Path, kind: str) -> list[Term]:
    """Terms of a ``code,name[,parent]`` CSV (ICD-10 or ATC); a first row ``code,name...`` is a header.
    Every parent must be a code of the same file."""
    path = Path(path)
    if kind not in (ICD10, ATC):
        raise FormatError(path, f"a CSV table holds icd10 or atc, not {kind!r}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise FormatError(path, f"cannot read as UTF-8 text: {exc}") from None
    rows: list[tuple[int, list[str]]] = []
    seen: dict[str, int] = {}
    reader = csv.reader(io.StringIO(text))
    numbered: list[tuple[int, list[str]]] = []   # (the line a row begins on, the row)
    first = 1
    try:
        for row in reader:
            numbered.append((first, row))
            first = reader.line_num + 1
    except csv.Error as exc:   # e.g. a quote never closed, running to the end of the file
        raise FormatError(path, f"not a readable CSV: {exc}", first) from None
    for number, row in numbered:
        if not row or not any(cell.strip() for cell in row):
            continue
        row = [cell.strip() for cell in row]
        if number == 1 and row[0].lower() == "code":
            continue
        if len(row) not in (2, 3) or not row[0] or not row[1]:
            raise FormatError(path, "expected 'code,name' or 'code,name,parent' with a code and a name", number)
        if "\n" in row[1] or "\r" in row[1]:
            raise FormatError(path, f"the name of {row[0]!r} runs over several lines (a quote not closed?)", number)
        key = row[0].upper() if kind == ATC else row[0]
        if seen.setdefault(key, number) != number:
            raise FormatError(path, f"code {row[0]!r} is here a second time (first on line {seen[key]})", number)
        rows.append((number, row))
    codes = {row[0] for _, row in rows}
    terms = []
    for number, row in rows:
        parent = row[2] if len(row) == 3 and row[2] else None
        if parent is not None and parent not in codes:
            raise FormatError(path, f"parent {parent!r} of {row[0]!r} is not a code of this file", number)
        code = row[0].upper() if kind == ATC else row[0]
        if kind == ATC and len(code) not in _ATC_LEVELS:
            raise FormatError(path, f"{row[0]!r} is not an ATC code (1, 3, 4, 5 or 7 characters)", number)
        level = _ATC_LEVELS[len(code)] if kind == ATC else ""
        if kind == ATC and parent is None:
            parent = _atc_parent(code, codes)
        terms.append(Term(kind, level, code, row[1], parent.upper() if kind == ATC and parent else parent))
    if not terms:
        raise FormatError(path, "no terms in the file")
    return terms


def _atc_parent(code: str, codes: set[str]) -> str | None:
    """The nearest shorter ATC code in the table (A10BA02 → A10BA → A10B → A10 → A)."""
    for length in (5, 4, 3, 1):
        if length < len(code) and code[:length] in codes:
            return code[:length]
    return None


def read(kind: str, path: str | Path) -> list[Term]:
    """Terms of ``kind`` from a MedDRA folder or a CSV table."""
    if kind == MEDDRA:
        return read_meddra(path)
    if kind in (ICD10, ATC):
        return read_table(path, kind)
    raise FormatError(path, f"unknown terminology {kind!r} (one of {', '.join(KINDS)})")
