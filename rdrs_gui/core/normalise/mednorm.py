"""Coded mentions in the RDRS MedNorm CSV layout: header ``mention,tag,pt code,fold id``."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ..errors import FormatError

COLUMNS = ("mention", "tag", "pt code", "fold id")


@dataclass(frozen=True)
class CodedMention:
    text: str
    tag: str
    code: str
    fold: str


def read(path: str | Path) -> list[CodedMention]:
    """Every row; a missing column or an empty mention or code is a one-line error with the line."""
    path = Path(path)
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise FormatError(path, f"cannot read: {exc.strerror}") from None
    with handle:
        reader = csv.reader(handle)
        header = [h.strip().lower() for h in next(reader, [])]
        missing = [c for c in COLUMNS[:3] if c not in header]
        if missing:
            raise FormatError(path, f"header lacks {', '.join(missing)} (expected {','.join(COLUMNS)})", 1)
        at = {name: header.index(name) for name in COLUMNS if name in header}
        rows = []
        for number, row in enumerate(reader, 2):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) < len(header):
                raise FormatError(path, f"expected {len(header)} fields, found {len(row)}", number)
            text, code = row[at["mention"]].strip(), row[at["pt code"]].strip()
            if not text or not code:
                raise FormatError(path, "empty mention or code", number)
            rows.append(CodedMention(text, row[at["tag"]].strip(), code,
                                     row[at["fold id"]].strip() if "fold id" in at else ""))
    return rows


def evaluate(train: list[CodedMention], test: list[CodedMention], top: int = 5) -> dict:
    """``{"acc1", "acc5", "n"}`` over every test mention, with one suggester learnt per tag from
    the training mentions of that tag (of every tag if the training file has none of it)."""
    from .suggest import CodeSuggester, accuracy

    by_tag: dict[str, list[CodedMention]] = {}
    for row in test:
        by_tag.setdefault(row.tag, []).append(row)
    hits1 = hits5 = 0.0
    for tag, rows in by_tag.items():
        examples = [(r.text, r.code) for r in train if r.tag == tag] or [(r.text, r.code) for r in train]
        scores = accuracy(CodeSuggester().fit(examples), [(r.text, r.code) for r in rows], top)
        hits1 += scores["acc1"] * len(rows)
        hits5 += scores["acc5"] * len(rows)
    n = len(test)
    return {"acc1": round(hits1 / n, 4) if n else 0.0, "acc5": round(hits5 / n, 4) if n else 0.0, "n": n}
