"""Layer versions: every write to a document layer raises its counter and names the client that
wrote, in the writing transaction (one upsert, so two clients never collide on the row). A
client is one open ``Store`` (one app or CLI process)."""
from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import LayerVersion

SHARED = 0   # annotator_id of the shared layer in layer_versions


def client_id(store: object) -> str:
    """This store's client name, made once per open store."""
    found = getattr(store, "_client_id", None)
    if found is None:
        found = uuid.uuid4().hex
        setattr(store, "_client_id", found)
    return found


def bump(s: Session, doc_id: int, annotator_id: int | None, writer: str) -> None:
    """Raise the version of one document layer (``None``: the shared layer)."""
    bump_many(s, [doc_id], annotator_id, writer)


def bump_many(s: Session, doc_ids: Sequence[int], annotator_id: int | None, writer: str) -> None:
    """Raise the version of one layer of each of ``doc_ids``, in one statement."""
    if not doc_ids:
        return
    # The dialect's own upsert, imported here: every CLI command that opens the store would
    # otherwise import the PostgreSQL dialect first (~25 ms on one core, before any work).
    if s.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(LayerVersion)
    stmt = stmt.on_conflict_do_update(index_elements=["document_id", "annotator_id"],
                                      set_={"version": LayerVersion.version + 1, "writer": stmt.excluded.writer})
    s.execute(stmt, [{"document_id": i, "annotator_id": annotator_id or SHARED, "version": 1, "writer": writer}
                     for i in doc_ids])


def read(s: Session, doc_id: int, annotator_id: int | None) -> tuple[int, str]:
    """``(version, last writer)`` of one layer; ``(0, "")`` before its first write."""
    row = s.execute(select(LayerVersion.version, LayerVersion.writer).where(
        LayerVersion.document_id == doc_id, LayerVersion.annotator_id == (annotator_id or SHARED))).first()
    return (row.version, row.writer) if row else (0, "")
