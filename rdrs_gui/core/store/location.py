"""Where the per-user database lives (light: no SQLAlchemy, for the CLI's ``--help``)."""
from __future__ import annotations

import os
from pathlib import Path

import platformdirs


def default_db_path() -> Path:
    """The per-user database (``RDRS_DB`` overrides it, e.g. for scripts and tests)."""
    override = os.environ.get("RDRS_DB")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir("rdrs-gui")) / "rdrs.sqlite"
