"""WebAnno TSV 3.3, the tab-separated format of WebAnno and INCEpTION (read and write).

One ``.tsv`` file holds one document; ``read`` takes a file or a folder of them (an INCEpTION
export, searched recursively) and ``write`` fills a folder with one file per document.

How WebAnno layers map onto the document model, identically in both directions so that
write -> read gives the same spans, chains and relations back:

- A span layer annotation becomes a Span. Its label is the layer's label feature (``value``,
  else ``tag``, ``label``, ``PosValue``, ``DependencyType``, else the first feature); the other
  features become attributes. Annotations of ``NamedEntity`` (the default layer) carry no
  ``layer`` attribute; all others carry ``attrs["layer"]`` = the full layer name. An annotation
  without a label value is labelled with the layer's short name (``Span``) and, if the layer has a
  label feature, marked ``attrs["unset"]`` = that feature name. Stacked annotations of one layer
  over the same text fold into one multi-label span. A discontinuous span is written as one
  annotation per fragment joined by the feature ``discontinuous`` = a group number.
- A chain (``#T_CH``, e.g. CoreferenceLink) becomes a Chain with its elements as mentions; its
  label is the elements' ``referenceType`` when they all agree, else the layer name without
  ``Link`` (``Coreference``). Per-element types and link relations are kept in ``meta``.
- A relation (``#T_RL``) becomes a Relation from its source (Governor) to its target (Dependent)
  span, labelled like a span (default layer ``webanno.custom.Relation``). Relations over tokens
  (``BT_...Token``) get a ``Token`` span at each end. Slot features (``ROLE_``) become relations
  from host to filler labelled with the role and marked ``attrs["slot"]`` = the feature name.
- Zero-width annotations are skipped with a warning (the model has no empty spans).
- ``meta["webanno_tsv3"]`` keeps the header, tokens and sentence ids, so that an unchanged
  document is written back with its own layers and tokenisation.
"""
from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ..document import Document
from ..document_batch import DocumentBatch
from ..errors import FormatError
from ..textio import FolderWriter, atomic_write_files, decode, read_text
from . import _tsv3_syntax as syn
from ._parallel import begin
from ._tsv3_bulk import Irregular, RegularParser
from ._tsv3_read import Tsv3Parser
from ._tsv3_write import serialize
from .base import STOP, OnDocuments, ReadResult

NAME = "webanno-tsv3"
DESCRIPTION = "WebAnno TSV 3.3 (INCEpTION/WebAnno), one .tsv file per document"
OUTPUT = "dir"

_UNSAFE = set('\\:*?"<>|') | {chr(i) for i in range(32)}
_HEAD = 200  # bytes enough for the first line's "#FORMAT=WebAnno TSV 3.3"


def _first_line(path: str | Path) -> str:
    """The first line (up to _HEAD bytes) of a file, "" if it cannot be read."""
    try:
        with open(path, "rb", buffering=0) as fh:
            return _line_of(fh.read(_HEAD))
    except OSError:
        return ""


def _line_of(head: bytes) -> str:
    end = head.find(b"\n")
    return (head if end < 0 else head[:end + 1]).decode("utf-8", "replace").lstrip("\ufeff")


def _tsv_files(folder: Path) -> list[tuple[str, str]]:
    """``(path, path relative to folder)`` of what ``folder.rglob("*.tsv")`` finds, in the order of
    ``sorted(folder.rglob("*.tsv"))`` and spelt as those paths are, as strings: making and
    sorting ten thousand Path objects took a tenth of a second before reading could start."""
    found = []
    for where, dirs, names in os.walk(folder):
        relative = os.path.relpath(where, folder)
        here = str(folder / relative)  # as Path spells it: "sub", not "./sub"
        prefix = "" if here == os.curdir else os.path.join(here, "")
        inside = "" if relative == os.curdir else os.path.join(relative, "")
        found += [(prefix + name, inside + name) for name in names + dirs if name.endswith(".tsv")]
    return sorted(found, key=lambda item: os.path.normcase(item[1]).split(os.sep))  # Path order


def _stem(relative: str) -> str:
    """``Path(relative).with_suffix("").as_posix()`` of a name ending in .tsv (a name that is
    only ".tsv" has no suffix)."""
    keep = os.path.basename(relative) == ".tsv"
    return (relative if keep else relative[:-len(".tsv")]).replace(os.sep, "/")


def _is_tsv3(path: Path) -> bool:
    return path.is_file() and _first_line(path).startswith(syn.FORMAT_PREFIX + "WebAnno TSV 3")


def sniff(path: str | Path) -> bool:
    path = Path(path)
    if path.is_dir():
        return any(_is_tsv3(p) for p, _ in zip(sorted(path.rglob("*.tsv")), range(20)))
    return _is_tsv3(path)


def parse(text: str, path: str | Path, name: str) -> tuple[Document, list[str]]:
    """One file's document and warnings: a sentence at a time where the file has the regular
    shape, line by line otherwise (which also words any error)."""
    if "\r" not in text:
        parser: Tsv3Parser = RegularParser(text, path, name)
        try:
            return parser.parse(), parser.warnings
        except (Irregular, FormatError):
            pass
    parser = Tsv3Parser(text, path, name)
    doc = parser.parse()
    return doc, parser.warnings


def read(path: str | Path, on_error: str = STOP, workers: int = 1,
         on_documents: OnDocuments | None = None) -> ReadResult:
    """A file, or a folder of them; ``on_error="skip"`` lists a bad file in ``skipped`` and goes on;
    ``workers`` > 1 reads the files on that many cores, ``on_documents`` is given each batch as
    it is read (see ``_parallel``)."""
    with reading(path, on_error, workers, streaming=on_documents is not None) as finish:
        return finish(on_documents)


@contextmanager
def reading(path: str | Path, on_error: str = STOP, workers: int = 1,
            streaming: bool = False) -> Iterator[Callable[[OnDocuments | None], ReadResult]]:
    """``read`` in two steps, as ``formats.reading`` describes; ``streaming``: the read will be
    finished with an ``on_documents``."""
    path = Path(path)
    result = ReadResult()
    folder = path.is_dir()
    jobs = ([(file, _stem(relative), relative) for file, relative in _tsv_files(path)] if folder
            else [(path, path.stem, None)])

    def finish(on_documents: OnDocuments | None) -> ReadResult:
        read = 0

        def take(batch: DocumentBatch) -> None:
            nonlocal read
            read += len(batch)
            on_documents(batch)

        files.take(result, take if on_documents is not None else None)
        if folder and not (read or result.documents or result.skipped):  # no .tsv files, or none of them TSV
            raise FormatError(path, "no WebAnno TSV 3 files (*.tsv) in this folder")
        return result

    with begin(jobs, _read_file, on_error, workers, streaming) as files:
        yield finish


def _read_file(job: tuple[str | Path, str, str | None]) -> tuple[Document | None, list[str]]:
    """One file's document and warnings. A file found in a folder (``relative`` is its path
    there) that does not start as a WebAnno TSV file does is passed over with a warning: looked
    at here, by the process that reads it, rather than by a first pass over every file before
    any is read (a tenth of a second or more of a 10,000-file import, on one core)."""
    file, name, relative = job
    if relative is None:
        return parse(read_text(file), file, name)
    try:
        with open(file, "rb") as fh:
            data = fh.read(_HEAD)
            if not _line_of(data).startswith(syn.FORMAT_PREFIX + "WebAnno TSV"):
                return None, [f"{relative}: not a WebAnno TSV file; skipped"]
            data += fh.read()
    except OSError:  # as one that is not TSV: a folder may hold files nobody may read
        return None, [f"{relative}: not a WebAnno TSV file; skipped"]
    return parse(decode(data, file), file, name)


def write(documents: Iterable[Document], out: str | Path) -> list[str]:
    """Write each document to ``out/<name>.tsv`` (a name with ``/`` makes sub-folders); returns
    what the format could not keep."""
    documents = list(documents)
    out = check_out(out)
    bases = file_bases([d.name for d in documents])
    losses: Counter[str] = Counter()
    # Serialised everything first: a bad document writes nothing.
    rendered = [(f"{base}.tsv", serialize(doc, out / f"{base}.tsv", losses)) for doc, base in zip(documents, bases)]
    atomic_write_files(out, rendered)
    return _said(losses)


# A parallel export (``core.export_files``) calls the three parts below: the file names once,
# ``write_share`` in each process for its share of the documents, ``finish`` once at the end.

def check_out(out: str | Path) -> Path:
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise FormatError(out, "WebAnno TSV export needs a folder, and this is a file")
    return out


def file_bases(names: Sequence[str]) -> list[str]:
    """A distinct file path (``/``-separated, without ``.tsv``) per document name, in order."""
    taken: set[str] = set()
    return [_file_name(name, taken)[:-len(".tsv")] for name in names]


def write_share(documents: Sequence[Document], bases: Sequence[str], writer: FolderWriter) -> dict:
    losses: Counter[str] = Counter()
    for doc, base in zip(documents, bases):
        writer.write(f"{base}.tsv", serialize(doc, writer.folder / f"{base}.tsv", losses))
    return {"losses": dict(losses)}


def finish(shares: Sequence[dict], writer: FolderWriter) -> list[str]:
    losses: Counter[str] = Counter()
    for share in shares:
        losses.update(share["losses"])
    return _said(losses)


def _said(losses: Counter[str]) -> list[str]:
    return [f"{what}: {count}" for what, count in losses.items() if count]


def _file_name(name: str, taken: set[str]) -> str:
    parts = ["".join("_" if c in _UNSAFE else c for c in part).strip() for part in name.split("/")]
    parts = [p for p in parts if p and p not in (".", "..")] or ["document"]
    stem, n = "/".join(parts), 1
    candidate = f"{stem}.tsv"
    while candidate.lower() in taken:
        n += 1
        candidate = f"{stem}-{n}.tsv"
    taken.add(candidate.lower())
    return candidate
