"""Change sets: one user action (accept, reject, relabel, accept all visible, a chain edit, a
review state) described as a few plain changes to one document layer, which the store applies
in one transaction (``Store.apply_changes``). Keys are chosen by the editing session, so the
editor can show an edit before it is written; a key another writer took meanwhile makes the
whole set fail, never half of it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Union

from .document import Chain, Relation, Span


@dataclass(frozen=True)
class AddSpan:
    """A new span under ``span.id`` with the relations that link it (undo of a delete)."""

    span: Span
    relations: tuple[Relation, ...] = ()


@dataclass(frozen=True)
class DeleteSpan:
    """Delete a span and every relation pointing at it."""

    key: str


@dataclass(frozen=True)
class ReplaceSpan:
    """New labels, fragments, attributes, status and score for the span ``span.id``."""

    span: Span


@dataclass(frozen=True)
class SetSpanStatus:
    """One status for several spans (accept or reject many suggestions in one statement)."""

    keys: tuple[str, ...]
    status: str


@dataclass(frozen=True)
class AddChain:
    chain: Chain


@dataclass(frozen=True)
class DeleteChain:
    key: str


@dataclass(frozen=True)
class ReplaceChain:
    """New label, mentions, status and score for the chain ``chain.id``."""

    chain: Chain


@dataclass(frozen=True)
class SetChainStatus:
    keys: tuple[str, ...]
    status: str


@dataclass(frozen=True)
class SetDocumentStatus:
    """The review state of the document in the layer the set is applied to."""

    status: str


Change = Union[AddSpan, DeleteSpan, ReplaceSpan, SetSpanStatus, AddChain, DeleteChain, ReplaceChain,
               SetChainStatus, SetDocumentStatus]
