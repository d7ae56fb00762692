"""The keyboard cheat-sheet (F1 or ?) and the shortcut editor, both read from the one action
registry, so what they show is exactly what the keys do."""
from __future__ import annotations

import html

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHeaderView, QKeySequenceEdit, QLabel,
                               QLineEdit, QPushButton, QTableWidget, QTableWidgetItem, QTextBrowser,
                               QVBoxLayout, QWidget)

from ..actions import ActionRegistry, tr


# Keys the editor and the list handle themselves (not rebindable), listed so F1 shows every key.
FIXED_KEYS = (
    ("←, →", QT_TRANSLATE_NOOP("CheatSheet", "caret by a word (with Alt: by a character)")),
    ("Shift+←, Shift+→", QT_TRANSLATE_NOOP("CheatSheet", "select new text from the caret (with no caret, "
                                                         "they resize the current span)")),
    ("↑, ↓, Home, End", QT_TRANSLATE_NOOP("CheatSheet", "caret to the line above / below, the line's start / end")),
    ("Ctrl+Home, Ctrl+End", QT_TRANSLATE_NOOP("CheatSheet", "start / end of the document")),
    ("PgUp, PgDown", QT_TRANSLATE_NOOP("CheatSheet", "scroll a page")),
    ("Enter, ↓", QT_TRANSLATE_NOOP("CheatSheet", "in the search box: open the first hit / move into the list")),
)


def cheat_sheet_html(registry: ActionRegistry) -> str:
    by_category: dict[str, list[tuple[str, str]]] = {}
    for category, text, keys in registry.cheat_sheet():
        by_category.setdefault(category, []).append((text, keys))
    fixed = QCoreApplication.translate("CheatSheet", "Caret and view")
    by_category[fixed] = [(QCoreApplication.translate("CheatSheet", text), keys) for keys, text in FIXED_KEYS]
    parts = []
    for category, rows in by_category.items():
        parts.append(f"<h4>{html.escape(category)}</h4><table cellspacing='0' cellpadding='2'>")
        for text, keys in rows:
            parts.append(f"<tr><td width='170'><code><b>{html.escape(keys) or '—'}</b></code></td>"
                         f"<td>{html.escape(text)}</td></tr>")
        parts.append("</table>")
    return "".join(parts)


class CheatSheetDialog(QDialog):
    """Non-modal: it can stay open beside the editor while the user learns the keys."""

    def __init__(self, registry: ActionRegistry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Keyboard cheat-sheet"))
        self.registry = registry
        self.browser = QTextBrowser(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        self.resize(520, 640)
        self.refresh()

    def refresh(self) -> None:
        self.browser.setHtml(cheat_sheet_html(self.registry))


class ShortcutEditor(QDialog):
    """Every action with its key; a new key that another action holds is refused with a message
    naming that action, and the old key stays."""

    def __init__(self, registry: ActionRegistry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        self.registry = registry
        self.filter = QLineEdit(self)
        self.filter.setPlaceholderText(self.tr("Filter actions…"))
        self.filter.textChanged.connect(self._filter)
        self.table = QTableWidget(0, 3, self)
        self.table.setHorizontalHeaderLabels([self.tr("Action"), self.tr("Category"), self.tr("Shortcut")])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setObjectName("shortcutMessage")
        reset = QPushButton(self.tr("Reset selected to default"), self)
        reset.clicked.connect(self._reset_selected)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=self)
        buttons.rejected.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addWidget(reset)
        layout.addWidget(buttons)
        self._editors: dict[str, QKeySequenceEdit] = {}
        self._ids: list[str] = []
        self._populate()
        self.resize(680, 640)

    def _populate(self) -> None:
        specs = list(self.registry.specs.values())
        self.table.setRowCount(len(specs))
        self._ids = [s.id for s in specs]
        for row, spec in enumerate(specs):
            name = QTableWidgetItem(tr(spec.text))
            name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
            name.setToolTip(tr(spec.tip or spec.text))
            category = QTableWidgetItem(tr(spec.category))
            category.setFlags(category.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.table.setItem(row, 0, name)
            self.table.setItem(row, 1, category)
            edit = QKeySequenceEdit(self)
            edit.setObjectName(f"key-{spec.id}")
            edit.setMaximumSequenceLength(1)
            edit.setClearButtonEnabled(True)
            keys = self.registry.shortcuts(spec.id)
            edit.setKeySequence(QKeySequence(keys[0]) if keys else QKeySequence())
            edit.editingFinished.connect(lambda aid=spec.id: self._commit(aid))
            self._editors[spec.id] = edit
            self.table.setCellWidget(row, 2, edit)
        # Wide enough for the longest key name plus the clear button: a narrow cell scrolled
        # "Shift+Return" to "hift+Return".
        metrics = self.fontMetrics()
        widest = max([metrics.horizontalAdvance(QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText))
                      for aid in self._ids for k in self.registry.shortcuts(aid)] + [80])
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(2, widest + 48)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)

    def set_binding(self, action_id: str, sequence: str) -> str | None:
        """Rebind through the registry; shows and returns the refusal, if any."""
        error = self.registry.rebind(action_id, sequence)
        keys = self.registry.shortcuts(action_id)
        edit = self._editors[action_id]
        edit.blockSignals(True)
        edit.setKeySequence(QKeySequence(keys[0]) if keys else QKeySequence())
        edit.blockSignals(False)
        text = tr(self.registry.specs[action_id].text)
        if error:
            self.message.setText(self.tr("Refused: {reason}").format(reason=error))
        elif keys:
            self.message.setText(self.tr("“{action}” is now {key}.").format(action=text, key=keys[0]))
        else:
            self.message.setText(self.tr("“{action}” is now without a key.").format(action=text))
        return error

    def _commit(self, action_id: str) -> None:
        seq = self._editors[action_id].keySequence().toString(QKeySequence.SequenceFormat.PortableText)
        current = self.registry.shortcuts(action_id)
        if (current[0] if current else "") != seq:
            self.set_binding(action_id, seq)

    def _reset_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        for row in rows:
            aid = self._ids[row]
            error = self.registry.reset(aid)
            keys = self.registry.shortcuts(aid)
            self._editors[aid].setKeySequence(QKeySequence(keys[0]) if keys else QKeySequence())
            self.message.setText(self.tr("Refused: {reason}").format(reason=error) if error
                                 else self.tr("Default restored."))

    def _filter(self, text: str) -> None:
        needle = text.lower()
        for row, aid in enumerate(self._ids):
            spec = self.registry.specs[aid]
            keys = " ".join(self.registry.shortcuts(aid)).lower()
            hit = (not needle or needle in tr(spec.text).lower() or needle in tr(spec.category).lower()
                   or needle in spec.text.lower() or needle in keys)
            self.table.setRowHidden(row, not hit)
