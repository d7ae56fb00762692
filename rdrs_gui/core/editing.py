"""Editing one document as one annotator: every user action is one change set, saved at once,
and returns its inverse.

The editor (and any panel) changes a document only through ``EditSession``. Each public
operation changes the document in memory and hands its changes (``rdrs_gui.core.changes``) to
``write`` as one change set, which the store applies in one transaction
(``Store.apply_changes``): a crash leaves the action either wholly saved or not at all.
Operations run inside ``unit()`` join one change set, so "accept all visible" or an edit made
of several operations is one transaction too. ``write`` is the store itself by default; the
app passes a queue drained by a writer thread, so a slow database never blocks the editor.
Each operation returns an ``Edit``: the exact inverse, itself replayable with ``apply`` (one
change set again). Undo is ``apply(inverse)``; redo is applying what that returned. Observers
(``subscribe``) get a ``Change`` naming what changed, the napari way: the model never calls a
widget. ``refresh`` takes in what another writer stored (a model's new suggestions) and keeps
the undo history valid.

Suggestions are never edited in place: relabelling, resizing or re-chaining a suggestion
rejects it (so the model never offers it again) and adds a human copy with the change.
"""
from __future__ import annotations

import copy
import dataclasses
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Protocol, Sequence

from .changes import Change as StoredChange  # one stored change; ``Change`` below is what observers hear
from .changes import (AddChain, AddSpan, DeleteChain, DeleteSpan, ReplaceChain, ReplaceSpan, SetChainStatus,
                      SetDocumentStatus, SetSpanStatus)
from .document import (ACCEPTED, COREFERENCE, DOC_IN_PROGRESS, DOC_NEW, DOC_PREANNOTATED, DOC_STATUSES,
                       HUMAN, REJECTED, SUGGESTED, Chain, Document, Fragment, Mention, Relation, Span)
from .errors import StoreError

# Writes one change set of the open document (the store in one transaction, or a queue to it).
Writer = Callable[[list[StoredChange]], None]


class EditStore(Protocol):
    """The part of ``rdrs_gui.core.store.Store`` an edit session needs."""

    def load_document(self, doc_id: int, annotator: str | None = None) -> Document: ...
    def document_keys(self, doc_id: int) -> dict[str, set[str]]: ...
    def apply_changes(self, doc_id: int, changes: Sequence[StoredChange], annotator: str | None = None) -> None: ...


@dataclass(frozen=True)
class Edit:
    """A replayable edit; ``EditSession.apply`` performs it and returns its inverse.

    ``op`` is one of add_span, delete_span, replace_span, add_chain, delete_chain,
    replace_chain, status, batch; ``payload`` a snapshot, an id, a status or a tuple of edits
    (add_span's snapshot is the span with the relations that linked it).
    """

    op: str
    payload: object = None

    def created_spans(self) -> list[str]:
        """Ids of spans the forward operation created (this inverse deletes them)."""
        return self._ids("delete_span")

    def created_chains(self) -> list[str]:
        return self._ids("delete_chain")

    def _ids(self, op: str) -> list[str]:
        if self.op == op:
            return [str(self.payload)]
        if self.op == "batch":
            return [i for e in reversed(self.payload) for i in e._ids(op)]
        return []

    @property
    def empty(self) -> bool:
        return self.op == "batch" and all(e.empty for e in self.payload)


NOTHING = Edit("batch", ())


@dataclass
class Change:
    """What one operation touched; ids of removed items are included (look them up to tell)."""

    spans: set[str] = field(default_factory=set)
    chains: set[str] = field(default_factory=set)
    status: bool = False


class EditSession:
    """The loaded ``Document`` of ``doc_id`` as ``annotator`` sees it, and every edit of it."""

    def __init__(self, store: EditStore, doc_id: int, annotator: str | None = None,
                 write: Writer | None = None) -> None:
        self.store = store
        self.doc_id = doc_id
        self.annotator = annotator
        self._write: Writer = write or (lambda changes: store.apply_changes(doc_id, changes, annotator))
        self._alias: dict[str, str] = {}
        self._subscribers: list[Callable[[Change], None]] = []
        self._change: Change | None = None
        self._pending: list[StoredChange] | None = None   # the change set of the unit in progress
        self._done: list[Edit] = []                  # its inverses, to take it back if it fails
        self._used: dict[str, set[str]] = {"T": set(), "C": set(), "R": set()}
        # New keys end in this client's tag ("T7-3fa9c2") where the store gives one, so two people
        # adding spans to one document at once never pick the same key (keys are unique per document).
        self._tag: str = getattr(store, "key_tag", "")
        self._load()

    def _load(self) -> None:
        """Read the document and every key of it (all layers: new keys must be free in each)."""
        self.document = self.store.load_document(self.doc_id, self.annotator)
        keys = self.store.document_keys(self.doc_id)
        self._spans = {s.id: s for s in self.document.spans}
        self._chains = {c.id: c for c in self.document.chains}
        self._others = {p: set(keys.get(p, ())) - self._live(p) for p in self._used}
        for prefix in self._used:
            self._used[prefix] |= set(keys.get(prefix, ()))

    def _live(self, prefix: str) -> set[str]:
        """Keys of this session's document now (an undone delete may take its key back)."""
        if prefix == "T":
            return set(self._spans)
        if prefix == "C":
            return set(self._chains)
        return {r.id for r in self.document.relations}

    def refresh(self) -> Change:
        """Re-read the document after another writer changed it (a model's new suggestions),
        keeping the undo history: human work keeps its ids, and a pending suggestion the model
        made again keeps its id too (``rdrs_gui.core.merge``). Call it when none of this
        session's writes is still queued. Observers hear what changed; returns that."""
        before_spans = {k: (s.key(), s.status, s.origin, s.score) for k, s in self._spans.items()}
        before_chains = {k: (c.key(), c.status, c.origin, c.score) for k, c in self._chains.items()}
        status = self.document.status
        self._load()
        after_spans = {k: (s.key(), s.status, s.origin, s.score) for k, s in self._spans.items()}
        after_chains = {k: (c.key(), c.status, c.origin, c.score) for k, c in self._chains.items()}
        change = Change({k for k in before_spans.keys() | after_spans.keys()
                         if before_spans.get(k) != after_spans.get(k)},
                        {k for k in before_chains.keys() | after_chains.keys()
                         if before_chains.get(k) != after_chains.get(k)},
                        status != self.document.status)
        if change.spans or change.chains or change.status:
            for fn in list(self._subscribers):
                fn(change)
        return change

    # -- observing ------------------------------------------------------------------------------
    def subscribe(self, fn: Callable[[Change], None]) -> None:
        self._subscribers.append(fn)

    def unsubscribe(self, fn: Callable[[Change], None]) -> None:
        if fn in self._subscribers:
            self._subscribers.remove(fn)

    @contextmanager
    def unit(self) -> Iterator[None]:
        """One user action: every operation inside becomes one change set, written once (one
        transaction); if any of them fails, the document in memory is as it was and nothing is
        written. Observers hear of the whole action once, at the end."""
        if self._pending is not None:   # inside an action already: join it
            yield
            return
        self._pending, self._done, self._change = [], [], Change()
        try:
            try:
                yield
                changes = _coalesce(self._pending)
                if changes:
                    self._write(changes)
            except BaseException:
                self._take_back()
                raise
        finally:
            change, self._change, self._pending, self._done = self._change, None, None, []
            if change.spans or change.chains or change.status:
                for fn in list(self._subscribers):
                    fn(change)

    def _take_back(self) -> None:
        """Undo, in memory only, what the failed action had done."""
        done, self._done = self._done, []
        for inverse in reversed(done):
            self._apply(inverse)

    def _record(self, change: StoredChange, inverse: Edit) -> Edit:
        self._pending.append(change)
        self._done.append(inverse)
        return inverse

    # -- reading --------------------------------------------------------------------------------
    @property
    def text(self) -> str:
        return self.document.text

    def span(self, span_id: str) -> Span | None:
        return self._spans.get(self._resolve(span_id))

    def _resolve(self, span_id: str) -> str:
        """The current id of a span that undo / redo may have stored under a new one."""
        return self._alias.get(span_id, span_id)

    def chain(self, chain_id: str) -> Chain | None:
        return self._chains.get(self._alias.get(chain_id, chain_id))

    def visible_spans(self) -> list[Span]:
        """Every span the editor draws: human ones and pending suggestions, never rejected ones."""
        return [s for s in self._spans.values() if s.status != REJECTED]

    def suggestions(self) -> list[Span]:
        """Pending suggestions in reading order."""
        return sorted((s for s in self._spans.values() if s.status == SUGGESTED), key=lambda s: (s.start, s.end, s.id))

    def visible_chains(self) -> list[Chain]:
        return [c for c in self._chains.values() if c.status != REJECTED]

    def chains_of(self, mention: Mention) -> list[Chain]:
        return [c for c in self.visible_chains() if any(m.key() == mention.key() for m in c.mentions)]

    # -- replaying ------------------------------------------------------------------------------
    def apply(self, edit: Edit) -> Edit:
        """Perform ``edit`` (usually an inverse, for undo or redo) as one change set; returns
        its inverse."""
        with self.unit():
            return self._apply(edit)

    def _apply(self, edit: Edit) -> Edit:
        op, p = edit.op, edit.payload
        if op == "batch":
            return Edit("batch", tuple(reversed([self._apply(e) for e in p])))
        if op == "add_span":
            span, relations = copy.deepcopy(p)
            return self._insert_span(span, relations)
        if op == "delete_span":
            return self._remove_span(str(p))
        if op == "replace_span":
            return self._replace_span(copy.deepcopy(p))
        if op == "add_chain":
            return self._insert_chain(copy.deepcopy(p))
        if op == "delete_chain":
            return self._remove_chain(str(p))
        if op == "replace_chain":
            return self._replace_chain(copy.deepcopy(p))
        if op == "status":
            return self._set_status(str(p))
        raise ValueError(f"unknown edit operation {op!r}")

    # -- primitives: change memory, record the change and return the inverse -------------------
    def _insert_span(self, span: Span, relations: Sequence[Relation] = ()) -> Edit:
        self._check(spans=[span])
        wanted = span.id
        for rel in relations:   # the other end may have been re-added under a new id since
            rel.head, rel.tail = (end if end == wanted else self._resolve(end) for end in (rel.head, rel.tail))
        # Relations come back only where their other end is still in the document.
        relations = [r for r in relations if {r.head, r.tail} - {wanted} <= self._spans.keys()]
        span.id = self._claim("T", wanted)
        for rel in relations:
            rel.head, rel.tail = (span.id if end == wanted else end for end in (rel.head, rel.tail))
            rel.id = self._claim("R", rel.id)
        if wanted and span.id != wanted:
            self._alias[wanted] = span.id
        self._spans[span.id] = span
        self.document.spans = list(self._spans.values())
        self.document.relations.extend(relations)
        self._touch_span(span.id)
        return self._record(AddSpan(copy.deepcopy(span), tuple(copy.deepcopy(relations))),
                            Edit("delete_span", span.id))

    def _remove_span(self, span_id: str) -> Edit:
        span = self._require_span(span_id)
        del self._spans[span.id]
        self.document.spans = list(self._spans.values())
        links = [r for r in self.document.relations if span.id in (r.head, r.tail)]
        self.document.relations = [r for r in self.document.relations if span.id not in (r.head, r.tail)]
        self._touch_span(span.id)
        return self._record(DeleteSpan(span.id), Edit("add_span", (copy.deepcopy(span), copy.deepcopy(links))))

    def _replace_span(self, new: Span) -> Edit:
        old = self._require_span(new.id)
        new.id = old.id
        self._check(spans=[new])
        self._spans[old.id] = new      # the same place in the dict, so in the list too
        self.document.spans = list(self._spans.values())
        self._touch_span(old.id)
        if (new.key(), new.score) == (old.key(), old.score):   # a decision: one UPDATE, merged with others
            change: StoredChange = SetSpanStatus((old.id,), new.status)
        else:
            change = ReplaceSpan(copy.deepcopy(new))
        return self._record(change, Edit("replace_span", old))

    def _insert_chain(self, chain: Chain) -> Edit:
        self._check(chains=[chain])
        wanted = chain.id
        chain.id = self._claim("C", wanted)
        if wanted and chain.id != wanted:
            self._alias[wanted] = chain.id
        self._chains[chain.id] = chain
        self.document.chains = list(self._chains.values())
        self._touch_chain(chain.id)
        return self._record(AddChain(copy.deepcopy(chain)), Edit("delete_chain", chain.id))

    def _remove_chain(self, chain_id: str) -> Edit:
        chain = self._require_chain(chain_id)
        del self._chains[chain.id]
        self.document.chains = list(self._chains.values())
        self._touch_chain(chain.id)
        return self._record(DeleteChain(chain.id), Edit("add_chain", copy.deepcopy(chain)))

    def _replace_chain(self, new: Chain) -> Edit:
        old = self._require_chain(new.id)
        new.id = old.id
        self._check(chains=[new])
        self._chains[old.id] = new
        self.document.chains = list(self._chains.values())
        self._touch_chain(old.id)
        if (new.key(), new.score) == (old.key(), old.score):
            change: StoredChange = SetChainStatus((old.id,), new.status)
        else:
            change = ReplaceChain(copy.deepcopy(new))
        return self._record(change, Edit("replace_chain", old))

    def _set_status(self, status: str) -> Edit:
        if status not in DOC_STATUSES:
            raise StoreError(f"unknown review state {status!r}")
        old = self.document.status
        self.document.status = status
        if self._change is not None:
            self._change.status = True
        return self._record(SetDocumentStatus(status), Edit("status", old))

    def _check(self, spans: Sequence[Span] = (), chains: Sequence[Chain] = ()) -> None:
        """Refuse a span or chain the store would refuse, before anything changes."""
        problems = Document("", self.text, spans=list(spans), chains=list(chains)).problems()
        if problems:
            raise StoreError(problems[0])

    def _claim(self, prefix: str, wanted: str) -> str:
        """``wanted`` if it is free (an undone delete takes its key back), else a key above
        every key this document has had in any layer."""
        if not wanted or wanted in self._live(prefix) or wanted in self._others[prefix]:
            numbers = (k[1:].split("-")[0] for k in self._used[prefix] | self._others[prefix])
            top = max((int(n) for n in numbers if n.isdigit()), default=0)
            wanted = f"{prefix}{top + 1}{self._tag}"
        self._used[prefix].add(wanted)
        return wanted

    def _touch_span(self, span_id: str) -> None:
        if self._change is not None:
            self._change.spans.add(span_id)

    def _touch_chain(self, chain_id: str) -> None:
        if self._change is not None:
            self._change.chains.add(chain_id)

    def _require_span(self, span_id: str) -> Span:
        span = self.span(span_id)
        if span is None:
            raise StoreError(f"document {self.document.name!r}: no span {span_id!r}")
        return span

    def _require_chain(self, chain_id: str) -> Chain:
        chain = self.chain(chain_id)
        if chain is None:
            raise StoreError(f"document {self.document.name!r}: no chain {chain_id!r}")
        return chain

    @contextmanager
    def _edit(self) -> Iterator[list[Edit]]:
        """Collect the inverses of one user operation; the first edit also starts the review."""
        inverses: list[Edit] = []
        with self.unit():
            yield inverses
            if inverses and self.document.status in (DOC_NEW, DOC_PREANNOTATED):
                inverses.append(self._set_status(DOC_IN_PROGRESS))

    @staticmethod
    def _batch(inverses: list[Edit]) -> Edit:
        return inverses[0] if len(inverses) == 1 else Edit("batch", tuple(reversed(inverses)))

    # -- span operations ------------------------------------------------------------------------
    def add_span(self, span: Span) -> Edit:
        """Add a human span (its new id is set on ``span``)."""
        span.origin = span.origin or HUMAN
        with self._edit() as inv:
            inv.append(self._insert_span(span))
        return self._batch(inv)

    def delete_span(self, span_id: str) -> Edit:
        with self._edit() as inv:
            inv.append(self._remove_span(span_id))
        return self._batch(inv)

    def add_label(self, span_id: str, label: str) -> Edit:
        span = self._require_span(span_id)
        return NOTHING if label in span.labels else self.set_labels(span_id, span.labels | {label})

    def remove_label(self, span_id: str, label: str) -> Edit:
        """Remove one label; removing the last one deletes the span."""
        span = self._require_span(span_id)
        if label not in span.labels:
            return NOTHING
        if span.labels == {label}:
            return self.reject(span_id) if span.status == SUGGESTED else self.delete_span(span_id)
        return self.set_labels(span_id, span.labels - {label})

    def set_labels(self, span_id: str, labels: Iterable[str]) -> Edit:
        labels = set(labels)
        if not labels:
            raise StoreError("a span needs at least one label")
        return self._change_span(span_id, lambda s: setattr(s, "labels", labels))

    def set_fragments(self, span_id: str, fragments: list[Fragment]) -> Edit:
        """Grow, shrink, or add and remove fragments (more than one = discontinuous). Chain
        mentions over the span's old fragments follow it, unless another span stays there."""
        fragments = _normalise(fragments)
        if not fragments:
            raise StoreError("a span needs at least one non-empty fragment")
        old = Mention(list(self._require_span(span_id).fragments))
        with self._edit() as inv:
            edit = self._change_span(span_id, lambda s: setattr(s, "fragments", fragments))
            if not edit.empty:
                inv.append(edit)
                inv += self._move_mentions(old, Mention(fragments))
        return self._batch(inv) if inv else NOTHING

    def set_attr(self, span_id: str, name: str, value: str | None) -> Edit:
        """Set an attribute (MedFrom, ATC, ...); None or "" removes it."""
        def change(s: Span) -> None:
            if value:
                s.attrs[name] = str(value)
            else:
                s.attrs.pop(name, None)
        return self._change_span(span_id, change)

    def _change_span(self, span_id: str, change: Callable[[Span], None]) -> Edit:
        """Apply ``change`` to a copy; a suggestion is rejected and a human copy carries the change."""
        span = self._require_span(span_id)
        new = copy.deepcopy(span)
        change(new)
        if new.key() == span.key():
            return NOTHING
        with self._edit() as inv:
            if span.status == SUGGESTED:
                inv.append(self._replace_span(_with_status(span, REJECTED)))
                new.id, new.status, new.origin, new.score = "", ACCEPTED, HUMAN, None
                inv.append(self._insert_span(new))
            else:
                inv.append(self._replace_span(new))
        return self._batch(inv)

    def accept(self, span_id: str) -> Edit:
        return self.accept_all([span_id])

    def reject(self, span_id: str) -> Edit:
        return self.reject_all([span_id])

    def accept_all(self, span_ids: Iterable[str]) -> Edit:
        """Pending suggestions among ``span_ids`` become accepted human spans."""
        return self._set_span_statuses(span_ids, ACCEPTED)

    def reject_all(self, span_ids: Iterable[str]) -> Edit:
        """Pending suggestions among ``span_ids`` become rejected and never come back."""
        return self._set_span_statuses(span_ids, REJECTED)

    def _set_span_statuses(self, span_ids: Iterable[str], status: str) -> Edit:
        with self._edit() as inv:
            for span_id in span_ids:
                span = self._require_span(span_id)
                if span.status == SUGGESTED:
                    inv.append(self._replace_span(_with_status(span, status)))
        return self._batch(inv) if inv else NOTHING

    # -- document --------------------------------------------------------------------------------
    def set_status(self, status: str) -> Edit:
        if status == self.document.status:
            return NOTHING
        with self.unit():
            return self._set_status(status)

    # -- coreference ----------------------------------------------------------------------------
    def new_chain(self, mention: Mention, label: str = COREFERENCE) -> Edit:
        """Start a chain of kind ``label`` with ``mention`` (moved out of any chain of that kind)."""
        with self._edit() as inv:
            inv += self._detach(mention, label)
            inv.append(self._insert_chain(Chain([copy.deepcopy(mention)], label)))
        return self._batch(inv)

    def add_mention(self, chain_id: str, mention: Mention) -> Edit:
        """Add ``mention`` to a chain; a mention belongs to one chain of each kind, so it leaves
        any other chain of this chain's kind (a Context group keeps it)."""
        chain = self._require_chain(chain_id)
        if any(m.key() == mention.key() for m in chain.mentions):
            return NOTHING
        with self._edit() as inv:
            inv += self._detach(mention, chain.label, keep=chain.id)
            chain = self._require_chain(chain_id)
            inv += self._change_chain(chain, chain.mentions + [copy.deepcopy(mention)])
        return self._batch(inv)

    def remove_mention(self, chain_id: str, mention: Mention) -> Edit:
        """Remove a mention; a chain left without mentions is deleted."""
        chain = self._require_chain(chain_id)
        rest = [m for m in chain.mentions if m.key() != mention.key()]
        if len(rest) == len(chain.mentions):
            return NOTHING
        with self._edit() as inv:
            inv += self._change_chain(chain, rest)
        return self._batch(inv)

    def merge_chains(self, keep_id: str, other_id: str) -> Edit:
        """Move every mention of ``other_id`` into ``keep_id`` and delete ``other_id`` (chains of
        one kind only: a Context group is not merged into a coreference chain)."""
        keep, other = self._require_chain(keep_id), self._require_chain(other_id)
        if keep.id == other.id:
            return NOTHING
        if keep.label != other.label:
            raise StoreError(f"a {keep.label} chain and a {other.label} chain cannot be merged")
        seen = {m.key() for m in keep.mentions}
        merged = keep.mentions + [copy.deepcopy(m) for m in other.mentions if m.key() not in seen]
        with self._edit() as inv:
            inv.append(self._replace_chain(_with_status(other, REJECTED)) if other.status == SUGGESTED
                       else self._remove_chain(other.id))
            inv += self._change_chain(keep, merged)
        return self._batch(inv)

    def split_chain(self, chain_id: str, mentions: Iterable[Mention]) -> Edit:
        """Move ``mentions`` out of a chain into a new chain of the same label."""
        chain = self._require_chain(chain_id)
        moving = {m.key() for m in mentions}
        out = [copy.deepcopy(m) for m in chain.mentions if m.key() in moving]
        rest = [m for m in chain.mentions if m.key() not in moving]
        if not out or not rest:
            return NOTHING
        with self._edit() as inv:
            inv += self._change_chain(chain, rest)
            inv.append(self._insert_chain(Chain(out, chain.label)))
        return self._batch(inv)

    def delete_chain(self, chain_id: str) -> Edit:
        with self._edit() as inv:
            chain = self._require_chain(chain_id)
            inv.append(self._replace_chain(_with_status(chain, REJECTED)) if chain.status == SUGGESTED
                       else self._remove_chain(chain.id))
        return self._batch(inv)

    def accept_chain(self, chain_id: str) -> Edit:
        chain = self._require_chain(chain_id)
        if chain.status != SUGGESTED:
            return NOTHING
        with self._edit() as inv:
            inv.append(self._replace_chain(_with_status(chain, ACCEPTED)))
        return self._batch(inv)

    def _detach(self, mention: Mention, kind: str, keep: str | None = None) -> list[Edit]:
        inv: list[Edit] = []
        for chain in self.chains_of(mention):
            if chain.id != keep and chain.label == kind:
                inv += self._change_chain(chain, [m for m in chain.mentions if m.key() != mention.key()])
        return inv

    def _move_mentions(self, old: Mention, new: Mention) -> list[Edit]:
        """Chain mentions at ``old`` move to ``new`` after their span was resized; where another
        visible span still covers ``old`` exactly, they stay tied to that one."""
        if old.key() == new.key() or any(tuple(s.fragments) == old.key() for s in self.visible_spans()):
            return []
        inv: list[Edit] = []
        for chain in self.chains_of(old):
            chain = self._require_chain(chain.id)
            if any(m.key() == new.key() for m in chain.mentions):
                moved = [m for m in chain.mentions if m.key() != old.key()]
            else:
                moved = [copy.deepcopy(new) if m.key() == old.key() else m for m in chain.mentions]
            inv += self._change_chain(chain, moved)
        return inv

    def _change_chain(self, chain: Chain, mentions: list[Mention]) -> list[Edit]:
        """New mentions for a chain: deleted when empty; a suggested chain is rejected and copied."""
        if chain.status == SUGGESTED:
            inv = [self._replace_chain(_with_status(chain, REJECTED))]
            if mentions:
                inv.append(self._insert_chain(Chain(copy.deepcopy(mentions), chain.label)))
            return inv
        if not mentions:
            return [self._remove_chain(chain.id)]
        new = copy.deepcopy(chain)
        new.mentions = sorted(copy.deepcopy(mentions), key=lambda m: (m.start, m.end))
        return [self._replace_chain(new)]


def _with_status(item, status: str):  # noqa: ANN001, ANN202 - Span or Chain
    """A copy with another status (fresh label, fragment and mention lists; values are shared,
    and no operation changes them in place)."""
    return dataclasses.replace(item, status=status)


def _normalise(fragments: Iterable[Fragment]) -> list[Fragment]:
    """Sorted fragments with touching or overlapping ones joined, empty ones dropped."""
    out: list[list[int]] = []
    for s, e in sorted((int(s), int(e)) for s, e in fragments):
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def _coalesce(changes: list[StoredChange]) -> list[StoredChange]:
    """Neighbouring status changes to one status become one change (one UPDATE for "accept all
    visible", however many suggestions it accepts)."""
    out: list[StoredChange] = []
    for change in changes:
        last = out[-1] if out else None
        if (isinstance(change, (SetSpanStatus, SetChainStatus)) and type(last) is type(change)
                and last.status == change.status):
            out[-1] = type(change)(last.keys + change.keys, change.status)
        else:
            out.append(change)
    return out
