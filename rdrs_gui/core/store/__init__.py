"""Persistent store (SQLAlchemy + Alembic): see ``store.Store``."""
from .engine import database_file, default_db_path
from .rows import DocumentRow, ImportSummary, JobRow, ModelRow
from .store import Store

__all__ = ["Store", "DocumentRow", "ImportSummary", "ModelRow", "JobRow", "default_db_path", "database_file"]
