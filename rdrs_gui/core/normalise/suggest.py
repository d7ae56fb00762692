"""Code suggestions for a mention, learnt from mentions already coded (and terminology names).

Two stages, both learnt from the examples given, nothing tuned to one corpus:
1. exact match of the lemma key (``lemmas.lemma_key``: case, ``ё``, lemmas, function words; word
   order kept: matching in any order measured 0.3 points lower on MedNorm): the codes that key
   was given, most frequent first;
2. a linear classifier (one-vs-rest linear SVM) over TF-IDF character 2–4-grams (word-bounded)
   and word lemmas of the key, which generalises to unseen wordings and other languages.
Measured on RDRS MedNorm (benchmarks/normalise.py) against exact match + nearest TF-IDF neighbour.

Scores are in [0, 1]: an exact match scores 0.9 + 0.1 × its share among the key's codes, a
terminology name matched exactly 0.9 (0.89 after coded mentions), the classifier's margin is
squashed below 0.9, so exact matches rank first.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .lemmas import lemma_key

TOP = 5


@dataclass(frozen=True)
class Suggestion:
    code: str
    score: float


class CodeSuggester:
    """Fit on ``(mention, code)`` pairs, then ``suggest`` the top codes for any mentions."""

    def __init__(self, key: Callable[[str], str] = lemma_key, c: float = 0.5):
        self.key = key
        self.c = c
        self._exact: dict[str, Counter[str]] = {}
        self._codes: list[str] = []
        self._vectorizers: list = []
        self._model = None
        self._names: dict[str, str] = {}

    def fit(self, examples: Iterable[tuple[str, str]], names: Iterable[tuple[str, str]] = ()) -> CodeSuggester:
        """Learn from coded ``(mention, code)`` examples; terminology ``(name, code)`` pairs are
        matched exactly by their lemma key (a mention that is a term's name gets its code)."""
        from scipy.sparse import hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        keys, codes = [], []
        exact: dict[str, Counter[str]] = defaultdict(Counter)
        for text, code in examples:
            key = self.key(text)
            if not key or not code:
                continue
            keys.append(key)
            codes.append(code)
            exact[key][code] += 1
        self._exact = dict(exact)
        self._names: dict[str, str] = {}
        for name, code in names:
            self._names.setdefault(self.key(name), code)
        self._codes = sorted(set(codes))
        self._model = None
        if len(self._codes) >= 2:
            self._vectorizers = [TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True),
                                 TfidfVectorizer(analyzer="word", token_pattern=r"\w+", sublinear_tf=True)]
            features = hstack([v.fit_transform(keys) for v in self._vectorizers]).tocsr()
            self._model = LinearSVC(C=self.c).fit(features, codes)
        return self

    @property
    def codes(self) -> list[str]:
        """Every code learnt."""
        return list(self._codes)

    def suggest(self, texts: Sequence[str], top: int = TOP) -> list[list[Suggestion]]:
        """For each text, up to ``top`` codes with scores, best first."""
        keys = [self.key(t) for t in texts]
        margins = self._margins(keys)
        out = []
        for i, key in enumerate(keys):
            ranked: dict[str, float] = {}
            counts = self._exact.get(key)
            if counts:
                total = sum(counts.values())
                for code, n in counts.most_common(top):
                    ranked[code] = 0.9 + 0.1 * n / total
            named = self._names.get(key)
            if named is not None and named not in ranked and len(ranked) < top:
                ranked[named] = 0.9 if not ranked else 0.89
            if margins is not None and len(ranked) < top:
                row = margins[i]
                best = np.argpartition(-row, min(top, len(row) - 1))[:top + len(ranked)]
                for j in sorted(best, key=lambda j: -row[j]):
                    code = self._model.classes_[j]
                    if code not in ranked and len(ranked) < top:
                        ranked[code] = 0.9 / (1.0 + float(np.exp(-2.0 * row[j])))
            elif margins is None and len(self._codes) == 1 and not ranked:
                ranked[self._codes[0]] = 0.5
            out.append([Suggestion(code, round(score, 4)) for code, score in ranked.items()])
        return out

    def _margins(self, keys: list[str]) -> np.ndarray | None:
        if self._model is None or not keys:
            return None
        from scipy.sparse import hstack
        features = hstack([v.transform(keys) for v in self._vectorizers]).tocsr()
        margins = self._model.decision_function(features)
        if margins.ndim == 1:   # two classes: one margin for the second
            margins = np.stack([-margins, margins], axis=1)
        return margins


def accuracy(suggester: CodeSuggester, test: Sequence[tuple[str, str]], top: int = TOP) -> dict:
    """``{"acc1", "acc5", "n"}`` of the suggester's ranking on coded ``(mention, code)`` pairs."""
    if not test:
        return {"acc1": 0.0, "acc5": 0.0, "n": 0}
    ranked = suggester.suggest([text for text, _ in test], top)
    hits1 = sum(bool(r) and r[0].code == code for r, (_, code) in zip(ranked, test))
    hits5 = sum(code in {s.code for s in r} for r, (_, code) in zip(ranked, test))
    return {"acc1": hits1 / len(test), "acc5": hits5 / len(test), "n": len(test)}
