"""Database-wide settings shared by every client of one database (the GUI, the CLI, a team)."""
from __future__ import annotations

from sqlalchemy import delete

from .base import StoreBase
from .bulk import insert_rows
from .models import Setting


class Settings(StoreBase):
    def setting(self, name: str, default: object = None) -> object:
        with self._read() as s:
            row = s.get(Setting, name)
            return default if row is None or row.value is None else row.value

    def set_setting(self, name: str, value: object) -> None:
        """Store a JSON value shared by every client of this database (None deletes it)."""
        with self._tx() as s:
            s.execute(delete(Setting).where(Setting.name == name))
            if value is not None:
                insert_rows(s, Setting.__table__, [{"name": name, "value": value}])
