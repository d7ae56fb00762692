"""Where the per-user database lives, and how a database URL may be shown (light: no
SQLAlchemy, for the CLI's ``--help`` and the window's title)."""
from __future__ import annotations

import os
import re
from pathlib import Path

import platformdirs


def default_db_path() -> Path:
    """The per-user database (``RDRS_DB`` overrides it, e.g. for scripts and tests)."""
    override = os.environ.get("RDRS_DB")
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir("rdrs-gui")) / "rdrs.sqlite"


_USER_PASSWORD = re.compile(r"(://[^/@:]*):[^@/]*@")
_PASSWORD_PARAMETER = re.compile(r"(?i)([?&]password=)[^&]*")


def shown_url(url: str) -> str:
    """``url`` as messages, menus and the status bar may show it: a password, in the
    ``user:password@`` part or a ``?password=`` parameter, as ``***`` (even in a URL that does
    not parse)."""
    return _PASSWORD_PARAMETER.sub(r"\1***", _USER_PASSWORD.sub(r"\1:***@", url))
