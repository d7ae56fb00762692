"""The team commands of ``rdrs``: ``assign``, ``agreement``, ``curate`` and ``export --layer``.

    rdrs assign --annotators A,B,C [--per-document K] [--docs ID ...]   balanced
    rdrs assign --to NAME --docs ID ...                                by hand
    rdrs assign --see-others on|off                                    blind annotation or not
    rdrs agreement [--annotators A,B,...] [--json]                     the paper's Table 4
    rdrs curate --auto [--min-agreement X] [--majority|--uncontested] [--redo] [--json]

The store is imported in the commands that open it, not with this module (see ``rdrs_gui.cli``).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .core import formats
from .core.agreement import FLAG_KEYS, agreement
from .core.curation import MAJORITY, UNANIMOUS, UNCONTESTED
from .core.document import DOC_STATUSES
from .core.errors import RdrsError

CURATED = "curated"   # the name of the shared layer for --layer


def add_commands(sub: argparse._SubParsersAction) -> None:
    asg = sub.add_parser("assign", help="assign documents to annotators (balanced, or by hand with --to)")
    asg.add_argument("--annotators", metavar="A,B,...", help="share the documents among these annotators")
    asg.add_argument("--to", metavar="NAME", help="assign the --docs to this annotator")
    asg.add_argument("--per-document", type=int, metavar="K",
                     help="annotators per document; stored as the project's setting (default: the setting, 1)")
    asg.add_argument("--docs", nargs="+", type=int, metavar="ID", help="only these documents (default: all)")
    asg.add_argument("--see-others", choices=["on", "off"],
                     help="whether annotators may see each other's layers (default off: blind annotation)")
    asg.add_argument("--json", action="store_true", help="print the assignments as JSON")
    asg.set_defaults(func=_assign)

    agr = sub.add_parser("agreement", help="inter-annotator agreement over the documents both annotators "
                                           "marked done (the RDRS paper's Table 4)")
    agr.add_argument("--annotators", metavar="A,B,...", help="these annotators (default: every one)")
    agr.add_argument("--json", action="store_true",
                     help='{"pairs": [{"a", "b", "documents", four flag scores, "per_tag", "chains", ...}], '
                          '"average": {...}}')
    agr.set_defaults(func=_agreement)

    cur = sub.add_parser("curate", help="merge the annotators' done versions into the curated (shared) layer")
    cur.add_argument("--auto", action="store_true", required=True, help="automatic merge (the only mode headless)")
    mode = cur.add_mutually_exclusive_group()
    mode.add_argument("--majority", action="store_true", help="take what more than half of the annotators marked")
    mode.add_argument("--uncontested", action="store_true",
                      help="also take what only some marked when nobody marked something else there")
    cur.add_argument("--min-agreement", type=float, metavar="X",
                     help="only documents whose agreement (span and tag strict, mean over pairs) is at least X")
    cur.add_argument("--annotators", metavar="A,B,...", help="only these annotators' versions (default: every one)")
    cur.add_argument("--redo", action="store_true", help="also redo documents already curated")
    cur.add_argument("--json", action="store_true")
    cur.set_defaults(func=_curate)


def _names(value: str | None) -> list[str] | None:
    if value is None:
        return None
    names = [n.strip() for n in value.split(",") if n.strip()]
    if not names:
        raise RdrsError("--annotators: name at least one annotator")
    return names


def _assign(args: argparse.Namespace) -> int:
    from .core.store import Store
    with Store.open(args.db, existing=True) as store:
        if args.per_document is not None:
            store.set_annotators_per_document(args.per_document, args.project)
        if args.see_others is not None:
            store.set_others_visible(args.see_others == "on", args.project)
        if args.to:
            if not args.docs:
                raise RdrsError("assign --to needs --docs")
            added = store.assign(args.docs, args.to)
            message = f"assigned {added} document(s) to {args.to}"
        elif args.annotators:
            counts = store.assign_balanced(_names(args.annotators), args.project, doc_ids=args.docs)
            message = "assigned " + ", ".join(f"{n} document(s) to {name}" for name, n in counts.items())
        elif args.per_document is None and args.see_others is None:
            raise RdrsError("assign needs --annotators A,B,... or --to NAME --docs ID ...")
        else:
            message = (f"{store.annotators_per_document(args.project)} annotator(s) per document; annotators "
                       f"{'see' if store.others_visible(args.project) else 'do not see'} each other's layers")
        table = store.assignments(args.project)
    if args.json:
        print(json.dumps({str(k): v for k, v in table.items()}, ensure_ascii=False))
    else:
        print(message)
    return 0


def _agreement(args: argparse.Namespace) -> int:
    from .core.store import Store
    with Store.open(args.db, existing=True) as store:
        names = _names(args.annotators)
        known = store.annotators()
        for name in names or ():
            if name not in known:
                raise RdrsError(f"no annotator named {name!r} (known: {', '.join(known) or 'none'})")
        layers = store.done_layers(names, project=args.project)
    result = agreement(layers, names)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print("a\tb\tdocuments\t" + "\t".join(FLAG_KEYS))
    for row in [*result["pairs"], {"a": "average", "b": "", **result["average"]}]:
        print(f"{row['a']}\t{row['b']}\t{row['documents']}\t" + "\t".join(_pct(row[k]) for k in FLAG_KEYS))
    return 0


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def _curate(args: argparse.Namespace) -> int:
    from .core.store import Store
    from .core.team import curate_all
    mode = MAJORITY if args.majority else UNCONTESTED if args.uncontested else UNANIMOUS
    with Store.open(args.db, existing=True) as store:
        report = curate_all(store, args.project, mode, args.min_agreement, _names(args.annotators), args.redo)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        skipped = report["skipped"]
        print(f"curated {len(report['documents'])} document(s) ({mode}); skipped "
              f"{skipped['below_agreement']} below the agreement threshold, {skipped['not_ready']} whose "
              f"annotators are not all done, {skipped['already_curated']} already curated")
    return 0


def export_layer(args: argparse.Namespace) -> int:
    """``export --layer NAME|curated``: one layer alone, review states of that layer."""
    from .core.store import Store
    module = formats.get(args.format)
    if not hasattr(module, "write"):
        raise RdrsError(f"format {args.format} cannot be exported")
    layer = None if args.layer == CURATED else args.layer
    with Store.open(args.db, existing=True) as store:
        if layer is not None and layer not in store.annotators():
            raise RdrsError(f"no annotator named {layer!r}; use an annotator's name or '{CURATED}'")
        statuses = args.status or list(DOC_STATUSES)
        ids = store.document_ids(project=args.project, annotator=layer, status=statuses)
        docs = list(store.layer_documents(layer, ids, include_suggestions=args.include_suggestions))
    lost = module.write(docs, Path(args.out)) or []
    for warning in lost:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"exported {len(docs)} documents, {sum(len(d.spans) for d in docs)} spans, "
          f"{sum(len(d.chains) for d in docs)} chains of layer {args.layer} to {args.out}")
    return 0
