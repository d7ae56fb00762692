"""Reading text files whose encoding users do not know, and writing files atomically."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import FormatError

# cp1251 is what Russian Windows tools still write; anything else is refused rather than guessed.
_FALLBACK_ENCODINGS = ("cp1251",)


def decode(data: bytes, path: str | Path) -> str:
    """Decode UTF-8 (with or without BOM) or cp1251; refuse binary data with a clear message."""
    if b"\x00" in data[:4096]:
        raise FormatError(path, "binary data (NUL bytes), not a text file")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc
    for encoding in _FALLBACK_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text
    line = data[: utf8_error.start].count(b"\n") + 1
    raise FormatError(path, "not valid UTF-8 or cp1251 text; save it as UTF-8 and import again", line)


def _looks_like_text(text: str) -> bool:
    """cp1251 decodes almost any byte string; accept it only if it reads like Cyrillic prose."""
    if not text:
        return True
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    letters = sum(ch.isalpha() for ch in text)
    return printable / len(text) > 0.97 and letters / len(text) > 0.3


def read_text(path: str | Path) -> str:
    """Read a whole text file, newlines kept byte-exact (no universal-newline translation)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise FormatError(path, f"cannot read file: {exc.strerror or exc}") from None
    return decode(data, path)


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write via a temporary file and rename, so a crash never leaves half a file behind."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
