"""The main window driven through its real widgets on a real SQLite store of the demo project:
every edit made in a panel is saved at once (checked through a second connection) and undoable."""
from __future__ import annotations

import shiboken6
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QMessageBox, QPushButton, QTabBar

from gui_support import isolated_settings, type_text
from rdrs_gui.core.document import ACCEPTED, DOC_DONE, SUGGESTED
from rdrs_gui.core.store import Store
from rdrs_gui.ui.dialogs.shortcuts import ShortcutEditor
from rdrs_gui.ui.main_window import MainWindow


def reopen(db, doc_id: int):
    """The document as a fresh connection sees it once the windows' queued edits are written
    (the writer thread saves them in the background): what survives a restart."""
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, MainWindow):
            assert widget.writer.wait(10)
    with Store.open(db) as store:
        return store.load_document(doc_id, "anna")


def open_named(w: MainWindow, name: str) -> int:
    doc_id = w.find_document(name)
    assert w.open_document(doc_id)
    return doc_id


def span_with(session, words: str):
    return next(s for s in session.visible_spans() if s.covered_text(session.text) == words)


def test_clicking_a_row_opens_that_document(qtbot, window):
    table = window.documents.table
    model = window.list_model
    row = next(r for r in range(model.rowCount()) if model.row_data(r).name == "demo-03")
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualRect(model.index(row, 0)).center())
    assert window.session.document.name == "demo-03"
    assert window.editor.session is window.session
    assert "demo-03" in window.windowTitle()
    assert window.chains_panel.tree.topLevelItemCount() == 1


def test_accepting_a_suggestion_in_the_panel_is_saved_and_undoable(qtbot, window, db):
    doc_id = open_named(window, "demo-06")
    panel = window.suggestions_panel
    assert panel.list.count() == 3
    first = panel.list.item(0)
    span_id = first.data(Qt.ItemDataRole.UserRole + 1)
    panel.list.setCurrentItem(first)
    assert window.editor.current_span_id() == span_id        # the editor shows the chosen suggestion
    qtbot.mouseClick(panel.accept_button, Qt.MouseButton.LeftButton)
    assert reopen(db, doc_id).span_by_id(span_id).status == ACCEPTED
    assert panel.list.count() == 2
    row = window.list_model.row_of(doc_id)
    assert window.list_model.row_data(row).suggestions == 2
    window.editor.undo_stack.undo()
    assert reopen(db, doc_id).span_by_id(span_id).status == SUGGESTED
    assert panel.list.count() == 3


def test_accept_all_above_a_score(qtbot, window, db):
    doc_id = open_named(window, "demo-07")
    panel = window.suggestions_panel
    panel.threshold.setValue(0.8)
    assert panel.accept_above.text() == "Accept 3"
    qtbot.mouseClick(panel.accept_above, Qt.MouseButton.LeftButton)
    doc = reopen(db, doc_id)
    assert sorted(s.score for s in doc.spans if s.status == ACCEPTED) == [0.82, 0.91, 0.96]
    assert panel.list.count() == 6


def test_span_panel_edits_labels_and_attributes(qtbot, window, db):
    doc_id = open_named(window, "demo-01")
    session = window.session
    drug = span_with(session, "Нурофен")
    window.editor.select_span(drug.id)
    panel = window.span_panel
    chips = sorted(b.objectName() for b in panel.findChildren(QPushButton) if b.objectName().startswith("chip-"))
    assert chips == ["chip-DrugBrand", "chip-DrugName"]
    med_from = panel.findChild(QComboBox, "attr-MedFrom")
    assert med_from.currentText() == "Foreign"
    med_from.setCurrentIndex(med_from.findText("Domestic"))
    med_from.activated.emit(med_from.currentIndex())
    assert reopen(db, doc_id).span_by_id(drug.id).attrs["MedFrom"] == "Domestic"

    atc = panel.findChild(QLineEdit, "attr-ATC")
    atc.setFocus()
    atc.selectAll()
    type_text(atc, "M01AE14")
    # Saved after a short pause in typing, without leaving the field.
    qtbot.waitUntil(lambda: reopen(db, doc_id).span_by_id(drug.id).attrs.get("ATC") == "M01AE14", timeout=3000)

    brand = panel.findChild(QPushButton, "chip-DrugBrand")
    qtbot.mouseClick(brand, Qt.MouseButton.LeftButton)
    assert reopen(db, doc_id).span_by_id(drug.id).labels == {"DrugName"}
    window.editor.undo_stack.undo()
    assert reopen(db, doc_id).span_by_id(drug.id).labels == {"DrugName", "DrugBrand"}



def test_clearing_an_imported_attribute_keeps_its_field_while_typing(qtbot, window, db):
    """Backspace over an attribute the schema does not declare (RDRS's Context) removed it, and
    with it its field, deleted inside its own keystroke: typing went nowhere (and Qt read freed
    memory)."""
    doc_id = open_named(window, "demo-01")
    drug = span_with(window.session, "Нурофен")
    window.session.set_attr(drug.id, "Context", "1|2")
    window.editor.select_span(drug.id)
    field = window.span_panel.findChild(QLineEdit, "attr-Context")
    assert field.text() == "1|2"
    qtbot.waitUntil(field.isVisible)       # a field added to a shown form is shown from the event loop
    field.setFocus()
    field.selectAll()
    QTest.keyClick(field, Qt.Key.Key_Backspace)
    assert shiboken6.isValid(field) and field.hasFocus()
    assert "Context" not in window.session.span(drug.id).attrs
    type_text(field, "3")
    qtbot.waitUntil(lambda: reopen(db, doc_id).span_by_id(drug.id).attrs.get("Context") == "3", timeout=3000)

def test_code_typed_then_document_switched_is_saved(qtbot, window, db):
    doc_id = open_named(window, "demo-05")
    drug = span_with(window.session, "ципрофлоксацина")
    window.editor.select_span(drug.id)
    atc = window.span_panel.findChild(QLineEdit, "attr-ATC")
    atc.setFocus()
    atc.selectAll()
    type_text(atc, "J01MA99")
    open_named(window, "demo-01")          # at once, before the typing pause ends
    assert reopen(db, doc_id).span_by_id(drug.id).attrs["ATC"] == "J01MA99"


def test_chains_panel_new_add_merge_split_remove(qtbot, window, db):
    doc_id = open_named(window, "demo-01")
    session, panel, editor = window.session, window.chains_panel, window.editor
    assert panel.tree.topLevelItemCount() == 1
    # a new chain from the current span
    editor.select_span(span_with(session, "таблетках").id)
    assert panel.new_button.isEnabled()
    qtbot.mouseClick(panel.new_button, Qt.MouseButton.LeftButton)
    assert len(reopen(db, doc_id).chains) == 2
    # add a text selection (not a span) to the first chain
    start = session.text.index("Больше")
    editor.set_selection(start, start + len("Больше"), snap=False)
    panel.tree.topLevelItem(0).setSelected(True)
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    first = next(c for c in reopen(db, doc_id).chains if c.mentions[0].fragments == [(7, 14)])
    assert [m.fragments for m in first.mentions][-1] == [(start, start + 6)]
    # merge both chains
    panel.tree.clearSelection()
    panel.tree.topLevelItem(0).setSelected(True)
    panel.tree.topLevelItem(1).setSelected(True)
    qtbot.mouseClick(panel.merge_button, Qt.MouseButton.LeftButton)
    chains = reopen(db, doc_id).chains
    assert len(chains) == 1 and len(chains[0].mentions) == 4
    # split two mentions off into a new chain
    panel.tree.clearSelection()
    item = panel.tree.topLevelItem(0)
    item.child(2).setSelected(True)
    item.child(3).setSelected(True)
    qtbot.mouseClick(panel.split_button, Qt.MouseButton.LeftButton)
    assert sorted(len(c.mentions) for c in reopen(db, doc_id).chains) == [2, 2]
    # remove one mention
    panel.tree.clearSelection()
    panel.tree.topLevelItem(0).child(0).setSelected(True)
    qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    assert sorted(len(c.mentions) for c in reopen(db, doc_id).chains) == [1, 2]
    # every step was one undo command
    for _ in range(5):
        editor.undo_stack.undo()
    assert [len(c.mentions) for c in reopen(db, doc_id).chains] == [2]


def test_hovering_a_chain_highlights_it_in_the_editor(qtbot, window):
    open_named(window, "demo-02")
    panel = window.chains_panel
    item = panel.tree.topLevelItem(0)
    chain_id = item.data(0, Qt.ItemDataRole.UserRole + 1)
    with qtbot.waitSignal(panel.chainHighlighted) as signal:
        panel.tree.itemEntered.emit(item, 0)
    assert signal.args == [chain_id]
    assert window.editor._state.chain == chain_id


def test_done_and_next_follows_the_list_order(qtbot, window, db):
    doc_id = open_named(window, "demo-05")
    window.actions_by_id["document.done_next"].trigger()
    assert reopen(db, doc_id).status == DOC_DONE
    model = window.list_model
    opened = window.current_doc_id()
    assert opened != doc_id
    row = model.row_of(opened)
    assert model.row_data(row).status not in ("done", "curated")
    assert all(model.row_data(r).status in ("done", "curated") for r in range(model.row_of(doc_id) + 1, row))
    assert window.documents.current_doc_id() == opened
    qtbot.waitUntil(lambda: window.progress.value() == 7, timeout=3000)   # 6 of 12 were done


def test_import_shows_progress_summary_and_refuses_bad_files(qtbot, window, tmp_path):
    good = tmp_path / "new.jsonl"
    good.write_text('{"id": "n1", "text": "Пила Кагоцел три дня."}\n'
                    '{"id": "n2", "text": "Смекта помогла.", "spans": [{"labels": ["DrugName"], '
                    '"fragments": [[0, 6]]}]}\n', encoding="utf-8")
    bad = tmp_path / "broken.jsonl"
    bad.write_text('{"id": "b1", "text": "Ок"}\n{"id": "b2", "text": \n', encoding="utf-8")
    window.start_import([str(good), str(bad)])
    qtbot.waitUntil(lambda: window.last_import is not None, timeout=10000)
    report = window.last_import
    assert report.summary.documents == 2 and report.summary.spans == 1
    assert len(report.refused) == 1 and "broken.jsonl:2" in report.refused[0][1]
    box = window.findChild(QMessageBox, "importSummary")
    assert box is not None and "Imported 2 documents" in box.text() and "broken.jsonl" in box.text()
    assert window.find_document("n1") is not None
    assert window.find_document("b1") is None               # nothing from a refused file
    assert window.list_model.total() == 14


def test_dropping_files_onto_the_window_imports_them(qtbot, window, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent
    path = tmp_path / "dropped.jsonl"
    path.write_text('{"id": "d1", "text": "Нурофен не помог."}\n', encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    qtbot.waitUntil(lambda: window.last_import is not None, timeout=10000)
    assert window.find_document("d1") is not None


def test_export_runs_off_the_ui_thread_and_reports(qtbot, window, tmp_path):
    out = tmp_path / "out.jsonl"
    window.start_export("jsonl", str(out), statuses=[DOC_DONE], annotator="anna")
    qtbot.waitUntil(lambda: "Exported" in window.statusBar().currentMessage(), timeout=10000)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5            # demo-01, 02, 04, 09, 10 are done
    assert '"suggested"' not in out.read_text(encoding="utf-8")


def test_empty_database_offers_the_demo_project(qtbot, tmp_path):
    settings = isolated_settings(tmp_path / "config")
    store = Store.open(tmp_path / "empty.sqlite")
    w = MainWindow(store, "boris", settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.centre.currentWidget() is w.welcome, timeout=5000)
    qtbot.mouseClick(w.demo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.session is not None, timeout=10000)
    assert w.session.document.name == "demo-01"
    assert w.centre.currentWidget() is w.editor_page
    assert w.list_model.total() == 12
    assert w.load_demo() is None          # never imported twice over the user's edits
    assert w.list_model.total() == 12
    w.close()
    store.close()


def test_cheat_sheet_and_shortcut_editor_read_the_registry(qtbot, window):
    window.actions_by_id["help.cheat_sheet"].trigger()
    sheet = window._cheat_sheet
    assert sheet.isVisible()
    text = sheet.browser.toPlainText()
    assert "Accept suggestion" in text and "Import files…" in text and "DrugName" in text
    window.edit_shortcuts()
    editor = window.findChild(ShortcutEditor, "shortcutEditor")
    error = editor.set_binding("document.next", "Ctrl+O")
    assert error and "Import files" in error
    assert "Refused" in editor.message.text()
    assert window.actions_by_id["document.next"].shortcut().toString() == "Shift+PgDown"
    assert editor.set_binding("document.next", "Ctrl+N") is None
    assert window.actions_by_id["document.next"].shortcut().toString() == "Ctrl+N"


def test_list_filter_keeps_the_open_document_selected(qtbot, window):
    doc_id = open_named(window, "demo-06")
    panel = window.documents
    panel.status.setCurrentIndex(panel.status.findData(("new", "pre-annotated", "in progress")))
    window.list_model.wait()
    assert panel.current_doc_id() == doc_id
    assert window.current_doc_id() == doc_id


def test_search_box_filters_by_text(qtbot, window):
    window.actions_by_id["view.search"].trigger()
    type_text(window.documents.search, "Супрастин")
    qtbot.waitUntil(lambda: window.list_model.rowCount() == 1, timeout=2000)
    assert window.list_model.row_data(0).name == "demo-06"


def test_a_file_of_unknown_format_is_refused_then_imported_as_named(qtbot, window, tmp_path):
    path = tmp_path / "reviews.data"          # JSON lines under a name no format claims
    path.write_text('{"id": "u1", "text": "Ношпа помогла от спазмов."}\n', encoding="utf-8")
    window.start_import([str(path)], show_summary=False)
    qtbot.waitUntil(lambda: window.last_import is not None, timeout=10000)
    assert window.last_import.summary is None
    assert "reviews.data" in window.last_import.refused[0][1]
    assert "Import refused" in window.statusBar().currentMessage()
    window.last_import = None
    window.start_import([str(path)], format="jsonl", show_summary=False)
    qtbot.waitUntil(lambda: window.last_import is not None, timeout=10000)
    assert window.last_import.summary.documents == 1
    assert window.find_document("u1") is not None


def test_cyclic_garbage_is_collected_on_the_ui_thread_only(window, qtbot):
    """Worker threads never start the cyclic GC (it destroyed Qt objects off the UI thread and
    crashed); the UI thread's timer collects cycles instead."""
    import gc
    import weakref

    assert not gc.isenabled()

    class Cycle:
        pass

    cycle = Cycle()
    cycle.me = cycle
    gone = weakref.ref(cycle)
    del cycle
    keep = [Cycle() for _ in range(10 * gc.get_threshold()[0])]   # would have started collections
    assert gone() is not None                                     # ...but did not, here
    qtbot.waitUntil(lambda: gone() is None, timeout=5000)         # the UI thread's timer did
    assert keep


def test_docked_panels_paint_their_own_background(qtbot, window):
    # After restoring a saved dock layout, QMainWindow leaves spare tab bars of the tabified docks
    # visible beneath the docks, at their pre-layout places; where a panel left its background
    # unpainted one showed through (a tab fragment between the Accept and Reject buttons).
    window.resize(1400, 900)
    window.loop.show_jobs()                                  # a tab beside suggestions and chains
    qtbot.wait(50)
    panels = [d.widget() for d in window.docks.values()
              if d.widget().isVisible() and not d.widget().visibleRegion().isEmpty()]     # not a hidden tab
    assert len(panels) >= 3                                  # documents, span, jobs
    assert window.loop.jobs in panels
    for panel in panels:                                     # a stale tab bar under each panel, as Qt leaves them
        stale = QTabBar(window)
        stale.addTab("Span")
        stale.addTab("Guidelines")
        stale.setGeometry(QRect(panel.mapTo(window, QPoint(0, 0)), panel.size()))
        stale.show()
        stale.lower()
    shot = window.grab().toImage()
    ratio = shot.devicePixelRatio()
    for panel in panels:
        own = panel.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
        origin = panel.mapTo(window, QPoint(0, 0))
        region = shot.copy(int(origin.x() * ratio), int(origin.y() * ratio), own.width(), own.height())
        assert region.convertToFormat(QImage.Format.Format_RGB32) == own, f"something shows through {panel!r}"


def test_the_document_list_opens_wide_enough_for_its_columns(qtbot, window):
    window.resize(1500, 900)
    qtbot.wait(50)
    table = window.documents.table
    assert table.isVisible()
    assert table.horizontalHeader().length() <= table.viewport().width()   # no column cut off
    assert not table.horizontalScrollBar().isVisible()
