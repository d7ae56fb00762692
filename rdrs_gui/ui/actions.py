"""The one registry of actions and hotkeys (napari style): menus, the cheat-sheet, the shortcut
editor and the span editor's own key dispatch all read this list, so a key shown in a menu is
the key that works.

Each action is data (``ActionSpec``): id, text, category, default shortcuts, and the target
("editor" or "window") whose method of that name it calls. Tag hotkeys come from the schema.
User rebindings persist in QSettings under ``shortcuts/<id>``; a binding that is already used
by another action is refused with a message naming that action.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSettings, Qt
from PySide6.QtGui import QAction, QKeySequence

from rdrs_gui.core.schema import Schema

EDITOR = "editor"
WINDOW = "window"
_PORTABLE = QKeySequence.SequenceFormat.PortableText
_NATIVE = QKeySequence.SequenceFormat.NativeText


@dataclass(frozen=True)
class ActionSpec:
    """One user command. ``slot`` is the method called on the target; ``arg`` is passed to it."""

    id: str
    text: str
    category: str
    shortcuts: tuple[str, ...] = ()
    target: str = EDITOR
    slot: str = ""
    arg: object = None
    tip: str = ""


# Keys chosen to avoid every default tag letter (a b c d e f g i m n o p q r s t u w) and to
# follow brat / INCEpTION habits where they exist: Tab walks suggestions, Enter accepts,
# Delete deletes, Ctrl+Z / Ctrl+Shift+Z undo and redo, Shift+Page Down opens the next document.
_STATIC: tuple[ActionSpec, ...] = (
    ActionSpec("suggestion.next", QT_TRANSLATE_NOOP("Actions", "Next suggestion"),
               "Suggestions", ("Tab",), slot="next_suggestion",
               tip=QT_TRANSLATE_NOOP("Actions", "Walk pending suggestions in reading order; the view follows.")),
    ActionSpec("suggestion.prev", QT_TRANSLATE_NOOP("Actions", "Previous suggestion"),
               "Suggestions", ("Shift+Tab",), slot="prev_suggestion"),
    ActionSpec("suggestion.accept", QT_TRANSLATE_NOOP("Actions", "Accept suggestion"),
               "Suggestions", ("Return", "Enter"), slot="accept_current",
               tip=QT_TRANSLATE_NOOP("Actions", "Accept the current suggestion and go to the next one.")),
    ActionSpec("suggestion.reject", QT_TRANSLATE_NOOP("Actions", "Reject suggestion"),
               "Suggestions", ("X",), slot="reject_current",
               tip=QT_TRANSLATE_NOOP("Actions",
                   "Reject the current suggestion; it never comes back for this document.")),
    ActionSpec("suggestion.accept_visible", QT_TRANSLATE_NOOP("Actions", "Accept all visible suggestions"),
               "Suggestions", ("Shift+Return",),
               slot="accept_visible"),
    ActionSpec("suggestion.reject_visible", QT_TRANSLATE_NOOP("Actions", "Reject all visible suggestions"),
               "Suggestions", ("Shift+X",),
               slot="reject_visible"),
    ActionSpec("span.next", QT_TRANSLATE_NOOP("Actions", "Next span"), "Navigate", ("]",), slot="next_span"),
    ActionSpec("span.prev", QT_TRANSLATE_NOOP("Actions", "Previous span"), "Navigate", ("[",), slot="prev_span"),
    ActionSpec("span.deselect", QT_TRANSLATE_NOOP("Actions", "Clear selection"),
               "Navigate", ("Esc",), slot="clear_selection",
               tip=QT_TRANSLATE_NOOP("Actions", "First clears the text selection, then the current span.")),
    ActionSpec("span.grow_end", QT_TRANSLATE_NOOP("Actions", "Grow span end by a token"),
               "Spans", ("Shift+Right",), slot="resize_span",
               arg=("end", +1, "token"),
               tip=QT_TRANSLATE_NOOP("Actions",
                   "With a caret (after an arrow key) Shift+arrows extend the text selection instead.")),
    ActionSpec("span.shrink_end", QT_TRANSLATE_NOOP("Actions", "Shrink span end by a token"),
               "Spans", ("Shift+Left",), slot="resize_span",
               arg=("end", -1, "token")),
    ActionSpec("span.grow_start", QT_TRANSLATE_NOOP("Actions", "Grow span start by a token"),
               "Spans", ("Ctrl+Shift+Left",), slot="resize_span",
               arg=("start", +1, "token")),
    ActionSpec("span.shrink_start", QT_TRANSLATE_NOOP("Actions", "Shrink span start by a token"),
               "Spans", ("Ctrl+Shift+Right",),
               slot="resize_span", arg=("start", -1, "token")),
    ActionSpec("span.grow_end_char", QT_TRANSLATE_NOOP("Actions", "Grow span end by a character"),
               "Spans", ("Alt+Shift+Right",),
               slot="resize_span", arg=("end", +1, "char")),
    ActionSpec("span.shrink_end_char", QT_TRANSLATE_NOOP("Actions", "Shrink span end by a character"),
               "Spans", ("Alt+Shift+Left",),
               slot="resize_span", arg=("end", -1, "char")),
    ActionSpec("span.grow_start_char", QT_TRANSLATE_NOOP("Actions", "Grow span start by a character"),
               "Spans", ("Ctrl+Alt+Shift+Left",),
               slot="resize_span", arg=("start", +1, "char")),
    ActionSpec("span.shrink_start_char", QT_TRANSLATE_NOOP("Actions", "Shrink span start by a character"),
               "Spans", ("Ctrl+Alt+Shift+Right",),
               slot="resize_span", arg=("start", -1, "char")),
    ActionSpec("span.add_fragment", QT_TRANSLATE_NOOP("Actions", "Add selection as a fragment"),
               "Spans", ("+",), slot="add_fragment",
               tip=QT_TRANSLATE_NOOP("Actions",
                   "Select more text, then press + to make the current span discontinuous.")),
    ActionSpec("span.remove_fragment", QT_TRANSLATE_NOOP("Actions", "Remove fragment"),
               "Spans", ("-",), slot="remove_fragment",
               tip=QT_TRANSLATE_NOOP("Actions", "Removes the fragment under the selection, else the last one.")),
    ActionSpec("span.delete", QT_TRANSLATE_NOOP("Actions", "Delete span"),
               "Spans", ("Del", "Backspace"), slot="delete_current",
               tip=QT_TRANSLATE_NOOP("Actions", "On a suggestion this rejects it.")),
    ActionSpec("span.edit_attributes", QT_TRANSLATE_NOOP("Actions", "Edit attributes…"),
               "Spans", ("F2",), slot="edit_attributes",
               tip=QT_TRANSLATE_NOOP("Actions", "MedFrom, MedMaker and normalisation codes (ATC, MKB10, MedDRA).")),
    ActionSpec("chain.link", QT_TRANSLATE_NOOP("Actions", "Add to a chain…"),
               "Coreference", ("L",), slot="link_to_chain",
               tip=QT_TRANSLATE_NOOP("Actions",
                   "Add the current span or selection to a chain of the kind shown (most recent first; K "
                   "shows the next kind) or start a new one.")),
    ActionSpec("chain.unlink", QT_TRANSLATE_NOOP("Actions", "Remove from its chain of the kind shown"),
               "Coreference", ("Shift+L",), slot="unlink_from_chain"),
    ActionSpec("edit.undo", QT_TRANSLATE_NOOP("Actions", "Undo"), "Edit", ("Ctrl+Z",), slot="undo"),
    ActionSpec("edit.redo", QT_TRANSLATE_NOOP("Actions", "Redo"), "Edit", ("Ctrl+Shift+Z", "Ctrl+Y"), slot="redo"),
    ActionSpec("document.done", QT_TRANSLATE_NOOP("Actions", "Mark document done"),
               "Document", ("Ctrl+Shift+Return",), slot="mark_done"),
    ActionSpec("document.done_next", QT_TRANSLATE_NOOP("Actions", "Done and next document"),
               "Document", ("Ctrl+Return",), target=WINDOW,
               slot="done_and_next"),
    ActionSpec("document.next", QT_TRANSLATE_NOOP("Actions", "Next document"),
               "Document", ("Shift+PgDown",), target=WINDOW, slot="next_document",
               tip=QT_TRANSLATE_NOOP("Actions", "The next document that is not done, in the list's current order.")),
    ActionSpec("document.prev", QT_TRANSLATE_NOOP("Actions", "Previous document"),
               "Document", ("Shift+PgUp",), target=WINDOW,
               slot="prev_document"),
    ActionSpec("help.cheat_sheet", QT_TRANSLATE_NOOP("Actions", "Keyboard cheat-sheet"),
               "Help", ("F1", "?"), target=WINDOW,
               slot="show_cheat_sheet"),
)


# Categories head the cheat-sheet's groups (declared here so lupdate collects them).
_CATEGORY_TEXTS = (QT_TRANSLATE_NOOP("Actions", "Suggestions"), QT_TRANSLATE_NOOP("Actions", "Navigate"),
                   QT_TRANSLATE_NOOP("Actions", "Spans"), QT_TRANSLATE_NOOP("Actions", "Coreference"),
                   QT_TRANSLATE_NOOP("Actions", "Edit"), QT_TRANSLATE_NOOP("Actions", "Document"),
                   QT_TRANSLATE_NOOP("Actions", "Help"), QT_TRANSLATE_NOOP("Actions", "File"),
                   QT_TRANSLATE_NOOP("Actions", "View"), QT_TRANSLATE_NOOP("Actions", "Model"),
                   QT_TRANSLATE_NOOP("Actions", "Tags"))


def tr(text: str) -> str:
    """An action's text, tip or category in the interface language (context "Actions")."""
    return QCoreApplication.translate("Actions", text) if text else text


def tag_action_id(tag: str) -> str:
    return f"tag.{tag}"


def portable(seq: str | QKeySequence) -> str:
    """Canonical text of a key sequence ("ctrl+z" and "Ctrl+Z" are the same binding)."""
    return QKeySequence(seq).toString(_PORTABLE)


@dataclass
class ActionRegistry:
    """Actions, their current bindings and the QActions made from them."""

    schema: Schema | None = None
    settings: QSettings | None = None
    specs: dict[str, ActionSpec] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._created: list[dict[str, QAction]] = []
        for spec in _STATIC:
            self.specs[spec.id] = spec
        if self.schema is not None:
            self.set_schema(self.schema)

    # -- declaring ------------------------------------------------------------------------------
    def register(self, spec: ActionSpec) -> None:
        """Add an action (W adds its window commands: import, export, retrain...)."""
        clash = [s for s in spec.shortcuts if self.owner(s) not in (None, spec.id)]
        if clash:
            self.warnings.append(QCoreApplication.translate("Actions", "{action}: {key} is already used by {other}").format(
                action=tr(spec.text), key=clash[0], other=tr(self.specs[self.owner(clash[0])].text)))
            spec = ActionSpec(spec.id, spec.text, spec.category, tuple(s for s in spec.shortcuts if s not in clash),
                              spec.target, spec.slot, spec.arg, spec.tip)
        self.specs[spec.id] = spec

    def set_schema(self, schema: Schema) -> None:
        """Replace the tag actions with the schema's tags and their default hotkeys."""
        self.schema = schema
        for key in [k for k in self.specs if k.startswith("tag.")]:
            del self.specs[key]
        from .panels.guidelines import guideline_text   # the tip is the guideline, in the UI's language

        for tag in schema.tags:
            self.register(ActionSpec(tag_action_id(tag.name), tag.name, "Tags",
                                     (tag.hotkey.upper(),) if tag.hotkey else (), EDITOR, "apply_tag", tag.name,
                                     guideline_text(tag)))

    # -- bindings -------------------------------------------------------------------------------
    def shortcuts(self, action_id: str) -> list[str]:
        """Current bindings (portable text): the user's, else the defaults."""
        if self.settings is not None:
            stored = self.settings.value(f"shortcuts/{action_id}")
            if stored is not None:
                return [portable(str(stored))] if str(stored) else []
        return [portable(s) for s in self.specs[action_id].shortcuts]

    def owner(self, seq: str) -> str | None:
        """Id of the action bound to ``seq``, if any."""
        want = portable(seq)
        return next((aid for aid in self.specs if want in self.shortcuts(aid)), None)

    def rebind(self, action_id: str, seq: str) -> str | None:
        """Bind ``seq`` (empty = no key) to the action; returns an error message or None."""
        if action_id not in self.specs:
            return QCoreApplication.translate("Actions", "Unknown action {id!r}.").format(id=action_id)
        text = portable(seq) if seq else ""
        if seq and (not text or QKeySequence(seq).count() != 1):
            return QCoreApplication.translate("Actions", "{key!r} is not a single key combination.").format(key=seq)
        holder = self.owner(text) if text else None
        if holder is not None and holder != action_id:
            return QCoreApplication.translate("Actions", "{key} is already used by “{action}”.").format(key=QKeySequence(text).toString(_NATIVE),
                                                                     action=tr(self.specs[holder].text))
        if self.settings is not None:
            self.settings.setValue(f"shortcuts/{action_id}", text)
        else:
            spec = self.specs[action_id]
            self.specs[action_id] = ActionSpec(spec.id, spec.text, spec.category, (text,) if text else (),
                                               spec.target, spec.slot, spec.arg, spec.tip)
        for actions in self._created:
            if action_id in actions:
                self._apply_shortcuts(actions[action_id])
        return None

    def reset(self, action_id: str) -> str | None:
        """Back to the default binding (refused if another action took that key meanwhile)."""
        default = self.specs[action_id].shortcuts
        for seq in default:
            holder = self.owner(seq)
            if holder not in (None, action_id):
                return QCoreApplication.translate("Actions", "{key} is now used by “{action}”.").format(key=seq, action=tr(self.specs[holder].text))
        if self.settings is not None:
            self.settings.remove(f"shortcuts/{action_id}")
        for actions in self._created:
            if action_id in actions:
                self._apply_shortcuts(actions[action_id])
        return None

    def cheat_sheet(self) -> list[tuple[str, str, str]]:
        """(category, text, shortcut) for every action, in declaration order."""
        return [(tr(s.category), tr(s.text), ", ".join(QKeySequence(k).toString(_NATIVE) for k in self.shortcuts(s.id)))
                for s in self.specs.values()]

    # -- Qt -------------------------------------------------------------------------------------
    def create_qactions(self, parent) -> dict[str, QAction]:
        """One QAction per spec. Editor actions get ``WidgetShortcut`` context and are never added
        to a widget, so Qt's shortcut map never fires them (the span editor dispatches its own
        keys; a single-letter tag key must not fire while a popup or a text field has the keys);
        menus still show and trigger them."""
        actions: dict[str, QAction] = {}
        for spec in self.specs.values():
            action = QAction(tr(spec.text), parent)
            action.setObjectName(spec.id)
            action.setData(spec.id)
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut if spec.target == EDITOR
                                      else Qt.ShortcutContext.WindowShortcut)
            self._apply_shortcuts(action)
            actions[spec.id] = action
        self._created.append(actions)
        return actions

    def connect(self, actions: dict[str, QAction], target: str, obj: object) -> list[str]:
        """Connect every action of ``target`` to the same-named method of ``obj``; returns ids wired."""
        wired = []
        for aid, action in actions.items():
            spec = self.specs.get(aid)
            if spec is None or spec.target != target or not hasattr(obj, spec.slot):
                continue
            action.triggered.connect(_caller(getattr(obj, spec.slot), spec.arg))
            wired.append(aid)
        return wired

    def _apply_shortcuts(self, action: QAction) -> None:
        aid = action.data()
        keys = self.shortcuts(aid)
        action.setShortcuts([QKeySequence(k) for k in keys])
        tip = tr(self.specs[aid].tip or self.specs[aid].text)
        if keys:
            tip = f"{tip} ({QKeySequence(keys[0]).toString(_NATIVE)})"
        action.setToolTip(tip)


def _caller(fn: Callable, arg: object) -> Callable[[], None]:
    if arg is None:
        return lambda *_: fn()
    return lambda *_: fn(arg)


# A Russian pharmacist types with the ЙЦУКЕН layout on: the key under "a" then produces "ф".
# Hotkeys follow the physical key, as in every Qt app on X11 / Windows with a Latin fallback.
_JCUKEN = dict(zip("йцукенгшщзхъфывапролджэячсмитьбюё", "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"))
_SHIFT_SYMBOLS = set("~!@#$%^&*()_+{}|:\"<>?")


def key_candidates(key: int, modifiers: Qt.KeyboardModifier, text: str) -> list[str]:
    """Portable key-sequence texts a key press may mean, most specific first."""
    mods = modifiers & ~Qt.KeyboardModifier.KeypadModifier
    if key in (Qt.Key.Key_Shift, Qt.Key.Key_Control, Qt.Key.Key_Alt, Qt.Key.Key_Meta, Qt.Key.Key_unknown) and not text:
        return []
    if key == Qt.Key.Key_Backtab:
        key, mods = Qt.Key.Key_Tab, mods | Qt.KeyboardModifier.ShiftModifier
    out: list[str] = []
    if key != Qt.Key.Key_unknown:
        out.append(_seq(mods, key))
    lowered = chr(key).lower() if 0x400 <= key <= 0x4FF else (text.lower() if len(text) == 1 else "")
    latin = _JCUKEN.get(lowered)
    if latin:
        out.append(_seq(mods, QKeySequence(latin.upper())[0].key()))
    if len(text) == 1 and text in _SHIFT_SYMBOLS | {"+", "-", "?", "[", "]"}:
        # "+" is Shift+= on most layouts; the binding says "+", not "Shift+=".
        out.append(_seq(mods & ~Qt.KeyboardModifier.ShiftModifier, QKeySequence(text)[0].key()))
    return list(dict.fromkeys(s for s in out if s))


def _seq(mods: Qt.KeyboardModifier, key: int) -> str:
    try:
        return QKeySequence(Qt.KeyboardModifier(mods) | Qt.Key(key)).toString(_PORTABLE)
    except ValueError:
        return ""
