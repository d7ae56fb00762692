"""Coreference retraining on a small project, as a user runs it: import, ``rdrs train --kind coref
--activate`` with the default settings, ``rdrs predict --all``; for the demo project and the first
10 and all 44 RDRS reviews.

    python benchmarks/coref_small.py [--sets demo,rdrs10,rdrs44]

Prints per set: training documents (dev), epochs run, best epoch, dev CoNLL average F1, training
time, and the chain suggestions ``rdrs predict`` stored (chains with 2+ mentions among them).
Needs ../shared/data for the RDRS sets (set RDRS_SHARED_DATA elsewhere).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = Path(os.environ.get("RDRS_SHARED_DATA", REPO.parent / "shared" / "data"))

from rdrs_gui.cli import main as rdrs  # noqa: E402
from rdrs_gui.core import formats  # noqa: E402
from rdrs_gui.core.document import SUGGESTED  # noqa: E402
from rdrs_gui.core.store import Store  # noqa: E402


def project(name: str, folder: Path) -> list[str]:
    """``rdrs import`` arguments for the set: the demo file, the RDRS JSON file, or its first N
    reviews written as JSON lines."""
    if name == "demo":
        return [str(REPO / "resources" / "demo" / "demo.jsonl")]
    source = DATA / "rdrs" / "med_demo_example.json"
    docs = formats.read(source, "rdrs-json").documents
    n = int(name.removeprefix("rdrs"))
    if n >= len(docs):
        return ["--format", "rdrs-json", str(source)]
    out = folder / f"{name}.jsonl"
    formats.get("jsonl").write(docs[:n], out)
    return [str(out)]


def run_set(name: str, folder: Path) -> None:
    db = folder / f"{name}.sqlite"
    assert rdrs(["--db", str(db), "import", *project(name, folder)]) == 0
    started = time.perf_counter()
    code = rdrs(["--db", str(db), "train", "--kind", "coref", "--out", str(folder / f"{name}-coref"), "--activate"])
    seconds = time.perf_counter() - started
    if code != 0:
        print(f"{name}: training failed ({code})")
        return
    assert rdrs(["--db", str(db), "predict", "--all"]) == 0
    metrics = json.loads((folder / f"{name}-coref" / "metrics.json").read_text(encoding="utf-8"))
    with Store.open(db) as store:
        chains = [c for d in store.iter_documents(include_suggestions=True) for c in d.chains if c.status == SUGGESTED]
    print(f"RESULT {name}: {metrics['train_documents']} train / {metrics['dev_documents']} dev documents, "
          f"{metrics['epochs_run']} epochs ({metrics['steps']} steps), best epoch {metrics['best_epoch']}, "
          f"dev CoNLL avg F1 {100 * (metrics['dev_f1'] or 0):.1f}, rdrs train {seconds:.0f} s wall, "
          f"chain suggestions stored {len(chains)} ({sum(len(c.mentions) > 1 for c in chains)} with 2+ mentions)",
          flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", default="demo,rdrs10,rdrs44")
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start", flush=True)
    with tempfile.TemporaryDirectory(prefix="coref-small-") as tmp:
        for name in args.sets.split(","):
            run_set(name, Path(tmp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
