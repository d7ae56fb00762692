"""Faults seen from the window: the pre-annotation process killed mid-batch, a training job
killed, a bundle corrupted after activation. Each time the user is told what happened, the
window keeps working and the database stays consistent."""
from __future__ import annotations

import os
import signal

import pytest
from PySide6.QtWidgets import QApplication

from loop_support import model_window
from rdrs_gui.core.document import SUGGESTED
from rdrs_gui.jobs.preannotate import PREANNOTATED_BY

LONG = 120_000


@pytest.fixture
def window(qtbot, tmp_path, tmp_path_factory):
    w = model_window(qtbot, tmp_path, tmp_path_factory, gold=8, raw=12, epochs=30, syntax="none", max_minutes=3)
    yield w
    w.close()
    w.store.close()


def responsive(window) -> bool:
    """The window still opens documents and answers events."""
    QApplication.processEvents()
    return window.open_document(window.raw[-1]) and window.session.doc_id == window.raw[-1]


@pytest.mark.slow
def test_killing_the_pre_annotation_process_mid_batch(window, qtbot):
    loop, store = window.loop, window.store
    controller = loop.controller
    controller.batch_size = 2
    dialog = loop.show_preannotate()
    dialog.radios["list"].setChecked(True)
    with qtbot.waitSignal(controller.documentsPreannotated, timeout=LONG):
        dialog.start()
    with qtbot.waitSignal(controller.preannotateFinished, timeout=LONG) as done:
        os.kill(controller.service.pid, signal.SIGKILL)
    summary = done.args[0]
    assert "pre-annotation process was killed" in summary.error
    assert "was killed" in dialog.status.text() and "Run it again to continue" in dialog.status.text()
    assert "was killed" in window.statusBar().currentMessage()
    assert dialog.start_button.isEnabled() and responsive(window)
    for doc_id in window.raw:   # each review fully pre-annotated or untouched
        marked = PREANNOTATED_BY in store.document_meta(doc_id)
        assert marked or not any(s.status == SUGGESTED for s in store.load_document(doc_id, "anna").spans)
    with qtbot.waitSignal(controller.preannotateFinished, timeout=LONG) as again:
        dialog.start()      # the process starts again and resumes
    assert again.args[0].error is None and again.args[0].skipped > 0


@pytest.mark.slow
def test_a_corrupt_active_bundle_is_reported_when_pre_annotation_starts(window, qtbot):
    controller = window.loop.controller
    path = window.store.active_model("tagger").path
    weights = os.path.join(path, "weights.safetensors")
    original = open(weights, "rb").read()
    try:
        with open(weights, "wb") as f:
            f.write(original[:1000])
        dialog = window.loop.show_preannotate()
        with qtbot.waitSignal(controller.preannotateFinished, timeout=LONG) as done:
            dialog.start()
    finally:
        with open(weights, "wb") as f:
            f.write(original)
    assert "corrupt" in done.args[0].error and "weights.safetensors" in done.args[0].error
    assert "corrupt" in dialog.status.text()
    assert dialog.scope_line.text() == ""          # no scope was ever resolved: nothing to show
    assert responsive(window)


@pytest.mark.slow
def test_killing_a_training_job(window, qtbot):
    controller, panel = window.loop.controller, window.loop.jobs

    def kill_on_epoch(job_id: int, event: dict) -> None:
        if event.get("event") == "epoch":
            os.kill(controller.queue._current.token.process.pid, signal.SIGKILL)

    controller.jobEvent.connect(kill_on_epoch)
    with qtbot.waitSignal(controller.jobFinished, timeout=LONG) as finished:
        window.loop.retrain()
    result = finished.args[1]
    assert result.state == "failed" and "killed (signal 9)" in result.message
    assert "best checkpoint kept" in result.message            # the epoch it finished is kept
    qtbot.waitUntil(lambda: bool(window.loop.notices))
    assert "killed" in window.loop.notices[-1].findChild(type(panel.detail), "noticeText").text()
    assert panel.table.item(0, 1).text() == "✗ failed" and "killed" in panel.table.item(0, 3).text()
    assert window.store.list_jobs()[-1].state == "failed" and responsive(window)
