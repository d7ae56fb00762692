"""``rdrs``: the workbench's services headless, for batch work and scripts.

    rdrs [--db PATH_OR_URL] [--project NAME] COMMAND ...

Exit status: 0 success, 1 ``validate`` found problems (or ``train``/``predict`` did not finish),
2 bad input or usage; errors are one line on stderr (``error: FILE[:LINE]: what is wrong``),
never a traceback, and leave the database as it was. ``import --on-error skip`` imports every good
document instead, lists each one left out (``skipped: FILE[:LINE]: reason``) and exits 0 — or 2
when nothing was left to import.

The model loop (``train``, ``predict``, ``models``, ``activate``, ``eval-set``) runs models in
subprocesses (``python -m trainer ...``) exactly as the app does; this process never loads torch.
The database layer (SQLAlchemy) is imported by the commands that open the database, not at
start-up: ``import`` begins reading its files on the other cores first (``_read_ahead``).
"""
from __future__ import annotations

import argparse
import json
import os
import select
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from . import normalise_cli, team_cli
from .core import formats
from .core import stats as corpus_stats
from .core.document import DOC_DONE, DOC_STATUSES
from .core.errors import FormatError, RdrsError
from .core.forking import default_workers
from .core.schema import Schema
from .core.gc_pause import paused_gc
from .core.store.location import default_db_path

if TYPE_CHECKING:
    from .core.store import Store


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
    imp.add_argument("--annotator", help="store into this annotator's layer, review state done (default: the "
                                         "shared layer)")
    imp.add_argument("--on-error", choices=["stop", "skip"], default="stop",
                     help="stop: a bad document refuses the whole import (default); skip: import the good "
                          "documents and list each bad one with its file, line and reason (exit status 0)")
    imp.set_defaults(func=_import)

    exp = sub.add_parser("export", help="export documents to a file or folder")
    exp.add_argument("--format", required=True, choices=formats.names())
    exp.add_argument("--out", required=True, metavar="PATH")
    exp.add_argument("--status", nargs="+", choices=DOC_STATUSES, metavar="STATE",
                     help=f"only documents in these review states ({', '.join(DOC_STATUSES)})")
    exp.add_argument("--include-suggestions", action="store_true", help="also write pending model suggestions")
    exp.add_argument("--annotator", help="export this annotator's layer over the shared one")
    exp.add_argument("--layer", metavar="NAME|curated",
                     help="export one layer alone: an annotator's, or 'curated' (the shared layer)")
    exp.set_defaults(func=_export)

    lst = sub.add_parser("list", help="list documents")
    lst.add_argument("--json", action="store_true", help="one JSON array: id, name, status, spans, ...")
    lst.add_argument("--status", nargs="+", choices=DOC_STATUSES, metavar="STATE")
    lst.add_argument("--annotator")
    lst.add_argument("--label", help="only documents with a span of this tag")
    lst.add_argument("--search", help="only documents whose name or text contains this (any case)")
    lst.add_argument("--min-adr", type=float, metavar="P", help="only documents whose ADR probability is at least P")
    lst.set_defaults(func=_list)

    st = sub.add_parser("stats", help="corpus statistics per tag (mentions, words, documents)")
    st.add_argument("paths", nargs="*", metavar="PATH", help="files or folders instead of the database")
    st.add_argument("--format", choices=formats.names(), help="format of PATHs (default: detect)")
    st.add_argument("--annotator")
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=_stats)

    val = sub.add_parser("validate", help="check stored annotations; exit 1 if there are problems")
    val.set_defaults(func=_validate)
    team_cli.add_commands(sub)
    normalise_cli.add_commands(sub)
    _add_model_commands(sub)
    return parser


def _add_model_commands(sub: argparse._SubParsersAction) -> None:
    tr = sub.add_parser("train", help="train a tagger (or the ADR classifier, or the coreference model) on the "
                                      "documents marked done (and gold) and register it")
    tr.add_argument("--kind", choices=["tagger", "classifier", "coref"], default="tagger",
                    help="classifier: reviews with an ADR span are ADR reports; coref: learns from the human "
                         "coreference chains (default: %(default)s)")
    tr.add_argument("--init", metavar="VERSION_OR_DIR",
                    help="coref: fine-tune this base model (a registered version or a bundle folder, e.g. one "
                         "trained on RuCoCo with python -m trainer coref train)")
    tr.add_argument("--out", required=True, metavar="DIR", help="folder for the model bundle (must not hold one)")
    tr.add_argument("--encoder", default="embedded",
                    help="'embedded' (offline, CPU friendly) or a Hugging Face model id or folder (default: %(default)s)")
    tr.add_argument("--max-minutes", type=float, default=30.0, metavar="M", help="time budget (default: %(default)s)")
    tr.add_argument("--epochs", type=int, metavar="N", help="at most N epochs (default: the trainer's)")
    tr.add_argument("--annotator", help="train on this annotator's done documents (plus gold ones)")
    tr.add_argument("--device", default="auto", help="auto (CUDA when present), cpu, cuda or cuda:N")
    tr.add_argument("--syntax", choices=["auto", "natasha", "stanza", "none"], help="POS/dependency features")
    tr.add_argument("--seed", type=int, default=13)
    tr.add_argument("--lr", type=float, help="learning rate (default: the trainer's)")
    tr.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                    help="coref: a model or training setting for python -m trainer coref train, e.g. "
                         "lstm_hidden=64 (repeatable)")
    tr.add_argument("--activate", action="store_true", help="make the new model the active one")
    tr.set_defaults(func=_train)

    pr = sub.add_parser("predict", help="pre-annotate documents with every active model (tagger, coreference, "
                                        "classifier): suggestions; human annotations are never touched")
    pr.add_argument("--model", metavar="VERSION_OR_DIR", action="append",
                    help="use this registered version or bundle folder instead of the active models "
                         "(repeatable, one per kind)")
    scope = pr.add_mutually_exclusive_group(required=True)
    scope.add_argument("--all", action="store_true", help="every document of the project")
    scope.add_argument("--unlabelled", action="store_true", help="documents without human annotations")
    scope.add_argument("--docs", nargs="+", type=int, metavar="ID", help="these document ids")
    pr.add_argument("--annotator", help="put suggestions into this annotator's layer (default: the shared layer)")
    pr.add_argument("--force", action="store_true", help="also redo documents this model already pre-annotated")
    pr.add_argument("--include-done", action="store_true",
                    help="also pre-annotate documents marked done or curated (left out by default)")
    pr.add_argument("--batch-size", type=int, default=32)
    pr.add_argument("--device", default="auto")
    pr.add_argument("--threads", type=int, default=1, help="CPU threads of each model worker (default: %(default)s)")
    pr.add_argument("--replicas", type=int, default=1,
                    help="model workers sharing each batch, one core each (default: %(default)s)")
    pr.set_defaults(func=_predict)

    mo = sub.add_parser("models", help="list registered model versions and their scores")
    mo.add_argument("--json", action="store_true", help="one JSON array with metrics and data snapshots")
    mo.add_argument("--kind", help="only models of this kind (tagger, coref, classifier)")
    mo.add_argument("--auto-activate", choices=["on", "off"],
                    help="set the rule: activate a new model when its dev macro F1 beats the active one")
    mo.add_argument("--add", metavar="DIR", help="register a bundle trained elsewhere (python -m trainer ...)")
    mo.set_defaults(func=_models)

    ac = sub.add_parser("activate", help="make a model version the active one of its kind")
    ac.add_argument("version", nargs="?", metavar="VERSION")
    ac.add_argument("--rollback", metavar="KIND", nargs="?", const="tagger",
                    help="re-activate the version of KIND (default tagger) that was active before")
    ac.set_defaults(func=_activate)

    ev = sub.add_parser("eval-set", help="show or pin the evaluation set every model is scored on")
    group = ev.add_mutually_exclusive_group()
    group.add_argument("--docs", nargs="+", type=int, metavar="ID", help="pin these documents")
    group.add_argument("--clear", action="store_true", help="unpin every document")
    ev.set_defaults(func=_eval_set)


def _open(args: argparse.Namespace, existing: bool = True) -> Store:
    """The database a command works on: it must exist, unless the command brings what a new
    one starts from (documents, terms, a model)."""
    from .core.store import Store

    return Store.open(args.db, existing=existing)


def _import(args: argparse.Namespace) -> int:
    schema = Schema.load(args.schema) if args.schema else None
    with paused_gc(), _read_ahead(args) as begun:
        # The first input's files are being read on the other cores while this process imports
        # SQLAlchemy and opens the database (a third of a second on one core).
        from .core import services
        from .core.store import Store

        try:
            with _new_database_removed_on_error(args.db) as fresh, \
                    Store.open(args.db, write_ahead_log=not fresh) as store:
                # Each batch read is checked and stored while the next is read, in one transaction;
                # an annotator's import is their finished work (a per-annotator export of WebAnno, brat...).
                summary = services.import_paths(store, args.paths, args.format, schema=schema,
                                                annotator=args.annotator, project=args.project,
                                                on_error=args.on_error, workers=default_workers(),
                                                status=DOC_DONE if args.annotator else None, begun=begun)
        except services.NothingImported as exc:
            _print_skipped(exc.skipped)
            raise
    _print_skipped(summary.skipped)
    for warning in summary.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"imported {summary.documents} documents, {summary.spans} spans, {summary.chains} chains, "
          f"{summary.relations} relations" + (f"; skipped {len(summary.skipped)} bad document(s), listed above"
                                              if summary.skipped else ""))
    return 0


@contextmanager
def _read_ahead(args: argparse.Namespace) -> Iterator[dict[Path, Callable]]:
    """The first input begun (``formats.reading``), for ``services.import_paths`` to finish; none
    where it cannot even begin (the import then says why, or skips it, as for any input)."""
    path = Path(args.paths[0])
    with ExitStack() as stack:
        try:
            finish = stack.enter_context(formats.reading(path, args.format, args.on_error, default_workers()))
        except FormatError:
            finish = None
        yield {} if finish is None else {path: finish}


def _print_skipped(reasons: list[str]) -> None:
    for reason in reasons:
        print(f"skipped: {reason}", file=sys.stderr)


@contextmanager
def _new_database_removed_on_error(db: str | None) -> Iterator[bool]:
    """An import that fails into a database file it created leaves no file behind (the import
    opens the database before it reads, to store while it reads). Yields whether the file is
    new."""
    from .core.store import database_file

    path = database_file(db)
    fresh = path is not None and not path.exists()
    try:
        yield fresh
    except BaseException:
        if fresh:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        raise


def _export(args: argparse.Namespace) -> int:
    from .core import services

    if args.layer is not None:
        return team_cli.export_layer(args)
    with _open(args) as store:
        summary = services.export(store, args.format, args.out, statuses=args.status,
                                  include_suggestions=args.include_suggestions, annotator=args.annotator,
                                  project=args.project, workers=default_workers())
    for warning in summary.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"exported {summary.documents} documents, {summary.spans} spans, {summary.chains} chains, "
          f"{summary.relations} relations to {summary.out}")
    return 0


def _list(args: argparse.Namespace) -> int:
    with _open(args) as store:
        rows = store.list_documents(project=args.project, annotator=args.annotator, status=args.status,
                                    label=args.label, search=args.search, min_adr=args.min_adr)
    if args.json:
        print(json.dumps([{"id": r.id, "name": r.name, "status": r.status, "spans": r.spans,
                           "suggestions": r.suggestions, "chains": r.chains, "adr_prob": r.adr_prob,
                           "uncertainty": r.uncertainty, "length": r.length} for r in rows], ensure_ascii=False))
    else:
        for r in rows:
            print(f"{r.id}\t{r.name}\t{r.status}\t{r.spans} spans\t{r.suggestions} suggestions")
    return 0


def _stats(args: argparse.Namespace) -> int:
    from .core import services

    if args.paths:
        inputs = services.read_inputs(args.paths, args.format)
        figures = corpus_stats.compute(doc for _, result in inputs for doc in result.documents)
    else:
        with _open(args) as store:
            figures = store.stats(project=args.project, annotator=args.annotator)
    print(json.dumps(figures, ensure_ascii=False, indent=1) if args.json else corpus_stats.format_table(figures))
    return 0


def _validate(args: argparse.Namespace) -> int:
    from .core import services

    with _open(args) as store:
        problems = services.validate(store, project=args.project)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


def _train(args: argparse.Namespace) -> int:
    from .jobs import registry, training

    if (args.init or args.option) and args.kind != "coref":
        raise RdrsError("--init and --option are for the coreference model; use them with --kind coref")
    request = training.TrainingRequest(kind=args.kind, encoder=args.encoder, max_minutes=args.max_minutes,
                                       epochs=args.epochs, annotator=args.annotator, project=args.project,
                                       seed=args.seed, device=args.device, syntax=args.syntax, lr=args.lr,
                                       out=str(Path(args.out).resolve()), options=_options(args.option))
    token = training.CancelToken()
    previous = signal.signal(signal.SIGINT, lambda *_: token.cancel())   # Ctrl+C keeps the best epoch
    try:
        with _open(args) as store:
            if args.init:
                request.init = training.base_bundle(store, args.init)
            result = training.run(store, request, on_event=_print_progress, token=token)
            if result.model is not None and args.activate and not result.activated:
                registry.activate(store, result.model.id)
                result.activated = True
    finally:
        signal.signal(signal.SIGINT, previous)
    if result.model is None:
        print(f"error: {result.message}", file=sys.stderr)
        return 1
    print(f"{result.state}: {result.message}" + ("" if result.activated else
          f"\nactivate it with: rdrs activate {result.model.version}"))
    return 0 if result.state == "done" else 1


def _options(pairs: list[str]) -> dict:
    """``KEY=VALUE`` settings; a value that reads as JSON (a number, true) is taken as such."""
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise RdrsError(f"--option {pair!r}: expected KEY=VALUE")
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    return options


def _print_progress(event: dict) -> None:
    kind = event.get("event")
    if kind == "start":
        print(f"training on {event.get('train_documents')} documents ({event.get('dev_documents')} dev) "
              f"on {event.get('device')}", file=sys.stderr)
    elif kind == "epoch":
        f1 = event.get("dev_f1")
        print(f"epoch {event['epoch']}: loss {event.get('loss')}, dev F1 {'n/a' if f1 is None else f'{f1:.3f}'}"
              + (" (best)" if event.get("best") else ""), file=sys.stderr)


def _predict(args: argparse.Namespace) -> int:
    from .jobs.preannotate import chosen_models, model_workers, preannotate, scope_ids

    with _open(args) as store:
        models = chosen_models(store, args.model)
        scope = ({"ids": args.docs} if args.docs else {"unlabelled": True, "project": args.project}
                 if args.unlabelled else {"query": {"project": args.project}})
        ids = scope_ids(store, scope, args.annotator)
        print("models: " + ", ".join(f"{kind} {path}" for kind, path in models.items()), file=sys.stderr)
        workers = model_workers(models, replicas=args.replicas, threads=args.threads, device=args.device)
        step = max(1, len(ids) // 20)

        def report(p) -> None:  # noqa: ANN001 - preannotate.Progress
            if p.done % step < args.batch_size or p.done == p.total:
                eta = "" if p.eta_s is None else f", {p.eta_s:.0f} s left"
                print(f"{p.done}/{p.total} documents, {p.docs_per_s:.1f}/s{eta}", file=sys.stderr)

        stop = {"now": False}
        previous = signal.signal(signal.SIGINT, lambda *_: stop.update(now=True))
        try:
            summary = preannotate(store, workers, ids, annotator=args.annotator, batch_size=args.batch_size,
                                  force=args.force, include_done=args.include_done, progress=report,
                                  should_stop=lambda: stop["now"])
        finally:
            signal.signal(signal.SIGINT, previous)
            for worker in workers.values():
                worker.close()
    print(summary.text())
    return 1 if summary.error or summary.cancelled else 0


def _models(args: argparse.Namespace) -> int:
    from .jobs import registry

    with _open(args, existing=not args.add) as store:
        if args.auto_activate:
            store.set_setting(registry.AUTO_ACTIVATE, args.auto_activate == "on")
        if args.add:
            added = registry.add_bundle(store, args.add)
            print(f"registered {added.kind} model {added.version}", file=sys.stderr)
        rows = store.list_models(args.kind)
        rule = registry.auto_activate_enabled(store)
    if args.json:
        print(json.dumps([{"id": m.id, "kind": m.kind, "version": m.version, "path": m.path, "active": m.active,
                           "created": m.created.isoformat(), "device": m.device, "training_documents": len(m.documents),
                           "metrics": m.metrics, "snapshot": m.snapshot} for m in rows], ensure_ascii=False))
        return 0

    def f1(value: float | None) -> str:
        return "–" if value is None else f"{value:.3f}"

    width = max([len("version")] + [len(m.version) for m in rows]) + 2
    print(f"{'':2}{'version':<{width}}{'kind':<12}{'docs':>6}{'dev F1':>8}{'eval F1':>9}  {'device':<18}created")
    for m in rows:
        print(f"{'*' if m.active else '':2}{m.version:<{width}}{m.kind:<12}{len(m.documents):>6}"
              f"{f1(registry.macro_f1(m)):>8}{f1(registry.macro_f1(m, 'eval')):>9}  {m.device[:18]:<18}"
              f"{m.created:%Y-%m-%d %H:%M}")
    print(f"{len(rows)} model(s); * = active; F1 = macro F1 (a classifier's: its ADR class; coref: CoNLL "
          f"average of MUC, B3 and CEAF-e); "
          f"auto-activation {'on' if rule else 'off'}", file=sys.stderr)
    return 0


def _activate(args: argparse.Namespace) -> int:
    from .jobs import registry

    if (args.version is None) == (args.rollback is None):
        raise RdrsError("give a VERSION to activate, or --rollback")
    with _open(args) as store:
        model = registry.rollback(store, args.rollback) if args.rollback else registry.activate(store, args.version)
    print(f"active {model.kind} model: {model.version}")
    return 0


def _eval_set(args: argparse.Namespace) -> int:
    with _open(args) as store:
        if args.docs or args.clear:
            store.set_eval_set(args.docs or [], project=args.project)
        ids = store.eval_set(args.project)
    print(" ".join(map(str, ids)) if ids else "no evaluation set is pinned")
    return 0


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
    except BrokenPipeError:
        if not _stdout_closed():
            raise
        # Whoever read the output stopped reading (``rdrs list | head``): stop quietly, as other
        # command-line tools do, with stdout on devnull so that Python's flush at exit cannot fail.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:
        if not _from_the_database(exc):
            raise
        # A write the store does not turn into its own message (a lock held past the busy
        # timeout, a read-only file, a damaged page): one line, and the transaction was rolled back.
        reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
        print(f"error: the database refused: {reason}; nothing was changed", file=sys.stderr)
        return 2


def _from_the_database(exc: Exception) -> bool:
    """Whether ``exc`` is SQLAlchemy's (not imported here: commands start before it loads)."""
    errors = sys.modules.get("sqlalchemy.exc")
    return errors is not None and isinstance(exc, errors.SQLAlchemyError)


def _stdout_closed() -> bool:
    """Whether the reader of our standard output has gone (not a pipe to a worker process)."""
    if not hasattr(select, "poll"):
        return False
    poll = select.poll()
    poll.register(sys.stdout.fileno(), select.POLLOUT)
    return any(events & select.POLLERR for _, events in poll.poll(0))


if __name__ == "__main__":
    sys.exit(main())
