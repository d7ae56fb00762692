"""The one vocabulary class: the characters of the char-CNN, the classifier's lemmas, whatever a
model looks up by string. Ids 0 (padding) and 1 (unknown) are reserved, the known strings follow
in sorted order, and the file is JSON (``{"chars": [...]}``, ``{"lemmas": [...]}``), so bundles
written before this class existed load unchanged."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Iterable

from rdrs_gui.core.textio import atomic_write_text

PAD, UNK = 0, 1


class Vocabulary:
    """Strings seen in training; ``key`` names them in the saved file."""

    def __init__(self, items: Iterable[str], key: str) -> None:
        self.items = list(items)
        self.key = key
        self.index = {x: i + 2 for i, x in enumerate(self.items)}

    def __len__(self) -> int:
        return len(self.items) + 2

    @classmethod
    def build(cls, sequences: Iterable[Iterable[str]], min_count: int, key: str) -> "Vocabulary":
        """The strings that occur at least ``min_count`` times in ``sequences`` (words for a
        character vocabulary, units' lemma lists for a lemma vocabulary)."""
        counts = Counter(x for seq in sequences for x in seq)
        return cls(sorted(x for x, n in counts.items() if n >= min_count), key)

    def encode(self, items: Iterable[str]) -> list[int]:
        return [self.index.get(x, UNK) for x in items]

    def save(self, path: Path) -> None:
        atomic_write_text(path, json.dumps({self.key: self.items}, ensure_ascii=False))

    @classmethod
    def load(cls, path: Path, key: str) -> "Vocabulary":
        """Raises ValueError (a bundle loader turns it into a BundleError) for a file that is not one."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}: not a vocabulary file ({exc})") from None
        if not isinstance(data, dict) or not isinstance(data.get(key), list):
            raise ValueError(f"{path}: not a vocabulary of {key}")
        return cls([str(x) for x in data[key]], key)
