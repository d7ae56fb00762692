"""ADR text classifier on RuADReCT (SMM4H 2020 task 2, Russian tweets) against a TF-IDF peer.

Trains on ``task2_ru_train.tsv`` and uses ``task2_ru_validation.tsv`` only for early stopping
and for the decision threshold (the F1-best threshold of the ADR class), for every system:

* the peer: TF-IDF (word 1-2-grams + char 2-5-grams) + logistic regression (scikit-learn), its
  regularisation chosen by 3-fold cross-validation on train (average precision), never on dev;
* the three-level neural model (char-CNN ⊕ encoder ⊕ dependency pairs -> BiLSTM) with a jointly
  trained "wide" logit over hashed word 1-2-grams and char 2-5-grams (wide & deep);
* ablations: without the char-CNN, without the dependency features, without the wide n-grams.

Prints P / R / F1 of the ADR class at the tuned threshold, average precision and training time.
``--seeds 13,7,29`` trains the full model once per seed and compares the mean with the peer: on
133 ADR tweets one true positive moves F1 by ~0.4 points and seeds alone move it by ~2.
With the same threshold rule, the dev figures of every system are equally optimistic; the
project also scores the neural model on a held-out test set that is not in ../shared/.
Anchors: a TF-IDF peer reached F1 ≈ 0.40–0.42 on held-out tweets here; the best SMM4H 2020
Russian systems reached F1 ≈ 0.51.

The word vectors are navec's fiction-trained hudlit table where installed
(``python -m trainer vectors fetch hudlit``), natasha's news table otherwise; the header says which.

    python benchmarks/adr_classifier.py [--max-minutes 12] [--encoder embedded] [--ablation-minutes M]
                                        [--skip-ablation] [--seeds 13] [--threads 1] [--out DIR]
                                        [--word-vectors auto|news|hudlit]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "ruadrect"


def tfidf_peer(train: list, dev: list, seed: int = 13) -> dict:
    """TF-IDF + logistic regression; C from cross-validation on train, threshold from dev."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    from trainer.classifier.predict import average_precision, best_threshold, binary_prf

    start = time.perf_counter()
    x_text = [e.text for e in train]
    y = np.array([e.label for e in train])

    def vectorizers():
        return (TfidfVectorizer(analyzer="word", ngram_range=(1, 2), lowercase=True, sublinear_tf=True, min_df=1),
                TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=True, sublinear_tf=True, min_df=2))

    def fit(texts: list[str], labels: np.ndarray, c: float):
        words, chars = vectorizers()
        x = hstack([words.fit_transform(texts), chars.fit_transform(texts)]).tocsr()
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=3000, solver="liblinear")
        model.fit(x, labels)
        return lambda t: model.predict_proba(hstack([words.transform(t), chars.transform(t)]).tocsr())[:, 1]

    cv = {}
    for c in (0.3, 1.0, 3.0, 10.0, 30.0):
        aps = []
        for tr, te in StratifiedKFold(3, shuffle=True, random_state=seed).split(x_text, y):
            predict = fit([x_text[i] for i in tr], y[tr], c)
            aps.append(average_precision(predict([x_text[i] for i in te]), y[te]))
        cv[c] = float(np.mean(aps))
    c_best = max(cv, key=cv.get)
    predict = fit(x_text, y, c_best)
    seconds = time.perf_counter() - start
    probs = predict([e.text for e in dev])
    labels = np.array([e.label for e in dev])
    threshold, _ = best_threshold(probs, labels)
    report = binary_prf(probs, labels, threshold)
    report.update({"ap": average_precision(probs, labels), "train_seconds": round(seconds, 1),
                   "C": c_best, "cv_ap": {str(k): round(v, 4) for k, v in cv.items()}})
    return report


def neural(train_path: Path, dev_path: Path, out: Path, encoder: str, minutes: float, head: dict,
           seed: int) -> dict:
    from trainer.classifier.data import read_examples
    from trainer.classifier.train import train as train_classifier

    summary = train_classifier(read_examples(train_path), read_examples(dev_path), out, encoder=encoder,
                               head=head, options={"max_minutes": minutes, "seed": seed}, progress=_quiet)
    dev = summary["dev"]
    return {**{k: dev[k] for k in ("p", "r", "f1", "threshold", "ap")},
            "train_seconds": summary["train_seconds"], "epochs": summary["epochs_run"],
            "best_epoch": summary["best_epoch"], "stopped": summary["stopped"]}


def _mean(reports: list[dict]) -> dict:
    """Figure-by-figure mean of several runs' reports (threshold and time included)."""
    keys = ("p", "r", "f1", "ap", "threshold", "train_seconds")
    return {k: float(np.mean([r[k] for r in reports])) for k in keys}


def _quiet(event: dict) -> None:
    if event.get("event") in ("featurized", "epoch", "done"):
        print("   ", json.dumps(event, ensure_ascii=False), flush=True)


def _row(name: str, r: dict) -> str:
    return (f"{name:46s} P {r['p']:.3f}  R {r['r']:.3f}  F1 {r['f1']:.3f}  AP {r['ap']:.3f}  "
            f"thr {r['threshold']:.3f}  train {r['train_seconds']:7.1f} s")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--encoder", default="embedded")
    ap.add_argument("--max-minutes", type=float, default=12.0, help="time budget of the full neural model")
    ap.add_argument("--ablation-minutes", type=float, default=None, help="budget of each ablation (default: same)")
    ap.add_argument("--skip-ablation", action="store_true")
    ap.add_argument("--seeds", default="13", help="comma-separated seeds of the full model (ablations use the first)")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    ap.add_argument("--out", type=Path, default=None, help="keep the bundles here (default: a temporary folder)")
    ap.add_argument("--word-vectors", default="auto", help="navec table: auto (hudlit where installed), news, hudlit")
    args = ap.parse_args(argv)
    # Read by trainer.device at import. One thread by default: on this shared 2-core machine a
    # second torch thread waiting for a busy core made the BiLSTM ~45x slower (1.7 s instead of
    # 38 ms per forward pass of a 64-tweet batch).
    os.environ["RDRS_TORCH_THREADS"] = str(args.threads)
    from trainer import word_vectors
    from trainer.classifier.data import read_examples

    table = word_vectors.resolve(args.word_vectors)
    train_path, dev_path = args.data / "task2_ru_train.tsv", args.data / "task2_ru_validation.tsv"
    if not train_path.exists():
        print(f"RuADReCT not found under {args.data}", file=sys.stderr)
        return 2
    train, dev = read_examples(train_path), read_examples(dev_path)
    print(f"RuADReCT: train {len(train)} tweets ({sum(e.label for e in train)} ADR), "
          f"dev {len(dev)} ({sum(e.label for e in dev)} ADR); word vectors {table}", flush=True)

    results = {}
    print("TF-IDF + logistic regression ...", flush=True)
    results["TF-IDF + LR (peer)"] = tfidf_peer(train, dev)
    print(_row("TF-IDF + LR (peer)", results["TF-IDF + LR (peer)"]), flush=True)

    seeds = [int(x) for x in args.seeds.split(",") if x.strip()]
    full = "char-CNN + encoder + deps + wide"
    headline = full if len(seeds) == 1 else f"{full}, mean of {len(seeds)} seeds"
    runs = [(full if len(seeds) == 1 else f"{full}, seed {seed}", {}, args.max_minutes, seed) for seed in seeds]
    if not args.skip_ablation:
        minutes = args.ablation_minutes or args.max_minutes
        runs += [("  without char-CNN", {"char_cnn": False}, minutes, seeds[0]),
                 ("  without dependency features", {"dep_pairs": False, "syntax_features": False}, minutes, seeds[0]),
                 ("  without the wide n-gram part", {"wide": False}, minutes, seeds[0])]
    with tempfile.TemporaryDirectory() as tmp:
        root = args.out or Path(tmp)
        for k, (name, head, minutes, seed) in enumerate(runs):
            print(f"{name.strip()} ({args.encoder}, budget {minutes:g} min) ...", flush=True)
            results[name] = neural(train_path, dev_path, root / f"model{k}", args.encoder, minutes,
                                   {"word_vectors": table, **head}, seed)
            print(_row(name, results[name]), flush=True)
    seed_runs = [results[name] for name, *_ in runs[:len(seeds)]]
    if len(seeds) > 1:
        results[headline] = _mean(seed_runs)

    print("\nADR class on RuADReCT validation (threshold tuned there for every system):")
    for name, r in results.items():
        print(_row(name, r))
    peer, ours = results["TF-IDF + LR (peer)"], results[headline]
    seed_f1 = ", ".join(f"{r['f1']:.3f}" for r in seed_runs)
    spread = f" (seeds: {seed_f1})" if len(seeds) > 1 else ""
    print(f"\nF1 gain over the peer: {100 * (ours['f1'] - peer['f1']):+.1f} points{spread} (target: +5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
