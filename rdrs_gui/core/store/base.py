"""What every part of the store shares: the engine, short transactions, and the lookups (layers,
projects, review states, row ids) that several responsibilities need inside their transactions.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ..document import DOC_STATUSES, SPAN_STATUSES, Chain, Document, Span
from ..errors import StoreError
from ..schema import Schema, bundled
from .bulk import insert_ids, insert_rows
from .engine import WRITE_OPTION, make_engine, require_existing, shown_engine_url, to_url, upgrade
from .models import (Annotator, ChainRecord, DocumentRecord, DocumentState, Project, RelationRecord, SpanRecord,
                     utcnow)

META_COLUMNS = ("adr_prob", "uncertainty")   # meta keys mirrored as sortable columns
NO_ANNOTATOR = -1  # an annotator name not in the database: owns no layer yet

_S = TypeVar("_S", bound="StoreBase")


class StoreBase:
    """An open database; every public method of the parts built on it is one transaction."""

    def __init__(self, engine: Engine, url: str):
        self.engine = engine
        self.url = url
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def open(cls: type[_S], url_or_path: str | Path | None = None, write_ahead_log: bool = True,
             existing: bool = False) -> _S:
        """Open (creating or upgrading) the database at a file path or SQLAlchemy URL;
        ``write_ahead_log=False``: see ``engine.make_engine`` (a new file filled in one go);
        ``existing``: refuse to create one (``engine.require_existing``)."""
        if existing:
            require_existing(url_or_path)
        url = to_url(url_or_path)
        engine = make_engine(url, write_ahead_log)
        try:
            upgrade(engine)
        except StoreError:
            engine.dispose()
            raise
        except SQLAlchemyError as exc:
            engine.dispose()
            reason = getattr(exc, "orig", None) or exc
            raise StoreError(f"{shown_engine_url(engine)}: cannot open database: {reason}") from None
        return cls(engine, url)

    def close(self) -> None:
        self.engine.dispose()

    @property
    def shared(self) -> bool:
        """Whether another process opening ``url`` reaches this database (an in-memory SQLite
        database lives only in this process)."""
        url = self.engine.url
        return url.get_backend_name() != "sqlite" or url.database not in (None, "", ":memory:")

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[Session]:
        """A transaction that writes: on SQLite it holds the write lock from its first statement."""
        with self._sessions() as session, session.begin():
            session.connection(execution_options={WRITE_OPTION: True})
            yield session

    @contextmanager
    def _read(self) -> Iterator[Session]:
        """A read-only transaction: one consistent snapshot, never blocks or waits for writers."""
        with self._sessions() as session, session.begin():
            yield session

    # -- lookups inside a transaction ----------------------------------------------------------
    @staticmethod
    def _annotator(s: Session, name: str) -> int:
        found = s.scalar(select(Annotator.id).where(Annotator.name == name))
        if found is not None:
            return found
        return insert_ids(s, Annotator.__table__, [{"name": name}])[0]

    @staticmethod
    def _find_annotator(s: Session, name: str | None) -> int | None:
        if name is None:
            return None
        found = s.scalar(select(Annotator.id).where(Annotator.name == name))
        return NO_ANNOTATOR if found is None else found

    @staticmethod
    def _project(s: Session, name: str, schema: Schema | None = None) -> int:
        """Id of project ``name``, created with ``schema`` (bundled RDRS by default); an explicit
        ``schema`` replaces the stored one."""
        found = s.scalar(select(Project.id).where(Project.name == name))
        if found is None:
            return insert_ids(s, Project.__table__, [{"name": name, "created": utcnow(),
                                                      "schema_json": (schema or bundled("rdrs")).to_json()}])[0]
        if schema is not None:
            s.execute(update(Project).where(Project.id == found).values(schema_json=schema.to_json()))
        return found

    @staticmethod
    def _length(s: Session, doc_id: int) -> int:
        """Text length of a document, or StoreError if there is none with this id."""
        length = s.scalar(select(DocumentRecord.length).where(DocumentRecord.id == doc_id))
        if length is None:
            raise StoreError(f"no document with id {doc_id}")
        return length

    @staticmethod
    def _row_id(s: Session, model, doc_id: int, key: str) -> int:  # noqa: ANN001
        row_id = s.scalar(select(model.id).where(model.document_id == doc_id, model.key == key))
        if row_id is None:
            raise StoreError(f"document {doc_id} has no {model.__tablename__[:-1]} {key!r}")
        return row_id

    @staticmethod
    def _set_state(s: Session, doc_id: int, annotator_id: int, status: str) -> None:
        where = (DocumentState.document_id == doc_id, DocumentState.annotator_id == annotator_id)
        if s.scalar(select(DocumentState.status).where(*where)) is None:
            insert_rows(s, DocumentState.__table__, [{"document_id": doc_id, "annotator_id": annotator_id,
                                                      "status": status, "updated": utcnow()}])
        else:
            s.execute(update(DocumentState).where(*where).values(status=status, updated=utcnow()))

    @staticmethod
    def _merge_meta(s: Session, doc_id: int, meta: dict) -> None:
        merged = {**(s.scalar(select(DocumentRecord.meta).where(DocumentRecord.id == doc_id)) or {}), **meta}
        s.execute(update(DocumentRecord).where(DocumentRecord.id == doc_id).values(
            meta=merged, **{k: float_or_none(merged.get(k)) for k in META_COLUMNS}))

    @staticmethod
    def _other_layer_keys(s: Session, doc_id: int) -> dict[str, set[str]]:
        """Keys already used in the document (after the target layer was deleted)."""
        return {prefix: set(s.scalars(select(model.key).where(model.document_id == doc_id)))
                for prefix, model in (("T", SpanRecord), ("C", ChainRecord), ("R", RelationRecord))}


@contextmanager
def nothing_saved_on_error(what: str) -> Iterator[None]:
    """A change set's database error as one StoreError that says nothing was saved; a key another
    writer took meanwhile (an integrity error) is named as such. ``what``: "document 5", or
    "these documents"."""
    try:
        yield
    except IntegrityError as exc:
        raise StoreError(f"{what}: changed by another writer meanwhile "
                         f"({getattr(exc, 'orig', None) or exc}); nothing was saved") from None
    except SQLAlchemyError as exc:
        raise StoreError(f"{what}: {getattr(exc, 'orig', None) or exc}; nothing was saved") from None


def float_or_none(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def check_status(doc: Document) -> None:
    if doc.status not in DOC_STATUSES:
        raise StoreError(f"document {doc.name!r}: unknown review state {doc.status!r}")


def check_document(doc: Document) -> None:
    check_status(doc)
    problems = doc.problems()
    if problems:
        raise StoreError(f"document {doc.name!r}: {problems[0]}")


def check_span(span: Span, length: int) -> None:
    problems = Document("", " " * length, spans=[span]).problems()
    if problems:
        raise StoreError(problems[0])
    if span.status not in SPAN_STATUSES:
        raise StoreError(f"span {span.id or '?'}: unknown status {span.status!r}")


def check_chain(chain: Chain, length: int) -> None:
    problems = Document("", " " * length, chains=[chain]).problems()
    if problems:
        raise StoreError(problems[0])
