"""The CLI's import stores each batch of documents while the next is read (forked readers):
the database ends exactly as after reading everything and storing it at once, and a bad file
anywhere leaves it as it was (a database file the import created is removed)."""
from __future__ import annotations

import copy
import sqlite3

import pytest

from rdrs_gui.cli import main
from rdrs_gui.core import formats, services
from rdrs_gui.core.document import Document
from rdrs_gui.core.errors import FormatError
from rdrs_gui.core.formats import _parallel
from rdrs_gui.core.store import Store
from test_parallel_io import _break, reviews, snapshot


@pytest.fixture(autouse=True)
def small_batches(monkeypatch):
    """Batches of four files, so that a few files make many batches on several processes."""
    monkeypatch.setattr(_parallel, "MIN_FILES_PER_WORKER", 4)
    monkeypatch.setattr(_parallel, "BATCH", 4)


def stored(store: Store) -> list[tuple]:
    return snapshot(list(store.iter_documents(include_suggestions=True)))


@pytest.mark.parametrize("fmt", ["brat", "webanno-tsv3"])
@pytest.mark.parametrize("workers", [1, 3])
def test_storing_while_reading_equals_reading_then_storing(tmp_path, fmt, workers):
    folder = tmp_path / "in"
    formats.get(fmt).write(reviews(23), folder)
    with Store.open(tmp_path / "at-once.sqlite") as store:
        at_once = services.import_inputs(store, services.read_inputs([folder], fmt))
        expected = stored(store), store.project_schema().tag_names
    with Store.open(tmp_path / "streamed.sqlite") as store:
        streamed = services.import_paths(store, [folder], fmt, workers=workers)
        assert (stored(store), store.project_schema().tag_names) == expected
    assert (streamed.documents, streamed.spans, streamed.chains, streamed.relations) == \
        (at_once.documents, at_once.spans, at_once.chains, at_once.relations)
    assert streamed.document_ids == at_once.document_ids
    assert streamed.warnings == at_once.warnings


def test_a_bad_file_after_stored_batches_leaves_the_database_as_it_was(tmp_path):
    folder = tmp_path / "in"
    formats.get("brat").write(reviews(20), folder)
    _break(sorted(folder.glob("*.ann"))[17])          # in the fifth batch of four
    with Store.open(tmp_path / "db.sqlite") as store:
        store.import_documents([Document("before", "отзыв, который был раньше")])
        before = stored(store), store.project_schema().to_json()
        with pytest.raises(FormatError, match="T99"):
            services.import_paths(store, [folder], "brat", workers=3)
        assert (stored(store), store.project_schema().to_json()) == before


def test_a_document_twice_in_one_import_is_stored_twice_whatever_the_batches(tmp_path):
    docs = reviews(12)
    docs[9] = copy.deepcopy(docs[1])                  # the same name and text, in another batch
    folder = tmp_path / "in"
    formats.get("brat").write(docs[:8], folder / "a")
    formats.get("brat").write(docs[8:], folder / "b")
    with Store.open(tmp_path / "db.sqlite") as store:
        summary = services.import_paths(store, [folder / "a", folder / "b"], "brat", workers=3)
        assert summary.documents == 12
        assert not [w for w in summary.warnings if "already in the project" in w]
        assert store.count_documents() == 12, "a later batch does not replace an earlier one"
        again = services.import_paths(store, [folder / "b"], "brat", workers=3)
        assert store.count_documents() == 12, "an import replaces what was stored before it"
        assert any("already in the project" in w for w in again.warnings)


def run(capsys, *args) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_failed_cli_import_leaves_no_new_database_file_and_an_old_one_as_it_was(tmp_path, capsys):
    folder = tmp_path / "in"
    formats.get("brat").write(reviews(20), folder)
    _break(sorted(folder.glob("*.ann"))[17])
    new = tmp_path / "new.sqlite"
    code, _, err = run(capsys, "--db", new, "import", "--format", "brat", folder)
    assert code == 2 and "T99" in err
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("new.sqlite")]

    old = tmp_path / "old.sqlite"
    with Store.open(old) as store:
        store.import_documents([Document("before", "отзыв, который был раньше")])
    code, _, err = run(capsys, "--db", old, "import", "--format", "brat", folder)
    assert code == 2
    with Store.open(old) as store:
        assert [d.name for d in store.iter_documents()] == ["before"]


def journal_mode(path) -> str:
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA journal_mode").fetchone()[0]


def test_an_import_into_a_new_file_writes_without_a_log_and_the_next_open_turns_it_back_on(tmp_path, capsys):
    folder = tmp_path / "in"
    formats.get("brat").write(reviews(12), folder)
    new = tmp_path / "new.sqlite"
    code, out, _ = run(capsys, "--db", new, "import", "--format", "brat", folder)
    assert code == 0 and "imported 12 documents" in out
    assert journal_mode(new) == "delete", "a new file filled in one go: pages written once"
    code, _, _ = run(capsys, "--db", new, "import", "--format", "brat", folder)    # an existing file
    assert code == 0 and journal_mode(new) == "wal"
    with Store.open(new) as store:
        assert store.count_documents() == 12 and journal_mode(new) == "wal"
