"""The normalisation commands of ``rdrs``: terminologies, grouping, code suggestions.

    rdrs terminology import --kind meddra DIR | --kind icd10|atc FILE.csv
    rdrs terminology list [--json]
    rdrs normalise group --tag TAG [--threshold 0.8] [--json]
    rdrs normalise suggest --tag TAG [--all] [--top 5] [--json]
    rdrs normalise eval --train CSV --test CSV [--json]

The store is imported in the commands that open it, not with this module (see ``rdrs_gui.cli``).
"""
from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from .core import terminology
from .core.errors import RdrsError
from .core.normalise import grouping, mednorm

if TYPE_CHECKING:
    from .core.store import Store


def add_commands(sub: argparse._SubParsersAction) -> None:
    term = sub.add_parser("terminology", help="import or list terminologies for coding (MedDRA, ICD-10, ATC)")
    term_sub = term.add_subparsers(dest="action", required=True, metavar="ACTION")
    imp = term_sub.add_parser("import", help="replace a terminology with a MedDRA ASCII release folder or a "
                                             "code,name[,parent] CSV (one transaction)")
    imp.add_argument("--kind", required=True, choices=terminology.KINDS)
    imp.add_argument("path", metavar="DIR_OR_CSV")
    imp.set_defaults(func=_import_terms)
    lst = term_sub.add_parser("list", help="number of terms per loaded terminology")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=_list_terms)

    norm = sub.add_parser("normalise", help="group mentions and evaluate code suggestions")
    norm_sub = norm.add_subparsers(dest="action", required=True, metavar="ACTION")
    grp = norm_sub.add_parser("group", help="group a tag's mentions over the project (Ratcliff/Obershelp, mean "
                                            "similarity above the threshold)")
    grp.add_argument("--tag", required=True)
    grp.add_argument("--threshold", type=float, default=grouping.THRESHOLD,
                     help="mean similarity a mention needs to join a group (default: %(default)s)")
    grp.add_argument("--annotator", help="this annotator's layer over the shared one")
    grp.add_argument("--json", action="store_true",
                     help='[{"name", "size", "codes", "members": [{"text", "document", "span"}]}]')
    grp.set_defaults(func=_group)
    sug = norm_sub.add_parser("suggest", help="top codes with scores for a tag's mentions, learnt from the "
                                              "project's coded mentions and the loaded terminology")
    sug.add_argument("--tag", required=True)
    sug.add_argument("--all", action="store_true", help="also mentions that already have a code")
    sug.add_argument("--top", type=int, default=5)
    sug.add_argument("--json", action="store_true",
                     help='[{"document", "span", "text", "code", "suggestions": [{"code", "score"}]}]')
    sug.set_defaults(func=_suggest)
    ev = norm_sub.add_parser("eval", help="learn codes from one CSV of coded mentions (mention,tag,pt code,"
                                          "fold id) and score the suggestions on another")
    ev.add_argument("--train", required=True, metavar="CSV")
    ev.add_argument("--test", required=True, metavar="CSV")
    ev.add_argument("--json", action="store_true", help='{"acc1", "acc5", "n"}')
    ev.set_defaults(func=_eval)


def _import_terms(args: argparse.Namespace) -> int:
    from .core.store import Store
    terms = terminology.read(args.kind, args.path)       # checked in full before the database is touched
    with Store.open(args.db) as store:
        count = store.import_terms(args.kind, terms)
    levels = sorted({t.level for t in terms if t.level})
    print(f"imported {count} {args.kind} terms" + (f" ({', '.join(levels)})" if levels else ""))
    return 0


def _list_terms(args: argparse.Namespace) -> int:
    from .core.store import Store
    with Store.open(args.db, existing=True) as store:
        counts = store.term_counts()
    if args.json:
        print(json.dumps(counts))
    else:
        for kind in terminology.KINDS:
            print(f"{kind}\t{counts.get(kind, 0)}")
    return 0


def mention_groups(store: Store, tag: str, threshold: float, project: str, annotator: str | None = None
                   ) -> list[grouping.Group[tuple[int, str, str, str]]]:
    """Groups of the project's human mentions of ``tag``; each item is (document id, document
    name, span id, the span's code attributes joined)."""
    mentions = []
    ids = store.document_ids(project=project, annotator=annotator)
    for doc_id, doc in zip(ids, store.iter_documents(ids=ids, project=project, annotator=annotator)):
        for span in sorted(doc.spans, key=lambda s: s.fragments):
            if tag in span.labels:
                mentions.append((span.covered_text(doc.text), (doc_id, doc.name, span.id, _code(span.attrs))))
    return grouping.group(mentions, threshold)


def _code(attrs: dict[str, str]) -> str:
    return ";".join(value for name, value in sorted(attrs.items()) if name in terminology.ATTRIBUTE_KIND and value)


def _group(args: argparse.Namespace) -> int:
    from .core.store import Store
    with Store.open(args.db, existing=True) as store:
        groups = mention_groups(store, args.tag, args.threshold, args.project, args.annotator)
    if args.json:
        print(json.dumps([{"name": g.name, "size": g.size,
                           "codes": sorted({item[3] for item in g.items if item[3]}),
                           "members": [{"text": text, "document": item[1], "document_id": item[0], "span": item[2]}
                                       for text, item in zip(g.texts, g.items)]} for g in groups],
                         ensure_ascii=False))
    else:
        for g in groups:
            codes = sorted({item[3] for item in g.items if item[3]})
            print(f"{g.size}\t{g.name}\t{','.join(codes) or '-'}")
    return 0


def _suggest(args: argparse.Namespace) -> int:
    from .core.store import Store
    from .core.normalise.precode import PreCoder  # numpy and the suggester: only this command needs them

    with Store.open(args.db, existing=True) as store:
        coder = PreCoder.learn(store, store.project_schema(args.project), args.project)
        attribute = next((name for name, (tags, _) in (coder.suggesters.items() if coder else ())
                          if args.tag in tags), None)
        if attribute is None:
            raise RdrsError(f"nothing to learn {args.tag} codes from: no coded {args.tag} mention and no "
                            f"terminology for it is loaded (rdrs terminology import)")
        rows = []
        ids = store.document_ids(project=args.project)
        for doc_id, doc in zip(ids, store.iter_documents(ids=ids, project=args.project)):
            for span in sorted(doc.spans, key=lambda s: s.fragments):
                if args.tag in span.labels and (args.all or not span.attrs.get(attribute)):
                    rows.append({"document": doc.name, "span": span.id, "text": span.covered_text(doc.text),
                                 "code": span.attrs.get(attribute, "")})
    ranked = coder.suggesters[attribute][1].suggest([r["text"] for r in rows], args.top)
    for row, suggestions in zip(rows, ranked):
        row["suggestions"] = [{"code": s.code, "score": s.score} for s in suggestions]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
    else:
        for row in rows:
            best = "  ".join(f"{s['code']} {s['score']:.2f}" for s in row["suggestions"]) or "-"
            print(f"{row['document']}\t{row['span']}\t{row['text']}\t{best}")
    return 0


def _eval(args: argparse.Namespace) -> int:
    scores = mednorm.evaluate(mednorm.read(args.train), mednorm.read(args.test))
    print(json.dumps(scores) if args.json else
          f"accuracy@1 {scores['acc1']:.3f}  accuracy@5 {scores['acc5']:.3f}  ({scores['n']} mentions)")
    return 0
