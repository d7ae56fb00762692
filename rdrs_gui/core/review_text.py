"""Where the review itself is in a document's text.

RDRS reviews (otzovik.com) come as one text laid out in sections, each header on a line of its
own: the review's URL, ``TITLE`` and the title, ``TEXT`` and the review body, ``RATING`` and a
number, ``NOTE`` and an optional note. Evidence for a verdict about the review (the sentence
that drove the ADR score) is a sentence of the body, never a header such as "TEXT". A text
without that layout is all body.
"""
from __future__ import annotations

import re

BODY_HEADER = "TEXT"
SECTION_HEADERS = ("TITLE", "TEXT", "RATING", "NOTE")
_HEADER_LINE = re.compile(r"^(%s)[ \t]*\r?$" % "|".join(SECTION_HEADERS), re.MULTILINE)


def review_body(text: str) -> tuple[int, int]:
    """``[start, end)`` of the review body: from after the ``TEXT`` line to the next section
    header (or the end), surrounding whitespace left out; the whole text without a ``TEXT`` line."""
    headers = list(_HEADER_LINE.finditer(text))
    body = next((m for m in headers if m.group(1) == BODY_HEADER), None)
    if body is None:
        return _strip(text, 0, len(text))
    start = body.end()
    end = next((m.start() for m in headers if m.start() > start), len(text))
    return _strip(text, start, end)


def in_body(text: str, start: int, end: int) -> bool:
    """Whether ``[start, end)`` is a non-empty range inside the review body."""
    first, last = review_body(text)
    return first <= start < end <= last


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
