"""Coreference retrained from the app (issue 17, item 2): Model → Retrain coreference trains on
the chains of the reviews marked done, with the same progress, notice and activation as the
tagger; the notice compares by the CoNLL average and its parts; the next retrain continues from
the active coreference model; pre-annotation then suggests chains."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from coref_fixtures import TINY_COREF, chained_review
from gui_support import loop_window, preannotate_from_dialog
from rdrs_gui.core.document import SUGGESTED, Document
from rdrs_gui.core.store import Store
from rdrs_gui.ui.loop.jobs_panel import status_line

LONG = 180_000


@pytest.mark.slow
def test_retrain_coreference_from_the_menu_activate_it_and_get_chain_suggestions(qtbot, tmp_path):
    store = Store.open(tmp_path / "coref.sqlite")
    store.import_documents([chained_review(i) for i in range(8)])
    raw = store.import_documents([Document(f"new-{i}", chained_review(i).text) for i in range(2)]).document_ids
    window = loop_window(qtbot, store, tmp_path / "config", epochs=12, lr=0.01, options=TINY_COREF, max_minutes=3)
    loop, controller = window.loop, window.loop.controller
    assert controller.training_request("coref").init is None      # nothing to continue from yet

    with qtbot.waitSignal(controller.jobFinished, timeout=LONG) as finished:
        loop.actions["model.retrain_coref"].trigger()
    job_id, result = finished.args
    assert result.state == "done", result.message
    assert result.model.kind == "coref" and "CoNLL average F1" in result.message
    loop.jobs.refresh()
    assert loop.jobs.table.item(0, 0).text() == f"#{job_id} Retrain coreference"
    assert "training documents on" in status_line(loop.jobs.events.get(job_id, []))
    qtbot.waitUntil(lambda: bool(loop.notices))
    notice = loop.notices[-1]
    rows = [notice.table.item(r, 0).text() for r in range(notice.table.rowCount())]
    assert rows == ["CoNLL avg", "MUC", "B³", "CEAF-e"]
    assert "activate this one" in notice.findChild(QLabel, "noticeText").text()
    qtbot.mouseClick(notice.activate_button, Qt.MouseButton.LeftButton)
    assert store.active_model("coref").version == result.model.version
    assert controller.training_request("coref").init == result.model.path   # the next one fine-tunes it

    run = preannotate_from_dialog(qtbot, loop, timeout=LONG)
    assert run.error is None and run.documents == len(raw)
    chains = [c for i in raw for c in store.load_document(i, "anna").chains if c.status == SUGGESTED]
    assert chains and {c.origin for c in chains} == {f"model:{result.model.version}"}
    window.close()
    store.close()
