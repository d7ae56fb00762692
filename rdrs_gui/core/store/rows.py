"""Plain read-only records the store hands out, so callers never hold ORM objects or sessions."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class DocumentRow:
    """One line of the document list: cheap to fetch for thousands of documents (no text)."""

    id: int
    name: str
    status: str
    spans: int
    suggestions: int
    chains: int
    adr_prob: float | None
    annotator: str | None
    length: int
    uncertainty: float | None = None  # the model's doubt (pre-annotation), for "most useful next"


@dataclass
class ImportSummary:
    documents: int = 0
    spans: int = 0
    chains: int = 0
    relations: int = 0
    warnings: list[str] = field(default_factory=list)
    document_ids: list[int] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # bad documents left out (import --on-error skip)


@dataclass(frozen=True)
class ModelRow:
    id: int
    kind: str
    version: str
    path: str
    metrics: dict
    created: datetime
    device: str
    active: bool
    documents: list[int]
    snapshot: dict = field(default_factory=dict)  # train / dev / eval document ids, data hash
    activated: datetime | None = None  # last time it was made active (None: never)


@dataclass(frozen=True)
class JobRow:
    id: int
    kind: str
    args: dict
    state: str
    progress: float
    log_path: str | None
    message: str
    created: datetime
    updated: datetime
