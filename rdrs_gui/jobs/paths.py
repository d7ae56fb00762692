"""Where the model loop keeps its files, and how its subprocesses find the ``trainer`` package.

A database file ``D.sqlite`` keeps its models, training snapshots and logs beside it in
``D.models/`` so a project folder is self-contained and can be moved or backed up as one; a
database given as a server URL uses the per-user data folder. ``RDRS_DATA_DIR`` overrides both.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding rdrs_gui/ (and trainer/)


def data_dir(store_url: str) -> Path:
    override = os.environ.get("RDRS_DATA_DIR")
    if override:
        return Path(override)
    if store_url.startswith("sqlite:///") and not store_url.endswith(":memory:"):
        db = Path(store_url[len("sqlite:///"):])
        return db.with_name(db.stem + ".models")
    return Path(platformdirs.user_data_dir("rdrs-gui")) / "models"


def logs_dir(store_url: str) -> Path:
    return data_dir(store_url) / "logs"


def trainer_command(*args: str) -> list[str]:
    """``python -m trainer ARGS`` with this interpreter (the GUI process never imports it). In the
    frozen app ``sys.executable`` is the app's own program, which runs ``-m MODULE`` itself
    (packaging/entry.py), so workers, pre-annotation and training start from inside the bundle."""
    return [sys.executable, "-m", "trainer", *args]


def trainer_env() -> dict[str, str]:
    """Environment of a trainer subprocess: unbuffered output, and ``trainer`` importable even
    when the app runs from a source checkout rather than an installed package."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    if (PACKAGE_ROOT / "trainer" / "__init__.py").exists():
        parts = [str(PACKAGE_ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(parts))
    return env


BACKGROUND_NICENESS = 10


def background_priority(pid: int = 0) -> None:
    """Lower a background process's CPU priority (its children inherit it): on a two-core
    laptop the scheduler then runs the GUI thread first, and the event loop stays smooth while
    a batch or a training job keeps the cores busy. No-op where unsupported."""
    if hasattr(os, "setpriority"):
        try:
            current = os.getpriority(os.PRIO_PROCESS, pid)
            os.setpriority(os.PRIO_PROCESS, pid, max(current, BACKGROUND_NICENESS))
        except OSError:
            pass
