"""Import/export throughput of the store on synthetic data.

Generates N synthetic reviews (~1,000 characters, ~20 spans each, some overlapping, some with two
labels, some discontinuous, a few coreference chains), imports them into a fresh SQLite database
in a temporary folder (one transaction), exports them to JSONL and prints the import time, the
export time and the database size. Targets: import and export each under 10 s for 10,000
reviews, database under 100 MB.

    python benchmarks/import_export.py [--documents 10000] [--seed 0] [--db URL]

``--db`` runs it on another database (an empty scratch one, e.g. a PostgreSQL URL); the size
is then not reported.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rdrs_gui.core import services  # noqa: E402
from rdrs_gui.core.document import Chain, Document, Mention, Span  # noqa: E402
from rdrs_gui.core.store import Store  # noqa: E402

WORDS = ("препарат таблетки мазь капли помог врач назначил голова болела после приема "
         "тошнота сыпь дозировка дважды в день неделю ребенку давление снизилось отзыв "
         "купила аптеке дорого эффект побочный сон аллергия кашель насморк температура").split()
TAGS = ("ADR", "DrugName", "DrugBrand", "DrugForm", "DrugClass", "Dosage", "Frequency", "Duration",
        "Route", "SourceInfoDrug", "DiseaseName", "Indication", "BNE-Pos", "ADE-Neg", "Note")


def synthetic(n: int, seed: int) -> list[Document]:
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        words, starts, pos = [], [], 0
        while pos < 1000:
            word = rng.choice(WORDS)
            starts.append(pos)
            words.append(word)
            pos += len(word) + 1
        text = " ".join(words)
        bounds = [(s, s + len(w)) for s, w in zip(starts, words)]
        spans = []
        for j in rng.sample(range(len(bounds) - 5), 20):
            width = rng.choice((1, 1, 2, 3))
            fragments = [(bounds[j][0], bounds[j + width - 1][1])]
            if rng.random() < 0.03:  # discontinuous
                fragments.append(bounds[j + width + 1])
            labels = {rng.choice(TAGS)} | ({"DrugBrand"} if rng.random() < 0.1 else set())
            attrs = {"MedFrom": rng.choice(("Domestic", "Foreign"))} if "DrugName" in labels else {}
            spans.append(Span(labels, fragments, attrs))
        chains = [Chain([Mention([bounds[k]]) for k in sorted(rng.sample(range(len(bounds)), 3))])
                  for _ in range(2)]
        docs.append(Document(f"review-{i:05d}", text, {"source": "synthetic"}, spans, chains))
    return docs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--db", help="SQLAlchemy URL of an empty database (default: a temporary SQLite file)")
    args = parser.parse_args(argv)
    docs = synthetic(args.documents, args.seed)
    n_spans = sum(len(d.spans) for d in docs)
    chars = sum(len(d.text) for d in docs) / len(docs)
    print(f"{len(docs)} synthetic reviews, {chars:.0f} characters and {n_spans / len(docs):.1f} spans on average")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(args.db or Path(tmp) / "bench.sqlite")
        started, cpu = time.perf_counter(), time.process_time()
        summary = store.import_documents(docs)
        import_s, import_cpu = time.perf_counter() - started, time.process_time() - cpu
        started, cpu = time.perf_counter(), time.process_time()
        exported = services.export(store, "jsonl", Path(tmp) / "out.jsonl")
        export_s, export_cpu = time.perf_counter() - started, time.process_time() - cpu
        store.close()
        size = sum(p.stat().st_size for p in Path(tmp).glob("bench.sqlite*")) / 2**20 if not args.db else 0.0
        # CPU time is shown too: on a shared machine wall time also measures the neighbours.
        print(f"import: {import_s:.2f} s (CPU {import_cpu:.2f} s; {summary.documents} documents, "
              f"{summary.spans} spans)")
        print(f"export: {export_s:.2f} s (CPU {export_cpu:.2f} s; {exported.documents} documents, "
              f"{exported.spans} spans)")
        if not args.db:
            print(f"database: {size:.1f} MB")
    ok = import_s < 10 and export_s < 10 and size < 100
    print("targets met" if ok else "TARGETS MISSED (import/export < 10 s, database < 100 MB)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
