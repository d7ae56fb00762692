"""The ADR classifier through the app: trained from the reviews marked done (their ADR spans
are the labels), activated from the training notice, then a batch pre-annotation stores its
ADR probability on each review and "most likely ADR first" orders the list by it."""
from __future__ import annotations

from PySide6.QtCore import Qt

from gui_support import isolated_settings
from loop_support import loop_store
from rdrs_gui.ui.loop.jobs_panel import status_line
from rdrs_gui.ui.main_window import MainWindow

LONG = 180_000


def test_train_the_classifier_activate_it_and_sort_the_queue_by_adr(qtbot, tmp_path):
    store, gold, raw = loop_store(tmp_path / "adr.sqlite", gold=10, raw=4)
    window = MainWindow(store, "anna", isolated_settings(tmp_path / "config"))
    loop, controller = window.loop, window.loop.controller
    controller.training_overrides.update({"epochs": 2, "max_minutes": 3})
    qtbot.addWidget(window)
    window.show()

    with qtbot.waitSignal(controller.jobFinished, timeout=LONG) as finished:
        loop.actions["model.train_classifier"].trigger()
    result = finished.args[1]
    assert result.state == "done", result.message
    assert result.model.kind == "classifier" and store.active_model("tagger") is None
    loop.jobs.refresh()
    assert loop.jobs.table.item(0, 0).text() == f"#{finished.args[0]} Train ADR classifier"
    line = status_line(loop.jobs.events.get(finished.args[0], []))
    assert "training documents on" in line and "None" not in line
    qtbot.waitUntil(lambda: bool(loop.notices))
    notice = loop.notices[-1]
    assert notice.table.rowCount() == 1 and notice.table.item(0, 0).text() == "ADR"
    qtbot.mouseClick(notice.activate_button, Qt.MouseButton.LeftButton)
    assert store.active_model("classifier").version == result.model.version

    dialog = loop.show_preannotate()
    dialog.radios["unlabelled"].setChecked(True)
    with qtbot.waitSignal(controller.preannotateFinished, timeout=LONG) as done:
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert done.args[0].error is None and done.args[0].documents == len(raw)
    probs = {i: store.load_document(i, "anna").meta.get("adr_prob") for i in raw}
    assert all(isinstance(p, float) and 0.0 <= p <= 1.0 for p in probs.values())
    assert len(set(probs.values())) > 1                 # a real score, so the order below means something

    loop.actions["model.sort_adr"].trigger()
    model = window.list_model
    model.wait()
    listed = [model.doc_id(r) for r in range(model.rowCount())]
    ranked = [i for i in listed if i in probs]
    assert len(ranked) == len(raw) and [probs[i] for i in ranked] == sorted(probs.values(), reverse=True)
    window.close()
    store.close()
