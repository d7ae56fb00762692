"""Benchmark: the embedded multi-tag tagger against a spaCy ``ner`` peer on RuDReC, and
(optionally) 5-fold cross-validation on the real RDRS documents.

    python benchmarks/tagger_rudrec.py [--max-minutes 18] [--rdrs-cv] [--encoder embedded|<HF id>]
                                       [--out DIR [--reuse]]

RuDReC reviews are split by review (never by sentence): 10 % held out for testing, 10 % of the
rest as the dev set both systems select their best epoch on. Both are scored by the same code
(entity F1-exact with conlleval semantics on character spans, ``trainer.metrics``) on the test
reviews. Speed is measured the same way for both, in one process on one thread (spaCy's ``ner``
runs on one, and so do the app's model workers): the test reviews'
RuDReC sentences as separate texts (raw text in, spans out; spaCy through ``nlp.pipe`` with
batch 256, ours through ``TaggerPredictor.predict_texts``), after a warm-up pass, in alternating
rounds so that a neighbouring job slows both alike; words are razdel words for both, and the
best and the median round are printed with their ratio. On CPUs with native bfloat16 our
BiLSTM's input products run in bf16 (``RDRS_CPU_BF16=0``: float32 throughout); the tagger line
says which. The peer is spaCy's ``ner`` with the
efficiency config, no vectors, 30 epochs, on CPU. ``--out DIR --reuse`` takes the models already
trained in DIR (a speed-only run; the F1 figures are then those of the reused models).
Data is read from ../shared/data (or $RDRS_SHARED_DATA); nothing of it is written
into the repository.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from rdrs_gui.core import formats  # noqa: E402
from rdrs_gui.core.document import Document  # noqa: E402
from rdrs_gui.core.schema import bundled  # noqa: E402
from trainer import features  # noqa: E402
from trainer.device import configure_threads  # noqa: E402
from trainer.tagger.data import document_sentences, split_documents  # noqa: E402
from trainer.tagger.predict import TaggerPredictor, document_spans, run_model, score  # noqa: E402
from trainer.tagger.train import Progress, train  # noqa: E402

DATA = Path(os.environ.get("RDRS_SHARED_DATA", REPO.parent / "shared" / "data"))
# RDRS paper, Table 13: F1 of model B (XLM-RoBERTa-large multi-tag) on RDRS 1250 and RDRS 2800;
# ADR from the paper's text (1250-review subset). "Negative" = Worse ∪ NegatedADE ∪ ADE-Neg.
PAPER_TABLE13 = {
    "BNE-Pos": (51.2, 50.3), "DiseaseName": (87.6, 88.3), "Indication": (58.8, 62.2),
    "Dosage": (59.6, 63.2), "DrugBrand": (81.5, 83.8), "DrugClass": (89.7, 90.4), "DrugForm": (91.5, 92.4),
    "DrugName": (94.2, 95.0), "Duration": (75.5, 74.7), "Frequency": (63.4, 65.0), "MedMaker": (92.5, 93.8),
    "Route": (58.4, 61.2), "SourceInfoDrug": (66.0, 67.3), "Negative": (52.2, 52.0), "ADR": (61.1, None),
}
NEGATIVE = {"Worse", "NegatedADE", "ADE-Neg"}


def words_in(docs: list[Document]) -> int:
    return sum(len(s) for d in docs for s in document_sentences(d, protect_gold=False))


def print_report(name: str, report: dict, extra: str = "") -> None:
    per_tag = "  ".join(f"{t} {v['f1']:.3f}" for t, v in report["per_tag"].items())
    print(f"{name:<10} micro F1 {report['micro']['f1']:.3f} (P {report['micro']['p']:.3f} R {report['micro']['r']:.3f})"
          f"  macro F1 {report['macro_f1']:.3f}  {extra}")
    print(f"{'':<10} per tag: {per_tag}")


def run_tagger(train_docs, dev_docs, test_docs, out: Path, encoder: str, max_minutes: float, epochs: int,
               seed: int, reuse: bool = False, syntax: str | None = None) -> dict:
    enc = {"kind": "embedded"} if encoder == "embedded" else {"kind": "transformer", "model": encoder}
    if syntax:
        enc["syntax"] = syntax
    options = {"epochs": epochs, "max_minutes": max_minutes, "seed": seed}
    if enc["kind"] == "transformer":
        options["lr"] = 1e-3
    start = time.perf_counter()
    if reuse and (out / "config.json").exists():
        summary = {"epochs_run": "?", "best_epoch": "?", "stopped": "reused"}
    else:
        summary = train(train_docs, dev_docs, bundled("rudrec"), out, encoder=enc, options=options,
                        progress=Progress(out / "train_log.jsonl", echo=False))
    train_s = time.perf_counter() - start
    predictor = TaggerPredictor(out)
    predictor.predict_texts([test_docs[0].text])  # warm-up (lazy loads), as a served model would be
    report = predictor.evaluate(test_docs)
    return {"report": report, "train_s": train_s, "summary": summary, "predictor": predictor}


def inference_profile(predictor: TaggerPredictor, docs: list[Document]) -> dict:
    """Seconds per stage of tagging ``docs``: where inference time goes."""
    t = [time.perf_counter()]
    sents = [document_sentences(d, protect_gold=False) for d in docs]
    flat = [s for doc in sents for s in doc]
    t.append(time.perf_counter())
    config = predictor.model.encoder.config()
    syntax = config.get("syntax", {"backend": "none"})
    if syntax["backend"] != "none":
        features.annotate(flat, features.parser_for(syntax), states=bool(config.get("parser_states")))
    t.append(time.perf_counter())
    items = predictor.model.encoder.featurize(flat)
    t.append(time.perf_counter())
    outputs = run_model(predictor.model, predictor.device, items)
    t.append(time.perf_counter())
    k = 0
    for doc in sents:
        document_spans(doc, outputs[k:k + len(doc)], predictor.tags, predictor.origin)
        k += len(doc)
    t.append(time.perf_counter())
    stages = ["sentences+words (razdel)", "POS+dependency parse", "word features (navec ids, chars, casing)",
              "encoder+BiLSTM+heads", "decode to spans"]
    return {name: t[i + 1] - t[i] for i, name in enumerate(stages)}


def run_spacy(train_docs, dev_docs, test_docs, work: Path, epochs: int, seed: int, reuse: bool = False) -> dict:
    import spacy
    from spacy.cli.init_config import init_config
    from spacy.tokens import DocBin
    from spacy.training.initialize import init_nlp
    from spacy.training.loop import train as spacy_train
    from spacy.util import filter_spans, load_config

    schema = bundled("rudrec")
    nlp = spacy.blank("ru")

    def docbin(docs: list[Document], path: Path) -> None:
        db = DocBin()
        for d in docs:
            sdoc = nlp.make_doc(d.text)
            ents = []
            for span in d.spans:
                label = schema.canonical(sorted(span.labels)[0]) or sorted(span.labels)[0]
                for s, e in span.fragments:
                    ent = sdoc.char_span(s, e, label=label, alignment_mode="expand")
                    if ent is not None:
                        ents.append(ent)
            sdoc.ents = filter_spans(ents)
            db.add(sdoc)
        db.to_disk(path)

    (work / "out").mkdir(parents=True, exist_ok=True)
    docbin(train_docs, work / "train.spacy")
    docbin(dev_docs, work / "dev.spacy")
    config = init_config(lang="ru", pipeline=["ner"], optimize="efficiency", gpu=False)
    (work / "config.cfg").write_text(config.to_str(), encoding="utf-8")
    overrides = {"paths.train": str(work / "train.spacy"), "paths.dev": str(work / "dev.spacy"),
                 "training.max_epochs": epochs, "training.max_steps": 0, "training.patience": 0,
                 "system.seed": seed}
    start = time.perf_counter()
    if not (reuse and (work / "out" / "model-best").is_dir()):
        cfg = load_config(work / "config.cfg", overrides=overrides, interpolate=False)
        log = io.StringIO()
        with contextlib.redirect_stdout(log):
            nlp_trained = init_nlp(cfg, use_gpu=-1)
            spacy_train(nlp_trained, work / "out", use_gpu=-1, stdout=log, stderr=log)
    train_s = time.perf_counter() - start
    best = spacy.load(work / "out" / "model-best")
    predicted = [[_span(ent) for ent in sdoc.ents] for sdoc in best.pipe((d.text for d in test_docs), batch_size=64)]
    tags = [t for t in schema.tag_names if any(schema.canonical(lab) == t for d in train_docs for s in d.spans
                                                 for lab in s.labels)]
    return {"report": score(test_docs, predicted, tags, schema), "train_s": train_s, "nlp": best}


def test_sentences(docs: list[Document]) -> list[str]:
    """The RuDReC sentences of the test reviews (the corpus has one per line), as separate texts."""
    return [line.strip() for d in docs for line in d.text.split("\n") if line.strip()]


def speed_race(predictor: TaggerPredictor, nlp, texts: list[str], rounds: int) -> dict:
    """Words per second of both systems on the same texts, in one process: a warm-up pass each,
    then ``rounds`` alternating timed passes (a neighbour's load hits both alike). Both on one
    thread: spaCy's ``ner`` runs on one, and so do the app's model workers."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _race(predictor, nlp, texts, rounds)
    finally:
        torch.set_num_threads(threads)


def _race(predictor: TaggerPredictor, nlp, texts: list[str], rounds: int) -> dict:
    words = sum(len(s) for t in texts for s in document_sentences(Document("", t), protect_gold=False))
    systems = {"tagger": lambda: predictor.predict_texts(texts),
               "spaCy": lambda: [doc.ents for doc in nlp.pipe(texts, batch_size=256)]}
    seconds: dict[str, list[float]] = {name: [] for name in systems}
    for name, run in systems.items():
        run()
    for _ in range(rounds):
        for name, run in systems.items():
            start = time.perf_counter()
            run()
            seconds[name].append(time.perf_counter() - start)
    out = {"texts": len(texts), "words": words, "rounds": rounds}
    for name, times in seconds.items():
        times.sort()
        out[name] = {"best": words / times[0], "median": words / times[len(times) // 2]}
    return out


def _span(ent):
    from rdrs_gui.core.document import Span

    return Span({ent.label_}, [(ent.start_char, ent.end_char)])


def rdrs_cv(out: Path, folds: int, max_minutes: float, seed: int) -> None:
    """5-fold CV on the real RDRS documents: per-tag F1 pooled over folds, beside Table 13."""
    docs = formats.read(DATA / "rdrs" / "med_demo_example.json", "rdrs-json").documents
    schema = bundled("rdrs")
    order = list(range(len(docs)))
    import random

    random.Random(seed).shuffle(order)
    gold_all, pred_all = [], []
    start = time.perf_counter()
    for k in range(folds):
        test_idx = set(order[k::folds])
        test = [docs[i] for i in sorted(test_idx)]
        rest = [docs[i] for i in order if i not in test_idx]
        tr, dev = split_documents(rest, 0.1, seed + k)
        fold_dir = out / f"rdrs_fold{k}"
        train(tr, dev, schema, fold_dir, options={"epochs": 60, "patience": 10, "max_minutes": max_minutes,
                                                   "seed": seed}, progress=Progress(fold_dir / "train_log.jsonl", echo=False))
        predictor = TaggerPredictor(fold_dir)
        gold_all += test
        pred_all += predictor.predict_texts([d.text for d in test])
        print(f"  fold {k + 1}/{folds} done ({time.perf_counter() - start:.0f} s)", flush=True)
    tags = [t for t in schema.tag_names if any(schema.canonical(lab) == t for d in docs for s in d.spans
                                                 for lab in s.labels)]
    report = score(gold_all, pred_all, tags, schema)
    # "Negative" of Table 13: the three negative-outcome tags as one.
    neg_gold = [Document(d.name, d.text, spans=[s for s in d.spans if s.labels & NEGATIVE]) for d in gold_all]
    for d in neg_gold:
        for s in d.spans:
            s.labels = {"Negative"}
    neg_pred = [[type(s)({"Negative"}, s.fragments) for s in spans if s.labels & NEGATIVE] for spans in pred_all]
    negative = score(neg_gold, neg_pred, ["Negative"], schema.extended(["Negative"]))["per_tag"]["Negative"]
    counts = Counter(schema.canonical(lab) for d in docs for s in d.spans for lab in s.labels)
    print(f"\nRDRS, {len(docs)} documents, {folds}-fold CV (pooled), embedded tagger, {time.perf_counter() - start:.0f} s")
    print(f"{'tag':<16}{'support':>8}{'F1 (ours)':>11}{'paper 1250':>12}{'paper 2800':>12}")
    rows = list(report["per_tag"].items()) + [("Negative", negative)]
    for tag, row in rows:
        paper = PAPER_TABLE13.get(tag, (None, None))
        fmt = lambda v: f"{v:12.1f}" if v is not None else f"{'-':>12}"  # noqa: E731
        support = counts.get(tag, row["support"]) if tag != "Negative" else row["support"]
        print(f"{tag:<16}{support:>8}{row['f1'] * 100:11.1f}{fmt(paper[0])}{fmt(paper[1])}")
    print(f"{'micro':<16}{'':>8}{report['micro']['f1'] * 100:11.1f}   macro {report['macro_f1'] * 100:.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", default="embedded")
    parser.add_argument("--syntax", help="POS/dependency features of the tagger: auto (default), natasha, stanza, none")
    parser.add_argument("--max-minutes", type=float, default=18.0, help="training time budget of the tagger")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--spacy-epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--skip-spacy", action="store_true")
    parser.add_argument("--rdrs-cv", action="store_true", help="also run 5-fold CV on the 49 RDRS documents")
    parser.add_argument("--cv-only", action="store_true", help="only the RDRS cross-validation")
    parser.add_argument("--cv-max-minutes", type=float, default=4.0, help="time budget per CV fold")
    parser.add_argument("--out", type=Path, help="work folder (default: a temporary one)")
    parser.add_argument("--reuse", action="store_true",
                        help="with --out: take the tagger and spaCy models already trained there (speed-only runs)")
    parser.add_argument("--speed-rounds", type=int, default=7, help="alternating timed passes of each system")
    args = parser.parse_args()
    configure_threads()
    path = DATA / "rudrec" / "rudrec_train.jsonl"
    if not path.exists():
        print(f"RuDReC not found at {path}; set RDRS_SHARED_DATA", file=sys.stderr)
        return 2
    with contextlib.ExitStack() as stack:
        out = args.out or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tagger_bench_")))
        out.mkdir(parents=True, exist_ok=True)
        if not args.cv_only:
            docs = formats.read(path, "rudrec").documents
            rest, test = split_documents(docs, 0.1, args.seed)
            train_docs, dev_docs = split_documents(rest, 0.1, args.seed + 1)
            print(f"RuDReC: {len(docs)} reviews -> train {len(train_docs)}, dev {len(dev_docs)}, "
                  f"test {len(test)} ({words_in(test)} words); split by review, seed {args.seed}", flush=True)
            ours = run_tagger(train_docs, dev_docs, test, out / "rudrec_tagger", args.encoder, args.max_minutes,
                              args.epochs, args.seed, args.reuse, args.syntax)
            s = ours["summary"]
            print_report("tagger", ours["report"],
                         f"train {ours['train_s'] / 60:.1f} min ({s['epochs_run']} epochs, best {s['best_epoch']}, "
                         f"stopped: {s['stopped']}), {ours['report']['tokens_per_s']:.0f} words/s "
                         f"[{ours['predictor'].device.name}"
                         f"{', BiLSTM input products in bf16' if ours['predictor'].info()['bf16_inputs'] else ''}]")
            profile = inference_profile(ours["predictor"], test)
            total = sum(profile.values())
            print(f"{'':<10} inference time: " + ", ".join(f"{k} {v / total:.0%}" for k, v in profile.items()))
            print(f"{'':<10} partial-overlap micro F1 {ours['report']['partial']['micro']['f1']:.3f}", flush=True)
            if not args.skip_spacy:
                peer = run_spacy(train_docs, dev_docs, test, out / "spacy", args.spacy_epochs, args.seed, args.reuse)
                print_report("spaCy", peer["report"], f"train {peer['train_s'] / 60:.1f} min")
                gap = ours["report"]["macro_f1"] - peer["report"]["macro_f1"]
                race = speed_race(ours["predictor"], peer["nlp"], test_sentences(test), args.speed_rounds)
                print(f"speed on the {race['texts']} test sentences ({race['words']} words), one process, one thread, "
                      f"after a warm-up, {race['rounds']} alternating rounds: "
                      f"tagger {race['tagger']['best']:.0f} words/s (median {race['tagger']['median']:.0f}), "
                      f"spaCy {race['spaCy']['best']:.0f} words/s "
                      f"(median {race['spaCy']['median']:.0f})")
                best = race["tagger"]["best"] / race["spaCy"]["best"]
                median = race["tagger"]["median"] / race["spaCy"]["median"]
                print(f"tagger - spaCy: macro F1 {gap * 100:+.1f} points, speed x{best:.2f} (medians x{median:.2f})")
            print("published anchor (RuDR-BERT, RuDReC): macro F1 0.7485", flush=True)
            json.dumps(ours["report"])  # the report is plain JSON, as `eval --json` prints it
        if args.rdrs_cv or args.cv_only:
            rdrs_cv(out, 5, args.cv_max_minutes, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
