"""``python -m trainer serve``: the long-lived JSON-lines worker the app talks to."""
from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from rdrs_gui.core.formats.jsonl import span_from_dict
from tagger_fixtures import untrained_bundle
from trainer.serve import load_predictor, run

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    return untrained_bundle(tmp_path_factory.mktemp("serve") / "model")


def _talk(predictor, *requests: str) -> list[dict]:
    out = io.StringIO()
    run(predictor, io.StringIO("\n".join(requests) + "\n"), out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_requests_get_answers_and_bad_ones_errors_without_stopping(model: Path):
    predictor = load_predictor(str(model), device="cpu")
    text = "После приема Нурофена болела голова."
    answers = _talk(
        predictor,
        json.dumps({"id": 1, "op": "info"}),
        "this is not json",
        json.dumps({"id": 2, "op": "translate"}),
        json.dumps({"id": 3, "op": "predict", "documents": [{"name": "a"}]}),
        json.dumps([1, 2]),
        json.dumps({"id": 4, "op": "predict", "documents": [{"name": "r1", "text": text}, {"name": "r2", "text": ""}]}),
        json.dumps({"id": 5, "op": "shutdown"}),
        json.dumps({"id": 6, "op": "info"}),  # never read: the worker stopped
    )
    assert [a.get("id") for a in answers] == [1, None, 2, 3, None, 4, 5]
    info = answers[0]
    assert info["kind"] == "tagger" and info["tags"] == ["ADR", "DrugName"] and info["version"] == "t1"
    assert "device" in info
    assert "not a JSON line" in answers[1]["error"]
    assert "unknown op" in answers[2]["error"]
    assert "'text'" in answers[3]["error"]
    assert "JSON object" in answers[4]["error"]
    docs = answers[5]["documents"]
    assert [d["name"] for d in docs] == ["r1", "r2"] and docs[1]["spans"] == []
    for span in docs[0]["spans"]:       # the JSONL format's span object, read back by its own function
        assert span_from_dict(span).status == "suggested" and span["origin"] == "model:t1"
        for start, end in span["fragments"]:
            assert 0 <= start < end <= len(text)
    assert answers[6] == {"id": 5, "ok": True}


@pytest.mark.slow
def test_worker_process_loads_once_and_speaks_json_lines(model: Path):
    requests = [{"id": "a", "op": "predict", "documents": [{"name": "x", "text": "Сироп не помог."}]},
                {"id": "b", "op": "info"}, {"id": "c", "op": "shutdown"}]
    proc = subprocess.run([sys.executable, "-m", "trainer", "serve", "--model", str(model), "--device", "cpu"],
                          input="".join(json.dumps(r) + "\n" for r in requests), capture_output=True,
                          text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]  # nothing but protocol on stdout
    assert lines[0]["event"] == "ready" and lines[0]["kind"] == "tagger"
    assert [line.get("id") for line in lines[1:]] == ["a", "b", "c"]
    assert lines[1]["documents"][0]["name"] == "x"


@pytest.mark.slow
def test_worker_reports_a_broken_model_and_exits(tmp_path: Path):
    proc = subprocess.run([sys.executable, "-m", "trainer", "serve", "--model", str(tmp_path)],
                          input="", capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 1
    failed = json.loads(proc.stdout.splitlines()[0])
    assert failed["event"] == "failed" and "config.json is missing" in failed["error"]
