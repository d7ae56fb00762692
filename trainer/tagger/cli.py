"""``python -m trainer tagger train|eval|predict``.

    train   --train FILE [--dev FILE] --format F --encoder embedded|<HF id or dir> --out DIR
            [--epochs N] [--max-minutes M] [--seed S] [--schema NAME|FILE] [--head crf|softmax] [--device D]
            [--word-vectors news|hudlit]
    eval    --model DIR --gold FILE --format F [--json]
    predict --model DIR --in FILE --format F --out FILE.jsonl

Files are read through the format registry (``rdrs_gui.core.formats``); suggestions are written
in the native JSON-lines format. Progress of ``train`` goes to stdout as JSON lines; errors the
user can act on go to stderr as one line, exit status 1.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from rdrs_gui.core import formats
from rdrs_gui.core.errors import RdrsError
from rdrs_gui.core.schema import Schema

from .. import word_vectors
from ..device import configure_threads


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m trainer tagger", description="Multi-tag entity tagger")
    sub = parser.add_subparsers(dest="command", required=True)
    names = formats.names()

    t = sub.add_parser("train", help="train a tagger and write a model bundle")
    t.add_argument("--train", required=True, type=Path)
    t.add_argument("--dev", type=Path, help="dev set; without it 10%% of the training documents are held out")
    t.add_argument("--format", choices=names, help="input format (detected when omitted)")
    t.add_argument("--encoder", default="embedded", help="'embedded' or a Hugging Face model id / directory")
    t.add_argument("--out", required=True, type=Path)
    t.add_argument("--epochs", type=int, default=40)
    t.add_argument("--max-minutes", type=float, help="stop training after this many minutes")
    t.add_argument("--patience", type=int, default=6, help="epochs without dev improvement before stopping")
    t.add_argument("--seed", type=int, default=13)
    t.add_argument("--schema", help="tag schema (bundled name or file); guessed from the labels when omitted")
    t.add_argument("--head", choices=["crf", "softmax"], default="crf", help="output layer of each tag (default crf)")
    t.add_argument("--select", choices=["macro", "micro"], default="macro", help="dev F1 that picks the best epoch")
    t.add_argument("--lr", type=float, help="learning rate (default 2e-3 embedded, 1e-3 transformer head)")
    t.add_argument("--syntax", default=None, help="POS/dependency features: auto, natasha, stanza or none")
    t.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    t.add_argument("--word-vectors", default="news",
                   help="navec table of the embedded encoder: 'news' (default) or 'hudlit' (see README)")

    e = sub.add_parser("eval", help="score a model on gold documents")
    e.add_argument("--model", required=True, type=Path)
    e.add_argument("--gold", required=True, type=Path)
    e.add_argument("--format", choices=names)
    e.add_argument("--json", action="store_true", help="print one JSON object")
    e.add_argument("--device", default="auto")

    p = sub.add_parser("predict", help="write suggestions for documents")
    p.add_argument("--model", required=True, type=Path)
    p.add_argument("--in", dest="inp", required=True, type=Path)
    p.add_argument("--format", choices=names)
    p.add_argument("--out", required=True, type=Path)
    p.add_argument("--device", default="auto")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    configure_threads()
    try:
        return {"train": _train, "eval": _eval, "predict": _predict}[args.command](args)
    except (RdrsError, ValueError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _documents(path: Path, fmt: str | None) -> list:
    result = formats.read(path, fmt)
    for warning in result.warnings:
        print(f"warning: {path}: {warning}", file=sys.stderr)
    if not result.documents:
        raise RdrsError(f"{path}: no documents")
    return result.documents


def _train(args: argparse.Namespace) -> int:
    from .data import guess_schema, split_documents
    from .train import train

    train_docs = _documents(args.train, args.format)
    if args.dev is not None:
        dev_docs = _documents(args.dev, args.format)
    else:
        train_docs, dev_docs = split_documents(train_docs, 0.1, args.seed)
    labels = {lab for d in train_docs for s in d.spans for lab in s.labels}
    schema = Schema.load(args.schema) if args.schema else guess_schema(labels)
    encoder: dict = {"kind": "embedded"} if args.encoder == "embedded" else {"kind": "transformer", "model": args.encoder}
    if args.syntax:
        encoder["syntax"] = args.syntax
    if encoder["kind"] == "embedded":
        encoder["word_vectors"] = "navec:" + word_vectors.resolve(args.word_vectors)
    options = {"epochs": args.epochs, "max_minutes": args.max_minutes, "patience": args.patience,
               "seed": args.seed, "select": args.select, "device": args.device}
    if args.lr:
        options["lr"] = args.lr
    elif encoder["kind"] == "transformer":
        options["lr"] = 1e-3
    summary = train(train_docs, dev_docs, schema, args.out, encoder=encoder, head={"crf": args.head == "crf"}, options=options)
    return 0 if summary["best_epoch"] else 1


def _eval(args: argparse.Namespace) -> int:
    from .predict import TaggerPredictor

    predictor = TaggerPredictor(args.model, device=args.device)
    report = predictor.evaluate(_documents(args.gold, args.format))
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return 0
    print(f"{'tag':<16}{'P':>8}{'R':>8}{'F1':>8}{'support':>9}")
    for tag, row in report["per_tag"].items():
        print(f"{tag:<16}{row['p']:8.3f}{row['r']:8.3f}{row['f1']:8.3f}{row['support']:9d}")
    micro = report["micro"]
    print(f"{'micro':<16}{micro['p']:8.3f}{micro['r']:8.3f}{micro['f1']:8.3f}")
    print(f"macro F1 {report['macro_f1']:.3f}   partial micro F1 {report['partial']['micro']['f1']:.3f}   "
          f"{report['tokens_per_s']} words/s")
    return 0


def _predict(args: argparse.Namespace) -> int:
    from .predict import TaggerPredictor

    predictor = TaggerPredictor(args.model, device=args.device)
    docs = predictor.predict(_documents(args.inp, args.format))
    formats.get("jsonl").write(docs, args.out)
    print(json.dumps({"documents": len(docs), "spans": sum(len(d.spans) for d in docs), "out": str(args.out)}))
    return 0
