"""``python -m trainer coref {train,eval,predict,score}``.

    train   --train FILE_OR_DIR [--format F] [--encoder embedded|HF_ID_OR_DIR] --out DIR
            [--init BUNDLE] [--dev FILE_OR_DIR] [--max-minutes M] [--epochs N] [--patience N] [--lr X]
            [--option key=value ...]
            progress as JSON lines on stdout; SIGTERM stops and keeps the best epoch
    eval    --model DIR --gold FILE_OR_DIR [--format F] [--json]
    predict --model DIR --in FILE_OR_DIR [--format F] --out FILE.jsonl
    score   --key FILE --response FILE [--json]          (CoNLL-2012 files; a mention is its
            token positions, as in the reference scorer v8.01, so the words may differ)

Formats: ``rucoco``, ``rdrs-json``, ``conll2012``, ``jsonl`` (the app's training snapshots) or any
other format rdrs-gui reads; detected from the file when ``--format`` is omitted. Training and
scoring use the human chains only (gold or accepted). ``rdrs train --kind coref`` runs ``train``
on the app's JSONL snapshots; its progress events and metrics.json: ``trainer.coref.train``.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time

from rdrs_gui.core.errors import RdrsError

from trainer.coref.data import FORMATS


def _score(args: argparse.Namespace) -> int:
    from trainer.coref import conll2012
    from trainer.coref.score import as_json, score_conll

    scores, warnings = score_conll(conll2012.read_tokens(args.key), conll2012.read_tokens(args.response))
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    _print_scores(as_json(scores), args.json)
    return 0


def _print_scores(out: dict, as_json_line: bool) -> None:
    if as_json_line:
        print(json.dumps(out))
        return
    for name in ("mentions", "muc", "bcub", "ceafm", "ceafe", "blanc"):
        r, p, f = out[name]
        print(f"{name:8s} R {100 * r:6.2f}  P {100 * p:6.2f}  F1 {100 * f:6.2f}")
    print(f"average F1 (MUC, B3, CEAF-e): {100 * out['avg_f1']:.2f}")


def _options(pairs: list[str]) -> dict:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise ValueError(f"--option {pair!r}: expected key=value")
        try:
            out[key] = json.loads(value)
        except json.JSONDecodeError:
            out[key] = value
    return out


def _train(args: argparse.Namespace) -> int:
    from trainer.coref.data import load_documents
    from trainer.coref.train import train
    from trainer.engine import StopFlag

    docs = load_documents(args.train, args.format)
    if args.dev:
        dev = load_documents(args.dev, args.dev_format or args.format)
    else:
        docs = list(docs)
        random.Random(args.seed).shuffle(docs)
        n_dev = min(args.dev_max, int(round(len(docs) * args.dev_fraction))) if len(docs) > 1 else 0
        dev, docs = docs[:n_dev], docs[n_dev:]
    options = {**_options(args.option), "seed": args.seed}
    for key in ("epochs", "patience", "lr"):
        if getattr(args, key) is not None:
            options[key] = getattr(args, key)

    def emit(event: dict) -> None:
        print(json.dumps(event, ensure_ascii=False), flush=True)

    encoder = json.loads(args.encoder) if args.encoder.lstrip().startswith("{") else args.encoder
    with StopFlag() as flag:
        metrics = train(docs, dev, encoder, args.out, max_minutes=args.max_minutes, options=options,
                        device=args.device, on_event=emit, should_stop=flag, init=args.init)
    return 0 if metrics["best_epoch"] else 1


def _eval(args: argparse.Namespace) -> int:
    from trainer.coref.data import load_documents
    from trainer.coref.predict import CorefPredictor
    from trainer.coref.score import as_json, partition
    from trainer.metrics import coref_scores

    gold = load_documents(args.gold, args.format)
    predictor = CorefPredictor(args.model, device=args.device)
    keys = [partition(d) for d in gold]
    start = time.perf_counter()
    predicted = predictor.predict(gold)
    seconds = time.perf_counter() - start
    out = as_json(coref_scores(zip(keys, (partition(d) for d in predicted))))
    out["docs_per_second"] = len(gold) / seconds if seconds else None
    _print_scores(out, args.json)
    return 0


def _predict(args: argparse.Namespace) -> int:
    from rdrs_gui.core import formats

    from trainer.coref.data import load_documents
    from trainer.coref.predict import CorefPredictor

    docs = load_documents(args.inp, args.format)
    CorefPredictor(args.model, device=args.device).predict(docs)
    formats.get("jsonl").write(docs, args.out)
    print(json.dumps({"event": "done", "documents": len(docs),
                      "chains": sum(len(d.chains) for d in docs)}))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m trainer coref", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train a coreference model bundle")
    p.add_argument("--train", required=True, help="training file or folder")
    p.add_argument("--format", help=f"{', '.join(FORMATS)}, jsonl (formats with chains); detected when omitted")
    p.add_argument("--encoder", default="embedded", help="'embedded', a Hugging Face id / local dir, or an encoder config as JSON")
    p.add_argument("--out", required=True, help="bundle directory to write")
    p.add_argument("--init", help="continue from this coreference bundle (fine-tuning)")
    p.add_argument("--dev", help="held-out documents (default: a part of --train)")
    p.add_argument("--dev-format", help="format of --dev (default: --format)")
    p.add_argument("--dev-fraction", type=float, default=0.1)
    p.add_argument("--dev-max", type=int, default=150, help="at most this many held-out documents")
    p.add_argument("--max-minutes", type=float, help="wall-clock budget; the best epoch so far is kept")
    p.add_argument("--epochs", type=int, help="at most this many epochs (default 20)")
    p.add_argument("--patience", type=int,
                   help="epochs without a better dev average F1 before stopping (default 6)")
    p.add_argument("--lr", type=float, help="learning rate (default 1e-3)")
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--device", default="auto")
    p.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                   help="model or training setting, e.g. max_span_width=10 (repeatable)")
    p.set_defaults(run=_train)

    p = sub.add_parser("eval", help="score a bundle's chains against gold documents")
    p.add_argument("--model", required=True)
    p.add_argument("--gold", required=True)
    p.add_argument("--format", help="detected from the file when omitted")
    p.add_argument("--device", default="auto")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=_eval)

    p = sub.add_parser("predict", help="suggest chains for documents, written as JSON lines")
    p.add_argument("--model", required=True)
    p.add_argument("--in", dest="inp", required=True)
    p.add_argument("--format", help="detected from the file when omitted")
    p.add_argument("--out", required=True, help="output .jsonl file")
    p.add_argument("--device", default="auto")
    p.set_defaults(run=_predict)

    p = sub.add_parser("score", help="score a CoNLL-2012 response file against a key file "
                                     "(mentions matched by token position)")
    p.add_argument("--key", required=True)
    p.add_argument("--response", required=True)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=_score)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (RdrsError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
