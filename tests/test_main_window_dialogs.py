"""Dialog flows of the main window on real stores: export through the dialog, switching
databases (recent list), changing annotator (own layer and review states), guidelines."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from rdrs_gui.core.document import DOC_NEW, Document, Span
from rdrs_gui.core.store import Store
from rdrs_gui.ui.dialogs.annotator import AnnotatorDialog
from rdrs_gui.ui.dialogs.import_export import ExportDialog
from rdrs_gui.ui.main_window import MainWindow


def test_export_dialog_writes_the_chosen_format(qtbot, window, tmp_path):
    window.actions_by_id["file.export"].trigger()
    dialog = window.findChild(ExportDialog, "exportDialog")
    assert dialog.isVisible()
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()                      # nowhere to write yet
    dialog.format.setCurrentIndex(dialog.format.findData("jsonl"))
    out = tmp_path / "export.jsonl"
    dialog.out.setText(str(out))
    dialog.finished_only.setChecked(True)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Exported 6 documents" in window.statusBar().currentMessage(), timeout=10000)
    assert len(out.read_text(encoding="utf-8").splitlines()) == 6     # 5 done + 1 curated


def test_export_failure_names_the_destination_and_keeps_the_app(qtbot, window, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    out = blocker / "sub" / "out.jsonl"          # a folder inside a file: cannot be written
    window.start_export("jsonl", str(out), annotator="anna")

    def failure() -> QMessageBox | None:
        return next((b for b in window.findChildren(QMessageBox) if b.windowTitle() == "Export failed"), None)

    qtbot.waitUntil(lambda: failure() is not None, timeout=10000)
    assert f"Nothing was written to {out}" in failure().text()
    assert window.isVisible() and window.session is not None


def test_switching_database_reopens_there_and_remembers_it(qtbot, window, tmp_path):
    other = tmp_path / "other.sqlite"
    with Store.open(other) as s:
        s.import_documents([Document("o1", "Другая база: пила Аспирин.")], annotator="anna")
    window._switch_database(str(other))
    replacement = next(w for w in QApplication.topLevelWidgets()
                       if isinstance(w, MainWindow) and w is not window and w.isVisible())
    qtbot.addWidget(replacement)
    replacement.list_model.wait()
    qtbot.waitUntil(lambda: replacement.session is not None, timeout=5000)
    assert replacement.session.document.name == "o1"
    assert not window.isVisible()
    assert replacement.settings.recent_databases()[0] == replacement.store.url
    assert replacement.store.url.endswith("other.sqlite")
    replacement.close()
    replacement.store.close()


def test_each_annotator_has_their_own_layer_and_review_state(qtbot, window):
    doc_id = window.find_document("demo-01")
    window.open_document(doc_id)
    assert window.session.document.status == "done" and window.session.document.spans
    window.change_annotator()
    dialog = window.findChild(AnnotatorDialog)
    dialog.name_edit.setText("boris")
    dialog.accept()
    assert window.annotator == "boris" and window.settings.annotator == "boris"
    assert window.session.annotator == "boris"
    # The demo lives in anna's layer: boris starts this review from scratch, in his own state.
    assert window.session.document.status == DOC_NEW and window.session.document.spans == []
    text = window.session.text
    start = text.index("Нурофен")
    window.editor.edit("Add span", lambda ss: ss.add_span(Span({"DrugName"}, [(start, start + 7)])))
    window.list_model.wait()
    row = window.list_model.row_of(doc_id)
    assert window.list_model.row_data(row).annotator == "boris"
    assert window.list_model.row_data(row).status == "in progress"
    assert window.writer.wait(10)      # the edit is saved on the writer thread
    with Store.open(window.store.url) as store:
        assert store.load_document(doc_id, "anna").status == "done"
        assert len(store.load_document(doc_id, "anna").spans) == 11
        assert [s.labels for s in store.load_document(doc_id, "boris").spans] == [{"DrugName"}]


def test_guidelines_follow_the_current_span(qtbot, window):
    window.open_document(window.find_document("demo-01"))
    text = window.guidelines.browser.toPlainText()
    assert "Adverse drug reaction" in text and "MedFrom" in text
    drug = next(s for s in window.session.visible_spans() if s.labels == {"ADR"})
    window.editor.select_span(drug.id)
    assert "ADR [a] ◀" in window.guidelines.browser.toPlainText()
