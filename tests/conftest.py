"""Shared fixtures. Qt must be headless before anything imports QtWidgets."""
from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("RDRS_SHARED_DATA", REPO.parent / "shared" / "data"))
POSTGRES_URL = os.environ.get("RDRS_TEST_POSTGRES_URL")


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection imported (torch, Qt, spaCy: modules, classes, functions) lives until the
    process ends: moved out of the collector's sight, the full collection after each Qt test
    scans only what tests made (0.5 s less per Qt test)."""
    gc.collect()
    gc.freeze()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not POSTGRES_URL, reason="set RDRS_TEST_POSTGRES_URL to a scratch PostgreSQL database (.ci/run does)"))])
def database_url(request, tmp_path: Path) -> str:
    """An empty database: a SQLite file, and PostgreSQL (a team's server) where
    RDRS_TEST_POSTGRES_URL names a scratch one (its public schema is wiped first), so that the
    same tests hold on both."""
    if request.param == "sqlite":
        return str(tmp_path / "db.sqlite")
    from sqlalchemy import create_engine, text

    engine = create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    return POSTGRES_URL


@pytest.fixture
def shared_data() -> Path:
    """The real corpora in ../shared/data; tests that need them skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA} (set RDRS_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture
def rdrs_json(shared_data: Path) -> Path:
    return shared_data / "rdrs" / "med_demo_example.json"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """The database file behind ``window_store``."""
    return tmp_path / "demo.sqlite"


@pytest.fixture
def window_store(db: Path):
    """The store the ``window`` fixture shows: the demo project in ``db`` (a test module
    overrides this fixture to show another store)."""
    from gui_support import demo_store

    return demo_store(db)


@pytest.fixture
def window(qtbot, tmp_path: Path, window_store):
    """The real main window (offscreen) for anna on ``window_store``; closed, with its store,
    after the test."""
    from gui_support import loop_window

    w = loop_window(qtbot, window_store, tmp_path / "config")
    yield w
    w.close()
    window_store.close()


@pytest.fixture(autouse=True)
def _garbage_collected_on_the_ui_thread(request):
    """As in the app (rdrs_gui.ui.gc_guard): while a Qt test runs, cyclic garbage is collected on
    the UI thread only, so no worker thread destroys Qt objects. Afterwards its garbage is
    collected here, on the main thread, and automatic collection is back for the next test."""
    if "qtbot" in request.fixturenames or "qapp" in request.fixturenames:
        from rdrs_gui.ui.gc_guard import collect_on_ui_thread

        collect_on_ui_thread()
    yield
    if not gc.isenabled():     # a Qt test, or one that built a window itself
        gc.collect()
        gc.freeze()            # what outlived the test (modules it imported, caches) is not scanned again
        gc.enable()
