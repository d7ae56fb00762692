"""File formats, one module each; this registry finds them by name or by sniffing a path."""
from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from types import ModuleType

from ..document import Document
from ..document_batch import DocumentBatch
from ..errors import FormatError
from .base import SKIP, STOP, OnDocuments, ReadResult

# Order matters for sniffing: the most specific formats first, plain text last.
_MODULES = {
    "jsonl": "jsonl",
    "rdrs-json": "rdrs_json",
    "rudrec": "rudrec",
    "rucoco": "rucoco",
    "xmi": "uima_xmi",
    "webanno-tsv3": "webanno_tsv3",
    "brat": "brat",
    "conll": "conll",
    "csv": "csv_text",
    "text": "plain_text",
}

__all__ = ["ReadResult", "names", "get", "detect", "read", "reading", "readable", "writable"]


def names() -> list[str]:
    return list(_MODULES)


def get(name: str) -> ModuleType:
    if name not in _MODULES:
        raise FormatError(name, f"unknown format; known formats: {', '.join(_MODULES)}")
    return importlib.import_module(f"{__name__}.{_MODULES[name]}")


def readable() -> list[str]:
    return [n for n in _MODULES if hasattr(get(n), "read")]


def writable() -> list[str]:
    return [n for n in _MODULES if hasattr(get(n), "write")]


def detect(path: str | Path) -> str:
    """Name of the format ``path`` looks like, or a FormatError saying none fits."""
    path = Path(path)
    for name in _MODULES:
        module = get(name)
        if hasattr(module, "read") and module.sniff(path):
            return name
    raise FormatError(path, "cannot tell which format this is; give --format")


def read(path: str | Path, format: str | None = None, on_error: str = STOP, workers: int = 1,
         on_documents: OnDocuments | None = None) -> ReadResult:
    """Read ``path``; ``on_error="skip"`` leaves bad documents out where the format has separate
    documents (a folder of brat or TSV files, JSON lines...) and lists them in ``skipped``;
    ``workers`` > 1 lets a folder of per-document files be read on that many cores (one-shot
    processes only: see ``_parallel``). Every document returned is structurally sound
    (``Document.problems``): a bad one is an error of its input, or skipped. ``on_documents`` is
    given the documents read instead of ``ReadResult.documents``, in order, as DocumentBatch rows:
    batch by batch while a folder of per-document files is read, else all at once at the end."""
    path = Path(path)
    module, options = _reader(path, format, on_error, workers)
    if on_documents is not None and "on_documents" in inspect.signature(module.read).parameters:
        return module.read(path, **options, on_documents=on_documents)
    result = module.read(path, **options)
    if not result.checked:
        result.documents = _sound(path, result, on_error)
    if on_documents is not None and result.documents:
        on_documents(DocumentBatch.of(result.documents))
        result.documents = []
    return result


@contextmanager
def reading(path: str | Path, format: str | None = None, on_error: str = STOP, workers: int = 1
            ) -> Iterator[Callable[[OnDocuments | None], ReadResult]]:
    """``read`` in two steps, for a caller that stores documents as they come (``on_documents``)
    and has work to do first: a folder of per-document files starts to be read on forked
    processes when the ``with`` block is entered (``workers`` > 1; see ``_parallel.begin``), and
    the function it gives takes an ``on_documents`` and finishes the read. An error found before
    any file is read (no such path, unknown format) is raised on entering."""
    path = Path(path)
    module, options = _reader(path, format, on_error, workers)
    if "workers" not in options or not hasattr(module, "reading"):  # nothing to begin early
        yield partial(read, path, format, on_error, workers)
        return
    with module.reading(path, **options, streaming=True) as finish:
        yield finish


def _reader(path: Path, format: str | None, on_error: str, workers: int) -> tuple[ModuleType, dict]:
    """The format module that reads ``path`` and the options its ``read`` takes."""
    if not path.exists():
        raise FormatError(path, "no such file or folder")
    name = format or detect(path)
    module = get(name)
    if not hasattr(module, "read"):
        raise FormatError(path, f"format {name} cannot be imported")
    accepts = inspect.signature(module.read).parameters
    options = {"on_error": SKIP} if on_error == SKIP and "on_error" in accepts else {}
    if workers > 1 and "workers" in accepts:
        options["workers"] = workers
    return module, options


def _sound(path: Path, result: ReadResult, on_error: str) -> list[Document]:
    """The documents without structural problems (``Document.problems``): a bad one is refused
    (FormatError) or, under ``on_error="skip"``, left out and listed in ``result.skipped``."""
    good = []
    for doc in result.documents:
        problems = doc.problems()
        if problems:
            result.skip(FormatError(path, f"document {doc.name!r}: {problems[0]}"), on_error)
        else:
            good.append(doc)
    result.checked = True
    return good
