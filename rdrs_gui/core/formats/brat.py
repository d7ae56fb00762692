"""brat standoff (https://brat.nlplab.org/standoff.html): one ``NAME.txt`` + ``NAME.ann`` per document.

Reading and writing are inverse, so brat -> Document -> brat -> Document is exact. The mapping:

- ``T`` text-bound annotation -> Span; ``;``-separated fragments make it discontinuous. T lines
  of different types over identical fragments fold into one multi-label span
  (``merge_stacked_spans``; a second T line of a type the place already has stays a span of its
  own); the writer writes one T per label, with the span's attributes, notes and normalisations
  copied to each (an RDRS attribute only to the tags it belongs to: ATC to the DrugName, not the
  DrugBrand) and its relations from the first label's T. Lines whose attributes, notes or
  relations are their own in a way the writer would not give back (a Negation on a Protein, a
  note on an Entity over the same word) are not folded.
- ``A``/``M`` attribute -> ``attrs[name]``; a binary attribute (``A1<TAB>Negated T1``) has the value
  ``""``. The value is everything after the target, so values with spaces survive a round trip.
- ``N`` normalisation ``N1<TAB>Reference T1 Wikipedia:534366<TAB>Barack Obama`` ->
  ``attrs["norm:Wikipedia"] = "534366"``, ``attrs["norm-text:Wikipedia"] = "Barack Obama"``
  (the text key only when the text is not empty). Several ids of one resource on one annotation
  are joined by spaces, their texts by newlines, in the same order.
- ``#`` note ``#1<TAB>AnnotatorNotes T1<TAB>text`` -> ``attrs["note"]``; notes of other types (TDT's
  ``Lemma``) -> ``attrs["note:Lemma"]``. Several notes of one type are joined by newlines.
- ``R`` relation -> Relation(label, head=Arg1, tail=Arg2, attrs from its A/N/# lines); argument
  names other than Arg1/Arg2 are kept as ``attrs["brat:roles"] = "From To"``.
- ``*`` equivalence ``*<TAB>Equiv T1 T2 T3`` -> Chain(label="Equiv"), and coreference written either
  as ``*<TAB>Coreference T1 T2`` or as chain-linked ``R<TAB>Coreference Arg1:T1 Arg2:T2`` pairs ->
  Chain(label="Coreference"); the label is the chain's kind (RDRS ``Context`` groups come and go
  as ``*<TAB>Context ...``). Each ``*`` line is one chain, even where two lines of one kind share a
  mention; ``R`` coreference pairs of one label that share a mention are one chain (transitive
  closure). The writer writes each chain as one ``*`` line; a mention that is no entity span gets
  its own T of type ``Mention``, and a ``Mention`` T that only chains use is not read as a span.
- ``E`` event ``E1<TAB>Type:T3 Theme:T2 Cause:E2``: the trigger T3 is a span with
  ``attrs["event:E1"] = "Type"`` (the event's own attributes and notes as ``attrs["event:E1:<key>"]``,
  encoded as above); each argument is a Relation(label=role, head=trigger span, tail=argument span,
  attrs={"brat:event": "E1"}), plus ``"brat:arg": "E2"`` when the argument is another event (the
  tail is then that event's trigger). Reading says so in a warning.

Offsets are code points into the .txt, read with ``textio.read_text`` (UTF-8, UTF-8 with BOM,
cp1251) and written back as UTF-8 with newlines untouched. A BOM counts as a character for brat
itself but not for tools that strip it: the reader takes whichever reading makes the T texts match.
Each T's text is checked against the .txt (a mismatch is a warning); offsets outside the text,
malformed lines and references to unknown ids are a FormatError naming the line. A zero-width T
(equal offsets, which brat allows) is dropped with a warning, with the lines that refer to it.

A document is its .txt, as brat lists a collection: a .txt with no .ann beside it is a document
not annotated yet; an .ann with no .txt is skipped with a warning (there is no text to place it in).
A document's name is its file stem (its path below the folder read when two stems clash); the
writer makes a safe file name of ``Document.name``. The .ann written is equivalent, not identical,
to the one read: lines are regrouped, ``M`` is written as ``A``, and ids are kept where possible.

``annotation.conf`` (the nearest one in the folder or above it, up to the folder read) becomes
``ReadResult.schema``, extended with every label found; the writer puts one into the output folder
unless one is there already. brat has no review state: everything read is human gold; the
writer leaves rejected suggestions out and says so in the messages it returns.
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
from ..textio import FolderWriter
from ._brat_conf import (Observed, conf_text, conf_usage, merge_schemas, schema_from_annotation_conf,
                         with_observed)
from ._brat_read import read_document
from ._brat_write import ann_lines, safe_name
from ._parallel import begin
from .base import STOP, OnDocuments, ReadResult

NAME = "brat"
DESCRIPTION = "brat standoff: a folder of .txt + .ann pairs (entities, attributes, relations, coreference)"
OUTPUT = "dir"

__all__ = ["NAME", "DESCRIPTION", "OUTPUT", "sniff", "read", "reading", "write", "read_document", "ann_lines",
           "safe_name", "schema_from_annotation_conf", "check_out", "file_bases", "write_share", "finish"]


def sniff(path: str | Path) -> bool:
    path = Path(path)
    if path.is_dir():
        return next(path.rglob("*.ann"), None) is not None
    if path.suffix == ".ann":
        return True
    return path.suffix == ".txt" and path.with_suffix(".ann").is_file()


def read(path: str | Path, on_error: str = STOP, workers: int = 1,
         on_documents: OnDocuments | None = None) -> ReadResult:
    """Read a folder (every .ann with its .txt, recursively) or one .ann/.txt pair; with
    ``on_error="skip"`` a pair that cannot be read is listed in ``skipped`` and left out;
    ``workers`` > 1 reads the files on that many cores, ``on_documents`` is given each batch
    as it is read (see ``_parallel``)."""
    with reading(path, on_error, workers, streaming=on_documents is not None) as finish:
        return finish(on_documents)


@contextmanager
def reading(path: str | Path, on_error: str = STOP, workers: int = 1,
            streaming: bool = False) -> Iterator[Callable[[OnDocuments | None], ReadResult]]:
    """``read`` in two steps, as ``formats.reading`` describes; ``streaming``: the read will be
    finished with an ``on_documents``."""
    path = Path(path)
    result = ReadResult()
    if path.is_dir():
        root = path
        pairs = []
        for base, has_txt in _document_files(path):
            if has_txt:
                pairs.append((base + ".ann", base + ".txt"))
            else:
                result.warnings.append(f"{base}.ann: no {os.path.basename(base)}.txt beside it; skipped")
    elif path.suffix in (".ann", ".txt"):
        root = path.parent
        txt = path.with_suffix(".txt")
        if not txt.is_file():
            raise FormatError(path, f"{txt.name} beside it is a folder, not the text" if txt.is_dir()
                              else f"no {txt.name} beside it (brat keeps the text there)")
        pairs = [(str(path.with_suffix(".ann")), str(path.with_suffix(".txt")))]
    else:
        raise FormatError(path, "not a brat folder, .ann or .txt file")
    stems = [os.path.basename(ann)[:-4] for ann, _ in pairs]
    twice = {stem for stem, n in Counter(stems).items() if n > 1}
    jobs = [(ann, txt, stem if stem not in twice else Path(os.path.relpath(ann[:-4], root)).as_posix())
            for (ann, txt), stem in zip(pairs, stems)]

    def finish(on_documents: OnDocuments | None) -> ReadResult:
        observed = Observed()

        def take(batch: DocumentBatch) -> None:
            observed.batch(batch)
            on_documents(batch)

        files.take(result, take if on_documents is not None else None)
        confs: list[Path] = []
        for folder in map(Path, dict.fromkeys(os.path.dirname(ann) for ann, _ in pairs)):  # in file order
            conf = _nearest_conf(folder, root)
            if conf is not None and conf not in confs:
                confs.append(conf)
        schemas = []
        for conf in confs:
            try:
                schemas.append(schema_from_annotation_conf(conf))
            except FormatError as exc:  # a broken configuration must not block the annotations
                result.warnings.append(f"{exc}; its types are taken from the annotations instead")
        if schemas:
            observed.documents(result.documents)   # those not handed to on_documents
            result.schema = with_observed(merge_schemas(schemas), observed)
        return result

    with begin(jobs, _read_pair, on_error, workers, streaming) as files:
        yield finish


def _read_pair(job: tuple[str, str, str]) -> tuple[Document, list[str]]:
    return read_document(*job)


def _document_files(folder: Path) -> list[tuple[str, bool]]:
    """Every document below ``folder`` in path order, as brat lists a collection: each .txt is a
    document, its .ann (absent: not annotated yet) beside it; an .ann with no .txt is listed
    too, to be reported. As ``(path without the suffix, has a .txt)``: one listing per
    folder rather than a look at the disk per file, and path strings (ten thousand Path objects
    cost a tenth of a second before any file is read)."""
    found = []
    for where, _, names in os.walk(folder):
        where = os.path.normpath(where)          # as Path writes it: "sub/x.ann", not "./sub/x.ann"
        present = set(names)
        for name in names:
            stem, suffix = name[:-4], name[-4:]
            if suffix == ".ann" or (suffix == ".txt" and stem + ".ann" not in present):
                base = os.path.join(where, stem) if where != os.curdir else stem
                found.append((base, stem + ".txt" in present))
    return sorted(found, key=lambda item: item[0].split(os.sep))  # Path order: part by part


def _nearest_conf(folder: Path, root: Path) -> Path | None:
    for candidate in [folder, *folder.parents]:
        if (candidate / "annotation.conf").is_file():
            return candidate / "annotation.conf"
        if candidate == root:
            return None
    return None


def write(documents: Iterable[Document], out: str | Path) -> list[str]:
    """Write NAME.txt + NAME.ann per document into folder ``out``; returns what was not kept."""
    documents = list(documents)
    writer = FolderWriter(check_out(out))
    try:
        share = write_share(documents, file_bases([d.name for d in documents]), writer)
        messages = finish([share], writer)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    return messages


# A parallel export (``core.export_files``) calls the three parts below: the file names once,
# ``write_share`` in each process for its share of the documents, ``finish`` once at the end.

def check_out(out: str | Path) -> Path:
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise FormatError(out, "brat export needs a folder, and this is a file")
    return out


def file_bases(names: Sequence[str]) -> list[str]:
    """A distinct safe file name (without extension) per document name, in order."""
    taken: set[str] = set()
    bases = []
    for raw in names:
        base = safe_name(raw)
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            name = f"{base}-{n}"
        taken.add(name.lower())
        bases.append(name)
    return bases


def write_share(documents: Sequence[Document], bases: Sequence[str], writer: FolderWriter) -> dict:
    """Write these documents' files; return, as plain values, what ``finish`` needs from them."""
    losses: Counter[str] = Counter()
    for doc, base in zip(documents, bases):
        writer.write(f"{base}.txt", doc.text)
        writer.write(f"{base}.ann", "".join(line + "\n" for line in ann_lines(doc, losses)))
    return {"losses": dict(losses), "conf": conf_usage(documents)}


def finish(shares: Sequence[dict], writer: FolderWriter) -> list[str]:
    """Write the collection's annotation.conf (unless the folder has one); what was not kept."""
    if not (writer.folder / "annotation.conf").exists():
        writer.write("annotation.conf", conf_text(share["conf"] for share in shares))
    losses: Counter[str] = Counter()
    for share in shares:
        losses.update(share["losses"])
    return [f"{what}: {count}" for what, count in losses.items() if count]
