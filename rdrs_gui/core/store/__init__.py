"""Persistent store (SQLAlchemy + Alembic): see ``store.Store``.

The names below are imported when first used, not with the package: the ``rdrs`` CLI begins
reading an import's files before it imports SQLAlchemy (a third of a second), and a command
that never opens a database never imports it (``default_db_path`` is in the light
``location``)."""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the same names, for type checkers and for PyInstaller's import scan
    from .engine import database_file
    from .location import default_db_path
    from .rows import DocumentRow, ImportSummary, JobRow, ModelRow
    from .store import Store

_WHERE = {"Store": "store", "DocumentRow": "rows", "ImportSummary": "rows", "ModelRow": "rows", "JobRow": "rows",
          "default_db_path": "location", "database_file": "engine"}
__all__ = ["Store", "DocumentRow", "ImportSummary", "ModelRow", "JobRow", "default_db_path", "database_file"]


def __getattr__(name: str) -> object:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value
    return value
