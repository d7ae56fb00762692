"""Inter-annotator agreement exactly as the RDRS paper measures it (Table 4: Karimi et al.'s
metric with two flags).

Per document and pair of annotators: matched mentions / max(|A_i|, |A_j|), averaged over the
documents both annotators marked done; a document where neither has a mention is skipped (one
where only one has mentions scores 0).

- A mention is one (tag, fragments) pair: a span with two stacked tags is two mentions. With tag
  strictness "ignored" a mention is its fragments alone, and identical fragments count once.
- Span "strict": identical fragment lists; "intersection": at least one shared character.
- Matching is one-to-one and maximal (maximum bipartite matching, not greedy).

Only human decisions count (gold and accepted spans and chains); suggestions and rejected ones
never. Chains are compared with the project's CoNLL-2012 scorer (MUC, B³, CEAF-e F1), and
codes/attributes as the share of matched mentions (span and tag strict) with equal attributes.
Pure Python over ``Document`` objects: the store reads the layers, this module only counts.
"""
from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import combinations

from .document import HUMAN_STATUSES, Document, Fragment, Span
from .metrics import coref_scores

# (JSON key, span strict, tag strict), in the paper's order.
FLAGS: tuple[tuple[str, bool, bool], ...] = (
    ("span_strict_tag_strict", True, True),
    ("span_strict_tag_ignored", True, False),
    ("span_intersection_tag_strict", False, True),
    ("span_intersection_tag_ignored", False, False),
)
FLAG_KEYS = tuple(key for key, _, _ in FLAGS)

Item = tuple[str | None, tuple[Fragment, ...]]  # (tag or None when tags are ignored, fragments)


def human_spans(doc: Document) -> list[Span]:
    return [span for span in doc.spans if span.status in HUMAN_STATUSES]


def mentions(spans: Iterable[Span], tag_strict: bool = True, tag: str | None = None) -> set[Item]:
    """The mentions of ``spans``: one per (tag, fragments), or per fragments when tags are
    ignored; ``tag`` keeps only that tag's mentions."""
    if tag is not None:
        return {(tag, tuple(s.fragments)) for s in spans if tag in s.labels}
    if tag_strict:
        return {(label, tuple(s.fragments)) for s in spans for label in s.labels}
    return {(None, tuple(s.fragments)) for s in spans}


def overlaps(a: Sequence[Fragment], b: Sequence[Fragment]) -> bool:
    """Whether two sorted fragment lists share at least one character."""
    i = j = 0
    while i < len(a) and j < len(b):
        (s1, e1), (s2, e2) = a[i], b[j]
        if s1 < e2 and s2 < e1:
            return True
        if e1 <= e2:
            i += 1
        else:
            j += 1
    return False


def matched(a: set[Item], b: set[Item], span_strict: bool) -> int:
    """Size of a maximum one-to-one matching between two annotators' mentions."""
    if span_strict:
        return len(a & b)     # identity is an equivalence: each mention has at most one twin
    left = sorted(a, key=lambda m: m[1][0])
    right = sorted(b, key=lambda m: m[1][0])
    starts = [m[1][0][0] for m in right]
    adj: list[list[int]] = []
    for tag, frags in left:
        end = frags[-1][1]
        row = []
        for j, (other_tag, other) in enumerate(right):
            if starts[j] >= end:
                break
            if other_tag == tag and other[-1][1] > frags[0][0] and overlaps(frags, other):
                row.append(j)
        adj.append(row)
    return max_matching(adj, len(right))


def _matched(a: set[Item], b: set[Item], span_strict: bool) -> int:
    """``matched``, skipping the matching when the identical mentions already pair up every
    mention of the smaller side (overlap can match no more than that)."""
    same = len(a & b)
    if span_strict or same == min(len(a), len(b)):
        return same
    return matched(a, b, False)


def max_matching(adj: Sequence[Sequence[int]], n_right: int) -> int:
    """Maximum bipartite matching (Kuhn's augmenting paths, breadth first, after a greedy start):
    ``adj[i]`` lists the right vertices left vertex ``i`` may be matched to."""
    match_left = [-1] * len(adj)
    match_right = [-1] * n_right
    for u, row in enumerate(adj):
        for v in row:
            if match_right[v] < 0:
                match_right[v], match_left[u] = u, v
                break
    for u, row in enumerate(adj):
        if match_left[u] >= 0 or not row:
            continue
        came_from: dict[int, int] = {}
        queue = [u]
        free = -1
        for x in queue:
            for v in adj[x]:
                if v in came_from:
                    continue
                came_from[v] = x
                if match_right[v] < 0:
                    free = v
                    break
                queue.append(match_right[v])
            if free >= 0:
                break
        v = free
        while v >= 0:    # flip the path back to u
            x = came_from[v]
            v_next = match_left[x]
            match_right[v], match_left[x] = x, v
            v = v_next if x != u else -1
    return sum(1 for v in match_left if v >= 0)


def document_agreement(a: Iterable[Span], b: Iterable[Span], span_strict: bool, tag_strict: bool,
                       tag: str | None = None) -> float | None:
    """matched / max(|A|, |B|) for one document, or None when neither has a mention."""
    ma, mb = mentions(a, tag_strict, tag), mentions(b, tag_strict, tag)
    most = max(len(ma), len(mb))
    if most == 0:
        return None
    return matched(ma, mb, span_strict) / most


def document_scores(a: Document, b: Document) -> dict[str, float | None]:
    """The four flag combinations for one document of two annotators."""
    sa, sb = human_spans(a), human_spans(b)
    return {key: document_agreement(sa, sb, span, tag) for key, span, tag in FLAGS}


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def pair_agreement(a: str, b: str, docs_a: Mapping[int, Document], docs_b: Mapping[int, Document],
                   cache: dict[int, tuple] | None = None) -> dict:
    """Agreement of annotators ``a`` and ``b`` over the documents both marked done (the keys
    of ``docs_a``/``docs_b`` are document ids, their values those annotators' layers);
    ``cache`` keeps each layer's mentions for the next pair."""
    cache = {} if cache is None else cache
    common = sorted(set(docs_a) & set(docs_b))
    sums = {key: 0.0 for key in FLAG_KEYS}
    counted = 0
    tag_values: dict[str, dict[str, list[float]]] = {}
    equal_attrs = matched_attrs = 0
    per_name: dict[str, list[int]] = {}
    for doc_id in common:
        sa, strict_a, loose_a, by_tag_a = _prepared(docs_a[doc_id], cache)
        sb, strict_b, loose_b, by_tag_b = _prepared(docs_b[doc_id], cache)
        if strict_a or strict_b:
            counted += 1
            for key, span_strict, tag_strict in FLAGS:
                ma, mb = (strict_a, strict_b) if tag_strict else (loose_a, loose_b)
                sums[key] += _matched(ma, mb, span_strict) / max(len(ma), len(mb))
        for tag in by_tag_a.keys() | by_tag_b.keys():
            ta = by_tag_a.get(tag, set())
            tb = by_tag_b.get(tag, set())
            most = max(len(ta), len(tb))
            values = tag_values.setdefault(tag, {"span_strict_tag_strict": [], "span_intersection_tag_strict": []})
            values["span_strict_tag_strict"].append(len(ta & tb) / most)
            values["span_intersection_tag_strict"].append(_matched(ta, tb, False) / most)
        equal, total, names = _attribute_counts(sa, sb)
        equal_attrs += equal
        matched_attrs += total
        for name, (same, seen) in names.items():
            counts = per_name.setdefault(name, [0, 0])
            counts[0] += same
            counts[1] += seen
    # "documents": those averaged over; "documents_done": all both marked done, empty ones included
    out: dict = {"a": a, "b": b, "documents": counted, "documents_done": len(common)}
    for key in FLAG_KEYS:
        out[key] = sums[key] / counted if counted else None
    out["per_tag"] = {tag: {"documents": len(v["span_strict_tag_strict"]),
                            **{key: _mean(vals) for key, vals in v.items()}}
                      for tag, v in sorted(tag_values.items())}
    out["chains"] = chain_agreement([docs_a[i] for i in common], [docs_b[i] for i in common])
    out["attributes"] = {"matched": matched_attrs,
                         "agreement": equal_attrs / matched_attrs if matched_attrs else None,
                         "per_attribute": {name: {"matched": seen, "agreement": same / seen}
                                           for name, (same, seen) in sorted(per_name.items())}}
    return out


Prepared = tuple[list[Span], set[Item], set[Item], dict[str, set[Item]]]


def _prepared(doc: Document, cache: dict[int, tuple]) -> Prepared:
    """A layer's human spans, its mentions with tags, without, and by tag: computed once per
    document while ``agreement`` compares it with every other annotator's."""
    found = cache.get(id(doc))
    if found is None or found[0] is not doc:
        spans = human_spans(doc)
        strict = mentions(spans)
        by_tag: dict[str, set[Item]] = {}
        for item in strict:
            by_tag.setdefault(item[0], set()).add(item)
        found = (doc, spans, strict, mentions(spans, False), by_tag)
        cache[id(doc)] = found
    return found[1:]


def _attribute_counts(a: list[Span], b: list[Span]) -> tuple[int, int, dict[str, tuple[int, int]]]:
    """Among mentions matched span- and tag-strict: how many have equal attributes, how many
    there are, and per attribute name (where either side has it) how many agree of how many."""
    attrs_a = {}
    for span in a:
        for label in span.labels:
            attrs_a.setdefault((label, tuple(span.fragments)), span.attrs)
    attrs_b = {}
    for span in b:
        for label in span.labels:
            attrs_b.setdefault((label, tuple(span.fragments)), span.attrs)
    equal = total = 0
    names: dict[str, list[int]] = {}
    for item, x in attrs_a.items():
        y = attrs_b.get(item)
        if y is None:
            continue
        total += 1
        equal += x == y
        for name in set(x) | set(y):
            counts = names.setdefault(name, [0, 0])
            counts[0] += x.get(name) == y.get(name)
            counts[1] += 1
    return equal, total, {name: (same, seen) for name, (same, seen) in names.items()}


def _partition(doc: Document, kind: str) -> list[list[tuple]]:
    return [[m.key() for m in chain.mentions] for chain in doc.chains
            if chain.label == kind and chain.status in HUMAN_STATUSES and chain.mentions]


def chain_agreement(docs_a: Sequence[Document], docs_b: Sequence[Document]) -> dict:
    """Per chain kind: MUC, B³ and CEAF-e F1 between the two annotators' chains (one as key,
    the other as response: the F1s are symmetric) over documents where either has a chain of
    that kind, and their mean (the CoNLL-2012 score)."""
    kinds = sorted({c.label for d in (*docs_a, *docs_b) for c in d.chains if c.status in HUMAN_STATUSES})
    out: dict[str, dict] = {}
    for kind in kinds:
        pairs = [(pa, pb) for pa, pb in ((_partition(x, kind), _partition(y, kind)) for x, y in zip(docs_a, docs_b))
                 if pa or pb]
        scores = coref_scores(pairs)
        out[kind] = {"documents": len(pairs), "muc": scores["muc"][2], "b_cubed": scores["bcub"][2],
                     "ceaf_e": scores["ceafe"][2], "average": scores["avg_f1"]}
    return out


def agreement(layers: Mapping[str, Mapping[int, Document]], annotators: Sequence[str] | None = None) -> dict:
    """The paper's Table 4 for a project: ``{"pairs": [...], "average": {...}}`` where each pair
    is ``pair_agreement``'s dict and the average is the mean over pairs that share a document."""
    names = list(annotators) if annotators is not None else sorted(layers)
    cache: dict[int, tuple] = {}
    with _paused_gc():
        pairs = [pair_agreement(a, b, layers.get(a, {}), layers.get(b, {}), cache) for a, b in combinations(names, 2)]
    scored = [p for p in pairs if p["documents"]]
    average: dict = {"pairs": len(scored), "documents": sum(p["documents"] for p in scored)}
    for key in FLAG_KEYS:
        average[key] = _mean([p[key] for p in scored])
    return {"annotators": names, "pairs": pairs, "average": average}


@contextmanager
def _paused_gc() -> Iterator[None]:
    """No cyclic collection while counting: the layers of 10,000 documents are millions of small
    objects without cycles, and every full collection would walk them all again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def documents_by_agreement(docs_a: Mapping[int, Document], docs_b: Mapping[int, Document],
                           flag: str = "span_strict_tag_strict") -> list[tuple[int, float | None]]:
    """``(document id, agreement)`` for the documents both annotators marked done, least
    agreement first; documents where neither has a mention (None) come last."""
    key, span_strict, tag_strict = next(f for f in FLAGS if f[0] == flag)
    rows = [(doc_id, document_agreement(human_spans(docs_a[doc_id]), human_spans(docs_b[doc_id]),
                                        span_strict, tag_strict))
            for doc_id in sorted(set(docs_a) & set(docs_b))]
    return sorted(rows, key=lambda r: (r[1] is None, r[1] if r[1] is not None else 0.0, r[0]))
