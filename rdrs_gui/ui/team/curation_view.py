"""Curation mode: each annotator's version of a document beside the curated result (the shared
layer), all drawn by the span editor, so stacked, overlapping and discontinuous spans read the
same as while annotating.

Keys: Tab / Shift+Tab walk the places where the versions differ; 1, 2, 3… take that annotator's
version there, 0 takes none; Ctrl+Z undoes the last step. The curated result is a span editor
too: select and press a tag key to edit it in place (its own Ctrl+Z while it has the focus).
Auto-merge fills the curated layer with what every annotator marked. Every step is one change
set of the shared layer (one transaction, undoable) and leaves the document in state "curated".
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (QDialog, QGridLayout, QHBoxLayout, QLabel, QListWidget, QPushButton, QVBoxLayout,
                               QWidget)

from rdrs_gui.core.agreement import overlaps
from rdrs_gui.core.curation import auto_merge
from rdrs_gui.core.document import (DOC_CURATED, GOLD, HUMAN, HUMAN_STATUSES, Chain, Document, Fragment, Mention,
                                   Span)
from rdrs_gui.core.editing import Edit, EditSession, Writer
from rdrs_gui.core.errors import RdrsError, StoreError
from rdrs_gui.core.store import Store
from rdrs_gui.core.team import chain_places, disagreement_regions, document_versions

from ..editor.widget import SpanEditor


class _LayerView:
    """A read-only store holding one annotator's version, for a span editor to draw."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc

    def load_document(self, doc_id: int, annotator: str | None = None) -> Document:
        return copy.deepcopy(self.doc)

    def document_keys(self, doc_id: int) -> dict[str, set[str]]:
        return {"T": {s.id for s in self.doc.spans}, "C": {c.id for c in self.doc.chains}, "R": set()}

    def apply_changes(self, doc_id: int, changes: Sequence, annotator: str | None = None) -> None:
        raise StoreError("an annotator's version is read-only in curation; edit the curated result")


def _view(doc: Document, parent: QWidget) -> SpanEditor:
    editor = SpanEditor(parent)
    editor.set_session(EditSession(_LayerView(doc), doc.id or 0, None))
    editor.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return editor


class CurationDialog(QDialog):
    def __init__(self, store: Store, doc_id: int, write: Writer | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.versions = document_versions(store, doc_id)
        self.names = list(self.versions)
        self.session = EditSession(store, doc_id, None, write=write)
        self.history: list[Edit] = []
        self.regions = disagreement_regions(list(self.versions.values()))
        self.chain_places = chain_places(list(self.versions.values()))   # after the span places
        self.current = -1
        self.setWindowTitle(self.tr("Curation: {name}").format(name=self.session.document.name))
        self.resize(1200, 820)

        grid = QGridLayout()
        self.views: list[SpanEditor] = []
        for i, name in enumerate(self.names):
            label = QLabel(self.tr("{key}: {name}").format(key=i + 1, name=name), self)
            view = _view(self.versions[name], self)
            view.setObjectName(f"version{i + 1}")
            self.views.append(view)
            grid.addWidget(label, 0, i)
            grid.addWidget(view, 1, i)
        self.curated = SpanEditor(self)
        self.curated.setObjectName("curatedResult")
        self.curated.set_session(self.session)     # editable in place: its own keys, its own Ctrl+Z
        self.places = QListWidget(self)
        self.places.setObjectName("disagreements")
        self.places.setWordWrap(True)    # the list is narrow: a place's line wraps rather than hides
        self.places.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.places.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.places.setAlternatingRowColors(True)   # where one wrapped place ends and the next begins
        self.places.currentRowChanged.connect(self._show_place)
        self.status = QLabel(self)
        buttons = QHBoxLayout()
        made = []
        for text, slot in ((self.tr("Auto-merge (unanimous)"), self.auto_merge),
                           (self.tr("Take none (0)"), lambda: self.take(None)),
                           (self.tr("Undo (Ctrl+Z)"), self.undo), (self.tr("Close"), self.accept)):
            button = QPushButton(text, self)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(slot)
            buttons.addWidget(button)
            made.append(button)
        self.auto_button = made[0]
        lower = QHBoxLayout()
        right = QVBoxLayout()
        right.addWidget(QLabel(self.tr("Curated result (the document's gold)"), self))
        right.addWidget(self.curated, 1)
        left = QVBoxLayout()
        left.addWidget(QLabel(self.tr("Disagreements (Tab: next)"), self))
        left.addWidget(self.places, 1)
        lower.addLayout(left, 1)
        lower.addLayout(right, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(grid, 1)
        layout.addLayout(lower, 1)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.places.installEventFilter(self)    # digits and Ctrl+Z reach the dialog, not the list's search
        self.curated.installEventFilter(self)   # Tab and digits walk and resolve from the editor too
        self._fill_places()
        if self.places.count():
            self.places.setCurrentRow(0)        # the first place is shown at once
        self.places.setFocus()

    # -- places ---------------------------------------------------------------------------------
    def _fill_places(self) -> None:
        text = self.session.text
        self.places.blockSignals(True)
        self.places.clear()
        places = [" … ".join(text[s:e] for s, e in region)[:60] for region in self.regions]
        seen_twice = {words for words in places if places.count(words) > 1}
        for region, words in zip(self.regions, places):
            who = _describe([_inside(self.versions[n].spans, region) for n in self.names], region, text)
            before = _words_before(text, region[0][0]) if words in seen_twice else ""   # which «Афлубин» of two
            self._add_place(f"{before}«{words}»  " + " | ".join(f"{i + 1}: {w}" for i, w in enumerate(who)))
        for kind, mentions in self.chain_places:
            words = " ~ ".join(" ".join(text[s:e] for s, e in m) for m in sorted(mentions))
            counts = [len(_chains_at(self.versions[n].chains, kind, mentions)) for n in self.names]
            self._add_place(self.tr("{kind} chains «{words}»").format(kind=kind, words=words[:60]) + "  "
                            + " | ".join(f"{i + 1}: {c}" for i, c in enumerate(counts)))
        self.places.blockSignals(False)
        self.status.setText(self.tr("{n} places where the annotators differ").format(n=self.places.count()))

    def _add_place(self, line: str) -> None:
        self.places.addItem(line)
        self.places.item(self.places.count() - 1).setToolTip(line)   # the list is narrow

    def _show_place(self, row: int) -> None:
        self.current = row
        if not 0 <= row < self.places.count():
            return
        if row < len(self.regions):
            start, end = self.regions[row][0][0], self.regions[row][-1][1]
        else:
            mentions = self.chain_places[row - len(self.regions)][1]
            start, end = min(m[0][0] for m in mentions), max(m[-1][1] for m in mentions)
        for view in (*self.views, self.curated):
            view.set_selection(start, end, snap=False)

    def step(self, forward: bool = True) -> None:
        if not self.places.count():
            return
        row = self.current + (1 if forward else -1)
        self.places.setCurrentRow(row % self.places.count())

    # -- resolving ------------------------------------------------------------------------------
    def take(self, index: int | None) -> None:
        """The curated layer at the current place becomes annotator ``index``'s version (None: nothing)."""
        if not 0 <= self.current < self.places.count():
            self.status.setText(self.tr("Choose a place first (Tab)."))
            return
        if index is not None and not 0 <= index < len(self.names):
            return
        if self.current >= len(self.regions):
            self._take_chains(index, *self.chain_places[self.current - len(self.regions)])
            return
        region = self.regions[self.current]
        source = [] if index is None else _inside(self.versions[self.names[index]].spans, region)

        def do(session: EditSession) -> list[Edit]:
            done = [session.delete_span(span.id) for span in _inside(session.visible_spans(), region)]
            done += [session.add_span(Span(set(s.labels), list(s.fragments), dict(s.attrs), HUMAN, GOLD))
                     for s in source]
            return done + self._curated(session)
        self._edit(do)

    def _take_chains(self, index: int | None, kind: str, mentions: frozenset) -> None:
        """The curated chains of ``kind`` at these mentions become annotator ``index``'s."""
        source = [] if index is None else _chains_at(self.versions[self.names[index]].chains, kind, mentions)

        def do(session: EditSession) -> list[Edit]:
            done = [session.delete_chain(c.id) for c in _chains_at(session.visible_chains(), kind, mentions)]
            done += [session.apply(Edit("add_chain", Chain([Mention(list(m.fragments)) for m in c.mentions], kind)))
                     for c in source]
            return done + self._curated(session)
        self._edit(do)

    @staticmethod
    def _curated(session: EditSession) -> list[Edit]:
        return [session.set_status(DOC_CURATED)] if session.document.status != DOC_CURATED else []

    def auto_merge(self) -> None:
        merged = auto_merge(list(self.versions.values()))

        def do(session: EditSession) -> list[Edit]:
            done = [session.delete_span(span.id) for span in list(session.visible_spans())]
            done += [session.delete_chain(chain.id) for chain in list(session.visible_chains())]
            done += [session.add_span(span) for span in merged.spans]
            done += [session.apply(Edit("add_chain", chain)) for chain in merged.chains]
            return done + self._curated(session)
        self._edit(do)

    def _edit(self, do: Callable[[EditSession], list[Edit]]) -> None:
        """One step: one change set of the shared layer, its inverse kept for Ctrl+Z."""
        try:
            with self.session.unit():
                done = do(self.session)
        except RdrsError as exc:
            self.status.setText(str(exc))
            return
        if done:
            self.history.append(Edit("batch", tuple(reversed(done))))
        self.status.setText(self.tr("Saved; Ctrl+Z undoes it."))

    def undo(self) -> None:
        if not self.history:
            self.status.setText(self.tr("Nothing to undo."))
            return
        try:
            self.session.apply(self.history.pop())
        except RdrsError as exc:
            self.status.setText(str(exc))
            return
        self.status.setText(self.tr("Undone."))

    # -- keys -----------------------------------------------------------------------------------
    def focusNextPrevChild(self, forward: bool) -> bool:  # noqa: N802 - Qt override: Tab walks places
        self.step(forward)
        return True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab) and not event.modifiers() & ~(
                    Qt.KeyboardModifier.ShiftModifier):
                self.step(event.key() == Qt.Key.Key_Tab)
                return True
            if watched is self.curated and event.matches(QKeySequence.StandardKey.Undo):
                return False          # the editor's own undo, for what was edited in place
            if self._key(event):
                return True
        return super().eventFilter(watched, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        if not self._key(event):
            super().keyPressEvent(event)

    def _key(self, event: QKeyEvent) -> bool:
        if event.matches(QKeySequence.StandardKey.Undo):
            self.undo()
        elif Qt.Key.Key_1 <= event.key() <= Qt.Key.Key_9:
            self.take(event.key() - Qt.Key.Key_1)
        elif event.key() == Qt.Key.Key_0:
            self.take(None)
        else:
            return False
        return True


def _describe(found: list[list[Span]], region: list[Fragment], text: str) -> list[str]:
    """Each version's spans at one place, saying what differs between the versions: the
    labels, and the words a span covers where the spans there cover different words, and the
    attributes (a MedDRA code, MedFrom...) where those differ; otherwise three versions with
    the same labels would read alike while the place still asks for a decision."""
    spans = [span for version in found for span in version]
    words_differ = len({tuple(span.fragments) for span in spans}) > 1
    attrs_differ = len({tuple(sorted(span.attrs.items())) for span in spans}) > 1

    def one(span: Span) -> str:
        out = "+".join(sorted(span.labels))
        if words_differ and span.fragments != region:
            out += f" «{span.covered_text(text, ' … ')}»"
        if attrs_differ:
            out += " {" + (", ".join(f"{k}={v}" for k, v in sorted(span.attrs.items())) or "—") + "}"
        return out

    return [", ".join(map(one, version)) or "—" for version in found]


def _words_before(text: str, start: int, words: int = 2) -> str:
    """The few words before a place, to tell apart places that read alike ("…препаратом как ")."""
    head = text[max(0, start - 60):start].split()[-words:]
    return f"…{' '.join(head)} " if head else ""


def _inside(spans: Sequence[Span], region: list[Fragment]) -> list[Span]:
    """Human spans that share a character with the region."""
    return [s for s in spans if s.status in HUMAN_STATUSES and overlaps(s.fragments, region)]


def _chains_at(chains: Sequence[Chain], kind: str, mentions: frozenset) -> list[Chain]:
    """Human chains of ``kind`` with a mention among ``mentions``."""
    return [c for c in chains if c.label == kind and c.status in HUMAN_STATUSES
            and any(m.key() in mentions for m in c.mentions)]
