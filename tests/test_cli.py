"""The ``rdrs`` command line: exit codes, outputs, and one-line errors that leave the DB untouched."""
from __future__ import annotations

import gc
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from rdrs_gui.cli import main
from rdrs_gui.core.document import DOC_DONE, Document, Span
from rdrs_gui.core.formats import jsonl
from rdrs_gui.core.store import Store

REPO = Path(__file__).resolve().parents[1]


def docs() -> list[Document]:
    return [
        Document("r1", "Пила Терафлю, стало легче.", spans=[Span({"Drugname"}, [(5, 12)])]),
        Document("r2", "От Нурофена болел живот.", status=DOC_DONE,
                 spans=[Span({"DrugName"}, [(3, 11)]), Span({"ADR"}, [(12, 24)]), Span({"MyNewTag"}, [(0, 2)])]),
        Document("r3", "Без разметки."),
    ]


@pytest.fixture
def corpus(tmp_path) -> Path:
    path = tmp_path / "corpus.jsonl"
    jsonl.write(docs(), path)
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(capsys, db: Path) -> tuple:
    """What a user can see of the database: the document list and the statistics."""
    _, listing, _ = run(capsys, "--db", db, "list", "--json")
    _, stats, _ = run(capsys, "--db", db, "stats", "--json")
    return listing, stats


def test_import_list_stats_export_validate(tmp_path, corpus, capsys):
    db = tmp_path / "db.sqlite"
    code, out, err = run(capsys, "--db", db, "import", corpus)
    assert code == 0 and "imported 3 documents, 4 spans" in out
    assert "MyNewTag" in err  # the schema was extended, and the user is told
    code, out, _ = run(capsys, "--db", db, "list", "--json")
    rows = json.loads(out)
    assert [(r["name"], r["status"], r["spans"]) for r in rows] == [("r1", "new", 1), ("r2", "done", 3), ("r3", "new", 0)]
    assert all(isinstance(r["id"], int) for r in rows)
    code, out, _ = run(capsys, "--db", db, "stats", "--json")
    stats = json.loads(out)
    assert (stats["documents"], stats["spans"]) == (3, 4)
    assert stats["tags"]["DrugName"] == {"mentions": 2, "words": 2, "documents": 2}  # alias folded
    assert stats["tags"]["ADR"] == {"mentions": 1, "words": 2, "documents": 1}
    code, out, _ = run(capsys, "--db", db, "stats")
    assert code == 0 and "DrugName" in out and "documents" in out
    with Store.open(db) as store:
        assert "MyNewTag" in store.project_schema().tag_names

    out_file = tmp_path / "done.jsonl"
    code, out, _ = run(capsys, "--db", db, "export", "--format", "jsonl", "--out", out_file, "--status", "done")
    assert code == 0 and "exported 1 documents" in out
    assert [d.name for d in jsonl.read(out_file).documents] == ["r2"]
    code, out, err = run(capsys, "--db", db, "validate")
    assert code == 0 and out == "" and "0 problem(s)" in err


def test_stats_on_files_without_a_database(tmp_path, corpus, capsys):
    code, out, _ = run(capsys, "--db", tmp_path / "unused.sqlite", "stats", "--json", corpus)
    assert code == 0 and json.loads(out)["documents"] == 3
    assert not (tmp_path / "unused.sqlite").exists()


def test_schema_option_sets_the_project_schema(tmp_path, corpus, capsys):
    db = tmp_path / "db.sqlite"
    code, _, _ = run(capsys, "--db", f"sqlite:///{db}", "--project", "rudrec", "import", "--schema", "rudrec", corpus)
    assert code == 0
    with Store.open(db) as store:
        tags = store.project_schema("rudrec").tag_names
        assert "MyNewTag" in tags and "ADR" in tags
        assert store.project_schema("rudrec").name == "rudrec"
        assert store.list_documents(project="default") == []


def test_annotator_layer_and_suggestions_in_export(tmp_path, corpus, capsys):
    db = tmp_path / "db.sqlite"
    assert run(capsys, "--db", db, "import", corpus)[0] == 0
    with Store.open(db) as store:
        store.apply_suggestions(1, [Span({"Note"}, [(14, 25)])], [], "v1")
    plain, with_suggestions = tmp_path / "plain.jsonl", tmp_path / "sugg.jsonl"
    assert run(capsys, "--db", db, "export", "--format", "jsonl", "--out", plain)[0] == 0
    assert run(capsys, "--db", db, "export", "--format", "jsonl", "--out", with_suggestions,
               "--include-suggestions")[0] == 0
    assert len(jsonl.read(plain).documents[0].spans) == 1
    assert len(jsonl.read(with_suggestions).documents[0].spans) == 2


@pytest.mark.parametrize("content, where", [
    (b'{"id": "ok", "text": "fine"}\n{"id": "x", "text": "trunc', ":2: not valid JSON"),
    (bytes(range(256)) * 8, ": binary data"),
    (b'{"id": "x", "text": "abc", "spans": [{"labels": ["ADR"], "fragments": [[2, 40]]}]}\n', ":1: document 'x'"),
])
def test_bad_input_exits_2_with_one_line_and_changes_nothing(tmp_path, corpus, capsys, content, where):
    db = tmp_path / "db.sqlite"
    assert run(capsys, "--db", db, "import", corpus)[0] == 0
    before = snapshot(capsys, db)
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(content)
    code, out, err = run(capsys, "--db", db, "import", "--format", "jsonl", corpus, bad)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith(f"error: {bad}{where}")
    assert snapshot(capsys, db) == before


def test_real_process_prints_no_traceback(tmp_path, corpus):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "text": "abc"', encoding="utf-8")
    db = tmp_path / "db.sqlite"
    result = subprocess.run([sys.executable, "-m", "rdrs_gui.cli", "--db", str(db), "import", str(corpus), str(bad)],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"error: {bad}:1: not valid JSON (Expecting ',' delimiter at column 26)"]
    assert "Traceback" not in result.stderr
    assert not db.exists()  # a failed import leaves no database file it created


def test_missing_file_and_unreadable_database(tmp_path, capsys):
    code, _, err = run(capsys, "--db", tmp_path / "db.sqlite", "import", tmp_path / "nope.jsonl")
    assert code == 2 and err.strip() == f"error: {tmp_path / 'nope.jsonl'}: no such file or folder"
    not_db = tmp_path / "not.sqlite"
    not_db.write_bytes(b"this is not a database at all" * 100)
    code, _, err = run(capsys, "--db", not_db, "list")
    assert code == 2 and err.count("\n") == 1 and "cannot open database" in err


def test_validate_reports_problems(tmp_path, corpus, capsys):
    db = tmp_path / "db.sqlite"
    assert run(capsys, "--db", db, "import", corpus)[0] == 0
    with Store.open(db) as store, store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE spans SET end_offset = 500 WHERE start_offset = 5")
    code, out, _ = run(capsys, "--db", db, "validate")
    assert code == 1 and "document 'r1'" in out and "outside text" in out


def test_garbage_with_autodetection_is_one_line_too(tmp_path, corpus, capsys):
    db = tmp_path / "db.sqlite"
    assert run(capsys, "--db", db, "import", corpus)[0] == 0
    before = snapshot(capsys, db)
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(bytes(range(256)) * 8)
    code, _, err = run(capsys, "--db", db, "import", corpus, garbage)
    assert code == 2 and err.count("\n") == 1 and err.startswith(f"error: {garbage}: ")
    assert snapshot(capsys, db) == before


def test_the_rdrs_program_runs_the_cli_with_the_collector_on_for_the_command(tmp_path, corpus, monkeypatch):
    from rdrs_gui import cli, program

    seen: list[bool] = []
    real = cli.main
    monkeypatch.setattr(cli, "main", lambda argv=None: seen.append(gc.isenabled()) or real(argv))
    try:
        code = program.main(["--db", str(tmp_path / "db.sqlite"), "import", str(corpus)])
    finally:
        gc.unfreeze()
    assert code == 0 and seen == [True] and gc.isenabled()
    with open(Path(__file__).parent.parent / "pyproject.toml", "rb") as file:
        assert tomllib.load(file)["project"]["scripts"]["rdrs"] == "rdrs_gui.program:main"


def test_output_cut_short_by_its_reader_ends_quietly(tmp_path, corpus):
    """``rdrs list | head -1``: the reader leaves early; no BrokenPipeError traceback."""
    db = tmp_path / "db.sqlite"
    assert main(["--db", str(db), "import", str(corpus)]) == 0
    many = tmp_path / "many.jsonl"
    jsonl.write([Document(f"d{i}", "Текст.") for i in range(3000)], many)
    assert main(["--db", str(db), "import", str(many)]) == 0
    rdrs = subprocess.Popen([sys.executable, "-m", "rdrs_gui.cli", "--db", str(db), "list"], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert rdrs.stdout.readline().startswith(b"1\tr1")
    rdrs.stdout.close()                         # as head does after its first line
    _, err = rdrs.communicate(timeout=120)
    assert rdrs.returncode == 1
    assert err.decode() == ""


def test_a_database_locked_by_another_program_is_one_line_and_nothing_changes(tmp_path, corpus, capsys,
                                                                               monkeypatch):
    """Commands whose writes the store does not word itself (assign, eval-set, terminology) used
    to end in a SQLAlchemy traceback when another program held the write lock past the timeout."""
    import sqlite3

    from rdrs_gui.core.store import engine

    db = tmp_path / "db.sqlite"
    assert run(capsys, "--db", db, "import", corpus)[0] == 0
    before = snapshot(capsys, db)
    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 200)
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        code, _, err = run(capsys, "--db", db, "assign", "--annotators", "a,b")
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert code == 2
    assert err == "error: the database refused: database is locked; nothing was changed\n"
    assert snapshot(capsys, db) == before


def test_database_urls_are_shown_without_their_password(tmp_path, capsys):
    from rdrs_gui.core.store.location import shown_url

    assert shown_url("postgresql://bob:S3cret@db.example/rdrs") == "postgresql://bob:***@db.example/rdrs"
    assert shown_url("postgresql://bob@db/rdrs?sslmode=require&password=S3cret") == \
        "postgresql://bob@db/rdrs?sslmode=require&password=***"
    code, _, err = run(capsys, "--db", "postgresql://bob:S3cret@host:notaport/db", "list")
    assert code == 2 and "S3cret" not in err and err.startswith("error: postgresql://bob:***@host:notaport/db: not a")


def test_a_mistyped_database_path_is_refused_not_created(tmp_path, corpus, capsys):
    """Only an import creates a database; any other command on a path with no file says so
    instead of creating an empty database (and its folders) that reads as an empty corpus."""
    typo = tmp_path / "nope" / "a" / "db.sqlite"
    for command in (["list"], ["stats"], ["models"], ["assign", "--annotators", "a,b"], ["agreement"]):
        code, _, err = run(capsys, "--db", typo, *command)
        assert (code, err) == (2, f"error: {typo}: no database there (check the path; rdrs import creates one)\n")
    assert not (tmp_path / "nope").exists()
    assert run(capsys, "--db", typo, "import", corpus)[0] == 0 and typo.is_file()
