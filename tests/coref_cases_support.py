"""The CoNLL-2012 reference scorer's own test cases (v8.01: test/CorefMetricTestConfig.pm, with
the exact fractions of test/TestCases.README), shared by the letter tests (test_metrics_coref)
and the file tests (test_conll2012, on tests/data/conll2012_scorer), and the reference's TC-O
files with the figures its scorer gives them (``ORIGINALS``).

Mentions are letters; a capital letter is a mention with other boundaries than its lower-case
twin (TC-A-5/6) unless the case says it is a duplicate, where it is the very same mention."""
from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "conll2012_scorer"


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


# TC-O: the reference's own files, byte for byte (test/DataFiles; TC-O.key nests chains 1 and 2 on
# one span, written "(1(2" without "|"). CorefMetricTestConfig.pm has no case for them: the
# figures are those the reference scorer v8.01 printed for each response when run on them here
# (the three responses differ only in spacing and in dropping chain 2's mention: the same figures).
TC_O = {"mentions": (1, 1, 1), "muc": (F(1, 2), F(2, 3), F(4, 7)), "bcub": (F(9, 14), F(11, 12), f1(F(9, 14), F(11, 12))),
        "ceafm": (F(6, 7), 1, F(12, 13)), "ceafe": (F(20, 21), F(20, 21), F(20, 21)),
        "blanc": ((F(4, 7) + F(11, 13)) / 2, 1, (f1(F(4, 7), 1) + f1(F(11, 13), 1)) / 2)}
ORIGINALS = [("O1", TC_O), ("O2", TC_O), ("O3", TC_O)]


def files(case: str) -> tuple[Path, Path]:
    """Key and response file of a case id: 'A3' -> TC-A.key, TC-A-3.response."""
    family, number = case[0], case[1:]
    return DATA / f"TC-{family}.key", DATA / f"TC-{family}-{number}.response"
