"""Token boundaries for snapping selections and growing spans a token at a time.

razdel is the tokeniser Russian annotators' tools use (natasha), so the boundaries match the
words a pharmacist sees: "Нурофен-форте" and "2,5" stay whole, punctuation stands alone.

Tokenising a long review still takes a while (~2.6 ms per 1,000 tokens with
``rdrs_gui.core.words``, razdel's words without razdel's objects; razdel itself ~9 ms), too slow
to run on opening a very long review, so the text is cut at whitespace (razdel never joins across
whitespace, so the cuts change nothing) into chunks that are tokenised on first use or while the
user reads (``warm``), each once.
"""
from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from ...core.words import words

CHUNK = 1500
_SPACE = re.compile(r"\s")


class Tokens:
    """Sorted, non-overlapping token ranges of one text, computed lazily chunk by chunk."""

    def __init__(self, text: str) -> None:
        self.text = text
        bounds = [0]
        while bounds[-1] < len(text):
            found = _SPACE.search(text, bounds[-1] + CHUNK)
            bounds.append(found.start() if found else len(text))
        self._bounds = bounds
        self._chunks: list[tuple[list[int], list[int]] | None] = [None] * (len(bounds) - 1)

    def warm(self) -> bool:
        """Tokenise one more chunk; False once the whole text is done."""
        for k, chunk in enumerate(self._chunks):
            if chunk is None:
                self._chunk(k)
                return k + 1 < len(self._chunks)
        return False

    def _chunk(self, k: int) -> tuple[list[int], list[int]]:
        chunk = self._chunks[k]
        if chunk is None:
            base = self._bounds[k]
            pieces = words(self.text[base:self._bounds[k + 1]])
            chunk = self._chunks[k] = ([base + s for s, _, _ in pieces], [base + e for _, e, _ in pieces])
        return chunk

    def _chunk_of(self, pos: int) -> int:
        return max(0, min(len(self._chunks) - 1, bisect_right(self._bounds, pos) - 1))

    def _after(self, pos: int, which: int) -> tuple[int, int] | None:
        """(start, end) of the first token whose start (which=0) or end (which=1) is > pos."""
        for k in range(self._chunk_of(pos), len(self._chunks)):
            chunk = self._chunk(k)
            i = bisect_right(chunk[which], pos)
            if i < len(chunk[0]):
                return chunk[0][i], chunk[1][i]
        return None

    def _before(self, pos: int, which: int) -> tuple[int, int] | None:
        """(start, end) of the last token whose start (which=0) or end (which=1) is < pos."""
        for k in range(self._chunk_of(pos), -1, -1):
            chunk = self._chunk(k)
            i = bisect_left(chunk[which], pos) - 1
            if i >= 0:
                return chunk[0][i], chunk[1][i]
        return None

    def snap(self, start: int, end: int) -> tuple[int, int] | None:
        """The smallest token-aligned range covering every token that ``[start, end)`` touches.

        A selection that only touches whitespace snaps to nothing (None): there is no word to tag.
        """
        start, end = min(start, end), max(start, end)
        if start == end:                               # a caret inside a token selects that token
            return self.token_at(start)
        first, last = self._after(start, 1), self._before(end, 0)
        if first is None or last is None or first[0] >= end:
            return None
        return first[0], last[1]

    def token_at(self, pos: int) -> tuple[int, int] | None:
        token = self._before(pos + 1, 0)
        return token if token is not None and pos < token[1] else None

    def next_end(self, pos: int) -> int | None:
        """End of the first token that ends after ``pos`` (grow an end by one token)."""
        token = self._after(pos, 1)
        return token[1] if token else None

    def prev_end(self, pos: int) -> int | None:
        """End of the last token that ends before ``pos`` (shrink an end by one token)."""
        token = self._before(pos, 1)
        return token[1] if token else None

    def next_start(self, pos: int) -> int | None:
        """Start of the first token that starts after ``pos`` (shrink a start by one token)."""
        token = self._after(pos, 0)
        return token[0] if token else None

    def prev_start(self, pos: int) -> int | None:
        """Start of the last token that starts before ``pos`` (grow a start by one token)."""
        token = self._before(pos, 0)
        return token[0] if token else None
