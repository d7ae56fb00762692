"""Where everything in the span editor goes: wrapped text lines, and under each line its span
labels stacked in lanes (one lane per overlap depth), so overlapping and stacked tags stay
readable.

The text is laid out once per width by one QTextLayout (C++ shaping and wrapping); spans are
indexed by line, so an edit re-places only the lines its span touches and painting walks only
the lines in the exposed rectangle. Nothing here loops over all spans after the first build.

Lanes are placed top-down on demand (``place_through``): opening a long review places only the
lines the first screen shows; the widget places the rest while the user reads. Lines not yet
placed carry an estimated height, so the scroll bar exists from the start.
"""
from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from itertools import accumulate

from PySide6.QtCore import QPointF
from PySide6.QtGui import QFont, QFontMetricsF, QTextLayout, QTextLine, QTextOption

from rdrs_gui.core.document import SUGGESTED, Chain, Span

MARGIN = 14.0        # left and right page margin
TOP_PAD = 8.0        # room above a line for chain numbers
LANE_H = 17.0        # one lane: a 3 px extent bar and a label chip
LINE_GAP = 5.0
LABEL_PAD = 3.0      # inside a chip, each side
CHIP_GAP = 4.0       # between chips in one lane
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


@dataclass
class Item:
    """One label of one span on one line: its extent bar, fragments and label chip."""

    span_id: str
    label: str
    lane: int
    frags: list[tuple[float, float]]       # x ranges of the span's fragments on this line
    chip_w: float
    order: int                              # label position within the span (stacked tags)
    more_left: bool = False                 # a discontinuous span has fragments on earlier lines
    more_right: bool = False
    chip_x: float = -1.0                    # where the chip starts: under the span, or pulled left
                                            # so a span at the line's end keeps its whole label

    @property
    def x0(self) -> float:
        return self.frags[0][0]

    @property
    def x1(self) -> float:
        return self.frags[-1][1]

    @property
    def left(self) -> float:
        return min(self.x0, self.chip_x) if self.chip_x >= 0 else self.x0

    @property
    def right(self) -> float:
        """Rightmost pixel the item occupies (the chip may be wider than a short span)."""
        return max(self.x1, (self.chip_x if self.chip_x >= 0 else self.x0) + self.chip_w)


@dataclass
class Mark:
    """A coreference mention on one line."""

    chain_id: str
    number: int
    x0: float
    x1: float
    first: bool   # the mention's first line: the chain number is drawn there
    subtle: bool  # not a coreference chain (RDRS "Context" chains link almost every entity)


@dataclass
class Line:
    start: int
    end: int
    top: float = 0.0
    height: float = 0.0
    lanes: int = 0
    items: list[Item] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    spans: dict[str, list[tuple[int, int]]] = field(default_factory=dict)  # span id -> clipped fragments


def chain_key(chain: Chain) -> tuple:
    """Chains are numbered (and coloured) in the order they were made: ids count up ("C7" <
    "C12"), so a new chain takes the next number and no other chain's number or colour changes."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.findall(r"\d+|\D+", chain.id))


def chip_text(span: Span, label: str) -> str:
    """A chip says the label, and a suggestion's score, so a tag never relies on hue alone."""
    if span.status == SUGGESTED and span.score is not None:
        return f"{label} {span.score:.2f}"
    return label


class DocLayout:
    """Text lines and span lanes of one document at one width."""

    def __init__(self, text: str, font: QFont, label_font: QFont, width: float,
                 label_order: dict[str, int]) -> None:
        self.text = text
        self.font = font
        self.label_font = label_font
        self.label_metrics = QFontMetricsF(label_font)
        italic = QFont(label_font)
        italic.setItalic(True)
        self._italic_metrics = QFontMetricsF(italic)   # suggestions' chips are drawn in italics
        self.label_order = label_order
        self.width = width
        self._chip_widths: dict[str, float] = {}
        self.spans: dict[str, Span] = {}
        self.span_lines: dict[str, list[int]] = {}
        self.chains: dict[str, Chain] = {}
        self.chain_numbers: dict[str, int] = {}
        # Qt counts UTF-16 units, the document counts code points: they differ after an emoji.
        self._astral = [m.start() for m in _ASTRAL.finditer(text)]
        self._astral16 = [i + k for k, i in enumerate(self._astral)]
        self._qt = QTextLayout(_displayable(text), font)
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self._qt.setTextOption(option)
        self._qt.setCacheEnabled(True)
        self.lines: list[Line] = []
        self._qt.beginLayout()
        while True:
            qline = self._qt.createLine()
            if not qline.isValid():
                break
            qline.setLineWidth(max(40.0, width - 2 * MARGIN))
            qline.setPosition(QPointF(0.0, 0.0))   # lines are drawn at their own tops
            self.lines.append(Line(self._from16(qline.textStart()),
                                   self._from16(qline.textStart() + qline.textLength())))
        self._qt.endLayout()
        if not self.lines:
            self.lines.append(Line(0, 0))
        self.starts = [ln.start for ln in self.lines]
        self.text_height = self._qt.lineAt(0).height() if self._qt.lineCount() else QFontMetricsF(font).height()
        self.tops: list[float] = []
        self.total_height = 0.0
        self.placed = 0        # lines [0, placed) have their lanes; the rest an estimated height

    # -- building and updating -------------------------------------------------------------------
    def set_spans(self, spans: list[Span]) -> None:
        for span in spans:
            self._index_span(span)
        base = TOP_PAD + self.text_height + LINE_GAP
        for ln in self.lines:
            ln.height = base + min(len(ln.spans), 2) * LANE_H
        self._restack()

    def place_through(self, last: int) -> bool:
        """Place the lanes of every line up to ``last``; True if any line got placed."""
        last = min(last, len(self.lines) - 1)
        if self.placed > last:
            return False
        while self.placed <= last:
            self._place(self.placed)
            self.placed += 1
        self._restack()
        return True

    def place_until(self, y: float) -> bool:
        """Place lines until the placed ones reach ``y`` (the bottom of what is about to be shown)."""
        grew = False
        while self.placed < len(self.lines) and self._placed_bottom() <= y:
            grew |= self.place_through(min(len(self.lines) - 1, self.line_at_y(y) + 1))
        return grew

    def place_all(self) -> None:
        self.place_through(len(self.lines) - 1)

    def _placed_bottom(self) -> float:
        return self.tops[self.placed] if self.placed < len(self.lines) else self.total_height

    def update_spans(self, changed: dict[str, Span | None]) -> tuple[set[int], bool]:
        """Re-place the spans in ``changed`` (None = gone); returns the lines touched and whether
        any line changed height (then everything below moves)."""
        touched: set[int] = set()
        for span_id, span in changed.items():
            for i in self.span_lines.pop(span_id, []):
                self.lines[i].spans.pop(span_id, None)
                touched.add(i)
            self.spans.pop(span_id, None)
            if span is not None:
                touched.update(self._index_span(span))
        moved = False
        for i in touched:
            if i >= self.placed:        # placed later, with everything it holds then
                continue
            before = self.lines[i].height
            self._place(i)
            moved |= self.lines[i].height != before
        if moved:
            self._restack()
        return touched, moved

    def set_chains(self, chains: list[Chain]) -> set[int]:
        """Index coreference mentions (few per document, so chains are re-indexed whole)."""
        touched = {i for i, ln in enumerate(self.lines) if ln.marks}
        for i in touched:
            self.lines[i].marks = []
        self.chains = {c.id: c for c in chains}
        ordered = sorted(chains, key=chain_key)
        self.chain_numbers = {c.id: n for n, c in enumerate(ordered, 1)}
        for chain in ordered:
            for mention in chain.mentions:
                first = True
                for s, e in mention.fragments:
                    for i in self._lines_for(s, e):
                        ln = self.lines[i]
                        a, b = max(s, ln.start), min(e, ln.end)
                        ln.marks.append(Mark(chain.id, self.chain_numbers[chain.id], self.x(i, a), self.x(i, b), first,
                                             chain.label != "Coreference"))
                        first = False
                        touched.add(i)
        return touched

    def _index_span(self, span: Span) -> list[int]:
        self.spans[span.id] = span
        lines: list[int] = []
        for s, e in span.fragments:
            for i in self._lines_for(s, e):
                ln = self.lines[i]
                ln.spans.setdefault(span.id, []).append((max(s, ln.start), min(e, ln.end)))
                if not lines or lines[-1] != i:
                    lines.append(i)
        self.span_lines[span.id] = lines
        return lines

    def _lines_for(self, start: int, end: int) -> range:
        first = max(0, bisect_right(self.starts, start) - 1)
        last = max(first, bisect_left(self.starts, end) - 1)
        return range(first, last + 1)

    def _chip_width(self, text: str) -> float:
        width = self._chip_widths.get(text)
        if width is None:
            # Wide enough for either style, plus a pixel of slack: a chip never clips its label.
            advance = max(self.label_metrics.horizontalAdvance(text), self._italic_metrics.horizontalAdvance(text))
            width = self._chip_widths[text] = math.ceil(advance) + 2 * LABEL_PAD + 1
        return width

    def _place(self, i: int) -> None:
        """Build this line's items and stack them: shorter spans nearest the text, so nested
        spans read like brackets; a lane per overlap depth."""
        ln = self.lines[i]
        qline = self._qt.lineAt(i)
        items: list[Item] = []
        to16, cursor_x = self._to16, qline.cursorToX
        for span_id, frags in ln.spans.items():
            span = self.spans[span_id]
            xs = [(MARGIN + cursor_x(to16(s))[0], MARGIN + cursor_x(to16(e))[0]) for s, e in frags]
            lines = self.span_lines[span_id]
            more_left = span.is_discontinuous and lines[0] < i
            more_right = span.is_discontinuous and lines[-1] > i
            labels = span.labels if len(span.labels) == 1 else \
                sorted(span.labels, key=lambda lab: (self.label_order.get(lab, 99), lab))
            for order, label in enumerate(labels):
                items.append(Item(span_id, label, 0, xs, self._chip_width(chip_text(span, label)), order,
                                  more_left, more_right))
        for it in items:
            it.chip_x = max(0.0, min(it.x0, self.width - it.chip_w - 1))
        items.sort(key=lambda it: (it.x1 - it.x0, it.x0, it.span_id, it.order))
        lanes: list[list[tuple[float, float]]] = []
        for it in items:
            left = MARGIN if it.more_left else it.left
            right = self.width - MARGIN if it.more_right else it.right
            for lane_no, taken in enumerate(lanes):
                if all(right + CHIP_GAP <= a or left >= b + CHIP_GAP for a, b in taken):
                    it.lane = lane_no
                    taken.append((left, right))
                    break
            else:
                it.lane = len(lanes)
                lanes.append([(left, right)])
        ln.items = items
        ln.lanes = len(lanes)
        ln.height = TOP_PAD + self.text_height + ln.lanes * LANE_H + LINE_GAP

    def _restack(self) -> None:
        self.tops = [0.0] + list(accumulate(ln.height for ln in self.lines))
        for ln, top in zip(self.lines, self.tops):
            ln.top = top
        self.total_height = self.tops[-1]

    # -- geometry --------------------------------------------------------------------------------
    def qline(self, i: int) -> QTextLine:
        return self._qt.lineAt(i)

    def _to16(self, pos: int) -> int:
        return pos + bisect_left(self._astral, pos) if self._astral else pos

    def _from16(self, unit: int) -> int:
        return unit - bisect_left(self._astral16, unit) if self._astral16 else unit

    def x(self, i: int, pos: int) -> float:
        return MARGIN + self._qt.lineAt(i).cursorToX(self._to16(pos))[0]

    def line_of(self, pos: int) -> int:
        return max(0, min(len(self.lines) - 1, bisect_right(self.starts, pos) - 1))

    def line_at_y(self, y: float) -> int:
        return max(0, min(len(self.lines) - 1, bisect_right(self.tops, y) - 1))

    def lines_in(self, y0: float, y1: float) -> range:
        return range(self.line_at_y(y0), self.line_at_y(y1) + 1)

    def text_top(self, i: int) -> float:
        return self.lines[i].top + TOP_PAD

    def lanes_top(self, i: int) -> float:
        return self.lines[i].top + TOP_PAD + self.text_height

    def cursor_at(self, x: float, y: float) -> int:
        """Nearest character boundary to a point (for selecting by dragging)."""
        i = self.line_at_y(y)
        pos = self._from16(self._qt.lineAt(i).xToCursor(x - MARGIN))
        return min(max(pos, self.lines[i].start), self.lines[i].end)

    def char_at(self, x: float, y: float) -> int | None:
        """The character under a point, or None when the point is off the text."""
        i = self.line_at_y(y)
        ln = self.lines[i]
        if not (ln.top + TOP_PAD <= y < ln.top + TOP_PAD + self.text_height):
            return None
        pos = self._from16(self._qt.lineAt(i).xToCursor(x - MARGIN, QTextLine.CursorPosition.CursorOnCharacter))
        if pos >= ln.end or not (self.x(i, pos) <= x <= self.x(i, pos + 1) + 0.5):
            return None
        return pos

    def item_at(self, x: float, y: float) -> Item | None:
        """The label chip or extent bar under a point."""
        i = self.line_at_y(y)
        lane = int((y - self.lanes_top(i)) // LANE_H)
        if lane < 0:
            return None
        return next((it for it in self.lines[i].items if it.lane == lane and it.left - 1 <= x <= it.right + 1), None)

    def span_rect_y(self, span_id: str) -> tuple[float, float] | None:
        lines = self.span_lines.get(span_id)
        if not lines:
            return None
        self.place_through(lines[-1])
        last = self.lines[lines[-1]]
        return self.lines[lines[0]].top, last.top + last.height

    def range_rect_y(self, start: int, end: int) -> tuple[float, float]:
        """Top and bottom of the lines holding characters ``[start, end)``."""
        first, last = self.line_of(start), self.line_of(max(start, end - 1))
        self.place_through(last)
        return self.lines[first].top, self.lines[last].top + self.lines[last].height

    def spans_at(self, pos: int) -> list[str]:
        """Spans covering a character, shortest first."""
        ln = self.lines[self.line_of(pos)]
        hits = [sid for sid, frags in ln.spans.items() if any(s <= pos < e for s, e in frags)]
        return sorted(hits, key=lambda sid: (self.spans[sid].end - self.spans[sid].start, sid))


def _displayable(text: str) -> str:
    """Same length as ``text`` (offsets stay code points), with breaks QTextLayout honours."""
    return text.replace("\r\n", "\u200b\u2028").replace("\n", "\u2028").replace("\r", "\u2028")
