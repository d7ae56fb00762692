"""What the app remembers between launches (Orange-style persisted settings): the annotator's
name, recent databases, and per database the last document, editor and list scroll positions,
so every launch reopens where the user left off.

Everything lives in one INI file. ``RDRS_GUI_CONFIG_DIR`` (or ``configure(folder)``) moves it,
so tests and scripted screenshots never touch the user's real settings.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import platformdirs
from PySide6.QtCore import QByteArray, QCoreApplication, QSettings

ORGANIZATION = "rdrs-gui"
APPLICATION = "rdrs-gui"
MAX_RECENT = 8


def config_dir() -> Path:
    override = os.environ.get("RDRS_GUI_CONFIG_DIR")
    return Path(override) if override else Path(platformdirs.user_config_dir(APPLICATION))


def configure(folder: str | Path | None = None) -> Path:
    """Point every ``QSettings()`` of this process (ours and the action registry's) at one INI
    file under ``folder``; returns that file's path."""
    folder = Path(folder) if folder is not None else config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    return Path(QSettings().fileName())


def _db_key(url: str) -> str:
    # URLs contain '/' and ':', which QSettings would read as groups; a short hash is stable.
    return "db/" + hashlib.sha1(url.encode("utf-8")).hexdigest()[:16]


class AppSettings:
    """Typed access to the persisted settings; every setter writes through at once."""

    def __init__(self) -> None:
        self._qs = QSettings()

    def sync(self) -> None:
        self._qs.sync()

    # the annotator
    @property
    def annotator(self) -> str:
        return str(self._qs.value("annotator", "") or "")

    @annotator.setter
    def annotator(self, name: str) -> None:
        self._qs.setValue("annotator", name)
        self._qs.sync()

    # the interface language: "" follows the system locale (applied at the next start)
    @property
    def language(self) -> str:
        return str(self._qs.value("language", "") or "")

    @language.setter
    def language(self, code: str) -> None:
        self._qs.setValue("language", code)
        self._qs.sync()

    # databases
    def recent_databases(self) -> list[str]:
        value = self._qs.value("recent_databases", [])
        if isinstance(value, str):  # QSettings returns a lone item as a plain string
            value = [value]
        return [str(v) for v in value or [] if v]

    def add_recent_database(self, url: str) -> None:
        items = [url] + [u for u in self.recent_databases() if u != url]
        self._qs.setValue("recent_databases", items[:MAX_RECENT])
        self._qs.sync()

    def last_database(self) -> str | None:
        recent = self.recent_databases()
        return recent[0] if recent else None

    # where the user was, per database
    def last_document(self, url: str) -> int | None:
        value = self._qs.value(f"{_db_key(url)}/document")
        try:
            return int(value) if value not in (None, "") else None
        except (TypeError, ValueError):
            return None

    def set_last_document(self, url: str, doc_id: int) -> None:
        self._qs.setValue(f"{_db_key(url)}/document", int(doc_id))
        self._qs.sync()

    def scroll(self, url: str, what: str) -> int:
        try:
            return int(self._qs.value(f"{_db_key(url)}/scroll_{what}", 0))
        except (TypeError, ValueError):
            return 0

    def set_scroll(self, url: str, what: str, value: int) -> None:
        self._qs.setValue(f"{_db_key(url)}/scroll_{what}", int(value))

    def list_view(self, url: str) -> dict:
        """Sort column/order and filters of the document list, as last used on this database."""
        value = self._qs.value(f"{_db_key(url)}/list_view", {})
        return dict(value) if isinstance(value, dict) else {}

    def set_list_view(self, url: str, view: dict) -> None:
        self._qs.setValue(f"{_db_key(url)}/list_view", view)

    # window layout
    def window_state(self) -> tuple[QByteArray | None, QByteArray | None]:
        return self._qs.value("window/geometry"), self._qs.value("window/state")

    def set_window_state(self, geometry: QByteArray, state: QByteArray) -> None:
        self._qs.setValue("window/geometry", geometry)
        self._qs.setValue("window/state", state)
