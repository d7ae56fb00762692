"""What every format module provides, so import/export code treats them all alike.

A format module defines:

- ``NAME``: the ``--format`` name (``"brat"``, ``"webanno-tsv3"``, ...);
- ``DESCRIPTION``: one line for menus and ``--help``;
- ``OUTPUT``: ``"file"`` or ``"dir"`` — what ``write`` expects ``out`` to be;
- ``read(path) -> ReadResult`` (optional for write-only formats), raising ``FormatError`` on bad input;
  a format whose files hold separate documents also takes ``on_error``: ``"skip"`` leaves a bad
  document out (listed in ``ReadResult.skipped``) instead of refusing the whole input;
- ``write(documents, out) -> list[str] | None`` (optional for read-only formats), writing
  atomically; a lossy format returns one message per kind of thing it could not keep;
- ``sniff(path) -> bool``: whether ``path`` (a file or a folder) looks like this format.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..document import Document
from ..document_batch import DocumentBatch
from ..errors import FormatError
from ..schema import Schema

STOP, SKIP = "stop", "skip"
ON_ERROR = (STOP, SKIP)
OnDocuments = Callable[[DocumentBatch], None]  # takes documents as they are read (see formats.read)


@dataclass
class ReadResult:
    """Documents read from one input, plus warnings the import summary shows the user."""

    # The documents read; empty where they went to an ``on_documents`` as they were read.
    documents: list[Document] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # The tag schema the input declares (brat's annotation.conf), when it declares one.
    schema: Schema | None = None
    # Documents left out under on_error="skip", one "FILE[:LINE]: reason" each.
    skipped: list[str] = field(default_factory=list)
    # Whether the reader ran Document.problems on each document (formats.read does it otherwise).
    checked: bool = False

    def skip(self, error: FormatError, on_error: str) -> None:
        """Note a bad document and go on under ``on_error="skip"``; otherwise refuse the input."""
        if on_error != SKIP:
            raise error
        self.skipped.append(str(error))
