"""Benchmark: resident memory of four model workers serving one tagger bundle, before and
after the word-vector tables were memory-mapped (``trainer/vector_cache.py``).

    python benchmarks/worker_memory.py [--model DIR] [--workers 4] [--before REV]

Each worker is ``python -m trainer serve --model DIR`` (one torch thread, as the app starts
them), answers one prediction so that everything it loads lazily is loaded, and is then measured
from ``/proc/PID/smaps_rollup``: RSS (every page it maps), PSS (shared pages divided among the
processes that share them, so the sum over workers is what they cost together) and USS (its
private pages only). "Before" runs the same workers from the code of revision ``--before``
(default: the commit before the cache was added, exported with ``git archive`` into a temporary
folder); "after" from this working tree. Without ``--model`` an untrained bundle of the default
embedded tagger (natasha parser, news vectors, RuDReC tags) is written to a temporary folder:
weights do not change what is loaded.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TEXT = ("Принимала Нурофен по 200 мг три раза в день. "
        "После второй таблетки заболел живот, появилась тошнота.\nВрач заменил его на Парацетамол.")


def untrained_bundle(out: Path) -> Path:
    from rdrs_gui.core.document import Document
    from rdrs_gui.core.schema import bundled
    from trainer import bundle
    from trainer.encoders import build_encoder
    from trainer.tagger.data import document_sentences
    from trainer.tagger.model import MultiTagTagger

    schema = bundled("rudrec")
    sents = document_sentences(Document("", TEXT), protect_gold=False)
    enc = build_encoder({"kind": "embedded"}, sentences=sents)
    tags = list(schema.tag_names)
    model = MultiTagTagger(enc, len(tags))
    config = {"kind": "tagger", "version": "memory-bench", "tags": tags, "encoder": enc.config(), "head": model.cfg}
    bundle.save(out, config, schema, model, metrics={"dev": None})
    return out


def export_revision(rev: str, dest: Path) -> Path:
    """The repository at ``rev`` (tracked files only), without touching this working tree."""
    archive = subprocess.run(["git", "archive", rev], cwd=REPO, capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def default_before() -> str:
    added = subprocess.run(["git", "log", "--diff-filter=A", "--format=%H", "--", "trainer/vector_cache.py"],
                           cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    if not added:
        raise SystemExit("trainer/vector_cache.py is not committed: give --before REV")
    return f"{added[-1]}^"


def memory(pid: int) -> dict[str, int]:
    """RSS, PSS and USS of a process in MiB, from smaps_rollup."""
    fields: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value)
    uss = fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)
    return {"rss": fields["Rss"] // 1024, "pss": fields["Pss"] // 1024, "uss": uss // 1024}


def run_workers(code: Path, model: Path, n: int) -> list[dict[str, int]]:
    env = {**os.environ, "PYTHONPATH": str(code), "RDRS_TORCH_THREADS": "1"}
    procs = [subprocess.Popen([sys.executable, "-m", "trainer", "serve", "--model", str(model)], cwd=code, env=env,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
             for _ in range(n)]
    try:
        for proc in procs:
            ready = json.loads(proc.stdout.readline() or "{}")
            if ready.get("event") != "ready":
                raise SystemExit(f"a worker did not start: {ready}")
        for proc in procs:
            proc.stdin.write(json.dumps({"id": 1, "op": "predict", "documents": [{"name": "r", "text": TEXT}]},
                                        ensure_ascii=False) + "\n")
            proc.stdin.flush()
        for proc in procs:
            answer = json.loads(proc.stdout.readline() or "{}")
            if "documents" not in answer:
                raise SystemExit(f"a worker did not answer: {answer}")
        return [memory(proc.pid) for proc in procs]
    finally:
        for proc in procs:
            with contextlib.suppress(OSError):
                proc.stdin.write(json.dumps({"id": 2, "op": "shutdown"}) + "\n")
                proc.stdin.flush()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def report(name: str, rows: list[dict[str, int]]) -> dict[str, int]:
    total = {k: sum(r[k] for r in rows) for k in ("rss", "pss", "uss")}
    each = "  ".join(f"{r['rss']}/{r['pss']}/{r['uss']}" for r in rows)
    print(f"{name:<7} {len(rows)} workers, MiB RSS/PSS/USS each: {each}")
    print(f"{'':<7} together: RSS {total['rss']} MiB, PSS {total['pss']} MiB (what they cost together), "
          f"USS {total['uss']} MiB", flush=True)
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="a tagger bundle (default: an untrained one)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--before", help="revision whose code gives the 'before' figures")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="worker_memory_") as tmp:
        model = args.model or untrained_bundle(Path(tmp) / "bundle")
        before_rev = args.before or default_before()
        old = export_revision(before_rev, Path(tmp) / "before")
        from trainer.vector_cache import table_arrays
        from trainer.word_vectors import NEWS

        table_arrays(NEWS)  # the cache exists before the workers start, as after any first use
        print(f"bundle {model}; before = {before_rev}; after = this working tree", flush=True)
        before = report("before", run_workers(old, model, args.workers))
        after = report("after", run_workers(REPO, model, args.workers))
        print(f"after / before: RSS x{after['rss'] / before['rss']:.2f}, PSS x{after['pss'] / before['pss']:.2f}, "
              f"USS x{after['uss'] / before['uss']:.2f}; PSS saved {before['pss'] - after['pss']} MiB "
              f"for {args.workers} workers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
