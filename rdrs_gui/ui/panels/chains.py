"""Chains of the document: each chain with its kind and its mentions in reading order.

Chains have kinds (coreference, RDRS Context groups, any other a source file brought); the kind
box shows one kind or all of them, and a new chain is of the kind shown (coreference when all
are). The editor's chain picker (L) follows the same choice. Hovering a chain (or selecting it)
asks the editor to highlight all its mentions; a mention can be clicked to jump to it. With a
mention selected in the editor (a span or a text selection), the buttons start a new chain or
add it to the chosen chain; chains can be merged and split, and mentions removed. Every change
is one undoable, immediately saved edit.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QGridLayout, QLabel, QPushButton, QTreeWidget,
                               QTreeWidgetItem, QVBoxLayout, QWidget)

from rdrs_gui.core.document import COREFERENCE, SUGGESTED, Chain, Mention, chain_kinds
from rdrs_gui.core.editing import NOTHING, Edit

from ..editor.popups import new_chain_kind
from ..i18n import kind_text
from ..editor.layout import chain_key
from .base import Execute, SessionPanel

CHAIN_ROLE = Qt.ItemDataRole.UserRole + 1
MENTION_ROLE = Qt.ItemDataRole.UserRole + 2
PREVIEW_MENTIONS = 4


def ordered_chains(chains: list[Chain]) -> list[Chain]:
    """Chains in the order they were made: the editor's numbering, stable when a chain is added."""
    return sorted(chains, key=chain_key)


class ChainsPanel(SessionPanel):
    chainHighlighted = Signal(str)        # chain id, "" = none
    mentionActivated = Signal(int, int)   # start, end of the clicked mention
    kindChanged = Signal(str)             # the kind shown, "" = all kinds

    def __init__(self, execute: Execute, parent: QWidget | None = None) -> None:
        super().__init__(execute, parent)
        self.mention: Mention | None = None
        self.shown_kind = COREFERENCE
        self.kind_box = QComboBox(self)
        self.kind_box.setObjectName("chainKind")
        self.kind_box.setToolTip(self.tr("Which kind of chain to show and to start: coreference chains, "
                                         "RDRS Context groups, or every kind"))
        self.kind_box.activated.connect(lambda _i: self.set_kind(self.kind_box.currentData() or ""))
        self.tree = QTreeWidget(self)
        self.tree.setHeaderHidden(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setMouseTracking(True)
        self.tree.itemEntered.connect(self._hovered)
        self.tree.itemSelectionChanged.connect(self._selection_changed)
        self.tree.itemClicked.connect(self._clicked)
        self.tree.viewport().installEventFilter(self)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        self.new_button = QPushButton(self.tr("New chain"), self)
        self.add_button = QPushButton(self.tr("Add to chain"), self)
        self.remove_button = QPushButton(self.tr("Remove mention"), self)
        self.merge_button = QPushButton(self.tr("Merge chains"), self)
        self.split_button = QPushButton(self.tr("Split off"), self)
        self.delete_button = QPushButton(self.tr("Delete chain"), self)
        tips = {self.new_button: self.tr("Start a new chain with the selected mention"),
                self.add_button: self.tr("Add the selected mention to the chain selected here"),
                self.remove_button: self.tr("Remove the selected mention(s) from their chain"),
                self.merge_button: self.tr("Merge the selected chains into the first one"),
                self.split_button: self.tr("Move the selected mentions of one chain into a new chain"),
                self.delete_button: self.tr("Delete the selected chain(s)")}
        for button, tip in tips.items():
            button.setToolTip(tip)
        self.new_button.clicked.connect(self.new_chain)
        self.add_button.clicked.connect(self.add_to_chain)
        self.remove_button.clicked.connect(self.remove_mentions)
        self.merge_button.clicked.connect(self.merge_chains)
        self.split_button.clicked.connect(self.split_chain)
        self.delete_button.clicked.connect(self.delete_chains)
        grid = QGridLayout()
        for i, button in enumerate(tips):
            grid.addWidget(button, i // 2, i % 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.kind_box)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.hint)
        layout.addLayout(grid)
        self.refresh()

    # -- input from the window -------------------------------------------------------------------
    def set_mention(self, mention: Mention | None) -> None:
        """The editor's current span or text selection, as a mention the buttons act on."""
        self.mention = mention
        self._update_buttons()

    def set_kind(self, kind: str) -> None:
        """Show chains of ``kind`` only ("" = every kind); new chains are of that kind."""
        if kind != self.shown_kind:
            self.shown_kind = kind
            self.refresh()
            self.kindChanged.emit(kind)

    def _fill_kinds(self) -> None:
        chains = self.session.visible_chains() if self.session is not None else []
        kinds = chain_kinds(chains)
        for wanted in (COREFERENCE, self.shown_kind):
            if wanted and wanted not in kinds:
                kinds.append(wanted)
        self.kind_box.blockSignals(True)
        self.kind_box.clear()
        self.kind_box.addItem(self.tr("All kinds ({n})").format(n=len(chains)), "")
        for kind in kinds:
            self.kind_box.addItem(f"{kind_text(kind)} ({sum(c.label == kind for c in chains)})", kind)
        self.kind_box.setCurrentIndex(max(0, self.kind_box.findData(self.shown_kind)))
        self.kind_box.blockSignals(False)

    # -- rendering -------------------------------------------------------------------------------
    def refresh(self) -> None:
        selected = {(i.data(0, CHAIN_ROLE), _key(i.data(0, MENTION_ROLE))) for i in self.tree.selectedItems()}
        self._fill_kinds()
        self.tree.blockSignals(True)
        self.tree.clear()
        if self.session is not None:
            text = self.session.text
            for number, chain in enumerate(ordered_chains(self.session.visible_chains()), 1):
                if self.shown_kind and chain.label != self.shown_kind:
                    continue
                words = [" ".join(text[s:e] for s, e in m.fragments) for m in chain.mentions]
                preview = " · ".join(words[:PREVIEW_MENTIONS]) + (" · …" if len(words) > PREVIEW_MENTIONS else "")
                pending = self.tr(" (suggested)") if chain.status == SUGGESTED else ""
                kind = "" if self.shown_kind else f"{kind_text(chain.label)}: "
                item = QTreeWidgetItem([f"{number}. {kind}{preview}  [{len(words)}]{pending}"])
                item.setData(0, CHAIN_ROLE, chain.id)
                item.setToolTip(0, self.tr("Chain {number}, kind {kind}, mentions: {n}").format(
                    number=number, kind=kind_text(chain.label), n=len(words)) + pending)
                for mention, word in zip(chain.mentions, words):
                    child = QTreeWidgetItem([f"{word}   {mention.start}–{mention.end}"])
                    child.setData(0, CHAIN_ROLE, chain.id)
                    child.setData(0, MENTION_ROLE, mention)
                    item.addChild(child)
                self.tree.addTopLevelItem(item)
                item.setExpanded(True)
                if (chain.id, None) in selected:
                    item.setSelected(True)
                for j in range(item.childCount()):
                    child = item.child(j)
                    if (chain.id, _key(child.data(0, MENTION_ROLE))) in selected:
                        child.setSelected(True)
        self.tree.blockSignals(False)
        self._update_buttons()

    def _selected(self) -> tuple[list[str], list[tuple[str, Mention]]]:
        chains, mentions = [], []
        for item in self.tree.selectedItems():
            mention = item.data(0, MENTION_ROLE)
            if mention is None:
                chains.append(item.data(0, CHAIN_ROLE))
            else:
                mentions.append((item.data(0, CHAIN_ROLE), mention))
        return chains, mentions

    def _target_chain(self) -> str | None:
        """The chain the user picked: a selected chain, or the chain of a selected mention."""
        chains, mentions = self._selected()
        if chains:
            return chains[0]
        return mentions[0][0] if mentions else None

    def _update_buttons(self) -> None:
        chains, mentions = self._selected()
        has_session = self.session is not None
        self.new_button.setEnabled(has_session and self.mention is not None)
        self.new_button.setToolTip(self.tr("Start a new {kind} chain with the selected mention").format(
            kind=kind_text(new_chain_kind(self.shown_kind))))
        self.add_button.setEnabled(has_session and self.mention is not None and self._target_chain() is not None)
        self.remove_button.setEnabled(bool(mentions))
        kinds = {self.session.chain(c).label for c in set(chains) if self.session and self.session.chain(c)}
        self.merge_button.setEnabled(len(set(chains)) >= 2 and len(kinds) == 1)   # one kind at a time
        owners = {c for c, _ in mentions}
        self.split_button.setEnabled(len(owners) == 1 and bool(mentions))
        self.delete_button.setEnabled(bool(chains))
        if not has_session:
            self.hint.setText("")
        elif self.mention is None:
            self.hint.setText(self.tr("Select a span or some text to start a chain or add a mention."))
        else:
            words = " … ".join(self.session.text[s:e] for s, e in self.mention.fragments)
            self.hint.setText(self.tr("Selected mention: «{words}»").format(words=words))

    # -- highlighting ----------------------------------------------------------------------------
    def _hovered(self, item: QTreeWidgetItem, _column: int) -> None:
        self.chainHighlighted.emit(item.data(0, CHAIN_ROLE) or "")

    def eventFilter(self, watched, event) -> bool:  # noqa: ANN001, N802 - Qt override
        if watched is self.tree.viewport() and event.type() == event.Type.Leave:
            self.chainHighlighted.emit(self._target_chain() or "")
        return super().eventFilter(watched, event)

    def _selection_changed(self) -> None:
        self._update_buttons()
        self.chainHighlighted.emit(self._target_chain() or "")

    def _clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        mention = item.data(0, MENTION_ROLE)
        if mention is not None:
            self.mentionActivated.emit(mention.start, mention.end)

    def highlighted_chain(self) -> str:
        return self._target_chain() or ""

    # -- edits -----------------------------------------------------------------------------------
    def new_chain(self) -> None:
        if self.session is not None and self.mention is not None:
            mention, kind = self.mention, new_chain_kind(self.shown_kind)
            self.execute(self.tr("New chain"), lambda: self.session.new_chain(mention, kind))

    def add_to_chain(self) -> None:
        target = self._target_chain()
        if self.session is not None and self.mention is not None and target:
            mention = self.mention
            self.execute(self.tr("Add mention to chain"), lambda: self.session.add_mention(target, mention))

    def remove_mentions(self) -> None:
        _, mentions = self._selected()
        if self.session is not None and mentions:
            def run() -> Edit:
                # Removing a chain's last mention deletes the chain: skip what is already gone.
                return _combine([self.session.remove_mention(c, m) for c, m in mentions
                                 if self.session.chain(c) is not None])
            self.execute(self.tr("Remove mentions") if len(mentions) > 1 else self.tr("Remove mention"), run)

    def merge_chains(self) -> None:
        chains, _ = self._selected()
        chains = list(dict.fromkeys(chains))
        if self.session is not None and len(chains) >= 2:
            keep, others = chains[0], chains[1:]
            self.execute(self.tr("Merge chains"), lambda: _combine([self.session.merge_chains(keep, o) for o in others]))

    def split_chain(self) -> None:
        _, mentions = self._selected()
        owners = {c for c, _ in mentions}
        if self.session is not None and len(owners) == 1:
            chain_id = owners.pop()
            moving = [m for _, m in mentions]
            self.execute(self.tr("Split chain"), lambda: self.session.split_chain(chain_id, moving))

    def delete_chains(self) -> None:
        chains, _ = self._selected()
        if self.session is not None and chains:
            ids = list(dict.fromkeys(chains))
            self.execute(self.tr("Delete chain"), lambda: _combine([self.session.delete_chain(c) for c in ids]))


def _key(mention: Mention | None) -> tuple | None:
    return None if mention is None else mention.key()


def _combine(edits: list[Edit]) -> Edit:
    """Several session edits as one undo step: their inverses, applied last-first."""
    edits = [e for e in edits if not e.empty]
    if not edits:
        return NOTHING
    return edits[0] if len(edits) == 1 else Edit("batch", tuple(reversed(edits)))
