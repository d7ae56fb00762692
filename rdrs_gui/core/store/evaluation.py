"""The pinned evaluation set: documents every model is scored on and none is trained on."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select

from ..errors import StoreError
from .base import StoreBase
from .bulk import chunks, insert_rows
from .models import DocumentRecord, EvalDocument, Project


class EvaluationSet(StoreBase):
    def eval_set(self, project: str | None = None) -> list[int]:
        """The pinned evaluation documents (never trained on, every model scored on them)."""
        query = select(EvalDocument.document_id).order_by(EvalDocument.document_id)
        if project is not None:
            query = query.join(DocumentRecord, DocumentRecord.id == EvalDocument.document_id).where(
                DocumentRecord.project_id == select(Project.id).where(Project.name == project).scalar_subquery())
        with self._read() as s:
            return list(s.scalars(query))

    def set_eval_set(self, doc_ids: Iterable[int], project: str | None = None) -> None:
        """Replace the pinned evaluation set (of ``project``, or of every project) with ``doc_ids``."""
        wanted = sorted(set(doc_ids))
        with self._tx() as s:
            existing = set()
            for part in chunks(wanted):
                existing |= set(s.scalars(select(DocumentRecord.id).where(DocumentRecord.id.in_(part))))
            missing = [i for i in wanted if i not in existing]
            if missing:
                raise StoreError(f"no document with id {missing[0]}; the evaluation set was not changed")
            if project is None:
                s.execute(delete(EvalDocument))
            else:
                pid = select(Project.id).where(Project.name == project).scalar_subquery()
                s.execute(delete(EvalDocument).where(EvalDocument.document_id.in_(
                    select(DocumentRecord.id).where(DocumentRecord.project_id == pid))))
            insert_rows(s, EvalDocument.__table__, [{"document_id": i} for i in wanted])
