"""Evaluation metrics, in plain Python so the GUI, the CLI and the tests can all import them.

Entities
    ``conlleval_prf`` scores BIO (or IOBES) tag sequences with the chunk semantics of the
    CoNLL-2000 ``conlleval`` script: a chunk starts at ``B-``, at ``I-`` after ``O`` or after a
    chunk of another type, and a predicted chunk is correct only when its type, first and last
    token all equal a gold chunk's. ``span_prf`` gives the same exact score from character
    spans, and ``partial_span_prf`` a lenient overlap score (see its docstring).

Coreference
    MUC, B³, CEAF-m, CEAF-e and BLANC exactly as the CoNLL-2012 reference scorer v8.01
    (Pradhan et al. 2014, "Scoring coreference partitions of predicted mentions: a reference
    implementation") computes them, including its treatment of predicted mentions that are not
    in the key and key mentions missing from the response (twinless mentions). Mentions are
    compared by identity (their boundaries), never by overlap. Scores over several documents
    sum each metric's numerators and denominators first (micro average), as ``scorer.pl`` does.
"""
from __future__ import annotations

from collections import Counter
from typing import Hashable, Iterable, Sequence

Chunk = tuple[str, int, int]  # (type, first token, last token + 1)
Partition = Sequence[Sequence[Hashable]]  # chains of mention identities

__all__ = [
    "prf", "chunks", "conlleval_prf", "span_prf", "partial_span_prf",
    "muc", "b_cubed", "ceafm", "ceafe", "blanc", "mention_prf", "coref_counts", "coref_scores",
    "max_weight_assignment",
]


def prf(correct_p: float, n_pred: float, correct_r: float, n_gold: float) -> tuple[float, float, float]:
    """(precision, recall, F1), each 0 when its denominator is 0 (conlleval's convention)."""
    p = correct_p / n_pred if n_pred else 0.0
    r = correct_r / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


# ---------------------------------------------------------------------------------------------
# Entities


def _split_tag(tag: str) -> tuple[str, str]:
    if tag == "O":
        return "O", ""
    prefix, sep, kind = tag.partition("-")
    if not sep or prefix not in ("B", "I", "E", "S") or not kind:
        raise ValueError(f"not a BIO/IOBES tag: {tag!r} (expected O, B-X, I-X, E-X or S-X)")
    return prefix, kind


def _chunk_ends(prev_tag: str, tag: str, prev_type: str, kind: str) -> bool:
    if prev_tag in ("E", "S"):
        return True
    if prev_tag in ("B", "I") and tag in ("B", "S", "O"):
        return True
    return prev_tag != "O" and prev_type != kind


def _chunk_starts(prev_tag: str, tag: str, prev_type: str, kind: str) -> bool:
    if tag in ("B", "S"):
        return True
    if prev_tag in ("E", "S", "O") and tag in ("E", "I"):
        return True
    return tag != "O" and prev_type != kind


def chunks(tags: Sequence[str]) -> list[Chunk]:
    """Chunks of one tag sequence, conlleval style; an ill-formed ``I-`` opens a new chunk."""
    out: list[Chunk] = []
    prev_tag, prev_type, begin = "O", "", 0
    for i, tag in enumerate([*tags, "O"]):
        prefix, kind = _split_tag(tag)
        if _chunk_ends(prev_tag, prefix, prev_type, kind):
            out.append((prev_type, begin, i))
        if _chunk_starts(prev_tag, prefix, prev_type, kind):
            begin = i
        prev_tag, prev_type = prefix, kind
    return out


def _report(gold: Counter, pred: Counter, correct: Counter, tags: Iterable[str] | None) -> dict:
    """The shared result shape: micro P/R/F1, macro F1 over ``tags`` and per-tag figures.

    Without ``tags`` the macro average runs over every tag seen in gold or prediction
    (seqeval's classification_report does the same), so a tag that is only ever predicted
    counts with F1 = 0.
    """
    names = sorted(set(tags) if tags is not None else set(gold) | set(pred))
    per_tag = {}
    for name in names:
        p, r, f = prf(correct[name], pred[name], correct[name], gold[name])
        per_tag[name] = {"p": p, "r": r, "f1": f, "support": gold[name]}
    n_correct, n_pred, n_gold = sum(correct.values()), sum(pred.values()), sum(gold.values())
    p, r, f = prf(n_correct, n_pred, n_correct, n_gold)
    macro = sum(v["f1"] for v in per_tag.values()) / len(per_tag) if per_tag else 0.0
    return {"micro": {"p": p, "r": r, "f1": f, "support": n_gold}, "macro_f1": macro,
            "per_tag": per_tag}


def conlleval_prf(gold_tag_seqs: Sequence[Sequence[str]], pred_tag_seqs: Sequence[Sequence[str]],
                  tags: Iterable[str] | None = None) -> dict:
    """Exact chunk P/R/F1 from parallel tag sequences (one per sentence or document).

    Returns ``{"micro": {"p", "r", "f1", "support"}, "macro_f1", "per_tag": {TAG: {"p", "r",
    "f1", "support"}}}``; ``support`` is the number of gold chunks. Sequences never share a chunk.
    """
    if len(gold_tag_seqs) != len(pred_tag_seqs):
        raise ValueError(f"{len(gold_tag_seqs)} gold sequences but {len(pred_tag_seqs)} predicted")
    gold, pred, correct = Counter(), Counter(), Counter()
    for g_tags, p_tags in zip(gold_tag_seqs, pred_tag_seqs):
        if len(g_tags) != len(p_tags):
            raise ValueError(f"sequence lengths differ: {len(g_tags)} gold tags, {len(p_tags)} predicted")
        g, p = set(chunks(g_tags)), set(chunks(p_tags))
        gold.update(c[0] for c in g)
        pred.update(c[0] for c in p)
        correct.update(c[0] for c in g & p)
    return _report(gold, pred, correct, tags)


SpanKey = tuple[str, tuple]  # (label, ((start, end), ...))


def span_prf(gold: Sequence[set[SpanKey]], pred: Sequence[set[SpanKey]],
             tags: Iterable[str] | None = None) -> dict:
    """Exact P/R/F1 from per-document sets of ``(label, fragments)``: a hit needs the same label
    and the very same fragments (a discontinuous span must match every fragment)."""
    _same_length(gold, pred)
    g_count, p_count, correct = Counter(), Counter(), Counter()
    for g, p in zip(gold, pred):
        g_count.update(label for label, _ in g)
        p_count.update(label for label, _ in p)
        correct.update(label for label, _ in set(g) & set(p))
    return _report(g_count, p_count, correct, tags)


def _overlaps(a: tuple, b: tuple) -> bool:
    return any(max(s1, s2) < min(e1, e2) for s1, e1 in a for s2, e2 in b)


def partial_span_prf(gold: Sequence[set[SpanKey]], pred: Sequence[set[SpanKey]],
                     tags: Iterable[str] | None = None) -> dict:
    """Lenient (partial-overlap) P/R/F1 from per-document sets of ``(label, fragments)``.

    Two spans *overlap* when some fragment of one shares at least one character with some
    fragment of the other (``max(start) < min(end)``, ends exclusive). Per tag and document:
    precision counts the predicted spans that overlap at least one gold span with the same
    label; recall counts the gold spans that overlap at least one predicted span with the same
    label. Matching is not one-to-one: one long prediction covering two gold spans recalls both
    (the lenient measure of the i2b2/n2c2 shared tasks). Exact matches always overlap, so this
    score is never below ``span_prf``.
    """
    _same_length(gold, pred)
    g_count, p_count, hit_p, hit_r = Counter(), Counter(), Counter(), Counter()
    for g, p in zip(gold, pred):
        for label, frags in g:
            g_count[label] += 1
            hit_r[label] += any(pl == label and _overlaps(frags, pf) for pl, pf in p)
        for label, frags in p:
            p_count[label] += 1
            hit_p[label] += any(gl == label and _overlaps(frags, gf) for gl, gf in g)
    names = sorted(set(tags) if tags is not None else set(g_count) | set(p_count))
    per_tag = {}
    for name in names:
        pp, rr, ff = prf(hit_p[name], p_count[name], hit_r[name], g_count[name])
        per_tag[name] = {"p": pp, "r": rr, "f1": ff, "support": g_count[name]}
    pp, rr, ff = prf(sum(hit_p.values()), sum(p_count.values()), sum(hit_r.values()),
                     sum(g_count.values()))
    macro = sum(v["f1"] for v in per_tag.values()) / len(per_tag) if per_tag else 0.0
    return {"micro": {"p": pp, "r": rr, "f1": ff, "support": sum(g_count.values())},
            "macro_f1": macro, "per_tag": per_tag}


def _same_length(gold: Sequence, pred: Sequence) -> None:
    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold documents but {len(pred)} predicted")


# ---------------------------------------------------------------------------------------------
# Coreference: mention alignment (IdentifMentions of CorScorer.pm v8.01)


class _Aligned:
    """Key and response chains as integer ids, the way CorScorer.pm v8.01 sets them up.

    - Every key mention gets an id; a mention repeated in the key keeps one id (the scorer
      warns and carries on; the mention then sits in both key chains).
    - A response mention that repeats a key mention already seen in the response is dropped
      (a duplicate); chains left empty go. Repeated response mentions that are *not* in the
      key are kept, sharing one id, as v8.01 does (it only refuses runs with over 10 repeats).
    - Response mentions not in the key (twinless) get fresh ids.
    """

    def __init__(self, key: Partition, response: Partition):
        ids: dict[Hashable, int] = {}
        counter = 0
        for chain in key:
            for m in chain:
                ids[m] = counter
                counter += 1
        self.key = [[ids[m] for m in chain] for chain in key if chain]
        seen: dict[Hashable, int] = {}
        kept: list[list[Hashable]] = []
        self.exact = 0
        for chain in response:
            out = []
            for m in chain:
                if m in seen:
                    continue  # repeated response mention of a key mention
                if m in ids:
                    seen[m] = ids[m]
                    self.exact += 1
                out.append(m)
            if out:
                kept.append(out)
        for chain in kept:
            for m in chain:
                if m not in seen:
                    seen[m] = counter
                    counter += 1
        self.n_key_mentions = len(ids)
        self.n_response_mentions = len(seen)
        self.response = [[seen[m] for m in chain] for chain in kept]
        # Indexa: mention id -> index of the (last) chain holding it
        self.key_index = {m: i for i, chain in enumerate(self.key) for m in chain}


def _muc_counts(a: _Aligned) -> tuple[float, float, float, float]:
    """Links: a chain of n mentions has n - 1. Twinless key mentions join the response as
    singletons and twinless response singletons leave it; both change no link count."""
    k = a.key_index
    correct = 0
    for chain in a.response:
        for i, m in enumerate(chain):
            if m in k and any(n in k and k[n] == k[m] for n in chain[i + 1:]):
                correct += 1
    key_links = sum(len(c) - 1 for c in a.key)
    response_links = sum(len(c) - 1 for c in a.response)
    return correct, key_links, correct, response_links


def _bcub_counts(a: _Aligned) -> tuple[float, float, float, float]:
    """Per response mention: precision |R ∩ K| / |R|, recall |R ∩ K| / |K| with K the key chain
    holding it (none for a twinless mention). Singletons count on both sides."""
    acc_p = acc_r = 0.0
    for chain in a.response:
        for m in chain:
            key_chain = a.key[a.key_index[m]] if m in a.key_index else []
            members = set(key_chain)
            common = sum(1 for n in chain if n in members)
            acc_p += common / len(chain)
            if key_chain:
                acc_r += common / len(key_chain)
    return acc_r, sum(map(len, a.key)), acc_p, sum(map(len, a.response))


def _ceaf_counts(a: _Aligned, entity: bool) -> tuple[float, float, float, float]:
    """CEAF with the optimal one-to-one alignment of key and response chains (Kuhn-Munkres):
    φ4 (entity: 2|K∩R| / (|K| + |R|), denominators = number of chains) or φ3 (mention:
    |K∩R|, denominators = number of mentions)."""
    weights: dict[tuple[int, int], float] = {}
    response_sets = [set(c) for c in a.response]
    owners: dict[int, list[int]] = {}
    for j, chain in enumerate(a.response):
        for m in set(chain):
            owners.setdefault(m, []).append(j)
    for i, chain in enumerate(a.key):
        for j in {j for m in chain for j in owners.get(m, ())}:
            common = sum(1 for m in chain if m in response_sets[j])
            weights[i, j] = 2 * common / (len(chain) + len(a.response[j])) if entity else common
    total = max_weight_assignment(weights)
    if entity:
        return total, len(a.key), total, len(a.response)
    return total, sum(map(len, a.key)), total, sum(map(len, a.response))


def _links(chains: list[list[int]]) -> tuple[set, set]:
    coref = {(min(x, y), max(x, y)) for c in chains for i, x in enumerate(c) for y in c[i + 1:]}
    non = {(min(x, y), max(x, y)) for i, c in enumerate(chains) for d in chains[i + 1:]
           for x in c for y in d}
    return coref, non


def _blanc_counts(a: _Aligned) -> tuple[int, ...]:
    """Coreference and non-coreference links of key and response as sets of mention pairs
    (Luo et al. 2014): (correct C, key C, response C, correct N, key N, response N).

    When no mention id occurs twice the counts come from chain-overlap sizes without building
    the O(n²) pair sets; the result is the same (tested against the set construction)."""
    ids_k = [m for c in a.key for m in c]
    ids_r = [m for c in a.response for m in c]
    if len(set(ids_k)) != len(ids_k) or len(set(ids_r)) != len(ids_r):
        return _blanc_counts_by_sets(a)

    def pairs(n: int) -> int:
        return n * (n - 1) // 2

    key_of = a.key_index
    resp_of = {m: j for j, c in enumerate(a.response) for m in c}
    common = [m for m in ids_r if m in key_of]
    same_both = Counter((key_of[m], resp_of[m]) for m in common)
    same_key = Counter(key_of[m] for m in common)
    same_resp = Counter(resp_of[m] for m in common)
    c_both = sum(pairs(n) for n in same_both.values())
    key_c = sum(pairs(len(c)) for c in a.key)
    resp_c = sum(pairs(len(c)) for c in a.response)
    key_n = pairs(len(ids_k)) - key_c
    resp_n = pairs(len(ids_r)) - resp_c
    n_both = (pairs(len(common)) - sum(pairs(n) for n in same_key.values())
              - sum(pairs(n) for n in same_resp.values()) + c_both)
    return c_both, key_c, resp_c, n_both, key_n, resp_n


def _blanc_counts_by_sets(a: _Aligned) -> tuple[int, ...]:
    kc, kn = _links(a.key)
    rc, rn = _links(a.response)
    return len(kc & rc), len(kc), len(rc), len(kn & rn), len(kn), len(rn)


def _blanc_from_counts(c: Sequence[float]) -> tuple[float, float, float]:
    """(recall, precision, F1) as ScoreBLANC prints them: the mean of the coreference-link and
    non-coreference-link scores, or only one of them when the key has no links of the other
    kind, or 0 when the key has no links at all."""
    correct_c, key_c, resp_c, correct_n, key_n, resp_n = c
    rc = correct_c / key_c if key_c else 0.0
    pc = correct_c / resp_c if resp_c else 0.0
    rn = correct_n / key_n if key_n else 0.0
    pn = correct_n / resp_n if resp_n else 0.0
    fc = 2 * pc * rc / (pc + rc) if pc + rc else 0.0
    fn = 2 * pn * rn / (pn + rn) if pn + rn else 0.0
    if not key_c and not key_n:
        return 0.0, 0.0, 0.0
    if not key_c:
        return rn, pn, fn
    if not key_n:
        return rc, pc, fc
    return (rc + rn) / 2, (pc + pn) / 2, (fc + fn) / 2


# ---------------------------------------------------------------------------------------------
# Coreference: public functions

METRICS = ("muc", "bcub", "ceafm", "ceafe", "blanc")


def coref_counts(key: Partition, response: Partition) -> dict[str, tuple]:
    """Numerators and denominators of one document, per metric: ``(recall num, recall den,
    precision num, precision den)``; BLANC has its six link counts; ``mentions`` scores
    mention identification (exact boundaries). Sum them over documents, then score."""
    a = _Aligned(key, response)
    return {
        "muc": _muc_counts(a),
        "bcub": _bcub_counts(a),
        "ceafm": _ceaf_counts(a, entity=False),
        "ceafe": _ceaf_counts(a, entity=True),
        "blanc": _blanc_counts(a),
        "mentions": (a.exact, a.n_key_mentions, a.exact, a.n_response_mentions),
    }


def _rpf(counts: Sequence[float]) -> tuple[float, float, float]:
    nr, dr, np_, dp = counts
    p, r, f = prf(np_, dp, nr, dr)
    return r, p, f


def muc(key: Partition, response: Partition) -> tuple[float, float, float]:
    """MUC (Vilain et al. 1995) ``(recall, precision, F1)``; singleton chains have no links."""
    return _rpf(_muc_counts(_Aligned(key, response)))


def b_cubed(key: Partition, response: Partition) -> tuple[float, float, float]:
    """B³ (Bagga and Baldwin 1998) ``(recall, precision, F1)``."""
    return _rpf(_bcub_counts(_Aligned(key, response)))


def ceafm(key: Partition, response: Partition) -> tuple[float, float, float]:
    """Mention-based CEAF (Luo 2005, φ3) ``(recall, precision, F1)``."""
    return _rpf(_ceaf_counts(_Aligned(key, response), entity=False))


def ceafe(key: Partition, response: Partition) -> tuple[float, float, float]:
    """Entity-based CEAF (Luo 2005, φ4) ``(recall, precision, F1)``."""
    return _rpf(_ceaf_counts(_Aligned(key, response), entity=True))


def blanc(key: Partition, response: Partition) -> tuple[float, float, float]:
    """BLANC for predicted mentions (Luo et al. 2014) ``(recall, precision, F1)``."""
    return _blanc_from_counts(_blanc_counts(_Aligned(key, response)))


def mention_prf(key: Partition, response: Partition) -> tuple[float, float, float]:
    """Mention identification ``(recall, precision, F1)`` by exact boundaries."""
    return _rpf(coref_counts(key, response)["mentions"])


def coref_scores(documents: Iterable[tuple[Partition, Partition]]) -> dict:
    """Corpus scores from ``(key, response)`` partitions per document, micro-averaged like
    ``scorer.pl``: ``{"muc": (r, p, f1), "bcub", "ceafm", "ceafe", "blanc", "mentions",
    "avg_f1": mean F1 of MUC, B³ and CEAF-e (the CoNLL-2012 score), "documents": n}``."""
    totals: dict[str, list[float]] = {}
    n = 0
    for key, response in documents:
        n += 1
        for name, counts in coref_counts(key, response).items():
            acc = totals.setdefault(name, [0.0] * len(counts))
            for i, value in enumerate(counts):
                acc[i] += value
    empty = {"blanc": [0.0] * 6}
    out: dict = {}
    for name in (*METRICS, "mentions"):
        counts = totals.get(name, empty.get(name, [0.0] * 4))
        out[name] = _blanc_from_counts(counts) if name == "blanc" else _rpf(counts)
    out["avg_f1"] = (out["muc"][2] + out["bcub"][2] + out["ceafe"][2]) / 3
    out["documents"] = n
    return out


# ---------------------------------------------------------------------------------------------
# Kuhn-Munkres


def max_weight_assignment(weights: dict[tuple[int, int], float]) -> float:
    """Largest total weight of a one-to-one matching of rows to columns, given the non-zero
    weights (all ≥ 0) as ``{(row, col): w}``; absent pairs weigh 0.

    The bipartite graph of non-zero weights is split into connected components and the
    Hungarian algorithm runs on each: coreference chains overlap with few others, so the
    components stay small even in long documents.
    """
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(x: tuple[str, int]) -> tuple[str, int]:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for (i, j), w in weights.items():
        if w > 0:
            parent[find(("r", i))] = find(("c", j))
    groups: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for (i, j), w in weights.items():
        if w > 0:
            groups.setdefault(find(("r", i)), []).append((i, j))
    total = 0.0
    for edges in groups.values():
        rows = sorted({i for i, _ in edges})
        cols = sorted({j for _, j in edges})
        r_at = {r: k for k, r in enumerate(rows)}
        c_at = {c: k for k, c in enumerate(cols)}
        matrix = [[0.0] * len(cols) for _ in rows]
        for i, j in edges:
            matrix[r_at[i]][c_at[j]] = weights[i, j]
        total += _hungarian_max(matrix)
    return total


def _hungarian_max(matrix: list[list[float]]) -> float:
    """Maximum-weight assignment on a dense rectangular matrix, O(n²m) with potentials."""
    if len(matrix) > len(matrix[0]):
        matrix = [list(col) for col in zip(*matrix)]
    n, m = len(matrix), len(matrix[0])
    big = max(max(row) for row in matrix)
    cost = [[big - w for w in row] for row in matrix]  # minimise cost == maximise weight
    inf = float("inf")
    u, v = [0.0] * (n + 1), [0.0] * (m + 1)
    match = [0] * (m + 1)  # match[col] = row (1-based), 0 = free
    way = [0] * (m + 1)
    for i in range(1, n + 1):
        match[0] = i
        j0 = 0
        minv = [inf] * (m + 1)
        used = [False] * (m + 1)
        while True:
            used[j0] = True
            i0, delta, j1 = match[j0], inf, 0
            row = cost[i0 - 1]
            for j in range(1, m + 1):
                if not used[j]:
                    cur = row[j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j], way[j] = cur, j0
                    if minv[j] < delta:
                        delta, j1 = minv[j], j
            for j in range(m + 1):
                if used[j]:
                    u[match[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if match[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            match[j0] = match[j1]
            j0 = j1
    return sum(matrix[match[j] - 1][j - 1] for j in range(1, m + 1) if match[j])
