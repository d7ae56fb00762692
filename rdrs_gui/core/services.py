"""Import, export and validation as used by both the ``rdrs`` CLI and the GUI, so the two can
never disagree about what an import does.

An import is one transaction: a bad file anywhere leaves the database exactly as it was. The
CLI's (``import_paths``) stores each batch of documents while the next is read; the app reads
and checks every input first (``read_inputs``), shows what it found, then stores it
(``import_inputs``). Asked to skip (``on_error="skip"``), an import leaves each bad document out
instead, lists it with its file, line and reason, and stores the good ones, still in one
transaction.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from . import export_files, formats
from .export_files import ExportSummary
from .document_batch import DocumentBatch
from .errors import FormatError, RdrsError
from .formats.base import SKIP, STOP, OnDocuments, ReadResult
from .gc_pause import paused_gc
from .schema import Schema
from .store import ImportSummary, Store
from .store.documents import DocumentImport

# progress(done, total, what): called after each input is read and once more when stored.
Progress = Callable[[int, int, str], None]
Finish = Callable[[OnDocuments | None], ReadResult]  # the rest of a read begun (formats.reading)


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
        path = _existing(raw)
        result = _read(path, format, on_error, workers)
        out.append((path, result))
        if progress:
            progress(done, total, f"read {path.name}: {len(result.documents)} documents")
    return out


def import_paths(store: Store, paths: Sequence[str | Path], format: str | None = None,
                 schema: Schema | str | Path | None = None, annotator: str | None = None,
                 project: str = "default", on_error: str = STOP, workers: int = 1,
                 status: str | None = None, begun: Mapping[Path, Finish] | None = None) -> ImportSummary:
    """Import files and folders into ``project`` in one transaction, storing each batch of
    documents while the next is read (``on_error="skip"``: every good document; the bad ones
    are listed in ``ImportSummary.skipped``). ``status``, when given, is every document's review
    state. Raises NothingImported, storing nothing, when every document was skipped. ``begun``:
    inputs whose reading the caller began (``formats.reading``, with the same format, on_error
    and workers), each finished here instead of read.

    Labels are mapped to the schema's tag names through its aliases; labels the schema does not
    know (and tags an input declares) extend it, never dropped. ``schema`` (a Schema, a file or a
    bundled name) replaces the project's schema; otherwise the project's current schema is used
    and extended. ``workers`` > 1 reads folders of brat or TSV files on several cores (one-shot
    processes only)."""
    base = _schema(schema) if schema is not None else store.project_schema(project)
    begun = dict(begun or {})
    with store.importing(project, annotator) as batch:
        intake = _Intake(batch, base)
        for raw in paths:
            path = _existing(raw)

            def take(batch: DocumentBatch, path: Path = path) -> None:
                if status is not None:
                    batch.set_status(status)
                intake.store(batch, path)

            intake.note(path, _read(path, format, on_error, workers, take, begun.pop(path, None)))
        if intake.skipped and not batch.summary.documents:
            raise NothingImported(intake.skipped)
        return intake.finish(project, replace=schema is not None)


def import_inputs(store: Store, inputs: Sequence[tuple[Path, ReadResult]],
                  schema: Schema | str | Path | None = None, annotator: str | None = None,
                  project: str = "default", progress: Progress | None = None) -> ImportSummary:
    """``import_paths`` for inputs read (and checked) first by ``read_inputs``, so that a caller
    can show what it read before anything is stored."""
    base = _schema(schema) if schema is not None else store.project_schema(project)
    with store.importing(project, annotator) as batch:
        intake = _Intake(batch, base)
        for path, result in inputs:
            intake.store(DocumentBatch.of(result.documents), path)
            intake.note(path, result)
        summary = intake.finish(project, replace=schema is not None)
    if progress:
        progress(len(inputs) + 1, len(inputs) + 1, f"stored {summary.documents} documents")
    return summary


class NothingImported(RdrsError):
    """Every document was skipped (``on_error="skip"``): the import stored nothing."""

    def __init__(self, skipped: list[str]):
        self.skipped = skipped
        super().__init__(f"every document was skipped ({len(skipped)}); nothing was imported")


class _Intake:
    """What every import does around the store: labels mapped to the schema's names, the labels
    the schema must gain, each input's warnings and skipped documents, in input order."""

    def __init__(self, batch: DocumentImport, base: Schema):
        self.batch = batch
        self.base = base
        self.canonical: dict[str, str] = {}  # a few distinct labels over hundreds of thousands of spans
        self.declared: set[str] = set()      # tags an input declares (brat's annotation.conf)
        self.warnings: list[str] = []
        self.skipped: list[str] = []

    def store(self, batch: DocumentBatch, path: Path) -> None:
        canonical = self.canonical
        for label in batch.label_names() - canonical.keys():
            canonical[label] = self.base.canonical(label) or label
        batch.rename_labels(canonical)
        self.batch.add_batch(batch, str(path))   # formats.read checked them

    def note(self, path: Path, result: ReadResult) -> None:
        self.warnings += [f"{path}: {w}" for w in result.warnings]
        self.skipped += result.skipped
        if result.schema:
            self.declared.update(result.schema.tag_names)

    def finish(self, project: str, replace: bool) -> ImportSummary:
        """The project schema extended (or replaced) in the same transaction, and the summary."""
        extended = self.base.extended(self.declared | set(self.canonical.values()))
        if replace or extended is not self.base:
            self.batch.set_schema(extended)
        summary = self.batch.summary
        summary.warnings = self.warnings + summary.warnings
        summary.skipped = self.skipped
        if extended is not self.base:
            added = [t for t in extended.tag_names if t not in self.base.tag_names]
            summary.warnings.append(f"labels added to the schema of project {project}: {', '.join(added)}")
        return summary


def _existing(raw: str | Path) -> Path:
    path = Path(raw)
    if not path.exists():
        raise FormatError(path, "no such file or folder")
    return path


def _read(path: Path, format: str | None, on_error: str, workers: int,
          on_documents: OnDocuments | None = None, begun: Finish | None = None) -> ReadResult:
    """One input (or the rest of it, ``begun``); under ``on_error="skip"`` an input that cannot
    be read at all is listed as skipped."""
    try:
        with paused_gc():  # hundreds of thousands of spans, no cycles: collections only cost
            if begun is not None:
                return begun(on_documents)
            return formats.read(path, format, on_error, workers, on_documents)
    except FormatError as exc:
        if on_error != SKIP:
            raise
        return ReadResult(skipped=[str(exc)])


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
