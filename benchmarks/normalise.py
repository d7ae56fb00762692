"""Code suggestions on RDRS MedNorm (11,908 ADR/Indication mentions → MedDRA PT, folds 1–5):
5-fold accuracy@1 and @5 per tag of the project's suggester (rdrs_gui.core.normalise.suggest),
side by side with the baseline in the same run: exact (lower-cased) match, else the nearest coded
mentions by TF-IDF character 2–4-grams (cosine), their codes in order of similarity. Each fold is
held out in turn; one suggester per tag learns from the other four folds.

Also times suggesting codes for 10,000 mentions with a suggester learnt from every ADR mention
(the mentions cycled from the corpus), after the model is learnt (learning time printed apart),
and the coder's lookup over a MedDRA-sized terminology (80,000 synthetic LLT names made of pairs
of MedNorm mentions): building the index, and one search per query typed (median and worst).

    python benchmarks/normalise.py [--csv ../shared/data/rdrs/mednorm_RDRS_mentions.csv] [--json]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from rdrs_gui.core.normalise import mednorm  # noqa: E402
from rdrs_gui.core.normalise.lookup import TermIndex  # noqa: E402
from rdrs_gui.core.terminology import Term  # noqa: E402
from rdrs_gui.core.normalise.suggest import CodeSuggester, accuracy  # noqa: E402

DEFAULT_CSV = REPO.parent / "shared" / "data" / "rdrs" / "mednorm_RDRS_mentions.csv"


def baseline(train: list[tuple[str, str]], test: list[tuple[str, str]]) -> dict:
    exact: dict[str, Counter[str]] = {}
    for text, code in train:
        exact.setdefault(text.lower(), Counter())[code] += 1
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4))
    coded = vectorizer.fit_transform([t.lower() for t, _ in train])
    codes = [c for _, c in train]
    similarity = (vectorizer.transform([t.lower() for t, _ in test]) @ coded.T).toarray()
    hits1 = hits5 = 0
    for i, (text, code) in enumerate(test):
        ranked = [c for c, _ in exact[text.lower()].most_common()] if text.lower() in exact else []
        for j in np.argsort(-similarity[i]):
            if codes[j] not in ranked:
                ranked.append(codes[j])
            if len(ranked) >= 5:
                break
        hits1 += ranked[0] == code
        hits5 += code in ranked[:5]
    return {"acc1": hits1 / len(test), "acc5": hits5 / len(test), "n": len(test)}


def lookup_timing(mentions: list[str], size: int = 80_000) -> dict:
    names = [f"{mentions[i % len(mentions)]} {mentions[(i * 7919) % len(mentions)]}" for i in range(size)]
    terms = [Term("meddra", "LLT", str(10_000_000 + i), name, "10000000") for i, name in enumerate(names)]
    started = time.perf_counter()
    index = TermIndex(terms)
    build = time.perf_counter() - started
    queries = [m[:n] for m in mentions[:: max(1, len(mentions) // 20)] for n in (3, 6, len(m))]
    times = []
    for query in queries:
        started = time.perf_counter()
        index.search(query)
        times.append(1000 * (time.perf_counter() - started))
    return {"terms": size, "build_s": build, "median_ms": float(np.median(times)), "worst_ms": max(times),
            "queries": len(queries)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = mednorm.read(args.csv)
    tags = sorted({r.tag for r in rows})
    folds = sorted({r.fold for r in rows})
    results: dict[str, dict] = {}
    for tag in tags:
        per_fold = []
        for fold in folds:
            train = [(r.text, r.code) for r in rows if r.tag == tag and r.fold != fold]
            test = [(r.text, r.code) for r in rows if r.tag == tag and r.fold == fold]
            started = time.perf_counter()
            ours = accuracy(CodeSuggester().fit(train), test)
            seconds = time.perf_counter() - started
            base = baseline(train, test)
            per_fold.append({"fold": fold, "n": len(test), "ours": ours, "baseline": base, "seconds": seconds})
            if not args.json:
                print(f"{tag:<11} fold {fold}  n={len(test):>5}  ours acc@1 {ours['acc1']:.3f} acc@5 {ours['acc5']:.3f}"
                      f"  baseline acc@1 {base['acc1']:.3f} acc@5 {base['acc5']:.3f}  ({seconds:.1f} s)", flush=True)
        results[tag] = {key: {metric: float(np.mean([f[key][metric] for f in per_fold])) for metric in ("acc1", "acc5")}
                        for key in ("ours", "baseline")}
        results[tag]["folds"] = per_fold
    average = {key: {metric: float(np.mean([results[t][key][metric] for t in tags])) for metric in ("acc1", "acc5")}
               for key in ("ours", "baseline")}

    adr = [(r.text, r.code) for r in rows if r.tag == tags[0]]
    started = time.perf_counter()
    suggester = CodeSuggester().fit(adr)
    learn_seconds = time.perf_counter() - started
    mentions = [rows[i % len(rows)].text for i in range(10_000)]
    started = time.perf_counter()
    suggester.suggest(mentions)
    suggest_seconds = time.perf_counter() - started

    lookup = lookup_timing(sorted({r.text.lower() for r in rows}))
    summary = {"lookup": lookup, "per_tag": {t: {k: results[t][k] for k in ("ours", "baseline")} for t in tags},
               "average": average, "suggest_10000_s": suggest_seconds, "learn_s": learn_seconds, "learn_mentions": len(adr)}
    if args.json:
        print(json.dumps(summary, indent=1))
        return
    print()
    print(f"{'tag':<11} {'ours @1':>8} {'base @1':>8} {'ours @5':>8} {'base @5':>8}")
    for tag in tags:
        print(f"{tag:<11} {results[tag]['ours']['acc1']:>8.3f} {results[tag]['baseline']['acc1']:>8.3f}"
              f" {results[tag]['ours']['acc5']:>8.3f} {results[tag]['baseline']['acc5']:>8.3f}")
    print(f"{'average':<11} {average['ours']['acc1']:>8.3f} {average['baseline']['acc1']:>8.3f}"
          f" {average['ours']['acc5']:>8.3f} {average['baseline']['acc5']:>8.3f}")
    gain = 100 * (average["ours"]["acc1"] - average["baseline"]["acc1"])
    print(f"accuracy@1 gain over the baseline: {gain:+.1f} points (target: +2)")
    print(f"coder lookup over {lookup['terms']:,} terms: index built in {lookup['build_s']:.1f} s, search median "
          f"{lookup['median_ms']:.0f} ms, worst {lookup['worst_ms']:.0f} ms over {lookup['queries']} queries")
    print(f"suggest codes for 10,000 mentions: {suggest_seconds:.2f} s (learnt from {len(adr)} {tags[0]} "
          f"mentions in {learn_seconds:.1f} s; target < 10 s)")


if __name__ == "__main__":
    main()
