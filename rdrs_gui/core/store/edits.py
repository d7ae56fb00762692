"""Edits of one document layer: the unit of work (``apply_changes``: one user action, one
transaction of a few statements) and the older one-change-per-transaction methods, kept for
scripts and callers that edit outside an editing session."""
from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..changes import (AddChain, AddSpan, Change, DeleteChain, DeleteSpan, ReplaceChain, ReplaceSpan,
                       SetChainStatus, SetDocumentStatus, SetSpanStatus)
from ..document import DOC_STATUSES, SPAN_STATUSES, Chain, Relation, Span, next_key
from ..document_batch import first_label_and_fragment
from ..errors import StoreError
from . import versions
from .base import StoreBase, check_chain, check_span, nothing_saved_on_error
from .bulk import insert_annotations, insert_rows
from .models import (ChainMention, ChainRecord, DocumentRecord, RelationRecord, SpanAttribute, SpanFragment,
                     SpanLabel, SpanRecord)


class Edits(StoreBase):
    def document_keys(self, doc_id: int) -> dict[str, set[str]]:
        """Every span (``T``), chain (``C``) and relation (``R``) key of a document, all layers:
        an editing session picks new keys above these."""
        with self._read() as s:
            self._length(s, doc_id)
            return self._other_layer_keys(s, doc_id)

    def apply_changes(self, doc_id: int, changes: Sequence[Change], annotator: str | None = None) -> None:
        """Apply one user action's changes to ``annotator``'s layer in one transaction: all of
        them or, on any error (a key taken meanwhile, a span gone), none."""
        if not changes:
            return
        with nothing_saved_on_error(f"document {doc_id}"), self._tx() as s:
            length = self._length(s, doc_id)
            aid: list[int | None] = []     # looked up once, only if a change needs it

            def layer() -> int | None:
                if not aid:
                    aid.append(self._annotator(s, annotator) if annotator else None)
                return aid[0]

            for kind, group in groupby(changes, type):
                group = list(group)
                if kind is AddSpan or kind is AddChain:
                    self._add_all(s, doc_id, length, layer(), group)
                else:
                    for change in group:
                        self._apply_one(s, doc_id, length, change, layer)
            versions.bump(s, doc_id, layer(), versions.client_id(self))   # others see it changed

    @staticmethod
    def _add_all(s: Session, doc_id: int, length: int, aid: int | None, adds: list) -> None:
        spans, chains, relations = [], [], []
        for change in adds:
            if isinstance(change, AddSpan):
                check_span(change.span, length)
                spans.append(change.span)
                relations += change.relations
            else:
                check_chain(change.chain, length)
                chains.append(change.chain)
        if any(not item.id for item in (*spans, *chains, *relations)):
            raise StoreError(f"document {doc_id}: a new span, chain or relation has no key")
        insert_annotations(s, [(doc_id, aid, spans, chains, relations)])

    def _apply_one(self, s: Session, doc_id: int, length: int, change: Change, layer) -> None:  # noqa: ANN001
        if isinstance(change, DeleteSpan):
            R, S = RelationRecord, SpanRecord
            s.execute(delete(R).where(R.document_id == doc_id, (R.head == change.key) | (R.tail == change.key)))
            gone = s.execute(delete(S).where(S.document_id == doc_id, S.key == change.key))
            self._expect(gone, 1, doc_id, "span", change.key)
        elif isinstance(change, ReplaceSpan):
            self._replace_span(s, doc_id, length, change.span)
        elif isinstance(change, SetSpanStatus):
            self._set_statuses(s, SpanRecord, doc_id, change.keys, change.status, "span")
        elif isinstance(change, DeleteChain):
            C = ChainRecord
            gone = s.execute(delete(C).where(C.document_id == doc_id, C.key == change.key))
            self._expect(gone, 1, doc_id, "chain", change.key)
        elif isinstance(change, ReplaceChain):
            self._replace_chain(s, doc_id, length, change.chain)
        elif isinstance(change, SetChainStatus):
            self._set_statuses(s, ChainRecord, doc_id, change.keys, change.status, "chain")
        elif isinstance(change, SetDocumentStatus):
            if change.status not in DOC_STATUSES:
                raise StoreError(f"unknown review state {change.status!r}; use one of {', '.join(DOC_STATUSES)}")
            aid = layer()
            if aid is None:
                s.execute(update(DocumentRecord).where(DocumentRecord.id == doc_id).values(status=change.status))
            else:
                self._set_state(s, doc_id, aid, change.status)
        else:
            raise StoreError(f"unknown change {change!r}")

    @staticmethod
    def _set_statuses(s: Session, model, doc_id: int, keys: Sequence[str], status: str,  # noqa: ANN001
                      what: str) -> None:
        if status not in SPAN_STATUSES:
            raise StoreError(f"{what}s: unknown status {status!r}")
        done = s.execute(update(model).where(model.document_id == doc_id, model.key.in_(list(keys)))
                         .values(status=status))
        Edits._expect(done, len(set(keys)), doc_id, what, ", ".join(keys))

    @staticmethod
    def _expect(result, count: int, doc_id: int, what: str, key: str) -> None:  # noqa: ANN001
        if result.rowcount != count:
            raise StoreError(f"document {doc_id} has no {what} {key!r}; nothing was saved")

    def _replace_span(self, s: Session, doc_id: int, length: int, span: Span) -> None:
        check_span(span, length)
        row_id = self._row_id(s, SpanRecord, doc_id, span.id)
        label, start, end = first_label_and_fragment(span)
        s.execute(update(SpanRecord).where(SpanRecord.id == row_id).values(
            status=span.status, score=span.score, label=label, start_offset=start, end_offset=end))
        for model in (SpanLabel, SpanFragment, SpanAttribute):
            s.execute(delete(model).where(model.span_id == row_id))
        insert_rows(s, SpanLabel.__table__, [{"span_id": row_id, "label": lab} for lab in span.labels if lab != label])
        insert_rows(s, SpanFragment.__table__, [{"span_id": row_id, "position": i, "start_offset": a,
                                                 "end_offset": b} for i, (a, b) in enumerate(span.fragments) if i])
        insert_rows(s, SpanAttribute.__table__, [{"span_id": row_id, "name": k, "value": str(v)}
                                                 for k, v in span.attrs.items()])

    def _replace_chain(self, s: Session, doc_id: int, length: int, chain: Chain) -> None:
        check_chain(chain, length)
        row_id = self._row_id(s, ChainRecord, doc_id, chain.id)
        s.execute(update(ChainRecord).where(ChainRecord.id == row_id)
                  .values(label=chain.label, status=chain.status, score=chain.score))
        s.execute(delete(ChainMention).where(ChainMention.chain_id == row_id))
        insert_rows(s, ChainMention.__table__, [
            {"chain_id": row_id, "mention": m, "position": i, "start_offset": a, "end_offset": b}
            for m, mention in enumerate(chain.mentions) for i, (a, b) in enumerate(mention.fragments)])

    # -- one change per transaction ---------------------------------------------------------------
    def add_span(self, doc_id: int, span: Span, annotator: str | None = None,
                 relations: Sequence[Relation] = ()) -> str:
        """Add a span to ``annotator``'s layer; returns its key (also set on ``span.id``).

        ``relations`` of the span come back with it (undo of a delete): they follow the span if
        it gets a new key, and get fresh keys where theirs are taken (set on each relation)."""
        with self._tx() as s:
            length = self._length(s, doc_id)
            check_span(span, length)
            keys = set(s.scalars(select(SpanRecord.key).where(SpanRecord.document_id == doc_id)))
            old_id = span.id
            if not span.id or span.id in keys:
                span.id = next_key("T", keys)
            if relations:
                taken = set(s.scalars(select(RelationRecord.key).where(RelationRecord.document_id == doc_id)))
                for rel in relations:
                    rel.head, rel.tail = (span.id if end == old_id else end for end in (rel.head, rel.tail))
                    if not rel.id or rel.id in taken:
                        rel.id = next_key("R", taken)
                    taken.add(rel.id)
            aid = self._annotator(s, annotator) if annotator else None
            insert_annotations(s, [(doc_id, aid, [span], [], list(relations))])
        return span.id

    def update_span(self, doc_id: int, span: Span) -> None:
        """Replace labels, fragments, attributes, status and score of the span ``span.id``."""
        with self._tx() as s:
            self._replace_span(s, doc_id, self._length(s, doc_id), span)

    def delete_span(self, doc_id: int, span_id: str) -> None:
        """Delete a span and the relations that point at it."""
        with self._tx() as s:
            row_id = self._row_id(s, SpanRecord, doc_id, span_id)
            s.execute(delete(RelationRecord).where(RelationRecord.document_id == doc_id,
                                                   (RelationRecord.head == span_id) | (RelationRecord.tail == span_id)))
            s.execute(delete(SpanRecord).where(SpanRecord.id == row_id))

    def add_chain(self, doc_id: int, chain: Chain, annotator: str | None = None) -> str:
        with self._tx() as s:
            check_chain(chain, self._length(s, doc_id))
            keys = set(s.scalars(select(ChainRecord.key).where(ChainRecord.document_id == doc_id)))
            if not chain.id or chain.id in keys:
                chain.id = next_key("C", keys)
            aid = self._annotator(s, annotator) if annotator else None
            insert_annotations(s, [(doc_id, aid, [], [chain], [])])
        return chain.id

    def update_chain(self, doc_id: int, chain: Chain) -> None:
        """Replace label, mentions, status and score of the chain ``chain.id``."""
        with self._tx() as s:
            self._replace_chain(s, doc_id, self._length(s, doc_id), chain)

    def delete_chain(self, doc_id: int, chain_id: str) -> None:
        with self._tx() as s:
            s.execute(delete(ChainRecord).where(ChainRecord.id == self._row_id(s, ChainRecord, doc_id, chain_id)))
