"""Terminologies in the database: an import replaces one kind's terms in one transaction; lookups
give the terms of a kind, the known codes, and a code's path up its hierarchy."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, select

from ..terminology import Term
from .base import StoreBase
from .bulk import insert_rows
from .models import TermRecord


class Terminologies(StoreBase):
    def import_terms(self, kind: str, terms: Iterable[Term]) -> int:
        """Replace every stored term of ``kind`` with ``terms`` (all or nothing); returns their number."""
        rows = [{"kind": kind, "level": t.level, "code": t.code, "name": t.name, "parent": t.parent}
                for t in terms]
        with self._tx() as s:
            s.execute(delete(TermRecord).where(TermRecord.kind == kind))
            insert_rows(s, TermRecord.__table__, rows)
        return len(rows)

    def terms(self, kind: str | None = None) -> list[Term]:
        """Every stored term (of ``kind``), in code order."""
        query = select(TermRecord).order_by(TermRecord.kind, TermRecord.code, TermRecord.level)
        if kind is not None:
            query = query.where(TermRecord.kind == kind)
        with self._read() as s:
            return [Term(r.kind, r.level, r.code, r.name, r.parent) for r in s.scalars(query)]

    def term_counts(self) -> dict[str, int]:
        """Number of terms per loaded terminology kind."""
        with self._read() as s:
            return dict(s.execute(select(TermRecord.kind, func.count()).group_by(TermRecord.kind)).all())

    def known_code(self, kind: str, code: str) -> bool:
        """Whether ``code`` is in the loaded terminology ``kind`` (at any level)."""
        with self._read() as s:
            return s.scalar(select(TermRecord.id).where(TermRecord.kind == kind, TermRecord.code == code)
                            .limit(1)) is not None

    def term_path(self, kind: str, code: str) -> list[Term]:
        """The term and its ancestors, most specific first (LLT → PT → … → SOC); [] if unknown.
        A code that is both an LLT and a PT (MedDRA's PT-level LLT) starts at the PT."""
        with self._read() as s:
            rows = {}
            for r in s.scalars(select(TermRecord).where(TermRecord.kind == kind)):
                rows.setdefault(r.code, []).append(r)
        path: list[Term] = []
        seen: set[str] = set()
        current: str | None = code
        while current is not None and current in rows and current not in seen:
            seen.add(current)
            record = min(rows[current], key=lambda r: r.level == "LLT")
            path.append(Term(record.kind, record.level, record.code, record.name, record.parent))
            current = record.parent
        return path
