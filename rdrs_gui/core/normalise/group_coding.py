"""Coding a whole group of mentions as one user action: every member span gets the code through an
``EditSession`` of its document (so a suggestion is rejected and copied, as in the editor), and
the change sets of every document are written in one transaction
(``Store.apply_change_sets``): all members coded, or none. The returned ``GroupEdit`` is the
exact inverse, applied the same way (undo), and returns its own inverse (redo)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..changes import Change
from ..document import Document
from ..editing import Edit, EditSession


class GroupStore(Protocol):
    def load_document(self, doc_id: int, annotator: str | None = None) -> Document: ...
    def document_keys(self, doc_id: int) -> dict[str, set[str]]: ...
    def apply_change_sets(self, change_sets: Mapping[int, Sequence[Change]], annotator: str | None = None
                          ) -> None: ...


@dataclass(frozen=True)
class GroupEdit:
    """Per document, the edit that undoes (or redoes) a group action."""

    edits: tuple[tuple[int, Edit], ...]

    @property
    def documents(self) -> list[int]:
        return [doc_id for doc_id, _ in self.edits]


def _run(store: GroupStore, annotator: str | None, work: Mapping[int, object]) -> GroupEdit:
    """Run ``work[doc_id](session) -> Edit`` on a fresh session per document, collecting change
    sets instead of writing them; then write them all in one transaction."""
    change_sets: dict[int, list[Change]] = {}
    inverses = []
    for doc_id, action in work.items():
        collected: list[Change] = []
        session = EditSession(store, doc_id, annotator, write=collected.extend)
        inverse = action(session)
        if not inverse.empty:
            inverses.append((doc_id, inverse))
            change_sets[doc_id] = collected
    if change_sets:
        store.apply_change_sets(change_sets, annotator)
    return GroupEdit(tuple(inverses))


def code_group(store: GroupStore, members: Iterable[tuple[int, str]], attribute: str, value: str | None,
               annotator: str | None = None) -> GroupEdit:
    """Give every ``(document id, span id)`` member ``attribute = value`` (None removes it)."""
    by_doc: dict[int, list[str]] = defaultdict(list)
    for doc_id, span_id in members:
        by_doc[doc_id].append(span_id)

    def coder(span_ids: list[str]):  # noqa: ANN202
        def action(session: EditSession) -> Edit:
            with session.unit():
                edits = [session.set_attr(span_id, attribute, value) for span_id in span_ids]
            return Edit("batch", tuple(reversed([e for e in edits if not e.empty])))
        return action
    return _run(store, annotator, {doc_id: coder(ids) for doc_id, ids in by_doc.items()})


def apply_group_edit(store: GroupStore, edit: GroupEdit, annotator: str | None = None) -> GroupEdit:
    """Undo (or redo) a group action in one transaction; returns the edit that reverses this one."""
    return _run(store, annotator, {doc_id: (lambda e: lambda session: session.apply(e))(doc_edit)
                                   for doc_id, doc_edit in edit.edits})
