"""Team annotation: assignments of documents to annotators, each annotator's own layer read
apart from the shared one (agreement, curation, per-layer export), curation change sets of many
documents written in one transaction, and the layer versions two clients watch.

An assignment is a review-state row of that annotator for that document (``document_states``):
assigning writes state "new" where there is none yet; importing into an annotator's layer or
working on a document records a state too. Once ``assign`` ran, a setting says so and the app
shows each annotator only their queue. The project settings "annotators per document" and "see
the other annotators' layers" (off: blind annotation) are settings as well.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from itertools import groupby

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..changes import AddChain, AddSpan, Change, SetDocumentStatus
from ..document import DOC_DONE, DOC_NEW, DOC_STATUSES, HUMAN_STATUSES, SUGGESTED, Document
from ..errors import StoreError
from . import versions
from .base import NO_ANNOTATOR, check_chain, check_span, nothing_saved_on_error
from .bulk import Layer, chunks, fast_select, insert_annotations, insert_rows, load_documents
from .documents import Documents
from .edits import Edits
from .models import Annotator, ChainRecord, DocumentRecord, DocumentState, Project, RelationRecord, SpanRecord, utcnow
from .settings import Settings

PER_DOCUMENT = "team.annotators_per_document"   # setting name prefix: one value per project
SEE_OTHERS = "team.see_other_layers"            # setting name prefix: False = blind annotation
ASSIGNED = "team.assigned"                      # set once documents were assigned: lists become queues


class OwnLayer(Layer):
    """One layer alone: an annotator's without the shared one under it, or the shared one."""

    def clause(self, column):  # noqa: ANN001, ANN201 - an annotator_id column
        return column.is_(None) if self.annotator_id is None else column == self.annotator_id


class Team(Documents, Edits, Settings):
    # -- settings -------------------------------------------------------------------------------
    def annotators_per_document(self, project: str = "default") -> int:
        return int(self.setting(f"{PER_DOCUMENT}.{project}", 1))

    def set_annotators_per_document(self, count: int, project: str = "default") -> None:
        if count < 1:
            raise StoreError(f"annotators per document must be at least 1, not {count}")
        self.set_setting(f"{PER_DOCUMENT}.{project}", int(count))

    def others_visible(self, project: str = "default") -> bool:
        """Whether annotators may see each other's layers (blind annotation when False)."""
        return bool(self.setting(f"{SEE_OTHERS}.{project}", False))

    def set_others_visible(self, visible: bool, project: str = "default") -> None:
        self.set_setting(f"{SEE_OTHERS}.{project}", bool(visible))

    def visible_annotators(self, annotator: str | None, project: str = "default") -> list[str]:
        """The annotator layers ``annotator`` may look at: every one where the project allows it,
        else only their own (blind double annotation)."""
        names = self.annotators()
        if self.others_visible(project):
            return names
        return [name for name in names if name == annotator]

    # -- assignments ----------------------------------------------------------------------------
    def assignments(self, project: str | None = None) -> dict[int, list[str]]:
        """``document id -> annotators`` it is assigned to (in annotator order)."""
        query = (select(DocumentState.document_id, Annotator.name)
                 .join(Annotator, Annotator.id == DocumentState.annotator_id)
                 .order_by(DocumentState.document_id, Annotator.id))
        if project is not None:
            query = query.join(DocumentRecord, DocumentRecord.id == DocumentState.document_id).where(
                DocumentRecord.project_id == select(Project.id).where(Project.name == project).scalar_subquery())
        with self._read() as s:
            rows = s.execute(query).all()
        return {doc_id: [name for _, name in group] for doc_id, group in groupby(rows, lambda r: r[0])}

    def assign(self, doc_ids: Sequence[int], annotator: str) -> int:
        """Assign documents to ``annotator`` by hand; returns how many were new to them."""
        with self._tx() as s:
            aid = self._annotator(s, annotator)
            have = set(s.scalars(select(DocumentState.document_id).where(DocumentState.annotator_id == aid)))
            new = [i for i in dict.fromkeys(doc_ids) if i not in have]
            for doc_id in new:
                self._length(s, doc_id)
            now = utcnow()
            insert_rows(s, DocumentState.__table__, [{"document_id": i, "annotator_id": aid, "status": DOC_NEW,
                                                      "updated": now} for i in new])
        self.set_setting(ASSIGNED, True)
        return len(new)

    def assign_balanced(self, annotators: Sequence[str], project: str = "default",
                        per_document: int | None = None, doc_ids: Sequence[int] | None = None) -> dict[str, int]:
        """Give every document (of ``doc_ids``, else of the project) as many annotators as the
        project asks for, each time the annotator with the fewest documents so far (the first
        named on ties); returns how many documents each annotator got now."""
        names = list(dict.fromkeys(annotators))
        if not names:
            raise StoreError("name at least one annotator to assign documents to")
        k = per_document if per_document is not None else self.annotators_per_document(project)
        if k > len(names):
            raise StoreError(f"{k} annotators per document, but only {len(names)} named")
        ids = list(doc_ids) if doc_ids is not None else self.document_ids(project=project)
        current = self.assignments(project)
        load = {name: sum(name in who for who in current.values()) for name in names}
        order = {name: i for i, name in enumerate(names)}
        plan: dict[str, list[int]] = {name: [] for name in names}
        for doc_id in ids:
            have = current.get(doc_id, [])
            missing = k - sum(name in have for name in names)
            free = sorted((n for n in names if n not in have), key=lambda n: (load[n], order[n]))
            for name in free[:max(missing, 0)]:
                plan[name].append(doc_id)
                load[name] += 1
        with self._tx() as s:
            now = utcnow()
            for name, docs in plan.items():
                aid = self._annotator(s, name)
                insert_rows(s, DocumentState.__table__, [{"document_id": i, "annotator_id": aid, "status": DOC_NEW,
                                                          "updated": now} for i in docs])
        self.set_setting(ASSIGNED, True)
        return {name: len(docs) for name, docs in plan.items()}

    def queue(self, annotator: str, project: str | None = None) -> list[int]:
        """The documents assigned to ``annotator``, by id."""
        return [doc_id for doc_id, who in self.assignments(project).items() if annotator in who]

    def assignments_made(self) -> bool:
        """Whether anyone assigned documents here (``assign``): then each annotator's list is
        their queue; before, an annotator's states only record what they opened or imported."""
        return bool(self.setting(ASSIGNED, False))

    # -- layers ---------------------------------------------------------------------------------
    def done_layers(self, annotators: Sequence[str] | None = None, project: str | None = None,
                    statuses: Sequence[str] = (DOC_DONE,)) -> dict[str, dict[int, Document]]:
        """``annotator -> {document id -> their own layer}`` for the documents each marked done:
        what agreement and curation compare. Every annotator when ``annotators`` is None."""
        names = list(annotators) if annotators is not None else self.annotators()
        out: dict[str, dict[int, Document]] = {}
        for name in names:
            ids = self.document_ids(project=project, annotator=name, status=list(statuses))
            out[name] = {doc.id: doc for doc in self.layer_documents(name, ids)}
        return out

    def annotator_versions(self, project: str | None = None, exclude: Sequence[int] = ()) -> dict[int, Document]:
        """One annotator's done layer per document (the first annotator, by id, who marked it
        done), for documents not in ``exclude``: what training uses where there is no curated
        gold yet."""
        query = select(DocumentState.document_id, DocumentState.annotator_id).where(DocumentState.status == DOC_DONE)
        if project is not None:
            query = query.join(DocumentRecord, DocumentRecord.id == DocumentState.document_id).where(
                DocumentRecord.project_id == select(Project.id).where(Project.name == project).scalar_subquery())
        skip = set(exclude)
        first: dict[int, int] = {}
        with self._read() as s:
            for doc_id, aid in s.execute(query.order_by(DocumentState.document_id, DocumentState.annotator_id)):
                if doc_id not in skip:
                    first.setdefault(doc_id, aid)
            names = dict(s.execute(select(Annotator.id, Annotator.name)).all())
        out: dict[int, Document] = {}
        for aid in sorted(set(first.values())):
            ids = [doc_id for doc_id, who in first.items() if who == aid]
            out.update((doc.id, doc) for doc in self.layer_documents(names[aid], ids))
        return out

    def layer_documents(self, layer: str | None, ids: Sequence[int], include_suggestions: bool = False
                        ) -> Iterator[Document]:
        """Documents with one layer's annotations alone (``None``: the shared layer), in the order
        of ``ids``, read in chunks; human spans and chains, suggestions too if asked."""
        statuses = list(HUMAN_STATUSES) + ([SUGGESTED] if include_suggestions else [])
        for chunk in chunks(list(ids)):
            with self._read() as s:
                aid = self._find_annotator(s, layer)
                if aid == NO_ANNOTATOR:
                    raise StoreError(f"no annotator named {layer!r}")
                docs = load_documents(s, chunk, OwnLayer(aid), statuses)
            yield from docs

    def layer_keys(self, doc_ids: Sequence[int]) -> dict[int, dict[str, set[str]]]:
        """Every span, chain and relation key of each document, all layers, in a few queries."""
        out: dict[int, dict[str, set[str]]] = {i: {"T": set(), "C": set(), "R": set()} for i in doc_ids}
        with self._read() as s:
            for part in chunks(list(doc_ids)):
                for prefix, model in (("T", SpanRecord), ("C", ChainRecord), ("R", RelationRecord)):
                    for doc_id, key in fast_select(s, select(model.document_id, model.key)
                                                   .where(model.document_id.in_(part))):
                        out[doc_id][prefix].add(key)
        return out

    # -- versions -------------------------------------------------------------------------------
    @property
    def client(self) -> str:
        """This open store's name as a writer of layers (one per app or CLI process)."""
        return versions.client_id(self)

    @property
    def key_tag(self) -> str:
        """Ending of the keys this client's editing sessions make (see ``EditSession``)."""
        return "-" + self.client[:6]

    def layer_version(self, doc_id: int, annotator: str | None = None) -> tuple[int, str]:
        """``(version, last writer's client)`` of one layer of a document (None: shared)."""
        with self._read() as s:
            aid = self._find_annotator(s, annotator)
            if aid == NO_ANNOTATOR:
                return (0, "")
            return versions.read(s, doc_id, aid)

    # -- curation -------------------------------------------------------------------------------
    def apply_change_sets(self, change_sets: Mapping[int, Sequence[Change]], annotator: str | None = None) -> None:
        """Apply the change sets of many documents (a bulk curation) to one layer in one
        transaction: all of them or none. New spans and chains go in one batch at the end, and
        the shared layer's review states in one statement per state, so each set should delete
        before it adds."""
        with nothing_saved_on_error("these documents"), self._tx() as s:
            aid = self._annotator(s, annotator) if annotator else None
            lengths = self._lengths(s, list(change_sets))
            add_docs: list[tuple[int, list[Change]]] = []
            states: dict[str, list[int]] = {}
            for doc_id, changes in change_sets.items():
                if doc_id not in lengths:
                    raise StoreError(f"no document with id {doc_id}")
                doc_adds = []
                for change in changes:
                    if isinstance(change, (AddSpan, AddChain)):
                        doc_adds.append(change)
                    elif isinstance(change, SetDocumentStatus) and aid is None:
                        if change.status not in DOC_STATUSES:
                            raise StoreError(f"unknown review state {change.status!r}")
                        states.setdefault(change.status, []).append(doc_id)
                    else:
                        self._apply_one(s, doc_id, lengths[doc_id], change, lambda: aid)
                if doc_adds:
                    self._check_adds(doc_id, lengths[doc_id], doc_adds)
                    add_docs.append((doc_id, doc_adds))
            for status, ids in states.items():
                for part in chunks(ids):
                    s.execute(update(DocumentRecord).where(DocumentRecord.id.in_(part)).values(status=status))
            versions.bump_many(s, list(change_sets), aid, versions.client_id(self))
            insert_annotations(s, ((doc_id, aid, [c.span for c in adds if isinstance(c, AddSpan)],
                                    [c.chain for c in adds if isinstance(c, AddChain)],
                                    [r for c in adds if isinstance(c, AddSpan) for r in c.relations])
                                   for doc_id, adds in add_docs))

    @staticmethod
    def _lengths(s: Session, doc_ids: Sequence[int]) -> dict[int, int]:
        out: dict[int, int] = {}
        for part in chunks(doc_ids):
            out.update(fast_select(s, select(DocumentRecord.id, DocumentRecord.length)
                                   .where(DocumentRecord.id.in_(part))))
        return out

    @staticmethod
    def _check_adds(doc_id: int, length: int, adds: Sequence[Change]) -> None:
        for change in adds:
            item = change.span if isinstance(change, AddSpan) else change.chain
            (check_span if isinstance(change, AddSpan) else check_chain)(item, length)
            if not item.id:
                raise StoreError(f"document {doc_id}: a new span or chain has no key")
