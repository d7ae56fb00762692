"""Errors the user can act on: each names the file (and line) and says what is wrong."""
from __future__ import annotations

from pathlib import Path


class RdrsError(Exception):
    """Base for errors shown to the user as one line, without a traceback."""


class FormatError(RdrsError):
    """An input file that cannot be read as the format it claims to be."""

    def __init__(self, path: str | Path, message: str, line: int | None = None):
        self.path = str(path)
        self.line = line
        self.message = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


class SchemaError(RdrsError):
    """A tag schema file that is not valid."""


class StoreError(RdrsError):
    """A database that cannot be opened or an edit that cannot be applied."""
