"""``rdrs``: the workbench's services headless, for batch work and scripts.

    rdrs [--db PATH_OR_URL] [--project NAME] COMMAND ...

Exit status: 0 success, 1 ``validate`` found problems, 2 bad input or usage; errors are one line
on stderr (``error: FILE[:LINE]: what is wrong``), never a traceback, and leave the database as
it was. Commands that load models (train, predict, models, activate) register themselves here
as further subparsers.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from .core import formats, services
from .core import stats as corpus_stats
from .core.document import DOC_STATUSES
from .core.errors import RdrsError
from .core.schema import Schema
from .core.store import Store, default_db_path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rdrs", description="Russian drug review annotation workbench, headless.")
    parser.add_argument("--db", metavar="PATH_OR_URL",
                        help=f"database file or SQLAlchemy URL (default: {default_db_path()}; env RDRS_DB)")
    parser.add_argument("--project", default="default", help="project name (default: %(default)s)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    imp = sub.add_parser("import", help="import annotated or raw documents (one transaction)")
    imp.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    imp.add_argument("--format", choices=formats.names(), help="input format (default: detect per path)")
    imp.add_argument("--schema", metavar="SCHEMA", help="tag schema file or bundled name; sets the project schema")
    imp.add_argument("--annotator", help="store into this annotator's layer (default: the shared layer)")
    imp.set_defaults(func=_import)

    exp = sub.add_parser("export", help="export documents to a file or folder")
    exp.add_argument("--format", required=True, choices=formats.names())
    exp.add_argument("--out", required=True, metavar="PATH")
    exp.add_argument("--status", nargs="+", choices=DOC_STATUSES, metavar="STATE",
                     help=f"only documents in these review states ({', '.join(DOC_STATUSES)})")
    exp.add_argument("--include-suggestions", action="store_true", help="also write pending model suggestions")
    exp.add_argument("--annotator", help="export this annotator's layer over the shared one")
    exp.set_defaults(func=_export)

    lst = sub.add_parser("list", help="list documents")
    lst.add_argument("--json", action="store_true", help="one JSON array: id, name, status, spans, ...")
    lst.add_argument("--status", nargs="+", choices=DOC_STATUSES, metavar="STATE")
    lst.add_argument("--annotator")
    lst.add_argument("--label", help="only documents with a span of this tag")
    lst.add_argument("--search", help="only documents whose name or text contains this (any case)")
    lst.set_defaults(func=_list)

    st = sub.add_parser("stats", help="corpus statistics per tag (mentions, words, documents)")
    st.add_argument("paths", nargs="*", metavar="PATH", help="files or folders instead of the database")
    st.add_argument("--format", choices=formats.names(), help="format of PATHs (default: detect)")
    st.add_argument("--annotator")
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=_stats)

    val = sub.add_parser("validate", help="check stored annotations; exit 1 if there are problems")
    val.set_defaults(func=_validate)
    return parser


def _open(args: argparse.Namespace) -> Store:
    return Store.open(args.db)


def _import(args: argparse.Namespace) -> int:
    # Read and check every input before the database is opened or touched.
    inputs = services.read_inputs(args.paths, args.format)
    schema = Schema.load(args.schema) if args.schema else None
    with _open(args) as store:
        summary = services.import_inputs(store, inputs, schema=schema, annotator=args.annotator,
                                         project=args.project)
    for warning in summary.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"imported {summary.documents} documents, {summary.spans} spans, {summary.chains} chains, "
          f"{summary.relations} relations")
    return 0


def _export(args: argparse.Namespace) -> int:
    with _open(args) as store:
        summary = services.export(store, args.format, args.out, statuses=args.status,
                                  include_suggestions=args.include_suggestions, annotator=args.annotator,
                                  project=args.project)
    for warning in summary.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"exported {summary.documents} documents, {summary.spans} spans, {summary.chains} chains, "
          f"{summary.relations} relations to {summary.out}")
    return 0


def _list(args: argparse.Namespace) -> int:
    with _open(args) as store:
        rows = store.list_documents(project=args.project, annotator=args.annotator, status=args.status,
                                    label=args.label, search=args.search)
    if args.json:
        print(json.dumps([{"id": r.id, "name": r.name, "status": r.status, "spans": r.spans,
                           "suggestions": r.suggestions, "chains": r.chains, "adr_prob": r.adr_prob,
                           "length": r.length} for r in rows], ensure_ascii=False))
    else:
        for r in rows:
            print(f"{r.id}\t{r.name}\t{r.status}\t{r.spans} spans\t{r.suggestions} suggestions")
    return 0


def _stats(args: argparse.Namespace) -> int:
    if args.paths:
        inputs = services.read_inputs(args.paths, args.format)
        figures = corpus_stats.compute(doc for _, result in inputs for doc in result.documents)
    else:
        with _open(args) as store:
            figures = store.stats(project=args.project, annotator=args.annotator)
    print(json.dumps(figures, ensure_ascii=False, indent=1) if args.json else corpus_stats.format_table(figures))
    return 0


def _validate(args: argparse.Namespace) -> int:
    with _open(args) as store:
        problems = services.validate(store, project=args.project)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except RdrsError as exc:
        message = " ".join(str(exc).split())
        print(f"error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
