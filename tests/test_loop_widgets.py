"""The model loop's widgets in the real main window (offscreen), without running models:
menus and shortcuts, the registry dialog (comparison, learning curve, activate, roll back,
the auto-activation rule, a corrupt bundle), the training notice, the jobs panel's live curve,
and refusals (no active model, a full queue) that leave the window usable."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from loop_support import dev_report, fake_bundle, loop_store
from rdrs_gui.jobs import registry
from rdrs_gui.jobs.training import TrainingResult
from rdrs_gui.ui.loop.curve import CurveWidget, Series, axis_ticks, plotted_points
from rdrs_gui.ui.loop.jobs_panel import curve_points
from rdrs_gui.ui.loop.notice import TrainingNotice, delta_text
from rdrs_gui.ui.loop.registry_dialog import learning_curve


@pytest.fixture
def window_store(tmp_path):
    return loop_store(tmp_path / "w.sqlite", gold=6, raw=3)[0]


def register(store, tmp_path, version: str, f1: dict[str, float], docs: int, active: bool = False):
    path = fake_bundle(tmp_path / version, version, tuple(f1))
    model_id = store.register_model("tagger", path, version, {"dev": dev_report(f1)}, list(range(docs)), "cpu",
                                    active=active, snapshot={"train": list(range(docs)), "dev": [99], "eval": []})
    return store.model(model_id)


def test_loop_actions_are_in_the_menu_the_toolbar_and_the_shortcut_registry(window):
    loop = window.loop
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Model")
    assert [a.text() for a in menu.actions()][:5] == ["Pre-annotate…", "Retrain", "Train ADR classifier",
                                                      "Retrain coreference", "Model registry…"]
    assert window.menuBar().actions()[-1].text() == "&Help"
    assert [a.text() for a in loop.toolbar.actions()] == ["Retrain", "Pre-annotate…", "Model registry…"]
    sheet = {text: keys for _cat, text, keys in window.registry.cheat_sheet()}
    assert sheet["Retrain"] == "Ctrl+Shift+R"
    assert "already used" in window.registry.rebind("model.retrain", "Ctrl+Z")   # a conflict is refused
    assert window.registry.rebind("model.retrain", "Ctrl+Alt+R") is None
    assert loop.actions["model.retrain"].shortcut().toString() == "Ctrl+Alt+R"   # applied at once


def test_registry_compares_activates_rolls_back_and_refuses_a_corrupt_bundle(window, tmp_path, qtbot, monkeypatch):
    monkeypatch.setattr(QMessageBox, "open", lambda self: None)
    store = window.store
    old = register(store, tmp_path, "v1", {"ADR": 0.40, "DrugName": 0.70}, 20, active=True)
    new = register(store, tmp_path, "v2", {"ADR": 0.55, "DrugName": 0.65}, 40)
    dialog = window.loop.show_registry()
    table = dialog.table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers[-2:] == ["ADR F1", "DrugName F1"]
    cell = {(table.item(r, 1).text(), headers[c]): table.item(r, c) for r in range(table.rowCount())
            for c in range(table.columnCount())}
    assert cell[("v1", "")].text() == "● active" and cell[("v2", "ADR F1")].text() == "0.550"
    assert cell[("v2", "ADR F1")].font().bold() and not cell[("v1", "ADR F1")].font().bold()
    assert cell[("v1", "DrugName F1")].font().bold()            # best per column, not by colour
    dev, _eval = learning_curve([old, new])
    assert dev.points == [(20, pytest.approx(0.55)), (40, pytest.approx(0.60))]

    dialog.select(new.id)
    qtbot.mouseClick(dialog.activate_button, Qt.MouseButton.LeftButton)
    assert store.active_model("tagger").version == "v2"
    qtbot.mouseClick(dialog.rollback_button, Qt.MouseButton.LeftButton)
    assert store.active_model("tagger").version == "v1"

    (tmp_path / "v2" / "weights.safetensors").write_bytes(b"truncated")
    dialog.select(new.id)
    qtbot.mouseClick(dialog.activate_button, Qt.MouseButton.LeftButton)
    assert store.active_model("tagger").version == "v1"          # nothing changed
    assert "corrupt" in dialog.notice.text()

    dialog.auto.setChecked(True)
    assert registry.auto_activate_enabled(store)
    window.list_model.update_filters(search="raw-")
    window.list_model.wait()
    qtbot.mouseClick(dialog.findChild(type(dialog.activate_button), "pinEvalSet"), Qt.MouseButton.LeftButton)
    assert len(store.eval_set()) == 3 and "3 document(s) pinned" in dialog.eval_label.text()
    dialog.grab().save(str(tmp_path / "registry.png"))


def test_the_training_notice_compares_tags_and_activates(window, tmp_path, qtbot):
    store = window.store
    old = register(store, tmp_path, "v1", {"ADR": 0.40, "DrugName": 0.70}, 20, active=True)
    new = register(store, tmp_path, "v2", {"ADR": 0.55, "DrugName": 0.65}, 40)
    notice = TrainingNotice(window.loop.controller, TrainingResult("done", "finished: v2", new, old),
                            window.loop.show_registry, window)
    qtbot.addWidget(notice)
    notice.show()
    rows = [[notice.table.item(r, c).text() for c in range(5)] for r in range(notice.table.rowCount())]
    assert rows == [["ADR", "5", "0.550", "0.400", "▲ +0.150"], ["DrugName", "5", "0.650", "0.700", "▼ -0.050"]]
    assert not notice.isModal()
    qtbot.mouseClick(notice.activate_button, Qt.MouseButton.LeftButton)
    assert store.active_model("tagger").version == "v2"
    assert delta_text(0.5, 0.5) == "="


def test_jobs_panel_draws_the_live_curve_from_progress_events(window, qtbot):
    controller = window.loop.controller
    job = window.store.add_job("train", {"epochs": 4})
    window.store.update_job(job, state="running")
    panel = window.loop.jobs
    panel.refresh(select=job)
    events = [{"event": "start", "train_documents": 30, "device": "cpu (1 threads)"},
              {"event": "step", "epoch": 1, "step": 2, "steps": 4, "loss": 3.0},
              {"event": "epoch", "epoch": 1, "loss": 2.0, "dev_f1": 0.2, "best": True},
              {"event": "epoch", "epoch": 2, "loss": 1.5, "dev_f1": 0.35, "best": True}]
    for e in events:
        controller.jobEvent.emit(job, e)
    loss, f1 = curve_points(panel.events[job])
    assert loss == [(0.5, 3.0), (1.0, 2.0), (2.0, 1.5)] and f1 == [(1.0, 0.2), (2.0, 0.35)]
    assert panel.curve.series[1].points == f1
    assert "epoch 2 · loss 1.5 · dev F1 0.350 (best 0.350)" in panel.detail.text()
    assert panel.table.item(0, 2).text() == "50 %"      # epoch 2 of 4
    image = panel.curve.grab().toImage()
    assert len({image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}) > 3


def test_curve_widget_handles_empty_and_single_points(qtbot):
    curve = CurveWidget("x", "y")
    qtbot.addWidget(curve)
    curve.resize(300, 200)
    curve.grab()
    curve.set_series([Series("one", "#000000", [(3, 0.5)], right_axis=True, labels=["#1"])])
    curve.grab()
    curve.set_series([Series("loss", "#000000", [(1, float("nan")), (2, float("inf")), (3, 2.0)])])  # a diverged run
    image = curve.grab().toImage()
    assert image.width() == 300


def test_curve_axes_use_round_ticks_and_whole_numbers_for_counts():
    assert axis_ticks([1, 2, 3, 4], whole=True) == [1, 2, 3, 4]                 # epochs: no 1.75
    assert axis_ticks([5], whole=True) == [4, 5, 6]                             # one model in the registry
    assert axis_ticks([1, 13], whole=True) == [0, 5, 10, 15]
    assert axis_ticks([120, 5000], whole=True) == [0, 2000, 4000, 6000]
    assert axis_ticks([0.0, 21.7, 36.5]) == [0, 10, 20, 30, 40]                 # loss: not 39.94
    assert axis_ticks([0.0, 0.5, 1.5]) == [0.0, 0.5, 1.0, 1.5]
    assert axis_ticks([0.0, float("nan")]) == [0.0, 0.25, 0.5, 0.75, 1.0]
    for values in ([0.0, 3.3], [-2.0, 3.1], [0.001, 0.002], [7.0]):
        ticks = axis_ticks(values)
        assert ticks[0] <= min(values) and ticks[-1] >= max(values) and 2 <= len(ticks) <= 5


def test_curve_labels_stay_with_their_points():
    # two registry versions trained on the same documents: the worse one was given first
    series = Series("dev", "#000000", [(5, 0.6), (5, 0.4), (3, float("nan")), (2, 0.1)],
                    labels=["#2", "#3", "#4", "#1"])
    assert plotted_points(series) == [(2, 0.1, "#1"), (5, 0.6, "#2"), (5, 0.4, "#3")]


def test_refusals_are_messages_and_the_window_stays_usable(window, qtbot):
    loop = window.loop
    dialog = loop.show_preannotate()
    assert not dialog.start_button.isEnabled() and "No active model" in dialog.models.text()
    assert "no active model" in loop.controller.preannotate({"unlabelled": True})
    loop.controller.queue.max_pending = 0
    assert loop.retrain() is None
    assert "Retrain refused" in window.statusBar().currentMessage()
    assert window.open_document(window.list_model.doc_id(0))


def test_the_queue_sorts_by_model_uncertainty_and_adr_probability(window):
    store = window.store
    ids = store.document_ids()
    for n, doc_id in enumerate(ids):
        store.set_meta(doc_id, "uncertainty", n / 10)
        store.set_meta(doc_id, "adr_prob", 1 - n / 10)
    window.loop.actions["model.sort_uncertain"].trigger()
    window.list_model.wait()
    model = window.list_model
    assert (model.order_by, model.descending) == ("uncertainty", True)
    assert model.doc_id(0) == ids[-1]                 # the most uncertain comes next
    window.loop.actions["model.sort_adr"].trigger()
    window.list_model.wait()
    assert model.order_by == "adr_prob" and model.doc_id(0) == ids[0]
