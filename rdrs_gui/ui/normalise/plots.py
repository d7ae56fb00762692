"""Normalisation figures drawn with pyqtgraph: the coded share of each tag's mentions, and the
most frequent MedDRA PTs and ATC codes (the RDRS paper's "top 20 ATC codes" figure)."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget


class CodingPlots(QWidget):
    """Three bar charts fed with ``stats["coding"]`` (rdrs_gui.core.normalise.coding_stats)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("codingPlots")
        pg.setConfigOptions(antialias=True, background="w", foreground="k")
        layout = QVBoxLayout(self)
        self.share = pg.PlotWidget(self, title=self.tr("Coded share of mentions per tag"))
        self.meddra = pg.PlotWidget(self, title=self.tr("Most frequent MedDRA codes"))
        self.atc = pg.PlotWidget(self, title=self.tr("Most frequent ATC codes"))
        for plot in (self.share, self.meddra, self.atc):
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            layout.addWidget(plot)
        self.figures: dict = {}

    def show_stats(self, coding: dict) -> None:
        self.figures = coding
        tags = coding.get("tags", {})
        self._bars(self.share, [(tag, row["share"]) for tag, row in tags.items()], (0.2, 0.5, 0.8))
        self.share.setYRange(0, 1)
        self._bars(self.meddra, [(code, n) for code, n in coding.get("meddra", [])], (0.8, 0.4, 0.2))
        self._bars(self.atc, [(code, n) for code, n in coding.get("atc", [])], (0.3, 0.6, 0.3))

    @staticmethod
    def _bars(plot: pg.PlotWidget, rows: list[tuple[str, float]], colour: tuple[float, float, float]) -> None:
        plot.clear()
        if not rows:
            return
        brush = pg.mkBrush(*(int(255 * c) for c in colour))
        plot.addItem(pg.BarGraphItem(x=list(range(len(rows))), height=[v for _, v in rows], width=0.7, brush=brush))
        plot.getAxis("bottom").setTicks([[(i, label) for i, (label, _) in enumerate(rows)]])
        plot.setXRange(-0.5, len(rows) - 0.5)
