"""What a first hour showed (issue 16 item 7), through the real widgets: the Jobs panel does not
take the editor's height on every job, chain numbers stay put when a chain is added, chips show
whole labels at the right edge, the shortcut editor shows whole key names, Ctrl+Z after a
restart says why nothing happens, and closing the window never waits on a worker process."""
from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetricsF, QKeySequence
from PySide6.QtTest import QTest

from gui_support import demo_store, isolated_settings
from rdrs_gui.core.document import SUGGESTED, Chain, Document, Mention, Span
from rdrs_gui.core.editing import EditSession
from rdrs_gui.core.schema import bundled
from rdrs_gui.core.store import Store
from rdrs_gui.jobs.queue import JobQueue
from rdrs_gui.ui.dialogs.shortcuts import ShortcutEditor
from rdrs_gui.ui.editor import SpanEditor
from rdrs_gui.ui.main_window import MainWindow


@pytest.fixture
def window(window):
    """conftest's window on the demo project, at the size of a 1366 x 768 screen."""
    window.resize(1366, 768)
    return window


def test_the_jobs_panel_opens_once_beside_the_suggestions_and_keeps_the_editor_height(qtbot, window,
                                                                                      monkeypatch):
    loop = window.loop
    jobs = iter(range(1, 10))
    monkeypatch.setattr(loop.controller, "retrain", lambda kind="tagger": next(jobs))   # no real training here
    qtbot.waitUntil(lambda: window.editor.height() > 0)
    height = window.editor.height()
    loop.retrain()
    qtbot.wait(20)
    assert loop.jobs_dock.isVisible()
    assert window.dockWidgetArea(loop.jobs_dock) == Qt.DockWidgetArea.RightDockWidgetArea
    assert loop.jobs_dock in window.tabifiedDockWidgets(window.docks["suggestions"])
    assert window.editor.height() == height                  # not a strip under the editor
    loop.jobs_dock.close()                                    # the user closes it …
    loop.retrain()
    qtbot.wait(20)
    assert not loop.jobs_dock.isVisible()                     # … and the next job leaves it closed
    loop.jobs_dock.toggleViewAction().trigger()               # Model → Jobs panel still opens it
    assert loop.jobs_dock.isVisible()


def test_chain_numbers_and_colours_stay_when_a_chain_is_added(qtbot, tmp_path):
    text = "Нурофен помог. Потом Нурофен перестал. Панадол тоже. Этот Панадол хуже. Врач сказал."
    first = text.index("Нурофен"), text.index("Нурофен") + 7
    chains = [Chain([Mention([(text.index("Панадол"), text.index("Панадол") + 7)]),
                     Mention([(text.rindex("Панадол"), text.rindex("Панадол") + 7)])]),
              Chain([Mention([(text.rindex("Нурофен"), text.rindex("Нурофен") + 7)]),
                     Mention([(text.index("Врач"), text.index("Врач") + 4)])])]
    with Store.open(tmp_path / "c.sqlite") as store:
        doc_id = store.import_documents([Document("c", text, chains=chains)]).document_ids[0]
        session = EditSession(store, doc_id, "anna")
        editor = SpanEditor()
        qtbot.addWidget(editor)
        editor.resize(700, 400)
        editor.set_session(session, bundled())
        editor.show()
        before = dict(editor._ensure_layout().chain_numbers)
        assert sorted(before.values()) == [1, 2]
        editor.set_selection(*first, snap=False)                 # the first word of the text …
        editor.link_to_chain()
        new_chain = next(a for a in editor._popup.actions() if a.data() == "")
        new_chain.trigger()                                       # … starts a new chain ("New chain")
        after = editor._ensure_layout().chain_numbers
        assert {cid: after[cid] for cid in before} == before      # nobody else renumbered (nor recoloured)
        new = next(cid for cid in after if cid not in before)
        assert after[new] == 3
        from rdrs_gui.ui.panels.chains import ordered_chains
        assert [c.id for c in ordered_chains(session.visible_chains())] == sorted(after, key=after.get)


def test_chip_labels_are_whole_at_the_right_edge_and_in_italics(qtbot, tmp_path):
    words = "принимала по две капсулы "
    text = words * 6 + "трижды"
    start = text.rindex("трижды")
    span = Span({"Frequency"}, [(start, start + 6)], origin="model:v1", status=SUGGESTED, score=None)
    with Store.open(tmp_path / "f.sqlite") as store:
        doc_id = store.import_documents([Document("f", text, spans=[span])]).document_ids[0]
        editor = SpanEditor()
        qtbot.addWidget(editor)
        editor.set_session(EditSession(store, doc_id, "anna"), bundled())
        lay = editor._ensure_layout()
        line = lay.line_of(start)
        editor.resize(int(lay.x(line, start + 6)) + 30, 300)     # the span ends at the right edge
        editor.show()
        qtbot.waitExposed(editor)
        lay = editor._ensure_layout()
        lay.place_through(len(lay.lines) - 1)
        item = next(it for ln in lay.lines for it in ln.items)
        italic = QFont(lay.label_font)
        italic.setItalic(True)
        assert item.chip_w >= QFontMetricsF(italic).horizontalAdvance("Frequency") + 6
        assert item.chip_x + item.chip_w <= editor.viewport().width()
        assert lay.item_at(item.chip_x + 2, lay.lanes_top(lay.line_of(start)) + 8) is item


def test_the_shortcut_editor_shows_whole_key_names(qtbot, window):
    dialog = ShortcutEditor(window.registry, window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    for action_id in ("suggestion.accept_visible", "span.grow_start_char"):
        edit = dialog._editors[action_id]
        shown = QKeySequence(window.registry.shortcuts(action_id)[0]).toString(
            QKeySequence.SequenceFormat.NativeText)
        field = edit.findChild(type(dialog.filter))
        assert field.text() == shown
        assert field.fontMetrics().horizontalAdvance(shown) < field.width() - 20, shown


def test_ctrl_z_after_a_restart_says_there_is_nothing_to_undo(qtbot, tmp_path):
    store = demo_store(tmp_path / "demo.sqlite")
    settings = isolated_settings(tmp_path / "config")
    first = MainWindow(store, "anna", settings)
    qtbot.addWidget(first)
    first.show()
    first.list_model.wait()
    doc_id = first.find_document("demo-06")
    first.open_document(doc_id)
    first.editor.setFocus()
    QTest.keyClick(first.editor, Qt.Key.Key_Tab)
    QTest.keyClick(first.editor, Qt.Key.Key_Return)          # one accepted suggestion
    first.close()
    store.close()
    store = Store.open(tmp_path / "demo.sqlite")
    again = MainWindow(store, "anna", settings)               # the restart
    qtbot.addWidget(again)
    again.show()
    again.list_model.wait()
    again.open_document(doc_id)
    before = sorted((s.id, s.status) for s in again.session.document.spans)
    again.editor.setFocus()
    QTest.keyClick(again.editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert again.statusBar().currentMessage().startswith("Nothing to undo")
    assert sorted((s.id, s.status) for s in store.load_document(doc_id, "anna").spans) == before
    again.close()
    store.close()


def test_closing_never_waits_on_a_running_job(tmp_path):
    """The job queue asked to close without waiting returns while its job still runs; a
    non-daemon thread then waits, so the process still exits only after the job ends."""
    store = demo_store(tmp_path / "demo.sqlite")
    release = threading.Event()
    queue = JobQueue(store)
    started = threading.Event()

    def slow_job(job):  # noqa: ANN001 - QueuedJob
        started.set()
        release.wait(30)
        from rdrs_gui.jobs.training import TrainingResult
        return TrainingResult("cancelled", "stopped")

    queue._run = slow_job
    from rdrs_gui.jobs.training import TrainingRequest
    queue.submit(TrainingRequest(kind="tagger"))
    assert started.wait(10)
    queue.close(wait=False)
    closing = [t for t in threading.enumerate() if t.name == "rdrs-jobs-closing"]
    assert closing and not closing[0].daemon and closing[0].is_alive()
    release.set()
    closing[0].join(10)
    assert not closing[0].is_alive()
    store.close()


def test_the_cheat_sheet_lists_the_fixed_keys_too(qtbot, window):
    window.show_cheat_sheet()
    text = window._cheat_sheet.browser.toPlainText()
    assert "Ctrl+Home" in text and "select new text from the caret" in text and "Next suggestion" in text
