"""The action registry: one list of commands and hotkeys for menus, cheat-sheet and editor."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence

from rdrs_gui.core.schema import Schema, Tag, bundled
from rdrs_gui.ui.actions import EDITOR, WINDOW, ActionRegistry, ActionSpec, key_candidates


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def test_tag_hotkeys_come_from_the_schema_and_fill_the_cheat_sheet(qapp):
    registry = ActionRegistry(bundled())
    assert registry.shortcuts("tag.ADR") == ["A"]
    assert registry.owner("d") == "tag.DrugName"
    sheet = registry.cheat_sheet()
    assert ("Tags", "DrugBrand", "B") in sheet
    assert ("Suggestions", "Accept suggestion", "Return, Enter") in sheet
    assert {category for category, _, _ in sheet} >= {"Suggestions", "Spans", "Tags", "Edit", "Document", "Coreference"}
    assert registry.warnings == []   # default keys and the RDRS tag letters never collide


def test_every_default_key_is_bound_once(qapp):
    registry = ActionRegistry(bundled())
    seen: dict[str, str] = {}
    for action_id in registry.specs:
        for key in registry.shortcuts(action_id):
            assert key not in seen, f"{key} bound to {seen.get(key)} and {action_id}"
            seen[key] = action_id


def test_a_conflicting_rebinding_is_refused_with_the_holder_named(qapp, settings):
    registry = ActionRegistry(bundled(), settings)
    message = registry.rebind("tag.ADR", "x")
    assert message is not None and "Reject suggestion" in message
    assert registry.shortcuts("tag.ADR") == ["A"]
    assert registry.rebind("tag.ADR", "Ctrl+Alt+Q, Z") is not None   # one combination only


def test_rebinding_persists_and_updates_existing_qactions(qapp, settings):
    registry = ActionRegistry(bundled(), settings)
    actions = registry.create_qactions(None)
    assert registry.rebind("tag.ADR", "Z") is None
    assert actions["tag.ADR"].shortcut() == QKeySequence("Z")
    assert "(Z)" in actions["tag.ADR"].toolTip()
    assert registry.owner("A") is None
    assert registry.owner("z") == "tag.ADR"                          # the user's key, however it is written
    again = ActionRegistry(bundled(), QSettings(settings.fileName(), QSettings.Format.IniFormat))
    assert again.shortcuts("tag.ADR") == ["Z"]
    assert again.reset("tag.ADR") is None and again.shortcuts("tag.ADR") == ["A"]
    default = registry.specs["suggestion.reject"].shortcuts[0]
    assert registry.owner(default) == "suggestion.reject"
    assert registry.rebind("suggestion.reject", "") is None and registry.shortcuts("suggestion.reject") == []
    assert registry.owner(default) is None                            # no key: its default is free


def test_editor_actions_are_left_to_the_editor_and_window_actions_to_the_window(qapp):
    registry = ActionRegistry(bundled())
    actions = registry.create_qactions(None)
    assert actions["suggestion.accept"].shortcutContext() == Qt.ShortcutContext.WidgetShortcut
    assert actions["document.next"].shortcutContext() == Qt.ShortcutContext.WindowShortcut
    assert registry.specs["document.done_next"].target == WINDOW


def test_connect_calls_the_named_method_with_the_specs_argument(qapp):
    registry = ActionRegistry(bundled())
    actions = registry.create_qactions(None)
    calls = []

    class Target:
        def apply_tag(self, label):
            calls.append(("tag", label))

        def undo(self):
            calls.append(("undo",))

    wired = registry.connect(actions, EDITOR, Target())
    assert "tag.Note" in wired and "edit.undo" in wired and "suggestion.accept" not in wired
    actions["tag.Note"].trigger()
    actions["edit.undo"].trigger()
    assert calls == [("tag", "Note"), ("undo",)]


def test_another_schema_brings_its_own_tags_and_a_clashing_hotkey_is_reported(qapp):
    schema = Schema("cadec", [Tag("ADR", hotkey="a"), Tag("Drug", hotkey="x"), Tag("Finding")])
    registry = ActionRegistry(schema)
    assert "tag.DrugName" not in registry.specs and registry.shortcuts("tag.ADR") == ["A"]
    assert registry.shortcuts("tag.Drug") == [] and "Reject suggestion" in registry.warnings[0]
    registry.register(ActionSpec("file.import", "Import…", "File", ("Ctrl+I",), WINDOW, "import_files"))
    assert registry.owner("Ctrl+I") == "file.import"


def test_hotkeys_follow_the_physical_key_on_a_russian_layout():
    assert key_candidates(0x424, Qt.KeyboardModifier.NoModifier, "ф")[-1] == "A"         # Ф is on A
    assert "A" in key_candidates(Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, "ф")
    assert "Shift+X" in key_candidates(0x427, Qt.KeyboardModifier.ShiftModifier, "Ч")
    assert "+" in key_candidates(Qt.Key.Key_Plus, Qt.KeyboardModifier.ShiftModifier, "+")
    assert key_candidates(Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier, "") == ["Shift+Tab"]
    assert key_candidates(Qt.Key.Key_Return, Qt.KeyboardModifier.KeypadModifier, "\r") == ["Return"]
