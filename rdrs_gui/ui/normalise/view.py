"""The normalisation view: a tag's mentions over the project grouped the paper's way (name, size,
codes, members with their documents). The annotator merges, splits and renames groups and codes a
whole group in one step (every member span gets the code, one transaction); each of these is one
entry of the view's undo stack (Ctrl+Z / Ctrl+Shift+Z). A second tab plots the coded share per
tag and the most frequent codes (pyqtgraph)."""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (QComboBox, QDialog, QDoubleSpinBox, QHBoxLayout, QInputDialog, QLabel, QPushButton,
                               QTabWidget, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from ...core.normalise import grouping
from ...core.normalise.group_coding import apply_group_edit, code_group
from ...core.terminology import ATTRIBUTE_KIND
from ..editor.coder import ask_code
from .lookups import CodeLookups
from .plots import CodingPlots

GROUP_ROLE = Qt.ItemDataRole.UserRole


class Member:
    """One mention: its text, document and span, and its current codes."""

    def __init__(self, text: str, doc_id: int, document: str, span_id: str, codes: str):
        self.text, self.doc_id, self.document, self.span_id, self.codes = text, doc_id, document, span_id, codes


class MentionGroup:
    def __init__(self, name: str, members: list[Member]):
        self.name = name
        self.members = members


class NormalisationView(QDialog):
    """Groups of one tag's mentions; ``window`` gives the store, annotator, writer and editor."""

    def __init__(self, window, lookups: CodeLookups):  # noqa: ANN001 - the MainWindow
        super().__init__(window)
        self.setObjectName("normalisationView")
        self.setWindowTitle(self.tr("Normalisation"))
        self.window_ = window
        self.lookups = lookups
        self.groups: list[MentionGroup] = []
        self.undo_stack = QUndoStack(self)
        schema = window.schema
        self.coded_tags = {tag: attr.name for attr in schema.attributes if attr.name in ATTRIBUTE_KIND
                           for tag in attr.tags}
        self.tag = QComboBox(self)
        self.tag.setObjectName("normaliseTag")
        self.tag.addItems([t for t in schema.tag_names if t in self.coded_tags] or schema.tag_names)
        self.threshold = QDoubleSpinBox(self)
        self.threshold.setRange(0.05, 1.0)
        self.threshold.setSingleStep(0.05)
        self.threshold.setValue(grouping.THRESHOLD)
        regroup = QPushButton(self.tr("Group"), self)
        regroup.clicked.connect(self.regroup)
        top = QHBoxLayout()
        for widget in (QLabel(self.tr("Tag"), self), self.tag, QLabel(self.tr("Mean similarity above"), self),
                       self.threshold, regroup):
            top.addWidget(widget)
        top.addStretch(1)
        self.tree = QTreeWidget(self)
        self.tree.setObjectName("normaliseGroups")
        self.tree.setHeaderLabels([self.tr("Group / mention"), self.tr("Size / document"), self.tr("Codes")])
        self.tree.setSelectionMode(QTreeWidget.SelectionMode.ExtendedSelection)
        self.tree.setColumnWidth(0, 320)
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for key, text, slot in (("merge", self.tr("Merge groups"), self.merge_selected),
                                ("split", self.tr("Split off mentions"), self.split_selected),
                                ("rename", self.tr("Rename…"), self.rename_selected),
                                ("code", self.tr("Code group…"), self.code_selected),
                                ("undo", self.tr("Undo"), self.undo_stack.undo),
                                ("redo", self.tr("Redo"), self.undo_stack.redo)):
            button = QPushButton(text, self)
            button.clicked.connect(slot)
            self.buttons[key] = button
            row.addWidget(button)
        self.undo_stack.canUndoChanged.connect(self.buttons["undo"].setEnabled)
        self.undo_stack.canRedoChanged.connect(self.buttons["redo"].setEnabled)
        self.buttons["undo"].setEnabled(False)
        self.buttons["redo"].setEnabled(False)
        QShortcut(QKeySequence.StandardKey.Undo, self, self.undo_stack.undo)
        QShortcut(QKeySequence.StandardKey.Redo, self, self.undo_stack.redo)
        self.status = QLabel(self)
        groups_page = QWidget(self)
        page = QVBoxLayout(groups_page)
        page.addLayout(top)
        page.addWidget(self.tree, 1)
        page.addLayout(row)
        page.addWidget(self.status)
        self.plots = CodingPlots(self)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(groups_page, self.tr("Groups"))
        self.tabs.addTab(self.plots, self.tr("Statistics"))
        self.tabs.currentChanged.connect(lambda i: self.refresh_plots() if i == 1 else None)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self.resize(900, 620)
        self.tag.currentTextChanged.connect(lambda _t: self.regroup())

    # -- grouping -------------------------------------------------------------------------------
    def regroup(self) -> None:
        """Group the tag's mentions afresh from the database (after the window's edits are written)."""
        window = self.window_
        window.writer.wait()
        tag = self.tag.currentText()
        attribute = self.coded_tags.get(tag, "")
        mentions = []
        ids = window.store.document_ids(annotator=window.annotator)
        for doc_id, doc in zip(ids, window.store.iter_documents(ids=ids, annotator=window.annotator)):
            for span in sorted(doc.spans, key=lambda s: s.fragments):
                if tag in span.labels:
                    text = span.covered_text(doc.text)
                    mentions.append((text, Member(text, doc_id, doc.name, span.id, span.attrs.get(attribute, ""))))
        found = grouping.group(mentions, self.threshold.value())
        self.groups = [MentionGroup(g.name, list(g.items)) for g in found]
        self.undo_stack.clear()
        self.show_groups()

    def show_groups(self) -> None:
        self.tree.clear()
        for index, group in enumerate(self.groups):
            codes = sorted({m.codes for m in group.members if m.codes})
            item = QTreeWidgetItem(self.tree, [group.name, str(len(group.members)), ", ".join(codes) or "—"])
            item.setData(0, GROUP_ROLE, (index, None))
            for position, member in enumerate(group.members):
                child = QTreeWidgetItem(item, [member.text, member.document, member.codes])
                child.setData(0, GROUP_ROLE, (index, position))
        coded = sum(1 for g in self.groups for m in g.members if m.codes)
        total = sum(len(g.members) for g in self.groups)
        self.status.setText(self.tr("{groups} groups, {mentions} mentions, {coded} coded").format(
            groups=len(self.groups), mentions=total, coded=coded))

    def _selected(self) -> tuple[list[int], dict[int, list[int]]]:
        """Selected groups, and selected members per group."""
        groups: list[int] = []
        members: dict[int, list[int]] = {}
        for item in self.tree.selectedItems():
            index, position = item.data(0, GROUP_ROLE)
            if position is None:
                groups.append(index)
            else:
                members.setdefault(index, []).append(position)
        return sorted(groups), members

    def _push(self, text: str, do: Callable[[], None], undo: Callable[[], None]) -> None:
        self.undo_stack.push(_Command(text, do, undo))

    def _snapshot_command(self, text: str, change: Callable[[], None]) -> None:
        """An in-view change (merge, split, rename) undone by restoring the groups as they were."""
        before = [MentionGroup(g.name, list(g.members)) for g in self.groups]
        change()
        after = [MentionGroup(g.name, list(g.members)) for g in self.groups]

        def restore(state: list[MentionGroup]) -> Callable[[], None]:
            def run() -> None:
                self.groups = [MentionGroup(g.name, list(g.members)) for g in state]
                self.show_groups()
            return run
        self._push(text, restore(after), restore(before))

    def merge_selected(self) -> None:
        groups, _ = self._selected()
        if len(groups) < 2:
            self.status.setText(self.tr("Select two or more groups to merge."))
            return

        def merge() -> None:
            keep = self.groups[groups[0]]
            for index in groups[1:]:
                keep.members.extend(self.groups[index].members)
            self.groups = [g for i, g in enumerate(self.groups) if i not in groups[1:]]
        self._snapshot_command(self.tr("Merge groups"), merge)

    def split_selected(self) -> None:
        _, members = self._selected()
        if not members:
            self.status.setText(self.tr("Select mentions to split off into a new group."))
            return

        def split() -> None:
            moved = [self.groups[g].members[p] for g, positions in members.items() for p in sorted(positions)]
            for g, positions in members.items():
                self.groups[g].members = [m for p, m in enumerate(self.groups[g].members) if p not in positions]
            self.groups = [g for g in self.groups if g.members]
            self.groups.append(MentionGroup(moved[0].text.lower(), moved))
        self._snapshot_command(self.tr("Split off mentions"), split)

    def rename_selected(self, name: str | None = None) -> None:
        groups, _ = self._selected()
        if len(groups) != 1:
            self.status.setText(self.tr("Select one group to rename."))
            return
        index = groups[0]
        if not name:
            name, ok = QInputDialog.getText(self, self.tr("Rename group"), self.tr("Name:"),
                                            text=self.groups[index].name)
            if not ok or not name.strip():
                return

        def rename() -> None:
            self.groups[index].name = name.strip()
        self._snapshot_command(self.tr("Rename group"), rename)

    # -- coding ---------------------------------------------------------------------------------
    def code_selected(self) -> None:
        groups, _ = self._selected()
        attribute = self.coded_tags.get(self.tag.currentText())
        if len(groups) != 1 or not attribute:
            self.status.setText(self.tr("Select one group of a coded tag to code."))
            return
        group = self.groups[groups[0]]
        known = sorted({m.codes for m in group.members if m.codes})
        self.coder = ask_code(self, attribute, None, lambda _name, value: self.code_group(groups[0], value),
                              self.lookups.index(attribute), group.name, known)

    def code_group(self, index: int, value: str | None) -> None:
        """Give every member of group ``index`` the code (None removes it): one transaction, one undo step."""
        window = self.window_
        attribute = self.coded_tags[self.tag.currentText()]
        group = self.groups[index]
        window.writer.wait()
        edit = code_group(window.store, [(m.doc_id, m.span_id) for m in group.members], attribute, value,
                          window.annotator)
        state = {"edit": edit}
        members = list(group.members)
        old = {id(m): m.codes for m in members}

        def show(codes: Callable[[Member], str], documents: list[int]) -> None:
            for member in members:
                member.codes = codes(member)
            self.show_groups()
            if window.session is not None and window.session.doc_id in documents:
                window.refresh_open_document()

        def undo() -> None:
            window.writer.wait()
            state["edit"] = apply_group_edit(window.store, state["edit"], window.annotator)
            show(lambda m: old[id(m)], state["edit"].documents)

        def redo() -> None:
            if state.get("done"):
                window.writer.wait()
                state["edit"] = apply_group_edit(window.store, state["edit"], window.annotator)
            state["done"] = True
            show(lambda m: value or "", state["edit"].documents)
        self._push(self.tr("Code {name} as {code}").format(name=group.name, code=value or "—"), redo, undo)

    def refresh_plots(self) -> None:
        self.window_.writer.wait()
        self.plots.show_stats(self.window_.store.stats(annotator=self.window_.annotator).get("coding", {}))


class _Command(QUndoCommand):
    """An undo-stack entry from two callables; the first redo (on push) performs the action."""

    def __init__(self, text: str, do: Callable[[], None], undo: Callable[[], None]):
        super().__init__(text)
        self._do, self._undo = do, undo

    def redo(self) -> None:
        self._do()

    def undo(self) -> None:
        self._undo()
