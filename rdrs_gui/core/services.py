"""Import, export and validation as used by both the ``rdrs`` CLI and the GUI, so the two can
never disagree about what an import does.

An import reads and checks every input first and only then stores everything in one
transaction: a bad file anywhere leaves the database exactly as it was. Asked to skip
(``on_error="skip"``), it leaves each bad document out instead, lists it with its file, line and
reason, and stores the good ones, still in one transaction.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from . import export_files, formats
from .export_files import ExportSummary
from .document import Document
from .errors import FormatError
from .formats.base import SKIP, STOP, ReadResult
from .schema import Schema
from .store import ImportSummary, Store
from .store.bulk import paused_gc

# progress(done, total, what): called after each input is read and once more when stored.
Progress = Callable[[int, int, str], None]


def read_inputs(paths: Sequence[str | Path], format: str | None = None,
                progress: Progress | None = None, on_error: str = STOP,
                workers: int = 1) -> list[tuple[Path, ReadResult]]:
    """Read every path (a file or a folder), detecting the format of each unless ``format`` is
    given, and check every document; raises FormatError naming the first bad input, or with
    ``on_error="skip"`` lists bad documents (and unreadable files) in each result's ``skipped``.
    ``workers`` > 1 reads folders of brat or TSV files on several cores (one-shot processes)."""
    out: list[tuple[Path, ReadResult]] = []
    total = len(paths) + 1
    for done, raw in enumerate(paths, 1):
        path = Path(raw)
        if not path.exists():
            raise FormatError(path, "no such file or folder")
        try:
            with paused_gc():  # hundreds of thousands of spans, no cycles: collections only cost
                result = formats.read(path, format, on_error, workers)
        except FormatError as exc:
            if on_error != SKIP:
                raise
            result = ReadResult(skipped=[str(exc)])
        good = []
        for doc in result.documents:
            problems = doc.problems()
            if problems:
                result.skip(FormatError(path, f"document {doc.name!r}: {problems[0]}"), on_error)
            else:
                good.append(doc)
        result.documents = good
        out.append((path, result))
        if progress:
            progress(done, total, f"read {path.name}: {len(result.documents)} documents")
    return out


def import_paths(store: Store, paths: Sequence[str | Path], format: str | None = None,
                 schema: Schema | str | Path | None = None, annotator: str | None = None,
                 project: str = "default", progress: Progress | None = None,
                 on_error: str = STOP) -> ImportSummary:
    """Import files and folders into ``project`` in one transaction (``on_error="skip"``: every
    good document; the bad ones are listed in ``ImportSummary.skipped``).

    Labels are mapped to the schema's tag names through its aliases; labels the schema does not
    know (and tags an input declares) extend it, never dropped. ``schema`` (a Schema, a file or a bundled name) replaces the
    project's schema; otherwise the project's current schema is used and extended.
    """
    return import_inputs(store, read_inputs(paths, format, progress, on_error), schema, annotator, project, progress)


def import_inputs(store: Store, inputs: Sequence[tuple[Path, ReadResult]],
                  schema: Schema | str | Path | None = None, annotator: str | None = None,
                  project: str = "default", progress: Progress | None = None) -> ImportSummary:
    """The storing half of ``import_paths``, for callers that read (and checked) inputs first."""
    base = _schema(schema) if schema is not None else store.project_schema(project)
    docs: list[Document] = []
    sources: list[str] = []
    warnings: list[str] = []
    skipped: list[str] = []
    for path, result in inputs:
        docs += result.documents
        sources += [str(path)] * len(result.documents)
        warnings += [f"{path}: {w}" for w in result.warnings]
        skipped += result.skipped
    # Tags an input declares (brat's annotation.conf) join the schema even when unused.
    labels: set[str] = {tag for _, result in inputs if result.schema for tag in result.schema.tag_names}
    canonical: dict[str, str] = {}  # a few distinct labels over hundreds of thousands of spans
    for doc in docs:
        for span in doc.spans:
            for label in span.labels:
                if label not in canonical:
                    canonical[label] = base.canonical(label) or label
            span.labels = {canonical[label] for label in span.labels}
    labels |= set(canonical.values())
    extended = base.extended(labels)
    new_schema = extended if schema is not None or extended is not base else None
    summary = store.import_documents(docs, project=project, annotator=annotator, source=sources,
                                     schema=new_schema)
    summary.warnings = warnings + summary.warnings
    summary.skipped = skipped
    if new_schema is not None and extended is not base:
        added = [t for t in extended.tag_names if t not in base.tag_names]
        summary.warnings.append(f"labels added to the schema of project {project}: {', '.join(added)}")
    if progress:
        progress(len(inputs) + 1, len(inputs) + 1, f"stored {summary.documents} documents")
    return summary


def _schema(schema: Schema | str | Path) -> Schema:
    return schema if isinstance(schema, Schema) else Schema.load(schema)


def export(store: Store, format: str, out: str | Path, statuses: Sequence[str] | None = None,
           include_suggestions: bool = False, annotator: str | None = None,
           project: str | None = None, ids: Sequence[int] | None = None, workers: int = 1) -> ExportSummary:
    """Write documents (human annotations; suggestions too if asked; rejected never) to ``out``;
    ``workers`` > 1 writes a file-per-document format on several cores (one-shot processes)."""
    module = formats.get(format)
    if not hasattr(module, "write"):
        raise FormatError(out, f"format {format} cannot be exported")
    if workers > 1 and export_files.can_split(module):
        filters = export_files.Filters(ids, annotator, include_suggestions, statuses, project)
        with paused_gc():
            return export_files.export(store, format, out, filters, workers)
    with paused_gc():
        docs = list(store.iter_documents(ids=ids, annotator=annotator, include_suggestions=include_suggestions,
                                         statuses=statuses, project=project))
        lost = module.write(docs, Path(out))
    return ExportSummary(format, str(out), len(docs), sum(len(d.spans) for d in docs),
                         sum(len(d.chains) for d in docs), sum(len(d.relations) for d in docs),
                         list(lost or []))


def validate(store: Store, project: str | None = None) -> list[str]:
    """Problems in the stored annotations of every layer: offsets, empty labels, dangling
    relations, bad chains (Document.problems), and labels missing from the project schema."""
    out: list[str] = []
    schemas: dict[str, Schema] = {}
    names = [project] if project is not None else store.projects()
    for name in names:
        schemas[name] = store.project_schema(name)
        for doc in store.iter_documents(project=name, include_suggestions=True, all_layers=True):
            where = f"document {doc.name!r} (id {doc.id})"
            out += [f"{where}: {p}" for p in doc.problems()]
            unknown = sorted(lab for lab in doc.labels() if schemas[name].canonical(lab) is None)
            if unknown:
                out.append(f"{where}: label(s) not in the schema of project {name}: {', '.join(unknown)}")
    return out
