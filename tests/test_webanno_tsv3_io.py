"""WebAnno TSV 3: how a folder is listed (order, names and paths as ``Path.rglob`` gives them) and
that reading and writing leave nothing behind for the garbage collector, which the CLI pauses."""
from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

from test_format_webanno_tsv3 import synthetic
from rdrs_gui.core.document import Document, Span
from rdrs_gui.core.errors import FormatError
from rdrs_gui.core.formats import webanno_tsv3 as tsv3
from rdrs_gui.core.formats._tsv3_write import serialize


def _doc(name: str) -> Document:
    return Document(name, "Аспирин помог.", spans=[Span({"DrugName"}, [(0, 7)], id="T1")])


def test_folder_is_read_in_path_order_with_relative_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # Part by part, "b" sorts before "b-c"; as strings "b-c/x.tsv" sorts before "b/y.tsv".
    tsv3.write([_doc("b-c/x"), _doc("b/y"), _doc("a"), _doc("b/z/w")], tmp_path / "in")
    (tmp_path / "in" / "b" / "notes.tsv").write_text("id\ttext\n", encoding="utf-8")
    (tmp_path / "in" / "b" / "bad.tsv").write_text("#FORMAT=WebAnno TSV 3.3\n\n\n1-1\t0-1\tx\n", encoding="utf-8")
    expected = [p.relative_to(tmp_path / "in").with_suffix("").as_posix()
                for p in sorted((tmp_path / "in").rglob("*.tsv")) if p.stem not in ("notes", "bad")]
    assert expected == ["a", "b/y", "b/z/w", "b-c/x"]

    result = tsv3.read(tmp_path / "in", on_error="skip")
    assert [d.name for d in result.documents] == expected
    assert result.warnings == [f"b{os.sep}notes.tsv: not a WebAnno TSV file; skipped"]
    assert len(result.skipped) == 1 and result.skipped[0].startswith(f"{tmp_path / 'in' / 'b' / 'bad.tsv'}:")

    monkeypatch.chdir(tmp_path / "in")  # a relative folder: paths spelt as Path spells them
    result = tsv3.read(".", on_error="skip")
    assert [d.name for d in result.documents] == expected
    assert result.skipped[0].startswith(f"b{os.sep}bad.tsv:")


def test_files_that_are_not_tsv_are_passed_over_where_they_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Each file is looked at by the process that reads it: files that are not WebAnno TSV
    (another format, a folder named .tsv) are passed over with a warning each, in file order,
    read on one core or several, stored as they come or not; a folder with no TSV file is
    refused."""
    from rdrs_gui.core.formats import _parallel

    monkeypatch.setattr(_parallel, "MIN_FILES_PER_WORKER", 2)  # split even these few files
    folder = tmp_path / "in"
    tsv3.write([_doc(f"d{i}") for i in range(8)], folder)
    (folder / "c.tsv").write_text("id\ttext\n", encoding="utf-8")
    (folder / "d3x.tsv").mkdir()
    expected = [f"{name}: not a WebAnno TSV file; skipped" for name in ("c.tsv", "d3x.tsv")]
    names = [f"d{i}" for i in range(8)]
    for workers in (1, 3):
        result = tsv3.read(folder, workers=workers)
        assert [d.name for d in result.documents] == names and result.warnings == expected
        stored: list[str] = []
        result = tsv3.read(folder, workers=workers, on_documents=lambda batch: stored.extend(
            name for name, *_ in batch.docs))
        assert stored == names and result.warnings == expected and not result.documents

    only_others, empty = tmp_path / "others", tmp_path / "empty"
    only_others.mkdir()
    empty.mkdir()
    (only_others / "a.tsv").write_text("id\ttext\n", encoding="utf-8")
    for where in (only_others, empty):
        for on_documents in (None, lambda batch: None):
            with pytest.raises(FormatError, match="no WebAnno TSV 3 files"):
                tsv3.read(where, on_documents=on_documents)


def test_reading_and_writing_leave_no_cycles_for_the_garbage_collector(tmp_path: Path):
    """Each document's objects are freed as soon as it is done: the CLI pauses the collector
    while it reads or writes ten thousand, and cyclic leftovers would pile up until the end."""
    tsv3.write([synthetic(), _doc("plain")], tmp_path / "out")
    files = sorted((tmp_path / "out").rglob("*.tsv"))
    edited = synthetic()
    edited.spans.append(Span({"DrugForm"}, [(3, 5)], id="T99"))  # inside a token: sub-tokens
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        def read_and_write() -> None:
            for file in files:
                doc, _ = tsv3.parse(file.read_text(encoding="utf-8"), file, file.stem)
                serialize(doc, file)
            serialize(edited, tmp_path / "edited.tsv")  # no tokens kept: razdel's, cut at spans
        read_and_write()  # first use: imports, caches
        gc.collect()
        read_and_write()
        assert gc.collect() == 0
    finally:
        if was_enabled:
            gc.enable()
