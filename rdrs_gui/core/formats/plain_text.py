"""Plain text: raw, unannotated reviews to import for annotation.

A ``.txt`` file is one document named after its stem; a folder yields one document per ``.txt``
file under it (named by the path relative to the folder, without ``.txt``). The encoding is UTF-8
(with or without BOM) or cp1251, anything else is refused (``textio.read_text``); newlines are kept
as they are, so offsets stay true to the file. ``write`` writes a folder of ``<name>.txt`` files
and reports the annotations it had to leave out.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

from ..document import Document
from ..errors import FormatError
from ..textio import atomic_write_text, read_text
from .base import ReadResult

NAME = "text"
DESCRIPTION = "Plain text: one review per .txt file (a file or a folder of them)"
OUTPUT = "dir"

_UNSAFE_NAME = re.compile(r'[\\:*?"<>|\x00-\x1f]')


def sniff(path: str | Path) -> bool:
    path = Path(path)
    if path.is_file():
        return path.suffix.lower() == ".txt"
    return path.is_dir() and next(path.rglob("*.txt"), None) is not None


def read(path: str | Path) -> ReadResult:
    path = Path(path)
    result = ReadResult()
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() == ".txt")
        if not files:
            raise FormatError(path, "no .txt files in this folder")
        names = [p.relative_to(path).with_suffix("").as_posix() for p in files]
    else:
        files, names = [path], [path.stem]
    for file, name in zip(files, names):
        text = read_text(file)
        if not text.strip():
            result.warnings.append(f"{file}: empty; skipped")
            continue
        result.documents.append(Document(name=name, text=text))
    if not result.documents:
        raise FormatError(path, "no text to import: every file is empty")
    return result


def write(documents: Iterable[Document], out: str | Path) -> list[str]:
    """Write ``<name>.txt`` per document into folder ``out``; returns what was not kept."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise FormatError(out, "plain-text export needs a folder, and this is a file")
    used: set[str] = set()
    dropped = 0
    for doc in documents:
        atomic_write_text(out / f"{_file_name(doc.name, used)}.txt", doc.text)
        dropped += len(doc.spans) + len(doc.chains)
    return [f"annotations left out (plain text holds the text only): {dropped}"] if dropped else []


def _file_name(name: str, used: set[str]) -> str:
    """A safe relative name (``/`` keeps sub-folders, ``..`` never escapes), unique ignoring case."""
    parts = [_UNSAFE_NAME.sub("_", part).strip(" .") for part in name.split("/")]
    stem = "/".join(part for part in parts if part) or "document"
    candidate, n = stem, 1
    while candidate.lower() in used:
        n += 1
        candidate = f"{stem}-{n}"
    used.add(candidate.lower())
    return candidate
