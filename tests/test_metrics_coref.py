"""Coreference scorers against the CoNLL-2012 reference scorer's own test cases (v8.01,
written as letters in coref_cases_support) and hand-worked cases."""
from __future__ import annotations

import itertools
import random

import pytest

from coref_cases_support import CASES, KEY_A, f1, part
from trainer import metrics
from trainer.metrics import (b_cubed, blanc, ceafe, ceafm, coref_counts, coref_scores,
                             max_weight_assignment, muc)


SCORERS = {"muc": muc, "bcub": b_cubed, "ceafm": ceafm, "ceafe": ceafe, "blanc": blanc}


@pytest.mark.parametrize("case,key,response,expected", CASES, ids=[c[0] for c in CASES])
def test_reference_scorer_cases(case, key, response, expected):
    for name, want in expected.items():
        got = SCORERS[name](part(key), part(response))
        # far tighter than the 3 decimals the reference README prints
        assert got == pytest.approx([float(x) for x in want], abs=1e-9), (case, name)


def test_number_of_reference_cases():
    assert len(CASES) == 36  # every test case of v8.01's test configuration


def test_mention_boundaries_not_overlap_decide_identity():
    # TC-A-5 with B written as a distinct mention: precision counts it as a wrong mention.
    assert ceafm(part(KEY_A), part("{a} {bcx<B>} {dy} {z}"))[1] == pytest.approx(0.5)
    assert ceafm(part(KEY_A), part("{a} {bcxb} {dy} {z}"))[1] == pytest.approx(4 / 7)


def test_twinless_response_duplicates_are_kept_like_v801():
    # x is not in the key and occurs twice: v8.01 keeps both occurrences (only key mentions
    # are de-duplicated), so B³ precision has 5 response mentions, not 4.
    key, response = [["a", "b"]], [["a", "b", "x"], ["x"]]
    counts = coref_counts(key, response)
    assert counts["bcub"][3] == 4  # a, b, x, x
    assert counts["mentions"] == (2, 2, 2, 3)


def test_hand_worked_document():
    # key: {a b c} {d e}; response: {a b} {c d x} {e}
    key, response = part("{abc} {de}"), part("{ab} {cdx} {e}")
    # MUC: key links 2 + 1 = 3; correct: (a,b) = 1; response links 1 + 2 + 0 = 3
    assert muc(key, response) == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    # B³ recall: a 2/3, b 2/3, c 1/3, d 1/2, e 1/2 -> 8/3 / 5; precision: a 1, b 1, c 1/3,
    # d 1/3, x 0, e 1 -> 11/3 / 6
    r, p, _ = b_cubed(key, response)
    assert (r, p) == pytest.approx((8 / 15, 11 / 18))
    # CEAF-e: best alignment {abc}-{ab} (2*2/5) + {de}-{e} (2/3) vs {abc}-{cdx} ...
    r, p, _ = ceafe(key, response)
    assert r == pytest.approx((4 / 5 + 2 / 3) / 2) and p == pytest.approx((4 / 5 + 2 / 3) / 3)
    # CEAF-m: {abc}-{ab} 2 + {de}-{e} 1 = 3 (or {abc}-{ab} 2 + {de}-{cdx} 1)
    assert ceafm(key, response) == pytest.approx((3 / 5, 3 / 6, f1(3 / 5, 3 / 6)))


def test_corpus_score_sums_counts_over_documents():
    docs = [(part(KEY_A), part("{a} {de}")), (part("{ABCD}"), part("{AB} {CD}"))]
    scores = coref_scores(docs)
    # MUC: (1 + 2) / (3 + 3) recall, (1 + 2) / (1 + 2) precision
    assert scores["muc"] == pytest.approx((0.5, 1.0, 2 / 3))
    assert scores["avg_f1"] == pytest.approx(
        (scores["muc"][2] + scores["bcub"][2] + scores["ceafe"][2]) / 3)
    assert scores["documents"] == 2
    empty = coref_scores([])
    assert empty["muc"] == (0, 0, 0) and empty["blanc"] == (0, 0, 0)


def test_empty_response_and_empty_key():
    assert muc(part(KEY_A), []) == (0, 0, 0)
    assert b_cubed(part(KEY_A), []) == (0, 0, 0)
    assert ceafe([], part("{ab}")) == (0, 0, 0)


def _random_partition(rng: random.Random, mentions: list[str]) -> list[list[str]]:
    chains: dict[int, list[str]] = {}
    for m in mentions:
        chains.setdefault(rng.randrange(max(1, len(mentions) // 2)), []).append(m)
    return list(chains.values())


def test_blanc_counting_shortcut_equals_link_sets():
    rng = random.Random(7)
    for _ in range(300):
        universe = [f"m{i}" for i in range(rng.randint(1, 14))]
        key = _random_partition(rng, rng.sample(universe, rng.randint(0, len(universe))))
        resp = _random_partition(rng, rng.sample(universe, rng.randint(0, len(universe))))
        a = metrics._Aligned(key, resp)
        assert metrics._blanc_counts(a) == metrics._blanc_counts_by_sets(a)


def test_identical_partitions_score_one():
    rng = random.Random(3)
    for _ in range(50):
        key = _random_partition(rng, [f"m{i}" for i in range(rng.randint(2, 20))])
        if all(len(c) == 1 for c in key):
            key.append(["x", "y"])
        for scorer in (muc, b_cubed, ceafm, ceafe, blanc):
            assert scorer(key, key) == pytest.approx((1, 1, 1))


def test_assignment_matches_brute_force():
    rng = random.Random(11)
    for _ in range(200):
        n, m = rng.randint(1, 6), rng.randint(1, 6)
        weights = {(i, j): rng.choice([0, 0, rng.random(), rng.randint(1, 3)])
                   for i in range(n) for j in range(m)}
        best = 0.0
        if n <= m:
            for cols in itertools.permutations(range(m), n):
                best = max(best, sum(weights[i, c] for i, c in enumerate(cols)))
        else:
            for rows in itertools.permutations(range(n), m):
                best = max(best, sum(weights[r, j] for j, r in enumerate(rows)))
        assert max_weight_assignment(weights) == pytest.approx(best)
