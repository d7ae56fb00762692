"""A small line chart drawn with QPainter (PySide6-Essentials has no QtCharts): the live
training curve (loss and dev F1 by epoch) and the learning curve of the model registry (F1
against the number of training documents).

Each series has a colour *and* a dash pattern and marker shape, with a text legend, so no
series is told apart by hue alone. Series on the right axis share a fixed 0–1 range (F1);
the left axis fits its data (loss) on round numbers, and whole-number x values (epochs, document
counts) get whole-number ticks.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 48, 44, 22, 30


@dataclass
class Series:
    name: str
    color: str
    points: list[tuple[float, float]] = field(default_factory=list)
    right_axis: bool = False      # fixed 0..1 range on the right (F1); else the left axis fits the data
    dash: Qt.PenStyle = Qt.PenStyle.SolidLine
    marker: str = ""              # "", "circle" or "square"
    labels: list[str] = field(default_factory=list)   # optional text per point, in the order of points


class CurveWidget(QWidget):
    def __init__(self, x_title: str, left_title: str = "", right_title: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.x_title, self.left_title, self.right_title = x_title, left_title, right_title
        self.series: list[Series] = []
        self.empty_text = self.tr("No data yet")
        self.setMinimumHeight(150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(420, 220)

    def set_series(self, series: list[Series]) -> None:
        self.series = series
        self.update()

    def _ranges(self) -> tuple[list[float], list[float]]:
        """Tick values of the x axis and of the left axis, first and last being the axis ends."""
        xs = [x for s in self.series for x, _ in s.points]
        ys = [y for s in self.series if not s.right_axis for _, y in s.points]
        return axis_ticks(xs, whole=all(float(x).is_integer() for x in xs)), axis_ticks(ys + [0.0])

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        p.fillRect(self.rect(), pal.base())
        plot = QRectF(MARGIN_LEFT, MARGIN_TOP, max(10, self.width() - MARGIN_LEFT - MARGIN_RIGHT),
                      max(10, self.height() - MARGIN_TOP - MARGIN_BOTTOM))
        text = pal.text().color()
        grid = QColor(text)
        grid.setAlpha(40)
        p.setPen(QPen(grid, 1))
        for i in range(5):
            y = plot.top() + plot.height() * i / 4
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        p.setPen(QPen(text, 1))
        p.drawRect(plot)
        if not any(s.points for s in self.series):
            p.drawText(plot, Qt.AlignmentFlag.AlignCenter, self.empty_text)
            p.end()
            return
        x_ticks, y_ticks = self._ranges()
        x0, x1, y0, y1 = x_ticks[0], x_ticks[-1], y_ticks[0], y_ticks[-1]

        def at(x: float, y: float, right: bool) -> QPointF:
            lo, hi = (0.0, 1.0) if right else (y0, y1)
            return QPointF(plot.left() + (x - x0) / (x1 - x0) * plot.width(),
                           plot.bottom() - (y - lo) / (hi - lo) * plot.height())

        small = p.font()
        small.setPointSizeF(max(6.0, small.pointSizeF() * 0.85))
        p.setFont(small)
        fm = p.fontMetrics()
        if any(not s.right_axis for s in self.series):
            for value in y_ticks:
                y = at(x0, value, False).y()
                p.drawText(QRectF(0, y - 8, MARGIN_LEFT - 4, 16), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                           _fmt(value))
        if any(s.right_axis for s in self.series):
            for i in range(5):
                y = plot.bottom() - i / 4 * plot.height()
                p.drawText(QRectF(plot.right() + 4, y - 8, MARGIN_RIGHT - 4, 16),
                           Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f"{i / 4:.2f}")
        for value in x_ticks:
            px = at(value, y0, False).x()
            p.drawText(QRectF(px - 30, plot.bottom() + 2, 60, 14), Qt.AlignmentFlag.AlignCenter, _fmt(value))
        p.drawText(QRectF(plot.left(), plot.bottom() + 14, plot.width(), 16), Qt.AlignmentFlag.AlignCenter, self.x_title)

        legend_x = plot.left() + 6
        for s in self.series:
            pen = QPen(QColor(s.color), 2, s.dash)
            p.setPen(pen)
            shown = plotted_points(s)
            pts = [at(x, y, s.right_axis) for x, y, _ in shown]
            if len(pts) > 1:
                path = QPainterPath(pts[0])
                for q in pts[1:]:
                    path.lineTo(q)
                p.drawPath(path)
            p.setPen(QPen(QColor(s.color), 1.5))
            for q, (_, _, label) in zip(pts, shown):
                if s.marker == "square":
                    p.drawRect(QRectF(q.x() - 3, q.y() - 3, 6, 6))
                elif s.marker or len(pts) == 1:
                    p.drawEllipse(q, 3, 3)
                if label:
                    # beside the point, kept inside the plot so it never covers an axis label
                    width = fm.horizontalAdvance(label)
                    x = q.x() + 5 if q.x() + 5 + width < plot.right() else q.x() - 5 - width
                    y = q.y() - 5 if q.y() - 5 - fm.ascent() > plot.top() else q.y() + 5 + fm.ascent()
                    p.setPen(QPen(text, 1))
                    p.drawText(QPointF(x, y), label)
                    p.setPen(QPen(QColor(s.color), 1.5))
            # legend: a line sample in the series' own pattern, then its name
            p.setPen(QPen(QColor(s.color), 2, s.dash))
            p.drawLine(QPointF(legend_x, MARGIN_TOP - 10), QPointF(legend_x + 22, MARGIN_TOP - 10))
            p.setPen(QPen(text, 1))
            axis = self.tr(" (right)") if s.right_axis and any(not t.right_axis for t in self.series) else ""
            label = s.name + axis
            p.drawText(QPointF(legend_x + 26, MARGIN_TOP - 6), label)
            legend_x += 34 + fm.horizontalAdvance(label)
        p.end()


def plotted_points(series: Series) -> list[tuple[float, float, str]]:
    """The finite points of ``series`` with their labels, left to right; sorted by x only (stable),
    so points with equal x keep the given order and their own labels."""
    labels = series.labels + [""] * (len(series.points) - len(series.labels))
    finite = [(x, y, label) for (x, y), label in zip(series.points, labels) if math.isfinite(x) and math.isfinite(y)]
    return sorted(finite, key=lambda point: point[0])


def axis_ticks(values: list[float], whole: bool = False, parts: int = 4) -> list[float]:
    """Evenly spaced round tick values (steps of 1, 2, 2.5 or 5 × 10^k; whole numbers only when
    ``whole``) whose first and last enclose ``values`` in at most ``parts`` steps."""
    values = [v for v in values if math.isfinite(v)]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    if hi - lo < 1e-9:
        lo, hi = (lo - 1, hi + 1) if whole or lo == 0 else (lo - abs(lo) / 2, hi + abs(hi) / 2)
        if not whole and lo < 0 <= min(values, default=0.0):
            lo = 0.0
    step = _nice_step((hi - lo) / parts, whole)
    while True:
        first = math.floor(lo / step + 1e-9) * step
        count = max(1, math.ceil((hi - first) / step - 1e-9))
        if count <= parts:
            return [first + i * step for i in range(count + 1)]
        step = _nice_step(step * 1.01, whole)


def _nice_step(raw: float, whole: bool) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10^k at least ``raw`` (no 2.5 and at least 1 when ``whole``)."""
    if whole and raw <= 1:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        step = m * magnitude
        if step >= raw * (1 - 1e-9) and not (whole and not float(step).is_integer()):
            return step
    return 10 * magnitude


def _fmt(value: float) -> str:
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:.2f}"
