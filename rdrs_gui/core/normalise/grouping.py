"""Grouping mentions the paper's way (§3.3): Ratcliff/Obershelp similarity
(``difflib.SequenceMatcher.ratio``); a new mention joins the group whose *mean* similarity to it
exceeds the threshold (the most similar such group), otherwise it starts a new group; a group
is named by its most frequent mention. Mentions are compared lower-cased; the order they come
in decides ties, as in the paper's one pass."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Generic, TypeVar

THRESHOLD = 0.8

T = TypeVar("T")


@dataclass
class Group(Generic[T]):
    """Mentions judged the same concept; ``items`` carry each mention's place (document, span)."""

    texts: list[str] = field(default_factory=list)
    items: list[T] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The most frequent mention (lower-cased), the first seen among equals."""
        counts = Counter(t.lower() for t in self.texts)
        return max(counts, key=lambda t: (counts[t], -self._first(t)))

    def _first(self, text: str) -> int:
        return next(i for i, t in enumerate(self.texts) if t.lower() == text)

    @property
    def size(self) -> int:
        return len(self.texts)


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a.lower(), b.lower(), autojunk=False).ratio()


def group(mentions: Iterable[tuple[str, T]], threshold: float = THRESHOLD) -> list[Group[T]]:
    """Groups of ``(text, item)`` pairs, largest first. Identical texts are compared once: a text
    seen before joins its group at once (its similarity to itself is 1)."""
    groups: list[Group[T]] = []
    # per group: sum of similarities to each distinct lower-cased text, weighted by its count
    members: list[Counter[str]] = []
    placed: dict[str, int] = {}
    for text, item in mentions:
        key = text.lower()
        index = placed.get(key)
        if index is None:
            best, best_mean = None, threshold
            for i, counts in enumerate(members):
                total = sum(counts.values())
                # length bound first (real_quick_ratio): most groups are ruled out without matching
                bound = sum(2 * min(len(key), len(o)) / (len(key) + len(o) or 1) * n for o, n in counts.items())
                if bound / total <= best_mean:
                    continue
                # rounded: a mean of exactly the threshold (0.9, 0.8, 0.7) must not exceed it by float noise
                mean = round(sum(similarity(key, other) * n for other, n in counts.items()) / total, 9)
                if mean > best_mean:
                    best, best_mean = i, mean
            if best is None:
                groups.append(Group())
                members.append(Counter())
                best = len(groups) - 1
            index = placed[key] = best
        groups[index].texts.append(text)
        groups[index].items.append(item)
        members[index][key] += 1
    return sorted(groups, key=lambda g: -g.size)
