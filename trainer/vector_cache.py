"""navec word-vector tables as flat arrays, memory-mapped from a cache in the user data folder.

Why: every model worker (``python -m trainer serve``) used to unpack its own copy of a table
(the quantised vectors plus a Python dict of 250k-500k words, and slovnet's two more copies of
the word list): ~100-150 MB per process that were the same bytes everywhere. The first process
that needs a table writes it once as ``.npy`` files (sorted UTF-8 words, their navec ids, the
quantisation indexes and centroids); every process then maps them read-only, so the pages sit
once in the OS page cache and count once in PSS, however many workers run.

A cache folder is named after the source file's path, size and modification time, so an
updated table gets a new folder. It is written to a temporary folder and renamed into place
(never seen half-written); a folder that does not load (truncated, wrong shapes) is reported on
stderr, removed and rebuilt. Where the user data folder cannot be written the table is loaded
into memory as before, with a note. ``RDRS_VECTOR_MMAP=0`` forces the in-memory copy (the
memory benchmark's "before").
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from . import word_vectors
from .word_vectors import WordVectorsMissing, locate

FORMAT = 1
ENV = "RDRS_VECTOR_MMAP"
_FILES = ("words.npy", "ids.npy", "indexes.npy", "codes.npy")


@dataclass(frozen=True)
class TableArrays:
    """One navec table: ``words`` sorted (fixed-width UTF-8), ``ids`` the navec id of each,
    ``indexes`` (words, qdim) uint8 centroid ids, ``codes`` (qdim, centroids, dim / qdim)."""

    id: str
    dim: int
    words: np.ndarray
    ids: np.ndarray
    indexes: np.ndarray
    codes: np.ndarray
    mapped: bool

    def lookup(self, words: Sequence[str]) -> np.ndarray:
        """navec ids of ``words`` as written (no lowercasing), -1 for a word not in the table."""
        if not words:
            return np.zeros(0, dtype=np.int64)
        distinct = dict.fromkeys(words)
        if len(distinct) < len(words):  # text repeats its words: search the table once for each
            ids = self.lookup(list(distinct))
            row = {w: i for i, w in enumerate(distinct)}
            return ids[np.fromiter((row[w] for w in words), dtype=np.int64, count=len(words))]
        width = self.words.dtype.itemsize
        encoded = [w.encode("utf-8") for w in words]
        query = np.array(encoded, dtype=self.words.dtype)  # longer words are cut: refused below
        pos = np.minimum(np.searchsorted(self.words, query), len(self.words) - 1)
        fits = np.fromiter((len(e) <= width for e in encoded), dtype=bool, count=len(encoded))
        found = (self.words[pos] == query) & fits
        return np.where(found, self.ids[pos], -1).astype(np.int64)

    def get(self, word: str, default: int | None = None) -> int | None:
        found = int(self.lookup([word])[0])
        return default if found < 0 else found

    def __len__(self) -> int:
        return len(self.words)


def table_arrays(name: str) -> TableArrays:
    """The arrays of an installed table: mapped from the cache (built on first use) where the
    user data folder allows, else read into memory."""
    source = locate(name)
    if os.environ.get(ENV, "1") == "0":
        return _in_memory(source)
    folder = cache_dir() / _key(source)
    if folder.is_dir():
        try:
            return _open(folder)
        except _Unreadable as err:
            print(f"warning: word-vector cache {folder} is unreadable ({err}); rebuilding it", file=sys.stderr)
            _discard(folder)
    try:
        _build(source, folder)
    except OSError as err:
        print(f"warning: cannot write the word-vector cache in {cache_dir()} ({err}); this process keeps "
              f"its own copy of {source.name}", file=sys.stderr)
        return _in_memory(source)
    try:
        return _open(folder)
    except _Unreadable as err:
        raise WordVectorsMissing(f"word-vector cache {folder} was just written but does not load ({err}); "
                                 f"remove {cache_dir()} and try again") from None


def cache_dir() -> Path:
    return word_vectors.user_dir() / "mapped"


class _Unreadable(Exception):
    pass


def _key(source: Path) -> str:
    stat = source.stat()
    ident = f"{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{FORMAT}"
    return f"{source.stem}-{hashlib.sha256(ident.encode()).hexdigest()[:16]}"


def _read_navec(source: Path) -> tuple[dict, dict[str, np.ndarray]]:
    from navec import Navec

    try:
        navec = Navec.load(str(source))
        pq = navec.pq
        indexes = np.ascontiguousarray(pq.indexes, dtype=np.uint8)
        codes = np.ascontiguousarray(pq.codes, dtype=np.float32)
        vocab = list(navec.vocab.words)
        meta = {"format": FORMAT, "id": str(navec.meta.id), "dim": int(pq.dim), "source": str(source)}
    except Exception as err:  # navec's own loader: tar, JSON and raw arrays, no pickle
        raise WordVectorsMissing(f"{source}: not a navec word-vector table ({err})") from err
    encoded = [w.encode("utf-8") for w in vocab]
    words = np.array(encoded, dtype=f"S{max((len(e) for e in encoded), default=1)}")
    order = np.argsort(words, kind="stable")
    arrays = {"words": words[order], "ids": order.astype(np.int32), "indexes": indexes, "codes": codes}
    if len(indexes) != len(vocab) or codes.ndim != 3 or codes.shape[0] != indexes.shape[1]:
        raise WordVectorsMissing(f"{source}: not a navec word-vector table (inconsistent shapes)")
    meta["words"] = len(vocab)
    return meta, arrays


def _arrays(meta: dict, arrays: dict[str, np.ndarray], mapped: bool) -> TableArrays:
    return TableArrays(meta["id"], meta["dim"], arrays["words"], arrays["ids"], arrays["indexes"],
                       arrays["codes"], mapped)


def _in_memory(source: Path) -> TableArrays:
    meta, arrays = _read_navec(source)
    return _arrays(meta, arrays, mapped=False)


def _build(source: Path, folder: Path) -> None:
    """Write the cache folder beside its final place, then rename it in; a concurrent builder
    that got there first wins and ours is dropped."""
    meta, arrays = _read_navec(source)
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    try:
        for name, array in arrays.items():
            with open(partial / f"{name}.npy", "wb") as out:
                np.save(out, array, allow_pickle=False)
                out.flush()
                os.fsync(out.fileno())
        (partial / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        try:
            os.rename(partial, folder)
        except OSError:
            if not folder.is_dir():
                raise
    finally:
        shutil.rmtree(partial, ignore_errors=True)


def _open(folder: Path) -> TableArrays:
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        arrays = {f[:-4]: np.load(folder / f, mmap_mode="r", allow_pickle=False) for f in _FILES}
        n, words, ids = int(meta["words"]), arrays["words"], arrays["ids"]
        indexes, codes = arrays["indexes"], arrays["codes"]
        ok = (meta.get("format") == FORMAT and words.dtype.kind == "S" and words.shape == (n,)
              and ids.shape == (n,) and ids.dtype == np.int32 and indexes.dtype == np.uint8
              and indexes.ndim == 2 and indexes.shape[0] == n and codes.dtype == np.float32
              and codes.ndim == 3 and codes.shape[0] == indexes.shape[1]
              and codes.shape[0] * codes.shape[2] == int(meta["dim"]))
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise _Unreadable(str(err) or type(err).__name__) from None
    if not ok:
        raise _Unreadable("arrays of unexpected shape or type")
    return _arrays(meta, arrays, mapped=True)


def _discard(folder: Path) -> None:
    """Move a broken folder out of the way first, so a concurrent reader never sees it half-removed."""
    aside = folder.with_name(f".{folder.name}-broken-{os.getpid()}")
    try:
        os.rename(folder, aside)
    except OSError:
        return
    shutil.rmtree(aside, ignore_errors=True)
