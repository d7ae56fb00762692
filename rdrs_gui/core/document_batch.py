"""A batch of documents as flat rows of plain values: how documents travel from the processes
that read files to the one that stores them, and the rows the store inserts.

Ten thousand reviews are about 200,000 spans. As ``Span`` objects they are built in the reading
process, taken apart to cross to the storing one, built again there and taken apart once more
into table rows: most of an import's CPU. As rows they are built once, in the reading process,
cross as they are (``marshal``: tuples of str, int, float, None and dicts) and go into the
tables with one executemany each. Rows point at their owner by index in the batch (a span's
document is ``docs[row[0]]``, a label's span ``spans[row[0]]``), not by database id, which only
the store knows.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .document import Chain, Document, Mention, Relation, Span, claim_keys

# Row layouts (what each tuple holds, in order):
#   docs       (name, text, meta, status)
#   spans      (doc, key, origin, status, score, label, start, end): the span's first label in
#              sorted order and its first fragment, as the spans table holds them
#   labels     (span, label): a span's further labels
#   fragments  (span, position, start, end): a discontinuous span's further fragments, 1, 2...
#   attrs      (span, name, value)
#   chains     (doc, key, label, origin, status, score)
#   mentions   (chain, mention, position, start, end): one row per fragment of a mention
#   relations  (doc, key, label, head, tail, attrs, origin, status)
_LABEL = 5


def first_label_and_fragment(span: Span) -> tuple[str, int, int]:
    """What a span's own row holds: its first label in sorted order and its first fragment."""
    label = next(iter(span.labels)) if len(span.labels) == 1 else min(span.labels)
    start, end = span.fragments[0]
    return label, start, end


@dataclass
class DocumentBatch:
    docs: list[tuple] = field(default_factory=list)
    spans: list[tuple] = field(default_factory=list)
    labels: list[tuple] = field(default_factory=list)
    fragments: list[tuple] = field(default_factory=list)
    attrs: list[tuple] = field(default_factory=list)
    chains: list[tuple] = field(default_factory=list)
    mentions: list[tuple] = field(default_factory=list)
    relations: list[tuple] = field(default_factory=list)

    @classmethod
    def of(cls, docs: Iterable[Document]) -> DocumentBatch:
        """The rows of ``docs``; gives their spans, chains and relations the keys they lack
        (``claim_keys``: unique in each document), as storing them would."""
        batch = cls()
        for doc in docs:
            claim_keys(doc, {})
            batch.docs.append((doc.name, doc.text, doc.meta, doc.status))
            batch.add_annotations(len(batch.docs) - 1, doc.spans, doc.chains, doc.relations)
        return batch

    def add_annotations(self, doc: int, spans: Iterable[Span], chains: Iterable[Chain],
                        relations: Iterable[Relation]) -> None:
        """Rows for annotations of document number ``doc`` (keys already set and unique)."""
        span_rows, labels, fragments, attrs = self.spans, self.labels, self.fragments, self.attrs
        for span in spans:
            n = len(span_rows)
            first, start, end = first_label_and_fragment(span)
            span_rows.append((doc, span.id, span.origin, span.status, span.score, first, start, end))
            if len(span.labels) > 1:
                labels += [(n, label) for label in span.labels if label != first]
            if len(span.fragments) > 1:
                fragments += [(n, i, s, e) for i, (s, e) in enumerate(span.fragments) if i]
            if span.attrs:
                attrs += [(n, k, str(v)) for k, v in span.attrs.items()]
        for chain in chains:
            n = len(self.chains)
            self.chains.append((doc, chain.id, chain.label, chain.origin, chain.status, chain.score))
            self.mentions += [(n, m, i, s, e) for m, mention in enumerate(chain.mentions)
                              for i, (s, e) in enumerate(mention.fragments)]
        self.relations += [(doc, r.id, r.label, r.head, r.tail, dict(r.attrs), r.origin, r.status)
                           for r in relations]

    def documents(self) -> list[Document]:
        """The documents again (ids unset), as ``of`` was given them."""
        docs = [Document(name, text, meta, status=status) for name, text, meta, status in self.docs]
        labels: dict[int, list[str]] = {}
        for n, label in self.labels:
            labels.setdefault(n, []).append(label)
        fragments: dict[int, list[tuple[int, int]]] = {}
        for n, _, start, end in self.fragments:
            fragments.setdefault(n, []).append((start, end))
        attrs: dict[int, dict[str, str]] = {}
        for n, name, value in self.attrs:
            attrs.setdefault(n, {})[name] = value
        for n, (doc, key, origin, status, score, label, start, end) in enumerate(self.spans):
            docs[doc].spans.append(Span([label, *labels.get(n, ())], [(start, end), *fragments.get(n, ())],
                                        attrs.get(n, {}), origin, status, score, key))
        mentions: dict[int, dict[int, list[tuple[int, int]]]] = {}
        for n, m, _, start, end in self.mentions:
            mentions.setdefault(n, {}).setdefault(m, []).append((start, end))
        for n, (doc, key, label, origin, status, score) in enumerate(self.chains):
            docs[doc].chains.append(Chain([Mention(f) for f in mentions.get(n, {}).values()], label, origin,
                                          status, score, key))
        for doc, key, label, head, tail, rel_attrs, origin, status in self.relations:
            docs[doc].relations.append(Relation(label, head, tail, rel_attrs, origin, status, key))
        return docs

    def __len__(self) -> int:
        return len(self.docs)

    def label_names(self) -> set[str]:
        return {row[_LABEL] for row in self.spans} | {label for _, label in self.labels}

    def rename_labels(self, names: Mapping[str, str]) -> None:
        """Rename labels (``old -> new``); a span whose labels change gets its first label
        worked out again, and loses a label that two of its labels became."""
        names = {old: new for old, new in names.items() if old != new}
        if not names:
            return
        further: dict[int, list[str]] = {}
        for n, label in self.labels:
            further.setdefault(n, []).append(label)
        touched = {n for n, row in enumerate(self.spans) if row[_LABEL] in names}
        touched.update(n for n, labels in further.items() if any(label in names for label in labels))
        if not touched:
            return
        for n in touched:
            row = self.spans[n]
            renamed = {names.get(label, label) for label in [row[_LABEL], *further.get(n, ())]}
            first = min(renamed)
            self.spans[n] = (*row[:_LABEL], first, *row[_LABEL + 1:])
            further[n] = sorted(renamed - {first})
        self.labels = [(n, label) for n in sorted(further) for label in further[n]]

    def set_status(self, status: str) -> None:
        """Every document's review state."""
        self.docs = [(name, text, meta, status) for name, text, meta, _ in self.docs]

    def as_tuple(self) -> tuple:
        """Plain values only, for ``marshal``; ``DocumentBatch(*raw)`` makes the batch again."""
        return (self.docs, self.spans, self.labels, self.fragments, self.attrs, self.chains, self.mentions,
                self.relations)
