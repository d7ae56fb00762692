"""Reading a folder of per-document files (brat, WebAnno TSV) on several cores.

Ten thousand brat or TSV files are ten thousand independent parses: one process spends
seconds on them while the machine's other cores idle. Where ``fork`` exists (Linux, macOS) and
the caller asks for ``workers`` > 1, forked processes read the files in batches (``workers - 1``
of them, or ``workers`` where this process stores what they read, see below),
in order, each sending a batch's documents back as the rows of a DocumentBatch (plain values,
``marshal``: our own child, the same interpreter; nothing read from a file is unpickled), while this process takes
the batches in order and, where the next one is not ready and the children have more reading
left than it has taking, reads the next batch nobody has been given. The result is the serial one, document for document, in file order: the first bad file
(in that order) is the error raised, and under ``on_error="skip"`` every bad file is listed in
order.

A caller that stores documents as they come (``on_documents``: the CLI's import) gets each
batch as it is taken, as rows it can insert without building a Document: storing overlaps
reading instead of following it. Storing is then this process's own job, so a reader runs on
every core beside it and the system shares the cores between them: with one reader fewer,
the storing process also read batches to keep up and finished a second after the reader, whose
core then idled (10,000 reviews on 2 cores, alternating runs: RDRS-shaped brat 6.9 ->
5.6-6.0 s, synthetic brat 2.6-2.7 -> 2.3-2.5 s, synthetic WebAnno TSV3 5.6-5.7 -> 4.7-5.4 s).
The readers then run at a lower priority (``NICE``): storing is the longer job where reading is
quick (brat), and shared fairly three ways the storing process got two thirds of a core; and
they go on reading while it stores, up to READ_AHEAD batches each. Reading can also begin
before the caller is ready to take anything (``begin``): the CLI forks the readers, then
imports SQLAlchemy and opens the database (a third of a second on one core, while the other
idled). Both together, synthetic brat, alternating runs: 2.26-2.55 -> 2.14-2.24 s (TSV3 and
RDRS-shaped brat: no change beyond the noise). The batches this process reads come next in
order, not from the end (those were all taken after the children's: the last half second of a
TSV3 import stored them on one core while the other idled), and the last batches are small
(``cut``): alternating runs, synthetic TSV3, both cores busy 83-89 % -> 91-94 % of the import.

Only one-shot processes should ask for workers (the ``rdrs`` CLI): forking a process that runs
other threads (the GUI) is unsafe.
"""
from __future__ import annotations

import marshal
import multiprocessing
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import TypeVar

from ..document import Document
from ..document_batch import DocumentBatch
from ..errors import FormatError
from ..forking import MIN_FILES_PER_WORKER, fork_pool
from .base import STOP, OnDocuments, ReadResult

J = TypeVar("J")
ReadOne = Callable[[J], tuple[Document | None, list[str]]]  # None: the file holds no document (warnings say why)
BATCH = 250  # files per batch: small enough to overlap reading and storing, big enough to insert well
AHEAD = 2    # batches each child has to read (sent, not yet read) while this process takes results
EARLY = 4    # ... when reading begins, before the caller takes any (see ``begin``)
READ_AHEAD = 8  # batches each child may have read that this process has not taken yet (memory)
NICE = 10    # how much lower the readers' priority is than the storing process's


def cut(jobs: Sequence[J]) -> list[Sequence[J]]:
    """The jobs in batches of BATCH, the last two batches' worth in fifths: every process ends
    waiting for the last batches read, and small ones keep that wait short."""
    small = max(1, BATCH // 5)
    head = max(0, len(jobs) - 2 * BATCH)
    return ([jobs[i:min(i + BATCH, head)] for i in range(0, head, BATCH)]
            + [jobs[i:i + small] for i in range(head, len(jobs), small)])


@contextmanager
def begin(jobs: Sequence[J], read_one: ReadOne, on_error: str = STOP, workers: int = 1,
          streaming: bool = False) -> Iterator[Reading]:
    """Begin reading the document (and warnings) ``read_one`` makes of each job (a tuple whose
    first item is the file's path; no document where the file holds none): the children are
    forked and start reading when the ``with`` block is entered, and ``Reading.take`` takes what
    they read, so that the caller can do other work meanwhile (the CLI imports and opens the
    database it will store into: a third of a second on one core, while the other would idle).
    ``streaming``: the caller will take the documents with ``on_documents`` (storing is then
    this process's own job, and one more child reads). Leaving the block with an error stops
    the children."""
    batches = cut(jobs)
    workers = min(workers, len(jobs) // MIN_FILES_PER_WORKER)
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield Reading(batches, read_one, on_error)
        return
    children = workers if streaming else workers - 1
    with fork_pool(children, nice=NICE if streaming else 0) as pool:
        reading = Reading(batches, read_one, on_error, pool, children)
        reading.send(EARLY)
        yield reading


class Reading:
    """Batches of files being read: on forked children (``pool``), a few batches ahead of this
    process, which takes the results in order (see ``begin``); without children, read here."""

    def __init__(self, batches: list[Sequence[J]], read_one: ReadOne, on_error: str,
                 pool: ProcessPoolExecutor | None = None, children: int = 0):
        self.batches = batches
        self.read_one = read_one
        self.on_error = on_error
        self.pool = pool
        self.children = children
        self.sent: dict[int, Future] = {}
        self.next_sent = 0  # batches[:next_sent] are sent to the children or read by this process

    def send(self, ahead: int = AHEAD) -> None:
        """Hand the children batches in order: ``ahead`` each to read, not counting those read
        and not taken yet (while this process is busy storing, they go on reading), of which
        there are at most READ_AHEAD each."""
        read = partial(_read_encoded, read_one=self.read_one, on_error=self.on_error)
        to_read = sum(not future.done() for future in self.sent.values())
        while (self.next_sent < len(self.batches) and to_read < ahead * self.children
               and len(self.sent) < READ_AHEAD * self.children):
            self.sent[self.next_sent] = self.pool.submit(read, self.batches[self.next_sent])
            self.next_sent += 1
            to_read += 1

    def take(self, result: ReadResult, on_documents: OnDocuments | None = None) -> None:
        """Every document read, checked, in order: into ``result.documents``, or, with
        ``on_documents``, to it batch by batch (a DocumentBatch) as soon as each is read, so that
        the caller stores one batch while the children read the next. A FormatError stops
        everything (``on_error="stop"``) or lists the job in ``result.skipped``."""
        result.checked = True
        if self.pool is None:
            for batch in self.batches:
                _take_all(*_read_share(batch, self.read_one, self.on_error), result, self.on_error, on_documents)
            return
        # The children read batches in order, a few ahead. When the next batch is not ready,
        # this process reads the next batch nobody has been given instead of waiting, as long as
        # it would still finish taking every batch before the children finish reading what is
        # left to them (CPU per file, means so far): TSV, slow to read, is shared; brat, quick to
        # read beside storing, mostly left to the children. Batches read here come next in
        # order, so they are taken soon: what is left to take at the end is what the children
        # read last (batches read here from the end were all taken after the children's, on one
        # core while the other idled).
        batches = self.batches
        own: dict[int, tuple[list[tuple], list[Document]]] = {}
        read_cost = take_cost = 0.0            # CPU seconds per file, means so far
        reads = takes = 0
        for i in range(len(batches)):
            self.send()
            if i in own:
                outcomes, docs = own.pop(i)
            else:
                future = self.sent.pop(i)
                while not future.done() and self._worth_reading(i, own, read_cost, take_cost):
                    own[self.next_sent] = _read_share(batches[self.next_sent], self.read_one, self.on_error)
                    self.next_sent += 1
                cost, outcomes, rows = marshal.loads(future.result())
                docs = DocumentBatch(*rows)
                reads += len(batches[i])
                read_cost += (cost - read_cost * len(batches[i])) / reads
            started = time.process_time()
            _take_all(outcomes, docs, result, self.on_error, on_documents)
            takes += len(batches[i])
            take_cost += (time.process_time() - started - take_cost * len(batches[i])) / takes
        # Everything is taken: the children go now, not when the caller's block ends (the CLI
        # reads its next input meanwhile, and must not fork beside this pool's threads).
        self.pool.shutdown()

    def _worth_reading(self, i: int, own: dict, read_cost: float, take_cost: float) -> bool:
        """Whether this process, waiting for batch ``i``, should read the next batch not yet
        given to the children: whether it would still take every batch from ``i`` on before the
        children finish reading what is left to them (batches read and not taken yet are not)."""
        if self.next_sent >= len(self.batches):
            return False
        to_take = sum(map(len, self.batches[i:]))
        sent = self.sent
        to_read = sum(len(self.batches[j]) for j in range(i + 1, len(self.batches))
                      if j not in own and not (j in sent and sent[j].done()))
        mine = len(self.batches[self.next_sent])
        return to_take * take_cost + mine * read_cost < (to_read - mine) * read_cost / self.children


def _read_share(jobs: Sequence[J], read_one: ReadOne, on_error: str) -> tuple[list[tuple], list[Document]]:
    """Read and check each job's document (in the process that reads it): a structural problem
    (``Document.problems``) is an error of its file, like a syntax error. Returns one outcome per
    job read, ``(0, warnings)`` or ``(1, path, message, line)``, and the good documents."""
    outcomes: list[tuple] = []
    docs: list[Document] = []
    for job in jobs:
        try:
            doc, warnings = read_one(job)
            if doc is None:
                outcomes.append((0, warnings))
                continue
            problems = doc.problems()
            if problems:
                raise FormatError(job[0], f"document {doc.name!r}: {problems[0]}")
        except FormatError as exc:
            outcomes.append((1, exc.path, exc.message, exc.line))
            if on_error == STOP:
                break
            continue
        outcomes.append((0, warnings))
        docs.append(doc)
    return outcomes, docs


def _read_encoded(jobs: Sequence[J], read_one: ReadOne, on_error: str) -> bytes:
    """A child's share: the outcomes, the documents as a DocumentBatch's rows, and the CPU
    seconds it took."""
    started = time.process_time()
    outcomes, docs = _read_share(jobs, read_one, on_error)
    rows = DocumentBatch.of(docs).as_tuple()
    return marshal.dumps((time.process_time() - started, outcomes, rows))


def _take_all(outcomes: list[tuple], docs: list[Document] | DocumentBatch, result: ReadResult, on_error: str,
              on_documents: OnDocuments | None = None) -> None:
    """Keep a share's warnings and skipped files, and hand its documents over: to
    ``on_documents`` as a batch of rows, else into ``result.documents``."""
    for outcome in outcomes:
        if outcome[0] == 1:
            result.skip(FormatError(outcome[1], outcome[2], outcome[3]), on_error)
        else:
            result.warnings += outcome[1]
    if on_documents is not None:
        batch = docs if isinstance(docs, DocumentBatch) else DocumentBatch.of(docs)
        if len(batch):
            on_documents(batch)
    else:
        result.documents += docs.documents() if isinstance(docs, DocumentBatch) else docs
