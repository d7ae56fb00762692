"""Documents: projects and annotators, import, the listing behind the work queue, loading for
the editor and for export, and whole-document writes (review state, meta, a replaced layer)."""
from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import ColumnElement, exists, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from .. import stats as corpus_stats
from ..document import DOC_NEW, DOC_STATUSES, GOLD, HUMAN_STATUSES, REJECTED, SUGGESTED, Document, claim_keys
from ..document_batch import DocumentBatch
from ..errors import StoreError
from ..gc_pause import paused_gc
from ..schema import Schema, bundled
from .base import META_COLUMNS, StoreBase, check_document, check_status, float_or_none
from .bulk import Layer, chunks, delete_layer, insert_annotations, insert_batch, insert_ids, load_documents
from .models import (Annotator, ChainRecord, DocumentRecord, DocumentState, Project, SpanLabel, SpanRecord,
                     search_text, utcnow)
from .rows import DocumentRow, ImportSummary

_ORDER = ("id", "name", "status", "spans", "suggestions", "adr_prob", "uncertainty")


class Documents(StoreBase):
    # -- annotators, projects ---------------------------------------------------------------
    def annotator_id(self, name: str) -> int:
        with self._tx() as s:
            return self._annotator(s, name)

    def ensure_project(self, name: str = "default", schema: Schema | None = None) -> int:
        with self._tx() as s:
            return self._project(s, name, schema)

    def project_schema(self, project: str = "default") -> Schema:
        with self._read() as s:
            text = s.scalar(select(Project.schema_json).where(Project.name == project))
        return Schema.from_dict(json.loads(text), f"project {project}") if text else bundled("rdrs")

    def set_project_schema(self, schema: Schema, project: str = "default") -> None:
        with self._tx() as s:
            self._project(s, project, schema)

    def projects(self) -> list[str]:
        with self._read() as s:
            return list(s.scalars(select(Project.name).order_by(Project.id)))

    # ------------------------------------------------------------------ import
    def import_documents(self, docs: Sequence[Document], project: str = "default",
                         annotator: str | None = None, source: str | Sequence[str | None] | None = None,
                         schema: Schema | None = None) -> ImportSummary:
        """Store ``docs`` in one transaction (all or nothing) into ``annotator``'s layer (None =
        the shared layer); ``doc.status`` becomes that layer's review state. A document whose
        name and text match one already in the project gets that layer replaced instead of a
        duplicate. ``source`` is one string or one per document; ``schema`` replaces the
        project's schema in the same transaction. Sets ``doc.id`` and missing annotation ids."""
        with self.importing(project, annotator) as batch:
            batch.add(docs, source)
            if schema is not None:
                batch.set_schema(schema)
        return batch.summary

    @contextmanager
    def importing(self, project: str = "default", annotator: str | None = None) -> Iterator[DocumentImport]:
        """One import transaction that takes documents in batches (``DocumentImport.add``), so a
        caller can store what it has read while it reads the rest; all or nothing like
        ``import_documents``. Leaving the block with an error stores nothing."""
        try:
            with paused_gc(), self._tx() as s:
                batch = DocumentImport(s, project, annotator)
                yield batch
                batch.finish()
        except SQLAlchemyError as exc:
            raise StoreError(f"import failed, nothing was stored: {getattr(exc, 'orig', None) or exc}") from None
        except UnicodeEncodeError as exc:   # a label or value with half a character (Document.problems checks texts)
            raise StoreError(f"import failed, nothing was stored: {exc.object[max(0, exc.start - 20):exc.end]!r} "
                             f"holds half of a character (a lone UTF-16 surrogate)") from None

    # ------------------------------------------------------------------ reading
    def count_documents(self, **filters: object) -> int:
        with self._read() as s:
            query = self._listing(s, **filters, ids_only=True).subquery()
            return s.scalar(select(func.count()).select_from(query))

    def list_documents(self, project: str | None = None, annotator: str | None = None,
                       status: str | Sequence[str] | None = None, label: str | None = None,
                       search: str | None = None, order_by: str = "id", descending: bool = False,
                       offset: int = 0, limit: int | None = None,
                       min_adr: float | None = None, assigned: bool = False) -> list[DocumentRow]:
        with self._read() as s:
            query = self._listing(s, project, annotator, status, label, search, order_by, descending, min_adr,
                                  assigned)
            rows = s.execute(query.offset(offset).limit(limit)).all()
        return [DocumentRow(r.id, r.name, r.status, r.spans, r.suggestions, r.chains, r.adr_prob,
                            annotator, r.length, r.uncertainty) for r in rows]

    def document_ids(self, project: str | None = None, annotator: str | None = None,
                     status: str | Sequence[str] | None = None, label: str | None = None,
                     search: str | None = None, order_by: str = "id", descending: bool = False,
                     min_adr: float | None = None, assigned: bool = False) -> list[int]:
        with self._read() as s:
            query = self._listing(s, project, annotator, status, label, search, order_by, descending, min_adr,
                                  assigned, ids_only=True)
            return list(s.scalars(query))

    def _listing(self, s: Session, project: str | None = None, annotator: str | None = None,
                 status: str | Sequence[str] | None = None, label: str | None = None,
                 search: str | None = None, order_by: str = "id", descending: bool = False,
                 min_adr: float | None = None, assigned: bool = False, ids_only: bool = False):  # noqa: ANN202
        """The listing query; ``min_adr`` keeps documents whose ADR probability is at least that
        (documents nothing scored yet are left out); ``assigned`` keeps the annotator's queue (the
        documents assigned to them, see ``Team.assign``); ``ids_only`` selects just the ids (the
        counts are then computed only where the order needs them)."""
        if order_by not in _ORDER:
            raise StoreError(f"cannot order documents by {order_by!r}; use one of {', '.join(_ORDER)}")
        D, S, C = DocumentRecord, SpanRecord, ChainRecord
        aid = self._find_annotator(s, annotator)
        layer = Layer(aid)
        # Counts are correlated subqueries, so a page of 200 rows counts 200 documents' spans,
        # not every span of the layer (100k documents: ~0.7 s -> ~20 ms per page).
        def span_count(*conditions) -> ColumnElement:  # noqa: ANN002
            return (select(func.count()).select_from(S)
                    .where(S.document_id == D.id, layer.clause(S.annotator_id), *conditions)
                    .correlate(D).scalar_subquery())
        if aid is None:
            status_col = D.status
        else:
            status_col = func.coalesce(DocumentState.status, DOC_NEW)
        columns = {
            "id": D.id, "name": D.name, "status": status_col,
            "spans": span_count(S.status.in_(HUMAN_STATUSES)),
            "suggestions": span_count(S.status == SUGGESTED),
            "chains": (select(func.count()).select_from(C)
                       .where(C.document_id == D.id, layer.clause(C.annotator_id), C.status != REJECTED)
                       .correlate(D).scalar_subquery()),
            "adr_prob": D.adr_prob, "uncertainty": D.uncertainty, "length": D.length,
        }
        query = select(*(col.label(name) for name, col in columns.items() if not ids_only or name == "id")
                       ).select_from(D)
        if aid is not None:
            query = query.outerjoin(DocumentState, (DocumentState.document_id == D.id)
                                    & (DocumentState.annotator_id == aid))
        if assigned and aid is not None:
            query = query.where(DocumentState.annotator_id.is_not(None))
        if project is not None:
            query = query.where(D.project_id == select(Project.id).where(Project.name == project).scalar_subquery())
        if status is not None:
            query = query.where(status_col.in_([status] if isinstance(status, str) else list(status)))
        if label is not None:
            labelled = or_(S.label == label, exists().where(SpanLabel.span_id == S.id, SpanLabel.label == label))
            query = query.where(exists().where(S.document_id == D.id, labelled, layer.clause(S.annotator_id),
                                               S.status != REJECTED))
        if min_adr is not None:
            query = query.where(D.adr_prob >= float(min_adr))
        if search:
            needle = search.lower()
            if s.get_bind().dialect.name == "sqlite":
                # SQLite fast path: instr() is a plain substring scan, ~1.7x faster than LIKE.
                query = query.where(func.instr(D.search_text, needle) > 0)
            else:
                query = query.where(D.search_text.contains(needle, autoescape=True))
        key = columns[order_by]
        key = key.desc() if descending else key.asc()
        if order_by in META_COLUMNS:
            key = key.nulls_last()
        return query.order_by(key, D.id.desc() if descending else D.id)

    def load_document(self, doc_id: int, annotator: str | None = None) -> Document:
        """Text, shared layer and ``annotator``'s layer, every status (the editor hides rejected)."""
        with self._read() as s:
            docs = load_documents(s, [doc_id], Layer(self._find_annotator(s, annotator)))
        if not docs:
            raise StoreError(f"no document with id {doc_id}")
        return docs[0]

    def document_meta(self, doc_id: int) -> dict:
        """One document's meta without its text or annotations (cheap)."""
        found = self.documents_meta([doc_id])
        if doc_id not in found:
            raise StoreError(f"no document with id {doc_id}")
        return found[doc_id]

    def documents_meta(self, ids: Sequence[int]) -> dict[int, dict]:
        """``id -> meta`` for the documents of ``ids`` that exist, read in chunks."""
        out: dict[int, dict] = {}
        with self._read() as s:
            for part in chunks(list(ids)):
                for row in s.execute(select(DocumentRecord.id, DocumentRecord.meta).where(DocumentRecord.id.in_(part))):
                    out[row.id] = dict(row.meta or {})
        return out

    def document_texts(self, ids: Sequence[int]) -> dict[int, str]:
        """``id -> text`` for the documents of ``ids`` that exist (no annotations loaded)."""
        out: dict[int, str] = {}
        with self._read() as s:
            for part in chunks(list(ids)):
                for row in s.execute(select(DocumentRecord.id, DocumentRecord.text).where(DocumentRecord.id.in_(part))):
                    out[row.id] = row.text
        return out

    def gold_document_ids(self, project: str | None = None) -> list[int]:
        """Documents whose shared layer holds gold spans or gold chains (imported curated data;
        a coreference corpus such as RuCoCo has chains only)."""
        D, S, C = DocumentRecord, SpanRecord, ChainRecord
        query = select(D.id).where(exists().where(S.document_id == D.id, S.annotator_id.is_(None), S.status == GOLD)
                                   | exists().where(C.document_id == D.id, C.annotator_id.is_(None),
                                                    C.status == GOLD)).order_by(D.id)
        if project is not None:
            query = query.where(D.project_id == select(Project.id).where(Project.name == project).scalar_subquery())
        with self._read() as s:
            return list(s.scalars(query))

    def export_ids(self, ids: Sequence[int] | None = None, annotator: str | None = None,
                   statuses: Sequence[str] | None = None, project: str | None = None) -> list[int]:
        """The documents ``iter_documents`` reads with these filters, in its order."""
        wanted = self.document_ids(project=project, annotator=annotator, status=statuses)
        if ids is not None:
            keep = set(wanted)
            wanted = [i for i in ids if i in keep]
        return wanted

    def document_names(self, ids: Sequence[int]) -> dict[int, str]:
        with self._read() as s:
            return {doc_id: name for chunk in chunks(list(ids))
                    for doc_id, name in s.execute(select(DocumentRecord.id, DocumentRecord.name)
                                                  .where(DocumentRecord.id.in_(chunk)))}

    def iter_documents(self, ids: Sequence[int] | None = None, annotator: str | None = None,
                       include_suggestions: bool = False, statuses: Sequence[str] | None = None,
                       project: str | None = None, all_layers: bool = False) -> Iterator[Document]:
        """Documents for export and statistics, read in chunks: human spans and chains (gold,
        accepted), plus suggested ones if ``include_suggestions``; rejected ones never.
        ``statuses`` filters by review state; ``all_layers`` reads every annotator's layer."""
        return self.documents_by_id(self.export_ids(ids, annotator, statuses, project), annotator,
                                    include_suggestions, all_layers)

    def documents_by_id(self, ids: Sequence[int], annotator: str | None = None, include_suggestions: bool = False,
                        all_layers: bool = False) -> Iterator[Document]:
        """``iter_documents`` for ids already chosen (``export_ids``), in their order."""
        span_statuses = list(HUMAN_STATUSES) + ([SUGGESTED] if include_suggestions else [])
        for chunk in chunks(ids):
            with self._read() as s:
                layer = Layer(self._find_annotator(s, annotator), all_layers)
                docs = load_documents(s, chunk, layer, span_statuses)
            yield from docs

    def stats(self, project: str | None = None, annotator: str | None = None) -> dict:
        return corpus_stats.compute(self.iter_documents(project=project, annotator=annotator,
                                                        include_suggestions=True))

    def annotators(self) -> list[str]:
        with self._read() as s:
            return list(s.scalars(select(Annotator.name).order_by(Annotator.id)))

    def set_status(self, doc_id: int, status: str, annotator: str | None = None) -> None:
        if status not in DOC_STATUSES:
            raise StoreError(f"unknown review state {status!r}; use one of {', '.join(DOC_STATUSES)}")
        with self._tx() as s:
            self._length(s, doc_id)
            if annotator is None:
                s.execute(update(DocumentRecord).where(DocumentRecord.id == doc_id).values(status=status))
            else:
                self._set_state(s, doc_id, self._annotator(s, annotator), status)

    def set_meta(self, doc_id: int, key: str, value: object) -> None:
        """Set (or, with None, remove) one meta value; adr_prob/uncertainty also feed the sort columns."""
        with self._tx() as s:
            self._length(s, doc_id)
            meta = dict(s.scalar(select(DocumentRecord.meta).where(DocumentRecord.id == doc_id)) or {})
            if value is None:
                meta.pop(key, None)
            else:
                meta[key] = value
            values: dict = {"meta": meta}
            if key in META_COLUMNS:
                values[key] = float_or_none(value)
            s.execute(update(DocumentRecord).where(DocumentRecord.id == doc_id).values(**values))

    def save_document(self, doc: Document, annotator: str | None = None) -> None:
        """Replace ``annotator``'s layer of ``doc.id`` with ``doc``'s annotations, its review state
        and meta, in one transaction. Annotations whose ids belong to another layer (e.g. shared
        gold shown to an annotator) are left in that layer untouched."""
        if doc.id is None:
            raise StoreError(f"document {doc.name!r} has no id; import it first")
        check_document(doc)
        with self._tx() as s:
            self._length(s, doc.id)
            aid = self._annotator(s, annotator) if annotator else None
            delete_layer(s, doc.id, aid)
            others = self._other_layer_keys(s, doc.id)
            spans = [sp for sp in doc.spans if sp.id not in others["T"]]
            chains = [ch for ch in doc.chains if ch.id not in others["C"]]
            relations = [r for r in doc.relations if r.id not in others["R"]]
            insert_annotations(s, [(doc.id, aid, spans, chains, relations)])
            values = {"meta": dict(doc.meta), **{k: float_or_none(doc.meta.get(k)) for k in META_COLUMNS}}
            if aid is None:
                values["status"] = doc.status
            else:
                self._set_state(s, doc.id, aid, doc.status)
            s.execute(update(DocumentRecord).where(DocumentRecord.id == doc.id).values(**values))


class DocumentImport:
    """The open transaction of ``Documents.importing``: documents go in batch by batch."""

    def __init__(self, s: Session, project: str, annotator: str | None):
        self._s = s
        self.project_id = StoreBase._project(s, project)
        self.project = project
        self.annotator = annotator
        self.aid = StoreBase._annotator(s, annotator) if annotator else None
        # Documents an import may replace: those stored before it began, never its own.
        self.last_before = s.scalar(select(func.max(DocumentRecord.id))) or 0
        self.summary = ImportSummary(warnings=[])
        self._replaced = self._namesakes = 0

    def add(self, docs: Sequence[Document], source: str | Sequence[str | None] | None = None,
            checked: bool = False) -> None:
        """Store documents: checked first (StoreError names the first bad document), then written;
        sets ``doc.id`` and the keys their annotations lack. ``checked``: the caller found no
        ``Document.problems`` in any (an import's services do, to skip or refuse bad documents);
        their review states are still checked here."""
        sources = self._sources(source, len(docs))
        for doc in docs:
            if checked:
                check_status(doc)
            else:
                check_document(doc)
        s, aid = self._s, self.aid
        existing, namesakes = self._matching_documents([(d.name, d.text) for d in docs])
        for n, doc in enumerate(docs):
            if n in existing:
                doc.id = existing[n]
                delete_layer(s, doc.id, aid)
                claim_keys(doc, StoreBase._other_layer_keys(s, doc.id))
                StoreBase._merge_meta(s, doc.id, doc.meta)
                if aid is None:
                    s.execute(update(DocumentRecord).where(DocumentRecord.id == doc.id).values(status=doc.status))
        batch = DocumentBatch.of(docs)
        ids = self._insert(batch, sources, existing)
        for doc, doc_id in zip(docs, ids):
            doc.id = doc_id
        self._namesakes += namesakes

    def add_batch(self, batch: DocumentBatch, source: str | None = None) -> None:
        """Store a batch of documents that ``formats.read`` checked (``Document.problems``).
        Documents that replace stored ones go through ``add``; new ones straight into the tables."""
        bad = next((doc for doc in batch.docs if doc[3] not in DOC_STATUSES), None)
        if bad is not None:
            raise StoreError(f"document {bad[0]!r}: unknown review state {bad[3]!r}")
        sources = self._sources(source, len(batch))
        existing, namesakes = self._matching_documents([(name, text) for name, text, _, _ in batch.docs])
        if existing:
            self.add(batch.documents(), sources, checked=True)
            return
        self._insert(batch, sources, {})
        self._namesakes += namesakes

    def _insert(self, batch: DocumentBatch, sources: list[str | None], existing: dict[int, int]) -> list[int]:
        """Insert the batch's new documents (those not in ``existing``: number -> stored id) and
        every document's annotations; returns the documents' ids in order."""
        s, aid = self._s, self.aid
        now = utcnow()
        fresh = [n for n in range(len(batch)) if n not in existing]
        new_ids = insert_ids(s, DocumentRecord.__table__, [{
            "project_id": self.project_id, "name": name, "text": text, "meta": meta, "source": sources[n],
            "length": len(text), "created": now, "search_text": search_text(name, text),
            "status": status if aid is None else DOC_NEW,
            **{k: float_or_none(meta.get(k)) for k in META_COLUMNS}}
            for n, (name, text, meta, status) in ((n, batch.docs[n]) for n in fresh)])
        ids = dict(existing)
        ids.update(zip(fresh, new_ids))
        doc_ids = [ids[n] for n in range(len(batch))]
        if aid is not None:
            for doc_id, (_, _, _, status) in zip(doc_ids, batch.docs):
                StoreBase._set_state(s, doc_id, aid, status)
        counts = insert_batch(s, batch, [(doc_id, aid) for doc_id in doc_ids])
        summary = self.summary
        summary.documents += len(batch)
        summary.spans += counts.spans
        summary.chains += counts.chains
        summary.relations += counts.relations
        summary.document_ids += doc_ids
        self._replaced += len(existing)
        return doc_ids

    @staticmethod
    def _sources(source: str | Sequence[str | None] | None, n: int) -> list[str | None]:
        sources = [source] * n if source is None or isinstance(source, str) else list(source)
        if len(sources) != n:
            raise ValueError("one source per document expected")
        return sources

    def set_schema(self, schema: Schema) -> None:
        """Replace the project's schema in this transaction (labels the import brought in)."""
        StoreBase._project(self._s, self.project, schema)

    def finish(self) -> None:
        if self._replaced:
            self.summary.warnings.append(
                f"{self._replaced} document(s) already in the project: their "
                f"{'shared' if self.aid is None else self.annotator} annotations were replaced")
        if self._namesakes:
            self.summary.warnings.append(f"{self._namesakes} document(s) have the name of a stored document but "
                                         f"another text: imported as new documents")

    def _matching_documents(self, docs: Sequence[tuple[str, str]]) -> tuple[dict[int, int], int]:
        """``number -> document id`` for the documents (name, text) that were in the project
        before this import, and how many others share a name (but not the text) with such a one."""
        if not self.last_before:   # a new database: nothing to match
            return {}, 0
        by_name: dict[str, list[tuple[int, str]]] = {}
        for chunk in chunks(sorted({name for name, _ in docs})):
            for row in self._s.execute(select(DocumentRecord.id, DocumentRecord.name, DocumentRecord.text)
                                       .where(DocumentRecord.project_id == self.project_id,
                                              DocumentRecord.id <= self.last_before,
                                              DocumentRecord.name.in_(chunk)).order_by(DocumentRecord.id)):
                by_name.setdefault(row.name, []).append((row.id, row.text))
        out: dict[int, int] = {}
        namesakes = 0
        for n, (name, text) in enumerate(docs):
            match = next((i for i, stored in by_name.get(name, []) if stored == text), None)
            if match is not None:
                out[n] = match
            elif name in by_name:
                namesakes += 1
        return out, namesakes
