"""A small line chart drawn with QPainter (PySide6-Essentials has no QtCharts): the live
training curve (loss and dev F1 by epoch) and the learning curve of the model registry (F1
against the number of training documents).

Each series has a colour *and* a dash pattern and marker shape, with a text legend, so no
series is told apart by hue alone. Series on the right axis share a fixed 0–1 range (F1);
the left axis fits its data (loss).
"""
from __future__ import annotations

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
    labels: list[str] = field(default_factory=list)   # optional text per point (learning curve)


class CurveWidget(QWidget):
    def __init__(self, x_title: str, left_title: str = "", right_title: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.x_title, self.left_title, self.right_title = x_title, left_title, right_title
        self.series: list[Series] = []
        self.empty_text = "No data yet"
        self.setMinimumHeight(150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(420, 220)

    def set_series(self, series: list[Series]) -> None:
        self.series = series
        self.update()

    def _ranges(self) -> tuple[float, float, float, float]:
        xs = [x for s in self.series for x, _ in s.points]
        ys = [y for s in self.series if not s.right_axis for _, y in s.points]
        x0, x1 = (min(xs), max(xs)) if xs else (0.0, 1.0)
        if x1 - x0 < 1e-9:
            x0, x1 = x0 - 1, x1 + 1
        y0, y1 = (0.0, max(ys) * 1.08) if ys else (0.0, 1.0)
        if ys and min(ys) < 0:
            y0 = min(ys) * 1.08
        if y1 - y0 < 1e-9:
            y1 = y0 + 1
        return x0, x1, y0, y1

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
        x0, x1, y0, y1 = self._ranges()

        def at(x: float, y: float, right: bool) -> QPointF:
            lo, hi = (0.0, 1.0) if right else (y0, y1)
            return QPointF(plot.left() + (x - x0) / (x1 - x0) * plot.width(),
                           plot.bottom() - (y - lo) / (hi - lo) * plot.height())

        small = p.font()
        small.setPointSizeF(max(6.0, small.pointSizeF() * 0.85))
        p.setFont(small)
        fm = p.fontMetrics()
        for i in range(5):  # axis ticks
            frac = i / 4
            y = plot.bottom() - frac * plot.height()
            if any(not s.right_axis for s in self.series):
                p.drawText(QRectF(0, y - 8, MARGIN_LEFT - 4, 16), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                           _fmt(y0 + frac * (y1 - y0)))
            if any(s.right_axis for s in self.series):
                p.drawText(QRectF(plot.right() + 4, y - 8, MARGIN_RIGHT - 4, 16),
                           Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f"{frac:.2f}")
        for i in range(5):
            x = x0 + (x1 - x0) * i / 4
            px = plot.left() + plot.width() * i / 4
            p.drawText(QRectF(px - 30, plot.bottom() + 2, 60, 14), Qt.AlignmentFlag.AlignCenter, _fmt(x))
        p.drawText(QRectF(plot.left(), plot.bottom() + 14, plot.width(), 16), Qt.AlignmentFlag.AlignCenter, self.x_title)

        legend_x = plot.left() + 6
        for s in self.series:
            pen = QPen(QColor(s.color), 2, s.dash)
            p.setPen(pen)
            pts = [at(x, y, s.right_axis) for x, y in sorted(s.points)]
            if len(pts) > 1:
                path = QPainterPath(pts[0])
                for q in pts[1:]:
                    path.lineTo(q)
                p.drawPath(path)
            p.setPen(QPen(QColor(s.color), 1.5))
            for n, q in enumerate(pts):
                if s.marker == "square":
                    p.drawRect(QRectF(q.x() - 3, q.y() - 3, 6, 6))
                elif s.marker or len(pts) == 1:
                    p.drawEllipse(q, 3, 3)
                if s.labels and n < len(s.labels) and s.labels[n]:
                    # beside the point, kept inside the plot so it never covers an axis label
                    width = fm.horizontalAdvance(s.labels[n])
                    x = q.x() + 5 if q.x() + 5 + width < plot.right() else q.x() - 5 - width
                    y = q.y() - 5 if q.y() - 5 - fm.ascent() > plot.top() else q.y() + 5 + fm.ascent()
                    p.setPen(QPen(text, 1))
                    p.drawText(QPointF(x, y), s.labels[n])
                    p.setPen(QPen(QColor(s.color), 1.5))
            # legend: a line sample in the series' own pattern, then its name
            p.setPen(QPen(QColor(s.color), 2, s.dash))
            p.drawLine(QPointF(legend_x, MARGIN_TOP - 10), QPointF(legend_x + 22, MARGIN_TOP - 10))
            p.setPen(QPen(text, 1))
            axis = " (right)" if s.right_axis and any(not t.right_axis for t in self.series) else ""
            label = s.name + axis
            p.drawText(QPointF(legend_x + 26, MARGIN_TOP - 6), label)
            legend_x += 34 + fm.horizontalAdvance(label)
        p.end()


def _fmt(value: float) -> str:
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:.2f}"
