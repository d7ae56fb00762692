"""Training and comparison say what they did: the data snapshot counts documents marked done and
imported gold apart, the first retrain pins an evaluation set, the new and the active model are
compared on it with mention counts per tag, a worse model is not the default answer, and a
notice after a cancel offers nothing it cannot do. Real store, real widgets (offscreen), fake
bundles where no model has to run."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPushButton, QTableWidget

from loop_support import dev_report, fake_bundle, loop_store
from rdrs_gui.core.document import DOC_DONE
from rdrs_gui.jobs import comparison
from rdrs_gui.jobs.training import TrainingRequest, TrainingResult, collect
from rdrs_gui.ui.loop.notice import TrainingNotice


@pytest.fixture
def window_store(tmp_path):
    return loop_store(tmp_path / "n.sqlite", gold=6, raw=3)[0]


def eval_report(f1: dict[str, float], support: dict[str, int]) -> dict:
    report = dev_report(f1)
    for tag, n in support.items():
        if tag in report["per_tag"]:
            report["per_tag"][tag]["support"] = n
    return report


def register(store, tmp_path, version: str, f1: dict[str, float], eval_ids: list[int], active: bool = False,
             snapshot: dict | None = None):
    path = fake_bundle(tmp_path / version, version, tuple(f1))
    metrics = {"dev": dev_report(f1), "eval": eval_report(f1, {"ADR": 35, "Dosage": 2}), "eval_ids": eval_ids}
    model_id = store.register_model("tagger", path, version, metrics, list(range(20)), "cpu", active=active,
                                    snapshot=snapshot or {"train": list(range(20)), "dev": [99], "eval": eval_ids})
    return store.model(model_id)


def buttons(notice) -> list[str]:
    return [b.text() for b in notice.findChildren(QPushButton) if b.isVisible()]


def test_the_first_retrain_pins_an_evaluation_set_and_counts_done_and_gold_apart(tmp_path):
    store, gold, raw = loop_store(tmp_path / "pool.sqlite", gold=24, raw=4)
    for doc_id in raw[:3]:                        # the annotator reviewed three raw reviews
        store.set_status(doc_id, DOC_DONE, "anna")
    request = TrainingRequest(annotator="anna")
    data = collect(store, request, tmp_path / "snap1")
    pinned = store.eval_set()
    assert data.pinned_now == len(pinned) == 3 and data.eval_ids == pinned     # a tenth of 27, sorted
    assert not set(pinned) & set(data.train_ids + data.dev_ids)
    assert data.marked_done + data.imported_gold == len(data.train_ids) + len(data.dev_ids) == 24
    assert data.marked_done == len(set(raw[:3]) - set(pinned))
    snapshot = data.snapshot("anna")
    assert (snapshot["marked_done"], snapshot["imported_gold"], snapshot["pinned_now"]) == \
        (data.marked_done, data.imported_gold, 3)
    line = comparison.training_line(data.marked_done, data.imported_gold, len(data.train_ids), len(data.dev_ids))
    assert f"{data.marked_done} marked done + {data.imported_gold} with imported gold" in line
    again = collect(store, request, tmp_path / "snap2")
    assert again.pinned_now == 0 and again.eval_ids == pinned and store.eval_set() == pinned   # pinned once
    store.close()


def test_a_small_project_is_not_pinned(tmp_path):
    store, gold, raw = loop_store(tmp_path / "small.sqlite", gold=8, raw=0)
    data = collect(store, TrainingRequest(), tmp_path / "snap")
    assert data.pinned_now == 0 and store.eval_set() == [] and len(data.train_ids) + len(data.dev_ids) == 8
    store.close()


def test_the_active_model_is_scored_on_the_same_pinned_set_once(tmp_path):
    store, gold, _ = loop_store(tmp_path / "s.sqlite", gold=4, raw=0)
    old = store.model(store.register_model("tagger", fake_bundle(tmp_path / "v1", "v1"), "v1",
                                           {"dev": dev_report({"ADR": 0.5})}, [], "cpu", active=True))
    calls = []

    def score(path, gold_file, log, device, kind):  # noqa: ANN001, ANN202 - the trainer's scorer
        calls.append((path.name, kind))
        return eval_report({"ADR": 0.4}, {"ADR": 12})

    rescored = comparison.score_previous(store, old, gold[:2], tmp_path / "eval.jsonl", tmp_path / "log", "cpu", score)
    assert calls == [("v1", "tagger")] and rescored.metrics["eval_ids"] == gold[:2]
    assert comparison.scored_on(store.model(old.id), gold[:2])
    assert comparison.score_previous(store, rescored, gold[:2], tmp_path / "e", tmp_path / "l", "cpu", score) \
        is rescored and len(calls) == 1
    store.close()


def test_a_worse_model_is_compared_on_the_pinned_set_with_mention_counts_and_not_the_default(window, tmp_path, qtbot):
    store = window.store
    ids = store.document_ids()[:2]
    old = register(store, tmp_path, "v1", {"ADR": 0.60, "Dosage": 1.0}, ids, active=True)
    new = register(store, tmp_path, "v2", {"ADR": 0.58, "Dosage": 0.0}, ids,
                   snapshot={"train": list(range(40)), "dev": list(range(5)), "eval": ids, "marked_done": 7,
                             "imported_gold": 38, "pinned_now": 0})
    notice = TrainingNotice(window.loop.controller, TrainingResult("done", "finished: v2", new, old),
                            window.loop.show_registry, window)
    qtbot.addWidget(notice)
    notice.show()
    head = next(w for w in notice.children() if w.objectName() == "noticeText").text()
    assert "45 documents: 7 marked done and 38 with imported gold" in head
    assert "on the same 2 pinned evaluation documents" in head and "worse" in head
    table = notice.table
    assert [table.horizontalHeaderItem(c).text() for c in range(5)] == ["Tag", "Mentions", "New eval F1",
                                                                        "Active eval F1", "Change"]
    rows = [[table.item(r, c).text() for c in range(5)] for r in range(table.rowCount())]
    assert rows == [["ADR", "35", "0.580", "0.600", "▼ -0.020"], ["Dosage", "2", "0.000", "1.000", "▼ -1.000"]]
    assert table.item(1, 4).font().italic() and "2 gold mention" in table.item(1, 4).toolTip()
    assert not table.item(0, 4).font().italic()
    # worse: keeping the active model is the default, and the notice has the keyboard
    assert notice.later_button.text() == "Keep the active model" and notice.later_button.isDefault()
    assert not notice.activate_button.isDefault()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is notice.later_button)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not notice.isVisible())
    assert store.active_model("tagger").version == "v1"


def test_a_better_model_defaults_to_activate(window, tmp_path, qtbot):
    store = window.store
    ids = store.document_ids()[:2]
    old = register(store, tmp_path, "v1", {"ADR": 0.50}, ids, active=True)
    new = register(store, tmp_path, "v2", {"ADR": 0.70}, ids)
    notice = TrainingNotice(window.loop.controller, TrainingResult("done", "finished: v2", new, old),
                            window.loop.show_registry, window)
    qtbot.addWidget(notice)
    notice.show()
    assert notice.activate_button.isDefault() and notice.later_button.text() == "Later"
    qtbot.waitUntil(lambda: QApplication.focusWidget() is notice.activate_button)
    QTest.keyClick(notice.activate_button, Qt.Key.Key_Return)
    assert store.active_model("tagger").version == "v2"


def test_after_a_cancel_without_a_model_there_is_no_table_and_no_activate(window, qtbot):
    result = TrainingResult("cancelled", "cancelled before the first checkpoint; no model was kept")
    notice = TrainingNotice(window.loop.controller, result, window.loop.show_registry, window)
    qtbot.addWidget(notice)
    notice.show()
    assert notice.table is None and not notice.findChildren(QTableWidget)
    assert notice.activate_button is None and buttons(notice) == ["Model registry…", "Later"]
    assert notice.later_button.isDefault()


def test_score_all_models_is_disabled_with_a_reason_until_a_set_is_pinned(window, qtbot):
    dialog = window.loop.show_registry()
    button = dialog.rescore_button
    assert not button.isEnabled() and "Pin an evaluation set first" in button.toolTip()
    qtbot.mouseClick(dialog.findChild(QPushButton, "pinEvalSet"), Qt.MouseButton.LeftButton)
    assert window.store.eval_set() and button.isEnabled() and "pinned documents" in button.toolTip()


@pytest.mark.slow
def test_two_retrains_pin_once_and_compare_on_the_same_documents(tmp_path):
    """The real training job twice: the first pins the evaluation set and says so, the second
    scores the active model on that set too, so the comparison is on the same documents."""
    from rdrs_gui.jobs import training

    store, gold, _ = loop_store(tmp_path / "two.sqlite", gold=20, raw=0)
    request = TrainingRequest(epochs=1, syntax="none", max_minutes=3)
    first = training.run(store, request)
    assert first.state == "done", first.message
    pinned = store.eval_set()
    assert len(pinned) == 2 and first.model.snapshot["pinned_now"] == 2 and first.model.metrics["eval_ids"] == pinned
    job = store.list_jobs()[-1]
    assert job.state == "done"
    store.activate_model(first.model.id)
    store.update_model_metrics(first.model.id, {"eval_ids": []})      # as if scored before the set was pinned
    second = training.run(store, request)
    assert second.state == "done", second.message
    assert second.model.snapshot["pinned_now"] == 0 and store.eval_set() == pinned
    assert comparison.scored_on(second.previous, pinned)
    result = comparison.compare(second.model, second.previous)
    assert result.split == "eval" and result.documents == 2 and all(r.mentions is not None for r in result.rows)
    store.close()
