"""The pre-annotation process the app talks to: runs on the active model with two workers
sharing each batch, reports progress, survives a model worker being killed, and a killed service ends its run with a message
while every stored batch stays (the next run resumes)."""
from __future__ import annotations

import os
import queue
import signal
from pathlib import Path

import pytest

from loop_support import loop_store, shared_bundle
from rdrs_gui.jobs import registry
from rdrs_gui.jobs.preannotate import PREANNOTATED_BY
from rdrs_gui.jobs.service import PreannotationService, summary_of


@pytest.fixture
def setup(tmp_path, tmp_path_factory):
    store, gold, raw = loop_store(tmp_path / "svc.sqlite", gold=2, raw=12)
    model = registry.add_bundle(store, shared_bundle(tmp_path_factory))
    store.activate_model(model.id)
    events: queue.Queue = queue.Queue()
    service = PreannotationService(store.url, events.put, replicas=2)
    yield store, raw, service, events
    service.close()
    store.close()


def wait_for(events: queue.Queue, kind: str, timeout: float = 60.0) -> tuple[dict, list[dict]]:
    seen = []
    while True:
        event = events.get(timeout=timeout)
        seen.append(event)
        if event["event"] == kind:
            return event, seen


def children(pid: int) -> list[int]:
    return [int(p) for task in Path(f"/proc/{pid}/task").glob("*/children") for p in task.read_text().split()]


@pytest.mark.slow
def test_a_run_reports_progress_and_a_killed_worker_is_restarted(setup):
    store, raw, service, events = setup
    service.preannotate(1, {"unlabelled": True}, "anna", batch_size=4)
    started, _ = wait_for(events, "started")
    assert (summary_of(started).scope, summary_of(started).total) == (len(raw), len(raw))
    first, _ = wait_for(events, "stored")
    workers = children(service.pid)                 # two trainer serve processes share each batch
    assert len(workers) == 2
    os.kill(workers[0], signal.SIGKILL)
    finished, seen = wait_for(events, "finished")
    summary = summary_of(finished)
    assert summary.error is None and summary.documents == len(raw) and summary.restarts == 1
    stored = [i for e in seen if e["event"] == "stored" for i in e["ids"]] + first["ids"]
    assert sorted(stored) == sorted(raw)
    progress = [e for e in seen if e["event"] == "progress"]
    assert progress[-1]["done"] == len(raw) and progress[-1]["total"] == len(raw)
    assert all(store.document_meta(i)[PREANNOTATED_BY] == summary.version for i in raw)


@pytest.mark.slow
def test_a_killed_service_ends_its_run_with_a_message_and_the_next_run_resumes(setup):
    store, raw, service, events = setup
    service.preannotate(1, {"ids": raw}, "anna", batch_size=2)
    wait_for(events, "stored")
    service.kill()
    finished, _ = wait_for(events, "finished")
    summary = summary_of(finished)
    assert "pre-annotation process was killed" in summary.error
    done = [i for i in raw if PREANNOTATED_BY in store.document_meta(i)]
    assert 0 < len(done) < len(raw)
    # every document is either fully stored (suggestions and marker) or untouched
    for i in raw:
        has_suggestions = any(s.status == "suggested" for s in store.load_document(i, "anna").spans)
        assert has_suggestions <= (i in done)
    service.preannotate(2, {"ids": raw}, "anna")
    finished, _ = wait_for(events, "finished")
    again = summary_of(finished)
    assert again.error is None and again.skipped == len(done) and again.documents == len(raw) - len(done)
