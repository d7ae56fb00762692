"""Finding a term as the annotator types (the one-key coder): Russian or English, by code prefix,
name prefix, word prefixes, lemmas, then fuzzy (character trigrams, Ratcliff/Obershelp), each
match with its place in the hierarchy (LLT → PT → … → SOC; ATC levels)."""
from __future__ import annotations

import heapq
import itertools
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

from ..terminology import Term
from .lemmas import lemma_key, words

FUZZY = 0.6   # least Ratcliff/Obershelp similarity of a fuzzy match


@dataclass(frozen=True)
class Match:
    term: Term
    score: float
    how: str           # "code", "prefix", "words", "lemmas", "fuzzy"


def _trigrams(text: str) -> set[str]:
    padded = f"  {text} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


class TermIndex:
    """The terms of one terminology, indexed for ``search`` and ``path`` (sorted names, words and
    codes for prefixes by bisection, lemma and trigram postings), so a keystroke over a
    MedDRA-sized terminology stays interactive."""

    def __init__(self, terms: Iterable[Term]):
        self.terms = list(terms)
        self._by_code: dict[str, list[Term]] = defaultdict(list)
        for term in self.terms:
            self._by_code[term.code].append(term)
        self._names = [" ".join(words(t.name)) for t in self.terms]
        self._sorted_names = sorted((name, i) for i, name in enumerate(self._names))
        self._sorted_codes = sorted((t.code.upper(), i) for i, t in enumerate(self.terms))
        self._sorted_words = sorted({(w, i) for i, name in enumerate(self._names) for w in name.split()})
        self._lemmas: dict[str, set[int]] = defaultdict(set)
        for i, term in enumerate(self.terms):
            for lemma in lemma_key(term.name).split():
                self._lemmas[lemma].add(i)
        self._grams: dict[str, list[int]] = defaultdict(list)
        for i, name in enumerate(self._names):
            for gram in _trigrams(name):
                self._grams[gram].append(i)

    def __contains__(self, code: str) -> bool:
        return code in self._by_code

    def term(self, code: str) -> Term | None:
        """The most general term with this code (a PT over its own LLT)."""
        found = self._by_code.get(code)
        return min(found, key=lambda t: t.level == "LLT") if found else None

    def path(self, code: str) -> list[Term]:
        """The term and its ancestors, most specific first."""
        out: list[Term] = []
        term = self.term(code)
        while term is not None and all(t.code != term.code for t in out):
            out.append(term)
            term = self.term(term.parent) if term.parent else None
        return out

    @staticmethod
    def _prefixed(table: list[tuple[str, int]], prefix: str) -> set[int]:
        found = set()
        for key, i in itertools.islice(table, bisect_left(table, (prefix, -1)), None):
            if not key.startswith(prefix):
                break
            found.add(i)
        return found

    def search(self, query: str, limit: int = 20) -> list[Match]:
        """Best matches first: code prefix 4, name prefix 3, every word a prefix of a name word 2,
        the query's lemmas all in the name 1.5, else fuzzy similarity (below 1)."""
        text = " ".join(words(query))
        if not text:
            return []
        best: dict[int, tuple[float, str]] = {}

        def offer(i: int, score: float, how: str) -> None:
            if i not in best or best[i][0] < score:
                best[i] = (score, how)
        raw = query.strip().upper()
        hits: set[int] | None = None
        for word in text.split():
            found = self._prefixed(self._sorted_words, word)
            hits = found if hits is None else hits & found
        lemmas = lemma_key(query).split()
        for i in set.intersection(*[self._lemmas.get(lemma, set()) for lemma in lemmas]) if lemmas else ():
            best[i] = (1.5, "lemmas")
        for i in hits or ():
            best[i] = (2 + len(text) / max(len(self._names[i]), 1), "words")
        for i in self._prefixed(self._sorted_names, text):
            best[i] = (3 + len(text) / max(len(self._names[i]), 1), "prefix")
        for i in self._prefixed(self._sorted_codes, raw):
            offer(i, 4 + len(raw) / max(len(self.terms[i].code), 1), "code")
        if len(best) < limit:
            grams = _trigrams(text)
            shared: Counter[int] = Counter()
            for gram in grams:
                shared.update(self._grams.get(gram, ()))
            for i, n in shared.most_common(200):
                if n < len(grams) / 3:
                    break
                if i in best:
                    continue
                matcher = SequenceMatcher(None, text, self._names[i], autojunk=False)
                if matcher.real_quick_ratio() >= FUZZY and matcher.quick_ratio() >= FUZZY:
                    ratio = matcher.ratio()
                    if ratio >= FUZZY:
                        offer(i, ratio, "fuzzy")
        top = heapq.nsmallest(limit, best, key=lambda i: (-best[i][0], self.terms[i].level == "LLT", self._names[i]))
        return [Match(self.terms[i], best[i][0], best[i][1]) for i in top]
