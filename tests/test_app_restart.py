"""Never lose an edit: restart the app (or kill it) and find every edit, the document and the
scroll positions again; the first launch asks the annotator's name once; --screenshot renders
the window headless and exits."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from gui_support import demo_store, isolated_settings
from rdrs_gui.core.document import ACCEPTED, DOC_IN_PROGRESS, Document
from rdrs_gui.core.store import Store
from rdrs_gui.ui.app import main
from rdrs_gui.ui.dialogs.annotator import AnnotatorDialog
from rdrs_gui.ui.main_window import MainWindow

REPO = Path(__file__).resolve().parents[1]


def keys(widget, *key_list) -> None:
    for key in key_list:
        QTest.keyClick(widget, key)


def select_words(editor, words: str) -> None:
    start = editor.session.text.index(words)
    editor.set_selection(start, start + len(words))


def test_restart_finds_every_edit_the_document_and_the_scroll(qtbot, tmp_path):
    db = tmp_path / "db.sqlite"
    store = demo_store(db)
    long_text = " ".join(f"Предложение {i}: пила Нурофен, болела голова." for i in range(60))
    long_id = store.import_documents([Document("long-review", long_text)], annotator="anna").document_ids[0]
    settings = isolated_settings(tmp_path / "config")
    w = MainWindow(store, "anna", settings)
    qtbot.addWidget(w)
    w.resize(1100, 500)
    w.show()
    w.open_document(w.find_document("demo-06"))
    editor = w.editor
    editor.setFocus()
    keys(editor, Qt.Key.Key_Tab, Qt.Key.Key_Return)          # accept the first suggestion (Зиртек)
    select_words(editor, "Пробовали")
    keys(editor, Qt.Key.Key_S)                               # SourceInfoDrug on a selection
    keys(editor, Qt.Key.Key_T)                               # ... and stack Note on it
    new_span = editor.current_span_id()
    w.chains_panel.new_chain()                               # a chain from that span
    w.open_document(long_id)
    qtbot.waitUntil(lambda: editor.verticalScrollBar().maximum() > 300, timeout=3000)
    editor.verticalScrollBar().setValue(300)
    w.documents.table.verticalScrollBar().setValue(2)
    w.close()
    store.close()

    store2 = Store.open(db)
    w2 = MainWindow(store2, "anna", isolated_settings(tmp_path / "config"))
    qtbot.addWidget(w2)
    w2.resize(1100, 500)
    w2.show()
    w2.restore_position()
    assert w2.current_doc_id() == long_id
    qtbot.waitUntil(lambda: w2.editor.verticalScrollBar().value() == 300, timeout=3000)
    w2.open_document(w2.find_document("demo-06"))
    doc = w2.session.document
    accepted = [s for s in doc.spans if s.status == ACCEPTED]
    assert {frozenset(s.labels) for s in accepted} >= {frozenset({"DrugName", "DrugBrand"})}
    assert doc.span_by_id(new_span).labels == {"SourceInfoDrug", "Note"}
    assert any(m.fragments == doc.span_by_id(new_span).fragments for c in doc.chains for m in c.mentions)
    assert doc.status == DOC_IN_PROGRESS
    w2.close()
    store2.close()


KILLED_SCRIPT = textwrap.dedent("""
    import os, signal, sys
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    sys.path.insert(0, {tests!r})
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QLineEdit
    from gui_support import isolated_settings, type_text
    from rdrs_gui.core.store import Store
    from rdrs_gui.ui.main_window import MainWindow
    app = QApplication([])
    store = Store.open({db!r})
    w = MainWindow(store, "anna", isolated_settings({config!r}))
    w.show()
    w.open_document(w.find_document("demo-12"))
    editor = w.editor
    editor.setFocus()
    start = editor.session.text.index("Виферон")
    editor.set_selection(start, start + 7)
    QTest.keyClick(editor, Qt.Key.Key_D)
    QTest.keyClick(editor, Qt.Key.Key_B)
    start = editor.session.text.index("ОРВИ")
    editor.set_selection(start, start + 4)
    QTest.keyClick(editor, Qt.Key.Key_N)
    editor.select_span(editor.session.document.spans[0].id)
    code = w.span_panel.findChild(QLineEdit, "attr-ATC")
    code.setFocus()
    type_text(code, "L03AB05")
    code.clearFocus()          # leaving the field: what the user sees as done
    app.processEvents()
    w.writer.wait()            # saved on the writer thread, a few milliseconds after each edit
    print("EDITED", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
@pytest.mark.slow   # starts the app as a process, twice
def test_killing_the_app_loses_no_edit(tmp_path):
    db = tmp_path / "db.sqlite"
    demo_store(db).close()
    script = KILLED_SCRIPT.format(tests=str(REPO / "tests"), db=str(db), config=str(tmp_path / "config"))
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    assert "EDITED" in result.stdout, result.stderr
    assert result.returncode == -signal.SIGKILL
    with Store.open(db) as store:
        doc_id = next(r.id for r in store.list_documents(annotator="anna") if r.name == "demo-12")
        doc = store.load_document(doc_id, "anna")
    by_text = {s.covered_text(doc.text): s for s in doc.spans}
    assert by_text["Виферон"].labels == {"DrugName", "DrugBrand"}
    assert by_text["Виферон"].attrs == {"ATC": "L03AB05"}
    assert by_text["ОРВИ"].labels == {"DiseaseName"}
    assert doc.status == DOC_IN_PROGRESS


def _poll(condition, action, interval_ms: int = 20) -> None:
    """Run ``action`` once ``condition()`` holds, checking from the event loop."""
    def tick() -> None:
        if condition():
            action()
        else:
            QTimer.singleShot(interval_ms, tick)
    QTimer.singleShot(interval_ms, tick)


def _main_window() -> MainWindow | None:
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()), None)


def test_first_launch_asks_once_then_reopens_where_the_user_left(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("RDRS_DB", str(tmp_path / "user" / "rdrs.sqlite"))
    config = str(tmp_path / "config")
    asked: list[str] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        asked.append(dialog.windowTitle())
        dialog.name_edit.setText("Вера")
        dialog.accept()

    def first_session() -> None:
        w = _main_window()
        asked.append("welcome")                                # an empty machine offers the demo
        w.demo_button.click()
        _poll(lambda: w.session is not None, lambda: edit_and_close(w))

    def edit_and_close(w: MainWindow) -> None:
        w.open_document(w.find_document("demo-11"))
        w.editor.setFocus()
        QTest.keyClick(w.editor, Qt.Key.Key_Tab)
        QTest.keyClick(w.editor, Qt.Key.Key_Return)
        w.close()

    _poll(lambda: isinstance(QApplication.activeModalWidget(), AnnotatorDialog), answer)
    _poll(lambda: _main_window() is not None and _main_window().centre.currentWidget() is _main_window().welcome,
          first_session)
    assert main(["--config-dir", config]) == 0
    assert asked == ["Who is annotating?", "welcome"]

    seen: dict = {}

    def second_session() -> None:
        w = _main_window()
        seen["annotator"] = w.annotator
        seen["document"] = w.session.document.name if w.session else None
        seen["accepted"] = sum(s.status == ACCEPTED for s in w.session.document.spans) if w.session else 0
        seen["dialog"] = QApplication.activeModalWidget()
        seen["menus"] = [a.text() for a in w.menuBar().actions()]
        shortcuts = [a.shortcut().toString() for a in w.actions() if not a.shortcut().isEmpty()]
        seen["ambiguous"] = sorted({k for k in shortcuts if shortcuts.count(k) > 1})
        w.close()

    _poll(lambda: _main_window() is not None and _main_window().session is not None, second_session)
    assert main(["--config-dir", config]) == 0
    menus = seen.pop("menus")
    assert menus.count("&Model") == 1 and menus[-1] == "&Help"      # the model loop is installed once
    assert seen == {"annotator": "Вера", "document": "demo-11", "accepted": 1, "dialog": None, "ambiguous": []}


def test_screenshot_renders_the_window_and_exits(tmp_path):
    out = tmp_path / "shot.png"
    code = main(["--db", str(tmp_path / "demo.sqlite"), "--config-dir", str(tmp_path / "config"), "--demo",
                 "--annotator", "anna", "--open", "demo-02", "--screenshot", str(out)])
    assert code == 0
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1500, 900)
    with Store.open(tmp_path / "demo.sqlite") as store:
        assert store.count_documents() == 12
    bad = main(["--db", str(tmp_path / "demo.sqlite"), "--config-dir", str(tmp_path / "config"),
                "--open", "no-such-review", "--screenshot", str(tmp_path / "x.png")])
    assert bad == 2 and not (tmp_path / "x.png").exists()
