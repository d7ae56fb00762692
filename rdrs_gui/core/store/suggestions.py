"""Storing a model's suggestions: set-based reads and writes around the pure merging rules of
``rdrs_gui.core.merge`` (human decisions win, a rejection is final, what counts as the same
suggestion), a whole pre-annotation batch in one transaction."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, exists, select, update
from sqlalchemy.orm import Session

from .. import merge
from ..document import DOC_PREANNOTATED, SUGGESTED, Chain, Span, model_origin
from ..errors import StoreError
from .base import META_COLUMNS, StoreBase, check_chain, check_span, float_or_none
from .bulk import Layer, chunks, fast_select, insert_annotations, insert_rows, load_documents
from .models import ChainRecord, DocumentRecord, DocumentState, RelationRecord, SpanRecord, utcnow

SuggestionItem = tuple[int, Sequence[Span] | None, Sequence[Chain] | None, dict | None]


class Suggestions(StoreBase):
    def apply_suggestions(self, doc_id: int, spans: Sequence[Span] | None, chains: Sequence[Chain] | None,
                          model_version: str, annotator: str | None = None, *,
                          chain_version: str | None = None, meta: dict | None = None) -> int:
        """Put a model's suggestions into ``annotator``'s layer by the rules of
        ``rdrs_gui.core.merge``; returns how many of them are pending afterwards (new or kept).

        ``spans`` or ``chains`` None leaves that kind's pending suggestions alone (a tagger
        run keeps the coreference model's chains). Chains get ``chain_version`` as origin when
        given. ``meta`` is merged into the document's meta (None removes a key) in the same
        transaction, so a marker such as "pre-annotated by" is stored exactly when the
        suggestions are."""
        return self.apply_suggestions_many([(doc_id, spans, chains, meta)], model_version, annotator,
                                           chain_version=chain_version)[0]

    def apply_suggestions_many(self, items: Sequence[SuggestionItem], model_version: str,
                               annotator: str | None = None, *, chain_version: str | None = None) -> list[int]:
        """``apply_suggestions`` for a batch of ``(doc_id, spans, chains, meta)`` in one
        transaction with set-based reads and writes (a pre-annotation batch costs a few
        statements, not a few per document); returns the count per item."""
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
            for doc_id, spans, chains, _ in items:
                for sp in spans or ():
                    check_span(sp, found[doc_id].length)
                for ch in chains or ():
                    check_chain(ch, found[doc_id].length)
            aid = self._annotator(s, annotator) if annotator else None
            current = {d.id: d for d in load_documents(s, ids, Layer(aid))}
            span_rows = _layer_rows(s, SpanRecord, ids, aid)
            chain_rows = _layer_rows(s, ChainRecord, ids, aid)
            span_origin, chain_origin = model_origin(model_version), model_origin(chain_version or model_version)
            entries, counts, newly, metas = [], [], [], []
            dropped_spans: list[int] = []
            dropped_chains: list[int] = []
            kept_spans: list[dict] = []
            kept_chains: list[dict] = []
            for doc_id, spans, chains, meta in items:
                doc, span_layer, chain_layer = current[doc_id], span_rows.layer[doc_id], chain_rows.layer[doc_id]
                span_merge = merge.merge_spans([sp for sp in doc.spans if not _pending(span_layer, sp.id)],
                                               [sp for sp in doc.spans if _pending(span_layer, sp.id)],
                                               spans, span_origin, span_rows.keys[doc_id])
                chain_merge = merge.merge_chains([ch for ch in doc.chains if not _pending(chain_layer, ch.id)],
                                                 [ch for ch in doc.chains if _pending(chain_layer, ch.id)],
                                                 chains, chain_origin, chain_rows.keys[doc_id])
                dropped_spans += [span_layer[k][0] for k in span_merge.dropped]
                dropped_chains += [chain_layer[k][0] for k in chain_merge.dropped]
                kept_spans += [{"rid": span_layer[sp.id][0], "new_origin": sp.origin, "new_score": sp.score}
                               for sp in span_merge.kept]
                kept_chains += [{"rid": chain_layer[ch.id][0], "new_origin": ch.origin, "new_score": ch.score}
                                for ch in chain_merge.kept]
                entries.append((doc_id, aid, span_merge.added, chain_merge.added, []))
                counts.append(sum(len(m.added) + len(m.kept) for m in (span_merge, chain_merge)))
                if merge.becomes_preannotated(doc.status, counts[-1], merge.has_human_work(doc.spans, doc.chains)):
                    newly.append(doc_id)
                if meta:
                    merged = {**dict(found[doc_id].meta or {}), **meta}
                    merged = {k: v for k, v in merged.items() if v is not None}
                    metas.append({"id": doc_id, "meta": merged,
                                  **{k: float_or_none(merged.get(k)) for k in META_COLUMNS}})
            _drop(s, dropped_spans, dropped_chains)
            for model, rows in ((SpanRecord, kept_spans), (ChainRecord, kept_chains)):
                if rows:   # the same suggestion again: only its origin and score change
                    table = model.__table__
                    s.connection().execute(update(table).where(table.c.id == bindparam("rid"))
                                           .values(origin=bindparam("new_origin"), score=bindparam("new_score")), rows)
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


@dataclass
class _Rows:
    """The target layer's rows (``doc_id -> {key: (row id, status)}``) and every key of each
    document in any layer (new keys go above all of them)."""

    layer: dict[int, dict[str, tuple[int, str]]]
    keys: dict[int, set[str]]


def _pending(layer: dict[str, tuple[int, str]], key: str) -> bool:
    return key in layer and layer[key][1] == SUGGESTED


def _layer_rows(s: Session, model, ids: Sequence[int], aid: int | None) -> _Rows:  # noqa: ANN001
    out = _Rows({i: {} for i in ids}, {i: set() for i in ids})
    for part in chunks(list(ids)):     # plain columns: the driver's tuples, no row objects
        for doc_id, key, row_id, status, annotator_id in fast_select(s, select(
                model.document_id, model.key, model.id, model.status, model.annotator_id)
                .where(model.document_id.in_(part))):
            out.keys[doc_id].add(key)
            if annotator_id == aid:
                out.layer[doc_id][key] = (row_id, status)
    return out


def _drop(s: Session, span_ids: list[int], chain_ids: list[int]) -> None:
    """Delete replaced suggestions by row id, and the relations that pointed at those spans."""
    for part in chunks(span_ids):
        gone = select(SpanRecord.id).where(SpanRecord.id.in_(part),
                                           SpanRecord.document_id == RelationRecord.document_id,
                                           SpanRecord.key.in_([RelationRecord.head, RelationRecord.tail]))
        s.execute(delete(RelationRecord).where(exists(gone)))
        s.execute(delete(SpanRecord).where(SpanRecord.id.in_(part)))
    for part in chunks(chain_ids):
        s.execute(delete(ChainRecord).where(ChainRecord.id.in_(part)))
