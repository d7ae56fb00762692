"""Correction without the mouse (issue 16 item 5): new text selected from the caret, the search
box, F2 straight to a code, Ctrl+Home/End, Tab after accept, the panel following Tab, and the
file dialogs' folders. Real widgets and key events, a real SQLite store checked through a
second connection."""
from __future__ import annotations

from pathlib import Path

import pytest
from editor_support import TEXT, at, shown_editor
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QInputDialog, QLineEdit

from gui_support import type_text
from rdrs_gui.core.document import ACCEPTED, GOLD, SUGGESTED, Document
from rdrs_gui.core.editing import EditSession
from rdrs_gui.core.schema import bundled
from rdrs_gui.core.store import Store
from rdrs_gui.ui.dialogs.import_export import ExportDialog
from rdrs_gui.ui.editor import SpanEditor
from rdrs_gui.ui.main_window import DEMO_FILE

SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def env(qtbot, tmp_path):
    editor, session, path, store = shown_editor(qtbot, tmp_path)
    said: list[str] = []
    editor.message.connect(said.append)
    yield editor, session, path, said
    store.close()


def key(widget, k, mods=Qt.KeyboardModifier.NoModifier):
    QTest.keyClick(widget, k, mods)


def saved_span(path: Path, doc_id: int, span_id: str):
    with Store.open(path) as store:
        return store.load_document(doc_id, "anna").span_by_id(span_id)


def test_shift_arrows_select_new_text_where_the_caret_was_even_after_esc(env):
    editor, session, path, said = env
    key(editor, Qt.Key.Key_Tab)                          # a suggestion ("температуры") is current
    key(editor, Qt.Key.Key_Escape)                       # nothing current, no caret any more
    assert editor.current_span_id() == "" and editor.selection() is None
    key(editor, Qt.Key.Key_Right, SHIFT)                 # selects the word, not "no span to resize"
    assert editor.selection() == at("температуры")
    key(editor, Qt.Key.Key_Escape)
    key(editor, Qt.Key.Key_Escape)
    key(editor, Qt.Key.Key_Right, SHIFT)                 # again from where the caret last was
    key(editor, Qt.Key.Key_Right, SHIFT)
    start, end = editor.selection()
    assert start == at("температуры")[1] and TEXT[start:end].strip() == ". Через"
    key(editor, Qt.Key.Key_T)                            # a tag key makes it a span
    span = session.span(editor.current_span_id())
    assert span.status == GOLD and span.labels == {"Note"}
    assert saved_span(path, session.doc_id, span.id).fragments == [(start, end)]
    assert not any("resize" in m for m in said)


def test_tab_after_accept_and_advance_does_not_skip_a_suggestion(env):
    editor, session, path, _said = env
    seen = []
    for _ in range(3):                                   # the habit: Tab to the next, Enter to accept
        key(editor, Qt.Key.Key_Tab)
        seen.append(session.span(editor.current_span_id()).covered_text(TEXT))
        key(editor, Qt.Key.Key_Return)
    assert seen == ["температуры", "сыпь", "сильная тошнота"]
    assert session.suggestions() == []
    statuses = {saved_span(path, session.doc_id, sid).status for sid in
                [s.id for s in session.document.spans if s.origin != "human"]}
    assert statuses == {ACCEPTED}


def test_f2_on_an_adr_opens_its_only_code_directly(env, qtbot):
    editor, session, path, _said = env
    adr = next(s for s in session.document.spans if s.covered_text(TEXT) == "сыпь")
    editor.select_span(adr.id)
    key(editor, Qt.Key.Key_Return)                       # accepted: now an ADR of the reviewer's
    editor.select_span(adr.id)
    asked = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        asked.append(dialog)
        if isinstance(dialog, QInputDialog):
            field = dialog.findChild(QLineEdit)
            field.setText("10037844")
            dialog.accept()

    QTimer.singleShot(100, answer)
    key(editor, Qt.Key.Key_F2)
    assert isinstance(asked[0], QInputDialog) and QApplication.activePopupWidget() is None
    assert saved_span(path, session.doc_id, adr.id).attrs == {"MedDRA": "10037844"}


def test_ctrl_home_and_end_scroll_the_whole_document(qtbot, tmp_path):
    text = " ".join(f"Абзац {i}: таблетки помогли, но болела голова." for i in range(120))
    with Store.open(tmp_path / "long.sqlite") as store:
        doc_id = store.import_documents([Document("long", text)]).document_ids[0]
        editor = SpanEditor()
        qtbot.addWidget(editor)
        editor.resize(600, 300)
        editor.set_session(EditSession(store, doc_id, "anna"), bundled())
        editor.show()
        qtbot.waitExposed(editor)
        editor.setFocus()
        bar = editor.verticalScrollBar()
        assert bar.value() == 0
        key(editor, Qt.Key.Key_End, CTRL)                # no caret yet: still goes to the end
        assert bar.value() == bar.maximum() > 0
        key(editor, Qt.Key.Key_Left, SHIFT)              # the caret is at the very end
        assert editor.selection()[1] == len(text)
        key(editor, Qt.Key.Key_Home, CTRL)
        assert bar.value() == 0


def test_ctrl_z_with_nothing_to_undo_says_so(env):
    editor, _session, _path, said = env
    key(editor, Qt.Key.Key_Z, CTRL)
    assert said and said[-1].startswith("Nothing to undo")


def test_enter_in_the_search_box_opens_the_first_hit_and_down_enters_the_list(qtbot, window):
    search = window.documents.search
    window.focus_search()
    type_text(search, "Зиртек")
    key(search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.session is not None and "Зиртек" in window.session.text
                    and window.documents.current_doc_id() == window.session.doc_id, timeout=5000)
    first = window.list_model.doc_id(0)
    assert window.session.doc_id == first
    qtbot.waitUntil(lambda: window.editor.hasFocus(), timeout=2000)
    search.clear()
    window.documents.apply_search()
    window.list_model.wait()
    window.focus_search()
    key(search, Qt.Key.Key_Down)
    assert window.documents.table.hasFocus()
    key(window.documents.table, Qt.Key.Key_Down)         # arrows in the list open documents
    qtbot.waitUntil(lambda: window.session.doc_id == window.documents.current_doc_id(), timeout=2000)


def test_panel_accept_follows_the_suggestion_reached_with_tab(qtbot, window):
    doc_id = window.find_document("demo-06")
    window.open_document(doc_id)
    panel, editor = window.suggestions_panel, window.editor
    panel.list.setCurrentRow(0)                          # an earlier choice in the panel …
    editor.setFocus()
    key(editor, Qt.Key.Key_Tab)
    key(editor, Qt.Key.Key_Tab)                          # … then Tab moved on in the editor
    current = editor.current_span_id()
    assert [i.data(Qt.ItemDataRole.UserRole + 1) for i in panel.list.selectedItems()] == [current]
    assert panel.accept_button.isEnabled()
    qtbot.mouseClick(panel.accept_button, Qt.MouseButton.LeftButton)
    assert window.writer.wait(10)      # saved on the writer thread
    with Store.open(window.store.url) as store:
        doc = store.load_document(doc_id, "anna")
    assert doc.span_by_id(current).status == ACCEPTED
    assert sum(s.status == SUGGESTED for s in doc.spans) == 2


def test_export_remembers_format_and_folder_and_import_never_starts_in_the_install_folder(
        qtbot, window, tmp_path, monkeypatch):
    window.actions_by_id["file.export"].trigger()
    dialog = window.findChild(ExportDialog, "exportDialog")
    dialog.format.setCurrentIndex(dialog.format.findData("brat"))
    out = tmp_path / "exports" / "brat-out"
    out.parent.mkdir()
    dialog.out.setText(str(out))
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Exported" in window.statusBar().currentMessage(), timeout=10000)
    again = ExportDialog(window, "anna", str(Path.home()))
    qtbot.addWidget(again)
    assert again.format.currentData() == "brat"
    started_in = []
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        lambda _parent, _title, folder, *a, **k: started_in.append(folder) or "")
    again._browse()
    assert started_in == [str(out.parent)]

    QSettings().setValue("last_dir", str(DEMO_FILE.parent))   # as an older version left it
    opened_in = []
    monkeypatch.setattr(QFileDialog, "getOpenFileNames",
                        lambda _parent, _title, folder, *a, **k: opened_in.append(folder) or ([], ""))
    window.import_files()
    assert opened_in == [str(Path.home())]
    window.start_import([str(DEMO_FILE)], annotator="bob", show_summary=False)   # the demo: not remembered
    (tmp_path / "mine").mkdir()
    QSettings().setValue("last_dir", str(tmp_path / "mine"))
    window.import_files()
    assert opened_in[-1] == str(tmp_path / "mine")
