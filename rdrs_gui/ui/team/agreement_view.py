"""The agreement view: annotator x annotator matrix for the chosen flags (the RDRS paper's
Table 4 for this project), the per-tag table of a pair, and that pair's documents from least to
most agreement; activating a document opens it."""
from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import (QComboBox, QDialog, QHBoxLayout, QHeaderView, QLabel, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from rdrs_gui.core.agreement import agreement, documents_by_agreement
from rdrs_gui.core.document import Document
from rdrs_gui.core.store import Store


SPAN_FLAGS = ("span_strict", "span_intersection")
TAG_FLAGS = ("tag_strict", "tag_ignored")


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}"


def _heat(value: float) -> QColor:
    """Red (no agreement) through yellow to green (full agreement), pale enough for black text."""
    return QColor.fromHsvF(0.33 * max(0.0, min(1.0, value)), 0.35, 1.0)


class TagBars(QWidget):
    """The plot: one row per tag of the chosen pair, a bar for span-strict agreement over a paler
    one for span-intersection agreement."""

    ROW = 18

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[tuple[str, float | None, float | None]] = []
        self.setMinimumWidth(260)

    def set_rows(self, rows: list[tuple[str, float | None, float | None]]) -> None:
        self.rows = rows
        self.setMinimumHeight(self.ROW * len(rows) + 8)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        label_w = 110.0
        width = max(10.0, self.width() - label_w - 50)
        for i, (tag, strict, loose) in enumerate(self.rows):
            y = 4 + i * self.ROW
            painter.setPen(self.palette().text().color())
            painter.drawText(QRectF(0, y, label_w - 6, self.ROW), Qt.AlignmentFlag.AlignRight
                             | Qt.AlignmentFlag.AlignVCenter, tag)
            for value, shade, inset in ((loose, 0.55, 2), (strict, 0.0, 5)):
                if value is not None:
                    colour = _heat(value).darker(115) if shade == 0.0 else _heat(value)
                    painter.fillRect(QRectF(label_w, y + inset, width * value, self.ROW - 2 * inset), colour)
            painter.drawText(QRectF(label_w + width + 4, y, 46, self.ROW), Qt.AlignmentFlag.AlignVCenter,
                             _pct(strict))
        painter.end()


class AgreementDialog(QDialog):
    documentRequested = Signal(int)

    def __init__(self, store: Store, project: str = "default", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Inter-annotator agreement"))
        self.resize(900, 640)
        self.layers: dict[str, dict[int, Document]] = {
            name: docs for name, docs in store.done_layers(project=project).items() if docs}
        self.names = list(self.layers)
        self.result = agreement(self.layers, self.names)
        self.pair: tuple[str, str] | None = None

        self.span_box = QComboBox(self)      # items in the order of SPAN_FLAGS / TAG_FLAGS
        self.span_box.addItems([self.tr("Span: strict"), self.tr("Span: intersection")])
        self.tag_box = QComboBox(self)
        self.tag_box.addItems([self.tr("Tag: strict"), self.tr("Tag: ignored")])
        for box in (self.span_box, self.tag_box):
            box.currentIndexChanged.connect(self.refresh)
        self.average = QLabel(self)
        self.matrix = QTableWidget(len(self.names), len(self.names), self)
        self.matrix.setObjectName("agreementMatrix")
        self.matrix.setHorizontalHeaderLabels(self.names)
        self.matrix.setVerticalHeaderLabels(self.names)
        self.matrix.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.matrix.cellClicked.connect(self.choose_pair)
        self.tags = QTableWidget(0, 4, self)
        self.tags.setObjectName("agreementPerTag")
        self.tags.setHorizontalHeaderLabels([self.tr("Tag"), self.tr("Documents"), self.tr("Strict %"),
                                             self.tr("Intersection %")])
        self.tags.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.documents = QTableWidget(0, 2, self)
        self.documents.setObjectName("agreementDocuments")
        self.documents.setHorizontalHeaderLabels([self.tr("Document"), self.tr("Agreement %")])
        self.documents.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.documents.cellActivated.connect(self._open_row)
        # names can be long paths: the name column takes the room the numbers leave
        self.documents.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tags.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.documents.cellDoubleClicked.connect(self._open_row)
        self.pair_label = QLabel(self.tr("Click a cell of the matrix to see that pair's tags and documents."), self)
        self.bars = TagBars(self)
        self.bars.setObjectName("agreementPlot")

        flags = QHBoxLayout()
        flags.addWidget(self.span_box)
        flags.addWidget(self.tag_box)
        flags.addWidget(self.average, 1)
        lower = QHBoxLayout()
        lower.addWidget(self.tags, 1)
        lower.addWidget(self.documents, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(flags)
        if not self.names:
            layout.addWidget(QLabel(self.tr("No annotator has marked a document done yet."), self))
        upper = QHBoxLayout()
        upper.addWidget(self.matrix, 1)
        upper.addWidget(self.bars, 1)
        layout.addLayout(upper, 1)
        layout.addWidget(self.pair_label)
        layout.addLayout(lower, 1)
        self.refresh()
        key = self.flag()
        worst = min((p for p in self.result["pairs"] if p[key] is not None), key=lambda p: p[key], default=None)
        if worst is not None:     # the pair to look at first, its tags and documents shown at once
            row, column = self.names.index(worst["a"]), self.names.index(worst["b"])
            self.matrix.setCurrentCell(row, column)
            self.choose_pair(row, column)

    def flag(self) -> str:
        return f"{SPAN_FLAGS[self.span_box.currentIndex()]}_{TAG_FLAGS[self.tag_box.currentIndex()]}"

    def refresh(self) -> None:
        key = self.flag()
        by_pair = {(p["a"], p["b"]): p for p in self.result["pairs"]}
        for i, a in enumerate(self.names):
            for j, b in enumerate(self.names):
                pair = by_pair.get((a, b)) or by_pair.get((b, a))
                text = "" if i == j else _pct(pair[key]) if pair else "–"
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if pair and i != j:
                    item.setToolTip(self.tr("{n} documents both marked done").format(n=pair["documents"]))
                    if pair[key] is not None:
                        item.setBackground(_heat(pair[key]))
                self.matrix.setItem(i, j, item)
        self.average.setText(self.tr("Average over pairs: {value} %").format(value=_pct(self.result["average"][key])))
        if self.pair:
            self.choose_pair(self.names.index(self.pair[0]), self.names.index(self.pair[1]))

    def choose_pair(self, row: int, column: int) -> None:
        if row == column:
            return
        a, b = self.names[row], self.names[column]
        self.pair = (a, b)
        pair = next(p for p in self.result["pairs"] if {p["a"], p["b"]} == {a, b})
        self.pair_label.setText(self.tr("{a} and {b}: {n} documents").format(a=a, b=b, n=pair["documents"]))
        self.tags.setRowCount(len(pair["per_tag"]))
        for r, (tag, row_values) in enumerate(pair["per_tag"].items()):
            cells = [tag, str(row_values["documents"]), _pct(row_values["span_strict_tag_strict"]),
                     _pct(row_values["span_intersection_tag_strict"])]
            for c, text in enumerate(cells):
                self.tags.setItem(r, c, QTableWidgetItem(text))
        self.bars.set_rows([(tag, v["span_strict_tag_strict"], v["span_intersection_tag_strict"])
                            for tag, v in pair["per_tag"].items()])
        rows = documents_by_agreement(self.layers[a], self.layers[b], self.flag())
        self.documents.setRowCount(len(rows))
        for r, (doc_id, value) in enumerate(rows):
            name = QTableWidgetItem(self.layers[a][doc_id].name)
            name.setData(Qt.ItemDataRole.UserRole, doc_id)
            self.documents.setItem(r, 0, name)
            self.documents.setItem(r, 1, QTableWidgetItem(_pct(value)))

    def _open_row(self, row: int, _column: int = 0) -> None:
        item = self.documents.item(row, 0)
        if item is not None:
            self.documentRequested.emit(int(item.data(Qt.ItemDataRole.UserRole)))
