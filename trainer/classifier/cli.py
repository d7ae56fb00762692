"""``python -m trainer classifier {train,eval,predict}``: the ADR text classifier.

    train   --train TSV|JSONL [--dev TSV|JSONL] --encoder embedded|<HF id or dir> --out DIR
            [--max-minutes M] [--epochs N] [--members K] [--word-vectors auto|news|hudlit]
            [--no-char-cnn] [--no-dependency-features] [--no-wide-ngrams]
    eval    --model DIR --gold TSV|JSONL [--threshold T] [--json]
    predict --model DIR --input TSV|JSONL [--output JSONL]

Input: ``id<TAB>text<TAB>label`` (RuADReCT; header optional) or JSON lines with ``text`` and
``label`` (top level or in ``meta``); prediction accepts files without labels.
"""
from __future__ import annotations

import argparse
import json
import sys

from rdrs_gui.core.errors import RdrsError
from rdrs_gui.core.textio import atomic_write_text

from .. import word_vectors


def _train(args: argparse.Namespace) -> int:
    from .data import read_examples
    from .train import train

    head = {"word_vectors": word_vectors.resolve(args.word_vectors)}
    if args.word_vectors == "auto" and head["word_vectors"] == word_vectors.NEWS:
        print("note: training on natasha's news word vectors; `python -m trainer vectors fetch hudlit` "
              "installs the fiction-trained ones, about 4 F1 points better on tweets", file=sys.stderr)
    if args.members is not None:
        head["members"] = args.members
    if args.no_char_cnn:
        head["char_cnn"] = False
    if args.no_dependency_features:
        head.update(dep_pairs=False, syntax_features=False)
    if args.no_wide_ngrams:
        head["wide"] = False
    options = {"device": args.device, "seed": args.seed}
    if args.max_minutes is not None:
        options["max_minutes"] = args.max_minutes
    if args.epochs is not None:
        options["epochs"] = args.epochs
    dev = read_examples(args.dev) if args.dev else None
    summary = train(read_examples(args.train), dev, args.out, encoder=args.encoder, head=head, options=options)
    return 0 if summary["best_epoch"] else 1


def _eval(args: argparse.Namespace) -> int:
    from .data import read_examples
    from .predict import ClassifierPredictor

    predictor = ClassifierPredictor(args.model, device=args.device, threshold=args.threshold)
    report = predictor.evaluate(read_examples(args.gold))
    if args.json:
        print(json.dumps(report))
    else:
        print(f"ADR class: P {report['p']:.4f}  R {report['r']:.4f}  F1 {report['f1']:.4f}  "
              f"(threshold {report['threshold']:.4f}, average precision {report['ap']:.4f}, "
              f"{report['texts']} texts, {report['positives']} ADR)")
    return 0


def _predict(args: argparse.Namespace) -> int:
    from .data import read_examples
    from .predict import ClassifierPredictor

    predictor = ClassifierPredictor(args.model, device=args.device, threshold=args.threshold)
    examples = read_examples(args.input, require_labels=False)
    scores = predictor.predict_texts([e.text for e in examples])
    lines = [json.dumps({"id": e.id, "adr_prob": round(s.prob, 6), "adr": bool(s.label),
                         "top_sentence": s.top_sentence}, ensure_ascii=False) for e, s in zip(examples, scores)]
    text = "\n".join(lines) + "\n"
    if args.output:
        atomic_write_text(args.output, text)
    else:
        sys.stdout.write(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m trainer classifier", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train a classifier bundle")
    p.add_argument("--train", required=True, help="labelled TSV or JSONL")
    p.add_argument("--dev", help="labelled TSV or JSONL for early stopping and the threshold "
                                 "(default: 10 %% of --train, stratified)")
    p.add_argument("--encoder", default="embedded", help="'embedded' or a Hugging Face id / local directory")
    p.add_argument("--out", required=True, help="bundle directory to write")
    p.add_argument("--max-minutes", type=float, help="time budget, featurizing included")
    p.add_argument("--epochs", type=int)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--members", type=int, help="networks averaged in the model (default: 3 embedded, 1 transformer)")
    p.add_argument("--word-vectors", default="auto",
                   help="navec table: 'hudlit' (fiction, `python -m trainer vectors fetch`), 'news' "
                        "(natasha's) or a navec file name; default 'auto': hudlit where installed")
    p.add_argument("--no-char-cnn", action="store_true", help="ablation: no character CNN")
    p.add_argument("--no-dependency-features", action="store_true",
                   help="ablation: no dependency pairs and no POS/relation features")
    p.add_argument("--no-wide-ngrams", action="store_true",
                   help="ablation: no hashed word/char n-gram logit beside the network")
    p.set_defaults(run=_train)

    p = sub.add_parser("eval", help="P/R/F1 of the ADR class on a labelled file")
    p.add_argument("--model", required=True)
    p.add_argument("--gold", required=True)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=_eval)

    p = sub.add_parser("predict", help="ADR probability, decision and top sentence per text (JSON lines)")
    p.add_argument("--model", required=True)
    p.add_argument("--input", required=True)
    p.add_argument("--output", help="JSONL file to write (default: stdout)")
    p.set_defaults(run=_predict)

    for name in ("eval", "predict"):
        sub.choices[name].add_argument("--threshold", type=float,
                                       help="decision threshold (default: the one tuned on dev, from the bundle)")
    for choice in sub.choices.values():
        choice.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (RdrsError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
