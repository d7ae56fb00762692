"""The persistent store: documents, annotations per annotator layer, models and jobs.

Every public method is one short transaction, so the editor autosaves each edit and a crash
loses at most the edit in flight; an import is one transaction for the whole batch (all or
nothing). Methods take and return plain ``Document``/``Span``/row objects, never ORM objects.
"""
from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import ColumnElement, Engine, delete, exists, func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from .. import stats as corpus_stats
from ..document import (DOC_NEW, DOC_PREANNOTATED, DOC_STATUSES, GOLD, HUMAN_STATUSES, REJECTED,
                        SPAN_STATUSES, SUGGESTED, Chain, Document, Relation, Span, model_origin)
from ..errors import StoreError
from ..schema import Schema, bundled
from .bulk import (Layer, chunks, delete_layer, insert_annotations, insert_ids, insert_rows, load_documents,
                   paused_gc)
from .engine import WRITE_OPTION, make_engine, to_url, upgrade
from .models import (search_text, Annotator, ChainMention, ChainRecord, DocumentRecord, DocumentState, EvalDocument, Job,
                     ModelVersion, Project, Setting, RelationRecord, SpanAttribute, SpanFragment, SpanLabel,
                     SpanRecord, utcnow)
from .rows import DocumentRow, ImportSummary, JobRow, ModelRow

_ORDER = ("id", "name", "status", "spans", "suggestions", "adr_prob", "uncertainty")
_META_COLUMNS = ("adr_prob", "uncertainty")
_NO_ANNOTATOR = -1  # an annotator name not in the database: owns no layer yet


class Store:
    def __init__(self, engine: Engine, url: str):
        self.engine = engine
        self.url = url
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, url_or_path: str | Path | None = None) -> "Store":
        """Open (creating or upgrading) the database at a file path or SQLAlchemy URL."""
        url = to_url(url_or_path)
        engine = make_engine(url)
        try:
            upgrade(engine)
        except StoreError:
            engine.dispose()
            raise
        except SQLAlchemyError as exc:
            engine.dispose()
            reason = getattr(exc, "orig", None) or exc
            raise StoreError(f"{engine.url.render_as_string(hide_password=True)}: "
                             f"cannot open database: {reason}") from None
        return cls(engine, url)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Store":
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

    # ------------------------------------------------------- annotators, projects
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
        return _NO_ANNOTATOR if found is None else found

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

    # ------------------------------------------------------------------ import
    def import_documents(self, docs: Sequence[Document], project: str = "default",
                         annotator: str | None = None, source: str | Sequence[str | None] | None = None,
                         schema: Schema | None = None) -> ImportSummary:
        """Store ``docs`` in one transaction (all or nothing) into ``annotator``'s layer (None =
        the shared layer); ``doc.status`` becomes that layer's review state. A document whose
        name and text match one already in the project gets that layer replaced instead of a
        duplicate. ``source`` is one string or one per document; ``schema`` replaces the
        project's schema in the same transaction. Sets ``doc.id`` and missing annotation ids."""
        sources = [source] * len(docs) if source is None or isinstance(source, str) else list(source)
        if len(sources) != len(docs):
            raise ValueError("one source per document expected")
        for doc in docs:
            _check_document(doc)
        summary = ImportSummary(warnings=[])
        try:
            with paused_gc(), self._tx() as s:
                project_id = self._project(s, project, schema)
                aid = self._annotator(s, annotator) if annotator else None
                existing, namesakes = self._matching_documents(s, project_id, docs)
                new_docs = [(d, src) for d, src in zip(docs, sources) if id(d) not in existing]
                now = utcnow()
                ids = insert_ids(s, DocumentRecord.__table__, [{
                    "project_id": project_id, "name": d.name, "text": d.text, "meta": d.meta,
                    "source": src, "length": len(d.text), "created": now,
                    "search_text": search_text(d.name, d.text),
                    "status": d.status if aid is None else DOC_NEW,
                    **{k: _float_or_none(d.meta.get(k)) for k in _META_COLUMNS}} for d, src in new_docs])
                for (doc, _), doc_id in zip(new_docs, ids):
                    doc.id = doc_id
                    _claim_keys(doc, {})
                for doc in docs:
                    if id(doc) in existing:
                        doc.id = existing[id(doc)]
                        delete_layer(s, doc.id, aid)
                        _claim_keys(doc, self._other_layer_keys(s, doc.id))
                        self._merge_meta(s, doc.id, doc.meta)
                        if aid is None:
                            s.execute(update(DocumentRecord).where(DocumentRecord.id == doc.id)
                                      .values(status=doc.status))
                if aid is not None:
                    for doc in docs:
                        self._set_state(s, doc.id, aid, doc.status)
                counts = insert_annotations(s, ((d.id, aid, d.spans, d.chains, d.relations) for d in docs))
        except SQLAlchemyError as exc:
            raise StoreError(f"import failed, nothing was stored: {getattr(exc, 'orig', None) or exc}") from None
        summary.documents = len(docs)
        summary.spans, summary.chains, summary.relations = counts.spans, counts.chains, counts.relations
        summary.document_ids = [d.id for d in docs]
        replaced = len(existing)
        if replaced:
            summary.warnings.append(f"{replaced} document(s) already in the project: their "
                                    f"{'shared' if aid is None else annotator} annotations were replaced")
        if namesakes:
            summary.warnings.append(f"{namesakes} document(s) have the name of a stored document but another "
                                    f"text: imported as new documents")
        return summary

    @staticmethod
    def _matching_documents(s: Session, project_id: int, docs: Sequence[Document]) -> tuple[dict[int, int], int]:
        """``id(doc) -> document id`` for docs whose name and text are already in the project,
        and how many others share a name (but not the text) with a stored document."""
        by_name: dict[str, list[tuple[int, str]]] = {}
        for chunk in chunks(sorted({d.name for d in docs})):
            for row in s.execute(select(DocumentRecord.id, DocumentRecord.name, DocumentRecord.text)
                                 .where(DocumentRecord.project_id == project_id,
                                        DocumentRecord.name.in_(chunk)).order_by(DocumentRecord.id)):
                by_name.setdefault(row.name, []).append((row.id, row.text))
        out: dict[int, int] = {}
        namesakes = 0
        for doc in docs:
            match = next((i for i, text in by_name.get(doc.name, []) if text == doc.text), None)
            if match is not None:
                out[id(doc)] = match
            elif doc.name in by_name:
                namesakes += 1
        return out, namesakes

    @staticmethod
    def _other_layer_keys(s: Session, doc_id: int) -> dict[str, set[str]]:
        """Keys already used in the document (after the target layer was deleted)."""
        return {prefix: set(s.scalars(select(model.key).where(model.document_id == doc_id)))
                for prefix, model in (("T", SpanRecord), ("C", ChainRecord), ("R", RelationRecord))}

    # ------------------------------------------------------------------ reading
    def count_documents(self, **filters: object) -> int:
        with self._read() as s:
            query = self._listing(s, **filters).subquery()
            return s.scalar(select(func.count()).select_from(query))

    def list_documents(self, project: str | None = None, annotator: str | None = None,
                       status: str | Sequence[str] | None = None, label: str | None = None,
                       search: str | None = None, order_by: str = "id", descending: bool = False,
                       offset: int = 0, limit: int | None = None,
                       min_adr: float | None = None) -> list[DocumentRow]:
        with self._read() as s:
            query = self._listing(s, project, annotator, status, label, search, order_by, descending, min_adr)
            rows = s.execute(query.offset(offset).limit(limit)).all()
        return [DocumentRow(r.id, r.name, r.status, r.spans, r.suggestions, r.chains, r.adr_prob,
                            annotator, r.length, r.uncertainty) for r in rows]

    def document_ids(self, project: str | None = None, annotator: str | None = None,
                     status: str | Sequence[str] | None = None, label: str | None = None,
                     search: str | None = None, order_by: str = "id", descending: bool = False,
                     min_adr: float | None = None) -> list[int]:
        with self._read() as s:
            query = self._listing(s, project, annotator, status, label, search, order_by, descending, min_adr)
            return [row.id for row in s.execute(query)]

    def _listing(self, s: Session, project: str | None = None, annotator: str | None = None,
                 status: str | Sequence[str] | None = None, label: str | None = None,
                 search: str | None = None, order_by: str = "id", descending: bool = False,
                 min_adr: float | None = None):  # noqa: ANN202
        """The listing query; ``min_adr`` keeps documents whose ADR probability is at least that
        (documents nothing scored yet are left out)."""
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
        query = select(*(col.label(name) for name, col in columns.items())).select_from(D)
        if aid is not None:
            query = query.outerjoin(DocumentState, (DocumentState.document_id == D.id)
                                    & (DocumentState.annotator_id == aid))
        if project is not None:
            query = query.where(D.project_id == select(Project.id).where(Project.name == project).scalar_subquery())
        if status is not None:
            query = query.where(status_col.in_([status] if isinstance(status, str) else list(status)))
        if label is not None:
            query = query.where(exists().where(SpanLabel.span_id == S.id, S.document_id == D.id,
                                               SpanLabel.label == label, layer.clause(S.annotator_id),
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
        if order_by in _META_COLUMNS:
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
        """Documents whose shared layer holds gold spans (imported curated data)."""
        D, S = DocumentRecord, SpanRecord
        query = select(D.id).where(exists().where(S.document_id == D.id, S.annotator_id.is_(None),
                                                  S.status == GOLD)).order_by(D.id)
        if project is not None:
            query = query.where(D.project_id == select(Project.id).where(Project.name == project).scalar_subquery())
        with self._read() as s:
            return list(s.scalars(query))

    def iter_documents(self, ids: Sequence[int] | None = None, annotator: str | None = None,
                       include_suggestions: bool = False, statuses: Sequence[str] | None = None,
                       project: str | None = None, all_layers: bool = False) -> Iterator[Document]:
        """Documents for export and statistics, read in chunks: human spans and chains (gold,
        accepted), plus suggested ones if ``include_suggestions``; rejected ones never.
        ``statuses`` filters by review state; ``all_layers`` reads every annotator's layer."""
        wanted = self.document_ids(project=project, annotator=annotator, status=statuses)
        if ids is not None:
            keep = set(wanted)
            wanted = [i for i in ids if i in keep]
        span_statuses = list(HUMAN_STATUSES) + ([SUGGESTED] if include_suggestions else [])
        for chunk in chunks(wanted):
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

    # ------------------------------------------------------------------ edits
    def add_span(self, doc_id: int, span: Span, annotator: str | None = None,
                 relations: Sequence[Relation] = ()) -> str:
        """Add a span to ``annotator``'s layer; returns its key (also set on ``span.id``).

        ``relations`` of the span come back with it (undo of a delete): they follow the span if
        it gets a new key, and get fresh keys where theirs are taken (set on each relation)."""
        with self._tx() as s:
            length = self._length(s, doc_id)
            _check_span(span, length)
            keys = set(s.scalars(select(SpanRecord.key).where(SpanRecord.document_id == doc_id)))
            old_id = span.id
            if not span.id or span.id in keys:
                span.id = _next_key("T", keys)
            if relations:
                taken = set(s.scalars(select(RelationRecord.key).where(RelationRecord.document_id == doc_id)))
                for rel in relations:
                    rel.head, rel.tail = (span.id if end == old_id else end for end in (rel.head, rel.tail))
                    if not rel.id or rel.id in taken:
                        rel.id = _next_key("R", taken)
                    taken.add(rel.id)
            aid = self._annotator(s, annotator) if annotator else None
            insert_annotations(s, [(doc_id, aid, [span], [], list(relations))])
        return span.id

    def update_span(self, doc_id: int, span: Span) -> None:
        """Replace labels, fragments, attributes, status and score of the span ``span.id``."""
        with self._tx() as s:
            _check_span(span, self._length(s, doc_id))
            row_id = self._row_id(s, SpanRecord, doc_id, span.id)
            s.execute(update(SpanRecord).where(SpanRecord.id == row_id)
                      .values(status=span.status, score=span.score))
            for model in (SpanLabel, SpanFragment, SpanAttribute):
                s.execute(delete(model).where(model.span_id == row_id))
            insert_rows(s, SpanLabel.__table__, [{"span_id": row_id, "label": lab} for lab in span.labels])
            insert_rows(s, SpanFragment.__table__, [{"span_id": row_id, "position": i, "start_offset": a,
                                                     "end_offset": b} for i, (a, b) in enumerate(span.fragments)])
            insert_rows(s, SpanAttribute.__table__, [{"span_id": row_id, "name": k, "value": str(v)}
                                                     for k, v in span.attrs.items()])

    def delete_span(self, doc_id: int, span_id: str) -> None:
        """Delete a span and the relations that point at it."""
        with self._tx() as s:
            row_id = self._row_id(s, SpanRecord, doc_id, span_id)
            s.execute(delete(RelationRecord).where(RelationRecord.document_id == doc_id,
                                                   (RelationRecord.head == span_id) | (RelationRecord.tail == span_id)))
            s.execute(delete(SpanRecord).where(SpanRecord.id == row_id))

    def add_chain(self, doc_id: int, chain: Chain, annotator: str | None = None) -> str:
        with self._tx() as s:
            _check_chain(chain, self._length(s, doc_id))
            keys = set(s.scalars(select(ChainRecord.key).where(ChainRecord.document_id == doc_id)))
            if not chain.id or chain.id in keys:
                chain.id = _next_key("C", keys)
            aid = self._annotator(s, annotator) if annotator else None
            insert_annotations(s, [(doc_id, aid, [], [chain], [])])
        return chain.id

    def update_chain(self, doc_id: int, chain: Chain) -> None:
        """Replace label, mentions, status and score of the chain ``chain.id``."""
        with self._tx() as s:
            _check_chain(chain, self._length(s, doc_id))
            row_id = self._row_id(s, ChainRecord, doc_id, chain.id)
            s.execute(update(ChainRecord).where(ChainRecord.id == row_id)
                      .values(label=chain.label, status=chain.status, score=chain.score))
            s.execute(delete(ChainMention).where(ChainMention.chain_id == row_id))
            insert_rows(s, ChainMention.__table__, [
                {"chain_id": row_id, "mention": m, "position": i, "start_offset": a, "end_offset": b}
                for m, mention in enumerate(chain.mentions) for i, (a, b) in enumerate(mention.fragments)])

    def delete_chain(self, doc_id: int, chain_id: str) -> None:
        with self._tx() as s:
            s.execute(delete(ChainRecord).where(ChainRecord.id == self._row_id(s, ChainRecord, doc_id, chain_id)))

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
            if key in _META_COLUMNS:
                values[key] = _float_or_none(value)
            s.execute(update(DocumentRecord).where(DocumentRecord.id == doc_id).values(**values))

    def save_document(self, doc: Document, annotator: str | None = None) -> None:
        """Replace ``annotator``'s layer of ``doc.id`` with ``doc``'s annotations, its review state
        and meta, in one transaction. Annotations whose ids belong to another layer (e.g. shared
        gold shown to an annotator) are left in that layer untouched."""
        if doc.id is None:
            raise StoreError(f"document {doc.name!r} has no id; import it first")
        _check_document(doc)
        with self._tx() as s:
            self._length(s, doc.id)
            aid = self._annotator(s, annotator) if annotator else None
            delete_layer(s, doc.id, aid)
            others = self._other_layer_keys(s, doc.id)
            spans = [sp for sp in doc.spans if sp.id not in others["T"]]
            chains = [ch for ch in doc.chains if ch.id not in others["C"]]
            relations = [r for r in doc.relations if r.id not in others["R"]]
            insert_annotations(s, [(doc.id, aid, spans, chains, relations)])
            values = {"meta": dict(doc.meta), **{k: _float_or_none(doc.meta.get(k)) for k in _META_COLUMNS}}
            if aid is None:
                values["status"] = doc.status
            else:
                self._set_state(s, doc.id, aid, doc.status)
            s.execute(update(DocumentRecord).where(DocumentRecord.id == doc.id).values(**values))

    def apply_suggestions(self, doc_id: int, spans: Sequence[Span] | None, chains: Sequence[Chain] | None,
                          model_version: str, annotator: str | None = None, *,
                          chain_version: str | None = None, meta: dict | None = None) -> int:
        """Put a model's suggestions into ``annotator``'s layer; returns how many spans and chains
        were added. Human decisions win: pending suggestions (of any older model) are replaced;
        a label on the same fragments as a human span or a rejected suggestion is not suggested
        again; a chain equal to a human or rejected chain is not suggested again.

        ``spans`` or ``chains`` None leaves that kind's pending suggestions alone (a tagger
        run keeps the coreference model's chains). Chains get ``chain_version`` as origin when
        given. ``meta`` is merged into the document's meta (None removes a key) in the same
        transaction, so a marker such as "pre-annotated by" is stored exactly when the
        suggestions are."""
        return self.apply_suggestions_many([(doc_id, spans, chains, meta)], model_version, annotator,
                                           chain_version=chain_version)[0]

    def apply_suggestions_many(self, items: Sequence[tuple[int, Sequence[Span] | None, Sequence[Chain] | None,
                                                           dict | None]],
                               model_version: str, annotator: str | None = None, *,
                               chain_version: str | None = None) -> list[int]:
        """``apply_suggestions`` for a batch of ``(doc_id, spans, chains, meta)`` in one
        transaction with set-based reads and writes (a pre-annotation batch costs a few
        statements, not a few per document); returns the count added per item."""
        ids = [item[0] for item in items]
        if len(set(ids)) != len(ids):
            raise StoreError("a document appears twice in one batch of suggestions")
        D = DocumentRecord
        with self._tx() as s:
            found = {r.id: r for part in chunks(ids)
                     for r in s.execute(select(D.id, D.length, D.meta).where(D.id.in_(part)))}
            missing = [i for i in ids if i not in found]
            if missing:
                raise StoreError(f"no document with id {missing[0]}")
            aid = self._annotator(s, annotator) if annotator else None
            layer_of = (lambda col: col.is_(None)) if aid is None else (lambda col: col == aid)
            span_docs = [i for i, sp, _, _ in items if sp is not None]
            chain_docs = [i for i, _, ch, _ in items if ch is not None]
            for part in chunks(span_docs):
                stale = (select(SpanRecord.id).where(SpanRecord.document_id == RelationRecord.document_id,
                                                     SpanRecord.key.in_([RelationRecord.head, RelationRecord.tail]),
                                                     layer_of(SpanRecord.annotator_id), SpanRecord.status == SUGGESTED))
                s.execute(delete(RelationRecord).where(RelationRecord.document_id.in_(part), exists(stale)))
                s.execute(delete(SpanRecord).where(SpanRecord.document_id.in_(part), layer_of(SpanRecord.annotator_id),
                                                   SpanRecord.status == SUGGESTED))
            for part in chunks(chain_docs):
                s.execute(delete(ChainRecord).where(ChainRecord.document_id.in_(part), layer_of(ChainRecord.annotator_id),
                                                    ChainRecord.status == SUGGESTED))
            current = {d.id: d for d in load_documents(s, ids, Layer(aid))}
            span_keys: dict[int, set[str]] = {i: set() for i in ids}
            chain_keys: dict[int, set[str]] = {i: set() for i in ids}
            for part in chunks(ids):
                for doc_id, key in s.execute(select(SpanRecord.document_id, SpanRecord.key)
                                             .where(SpanRecord.document_id.in_(part))):
                    span_keys[doc_id].add(key)
                for doc_id, key in s.execute(select(ChainRecord.document_id, ChainRecord.key)
                                             .where(ChainRecord.document_id.in_(part))):
                    chain_keys[doc_id].add(key)
            entries, counts, newly, metas = [], [], [], []
            for doc_id, spans, chains, meta in items:
                doc, length = current[doc_id], found[doc_id].length
                new_spans = self._new_span_suggestions(doc, spans or (), length, model_version, span_keys[doc_id])
                new_chains = self._new_chain_suggestions(doc, chains or (), length, chain_version or model_version,
                                                         chain_keys[doc_id])
                entries.append((doc_id, aid, new_spans, new_chains, []))
                counts.append(len(new_spans) + len(new_chains))
                if doc.status == DOC_NEW and counts[-1]:
                    newly.append(doc_id)
                if meta:
                    merged = {**dict(found[doc_id].meta or {}), **meta}
                    merged = {k: v for k, v in merged.items() if v is not None}
                    metas.append({"id": doc_id, "meta": merged,
                                  **{k: _float_or_none(merged.get(k)) for k in _META_COLUMNS}})
            insert_annotations(s, entries)
            if metas:
                s.execute(update(DocumentRecord), metas)
            self._mark_preannotated(s, newly, aid)
        return counts

    def _mark_preannotated(self, s: Session, doc_ids: list[int], aid: int | None) -> None:
        """New documents that just got suggestions become pre-annotated (in ``aid``'s layer)."""
        for part in chunks(doc_ids):
            if aid is None:
                s.execute(update(DocumentRecord).where(DocumentRecord.id.in_(part)).values(status=DOC_PREANNOTATED))
                continue
            have = set(s.scalars(select(DocumentState.document_id).where(
                DocumentState.annotator_id == aid, DocumentState.document_id.in_(part))))
            if have:
                s.execute(update(DocumentState).where(DocumentState.annotator_id == aid,
                                                      DocumentState.document_id.in_(have))
                          .values(status=DOC_PREANNOTATED, updated=utcnow()))
            insert_rows(s, DocumentState.__table__, [{"document_id": i, "annotator_id": aid, "status": DOC_PREANNOTATED,
                                                      "updated": utcnow()} for i in part if i not in have])

    @staticmethod
    def _new_span_suggestions(current: Document, spans: Sequence[Span], length: int, model_version: str,
                              span_keys: set[str]) -> list[Span]:
        """Suggestions not blocked by a human span or a rejection, with fresh keys."""
        blocked = {(tuple(sp.fragments), label) for sp in current.spans for label in sp.labels}
        fresh = itertools.count(_max_number("T", span_keys | {sp.id for sp in current.spans}) + 1)
        origin = model_origin(model_version)
        out: list[Span] = []
        for sp in spans:
            _check_span(sp, length)
            place = tuple(sp.fragments)
            labels = {lab for lab in sp.labels if (place, lab) not in blocked}
            if not labels:
                continue
            blocked |= {(place, lab) for lab in labels}
            out.append(Span(labels, list(sp.fragments), dict(sp.attrs), origin, SUGGESTED, sp.score, f"T{next(fresh)}"))
        return out

    @staticmethod
    def _new_chain_suggestions(current: Document, chains: Sequence[Chain], length: int, model_version: str,
                               chain_keys: set[str]) -> list[Chain]:
        blocked = {ch.key() for ch in current.chains}
        fresh = itertools.count(_max_number("C", chain_keys | {ch.id for ch in current.chains}) + 1)
        origin = model_origin(model_version)
        out: list[Chain] = []
        for ch in chains:
            _check_chain(ch, length)
            if ch.key() in blocked:
                continue
            blocked.add(ch.key())
            out.append(Chain(list(ch.mentions), ch.label, origin, SUGGESTED, ch.score, f"C{next(fresh)}"))
        return out

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
            meta=merged, **{k: _float_or_none(merged.get(k)) for k in _META_COLUMNS}))

    # ------------------------------------------------------------------ models
    def register_model(self, kind: str, path: str | Path, version: str, metrics: dict,
                       documents: Iterable[int], device: str, active: bool = False,
                       snapshot: dict | None = None) -> int:
        """Record a trained bundle; ``documents`` are its training documents, ``snapshot`` the
        whole data snapshot (train / dev / eval ids, the training file's hash)."""
        with self._tx() as s:
            if s.scalar(select(ModelVersion.id).where(ModelVersion.version == version)) is not None:
                raise StoreError(f"a model version {version!r} is already registered")
            model_id = insert_ids(s, ModelVersion.__table__, [{
                "kind": kind, "path": str(path), "version": version, "metrics": dict(metrics),
                "documents": list(documents), "created": utcnow(), "device": device, "active": False,
                "snapshot": dict(snapshot) if snapshot is not None else None}])[0]
            if active:
                self._activate(s, model_id)
        return model_id

    def list_models(self, kind: str | None = None) -> list[ModelRow]:
        with self._read() as s:
            query = select(ModelVersion).order_by(ModelVersion.id)
            if kind is not None:
                query = query.where(ModelVersion.kind == kind)
            return [_model_row(m) for m in s.scalars(query)]

    def activate_model(self, version_or_id: str | int) -> None:
        """Make one model the active one of its kind; the others of that kind stay available."""
        with self._tx() as s:
            column = ModelVersion.id if isinstance(version_or_id, int) else ModelVersion.version
            model_id = s.scalar(select(ModelVersion.id).where(column == version_or_id))
            if model_id is None:
                raise StoreError(f"no model {version_or_id!r}")
            self._activate(s, model_id)

    @staticmethod
    def _activate(s: Session, model_id: int) -> None:
        kind = s.scalar(select(ModelVersion.kind).where(ModelVersion.id == model_id))
        s.execute(update(ModelVersion).where(ModelVersion.kind == kind).values(active=ModelVersion.id == model_id))
        s.execute(update(ModelVersion).where(ModelVersion.id == model_id).values(activated=utcnow()))

    def model(self, version_or_id: str | int) -> ModelRow:
        with self._read() as s:
            column = ModelVersion.id if isinstance(version_or_id, int) else ModelVersion.version
            found = s.scalar(select(ModelVersion).where(column == version_or_id))
            if found is None:
                raise StoreError(f"no model {version_or_id!r}")
            return _model_row(found)

    def rollback_model(self, kind: str) -> ModelRow:
        """Re-activate the version of ``kind`` that was active before the current one."""
        with self._tx() as s:
            current = s.scalar(select(ModelVersion.id).where(ModelVersion.kind == kind, ModelVersion.active.is_(True)))
            previous = s.scalar(select(ModelVersion.id).where(
                ModelVersion.kind == kind, ModelVersion.activated.is_not(None),
                ModelVersion.id != (current if current is not None else -1))
                .order_by(ModelVersion.activated.desc(), ModelVersion.id.desc()).limit(1))
            if previous is None:
                raise StoreError(f"no earlier active {kind} model to roll back to")
            self._activate(s, previous)
            return _model_row(s.get(ModelVersion, previous))

    def update_model_metrics(self, version_or_id: str | int, metrics: dict) -> None:
        """Merge ``metrics`` (e.g. a fresh score on the pinned evaluation set) into a model's."""
        with self._tx() as s:
            column = ModelVersion.id if isinstance(version_or_id, int) else ModelVersion.version
            found = s.scalar(select(ModelVersion).where(column == version_or_id))
            if found is None:
                raise StoreError(f"no model {version_or_id!r}")
            s.execute(update(ModelVersion).where(ModelVersion.id == found.id)
                      .values(metrics={**dict(found.metrics or {}), **metrics}))

    # ------------------------------------------------------------------ evaluation set, settings
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

    def setting(self, name: str, default: object = None) -> object:
        with self._read() as s:
            row = s.get(Setting, name)
            return default if row is None or row.value is None else row.value

    def set_setting(self, name: str, value: object) -> None:
        """Store a JSON value shared by every client of this database (None deletes it)."""
        with self._tx() as s:
            s.execute(delete(Setting).where(Setting.name == name))
            if value is not None:
                insert_rows(s, Setting.__table__, [{"name": name, "value": value}])

    def active_model(self, kind: str) -> ModelRow | None:
        with self._read() as s:
            model = s.scalar(select(ModelVersion).where(ModelVersion.kind == kind, ModelVersion.active.is_(True)))
            return _model_row(model) if model else None

    # ------------------------------------------------------------------ jobs
    def add_job(self, kind: str, args: dict) -> int:
        with self._tx() as s:
            now = utcnow()
            return insert_ids(s, Job.__table__, [{"kind": kind, "args": dict(args), "state": "queued",
                                                  "progress": 0.0, "message": "", "created": now,
                                                  "updated": now}])[0]

    def update_job(self, job_id: int, state: str | None = None, progress: float | None = None,
                   log_path: str | None = None, message: str | None = None) -> None:
        values = {k: v for k, v in (("state", state), ("progress", progress), ("log_path", log_path),
                                    ("message", message)) if v is not None}
        with self._tx() as s:
            done = s.execute(update(Job).where(Job.id == job_id).values(updated=utcnow(), **values))
            if done.rowcount == 0:
                raise StoreError(f"no job with id {job_id}")

    def list_jobs(self) -> list[JobRow]:
        with self._read() as s:
            return [JobRow(j.id, j.kind, dict(j.args or {}), j.state, j.progress, j.log_path, j.message,
                           j.created, j.updated) for j in s.scalars(select(Job).order_by(Job.id))]


def _model_row(m: ModelVersion) -> ModelRow:
    return ModelRow(m.id, m.kind, m.version, m.path, dict(m.metrics or {}), m.created, m.device,
                    bool(m.active), list(m.documents or []), dict(m.snapshot or {}), m.activated)


def _float_or_none(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _max_number(prefix: str, keys: Iterable[str]) -> int:
    return max((int(k[len(prefix):]) for k in keys if k.startswith(prefix) and k[len(prefix):].isdigit()),
               default=0)


def _next_key(prefix: str, taken: set[str]) -> str:
    """One more than the highest ``<prefix><n>`` taken, so ids the editor held are not reused."""
    return f"{prefix}{_max_number(prefix, taken) + 1}"


def _claim_keys(doc: Document, taken: dict[str, set[str]]) -> None:
    """Give every span, chain and relation a key unique in the document: missing, duplicate or
    taken (by another layer) ids get fresh ones; relations follow spans renamed away from a
    key another layer holds."""
    renamed: dict[str, str] = {}
    for prefix, items in (("T", doc.spans), ("C", doc.chains), ("R", doc.relations)):
        used = set(taken.get(prefix, ()))
        fresh = itertools.count(_max_number(prefix, used | {item.id for item in items}) + 1)
        for item in items:
            if item.id and item.id not in used:
                used.add(item.id)
                continue
            new = f"{prefix}{next(fresh)}"
            if prefix == "T" and item.id in taken.get("T", ()):
                renamed[item.id] = new
            item.id = new
    if renamed:
        for rel in doc.relations:
            rel.head = renamed.get(rel.head, rel.head)
            rel.tail = renamed.get(rel.tail, rel.tail)


def _check_document(doc: Document) -> None:
    if doc.status not in DOC_STATUSES:
        raise StoreError(f"document {doc.name!r}: unknown review state {doc.status!r}")
    problems = doc.problems()
    if problems:
        raise StoreError(f"document {doc.name!r}: {problems[0]}")


def _check_span(span: Span, length: int) -> None:
    problems = Document("", " " * length, spans=[span]).problems()
    if problems:
        raise StoreError(problems[0])
    if span.status not in SPAN_STATUSES:
        raise StoreError(f"span {span.id or '?'}: unknown status {span.status!r}")


def _check_chain(chain: Chain, length: int) -> None:
    problems = Document("", " " * length, chains=[chain]).problems()
    if problems:
        raise StoreError(problems[0])
