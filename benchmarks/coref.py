"""Coreference benchmark: train on RuCoCo within a wall-clock budget, score held-out RuCoCo
documents, then the RDRS chains (the RuCoCo model as it is, and 5-fold fine-tuning from it),
and time prediction.

    python benchmarks/coref.py [--minutes 10] [--fold-minutes 1.5] [--out DIR]

Needs ../shared/data (RuCoCo archive, RDRS JSON). Prints one line per figure; the last line is
``rucoco_avg_f1=... rdrs_5fold_avg_f1=... docs_per_s=...``. Anchors (RDRS paper, Table 15,
RuBERT e2e-coref): 58.9 average F1 AnCor -> AnCor, 71.0 on its own corpus (RDRS -> RDRS).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = Path(os.environ.get("RDRS_SHARED_DATA", REPO.parent / "shared" / "data"))

from rdrs_gui.core import formats  # noqa: E402
from rdrs_gui.core.document import Document  # noqa: E402

from trainer.coref.data import load_documents  # noqa: E402
from trainer.coref.predict import CorefPredictor  # noqa: E402
from trainer.coref.score import partition  # noqa: E402
from trainer.coref.train import train  # noqa: E402
from trainer.metrics import coref_scores  # noqa: E402


def bare(docs: list[Document]) -> list[Document]:
    return [Document(d.name, d.text, meta=dict(d.meta)) for d in docs]


def no_singletons(chains: list[list]) -> list[list]:
    return [c for c in chains if len(c) > 1]


def score(gold: list[Document], predicted: list[Document]) -> tuple[dict, dict]:
    """(scores against the key as annotated, scores with singleton chains dropped from both)."""
    keys = [partition(d) for d in gold]
    responses = [partition(d) for d in predicted]
    return (coref_scores(zip(keys, responses)),
            coref_scores((no_singletons(k), no_singletons(r)) for k, r in zip(keys, responses)))


def line(name: str, s: dict) -> str:
    return (f"{name}: MUC {100 * s['muc'][2]:.1f}  B3 {100 * s['bcub'][2]:.1f}  CEAF-e {100 * s['ceafe'][2]:.1f}"
            f"  avg F1 {100 * s['avg_f1']:.1f}  (mentions F1 {100 * s['mentions'][2]:.1f}, {s['documents']} docs)")


def predict_timed(model_dir: Path, docs: list[Document]) -> tuple[list[Document], float]:
    predictor = CorefPredictor(model_dir, device="auto")
    start = time.perf_counter()
    out = predictor.predict(bare(docs))
    return out, len(docs) / (time.perf_counter() - start)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=10.0, help="RuCoCo training budget (everything included)")
    ap.add_argument("--fold-minutes", type=float, default=1.5, help="budget per RDRS fine-tuning fold")
    ap.add_argument("--test-docs", type=int, default=150)
    ap.add_argument("--dev-docs", type=int, default=60)
    ap.add_argument("--encoder", default="embedded")
    ap.add_argument("--out", help="keep the bundles here (default: a temporary folder)")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                    help="model or training setting for the RuCoCo run (JSON value), repeatable")
    args = ap.parse_args()
    options = {"seed": args.seed}
    for pair in args.option:
        key, _, value = pair.partition("=")
        options[key] = json.loads(value)
    if not DATA.is_dir():
        print(f"real data not found at {DATA}; set RDRS_SHARED_DATA")
        return 2
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="coref-bench-"))
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start, "
          f"torch threads {os.environ.get('RDRS_TORCH_THREADS', '2 (default)')}")

    docs = formats.read(DATA / "rucoco" / "rucoco_json_data.tar.gz", "rucoco").documents
    random.Random(args.seed).shuffle(docs)
    test, dev, rest = docs[:args.test_docs], docs[args.test_docs:args.test_docs + args.dev_docs], \
        docs[args.test_docs + args.dev_docs:]
    print(f"RuCoCo: {len(rest)} train, {len(dev)} dev, {len(test)} test documents")

    def progress(event: dict) -> None:
        if event["event"] in ("featurized", "epoch", "done"):
            print("  " + json.dumps(event), flush=True)

    started = time.perf_counter()
    metrics = train(rest, dev, args.encoder, out / "rucoco", max_minutes=args.minutes,
                    options=options, on_event=progress)
    print(f"RuCoCo training: {time.perf_counter() - started:.0f} s wall, {metrics['steps']} documents seen "
          f"({metrics['steps'] / len(rest):.2f} epochs), stopped by {metrics['stopped']}")
    predicted, docs_per_s = predict_timed(out / "rucoco", test)
    rucoco, rucoco_ns = score(test, predicted)
    print(line("RuCoCo test (key as annotated)", rucoco))
    print(line("RuCoCo test (singletons dropped)", rucoco_ns))
    print(f"inference: {docs_per_s:.1f} RuCoCo documents/s (avg {sum(len(d.text) for d in test) / len(test):.0f} "
          f"characters)")

    rdrs = [d for d in load_documents(DATA / "rdrs" / "med_demo_example.json", "rdrs-json") if d.chains]
    predicted, rdrs_per_s = predict_timed(out / "rucoco", rdrs)
    zero, zero_ns = score(rdrs, predicted)
    print(line("RDRS, RuCoCo model as is", zero))
    print(f"inference: {rdrs_per_s:.1f} RDRS reviews/s")

    order = list(range(len(rdrs)))
    random.Random(args.seed).shuffle(order)
    folds = [order[k::5] for k in range(5)]
    gold_all, pred_all, fold_f1 = [], [], []
    for k, test_idx in enumerate(folds):
        train_docs = [rdrs[i] for i in order if i not in test_idx]
        fold_test = [rdrs[i] for i in test_idx]
        train(train_docs, [], args.encoder, out / f"rdrs-fold{k}", max_minutes=args.fold_minutes,
              options={"epochs": 8, "seed": args.seed}, init=out / "rucoco")
        predicted, _ = predict_timed(out / f"rdrs-fold{k}", fold_test)
        fold_scores, _ = score(fold_test, predicted)
        fold_f1.append(fold_scores["avg_f1"])
        gold_all += fold_test
        pred_all += predicted
        print(f"  fold {k}: {len(train_docs)} train, {len(fold_test)} test, avg F1 {100 * fold_scores['avg_f1']:.1f}")
    five, five_ns = score(gold_all, pred_all)
    print(line("RDRS 5-fold, fine-tuned from RuCoCo (all folds pooled)", five))
    print(f"RDRS 5-fold mean of fold avg F1: {100 * sum(fold_f1) / len(fold_f1):.1f}")
    print("anchors (RDRS paper, RuBERT e2e-coref): 58.9 AnCor -> AnCor, 71.0 RDRS -> RDRS")
    print(f"rucoco_avg_f1={100 * rucoco['avg_f1']:.1f} rdrs_5fold_avg_f1={100 * five['avg_f1']:.1f} "
          f"docs_per_s={docs_per_s:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
