"""brat and WebAnno TSV3 import and export through the ``rdrs`` CLI, against a peer, on real files.

Writes the synthetic reviews of ``benchmarks/import_export.py`` (10,000 by default: ~1,000
characters and ~20 spans each, with overlaps, multi-label and discontinuous spans and two
coreference chains) as real brat (``.txt`` + ``.ann``) and WebAnno TSV 3.3 (``.tsv``) folders,
or with ``--reviews rdrs`` the 44 real RDRS reviews of ``../shared/data/rdrs`` (~1,000
characters, ~25 spans with attributes on most, ~22 relations, Context groups and coreference
chains each) written once and copied under new names, then times, as a user runs them (a
subprocess; wall clock including process start-up):

    rdrs --db X.sqlite import --format FORMAT IN_DIR
    rdrs --db X.sqlite export --format FORMAT --out OUT_DIR

``rdrs`` reads and writes a folder of brat or TSV files on every core it may use (forked shares;
the peers run in one process): the figures are what a user of this machine gets. Each figure is
the best of ``--repeat`` runs (default 1; a fresh database each time), wall clock
and CPU time (user + system: on a shared machine the wall clock also measures the neighbours),
printed beside the same operation by an independent peer on the same files in the same run.
rdrs-gui's modules are compiled to bytecode first (``compileall``), as ``pip install`` does for a
package and Python does on a package's first import: where ``PYTHONDONTWRITEBYTECODE`` is set (this
machine sets it) an editable install would otherwise compile every source file again in every
command (~0.1 s each), while the peers' and SQLAlchemy's bytecode was written when pip installed them.
Outputs stay until the end and the disk is flushed before each timed command; the time to create
one file is printed first (see ``file_creation_us``: right after many files were deleted, file
creation here is up to ten times slower for minutes, whoever comes next).
The peers:

- brat: ``bratly`` + ``bratly-io-fs`` (PyPI), a maintained reader/writer of brat collections that
  parses every line type we write (T with fragments, A, R, *, #): ``read_document_collection_from_folder``
  and ``write_ann_files_in_folder`` + copying the texts. Chosen over ``pybrat`` (reads only) and
  ``bratiaa`` (agreement, not a reader).
- WebAnno TSV3: ``web-anno-tsv`` (PyPI), the only PyPI package that both reads and writes the
  format (``open_web_anno_tsv``); it keeps one span layer, so it does less than we do per file,
  and it runs under ``python -O``: its reader asserts that an annotation's units are adjacent,
  which refuses the discontinuous spans INCEpTION writes (the assert goes, the work stays). Its
  writer maps offsets afresh for every annotation of a sentence (quadratic in the sentence
  length): on one-sentence reviews it takes many minutes, so ``--peer-timeout`` bounds the wait
  and the export ratio is then reported as an upper bound.
  ``dkpro-cassis`` has no TSV reader; ``webanno2spacy`` reads only and needs a spaCy model.

A peer's import is a subprocess that reads every file into its objects (no database). A peer's
export has no database to load from: its subprocess reads the files (untimed inside) and writes
them, and its figure is the subprocess's wall clock minus that read, so process start-up counts
for it as for us. Ratios above 1 mean we are slower. Target: 10,000 reviews, ≤ 3 s each.

    python benchmarks/import_export_cli.py [--documents 10000] [--reviews synthetic|rdrs]
        [--formats brat webanno-tsv3] [--repeat 1] [--no-peer] [--peer-timeout 600]

Peers: ``pip install bratly bratly-io-fs web-anno-tsv`` (the ``bench`` extra).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

TARGET_S = 3.0


RDRS = ROOT.parent / "shared" / "data" / "rdrs" / "med_demo_example.json"
REPLICATED = (".txt", ".ann", ".tsv")  # a review's own files; the rest (annotation.conf) once


def write_inputs(n: int, seed: int, folder: Path, formats: list[str], reviews: str) -> dict[str, Path]:
    """The reviews as real files, one folder per format (written in-process, untimed): the
    synthetic ones, or the real RDRS reviews in ``RDRS`` (richer: attributes on most spans,
    relations, Context groups) written once and copied under new names up to ``n``."""
    from rdrs_gui.core import formats as registry

    if reviews == "synthetic":
        from import_export import synthetic

        docs = synthetic(n, seed)
    else:
        if not RDRS.is_file():
            raise SystemExit(f"--reviews rdrs needs {RDRS}")
        docs = registry.read(RDRS, "rdrs-json").documents
    out = {}
    for name in formats:
        target = folder / f"in-{name}"
        if reviews == "synthetic":
            registry.get(name).write(docs, target)
        else:
            once = folder / f"once-{name}"
            registry.get(name).write(docs, once)
            _replicate(once, target, n)
        out[name] = target
    return out


def _replicate(once: Path, target: Path, n: int) -> None:
    """``n`` reviews in ``target`` from the fewer written in ``once``: copy i of review STEM is
    i-STEM (the same files byte for byte under another name)."""
    target.mkdir()
    reviews: dict[str, list[tuple[str, bytes]]] = {}
    for path in sorted(once.iterdir()):
        if path.suffix in REPLICATED:
            reviews.setdefault(path.name.split(".")[0], []).append((path.name, path.read_bytes()))
        else:
            (target / path.name).write_bytes(path.read_bytes())
    stems = sorted(reviews)
    for i in range(n):
        for name, data in reviews[stems[i % len(stems)]]:
            (target / f"{i:05d}-{name}").write_bytes(data)


def file_creation_us(folder: Path, n: int = 2000) -> float:
    """Microseconds to create an empty file in ``folder``. Exports create 10,000-20,000 files;
    on this machine's journal-less ext4 a new file's inode is searched for past every inode
    deleted in the last minutes (the kernel's ``recently_deleted``, seen with perf), so an
    export right after a run that deleted its files pays up to a few seconds more, whoever
    runs it. Printed so that a slow figure can be told from a slow disk."""
    folder.mkdir()
    started = time.perf_counter()
    for i in range(n):
        os.close(os.open(folder / f"{i}.probe", os.O_WRONLY | os.O_CREAT, 0o644))
    return (time.perf_counter() - started) / n * 1e6


def compile_bytecode() -> None:
    """rdrs-gui's bytecode beside its sources (``__pycache__``, ignored by git), as after an install."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "rdrs_gui"), str(ROOT / "trainer")],
                   check=True, stdout=subprocess.DEVNULL)


def rdrs_command() -> list[str]:
    script = Path(sys.executable).with_name("rdrs")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "rdrs_gui.cli"]


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class CommandFailed(SystemExit):
    """A timed command failed: ours ends the benchmark, a peer's is reported and skipped."""


def timed(cmd: list[str], timeout: float | None = None) -> tuple[float, float, str]:
    """Wall clock and CPU time (user + system) of one command, and what it printed. On a shared
    machine the wall clock also measures the neighbours; the CPU time much less so. The disk is
    flushed first, so that no command pays for the writes of the one before."""
    os.sync()
    started, cpu = time.perf_counter(), cpu_of_children()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=timeout)
    wall, cpu = time.perf_counter() - started, cpu_of_children() - cpu
    if done.returncode != 0:
        raise CommandFailed(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout[-1000:]}{done.stderr[-2000:]}")
    return wall, cpu, done.stdout.strip()


def run_ours(fmt: str, src: Path, tmp: Path, repeat: int) -> tuple[tuple, tuple, str, str]:
    best_in = best_out = (float("inf"), float("inf"))
    for i in range(repeat):
        db, out = tmp / f"{fmt}-{i}.sqlite", tmp / f"out-{fmt}-{i}"
        *times, imported = timed([*rdrs_command(), "--db", str(db), "import", "--format", fmt, str(src)])
        best_in = min(best_in, tuple(times))
        *times, exported = timed([*rdrs_command(), "--db", str(db), "export", "--format", fmt, "--out", str(out)])
        best_out = min(best_out, tuple(times))
    return best_in, best_out, imported, exported


# --- peers: run in their own process (``--peer``) -------------------------------------------------

def _peer_read(fmt: str, src: Path) -> object:
    if fmt == "brat":
        from bratly.io import read_document_collection_from_folder

        return read_document_collection_from_folder(str(src))
    from web_anno_tsv import open_web_anno_tsv

    return {path: (reader.header, list(reader)) for path in sorted(src.glob("*.tsv"))
            for reader in [open_web_anno_tsv(str(path))]}


def _peer_write(fmt: str, data: object, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    if fmt == "brat":
        from bratly.io import copy_txt_from_collection_to_another_path, write_ann_files_in_folder

        write_ann_files_in_folder(data, str(out))
        copy_txt_from_collection_to_another_path(data, str(out))
        return
    from web_anno_tsv import open_web_anno_tsv

    for path, (header, sentences) in data.items():
        with open_web_anno_tsv(str(out / path.name), "w") as writer:
            writer.write_header(header)
            for sentence in sentences:
                writer.write(sentence)


def peer_main(fmt: str, action: str, src: Path, out: Path | None) -> None:
    started, cpu = time.perf_counter(), time.process_time()
    data = _peer_read(fmt, src)
    read_s, read_cpu_s = time.perf_counter() - started, time.process_time() - cpu
    if data is None:  # bratly prints why and returns None (e.g. RDRS relation types with ':')
        raise SystemExit("the peer refused the files")
    count = len(data.documents) if fmt == "brat" else len(data)
    if action == "write":
        _peer_write(fmt, data, out)
    print(json.dumps({"read_s": read_s, "read_cpu_s": read_cpu_s, "documents": count}))


def run_peer(fmt: str, src: Path, tmp: Path, repeat: int, timeout: float) -> tuple[tuple, tuple | None, int]:
    """The peer's best read and write (None: the write did not finish within ``timeout``)."""
    best_in = best_out = (float("inf"), float("inf"))
    count = 0
    for i in range(repeat):
        # -O drops web-anno-tsv's asserts, one of which refuses discontinuous annotations.
        peer = [sys.executable, "-O", __file__, "--peer", fmt]
        wall, cpu, printed = timed([*peer, "read", str(src)])
        best_in = min(best_in, (wall, cpu))
        count = json.loads(printed.splitlines()[-1])["documents"]
        out = tmp / f"peer-{fmt}-{i}"
        try:
            wall, cpu, printed = timed([*peer, "write", str(src), str(out)], timeout)
        except subprocess.TimeoutExpired:
            return best_in, None, count
        report = json.loads(printed.splitlines()[-1])
        best_out = min(best_out, (wall - report["read_s"], cpu - report["read_cpu_s"]))
    return best_in, best_out, count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reviews", choices=["synthetic", "rdrs"], default="synthetic",
                        help="synthetic reviews (default), or the real RDRS reviews of ../shared/data "
                             "copied up to --documents")
    parser.add_argument("--formats", nargs="+", default=["brat", "webanno-tsv3"], choices=["brat", "webanno-tsv3"])
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs (default: %(default)s)")
    parser.add_argument("--no-peer", action="store_true", help="time rdrs only")
    parser.add_argument("--peer-timeout", type=float, default=600, metavar="S",
                        help="give up on a peer's write after S seconds (web-anno-tsv's writer is "
                             "quadratic in the sentence length; default: %(default)s)")
    parser.add_argument("--peer", nargs="+", help=argparse.SUPPRESS)  # FORMAT read|write SRC [OUT]
    args = parser.parse_args(argv)
    if args.peer:
        fmt, action, src, *out = args.peer
        peer_main(fmt, action, Path(src), Path(out[0]) if out else None)
        return 0
    ok = True
    compile_bytecode()
    with tempfile.TemporaryDirectory(prefix="rdrs-bench-") as name:
        tmp = Path(name)
        inputs = write_inputs(args.documents, args.seed, tmp, args.formats, args.reviews)
        from rdrs_gui.core.forking import default_workers

        print(f"{args.documents} {args.reviews} reviews written; machine: {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.1f}; rdrs reads and exports folders in "
              f"{default_workers()} process(es), the peers in one")
        print(f"creating a file here takes {file_creation_us(tmp / 'probe'):.0f} us (normally tens; on a "
              "journal-less ext4, hundreds for minutes after many files were deleted)")
        for fmt, src in inputs.items():
            files = sum(1 for _ in src.iterdir())
            size = sum(p.stat().st_size for p in src.iterdir()) / 2**20
            imp, exp, imported, exported = run_ours(fmt, src, tmp, args.repeat)
            print(f"{fmt}: {files} files, {size:.0f} MB")
            print(f"  rdrs: {imported}")
            print(f"  rdrs: {exported.split(' to ')[0]}")
            print(f"  rdrs import {imp[0]:.2f} s (CPU {imp[1]:.2f} s), export {exp[0]:.2f} s (CPU {exp[1]:.2f} s)",
                  flush=True)
            peer = "bratly" if fmt == "brat" else "web-anno-tsv"
            try:
                p_in, p_out, count = (None, None, 0) if args.no_peer else run_peer(
                    fmt, src, tmp, args.repeat, args.peer_timeout)
            except CommandFailed as exc:
                lines = str(exc).splitlines()
                said = next((i for i, line in enumerate(lines) if line.startswith("Exception")), len(lines) - 1)
                print(f"  {peer} could not read the files: {' '.join(lines[said:said + 2])}")
                p_in = None
            if p_in is not None:
                print(f"  {peer} reads {count} documents in {p_in[0]:.2f} s (CPU {p_in[1]:.2f} s)"
                      f" -> import {imp[0] / p_in[0]:.2f}x the peer's time (CPU {imp[1] / p_in[1]:.2f}x)")
                if p_out is None:
                    print(f"  {peer} did not finish writing them in {args.peer_timeout:.0f} s"
                          f" -> export under {exp[0] / args.peer_timeout:.2f}x the peer's time")
                else:
                    print(f"  {peer} writes them in {p_out[0]:.2f} s (CPU {p_out[1]:.2f} s)"
                          f" -> export {exp[0] / p_out[0]:.2f}x the peer's time (CPU {exp[1] / p_out[1]:.2f}x)")
            ok &= imp[0] <= TARGET_S and exp[0] <= TARGET_S
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print("targets met" if ok else f"TARGETS MISSED (import and export <= {TARGET_S:.0f} s each)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
