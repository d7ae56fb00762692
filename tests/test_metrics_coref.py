"""Coreference scorers against the CoNLL-2012 reference scorer's own test cases (v8.01,
test/TestCases.README and CorefMetricTestConfig.pm: TC-A ... TC-N) and hand-worked cases.

Mentions are letters; a capital letter is a mention with other boundaries than its lower-case
twin (TC-A-5/6) unless the case says it is a duplicate, where it is the very same mention."""
from __future__ import annotations

import itertools
import random
from fractions import Fraction as F

import pytest

from trainer import metrics
from trainer.metrics import (b_cubed, blanc, ceafe, ceafm, coref_counts, coref_scores,
                             max_weight_assignment, muc)


def part(text: str) -> list[list[str]]:
    """'{a} {bc} {def}' -> [['a'], ['b', 'c'], ['d', 'e', 'f']]; a token in <> is one mention."""
    chains = []
    for group in text.split():
        body = group.strip("{}")
        out, i = [], 0
        while i < len(body):
            if body[i] == "<":
                j = body.index(">", i)
                out.append(body[i + 1:j])
                i = j + 1
            else:
                out.append(body[i])
                i += 1
        chains.append(out)
    return chains


def f1(r, p):
    return 2 * r * p / (r + p) if r + p else 0


KEY_A = "{a} {bc} {def}"
# (case id, key, response, {metric: (recall, precision, F1)}); values from CorefMetricTestConfig.pm
# of scorer v8.01 written as the exact fractions of TestCases.README.
A4 = {"muc": (F(1, 3), F(1, 3), F(1, 3)),
      "bcub": (F(5, 9), F(17, 42), f1(F(5, 9), F(17, 42))),
      "ceafm": (F(4, 6), F(4, 7), F(8, 13)),
      "ceafe": (F(11, 15), F(11, 20), f1(F(11, 15), F(11, 20))),
      "blanc": ((F(1, 4) + F(5, 11)) / 2, (F(1, 4) + F(5, 17)) / 2,
                (F(1, 4) + f1(F(5, 11), F(5, 17))) / 2)}
CASES = [
    ("A1", KEY_A, "{a} {bc} {def}", {m: (1, 1, 1) for m in ("muc", "bcub", "ceafm", "ceafe", "blanc")}),
    ("A2", KEY_A, "{a} {de}", {
        "muc": (F(1, 3), 1, F(1, 2)), "bcub": (F(7, 18), 1, F(14, 25)),
        "ceafm": (F(1, 2), 1, F(2, 3)), "ceafe": (F(3, 5), F(9, 10), F(18, 25)),
        "blanc": ((F(1, 4) + F(2, 11)) / 2, 1, F(1, 5) + F(2, 13))}),
    ("A3", KEY_A, "{a} {bcx} {defy} {z}", {
        "muc": (1, F(3, 5), F(3, 4)), "bcub": (1, (4 + F(7, 12)) / 9, F(110, 163)),
        "ceafm": (1, F(2, 3), F(4, 5)),
        "ceafe": ((1 + F(4, 5) + F(6, 7)) / 3, (1 + F(4, 5) + F(6, 7)) / 4,
                  f1((1 + F(4, 5) + F(6, 7)) / 3, (1 + F(4, 5) + F(6, 7)) / 4)),
        "blanc": (1, (F(4, 9) + F(11, 27)) / 2, F(4, 13) + F(11, 38))}),
    ("A4", KEY_A, "{a} {bcx} {dy} {z}", A4),
    ("A5", KEY_A, "{a} {bcx<B>} {dy} {z}", {
        "muc": (F(1, 3), F(1, 4), F(2, 7)),
        "bcub": (F(10, 3) / 6, F(5, 2) / 8, f1(F(5, 9), F(5, 16))),
        "ceafm": (F(2, 3), F(1, 2), F(8, 14)),
        "ceafe": ((1 + F(4, 6) + F(2, 5)) / 3, (1 + F(4, 6) + F(2, 5)) / 4,
                  f1((1 + F(4, 6) + F(2, 5)) / 3, (1 + F(4, 6) + F(2, 5)) / 4)),
        "blanc": ((F(1, 4) + F(5, 11)) / 2, (F(1, 7) + F(5, 21)) / 2,
                  f1(F(1, 4), F(1, 7)) / 2 + f1(F(5, 11), F(5, 21)) / 2)}),
    ("A6", KEY_A, "{a} {bcx} {dy} {<B>z}", {
        "muc": (F(1, 3), F(1, 4), F(2, 7)),
        "bcub": (F(10, 3) / 6, (1 + F(4, 3) + F(1, 2)) / 8, f1(F(5, 9), F(17, 48))),
        "ceafm": (F(4, 6), F(1, 2), F(8, 14)),
        "ceafe": A4["ceafe"],
        "blanc": ((F(1, 4) + F(5, 11)) / 2, (F(1, 5) + F(5, 23)) / 2,
                  f1(F(1, 4), F(1, 5)) / 2 + f1(F(5, 11), F(5, 23)) / 2)}),
    # A7-A9: B is a *duplicate* of b, so the scorer drops it and they score as A4.
    ("A7", KEY_A, "{a} {bcxb} {dy} {z}", A4),
    ("A8", KEY_A, "{a} {bcx} {dy} {bz}", A4),
    ("A9", KEY_A, "{a} {bcx} {dy} {bbbbbbbbbbz}", A4),
    ("A10", KEY_A, "{a} {b} {c} {d} {e} {f}", {
        "muc": (0, 0, 0), "bcub": (F(1, 2), 1, F(2, 3)), "blanc": (F(1, 2), F(11, 30), F(11, 26))}),
    ("A11", KEY_A, "{abcdef}", {
        "muc": (1, F(3, 5), F(3, 4)), "bcub": (1, (F(1, 6) + F(4, 6) + F(9, 6)) / 6, F(14, 25)),
        "blanc": (F(1, 2), F(4, 30), F(4, 19))}),
    ("A12", KEY_A, "{a} {x} {y} {c} {d} {e} {z}", {
        "muc": (0, 0, 0), "bcub": (F(13, 36), F(4, 7), f1(F(13, 36), F(4, 7))),
        "blanc": (F(5, 22), F(5, 42), f1(F(5, 22), F(5, 42)))}),
    ("A13", KEY_A, "{axycdez}", {
        "muc": (F(1, 3), F(1, 6), F(2, 9)),
        "bcub": ((1 + F(1, 2) + F(4, 3)) / 6, (F(1, 7) + F(1, 7) + F(4, 7)) / 7,
                 f1(F(17, 36), F(6, 49))),
        "blanc": (F(1, 8), F(1, 42), F(1, 25))}),
    ("B1", "{ab} {cde}", "{bcx} {de}", {"blanc": ((F(1, 4) + F(1, 3)) / 2,) * 3}),
    ("C1", "{ab} {cde} {fg}", "{bcx} {de} {fg}", {"blanc": ((F(2, 5) + F(10, 16)) / 2,) * 3}),
    ("D1", "{12345} {67} {89ABC}", "{12345} {6789ABC}", {
        "muc": (1, F(9, 10), f1(1, F(9, 10))), "bcub": (1, F(16, 21), f1(1, F(16, 21)))}),
    ("E1", "{12345} {67} {89ABC}", "{1234589ABC} {67}", {
        "muc": (1, F(9, 10), f1(1, F(9, 10))), "bcub": (1, F(7, 12), f1(1, F(7, 12)))}),
    ("F1", "{ABCD}", "{AB} {CD}", {"muc": (F(2, 3), 1, F(4, 5))}),
    ("G1", "{AB} {CD}", "{ABCD}", {"muc": (1, F(2, 3), F(4, 5))}),
    ("H1", "{ABCD}", "{ABCD}", {"muc": (1, 1, 1)}),
    ("I1", "{ABCD}", "{AB} {CD}", {"muc": (F(2, 3), 1, F(4, 5))}),
    ("J1", "{ABC}", "{AC}", {"muc": (F(1, 2), 1, F(2, 3))}),
    ("K1", "{BCDEGHJ}", "{ABC} {DEF} {GHI}", {"muc": (F(1, 2), F(1, 2), F(1, 2))}),
    ("L1", "{ABC} {DEFG}", "{AB} {CD} {FGH}", {"muc": (F(2, 5), F(1, 2), f1(F(2, 5), F(1, 2)))}),
    ("M1", "{abcdef}", "{abcdef}", {m: (1, 1, 1) for m in ("muc", "bcub", "ceafm", "ceafe", "blanc")}),
    ("M2", "{abcdef}", "{a} {b} {c} {d} {e} {f}", {"muc": (0, 0, 0), "blanc": (0, 0, 0)}),
    ("M3", "{abcdef}", "{ab} {cde} {f}", {"blanc": (F(4, 15), 1, F(8, 19))}),
    ("M4", "{abcdef}", "{abcxyz}", {"blanc": (F(1, 5), F(1, 5), F(1, 5))}),
    ("M5", "{abcdef}", "{a} {b} {c} {x} {y} {z}", {"muc": (0, 0, 0), "blanc": (0, 0, 0)}),
    ("M6", "{abcdef}", "{ab} {cxy} {z}", {"blanc": (F(1, 15), F(1, 4), f1(F(1, 15), F(1, 4)))}),
    ("N1", "{a} {b} {c} {d} {e} {f}", "{a} {b} {c} {d} {e} {f}", {
        "muc": (0, 0, 0), "bcub": (1, 1, 1), "ceafm": (1, 1, 1), "ceafe": (1, 1, 1), "blanc": (1, 1, 1)}),
    ("N2", "{a} {b} {c} {d} {e} {f}", "{abcdef}", {"muc": (0, 0, 0), "blanc": (0, 0, 0)}),
    ("N3", "{a} {b} {c} {d} {e} {f}", "{ab} {cde} {f}", {"blanc": (F(11, 15), 1, F(11, 13))}),
    ("N4", "{a} {b} {c} {d} {e} {f}", "{a} {b} {c} {x} {y} {z}", {
        "muc": (0, 0, 0), "blanc": (F(1, 5), F(1, 5), F(1, 5))}),
    ("N5", "{a} {b} {c} {d} {e} {f}", "{abcxyz}", {"blanc": (0, 0, 0)}),
    ("N6", "{a} {b} {c} {d} {e} {f}", "{ab} {cxy} {z}", {
        "blanc": (F(2, 15), F(2, 11), f1(F(2, 15), F(2, 11)))}),
]
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


def test_assignment_large_sparse_is_fast():
    import time
    rng = random.Random(5)
    weights = {(i, j): rng.random() for i in range(400) for j in rng.sample(range(400), 2)}
    start = time.perf_counter()
    max_weight_assignment(weights)
    assert time.perf_counter() - start < 5
