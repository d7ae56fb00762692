"""Exporting a file-per-document format (brat, WebAnno TSV) on several cores.

Loading ten thousand reviews from the database, rendering their files and writing them are
independent per document. The documents to export are cut into contiguous shares; forked
processes each open their own connection, load their share, render and write its files through
a copy of one ``FolderWriter`` (into the same temporary folder), and send back plain values: what
they counted, what the format's ``finish`` needs (brat: the types its annotation.conf declares,
what could not be kept) and the files they wrote. This process does the first share meanwhile,
then ``finish`` and one ``commit``: the export appears whole or not at all, as a serial one.

File names are chosen once, for all documents in order, so they are those of a serial export.
Only one-shot processes (the ``rdrs`` CLI) should ask for workers: forking a process that runs
other threads (the GUI) is unsafe.
"""
from __future__ import annotations

import contextlib
import marshal
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from . import formats
from .forking import MIN_FILES_PER_WORKER, fork_pool
from .store import Store
from .textio import FolderWriter


@dataclass
class Filters:
    """Which documents and annotations an export takes (as ``Store.iter_documents``)."""

    ids: Sequence[int] | None = None
    annotator: str | None = None
    include_suggestions: bool = False
    statuses: Sequence[str] | None = None
    project: str | None = None


@dataclass
class ExportSummary:
    """What an export wrote (any format), and what it could not keep."""

    format: str
    out: str
    documents: int = 0
    spans: int = 0
    chains: int = 0
    relations: int = 0
    warnings: list[str] = field(default_factory=list)


def can_split(module: ModuleType) -> bool:
    """Whether the format writes one file (set) per document through the share protocol."""
    return all(hasattr(module, name) for name in ("check_out", "file_bases", "write_share", "finish"))


def export(store: Store, format: str, out: str | Path, filters: Filters, workers: int) -> ExportSummary:
    module = formats.get(format)
    writer = FolderWriter(module.check_out(out))
    try:
        doc_ids = store.export_ids(filters.ids, filters.annotator, filters.statuses, filters.project)
        names = store.document_names(doc_ids)
        bases = dict(zip(doc_ids, module.file_bases([names[i] for i in doc_ids])))
        workers = max(1, min(workers if store.shared else 1, len(doc_ids) // MIN_FILES_PER_WORKER))
        size = -(-len(doc_ids) // workers) or 1
        shares = [doc_ids[i:i + size] for i in range(0, len(doc_ids), size)] or [[]]
        results = []
        with fork_pool(len(shares) - 1) if len(shares) > 1 else contextlib.nullcontext() as pool:
            pending = [pool.submit(_share_encoded, store.url, format, share, {i: bases[i] for i in share},
                                   writer, filters)
                       for share in shares[1:]]
            results.append(_share(store, module, shares[0], bases, writer, filters))
            for future in pending:
                counts, share, written = marshal.loads(future.result())
                writer.adopt(written)
                results.append((counts, share))
        summary = ExportSummary(format, str(out), *(sum(counts[i] for counts, _ in results) for i in range(4)))
        summary.warnings = module.finish([share for _, share in results], writer) or []
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    return summary


def _share(store: Store, module: ModuleType, ids: Sequence[int], bases: dict[int, str],
           writer: FolderWriter, filters: Filters) -> tuple[tuple[int, int, int, int], dict]:
    docs = list(store.documents_by_id(ids, filters.annotator, filters.include_suggestions))  # ids: export_ids
    share = module.write_share(docs, [bases[d.id] for d in docs], writer)
    counts = (len(docs), sum(len(d.spans) for d in docs), sum(len(d.chains) for d in docs),
              sum(len(d.relations) for d in docs))
    return counts, share


def _share_encoded(url: str, format: str, ids: Sequence[int], bases: dict[int, str],
                   writer: FolderWriter, filters: Filters) -> bytes:
    """A child's share, on its own connection; its files are removed if it fails."""
    try:
        with Store.open(url) as store:
            counts, share = _share(store, formats.get(format), ids, bases, writer, filters)
    except BaseException:
        writer.discard()
        raise
    return marshal.dumps((counts, share, writer.written))
