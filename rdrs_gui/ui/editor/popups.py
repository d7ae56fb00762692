"""Small keyboard pickers the editor pops up at the current span: the chain picker (chains of
the kind shown, most recently used first, digits pick, N starts a new chain of that kind, K
switches the kind shown) and the attribute menu
(MedFrom, MedMaker, ATC, MKB10, MedDRA for the span's tags).

Both are plain QMenus opened with ``popup`` (never ``exec``): nothing blocks, and a test drives
them through ``QApplication.activePopupWidget()``. They have no parent (the caller keeps a
reference): Qt routes a popup's keys to its parent's widget-with-children shortcuts, so a menu
owned by the editor would let "N" (DiseaseName) fire instead of picking "New chain".
"""
from __future__ import annotations

from typing import Callable, Sequence

from PySide6.QtCore import QCoreApplication, QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QInputDialog, QMenu, QWidget

from rdrs_gui.core.document import COREFERENCE, Chain, Span
from rdrs_gui.core.schema import Schema

from ..i18n import kind_text


def new_chain_kind(shown: str) -> str:
    """The kind of a chain started while ``shown`` ("" = all kinds) is shown."""
    return shown or COREFERENCE


class ChainPicker(QMenu):
    """The chain picker: K (or a click on the kind line) shows the next kind in place, without
    closing, so the choice of kind never costs a second L."""

    def __init__(self, cycle: Callable[[], None]) -> None:
        super().__init__()
        self.cycle = cycle
        self.switch: QAction | None = None

    def keyPressEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        if event.key() == Qt.Key.Key_K and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            self.cycle()
            return
        super().keyPressEvent(event)

    def mouseReleaseEvent(self, event) -> None:  # noqa: ANN001, N802 - Qt override
        if self.switch is not None and self.actionAt(event.position().toPoint()) is self.switch:
            self.cycle()
            return
        super().mouseReleaseEvent(event)


def chain_picker(parent: QWidget, chains_of_kind: Callable[[str], list[Chain]], text: str,
                 numbers: dict[str, int], on_chain: Callable[[str], None], on_new: Callable[[], None],
                 shown: str = COREFERENCE, kinds: Sequence[str] = (),
                 on_kind: Callable[[str], None] | None = None) -> QMenu:
    """A menu of the chains of kind ``shown`` ("" = all; ``chains_of_kind`` gives them most
    recent first): "&1 ⟲3 «Нурофен» … (4)", a new chain of that kind, and the kind line."""
    state = {"shown": shown}
    cycle_order = [*kinds, ""]

    def cycle() -> None:
        now = state["shown"]
        state["shown"] = cycle_order[(cycle_order.index(now) + 1) % len(cycle_order)] if now in cycle_order else ""
        if on_kind is not None:
            on_kind(state["shown"])
        fill()

    menu = ChainPicker(cycle)
    menu.setFont(parent.font())
    menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    menu.setObjectName("chainPicker")

    def fill() -> None:
        kind_shown = state["shown"]
        menu.clear()
        menu.setTitle(QCoreApplication.translate("ChainPicker", "Add to a chain") if not kind_shown
                      else QCoreApplication.translate("ChainPicker", "Add to a {kind} chain").format(
                          kind=kind_text(kind_shown)))
        chains = chains_of_kind(kind_shown)
        for n, chain in enumerate(chains[:9], 1):
            first = chain.mentions[0] if chain.mentions else None
            words = " … ".join(text[s:e] for s, e in first.fragments) if first else ""
            kind = "" if kind_shown else f"{kind_text(chain.label)}  "
            label = f"&{n}  ⟲{numbers.get(chain.id, '?')}  {kind}«{_short(words)}»  ({len(chain.mentions)})"
            action = menu.addAction(label)
            action.setData(chain.id)
            action.triggered.connect(lambda _=False, cid=chain.id: on_chain(cid))
        if chains:
            menu.addSeparator()
        new = menu.addAction(QCoreApplication.translate("ChainPicker", "&New {kind} chain").format(
            kind=kind_text(new_chain_kind(kind_shown))))
        new.setData("")
        new.triggered.connect(lambda _=False: on_new())
        menu.switch = None
        if on_kind is not None and kinds:
            menu.addSeparator()
            line = QCoreApplication.translate("ChainPicker", "K  kind shown: {kind} (next: {next})")
            menu.switch = menu.addAction(line.format(kind=kind_text(kind_shown) or _all_kinds(),
                                                     next=_next_name(cycle_order, kind_shown)))
            menu.switch.setObjectName("chainKindSwitch")
        menu.setActiveAction(menu.actions()[0])

    fill()
    return menu


def _next_name(order: list[str], shown: str) -> str:
    following = order[(order.index(shown) + 1) % len(order)] if shown in order else ""
    return kind_text(following) or _all_kinds()


def _all_kinds() -> str:
    return QCoreApplication.translate("ChainPicker", "all kinds")


def attribute_menu(parent: QWidget, schema: Schema, span: Span,
                   on_set: Callable[[str, str | None], None],
                   ask_code: Callable[[str, str | None, Callable[[str, str | None], None]], None] | None = None
                   ) -> QMenu:
    """Every attribute that applies to the span's tags: enum values as checkable items, codes as
    "ATC: N02BA01…" opening ``ask_code`` (the coder) or a one-line editor. Returns an empty menu
    when none applies."""
    ask = ask_code or (lambda name, current, done: _ask_code(parent, name, current, done))
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
            action.triggered.connect(lambda _=False, a=attr.name, c=current: ask(a, c, on_set))
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
    prompt = QCoreApplication.translate("AttributeMenu", "{name} (empty removes it):").format(name=name)
    value, ok = QInputDialog.getText(parent, name, prompt, text=current or "")
    if ok:
        on_set(name, value.strip() or None)


def _short(words: str, limit: int = 28) -> str:
    return words if len(words) <= limit else words[: limit - 1] + "…"
