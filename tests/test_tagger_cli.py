"""``python -m trainer tagger train|eval|predict`` on files read through the format registry."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from rdrs_gui.core import formats
from tagger_fixtures import make_documents
from trainer.tagger.cli import main

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cli")
    docs = make_documents(14)
    formats.get("jsonl").write(docs[:10], root / "train.jsonl")
    formats.get("jsonl").write(docs[10:], root / "gold.jsonl")
    return root


def _events(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


@pytest.mark.slow
def test_train_eval_predict_round(data: Path, capsys):
    out = data / "model"
    assert main(["train", "--train", str(data / "train.jsonl"), "--format", "jsonl", "--encoder", "embedded",
                 "--out", str(out), "--epochs", "3", "--max-minutes", "5"]) == 0
    events = _events(capsys.readouterr().out)
    assert events[0]["event"] == "start" and events[0]["train_documents"] == 9  # one review held out as dev
    assert [e["epoch"] for e in events if e["event"] == "epoch"] == [1, 2, 3]
    assert events[-1]["event"] == "done"

    assert main(["eval", "--model", str(out), "--gold", str(data / "gold.jsonl"), "--format", "jsonl", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["micro"]) >= {"p", "r", "f1"} and "macro_f1" in report and report["tokens_per_s"] > 0
    assert set(report["per_tag"]) == {"ADR", "DrugName", "DrugBrand", "DrugForm"}
    assert set(report["per_tag"]["ADR"]) >= {"p", "r", "f1", "support"}

    assert main(["predict", "--model", str(out), "--in", str(data / "gold.jsonl"), "--format", "jsonl",
                 "--out", str(data / "pred.jsonl")]) == 0
    predicted = formats.read(data / "pred.jsonl", "jsonl").documents
    assert [d.name for d in predicted] == ["r10", "r11", "r12", "r13"]
    config = json.loads((out / "config.json").read_text(encoding="utf-8"))
    for doc in predicted:
        for span in doc.spans:
            assert span.status == "suggested" and span.origin == f"model:{config['version']}"
            assert 0 <= span.score <= 1


def test_bad_input_is_one_line_error(data: Path, tmp_path: Path, capsys):
    (tmp_path / "broken.jsonl").write_text("{not json\n", encoding="utf-8")
    assert main(["train", "--train", str(tmp_path / "broken.jsonl"), "--format", "jsonl",
                 "--out", str(tmp_path / "m")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "broken.jsonl" in err and len(err.strip().splitlines()) == 1
    assert main(["eval", "--model", str(tmp_path), "--gold", str(data / "gold.jsonl"), "--format", "jsonl"]) == 1
    assert "not a model bundle" in capsys.readouterr().err


@pytest.mark.slow
def test_sigterm_stops_training_cleanly_and_keeps_the_best_checkpoint(data: Path, tmp_path: Path):
    out = tmp_path / "model"
    proc = subprocess.Popen([sys.executable, "-m", "trainer", "tagger", "train", "--train", str(data / "train.jsonl"),
                             "--format", "jsonl", "--out", str(out), "--epochs", "1000", "--patience", "1000"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    try:
        for line in proc.stdout:
            lines.append(json.loads(line))
            if lines[-1]["event"] == "epoch":
                proc.send_signal(signal.SIGTERM)
                break
        rest, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    lines += _events(rest)
    assert proc.returncode == 0, err
    assert lines[-1]["event"] == "done" and lines[-1]["stopped"] == "cancelled"
    assert lines[-1]["best_epoch"] >= 1
    assert json.loads((out / "metrics.json").read_text(encoding="utf-8"))["stopped"] == "cancelled"
    log = [json.loads(x) for x in (out / "train_log.jsonl").read_text(encoding="utf-8").splitlines()]
    assert log == lines
