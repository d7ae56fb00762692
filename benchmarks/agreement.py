"""Team annotation speed: agreement and bulk auto-merge on a real SQLite file.

1. The 49 RDRS documents (/work/shared/data/rdrs: med_demo_example.json and
   relation_extraction_inference_data.json) as annotator A, and a perturbed copy as annotator B
   (seeded: a tenth of the spans dropped, a tenth with a boundary moved, a twentieth relabelled,
   one spurious span per twenty).
2. 10,000 synthetic reviews x 3 annotators (about 15 spans each, stacked and discontinuous ones
   among them, each annotator a different perturbation of one truth).

Agreement time = reading every annotator's done layer from the database + computing all pairs,
all flags, per tag, chains and attributes (``rdrs agreement``). Auto-merge time = ``rdrs curate
--auto`` (read, merge, write every document's curated layer in one transaction).

    python benchmarks/agreement.py [--synthetic 10000] [--data /work/shared/data]

Targets: agreement on 49 documents < 1 s, on 10,000 x 3 < 30 s; auto-merge of 10,000 < 60 s.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rdrs_gui.core import formats  # noqa: E402
from rdrs_gui.core.agreement import agreement  # noqa: E402
from rdrs_gui.core.document import DOC_DONE, Chain, Document, Mention, Span  # noqa: E402
from rdrs_gui.core.store import Store  # noqa: E402
from rdrs_gui.core.team import curate_all  # noqa: E402

TAGS = ["ADR", "Drugname", "DrugBrand", "Drugform", "Indication", "Dosage", "Route", "Frequency"]


def perturb(doc: Document, rng: random.Random, rate: float = 0.1) -> Document:
    """Another annotator's version of ``doc``: some spans dropped, moved, relabelled, added."""
    n = len(doc.text)
    spans = []
    for s in doc.spans:
        r = rng.random()
        if r < rate:
            continue
        frags = list(s.fragments)
        labels = set(s.labels)
        if r < 2 * rate:
            start, end = frags[-1]
            frags[-1] = (start, max(start + 1, min(n, end + rng.choice((-2, -1, 1, 2)))))
            if len(frags) > 1 and frags[-1][0] < frags[-2][1]:
                frags = frags[:-1]
        elif r < 2.5 * rate:
            labels = {rng.choice(TAGS)}
        spans.append(Span(labels, frags, dict(s.attrs)))
    if rng.random() < rate * 5 and n > 10:
        start = rng.randrange(0, n - 5)
        spans.append(Span({rng.choice(TAGS)}, [(start, start + rng.randint(1, 4))]))
    chains = [Chain([Mention(m.fragments) for m in c.mentions if rng.random() > rate / 2] or
                    [Mention(c.mentions[0].fragments)], c.label) for c in doc.chains]
    return Document(doc.name, doc.text, dict(doc.meta), spans, chains, status=DOC_DONE)


def synthetic(i: int, rng: random.Random) -> Document:
    words = [rng.choice(("таблетки", "помогли", "голова", "болела", "нурофен", "сыпь", "после", "дня"))
             for _ in range(70)]
    text = " ".join(words)
    starts = [0]
    for w in words[:-1]:
        starts.append(starts[-1] + len(w) + 1)
    spans = []
    for k in range(0, 70, 5):
        a = starts[k]
        b = a + len(words[k])
        tags = {rng.choice(TAGS)} if rng.random() > 0.1 else set(rng.sample(TAGS, 2))   # a tenth stacked
        frags = [(a, b)]
        if rng.random() < 0.05 and k + 2 < 70:                                          # discontinuous
            frags.append((starts[k + 2], starts[k + 2] + len(words[k + 2])))
        spans.append(Span(tags, frags))
    chain = Chain([Mention([(starts[k], starts[k] + len(words[k]))]) for k in (1, 21, 41)])
    return Document(f"syn{i:05d}", text, spans=spans, chains=[chain], status=DOC_DONE)


CPU: dict[str, float] = {}    # CPU seconds of this process per phase (the wall clock suffers on a shared machine)


def timed(fn, name: str):  # noqa: ANN001, ANN201
    start, cpu = time.perf_counter(), time.process_time()
    out = fn()
    CPU[name] = time.process_time() - cpu
    return out, time.perf_counter() - start


def run(db: Path, truth: list[Document], annotators: int, rng: random.Random) -> tuple[float, float, float, dict]:
    names = [chr(ord("A") + i) for i in range(annotators)]
    with Store.open(db) as store:
        for k, name in enumerate(names):
            versions = [perturb(d, rng) if k else Document(d.name, d.text, dict(d.meta), d.spans, d.chains,
                                                            status=DOC_DONE) for d in truth]
            store.import_documents(versions, annotator=name)
        layers, read_s = timed(lambda: store.done_layers(names), "read")
        result, compute_s = timed(lambda: agreement(layers, names), "compute")
        merged, merge_s = timed(lambda: curate_all(store, "default"), "merge")
    assert len(merged["documents"]) == len(truth), merged["skipped"]
    return read_s, compute_s, merge_s, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--synthetic", type=int, default=10_000)
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    args = parser.parse_args()
    rng = random.Random(7)
    rdrs = [d for name in ("med_demo_example.json", "relation_extraction_inference_data.json")
            for d in formats.read(args.data / "rdrs" / name, "rdrs-json").documents]
    with tempfile.TemporaryDirectory() as tmp:
        read_s, compute_s, merge_s, result = run(Path(tmp) / "rdrs.sqlite", rdrs, 2, rng)
        rdrs_s = read_s + compute_s
        rdrs_cpu = CPU["read"] + CPU["compute"]
        pair = result["pairs"][0]
        print(f"rdrs: {pair['documents']} documents x 2 annotators: agreement {read_s + compute_s:.3f} s "
              f"(read {read_s:.3f} s, compute {compute_s:.3f} s); auto-merge {merge_s:.3f} s; "
              f"strict/strict {pair['span_strict_tag_strict']:.3f}, intersection/ignored "
              f"{pair['span_intersection_tag_ignored']:.3f}; CPU: agreement {rdrs_cpu:.3f} s, "
              f"merge {CPU['merge']:.3f} s")
        docs = [synthetic(i, rng) for i in range(args.synthetic)]
        read_s, compute_s, merge_s, result = run(Path(tmp) / "synthetic.sqlite", docs, 3, rng)
        print(f"synthetic: {args.synthetic} documents x 3 annotators: agreement {read_s + compute_s:.2f} s "
              f"(read {read_s:.2f} s, compute {compute_s:.2f} s); auto-merge {merge_s:.2f} s; "
              f"average strict/strict {result['average']['span_strict_tag_strict']:.3f}; CPU: agreement "
              f"{CPU['read'] + CPU['compute']:.2f} s (read {CPU['read']:.2f}, compute {CPU['compute']:.2f}), merge "
              f"{CPU['merge']:.2f} s")
    print(f"rdrs_agreement_s={rdrs_s:.3f} synthetic_agreement_s={read_s + compute_s:.2f} "
          f"synthetic_merge_s={merge_s:.2f} (wall clock; targets: < 1, < 30, < 60)")


if __name__ == "__main__":
    main()
