"""The job queue: one job at a time, a bounded queue, cancel (best checkpoint kept), a
killed trainer, and jobs a crashed session left behind — each ends in a clear job state."""
from __future__ import annotations

import os
import signal
import threading

import pytest

from loop_support import loop_store
from rdrs_gui.jobs.queue import JobQueue, QueueFull
from rdrs_gui.jobs.training import TrainingRequest


@pytest.fixture
def store(tmp_path):
    s, _, _ = loop_store(tmp_path / "q.sqlite", gold=8, raw=0)
    yield s
    s.close()


@pytest.mark.slow
def test_jobs_run_one_at_a_time_cancel_keeps_the_checkpoint_and_a_kill_is_reported(store):
    log: list[tuple[int, str]] = []
    finished: dict[int, object] = {}
    all_done = threading.Event()
    queue: JobQueue

    def on_event(job_id: int, event: dict) -> None:
        log.append((job_id, event["event"]))
        if event["event"] == "epoch" and job_id == first:
            queue.cancel(first)                                   # SIGTERM: keep the best epoch
        if event["event"] == "epoch" and job_id == second:
            os.kill(queue._current.token.process.pid, signal.SIGKILL)   # the trainer dies hard

    def on_finished(job_id: int, result) -> None:  # noqa: ANN001
        finished[job_id] = result
        if len(finished) == 3:
            all_done.set()

    queue = JobQueue(store, max_pending=2, on_event=on_event, on_finished=on_finished)
    request = TrainingRequest(epochs=30, syntax="none", max_minutes=3)
    first = -1
    second = -1
    first = queue.submit(request)
    assert queue.active() == [first]                          # running or waiting, never lost between
    while queue.running() != first:
        threading.Event().wait(0.01)
    second = queue.submit(request)
    third = queue.submit(request)
    with pytest.raises(QueueFull, match="2 jobs are already waiting"):
        queue.submit(request)
    assert queue.cancel(third) and queue.pending() == [second]    # a waiting job never starts
    assert all_done.wait(120)
    queue.close()

    a, b = finished[first], finished[second]
    assert a.state == "cancelled" and a.model is not None and "best checkpoint kept" in a.message
    assert b.state == "failed" and "killed (signal 9)" in b.message
    starts = [i for i, (job, what) in enumerate(log) if what == "started"]
    assert [log[i][0] for i in starts] == [first, second]
    assert max(i for i, (job, _) in enumerate(log) if job == first) < starts[1]   # one at a time
    jobs = {j.id: j for j in store.list_jobs()}
    assert (jobs[first].state, jobs[second].state, jobs[third].state) == ("cancelled", "failed", "cancelled")
    assert finished[third].state == "cancelled" and (third, "started") not in log
    assert "killed" in jobs[second].message
    versions = [m.version for m in store.list_models()]
    assert a.model.version in versions and len(versions) == len(set(versions))
    assert store.active_model("tagger") is None          # nothing is activated behind the user's back


def test_jobs_left_behind_by_a_closed_session_are_marked_interrupted(store):
    stale = store.add_job("train", {})
    store.update_job(stale, state="running")
    waiting = store.add_job("train", {})
    JobQueue(store).close()
    jobs = {j.id: j for j in store.list_jobs()}
    assert jobs[stale].state == jobs[waiting].state == "failed"
    assert "interrupted" in jobs[stale].message
