"""Differential check of ``python -m trainer coref score`` against the CoNLL-2012 reference
coreference scorer (``scorer.pl`` + ``lib/CorScorer.pm``, v8.01) on the same files.

For every case both scorers read one key and one response file: ours as
``python -m trainer coref score --key KEY --response RESPONSE --json``, the reference as
``perl scorer.pl METRIC KEY RESPONSE none`` for METRIC in muc, bcub, ceafm, ceafe, blanc.
Compared, per metric, are recall, precision and F1 with the reference's ``Coreference:`` line
(for BLANC its final ``BLANC:`` line), and mention identification (our ``mentions``) with its
``Identification of Mentions:`` line. The reference prints its numerators and denominators
``(n / d)`` in full and the percentages truncated to 2 decimals: a value is compared with n / d
where the line gives them (our JSON has no counts, so the counts are compared as these ratios),
with the printed percentage otherwise (BLANC's F1), to within 1e-4.

The cases are
  (a) every pair in ``--data`` (default tests/data/conll2012_scorer; the reference's own
      test/DataFiles work too): TC-X.key with each TC-X-N.response, and the pairs listed in
      its ``more/reference_scores.json`` where there is one;
  (b) ``--random N`` generated key/response files (``--seed``): one to three documents of one to
      four sentences, random chains over random token spans with nested and crossing mentions,
      singletons, mentions with identical boundaries in two chains (key and response), response
      mentions not in the key, key mentions missing from the response, sometimes a key document
      without mentions or without response, the pieces of a coreference cell in random order.
      Every opened mention closes in its document, and a response repeats at most a few key
      mentions (v8.01 refuses a file with over 10). Where a mention ends on the token where
      another of its chain starts, the file says something else than was meant ("1)|(1" is read
      opening first), but both scorers must read it alike.

The reference scorer is GPL code and not part of this project: take ``scorer.pl`` and ``lib/`` of
conll/reference-coreference-scorers v8.01; it needs the Perl modules Algorithm::Munkres and
Math::Combinatorics (Debian: libalgorithm-munkres-perl libmath-combinatorics-perl).

    python benchmarks/coref_scorer_vs_reference.py --scorer PATH/TO/scorer.pl \
        [--data DIR] [--random 300] [--seed 0] [--keep DIR]

Prints one line per disagreement (case, metric, field, ours vs the reference), then
``cases=... metrics_compared=... disagreements=...`` (six metrics per case: the five and mention
identification); exits 1 if there is any disagreement.
``--keep DIR`` copies the files of every random case with a disagreement into DIR.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "conll2012_scorer"
METRICS = ("muc", "bcub", "ceafm", "ceafe", "blanc")
FIELDS = ("recall", "precision", "f1")
TOLERANCE = 1e-4
_RPF = re.compile(r"Recall: \((\S+) / (\S+)\) (\S+)%\tPrecision: \((\S+) / (\S+)\) (\S+)%\tF1: (\S+)%")

Span = tuple[int, int]  # first and last token of a mention in its document


# ---------------------------------------------------------------------------------------------
# The two scorers


@dataclass
class Line:
    """One ``Recall: (n / d) r%  Precision: (n / d) p%  F1: f%`` line of the reference."""

    counts: tuple[float, float, float, float]  # recall n, d, precision n, d
    shown: tuple[float, float, float]  # the printed percentages / 100

    @classmethod
    def parse(cls, text: str) -> Line:
        match = _RPF.search(text)
        if match is None:
            raise ValueError(f"no Recall/Precision/F1 figures in {text!r}")
        nr, dr, r, np_, dp, p, f = (float(x) for x in match.groups())
        return cls((nr, dr, np_, dp), (r / 100, p / 100, f / 100))

    def values(self, f1_from_counts: bool) -> tuple[float, float, float]:
        """Recall, precision (n / d) and F1 (from them, or as printed)."""
        nr, dr, np_, dp = self.counts
        r = nr / dr if dr else 0.0
        p = np_ / dp if dp else 0.0
        f = (2 * p * r / (p + r) if p + r else 0.0) if f1_from_counts else self.shown[2]
        return r, p, f


def ours(key: Path, response: Path) -> dict[str, list[float]]:
    """Our scores: {metric: [recall, precision, f1], ...} as ``coref score --json`` prints them."""
    run = subprocess.run([sys.executable, "-m", "trainer", "coref", "score", "--key", str(key),
                          "--response", str(response), "--json"],
                         cwd=REPO, capture_output=True, text=True, check=False)
    if run.returncode:
        raise RuntimeError(f"ours failed: {(run.stderr.strip().splitlines() or ['?'])[-1]}")
    return json.loads(run.stdout)


def reference(scorer: Path, metric: str, key: Path, response: Path) -> dict[str, Line]:
    """The reference's lines for ``metric``: ``mentions`` and ``metric``."""
    run = subprocess.run(["perl", str(scorer), metric, str(key), str(response), "none"],
                         capture_output=True, text=True, check=False)
    lines = run.stdout.splitlines()
    mentions = [x for x in lines if x.startswith("Identification of Mentions: ")]
    final = [x for x in lines if x.startswith("BLANC: " if metric == "blanc" else "Coreference: Recall")]
    if run.returncode or not mentions or not final:
        tail = (run.stderr.strip() or run.stdout.strip()).splitlines() or ["no output"]
        raise RuntimeError(f"reference {metric} failed (exit {run.returncode}): {tail[-1]}")
    return {"mentions": Line.parse(mentions[-1]), metric: Line.parse(final[-1])}


def compare(case: str, key: Path, response: Path, scorer: Path) -> tuple[int, list[str]]:
    """(metrics compared, one line per disagreement) for one key/response pair."""
    try:
        mine = ours(key, response)
        theirs = {name: line for metric in METRICS
                  for name, line in reference(scorer, metric, key, response).items()}
    except (RuntimeError, ValueError) as error:
        return 0, [f"{case} *: {error}"]
    out = []
    for name in (*METRICS, "mentions"):
        line = theirs[name]
        expected = line.values(f1_from_counts=name != "blanc")
        for field, got, want in zip(FIELDS, mine[name], expected):
            if abs(got - want) > TOLERANCE + 1e-9:
                nr, dr, np_, dp = line.counts
                counts = (f"(n/d {nr:g} / {dr:g})" if field == "recall" else
                          f"(n/d {np_:g} / {dp:g})" if field == "precision" else "")
                out.append(f"{case} {name} {field}: ours {got:.4f} reference {want:.4f} {counts}".rstrip())
    return len(METRICS) + 1, out


# ---------------------------------------------------------------------------------------------
# Test files and random cases


def file_cases(data: Path) -> list[tuple[str, Path, Path]]:
    """(case, key, response) for each TC-X.key and TC-X-N.response in ``data``, then each pair
    of ``data/more/reference_scores.json``."""
    cases = []
    for key in sorted(data.glob("TC-*.key")):
        responses = data.glob(f"{key.stem}-*.response")
        for response in sorted(responses, key=lambda p: int(p.stem.rsplit("-", 1)[1])):
            cases.append((response.stem, key, response))
    more = data / "more" / "reference_scores.json"
    if more.is_file():
        for pair in json.loads(more.read_text(encoding="utf-8")):
            cases.append((pair["response"], more.parent / pair["key"], more.parent / pair["response"]))
    return cases


def _sentences(rng: random.Random) -> list[Span]:
    """First and last token of each sentence of a document."""
    bounds, start = [], 0
    for _ in range(rng.randint(1, 4)):
        size = rng.randint(2, 12)
        bounds.append((start, start + size - 1))
        start += size
    return bounds


def _span(rng: random.Random, sentences: list[Span]) -> Span:
    first, last = rng.choice(sentences)
    a = rng.randint(first, last)
    return a, min(last, a + rng.choice((0, 0, 0, 1, 1, 2, 3)))


def _key_chains(rng: random.Random, sentences: list[Span]) -> list[list[Span]]:
    chains: list[list[Span]] = []
    used: set[Span] = set()
    for _ in range(rng.choice((0, 1, 2, 3, 3, 4, 5, 6))):
        chain = []
        for _ in range(rng.choice((1, 1, 2, 2, 3, 4, 5))):
            span = _span(rng, sentences)
            if span not in used:
                used.add(span)
                chain.append(span)
        if chain:
            chains.append(chain)
    mentions = [m for chain in chains for m in chain]
    wide = [(a, b) for a, b in mentions if b > a]
    if wide and rng.random() < 0.4:  # a mention nested in another, in another or a new chain
        a, b = rng.choice(wide)
        inner = rng.choice([(a + 1, b), (a, b - 1), (a + 1, max(a + 1, b - 1))])
        if inner not in used:
            if rng.random() < 0.5:
                chains.append([inner])
            else:
                rng.choice(chains).append(inner)
    if len(chains) > 1 and rng.random() < 0.2:  # identical boundaries in two chains
        source, target = rng.sample(chains, 2)
        target.append(rng.choice(source))
    return chains


def _response_chains(rng: random.Random, key: list[list[Span]], sentences: list[Span]) -> list[list[Span]]:
    chains: list[list[Span]] = []
    for key_chain in key:
        chain = []
        for a, b in key_chain:
            draw = rng.random()
            if draw < 0.15:
                continue  # a key mention missing from the response
            if draw < 0.25:  # other boundaries: a response mention not in the key
                first, last = next(s for s in sentences if s[0] <= a <= s[1])
                a, b = rng.choice([(a, min(last, b + 1)), (max(first, a - 1), b), (a, max(a, b - 1))])
            chain.append((a, b))
        chains.append(chain)
    for _ in range(rng.choice((0, 1, 1, 2, 3))):  # move a mention to another or a new chain
        source = rng.choice(chains) if chains else []
        if source:
            mention = source.pop(rng.randrange(len(source)))
            if rng.random() < 0.3:
                chains.append([mention])
            else:
                rng.choice(chains).append(mention)
    if len(chains) > 1 and rng.random() < 0.2:  # merge two chains
        first, second = rng.sample(range(len(chains)), 2)
        chains[first] += chains[second]
        chains[second] = []
    for _ in range(rng.choice((0, 0, 1, 2, 3))):  # a mention the key does not have
        span = _span(rng, sentences)
        if rng.random() < 0.5 and chains:
            rng.choice(chains).append(span)
        else:
            chains.append([span])
    seen: set[Span] = set()
    for chain in chains:  # no span twice, so that the only repeat is the one made below
        chain[:] = [m for m in chain if not (m in seen or seen.add(m))]
    chains = [c for c in chains if c]
    if len(chains) > 1 and rng.random() < 0.3:  # identical boundaries in two chains
        source, target = rng.sample(chains, 2)
        target.append(rng.choice(source))
    return chains


WORDS = ("the", "patient", "took", "it", "she", "this", "drug", "pain", "dose", "we", "a", "day", ".")


def _document(rng: random.Random, name: str, part: int, sentences: list[Span], chains: list[list[Span]],
              words: list[str]) -> list[str]:
    """CoNLL-2012 lines of one document: name, part, token number, word, coreference."""
    cells: dict[int, list[str]] = {}
    for number, chain in zip(rng.sample(range(100), len(chains)), chains):
        for a, b in chain:
            if a == b:
                cells.setdefault(a, []).append(f"({number})")
            else:
                cells.setdefault(a, []).append(f"({number}")
                cells.setdefault(b, []).append(f"{number})")
    lines = [f"#begin document ({name}); part {part:03d}"]
    for first, last in sentences:
        for token in range(first, last + 1):
            pieces = cells.get(token, [])
            rng.shuffle(pieces)
            cell = "|".join(pieces) or "-"
            lines.append("\t".join((name, str(part), str(token - first), words[token], cell)))
        lines.append("")
    lines.append("#end document")
    return lines


def random_case(rng: random.Random) -> tuple[str, str]:
    """The text of a key file and of a response file, one to three documents each; now and then
    a key document has no response."""
    key_lines: list[str] = []
    response_lines: list[str] = []
    n_docs = rng.randint(1, 3)
    missing = rng.randrange(n_docs) if n_docs > 1 and rng.random() < 0.1 else None
    for d in range(n_docs):
        name, part = f"doc{d}", rng.randint(0, 2)
        sentences = _sentences(rng)
        words = [rng.choice(WORDS) for _ in range(sentences[-1][1] + 1)]
        key = _key_chains(rng, sentences)
        key_lines += _document(rng, name, part, sentences, key, words)
        if d != missing:
            response = _response_chains(rng, key, sentences)
            response_lines += _document(rng, name, part, sentences, response, words)
    return "\n".join(key_lines) + "\n", "\n".join(response_lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scorer", type=Path, required=True, help="the reference scorer.pl (v8.01)")
    parser.add_argument("--data", type=Path, default=DATA,
                        help="folder of TC-X.key and TC-X-N.response files")
    parser.add_argument("--random", type=int, default=300, help="number of random key/response files")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path,
                        help="copy the files of random cases with a disagreement here")
    args = parser.parse_args()
    cases = compared = disagreements = 0

    def check(case: str, key: Path, response: Path) -> bool:
        nonlocal cases, compared, disagreements
        n, lines = compare(case, key, response, args.scorer)
        cases += 1
        compared += n
        disagreements += len(lines)
        for line in lines:
            print(line, flush=True)
        return bool(lines)

    for case, key, response in file_cases(args.data):
        check(case, key, response)
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.random):
            case = f"random-{i}"
            key, response = Path(tmp, f"{case}.key"), Path(tmp, f"{case}.response")
            key_text, response_text = random_case(rng)
            key.write_text(key_text, encoding="utf-8")
            response.write_text(response_text, encoding="utf-8")
            if check(case, key, response) and args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                shutil.copy(key, args.keep)
                shutil.copy(response, args.keep)
    print(f"cases={cases} metrics_compared={compared} disagreements={disagreements}")
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
