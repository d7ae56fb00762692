"""The model worker client: a real ``python -m trainer serve`` on a tiny bundle, restarted
after it dies; hung, missing and corrupt models end in clear errors, never a hang."""
from __future__ import annotations

import shutil
import sys
import textwrap

import pytest

from loop_support import shared_bundle
from rdrs_gui.jobs import bundles
from rdrs_gui.jobs.worker import ModelWorker, WorkerError, WorkerStartError

TEXT = "После приема Нурофен у меня болела голова. Купила таблетки Арбидол в аптеке."


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    return shared_bundle(tmp_path_factory)


@pytest.fixture(scope="module")
def worker(bundle):
    w = ModelWorker(bundle)
    yield w
    w.close()


@pytest.mark.slow
def test_worker_loads_once_and_answers_suggestions(worker, bundle):
    info = worker.start()
    assert info["kind"] == "tagger" and info["version"] == bundles.inspect(bundle).version
    pid = worker.pid
    answers = worker.predict([{"name": "a", "text": TEXT}, {"name": "b", "text": "Отличный сироп."}])
    assert [a["name"] for a in answers] == ["a", "b"]
    for span in answers[0]["spans"]:
        (start, end), = span["fragments"]
        assert 0 <= start < end <= len(TEXT) and span["labels"] and 0 <= span["score"] <= 1
    worker.predict([{"name": "c", "text": TEXT}])
    assert worker.pid == pid and worker.restarts == 0


@pytest.mark.slow
def test_a_killed_worker_fails_the_request_in_flight_then_restarts(worker):
    worker.start()
    worker.kill()
    worker._proc.wait(10)
    answers = worker.predict([{"name": "a", "text": TEXT}])  # started again transparently
    assert len(answers) == 1 and worker.restarts == 1 and worker.alive


@pytest.mark.slow
def test_worker_request_errors_are_reported_and_the_worker_survives(worker):
    with pytest.raises(WorkerError, match="refused"):
        worker.request("predict", documents=[{"name": "x"}])
    assert worker.predict([{"name": "a", "text": TEXT}])


@pytest.mark.slow
def test_a_corrupt_bundle_is_refused_with_the_file_named(bundle, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(bundle, broken)
    weights = broken / "weights.safetensors"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(bundles.BundleError, match="corrupt"):
        bundles.inspect(broken)
    w = ModelWorker(broken)
    with pytest.raises(WorkerStartError, match="corrupt"):
        w.start()
    assert not w.alive
    with pytest.raises(WorkerStartError, match="no such model directory"):
        ModelWorker(tmp_path / "missing").start()


@pytest.mark.slow
def test_a_hung_worker_is_stopped_after_its_timeout(tmp_path):
    script = tmp_path / "hang.py"
    script.write_text(textwrap.dedent("""
        import json, sys, time
        for line in sys.stdin:
            req = json.loads(line)
            if req["op"] == "info":
                print(json.dumps({"id": req["id"], "kind": "tagger", "version": "hang"}), flush=True)
            else:
                time.sleep(60)
    """), encoding="utf-8")
    w = ModelWorker(tmp_path, command=[sys.executable, str(script)], request_timeout=1.0)
    assert w.start()["version"] == "hang"
    with pytest.raises(WorkerError, match="did not answer within 1 s"):
        w.predict([{"name": "a", "text": "текст"}])
    w._proc.wait(10)
    assert not w.alive
    w.close()
