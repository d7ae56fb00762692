"""Pending suggestions of the document in reading order, with their scores: a click shows one in
the editor; accept or reject the selected ones, or every suggestion above a score at once."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QDoubleSpinBox, QHBoxLayout, QLabel, QListWidget,
                               QListWidgetItem, QPushButton, QVBoxLayout, QWidget)

from .base import Execute, SessionPanel

SPAN_ROLE = Qt.ItemDataRole.UserRole + 1


class SuggestionsPanel(SessionPanel):
    spanActivated = Signal(str)

    def __init__(self, execute: Execute, parent: QWidget | None = None) -> None:
        super().__init__(execute, parent)
        self.list = QListWidget(self)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.currentItemChanged.connect(self._current_changed)
        self.list.itemSelectionChanged.connect(self._update_buttons)
        self.summary = QLabel(self)
        self.accept_button = QPushButton(self.tr("Accept"), self)
        self.reject_button = QPushButton(self.tr("Reject"), self)
        self.accept_button.clicked.connect(lambda: self._decide(self._selected_ids(), accept=True))
        self.reject_button.clicked.connect(lambda: self._decide(self._selected_ids(), accept=False))
        self.threshold = QDoubleSpinBox(self)
        self.threshold.setRange(0.0, 1.0)
        self.threshold.setSingleStep(0.05)
        self.threshold.setValue(0.9)
        self.threshold.setPrefix(self.tr("score ≥ "))
        self.threshold.valueChanged.connect(lambda _v: self._update_buttons())
        self.accept_above = QPushButton(self.tr("Accept all"), self)
        self.accept_above.setToolTip(self.tr("Accept every pending suggestion whose score is at least this value"))
        self.accept_above.clicked.connect(lambda: self._decide(self._above(), accept=True))
        row = QHBoxLayout()
        row.addWidget(self.accept_button)
        row.addWidget(self.reject_button)
        row2 = QHBoxLayout()
        row2.addWidget(self.threshold)
        row2.addWidget(self.accept_above)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        layout.addLayout(row2)
        self.refresh()

    def refresh(self) -> None:
        keep = set(self._selected_ids())
        self.list.blockSignals(True)
        self.list.clear()
        pending = self.session.suggestions() if self.session is not None else []
        text = self.session.text if self.session is not None else ""
        for span in pending:
            words = " … ".join(text[s:e] for s, e in span.fragments)
            score = "  –  " if span.score is None else f"{span.score:.2f}"
            item = QListWidgetItem(f"{score}  {'+'.join(sorted(span.labels))}: {words}")
            item.setData(SPAN_ROLE, span.id)
            item.setToolTip(self.tr("{origin}; characters {ranges}").format(
                origin=span.origin, ranges=", ".join(f"{s}–{e}" for s, e in span.fragments)))
            self.list.addItem(item)
            item.setSelected(span.id in keep)
        self.list.blockSignals(False)
        n = len(pending)
        self.summary.setText(self.tr("No pending suggestions.") if not n else
                             self.tr("Pending suggestions: {n} (Tab walks them in the editor)").format(n=n))
        self._update_buttons()

    def show_span(self, span_id: str) -> None:
        """Follow the editor: its current suggestion becomes the selected row here, so Accept and
        Reject act on the suggestion Tab reached (any other span leaves nothing selected)."""
        self.list.blockSignals(True)
        self.list.clearSelection()
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(SPAN_ROLE) == span_id:
                self.list.setCurrentItem(item)
                item.setSelected(True)
                self.list.scrollToItem(item)
                break
        self.list.blockSignals(False)
        self._update_buttons()

    def _selected_ids(self) -> list[str]:
        return [i.data(SPAN_ROLE) for i in self.list.selectedItems()]

    def _above(self) -> list[str]:
        if self.session is None:
            return []
        limit = self.threshold.value()
        return [s.id for s in self.session.suggestions() if s.score is not None and s.score >= limit - 1e-9]

    def _update_buttons(self) -> None:
        chosen = bool(self._selected_ids())
        self.accept_button.setEnabled(chosen)
        self.reject_button.setEnabled(chosen)
        n = len(self._above())
        self.accept_above.setText(self.tr("Accept {n}").format(n=n))
        self.accept_above.setEnabled(n > 0)

    def _current_changed(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        self._update_buttons()
        if current is not None:
            self.spanActivated.emit(current.data(SPAN_ROLE))

    def _decide(self, span_ids: list[str], accept: bool) -> None:
        if self.session is None or not span_ids:
            return
        n = len(span_ids)
        text = self.tr("Accept {n} suggestions") if accept else self.tr("Reject {n} suggestions")
        op = self.session.accept_all if accept else self.session.reject_all
        self.execute(text.format(n=n), lambda: op(span_ids))
