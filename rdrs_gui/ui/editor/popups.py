"""Small keyboard pickers the editor pops up at the current span: the coreference chain picker
(most recently used chains first, digits pick, N starts a new chain) and the attribute menu
(MedFrom, MedMaker, ATC, MKB10, MedDRA for the span's tags).

Both are plain QMenus opened with ``popup`` (never ``exec``): nothing blocks, and a test drives
them through ``QApplication.activePopupWidget()``. They have no parent (the caller keeps a
reference): Qt routes a popup's keys to its parent's widget-with-children shortcuts, so a menu
owned by the editor would let "N" (DiseaseName) fire instead of picking "New chain".
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QMenu, QWidget

from rdrs_gui.core.document import Chain, Span
from rdrs_gui.core.schema import Schema


def chain_picker(parent: QWidget, chains: list[Chain], text: str, numbers: dict[str, int],
                 on_chain: Callable[[str], None], on_new: Callable[[], None]) -> QMenu:
    """A menu of ``chains`` (already most-recent-first): "&1 ⟲3 «Нурофен» … (4)", then New chain."""
    menu = _menu(parent)
    menu.setObjectName("chainPicker")
    menu.setTitle("Add to coreference chain")
    for n, chain in enumerate(chains[:9], 1):
        first = chain.mentions[0] if chain.mentions else None
        words = " … ".join(text[s:e] for s, e in first.fragments) if first else ""
        label = f"&{n}  ⟲{numbers.get(chain.id, '?')}  «{_short(words)}»  ({len(chain.mentions)})"
        action = menu.addAction(label)
        action.setData(chain.id)
        action.triggered.connect(lambda _=False, cid=chain.id: on_chain(cid))
    if chains:
        menu.addSeparator()
    new = menu.addAction("&New chain")
    new.setData("")
    new.triggered.connect(lambda _=False: on_new())
    menu.setActiveAction(menu.actions()[0])
    return menu


def attribute_menu(parent: QWidget, schema: Schema, span: Span,
                   on_set: Callable[[str, str | None], None]) -> QMenu:
    """Every attribute that applies to the span's tags: enum values as checkable items, codes as
    "ATC: N02BA01…" opening a one-line editor. Returns an empty menu when none applies."""
    menu = _menu(parent)
    menu.setObjectName("attributeMenu")
    for attr in schema.attributes:
        if attr.tags and not (set(attr.tags) & span.labels):
            continue
        current = span.attrs.get(attr.name)
        if attr.kind == "enum":
            for value in attr.values:
                action = QAction(f"{attr.name}: {value}", menu)
                action.setCheckable(True)
                action.setChecked(current == value)
                # choosing the value already set clears it
                action.triggered.connect(lambda _=False, a=attr.name, v=value, c=current:
                                         on_set(a, None if c == v else v))
                menu.addAction(action)
        else:
            action = menu.addAction(f"{attr.name}: {current or '—'}…")
            action.triggered.connect(lambda _=False, a=attr.name, c=current: _ask_code(parent, a, c, on_set))
        menu.addSeparator()
    return menu


def _menu(editor: QWidget) -> QMenu:
    menu = QMenu()
    menu.setFont(editor.font())
    menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    return menu


def show_at(menu: QMenu, widget: QWidget, point: QPoint) -> None:
    menu.popup(widget.mapToGlobal(point))


def _ask_code(parent: QWidget, name: str, current: str | None, on_set: Callable[[str, str | None], None]) -> None:
    value, ok = QInputDialog.getText(parent, name, f"{name} (empty removes it):", text=current or "")
    if ok:
        on_set(name, value.strip() or None)


def _short(words: str, limit: int = 28) -> str:
    return words if len(words) <= limit else words[: limit - 1] + "…"
