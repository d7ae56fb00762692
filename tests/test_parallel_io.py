"""Reading and exporting folders of brat / WebAnno TSV files on several cores gives exactly what
one process gives: the same documents in the same order, the same first error, the same files,
and nothing left behind when a share fails."""
from __future__ import annotations

import multiprocessing
import os
import random
import time
from functools import partial
from pathlib import Path

import pytest

from rdrs_gui.core import export_files, formats, services
from rdrs_gui.core.document import Chain, Document, Mention, Relation, Span
from rdrs_gui.core.document_batch import DocumentBatch
from rdrs_gui.core.errors import FormatError, RdrsError
from rdrs_gui.core.formats import _parallel
from rdrs_gui.core.store import Store

WORDS = "таблетки помогли от головной боли но потом началась тошнота и сыпь на руках".split()
TAGS = ("ADR", "DrugName", "DrugForm", "Indication", "Dosage")


@pytest.fixture(autouse=True)
def small_shares(monkeypatch):
    """Split even a few files between processes, so the tests stay small and fast."""
    monkeypatch.setattr(_parallel, "MIN_FILES_PER_WORKER", 4)  # both modules imported the name
    monkeypatch.setattr(export_files, "MIN_FILES_PER_WORKER", 4)


def reviews(n: int, seed: int = 3) -> list[Document]:
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        words = [rng.choice(WORDS) for _ in range(30)]
        text = " ".join(words)
        starts = [sum(len(w) + 1 for w in words[:k]) for k in range(len(words))]
        bounds = [(s, s + len(w)) for s, w in zip(starts, words)]
        spans = []
        for j in rng.sample(range(len(bounds) - 3), 6):
            fragments = [bounds[j]] + ([bounds[j + 2]] if rng.random() < 0.2 else [])
            labels = {rng.choice(TAGS)} | ({"DrugBrand"} if rng.random() < 0.2 else set())
            attrs = {"MedFrom": rng.choice(("Domestic", "Foreign"))} if "DrugName" in labels else {}
            spans.append(Span(labels, fragments, attrs))
        doc = Document(f"отзыв-{i % (n - 2)}" if i else "first", text, spans=spans,
                       chains=[Chain([Mention([bounds[k]]) for k in (0, 5, 9)])])
        doc.assign_ids()
        doc.relations = [Relation("Cause", doc.spans[0].id, doc.spans[1].id)]
        docs.append(doc)
    return docs


def snapshot(docs: list[Document]) -> list[tuple]:
    return [(d.name, d.text, d.status, d.meta, sorted(s.key() for s in d.spans), sorted(c.key() for c in d.chains),
             sorted((r.label, r.head, r.tail) for r in d.relations)) for d in docs]


@pytest.mark.parametrize("fmt", ["brat", "webanno-tsv3"])
def test_a_folder_read_on_several_cores_equals_the_serial_read(tmp_path, fmt):
    folder = tmp_path / "in"
    formats.get(fmt).write(reviews(23), folder)
    serial = formats.read(folder, fmt)
    parallel = formats.read(folder, fmt, workers=3)
    assert len(serial.documents) == 23
    assert snapshot(parallel.documents) == snapshot(serial.documents)
    assert parallel.warnings == serial.warnings
    assert (parallel.schema is None) == (serial.schema is None)
    if serial.schema is not None:
        assert parallel.schema.tag_names == serial.schema.tag_names


def _break(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "T99\tADR 5000 5004\tнет\n", encoding="utf-8")


def test_the_first_bad_file_in_order_is_the_error_and_skip_lists_each_in_order(tmp_path):
    folder = tmp_path / "in"
    formats.get("brat").write(reviews(20), folder)
    anns = sorted(folder.glob("*.ann"))
    for bad in (anns[14], anns[18]):     # both in the child's share
        _break(bad)
    with pytest.raises(FormatError) as serial:
        formats.read(folder, "brat")
    with pytest.raises(FormatError) as parallel:
        formats.read(folder, "brat", workers=2)
    assert str(parallel.value) == str(serial.value)
    assert anns[14].name in str(parallel.value)

    skipped = formats.read(folder, "brat", on_error="skip", workers=2)
    assert skipped.skipped == formats.read(folder, "brat", on_error="skip").skipped
    assert [anns[14].name in skipped.skipped[0], anns[18].name in skipped.skipped[1]] == [True, True]
    assert len(skipped.documents) == 18


def test_the_cli_reads_a_big_folder_with_workers_and_stores_it_all(tmp_path):
    folder = tmp_path / "in"
    docs = reviews(30)
    formats.get("brat").write(docs, folder)
    inputs = services.read_inputs([folder], "brat", workers=2)
    with Store.open(tmp_path / "db.sqlite") as store:
        summary = services.import_inputs(store, inputs)
        assert summary.documents == 30
        stored = list(store.iter_documents())
    assert sorted(s.key() for d in stored for s in d.spans) == sorted(s.key() for d in docs for s in d.spans)


@pytest.fixture
def stored(database_url):
    """21 reviews on a SQLite file, and on PostgreSQL (a team's server) where one is given."""
    store = Store.open(database_url)
    store.import_documents(reviews(21))
    yield store
    store.close()


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("fmt", ["brat", "webanno-tsv3"])
def test_an_export_on_several_cores_writes_the_files_of_a_serial_one(tmp_path, stored, fmt):
    serial = services.export(stored, fmt, tmp_path / "serial")
    parallel = services.export(stored, fmt, tmp_path / "parallel", workers=3)
    assert (parallel.documents, parallel.spans, parallel.chains, parallel.relations) == \
        (serial.documents, serial.spans, serial.chains, serial.relations) == (21, serial.spans, 21, 21)
    assert parallel.warnings == serial.warnings
    files = tree(tmp_path / "serial")
    assert len(files) >= 21 and tree(tmp_path / "parallel") == files
    assert not list(tmp_path.glob(".*.tmp")), "no temporary folder is left"


def test_an_export_into_a_folder_with_files_replaces_them_all(tmp_path, stored):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("не трогать", encoding="utf-8")
    (out / "first.ann").write_text("old", encoding="utf-8")
    services.export(stored, "brat", out, workers=3)
    services.export(stored, "brat", tmp_path / "serial")
    written = tree(out)
    assert written.pop("keep.txt") == "не трогать".encode()
    assert written == tree(tmp_path / "serial")
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "no temporary files are left"


@pytest.mark.parametrize("existing", [False, True])
def test_a_share_that_fails_leaves_the_folder_as_it_was(tmp_path, stored, monkeypatch, existing):
    module = formats.get("brat")
    real = module.write_share

    def failing(documents, bases, writer):
        result = real(documents, bases, writer)       # files written, then the share fails
        if any(d.name == "отзыв-17" for d in documents):
            raise OSError("disk full")
        return result

    monkeypatch.setattr(module, "write_share", failing)   # the forked children see it too
    out = tmp_path / "out"
    if existing:
        out.mkdir()
        (out / "keep.txt").write_text("x", encoding="utf-8")
    with pytest.raises(OSError, match="disk full"):
        services.export(stored, "brat", out, workers=3)
    assert (sorted(p.name for p in out.iterdir()) == ["keep.txt"]) if existing else not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no temporary folder is left"


def test_an_in_memory_database_is_exported_by_this_process_alone(tmp_path):
    with Store.open("sqlite://") as store:     # a forked process could not open it
        assert not store.shared
        store.import_documents(reviews(9))
        summary = services.export(store, "brat", tmp_path / "out", workers=3)
    assert summary.documents == 9
    assert len(list((tmp_path / "out").glob("*.ann"))) == 9


def read_files(jobs: list, read_one, result: formats.ReadResult, on_error: str = "stop", workers: int = 1,
               on_documents=None) -> None:
    """Begin reading and take everything at once, as ``brat.read`` and ``webanno_tsv3.read`` do."""
    with _parallel.begin(jobs, read_one, on_error, workers, streaming=on_documents is not None) as reading:
        reading.take(result, on_documents)


def _read_review(job: tuple[Path, int]) -> tuple[Document, list[str]]:
    """A reader whose document 7 has a span beyond its text (a problem only Document.problems sees)."""
    path, i = job
    doc = Document(path.stem, "короткий отзыв", spans=[Span({"ADR"}, [(0, 8 if i != 7 else 80)])])
    return doc, []


@pytest.mark.parametrize("workers", [1, 3])
def test_each_document_is_checked_where_it_is_read_and_its_file_named(tmp_path, workers):
    jobs = [(tmp_path / f"r{i}.ann", i) for i in range(12)]
    with pytest.raises(FormatError, match=r"r7\.ann: document 'r7': span .* outside text"):
        read_files(jobs, _read_review, formats.ReadResult(), workers=workers)
    result = formats.ReadResult()
    read_files(jobs, _read_review, result, on_error="skip", workers=workers)
    assert [d.name for d in result.documents] == [f"r{i}" for i in range(12) if i != 7]
    assert len(result.skipped) == 1 and result.skipped[0].startswith(f"{tmp_path / 'r7.ann'}: document 'r7'")
    assert result.checked


def test_a_reader_that_does_not_check_gets_its_documents_checked_by_formats_read(tmp_path, monkeypatch):
    module = formats.get("text")
    bad = Document("bad", "abc", spans=[Span({"ADR"}, [(1, 9)])])
    monkeypatch.setattr(module, "read", lambda path, **_: formats.ReadResult([Document("ok", "abc"), bad]))
    (tmp_path / "x.txt").write_text("abc", encoding="utf-8")
    with pytest.raises(FormatError, match="x.txt: document 'bad'"):
        formats.read(tmp_path / "x.txt", "text")
    result = formats.read(tmp_path / "x.txt", "text", on_error="skip")
    assert [d.name for d in result.documents] == ["ok"]
    assert result.skipped == [f"{tmp_path / 'x.txt'}: document 'bad': span ?: fragment 1-9 outside text of length 3 or empty"]
    taken: list[list[str]] = []
    result = formats.read(tmp_path / "x.txt", "text", on_error="skip",
                          on_documents=lambda batch: taken.append([d.name for d in batch.documents()]))
    assert taken == [["ok"]] and result.documents == [], "handed over, not kept as well"
    assert len(result.skipped) == 1


TEST_PROCESS = os.getpid()


def _read_or_die(job: tuple[Path, int]) -> tuple[Document, list[str]]:
    """A reader whose forked process dies abruptly (as if killed for memory) on file 10."""
    if job[1] == 10 and os.getpid() != TEST_PROCESS:
        os._exit(9)
    return _read_review(job)


@pytest.mark.parametrize("batches", [False, True])
def test_a_reader_process_that_dies_is_an_error_not_an_endless_wait(tmp_path, monkeypatch, batches):
    monkeypatch.setattr(_parallel, "BATCH", 4)
    jobs = [(tmp_path / f"r{i}.ann", i) for i in range(14) if i != 7]      # every batch sent to a child
    taken = []
    with pytest.raises(RdrsError, match="helper process stopped unexpectedly"):
        read_files(jobs, _read_or_die, formats.ReadResult(), workers=3,
                             on_documents=taken.append if batches else None)


@pytest.mark.slow   # worker processes, and 2.5 s of waiting for one left running
def test_an_export_failing_in_this_process_stops_the_others_before_they_write(tmp_path, stored, monkeypatch):
    module = formats.get("brat")
    real = module.write_share

    def slow_or_failing(documents, bases, writer):
        if any(d.name == "first" for d in documents):    # this process's share: fails at once
            raise OSError("disk full")
        time.sleep(1.0)                                   # a child's share: still busy then
        return real(documents, bases, writer)

    monkeypatch.setattr(module, "write_share", slow_or_failing)
    with pytest.raises(OSError, match="disk full"):
        services.export(stored, "brat", tmp_path / "out", workers=3)
    time.sleep(1.5)                                       # a child left running would write now
    assert not (tmp_path / "out").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no temporary folder is left"


def _read_where(job: tuple[Path, int], slow_child: bool) -> tuple[Document, list[str]]:
    """A document that says which process read it; children take 30 ms a file if asked."""
    if slow_child and os.getpid() != TEST_PROCESS:
        busy = time.process_time() + 0.03
        while time.process_time() < busy:      # CPU time: what the reader's bookkeeping counts
            pass
    doc, _ = _read_review(job)
    doc.meta = {"pid": os.getpid()}
    return doc, []


@pytest.mark.slow   # worker processes kept busy for a second and a half
@pytest.mark.parametrize("reading_is_longer", [True, False])
def test_this_process_reads_batches_itself_only_where_reading_is_the_longer_job(tmp_path, monkeypatch,
                                                                                 reading_is_longer):
    monkeypatch.setattr(_parallel, "BATCH", 2)
    jobs = [(tmp_path / f"r{i}.ann", i) for i in range(30) if i != 7]
    stored: list[Document] = []

    def store_slowly(batch: DocumentBatch) -> None:
        stored.extend(batch.documents())
        if not reading_is_longer:
            busy = time.process_time() + 0.1
            while time.process_time() < busy:
                pass

    read_files(jobs, partial(_read_where, slow_child=reading_is_longer), formats.ReadResult(),
                         workers=2, on_documents=store_slowly)
    assert [d.name for d in stored] == [f"r{i}" for i in range(30) if i != 7], "file order kept"
    readers = {d.meta["pid"] for d in stored}
    assert (TEST_PROCESS in readers) == reading_is_longer
    assert readers - {TEST_PROCESS}, "a child read some"


@pytest.mark.parametrize("n", [0, 1, 9, 20, 21, 22, 29, 40, 57])
def test_batches_cover_every_job_once_in_order_the_last_ones_small(monkeypatch, n):
    monkeypatch.setattr(_parallel, "BATCH", 10)
    jobs = list(range(n))
    batches = _parallel.cut(jobs)
    assert [job for batch in batches for job in batch] == jobs
    assert all(0 < len(batch) <= 10 for batch in batches)
    tail = min(n, 20)  # the last two batches' worth, in fifths
    last = batches[len(batches) - -(-tail // 2):]
    assert sum(map(len, last)) == tail and all(len(b) <= 2 for b in last)
    assert all(len(b) == 10 for b in batches[:max(0, len(batches) - len(last) - 1)])


def _read_marking(job: tuple[Path, int]) -> tuple[Document, list[str]]:
    """A document, a marker file saying it was read, and the reader's priority (niceness)."""
    doc, _ = _read_review(job)
    job[0].with_suffix(".read").touch()
    return doc, [f"{job[0].stem} nice {os.nice(0)}"]


def test_reading_begins_before_the_caller_takes_and_gives_what_read_files_gives(tmp_path):
    """``begin``: the children read while the caller does something else (the CLI imports and
    opens the database), at a lower priority than the caller that stores; what it takes is what
    a serial read gives."""
    jobs = [(tmp_path / f"r{i}.ann", i) for i in range(12) if i != 7]
    mine = os.nice(0)
    with _parallel.begin(jobs, _read_marking, workers=3, streaming=True) as reading:
        for _ in range(500):  # until the children have read the first files, taking nothing meanwhile
            if (tmp_path / "r0.read").exists():
                break
            time.sleep(0.01)
        assert (tmp_path / "r0.read").exists(), "read before anything was taken"
        taken: list[DocumentBatch] = []
        begun = formats.ReadResult()
        reading.take(begun, taken.append)
        assert not multiprocessing.active_children(), "the readers are gone once everything is taken"
    assert [name for batch in taken for name, *_ in batch.docs] == [f"r{i}" for i in range(12) if i != 7]
    assert set(begun.warnings) == {f"r{i} nice {mine + _parallel.NICE}" for i in range(12) if i != 7}
    serial = formats.ReadResult()
    read_files(jobs, _read_marking, serial)
    assert [d.name for d in serial.documents] == [name for batch in taken for name, *_ in batch.docs]
    assert serial.warnings == [f"r{i} nice {mine}" for i in range(12) if i != 7]


@pytest.mark.parametrize("fmt", ["brat", "webanno-tsv3"])
def test_a_folder_begun_then_finished_equals_a_folder_read(tmp_path, fmt):
    folder = tmp_path / "in"
    formats.get(fmt).write(reviews(23), folder)
    (folder / "extra.tsv").write_text("not tsv\n", encoding="utf-8")
    read_taken: list[tuple] = []
    read = formats.read(folder, fmt, workers=3, on_documents=lambda batch: read_taken.extend(batch.docs))
    with formats.reading(folder, fmt, workers=3) as finish:
        begun_taken: list[tuple] = []
        begun = finish(lambda batch: begun_taken.extend(batch.docs))
    assert len(begun_taken) == 23 and begun_taken == read_taken
    assert begun.warnings == read.warnings and begun.skipped == read.skipped
    assert (begun.schema is None) == (read.schema is None)
    with pytest.raises(FormatError, match="no such file"):
        with formats.reading(tmp_path / "missing", fmt):
            pass


def test_the_cli_starts_without_sqlalchemy():
    """``rdrs import`` begins reading before it imports the database layer: importing the CLI
    must not import SQLAlchemy (nor the commands' help need it)."""
    import subprocess
    import sys

    code = ("import sys, rdrs_gui.cli as cli; cli.build_parser().format_help(); "
            "print('sqlalchemy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_the_cli_imports_folders_begun_early_in_order_and_removes_a_new_database_on_error(tmp_path, capsys):
    """``rdrs import A B``: A is begun before the database is opened, B read after it; a bad
    file in A leaves no database behind."""
    from rdrs_gui import cli

    first, second = tmp_path / "a", tmp_path / "b"
    formats.get("brat").write(reviews(12), first)
    formats.get("brat").write(reviews(9, seed=5), second)
    db = tmp_path / "db.sqlite"
    assert cli.main(["--db", str(db), "import", "--format", "brat", str(first), str(second)]) == 0
    assert "imported 21 documents" in capsys.readouterr().out
    with Store.open(str(db)) as store:
        assert len(store.list_documents()) == 21

    _break(sorted(first.glob("*.ann"))[5])
    fresh = tmp_path / "fresh.sqlite"
    assert cli.main(["--db", str(fresh), "import", "--format", "brat", str(first), str(second)]) == 2
    assert "error:" in capsys.readouterr().err
    assert not fresh.exists()
