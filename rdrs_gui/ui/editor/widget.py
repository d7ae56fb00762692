"""The span editor: a custom-painted review with every span drawn in lanes under its words,
driven from the keyboard first.

Modes, kept few on purpose:
- a *current span* (Tab / ] / a click) is what Enter, X, Delete, tag keys and Shift+arrows act on;
- a *caret* appears after an arrow key or a click on plain text; Shift+arrows then extend a
  text selection (snapped to tokens; Alt for characters), and a tag key labels it.
Esc drops the caret first, then the current span.

Every change goes through ``EditSession`` (saved at once) inside a ``SessionCommand`` on
``undo_stack``; the widget redraws from the session's change events, only the lines touched.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from html import escape
from typing import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QUndoStack
from PySide6.QtWidgets import QAbstractScrollArea, QToolTip, QWidget

from rdrs_gui.core.document import COREFERENCE, DOC_DONE, GOLD, REJECTED, SUGGESTED, Mention, Span, chain_kinds
from rdrs_gui.core.editing import Change, Edit, EditSession
from rdrs_gui.core.errors import RdrsError
from rdrs_gui.core.schema import Schema, bundled

from ..actions import EDITOR, ActionRegistry, key_candidates
from ..i18n import status_text
from .commands import SessionCommand
from .layout import DocLayout
from .paint import PaintState, TagStyles, paint_lines
from .popups import attribute_menu, chain_picker, new_chain_kind, show_at
from .tokens import Tokens

_NAV_KEYS = {Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Home, Qt.Key.Key_End}


class SpanEditor(QAbstractScrollArea):
    currentSpanChanged = Signal(str)          # "" = no current span
    selectionChanged = Signal(int, int)       # snapped text selection; (-1, -1) = none
    message = Signal(str)                     # one line for the status bar
    attributesRequested = Signal(str)         # F2 on a span: W may focus its attribute panel
    chainKindChanged = Signal(str)            # the chain kind the picker shows ("" = all): the panel follows

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.session: EditSession | None = None
        self.schema: Schema | None = None
        self.paint_count = 0                   # benchmarks wait for the next paint
        self._layout: DocLayout | None = None
        self._tokens: Tokens | None = None
        self._styles: TagStyles | None = None
        self._label_order: dict[str, int] = {}
        self._state = PaintState()
        self._anchor: int | None = None
        self._precise = False
        self._dragging = False
        self._press: int | None = None
        self._warming = False
        self._popup = None                     # the open picker: parentless, so kept alive here
        self._last_caret: int | None = None
        self._advanced = ""                    # the suggestion accept/reject moved on to (Tab stays there)
        self._where = 0                        # where the caret or current span last was
        self._recent_chains: list[str] = []
        self.chain_kind = COREFERENCE          # the chain kind L picks from and starts ("" = all)
        # F2 on a coded attribute: (span, name, current, done) opens the window's coder (terminology lookup)
        self.code_asker: Callable[[Span, str, str | None, Callable[[str, str | None], None]], None] | None = None
        self._registry: ActionRegistry | None = None
        self._own_registry = False
        self._actions: dict[str, QAction] = {}
        self._keymap: dict[str, QAction] = {}
        self._text_font = QFont(self.font())
        self._text_font.setPixelSize(16)
        self._label_font = QFont(self.font())
        self._label_font.setPixelSize(10)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().setMouseTracking(True)
        self.viewport().setAutoFillBackground(False)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Always on: a scroll bar appearing would narrow the text and force a second layout.
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.verticalScrollBar().setSingleStep(24)

    # ================================================================ public API
    def set_session(self, session: EditSession | None, schema: Schema | None = None) -> None:
        """Show ``session``'s document; ``schema`` gives colours and hotkeys (labels it lacks are added)."""
        if self.session is not None:
            self.session.unsubscribe(self._on_change)
        self.session = session
        self.undo_stack.clear()
        self._state = PaintState(focused=self.hasFocus())
        self._anchor = None
        self._last_caret = None
        self._layout = None
        self._where = 0
        self._advanced = ""
        self._tokens = Tokens(session.text) if session is not None else None
        self._recent_chains = []
        if session is not None:
            base = schema or self.schema or bundled("rdrs")
            self.schema = base.extended(session.document.labels())
            self._styles = TagStyles(self.schema)
            self._label_order = {name: i for i, name in enumerate(self.schema.tag_names)}
            session.subscribe(self._on_change)
            stale = self._own_registry and _hotkeys(self._registry.schema) != _hotkeys(self.schema)
            if self._registry is None or stale:
                registry = ActionRegistry(self.schema)
                self.install_actions(registry, registry.create_qactions(self))
                self._own_registry = True
        self.verticalScrollBar().setValue(0)
        self.viewport().update()
        self.currentSpanChanged.emit("")
        self.selectionChanged.emit(-1, -1)

    def install_actions(self, registry: ActionRegistry, actions: dict[str, QAction]) -> None:
        """Use the app's registry and QActions (the same ones W puts in menus): this widget maps
        their current shortcuts to keys itself, so they act exactly while the editor has focus."""
        for action in self._actions.values():
            action.changed.disconnect(self._rebuild_keymap)
            if self._own_registry:
                action.deleteLater()
        self._registry = registry
        self._own_registry = False
        self._actions = {aid: a for aid, a in actions.items() if registry.specs.get(aid) and
                         registry.specs[aid].target == EDITOR}
        for action in self._actions.values():
            action.changed.connect(self._rebuild_keymap)
        registry.connect(actions, EDITOR, self)
        self._rebuild_keymap()

    @property
    def actions_by_id(self) -> dict[str, QAction]:
        return dict(self._actions)

    def current_span_id(self) -> str:
        return self._state.current

    def select_span(self, span_id: str, ensure_visible: bool = True) -> None:
        """Make a span current ("" clears); the view scrolls to keep it visible."""
        span_id = span_id or ""
        if self.session is not None and span_id:
            span = self.session.span(span_id)
            span_id = span.id if span is not None and span.status != REJECTED else ""
        old = self._state.current
        self._state.current = span_id
        if span_id != self._advanced:
            self._advanced = ""
        if span_id:
            self._where = self.session.span(span_id).start if self.session is not None else 0
        if old != span_id:
            self._update_spans(old, span_id)
            self.currentSpanChanged.emit(span_id)
        if span_id and ensure_visible:
            self.ensure_span_visible(span_id)

    def selection(self) -> tuple[int, int] | None:
        return self._state.selection

    def set_selection(self, start: int, end: int, snap: bool = True) -> None:
        """Select text programmatically (snapped to tokens unless ``snap`` is False)."""
        if snap and self.session is not None:
            start, end = self._toks().snap(start, end) or (start, start)
        self._anchor, self._state.caret, self._precise = start, end, not snap
        self._refresh_selection()

    def set_focus_range(self, extent: tuple[int, int] | None) -> None:
        """Highlight a passage (the sentence that drove the ADR score); None removes it."""
        if self.session is not None and extent is not None:
            try:   # from a document's meta, which an imported file may have filled with anything
                start, end = max(0, int(extent[0])), min(len(self.session.text), int(extent[1]))
            except (TypeError, ValueError, IndexError):
                start = end = 0
            extent = (start, end) if start < end else None
        if extent != self._state.focus:
            self._state.focus = extent
            self.viewport().update()

    def show_focus_range(self) -> None:
        """Scroll the highlighted passage into view."""
        lay = self._ensure_layout()
        if lay is not None and self._state.focus is not None:
            self._ensure_y_visible(*lay.range_rect_y(*self._state.focus))

    def highlight_chain(self, chain_id: str) -> None:
        """Frame one chain's mentions strongly (the chain panel calls this on hover)."""
        if chain_id != self._state.chain:
            self._state.chain = chain_id or ""
            self.viewport().update()

    def edit(self, text: str, do: Callable[[EditSession], Edit], focus_after: str | None = None) -> Edit | None:
        """Run one undoable edit; panels (attributes, chains) call this so Ctrl+Z covers them too.
        Returns the inverse, or None when the edit was refused (the reason goes to ``message``)."""
        if self.session is None:
            return None
        before = self._state.current
        try:
            with self.session.unit():     # however many operations: one change set, one transaction
                inverse = do(self.session)
        except RdrsError as exc:
            self.message.emit(str(exc))
            return None
        if inverse.empty:
            return inverse
        created = inverse.created_spans()
        after = focus_after if focus_after is not None else (created[-1] if created else self._state.current)
        self.undo_stack.push(SessionCommand(self.session, text, inverse, before, after,
                                            self._restore_focus, self.message.emit))
        self.select_span(after)
        return inverse

    def visible_suggestion_ids(self) -> list[str]:
        lay = self._ensure_layout()
        if lay is None:
            return []
        top = self.verticalScrollBar().value()
        lay.place_until(top + self.viewport().height())
        seen: dict[str, None] = {}
        for i in lay.lines_in(top, top + self.viewport().height()):
            for sid in lay.lines[i].spans:
                if lay.spans[sid].status == SUGGESTED:
                    seen[sid] = None
        return sorted(seen, key=lambda sid: (lay.spans[sid].start, lay.spans[sid].end, sid))

    def ensure_span_visible(self, span_id: str) -> None:
        lay = self._ensure_layout()
        extent = lay.span_rect_y(span_id) if lay else None
        if extent is not None:
            self._ensure_y_visible(*extent)

    # ================================================================ actions (registry slots)
    def apply_tag(self, label: str) -> None:
        """Label the selection, or relabel / stack a label on the current span."""
        session = self.session
        if session is None:
            return
        selected = self._state.selection
        if selected:
            start, end = selected
            same = next((s for s in session.visible_spans() if s.fragments == [(start, end)] and s.is_human), None)
            self._clear_caret()
            if same is not None:
                self.edit(self.tr("Add {label}").format(label=label), lambda ss: ss.add_label(same.id, label), same.id)
            else:
                span = Span({label}, [(start, end)], status=GOLD)
                self.edit(self.tr("Tag as {label}").format(label=label), lambda ss: ss.add_span(span))
            return
        span = session.span(self._state.current) if self._state.current else None
        if span is None:
            self.message.emit(self.tr("Select some text or a span first (Tab walks the suggestions)."))
        elif span.status == SUGGESTED:
            if span.labels == {label}:
                self.edit(self.tr("Accept {labels}").format(labels=label), lambda ss: ss.accept(span.id), span.id)
            else:
                self.edit(self.tr("Relabel as {label}").format(label=label), lambda ss: ss.set_labels(span.id, {label}))
        elif label not in span.labels:
            self.edit(self.tr("Add {label}").format(label=label), lambda ss: ss.add_label(span.id, label), span.id)
        elif len(span.labels) > 1:
            self.edit(self.tr("Remove {label}").format(label=label), lambda ss: ss.remove_label(span.id, label), span.id)
        else:
            self.message.emit(self.tr("{label} is this span's only label; Delete removes the span.").format(label=label))

    def accept_current(self) -> None:
        span = self._current()
        if span is None or span.status != SUGGESTED:
            self.next_suggestion()
            return
        following = self._neighbour(self.session.suggestions(), span, +1)
        self.edit(self.tr("Accept {labels}").format(labels=_labels(span)), lambda ss: ss.accept(span.id), span.id)
        self._advance(following)

    def reject_current(self) -> None:
        span = self._current()
        if span is None:
            self.message.emit(self.tr("No current suggestion to reject."))
            return
        if span.status != SUGGESTED:
            self.message.emit(self.tr("Only suggestions are rejected; Delete removes a span."))
            return
        following = self._neighbour(self.session.suggestions(), span, +1)
        self.edit(self.tr("Reject {labels}").format(labels=_labels(span)), lambda ss: ss.reject(span.id), "")
        self._advance(following)

    def accept_visible(self) -> None:
        ids = self.visible_suggestion_ids()
        if ids:
            self.edit(self.tr("Accept {n} suggestions").format(n=len(ids)), lambda ss: ss.accept_all(ids))
        else:
            self.message.emit(self.tr("No suggestions in view."))

    def reject_visible(self) -> None:
        ids = self.visible_suggestion_ids()
        if ids:
            self.edit(self.tr("Reject {n} suggestions").format(n=len(ids)), lambda ss: ss.reject_all(ids),
                      "" if self._state.current in ids else None)
        else:
            self.message.emit(self.tr("No suggestions in view."))

    def delete_current(self) -> None:
        span = self._current()
        if span is None:
            self.message.emit(self.tr("No current span to delete."))
        elif span.status == SUGGESTED:
            self.reject_current()
        else:
            self.edit(self.tr("Delete {labels}").format(labels=_labels(span)), lambda ss: ss.delete_span(span.id), "")

    def next_suggestion(self) -> None:
        if self._advanced and self._advanced == self._state.current:
            # Accept/reject already moved here: the Tab that habitually follows must not skip it.
            self._advanced = ""
            self.ensure_span_visible(self._state.current)
            return
        self._step(self.session.suggestions() if self.session else [], +1, self.tr("No other suggestion."))

    def prev_suggestion(self) -> None:
        self._step(self.session.suggestions() if self.session else [], -1, self.tr("No other suggestion."))

    def next_span(self) -> None:
        self._step(self._reading_order(), +1, self.tr("No other span."))

    def prev_span(self) -> None:
        self._step(self._reading_order(), -1, self.tr("No other span."))

    def clear_selection(self) -> None:
        if self._state.caret is not None or self._anchor is not None:
            self._clear_caret()
        else:
            self.select_span("")

    def resize_span(self, how: tuple[str, int, str]) -> None:
        """Grow (+1) or shrink (-1) the current span's start or end by a token or a character.
        With a caret, the same keys extend the text selection instead."""
        side, step, unit = how
        span = self._current()
        if self._state.caret is None and span is None and self.session is not None:
            # No span to resize: the keys select new text from where the caret last was.
            self._state.caret = min(max(self._where, 0), len(self.session.text))
        if self._state.caret is not None:
            self._move_caret(step if side == "end" else -step, unit, extend=True)
            return
        if span is None:
            self.message.emit(self.tr("No current span to resize (Tab or ] selects one)."))
            return
        frags = list(span.fragments)
        text_len = len(self.session.text)
        tokens = self._toks()
        if side == "end":
            s, e = frags[-1]
            if unit == "char":
                new = e + step
            else:
                new = tokens.next_end(e) if step > 0 else tokens.prev_end(e)
            ok = new is not None and s < new <= text_len
            frags[-1] = (s, new) if ok else frags[-1]
        else:
            s, e = frags[0]
            if unit == "char":
                new = s - step
            else:
                new = tokens.prev_start(s) if step > 0 else tokens.next_start(s)
            ok = new is not None and 0 <= new < e
            frags[0] = (new, e) if ok else frags[0]
        if not ok:
            self.message.emit(self.tr("The span cannot grow any further that way.") if step > 0
                              else self.tr("The span cannot shrink any further that way."))
            return
        what = (self.tr("Grow {labels} {side}") if step > 0 else self.tr("Shrink {labels} {side}")).format(
            labels=_labels(span), side=self.tr("end") if side == "end" else self.tr("start"))
        self.edit(what, lambda ss: ss.set_fragments(span.id, frags))

    def add_fragment(self) -> None:
        span, selected = self._current(), self._state.selection
        if span is None or not selected:
            self.message.emit(self.tr("Select a span, then select more text and press + to add it as a fragment."))
            return
        frags = span.fragments + [selected]
        self._clear_caret()
        self.edit(self.tr("Add fragment to {labels}").format(labels=_labels(span)),
                  lambda ss: ss.set_fragments(span.id, frags))

    def remove_fragment(self) -> None:
        span = self._current()
        if span is None or not span.is_discontinuous:
            self.message.emit(self.tr("The current span has only one fragment."))
            return
        where = self._state.selection or ((self._state.caret, self._state.caret + 1) if self._state.caret is not None
                                          else None)
        drop = next((f for f in span.fragments if where and f[0] < where[1] and where[0] < f[1]), span.fragments[-1])
        frags = [f for f in span.fragments if f != drop]
        self._clear_caret()
        self.edit(self.tr("Remove fragment of {labels}").format(labels=_labels(span)),
                  lambda ss: ss.set_fragments(span.id, frags))

    def edit_attributes(self) -> None:
        span = self._current()
        if span is None or self.schema is None:
            self.message.emit(self.tr("No current span."))
            return
        self.attributesRequested.emit(span.id)
        coder = self.code_asker
        menu = attribute_menu(self, self.schema, span, lambda name, value: self.edit(
            self.tr("Set {name}").format(name=name), lambda ss: ss.set_attr(span.id, name, value)),
            (lambda name, current, done: coder(span, name, current, done)) if coder else None)
        if menu.isEmpty():
            self.message.emit(self.tr("No attributes apply to {labels}.").format(labels=_labels(span)))
            menu.deleteLater()
            return
        entries = [a for a in menu.actions() if not a.isSeparator()]
        if len(entries) == 1 and not entries[0].isCheckable():
            # One code (an ADR's MedDRA): its editor at once, not a menu of one item.
            menu.deleteLater()
            entries[0].trigger()
            return
        self._popup = menu
        show_at(menu, self.viewport(), self._popup_point(span.id))

    def link_to_chain(self) -> None:
        """Add the selection or the current span to a chain: a picker, most recent chains first."""
        mention = self._mention()
        if mention is None or self.session is None:
            self.message.emit(self.tr("Select a span or some text to add to a coreference chain."))
            return
        every = self.session.visible_chains()
        rank = {cid: i for i, cid in enumerate(self._recent_chains)}

        def chains_of_kind(kind: str) -> list:
            chains = [c for c in every if not kind or c.label == kind]
            return sorted(chains, key=lambda c: (rank.get(c.id, len(rank)), -(c.mentions[-1].end if c.mentions else 0)))
        numbers = self._ensure_layout().chain_numbers
        kinds = list(dict.fromkeys([COREFERENCE, *chain_kinds(every)]))
        menu = chain_picker(self, chains_of_kind, self.session.text, numbers,
                            lambda cid: self._link(cid, mention), lambda: self._link("", mention),
                            self.chain_kind, kinds, self._pick_kind)
        self._popup = menu
        show_at(menu, self.viewport(), self._popup_point(self._state.current))

    def set_chain_kind(self, kind: str) -> None:
        """The chain kind the picker shows and starts ("" = every kind); the chain panel sets it."""
        self.chain_kind = kind

    def _pick_kind(self, kind: str) -> None:
        """Switched in the picker: the chain panel follows."""
        self.chain_kind = kind
        self.chainKindChanged.emit(kind)

    def unlink_from_chain(self) -> None:
        """Take the selection out of its chains of the kind shown (a Context group keeps it
        while coreference is shown)."""
        mention = self._mention()
        chains = self.session.chains_of(mention) if mention and self.session else []
        chains = [c for c in chains if not self.chain_kind or c.label == self.chain_kind]
        if not chains:
            self.message.emit(self.tr("The selection is not a mention of any chain."))
            return

        def do(ss: EditSession) -> Edit:
            return Edit("batch", tuple(reversed([ss.remove_mention(c.id, mention) for c in chains])))
        self._clear_caret()
        self.edit(self.tr("Remove mention from chain"), do)

    def mark_done(self) -> None:
        self.edit(self.tr("Mark document done"), lambda ss: ss.set_status(DOC_DONE))
        self.message.emit(self.tr("Document marked done."))

    def undo(self) -> None:
        if not self.undo_stack.canUndo():
            # The stack starts empty with each opened document (and each launch).
            self.message.emit(self.tr("Nothing to undo: edits made before this document was opened "
                                      "are saved and are not undone."))
            return
        self.undo_stack.undo()

    def redo(self) -> None:
        if not self.undo_stack.canRedo():
            self.message.emit(self.tr("Nothing to redo."))
            return
        self.undo_stack.redo()

    # ================================================================ helpers behind the actions
    def _current(self) -> Span | None:
        return self.session.span(self._state.current) if self.session and self._state.current else None

    def _reading_order(self) -> list[Span]:
        spans = self.session.visible_spans() if self.session else []
        return sorted(spans, key=lambda s: (s.start, s.end, s.id))

    @staticmethod
    def _neighbour(ordered: list[Span], ref: Span | tuple, direction: int) -> Span | None:
        """The next (or previous) span in reading order after ``ref``, wrapping around the
        document so walking the suggestions from the middle still reaches every one."""
        keys = [(s.start, s.end, s.id) for s in ordered]
        key = (ref.start, ref.end, ref.id) if isinstance(ref, Span) else ref
        i = bisect_right(keys, key) if direction > 0 else bisect_left(keys, key) - 1
        if not 0 <= i < len(ordered):
            i = 0 if direction > 0 else len(ordered) - 1
        found = ordered[i] if ordered else None
        return None if found is None or (isinstance(ref, Span) and found.id == ref.id) else found

    def _step(self, ordered: list[Span], direction: int, at_end: str) -> None:
        current = self._current()
        if current is not None:
            ref: Span | tuple = current
        else:
            pos = self._state.caret if self._state.caret is not None else self._top_position()
            ref = (pos, -1, "") if direction > 0 else (pos, 1 << 30, "")
        self._go(self._neighbour(ordered, ref, direction), at_end)

    def _advance(self, following: Span | None) -> None:
        self._go(following, self.tr("No suggestions left; Ctrl+Return marks the document done."))
        self._advanced = following.id if following is not None else ""

    def _go(self, span: Span | None, at_end: str) -> None:
        if span is None:
            self.message.emit(at_end)
            return
        self._clear_caret()
        self.select_span(span.id)

    def _top_position(self) -> int:
        lay = self._ensure_layout()
        return lay.lines[lay.line_at_y(self.verticalScrollBar().value())].start if lay else 0

    def _mention(self) -> Mention | None:
        if self._state.selection:
            return Mention([self._state.selection])
        span = self._current()
        return Mention(list(span.fragments)) if span else None

    def _link(self, chain_id: str, mention: Mention) -> None:
        self._clear_caret()
        if chain_id:
            inverse = self.edit(self.tr("Add mention to chain"), lambda ss: ss.add_mention(chain_id, mention))
        else:
            kind = new_chain_kind(self.chain_kind)
            inverse = self.edit(self.tr("Start chain"), lambda ss: ss.new_chain(mention, kind))
            chain_id = inverse.created_chains()[-1] if inverse is not None and inverse.created_chains() else ""
        if chain_id:
            self._recent_chains = [chain_id] + [c for c in self._recent_chains if c != chain_id]

    def _popup_point(self, span_id: str) -> QPoint:
        lay = self._ensure_layout()
        lines = lay.span_lines.get(span_id) if lay and span_id else None
        if lay is None:
            return QPoint(0, 0)
        if lines:
            i, x = lines[0], lay.spans[span_id].start
        else:
            pos = self._state.caret if self._state.caret is not None else 0
            i, x = lay.line_of(pos), pos
        return QPoint(int(lay.x(i, x)), int(lay.lanes_top(i) - self.verticalScrollBar().value()))

    def _restore_focus(self, span_id: str) -> None:
        self.select_span(span_id)

    # ================================================================ caret and selection
    def _toks(self) -> Tokens:
        if self._tokens is None:
            self._tokens = Tokens(self.session.text if self.session else "")
        return self._tokens

    def _warm_up(self) -> None:
        """After the first paint, one small step per event-loop turn (so a key never waits more
        than ~2 ms): place the lanes of the lines below the screen, then tokenise the text."""
        lay = self._layout
        if lay is not None and lay.placed < len(lay.lines):
            lay.place_through(lay.placed + 40)
            self._update_scrollbar()
            more = True
        else:
            more = self._tokens is not None and self._tokens.warm()
        self._warming = more
        if more:
            QTimer.singleShot(0, self._warm_up)

    def _clear_caret(self) -> None:
        if self._state.caret is None and self._anchor is None:
            return
        self._anchor = None
        self._state.caret = None
        self._refresh_selection()

    def _move_caret(self, step: int, unit: str, extend: bool) -> None:
        if self.session is None:
            return
        text_len = len(self.session.text)
        pos = self._state.caret
        if pos is None:
            span = self._current()
            pos = (span.end if step > 0 else span.start) if span else self._top_position()
            self._state.caret = pos
        elif unit == "char":
            pos = min(max(pos + step, 0), text_len)
        else:
            tokens = self._toks()
            nxt = tokens.next_end(pos) if step > 0 else tokens.prev_start(pos)
            pos = nxt if nxt is not None else (text_len if step > 0 else 0)
        self._set_caret(pos, extend, unit == "char")

    def _set_caret(self, pos: int, extend: bool, precise: bool) -> None:
        if extend:
            if self._anchor is None:
                self._anchor = self._state.caret if self._state.caret is not None else pos
        else:
            self._anchor = None
        self._state.caret = pos
        self._precise = precise
        self._refresh_selection()
        lay = self._ensure_layout()
        if lay is not None:
            i = lay.line_of(pos)
            self._ensure_y_visible(lay.lines[i].top, lay.lines[i].top + lay.lines[i].height)

    def _refresh_selection(self) -> None:
        old = self._state.selection
        new = None
        if self._anchor is not None and self._state.caret is not None and self._anchor != self._state.caret:
            a, c = sorted((self._anchor, self._state.caret))
            new = (a, c) if self._precise else self._toks().snap(a, c)
        self._state.selection = new
        caret = self._state.caret
        if caret is not None:
            self._where = caret
        for place in (old, new, (self._last_caret, self._last_caret), (caret, caret)):
            if place is not None and place[0] is not None:
                self._update_range(*place)
        self._last_caret = caret
        if new != old:
            self.selectionChanged.emit(*(new or (-1, -1)))

    # ================================================================ keyboard
    def _rebuild_keymap(self) -> None:
        self._keymap = {}
        for action in self._actions.values():
            for seq in action.shortcuts():
                self._keymap.setdefault(seq.toString(), action)

    def _action_for(self, event: QKeyEvent) -> QAction | None:
        for candidate in key_candidates(event.key(), event.modifiers(), event.text()):
            action = self._keymap.get(candidate)
            if action is not None and action.isEnabled():
                return action
        return None

    def event(self, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.ShortcutOverride and self._action_for(event) is not None:
            event.accept()   # our own key: window shortcuts must not steal it
            return True
        if kind == QEvent.Type.KeyPress and event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            self.keyPressEvent(event)   # Tab walks suggestions rather than moving focus
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        action = self._action_for(event)
        if action is not None:
            action.trigger()
            return
        key, mods = event.key(), event.modifiers()
        if key in _NAV_KEYS and self.session is not None:
            self._navigate(key, mods)
            return
        if key in (Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
            bar = self.verticalScrollBar()
            bar.setValue(bar.value() + (bar.pageStep() if key == Qt.Key.Key_PageDown else -bar.pageStep()))
            return
        super().keyPressEvent(event)

    def _navigate(self, key: int, mods: Qt.KeyboardModifier) -> None:
        extend = bool(mods & Qt.KeyboardModifier.ShiftModifier)
        precise = bool(mods & Qt.KeyboardModifier.AltModifier)
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right):
            self._move_caret(+1 if key == Qt.Key.Key_Right else -1, "char" if precise else "token", extend)
            return
        lay = self._ensure_layout()
        if key in (Qt.Key.Key_Home, Qt.Key.Key_End) and mods & Qt.KeyboardModifier.ControlModifier:
            pos = 0 if key == Qt.Key.Key_Home else len(self.session.text)
            lay.place_through(len(lay.lines))
            self._update_scrollbar()
            if self._state.caret is None and not extend:
                self._state.caret = pos
            self._set_caret(pos, extend, precise)
            bar = self.verticalScrollBar()
            bar.setValue(bar.minimum() if key == Qt.Key.Key_Home else bar.maximum())
            return
        if self._state.caret is None:
            self._move_caret(+1 if key in (Qt.Key.Key_Down, Qt.Key.Key_End) else -1, "token", False)
            return
        pos = self._state.caret
        i = lay.line_of(pos)
        if key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            j = max(0, min(len(lay.lines) - 1, i + (1 if key == Qt.Key.Key_Down else -1)))
            pos = lay.cursor_at(lay.x(i, pos), lay.text_top(j) + 1)
        else:
            pos = lay.lines[i].start if key == Qt.Key.Key_Home else lay.lines[i].end
        self._set_caret(pos, extend, precise)

    def focusInEvent(self, event) -> None:  # noqa: ANN001
        self._state.focused = True
        self.viewport().update()
        super().focusInEvent(event)

    def focusOutEvent(self, event) -> None:  # noqa: ANN001
        self._state.focused = False
        self.viewport().update()
        super().focusOutEvent(event)

    # ================================================================ mouse
    def mousePressEvent(self, event: QMouseEvent) -> None:
        lay = self._ensure_layout()
        if lay is None or event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        x, y = event.position().x(), event.position().y() + self.verticalScrollBar().value()
        item = lay.item_at(x, y)
        if item is not None:
            self._clear_caret()
            self.select_span(item.span_id)
            self._press = None
            return
        self._press = lay.cursor_at(x, y)
        self._dragging = False
        self._anchor = self._press
        self._state.caret = self._press
        self._precise = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
        self._refresh_selection()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        lay = self._ensure_layout()
        if lay is None:
            return
        x, y = event.position().x(), event.position().y() + self.verticalScrollBar().value()
        if event.buttons() & Qt.MouseButton.LeftButton and self._press is not None:
            pos = lay.cursor_at(x, y)
            self._dragging = self._dragging or pos != self._press
            self._state.caret = pos
            self._precise = bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
            self._refresh_selection()
            return
        self._set_hover(self._span_at_point(x, y))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        lay = self._ensure_layout()
        press = self._press
        self._press = None
        if lay is None or press is None or self._dragging:
            return
        x, y = event.position().x(), event.position().y() + self.verticalScrollBar().value()
        char = lay.char_at(x, y)
        hits = lay.spans_at(char) if char is not None else []
        if hits:
            # Clicking again on stacked spans cycles through them, innermost first.
            current = self._state.current
            nxt = hits[(hits.index(current) + 1) % len(hits)] if current in hits else hits[0]
            self._clear_caret()
            self.select_span(nxt, ensure_visible=False)
        else:
            self.select_span("")

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        lay = self._ensure_layout()
        if lay is None:
            return
        char = lay.char_at(event.position().x(), event.position().y() + self.verticalScrollBar().value())
        token = self._toks().token_at(char) if char is not None else None
        if token:
            self.set_selection(*token)

    def leaveEvent(self, event) -> None:  # noqa: ANN001
        self._set_hover("")
        super().leaveEvent(event)

    def _span_at_point(self, x: float, y: float) -> str:
        lay = self._layout
        item = lay.item_at(x, y)
        if item is not None:
            return item.span_id
        char = lay.char_at(x, y)
        hits = lay.spans_at(char) if char is not None else []
        return hits[0] if hits else ""

    def _set_hover(self, span_id: str) -> None:
        if span_id != self._state.hover:
            old, self._state.hover = self._state.hover, span_id
            self._update_spans(old, span_id)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and self._layout is not None and self.session is not None:
            pos = event.pos()
            span_id = self._span_at_point(pos.x(), pos.y() + self.verticalScrollBar().value())
            span = self.session.span(span_id) if span_id else None
            if span is not None:
                QToolTip.showText(event.globalPos(), _tooltip(span, self.session.text), self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    # ================================================================ layout, painting, scrolling
    def _ensure_layout(self) -> DocLayout | None:
        if self._layout is None and self.session is not None:
            lay = DocLayout(self.session.text, self._text_font, self._label_font,
                            float(max(200, self.viewport().width())), self._label_order)
            lay.set_spans(self.session.visible_spans())
            lay.set_chains(self.session.visible_chains())
            self._layout = lay
            self._update_scrollbar()
        return self._layout

    def _update_scrollbar(self) -> None:
        bar = self.verticalScrollBar()
        height = self.viewport().height()
        bar.setRange(0, max(0, int(self._layout.total_height + 20 - height)) if self._layout else 0)
        bar.setPageStep(height)

    def _ensure_y_visible(self, y0: float, y1: float) -> None:
        bar = self.verticalScrollBar()
        top, height = bar.value(), self.viewport().height()
        if y0 < top:
            bar.setValue(int(y0) - 8)
        elif y1 > top + height:
            bar.setValue(int(min(y0 - 8, y1 - height + 8)))

    def resizeEvent(self, event) -> None:  # noqa: ANN001
        super().resizeEvent(event)
        if self._layout is not None and abs(self._layout.width - self.viewport().width()) > 0.5:
            first = self._layout.lines[self._layout.line_at_y(self.verticalScrollBar().value())].start
            self._layout = None
            lay = self._ensure_layout()
            self.verticalScrollBar().setValue(int(lay.lines[lay.line_of(first)].top))
        elif self._layout is not None:
            self._update_scrollbar()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        self.viewport().scroll(0, dy)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self.viewport())
        rect = event.rect()
        painter.fillRect(rect, self.palette().base())
        lay = self._ensure_layout()
        if lay is None:
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter,
                             self.tr("Open a document to annotate it."))
        else:
            top = self.verticalScrollBar().value()
            if lay.place_until(rect.bottom() + top):
                self._update_scrollbar()
            painter.translate(0, -top)
            lines = lay.lines_in(rect.top() + top, rect.bottom() + top)
            paint_lines(painter, lay, lines.start, lines.stop - 1, self._state, self._styles, self.palette(),
                        lay.width)
            if not self._warming:
                self._warming = True
                QTimer.singleShot(0, self._warm_up)
        painter.end()
        self.paint_count += 1

    def _update_range(self, start: int, end: int) -> None:
        """Repaint the lines holding text ``[start, end]`` (a selection or a caret)."""
        lay = self._layout
        if lay is None:
            return
        for i in range(lay.line_of(start), lay.line_of(end) + 1):
            self.viewport().update(self._line_rect(i))

    def _line_rect(self, i: int, to_bottom: bool = False) -> QRect:
        ln = self._layout.lines[i]
        top = int(ln.top) - self.verticalScrollBar().value()
        height = self.viewport().height() - top if to_bottom else int(ln.height) + 2
        return QRect(0, top - 1, self.viewport().width(), height + 1)

    def _update_spans(self, *span_ids: str) -> None:
        lay = self._layout
        if lay is None:
            return
        for span_id in span_ids:
            for i in lay.span_lines.get(span_id, []) if span_id else []:
                self.viewport().update(self._line_rect(i))

    def _on_change(self, change: Change) -> None:
        session, lay = self.session, self._layout
        if change.spans and self._state.current in change.spans:
            span = session.span(self._state.current)
            if span is None or span.status == REJECTED:
                self._state.current = ""
                self.currentSpanChanged.emit("")
        if lay is None:
            return
        touched: set[int] = set()
        moved = False
        if change.spans:
            changed = {}
            for span_id in change.spans:
                span = session.span(span_id)
                changed[span_id] = span if span is not None and span.status != REJECTED else None
            touched, moved = lay.update_spans(changed)
        if change.chains:
            touched |= lay.set_chains(session.visible_chains())
        if moved:
            self._update_scrollbar()
            self.viewport().update(self._line_rect(min(touched), to_bottom=True))
        else:
            for i in touched:
                self.viewport().update(self._line_rect(i))


def _hotkeys(schema: Schema | None) -> list[tuple[str, str]]:
    return [(t.name, t.hotkey) for t in schema.tags] if schema else []


def _labels(span: Span) -> str:
    return "+".join(sorted(span.labels))


def _tooltip(span: Span, text: str) -> str:
    rows = [f"<b>{escape(_labels(span))}</b> — «{escape(span.covered_text(text, ' … '))}»",
            escape(status_text(span.status))
            + (escape(QCoreApplication.translate("SpanEditor", ", score {score}").format(score=f"{span.score:.2f}"))
               if span.score is not None else "")
            + (f", {escape(span.origin)}" if span.origin != "human" else "")]
    rows += [f"{escape(k)} = {escape(v)}" for k, v in sorted(span.attrs.items())]
    if span.is_discontinuous:
        rows.append(escape(QCoreApplication.translate("SpanEditor", "{n} fragments").format(n=len(span.fragments))))
    return "<br>".join(rows)
