"""Coreference scorer speed: the CEAF alignment (Kuhn-Munkres) on a large sparse weight matrix,
and the whole scorer on one big synthetic document, as ``python -m trainer coref score`` runs it.
The tests check the scorer's figures; how fast it is lives here (no clock in the tests).

    python benchmarks/coref_scorer.py [--chains 400] [--repeat 3]

Prints one line per figure; the last line is ``assignment_s=... score_s=... mentions=...``.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from trainer.metrics import coref_scores, max_weight_assignment  # noqa: E402


def sparse_weights(n: int, rng: random.Random) -> dict[tuple[int, int], float]:
    """Each of ``n`` key chains overlaps two of ``n`` response chains, as in a long document."""
    return {(i, j): rng.random() for i in range(n) for j in rng.sample(range(n), 2)}


def big_document(chains: int, rng: random.Random) -> tuple[list[list[tuple]], list[list[tuple]]]:
    """A key of ``chains`` chains of 2-6 mentions (token spans) and a response that keeps most
    mentions, moves some to a neighbouring chain and adds a few of its own."""
    key, position = [], 0
    for _ in range(chains):
        chain = []
        for _ in range(rng.randint(2, 6)):
            chain.append((position, position + rng.randint(0, 3)))
            position += 5
        key.append(chain)
    response = [[m for m in chain if rng.random() > 0.1] for chain in key]
    for i in range(0, len(response) - 1, 7):
        if response[i]:
            response[i + 1].append(response[i].pop())
    response += [[(position + 5 * k, position + 5 * k)] for k in range(chains // 10)]
    return key, [c for c in response if c]


def best_of(repeat: int, run) -> float:  # noqa: ANN001 - a callable
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chains", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(5)
    weights = sparse_weights(args.chains, rng)
    assignment = best_of(args.repeat, lambda: max_weight_assignment(weights))
    print(f"assignment {args.chains}x{args.chains}, {len(weights)} non-zero weights: {assignment:.3f} s")
    key, response = big_document(args.chains, rng)
    mentions = sum(map(len, key))
    score = best_of(args.repeat, lambda: coref_scores([(key, response)]))
    print(f"all metrics on one document of {args.chains} chains, {mentions} key mentions: {score:.3f} s")
    print(f"assignment_s={assignment:.3f} score_s={score:.3f} mentions={mentions}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
