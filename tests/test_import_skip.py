"""Importing a real corpus with a few bad files: all or nothing by default, every good document
with ``--on-error skip`` (each bad one listed with file, line and reason; exit status 0)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from rdrs_gui.cli import main
from rdrs_gui.core.document import Document, Span
from rdrs_gui.core.formats import brat, jsonl, rdrs_json, webanno_tsv3
from rdrs_gui.core.store import Store


def reviews(n: int = 5) -> list[Document]:
    return [Document(f"r{i}", f"Отзыв {i}: от Нурофена болел живот.",
                     spans=[Span({"DrugName"}, [(12, 20)]), Span({"ADR"}, [(21, 32)])]) for i in range(n)]


def run(capsys, *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def stored_names(db: Path) -> list[str]:
    with Store.open(db) as store:
        return [row.name for row in store.list_documents()]


def brat_corpus(tmp_path: Path) -> Path:
    """Five reviews; r2.ann has a note on line 3 pointing at a T that is not there."""
    folder = tmp_path / "brat"
    brat.write(reviews(), folder)
    with (folder / "r2.ann").open("a", encoding="utf-8") as fh:
        fh.write("#1\tAnnotatorNotes T9\tнет такой сущности\n")
    return folder


def test_one_dangling_note_refuses_the_whole_import_by_default(tmp_path, capsys):
    db = tmp_path / "db.sqlite"
    code, out, err = run(capsys, "--db", db, "import", "--format", "brat", brat_corpus(tmp_path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "r2.ann:3: #1 refers to T9, which is not defined in this file" in err
    assert stored_names(db) == []


def test_skip_imports_every_good_brat_file_and_lists_the_bad_one(tmp_path, capsys):
    db = tmp_path / "db.sqlite"
    code, out, err = run(capsys, "--db", db, "import", "--format", "brat", "--on-error", "skip",
                         brat_corpus(tmp_path))
    assert code == 0
    assert "imported 4 documents, 8 spans" in out and "skipped 1 bad document(s)" in out
    skipped = [line for line in err.splitlines() if line.startswith("skipped: ")]
    assert len(skipped) == 1 and "r2.ann:3: #1 refers to T9, which is not defined in this file" in skipped[0]
    assert stored_names(db) == ["r0", "r1", "r3", "r4"]


def test_skip_in_webanno_tsv3_jsonl_and_rdrs_json(tmp_path, capsys):
    tsv = tmp_path / "tsv"
    webanno_tsv3.write(reviews(3), tsv)
    (tsv / "r1.tsv").write_text("#FORMAT=WebAnno TSV 3.3\n\n\n#Text=сломано\n1-1\tx-y\tсломано\n", encoding="utf-8")
    lines = tmp_path / "reviews.jsonl"
    jsonl.write(reviews(3), lines)
    rows = lines.read_text(encoding="utf-8").splitlines()
    rows[1] = '{"id": "bad", "text": "короткий", "spans": [{"labels": ["ADR"], "fragments": [[0, 99]]}]}'
    lines.write_text("\n".join(rows) + "\n", encoding="utf-8")
    listed = tmp_path / "reviews.json"
    rdrs_json.write(reviews(3), listed)
    data = json.loads(listed.read_text(encoding="utf-8"))
    data[2]["text"] = 5
    listed.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    for fmt, path, where in (("webanno-tsv3", tsv, "r1.tsv:5"), ("jsonl", lines, "reviews.jsonl:2"),
                             ("rdrs-json", listed, "reviews.json")):
        db = tmp_path / f"{fmt}.sqlite"
        code, _, err = run(capsys, "--db", db, "import", "--format", fmt, path)
        assert code == 2 and where in err, fmt
        assert stored_names(db) == []
        code, out, err = run(capsys, "--db", db, "import", "--format", fmt, "--on-error", "skip", path)
        assert code == 0 and "imported 2 documents" in out, (fmt, out, err)
        skipped = [line for line in err.splitlines() if line.startswith("skipped: ")]
        assert len(skipped) == 1 and where in skipped[0], (fmt, err)


def test_skipping_everything_imports_nothing_and_fails(tmp_path, capsys):
    folder = tmp_path / "brat"
    brat.write(reviews(2), folder)
    for ann in folder.glob("*.ann"):
        ann.write_text("T1\tADR 0 999\tкуда-то\n", encoding="utf-8")
    db = tmp_path / "db.sqlite"
    code, out, err = run(capsys, "--db", db, "import", "--on-error", "skip", folder)
    assert code == 2 and out == ""
    assert err.count("skipped: ") == 2 and "error: every document was skipped (2); nothing was imported" in err
    assert stored_names(db) == []


@pytest.mark.parametrize("on_error", ["stop", "skip"])
def test_good_corpora_import_the_same_either_way(tmp_path, capsys, on_error):
    folder = tmp_path / "brat"
    brat.write(reviews(), folder)
    db = tmp_path / "db.sqlite"
    code, out, err = run(capsys, "--db", db, "import", "--on-error", on_error, folder)
    assert code == 0 and "imported 5 documents, 10 spans" in out and "skipped" not in out + err
