"""Drawing the lines ``DocLayout`` placed: text, the current span's tint, the text selection,
a highlighted passage (the sentence behind the ADR score), coreference frames, and under each
line its lanes of extent bars and label chips.

Human spans: solid bar, pastel chip. Suggestions: dashed bar, white chip with a dashed border,
grey italic label with the model's score. The current span: saturated chip and tinted text.
Every chip carries its label text, so no tag relies on hue alone.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QPen

from rdrs_gui.core.document import SUGGESTED
from rdrs_gui.core.schema import Schema

from .layout import LABEL_PAD, LANE_H, MARGIN, TOP_PAD, DocLayout, Item, Line, chip_text

_CHAIN_COLOURS = ("#3b6aa0", "#8e4a9e", "#2c8a6a", "#a0522d", "#5a6f2c", "#9e3b5e")
_HIGHLIGHT_CHAIN = QColor("#e6550d")
_FOCUS = QColor(255, 190, 60, 70)   # a highlighter stroke, light enough to read spans' tints through


@dataclass
class PaintState:
    """What is selected or pointed at; the editor owns it, painting reads it."""

    current: str = ""
    hover: str = ""
    selection: tuple[int, int] | None = None
    caret: int | None = None
    focused: bool = False
    chain: str = ""          # coreference chain to highlight (from the chain panel's hover)
    focus: tuple[int, int] | None = None   # a passage to point at: the sentence that drove the ADR score


class TagStyles:
    """Colours for every label: the schema's, or a generated one for labels it lacks."""

    def __init__(self, schema: Schema) -> None:
        self._styles: dict[str, tuple[QColor, QColor, QColor]] = {}
        for tag in schema.tags:
            base = QColor(tag.color)
            pastel = QColor(base)
            pastel.setAlpha(85)
            on_base = QColor("#111111") if base.lightnessF() > 0.6 else QColor("#ffffff")
            self._styles[tag.name] = (base, pastel, on_base)
        self._fallback = (QColor("#888888"), QColor(136, 136, 136, 85), QColor("#ffffff"))

    def get(self, label: str) -> tuple[QColor, QColor, QColor]:
        return self._styles.get(label, self._fallback)


def paint_lines(p: QPainter, lay: DocLayout, first: int, last: int, state: PaintState,
                styles: TagStyles, palette: QPalette, width: float) -> None:
    p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    text_colour = palette.color(QPalette.ColorRole.Text)
    select_colour = QColor(palette.color(QPalette.ColorRole.Highlight))
    select_colour.setAlpha(90)
    for i in range(first, last + 1):
        ln = lay.lines[i]
        _paint_tints(p, lay, i, ln, state, styles, select_colour)
        _paint_marks(p, lay, i, ln, state)
        p.setPen(text_colour)
        p.setFont(lay.font)
        lay.qline(i).draw(p, QPointF(MARGIN, lay.text_top(i)))
        if state.caret is not None and state.focused and ln.start <= state.caret <= ln.end and \
                (state.caret < ln.end or i == len(lay.lines) - 1 or state.caret == len(lay.text)):
            x = lay.x(i, state.caret)
            p.fillRect(QRectF(x - 0.5, lay.text_top(i), 1.6, lay.text_height), text_colour)
        p.setFont(lay.label_font)
        for it in ln.items:
            _paint_item(p, lay, i, it, state, styles, width)


def _paint_tints(p: QPainter, lay: DocLayout, i: int, ln: Line, state: PaintState, styles: TagStyles,
                 select_colour: QColor) -> None:
    top, h = lay.text_top(i), lay.text_height
    if state.focus:
        s, e = max(state.focus[0], ln.start), min(state.focus[1], ln.end)
        if s < e:
            x0, x1 = lay.x(i, s), lay.x(i, e)
            p.fillRect(QRectF(x0, top, x1 - x0, h), _FOCUS)
    for span_id, alpha in ((state.hover, 45), (state.current, 95)):
        if not span_id or span_id not in ln.spans:
            continue
        span = lay.spans[span_id]
        colour = QColor(styles.get(min(span.labels, key=lambda lab: lay.label_order.get(lab, 99)))[0])
        colour.setAlpha(alpha)
        for s, e in ln.spans[span_id]:
            x0, x1 = lay.x(i, s), lay.x(i, e)
            p.fillRect(QRectF(x0, top, x1 - x0, h), colour)
    if state.selection:
        s, e = max(state.selection[0], ln.start), min(state.selection[1], ln.end)
        if s < e:
            x0, x1 = lay.x(i, s), lay.x(i, e)
            p.fillRect(QRectF(x0, top, x1 - x0, h), select_colour)


def _paint_marks(p: QPainter, lay: DocLayout, i: int, ln: Line, state: PaintState) -> None:
    if not ln.marks:
        return
    top, h = lay.text_top(i), lay.text_height
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    small = QFont(lay.label_font)
    small.setPixelSize(max(8, lay.label_font.pixelSize() - 1))
    p.setFont(small)
    for mark in ln.marks:
        hot = mark.chain_id == state.chain
        if hot:
            colour = _HIGHLIGHT_CHAIN
            fill = QColor(colour)
            fill.setAlpha(50)
            p.fillRect(QRectF(mark.x0, top, mark.x1 - mark.x0, h), fill)
            pen = QPen(colour, 2.0)
        elif mark.subtle:
            colour = QColor(150, 150, 150, 150)
            pen = QPen(colour, 1.0, Qt.PenStyle.DotLine)
        else:
            colour = QColor(_CHAIN_COLOURS[(mark.number - 1) % len(_CHAIN_COLOURS)])
            pen = QPen(colour, 1.0)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(QRectF(mark.x0 - 1, top - 1, mark.x1 - mark.x0 + 2, h + 2), 3, 3)
        if mark.first:
            p.setPen(colour)
            p.drawText(QRectF(mark.x1 - 20, top - TOP_PAD - 1, 21, TOP_PAD + 2),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"⟲{mark.number}")
    p.setRenderHint(QPainter.RenderHint.Antialiasing, False)


def _paint_item(p: QPainter, lay: DocLayout, i: int, it: Item, state: PaintState, styles: TagStyles,
                width: float) -> None:
    span = lay.spans[it.span_id]
    base, pastel, on_base = styles.get(it.label)
    suggested = span.status == SUGGESTED
    current = it.span_id == state.current
    y = lay.lanes_top(i) + it.lane * LANE_H
    bar_y = y + 1.5
    # Extent bar: exactly the characters the span covers.
    if suggested:
        pen = QPen(base, 3.0, Qt.PenStyle.CustomDashLine, Qt.PenCapStyle.FlatCap)
        pen.setDashPattern([1.5, 1.0])
        p.setPen(pen)
        for x0, x1 in it.frags:
            p.drawLine(QPointF(x0, bar_y), QPointF(x1, bar_y))
    else:
        for x0, x1 in it.frags:
            p.fillRect(QRectF(x0, y, x1 - x0, 3.5 if not current else 4.5), base)
    # Links between the fragments of a discontinuous span, also across lines.
    gaps = [(a[1], b[0]) for a, b in zip(it.frags, it.frags[1:])]
    if it.more_left:
        gaps.append((MARGIN - 6, it.x0))
    if it.more_right:
        gaps.append((it.x1, width - MARGIN + 6))
    if gaps:
        link = QPen(base, 1.2, Qt.PenStyle.DotLine)
        p.setPen(link)
        for a, b in gaps:
            p.drawLine(QPointF(a, bar_y), QPointF(b, bar_y))
    # Label chip.
    chip = QRectF(it.chip_x if it.chip_x >= 0 else it.x0, y + 5, it.chip_w, LANE_H - 6)
    text = chip_text(span, it.label)
    hovered = it.span_id == state.hover
    if current:
        p.fillRect(chip, base)
        p.setPen(QPen(QColor("#222222"), 1.0))
        p.drawRect(chip.adjusted(0, 0, -1, -1))
        p.setPen(on_base)
    elif suggested:
        p.fillRect(chip, QColor(255, 255, 255, 235) if not hovered else pastel)
        p.setPen(QPen(base, 1.0, Qt.PenStyle.DashLine))
        p.drawRect(chip.adjusted(0, 0, -1, -1))
        p.setPen(QColor("#555555"))
    else:
        fill = QColor(pastel)
        if hovered:
            fill.setAlpha(170)
        p.fillRect(chip, fill)
        p.setPen(QColor("#1a1a1a"))
    font = lay.label_font
    if suggested and not font.italic():
        font = QFont(font)
        font.setItalic(True)
        p.setFont(font)
    p.drawText(chip.adjusted(LABEL_PAD, 0, 0, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
    if font is not lay.label_font:
        p.setFont(lay.label_font)

