"""Codes for a model's suggested spans at pre-annotation time: one ``CodeSuggester`` per coding
attribute of the schema (MedDRA, ATC, MKB10), learnt from the project's human coded mentions
(every layer) and the names of the loaded terminology. Only suggestions without a code get one;
a human's span and code are never touched (pre-annotation cannot overwrite them anyway)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ..document import HUMAN_STATUSES, Span
from ..schema import Schema
from ..terminology import ATTRIBUTE_KIND, Term
from .coding_stats import codes
from .suggest import CodeSuggester


class CodeSource(Protocol):
    def iter_documents(self, *args, **kwargs): ...  # noqa: ANN002, ANN003, ANN201
    def terms(self, kind: str | None = None) -> list[Term]: ...


def _names(terms: Sequence[Term]) -> list[tuple[str, str]]:
    """(name, code) of each term; a MedDRA LLT names its PT (mentions are coded with PTs)."""
    return [(t.name, t.parent if t.level == "LLT" and t.parent else t.code) for t in terms
            if t.level in ("LLT", "PT", "", "5", "4")]


class PreCoder:
    """Suggests a code for each uncoded suggested span whose tag an attribute codes."""

    def __init__(self, suggesters: dict[str, tuple[set[str], CodeSuggester]]):
        self.suggesters = suggesters     # attribute -> (its tags, suggester)

    @classmethod
    def learn(cls, store: CodeSource, schema: Schema, project: str | None = None) -> PreCoder | None:
        """None when the project has nothing to learn from (no coded mention, no terminology)."""
        examples: dict[str, list[tuple[str, str]]] = {a: [] for a in ATTRIBUTE_KIND}
        for doc in store.iter_documents(project=project, all_layers=True):
            for span in doc.spans:
                if span.status in HUMAN_STATUSES:
                    for name, values in codes(span.attrs).items():
                        examples[name] += [(span.covered_text(doc.text), value) for value in values[:1]]
        suggesters = {}
        for attr in schema.attributes:
            if attr.name not in ATTRIBUTE_KIND:
                continue
            names = _names(store.terms(ATTRIBUTE_KIND[attr.name]))
            if examples[attr.name] or names:
                suggesters[attr.name] = (set(attr.tags), CodeSuggester().fit(examples[attr.name], names))
        return cls(suggesters) if suggesters else None

    def code(self, spans: Sequence[Span], text: str) -> int:
        """Set the best code on every uncoded span of ``text`` (a model's answer, before the store
        merges it as suggestions: human spans block their places there); returns how many got one."""
        coded = 0
        for name, (tags, suggester) in self.suggesters.items():
            todo = [s for s in spans if not s.attrs.get(name) and (not tags or s.labels & tags)]
            if not todo:
                continue
            for span, ranked in zip(todo, suggester.suggest([s.covered_text(text) for s in todo], top=1)):
                if ranked:
                    span.attrs[name] = ranked[0].code
                    coded += 1
        return coded

