"""Shared fixtures. Qt must be headless before anything imports QtWidgets."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("RDRS_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture
def shared_data() -> Path:
    """The real corpora in ../shared/data; tests that need them skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA} (set RDRS_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture
def rdrs_json(shared_data: Path) -> Path:
    return shared_data / "rdrs" / "med_demo_example.json"
