"""razdel's words, exactly, without razdel's per-atom objects.

razdel (natasha's tokenizer, the one the offline parser and Russian annotation tools use) cuts a
text into atoms with one regular expression, then decides at every place where two atoms touch
(no whitespace between them) whether they stay one word, by seven rules. It builds a Python
object per atom and per place and finds each word again in the text afterwards: a tenth of the
tagger's prediction time went there (29 ms of ~290 on the RuDReC test sentences; now 8 ms).
``words`` applies the same expression and the same rules to plain tuples, and gives the same
words at the same offsets (``tests/test_words.py`` compares the two on every kind of place the
rules look at, on random texts and on the corpora).

The rules (razdel 0.5, ``razdel/segmenters/tokenize.py``) only ever join, so a place joins when
any of them says so; every place with whitespace is a cut.
"""
from __future__ import annotations

import importlib

# razdel's own expression and smiley pattern: the atoms are by definition the same (the module
# itself: ``razdel.segmenters`` exports its ``tokenize`` object under the module's name)
_RAZDEL = importlib.import_module("razdel.segmenters.tokenize")
_ATOM = _RAZDEL.ATOM
_SMILE = _RAZDEL.SMILE
_PUNCT, _INT, _OTHER = _RAZDEL.PUNCT, _RAZDEL.INT, _RAZDEL.OTHER
_WORDLIKE = (_OTHER, _RAZDEL.RU, _RAZDEL.LAT)
_DASHES = _RAZDEL.DASHES
_ENDINGS = _RAZDEL.ENDINGS


def words(text: str) -> list[tuple[int, int, str]]:
    """razdel's words of ``text`` as ``(start, end, word)``, in order."""
    atoms = [(m.start(), m.end(), m.lastgroup, m.group()) for m in _ATOM.finditer(text)]
    if not atoms:
        return []
    out = []
    first = atoms[0][0]
    end = atoms[0][1]
    for i in range(1, len(atoms)):
        start = atoms[i][0]
        if start != end or not _joins(atoms, i, text, first):
            out.append((first, end, text[first:end]))
            first = start
        end = atoms[i][1]
    out.append((first, end, text[first:end]))
    return out


def _joins(atoms: list[tuple[int, int, str, str]], i: int, text: str, first: int) -> bool:
    """Whether touching atoms ``i - 1`` and ``i`` stay one word; ``first`` is where the word
    being built began (razdel's ``buffer``, which the smiley rule looks at)."""
    _, _, left_kind, left = atoms[i - 1]
    _, right_end, right_kind, right = atoms[i]
    if _around(atoms, i, left in _DASHES, right in _DASHES, _neither_punct):
        return True
    if _around(atoms, i, left == "_", right == "_", _neither_punct):
        return True
    if _around(atoms, i, left in ".,", right in ".,", _both_int):
        return True
    if _around(atoms, i, left in "/\\", right in "/\\", _both_int):
        return True
    if left_kind == _PUNCT and right_kind == _PUNCT:
        if (_SMILE.match(text[first:right_end]) or (left in _ENDINGS and right in _ENDINGS)
                or left + right in ("--", "**")):
            return True
    if (left_kind == _OTHER and right_kind in _WORDLIKE) or (left_kind in _WORDLIKE and right_kind == _OTHER):
        return True
    return left.lower() == "yahoo" and right == "!"


def _around(atoms: list[tuple[int, int, str, str]], i: int, left_is: bool, right_is: bool, rule) -> bool:
    """razdel's ``Rule2112``: where the left atom is the delimiter, the atom before it and the
    right one decide; else, where the right one is, the left one and the atom after it."""
    if left_is:
        a, b = (atoms[i - 2] if i >= 2 else None), atoms[i]
    elif right_is:
        a, b = atoms[i - 1], (atoms[i + 1] if i + 1 < len(atoms) else None)
    else:
        return False
    return a is not None and b is not None and rule(a[2], b[2])


def _neither_punct(a: str, b: str) -> bool:
    return a != _PUNCT and b != _PUNCT


def _both_int(a: str, b: str) -> bool:
    return a == _INT and b == _INT
