"""Finding a term as the annotator types (the one-key coder): Russian or English, by code prefix,
name prefix, word prefixes, lemmas, then fuzzy (character trigrams, Ratcliff/Obershelp), each
match with its place in the hierarchy (LLT → PT → … → SOC; ATC levels)."""
from __future__ import annotations

from collections import defaultdict
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
    """The terms of one terminology, indexed for ``search`` and ``path``."""

    def __init__(self, terms: Iterable[Term]):
        self.terms = list(terms)
        self._by_code: dict[str, list[Term]] = defaultdict(list)
        for term in self.terms:
            self._by_code[term.code].append(term)
        self._names = [" ".join(words(t.name)) for t in self.terms]
        self._lemmas = [set(lemma_key(t.name).split()) for t in self.terms]
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

    def search(self, query: str, limit: int = 20) -> list[Match]:
        """Best matches first: code prefix 4, name prefix 3, every word a prefix of a name word 2,
        the query's lemmas all in the name 1.5, else fuzzy similarity (below 1)."""
        text = " ".join(words(query))
        if not text:
            return []
        best: dict[int, Match] = {}

        def offer(i: int, score: float, how: str) -> None:
            if i not in best or best[i].score < score:
                best[i] = Match(self.terms[i], score, how)
        raw = query.strip().upper()
        query_words = text.split()
        query_lemmas = set(lemma_key(query).split())
        for i, (term, name) in enumerate(zip(self.terms, self._names)):
            if term.code.upper().startswith(raw):
                offer(i, 4 + len(raw) / max(len(term.code), 1), "code")
            elif name.startswith(text):
                offer(i, 3 + len(text) / max(len(name), 1), "prefix")
            else:
                name_words = name.split()
                if all(any(w.startswith(q) for w in name_words) for q in query_words):
                    offer(i, 2 + len(text) / max(len(name), 1), "words")
                elif query_lemmas and query_lemmas <= self._lemmas[i]:
                    offer(i, 1.5, "lemmas")
        if len(best) < limit:
            grams = _trigrams(text)
            shared: dict[int, int] = defaultdict(int)
            for gram in grams:
                for i in self._grams.get(gram, ()):
                    shared[i] += 1
            candidates = sorted((i for i, n in shared.items() if n >= len(grams) / 3 and i not in best),
                                key=lambda i: -shared[i])[:500]
            for i in candidates:
                ratio = SequenceMatcher(None, text, self._names[i], autojunk=False).ratio()
                if ratio >= FUZZY:
                    offer(i, ratio, "fuzzy")
        ranked = sorted(best.values(), key=lambda m: (-m.score, m.term.level == "LLT", m.term.name))
        return ranked[:limit]
