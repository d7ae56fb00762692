"""The key a mention is matched by: lower case, ``ё`` as ``е``, each word's lemma (pymorphy3 for
Russian; other scripts pass through unchanged), function words (prepositions, conjunctions,
particles, pronouns) dropped unless nothing else is left."""
from __future__ import annotations

import re
from functools import lru_cache

WORD = re.compile(r"[^\W_]+", re.UNICODE)
_FUNCTION_WORDS = {"PREP", "CONJ", "PRCL", "NPRO", "INTJ"}


@lru_cache(maxsize=1)
def _morph():  # noqa: ANN202 - pymorphy3.MorphAnalyzer, loaded once (about a second)
    import pymorphy3
    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=200_000)
def _lemma(word: str) -> tuple[str, bool]:
    """(lemma, is a function word) of a lower-cased word."""
    if not any("а" <= ch <= "я" for ch in word):
        return word, False
    parse = _morph().parse(word)[0]
    return parse.normal_form.replace("ё", "е"), parse.tag.POS in _FUNCTION_WORDS


def words(text: str) -> list[str]:
    return WORD.findall(text.lower().replace("ё", "е"))


def lemma_key(text: str) -> str:
    """The mention's content lemmas joined by spaces ("болела голова" → "болеть голова")."""
    lemmas = [_lemma(w) for w in words(text)]
    content = [lemma for lemma, function in lemmas if not function]
    return " ".join(content or [lemma for lemma, _ in lemmas])
