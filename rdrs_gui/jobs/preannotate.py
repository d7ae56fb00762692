"""Batch pre-annotation: documents go to the model workers, answers come back as suggestions.

Qt-free so ``rdrs predict`` and the GUI share it. Each document's suggestions and its
"pre-annotated by" marker are stored in one transaction, so a cancel, a killed worker or a
killed app loses at most the batch in flight and never leaves a half-stored document; a run
started again skips the documents this model set already did (resumable). The store's
``apply_suggestions_many`` enforces the merging rules: human spans and rejected suggestions win.

Workers by kind: ``tagger`` gives spans, ``coref`` chains, ``classifier`` the ADR
probability, its decision and the sentence of the review body that drove it; any subset works.
Only a classifier scores a review's ADR probability (``adr_source`` names it): a tagger alone
leaves the review not scored, keeping its most confident ADR suggestion's score as
``adr_tagger`` (a span's confidence, not the probability of an ADR report). The
uncertainty used to order the work queue is the tagger's own (its least confident word-level
decision, spans and near-misses alike); for a worker that does not report one, ``1 - the
lowest span score``.

One path for ``rdrs predict`` and the app's pre-annotation process (``jobs.service``): the
same model choice (``chosen_models``: every active model, or the named ones), the same scopes
(``scope_ids``) and the same rules. Workers answer spans and chains as the JSONL format's own
objects (``span_to_dict`` / ``chain_to_dict``), read back here with its functions.

Human work comes first: documents marked done or curated (in the annotator's layer or the
shared one) are left out unless ``include_done`` says otherwise, and only documents without
human annotations change state to "pre-annotated" (the store's rule).
"""
from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ..core.document import DOC_CURATED, DOC_DONE, DOC_NEW, DOC_PREANNOTATED, Chain, Span
from ..core.errors import RdrsError
from ..core.formats.jsonl import chain_from_dict, span_from_dict
from ..core.normalise.precode import PreCoder
from ..core.review_text import review_body
from ..core.store import Store
from . import bundles
from .worker import ModelWorker, WorkerError, WorkerPool, WorkerStartError

PREANNOTATED_BY = "preannotated_by"
KIND_ORDER = ("tagger", "coref", "classifier")   # the kinds `python -m trainer serve` loads
CLOSED = (DOC_DONE, DOC_CURATED)                  # human-finished: left out unless included
NO_ACTIVE_MODEL = "no active model: train one (Retrain, or rdrs train) or activate one in the model registry"
_TOKEN = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    elapsed_s: float
    suggestions: int
    tokens: int

    @property
    def docs_per_s(self) -> float:
        return self.done / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        rate = self.docs_per_s
        return (self.total - self.done) / rate if rate > 0 else None


@dataclass
class PreannotationSummary:
    version: str = ""
    total: int = 0
    documents: int = 0
    skipped: int = 0
    suggestions: int = 0
    tokens: int = 0
    seconds: float = 0.0
    cancelled: bool = False
    restarts: int = 0
    scope: int = 0           # documents the run was asked for
    left_out_done: int = 0   # of those, marked done or curated and not included
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def docs_per_s(self) -> float:
        return self.documents / self.seconds if self.seconds > 0 else 0.0

    def text(self) -> str:
        """One line for a status bar or the CLI."""
        how = "cancelled after" if self.cancelled else "stopped after" if self.error else "pre-annotated"
        line = (f"{how} {self.documents} of {self.total} documents ({self.suggestions} suggestions, "
                f"{self.docs_per_s:.1f} documents/s)")
        if self.left_out_done:
            line += (f"; {self.left_out_done} marked done or curated were left out (include them explicitly "
                     f"to pre-annotate them)")
        if self.skipped:
            line += f"; {self.skipped} already done by this model were skipped"
        if self.restarts:
            line += f"; the model worker stopped and was restarted {self.restarts}×"
        for warning in self.warnings:
            line += f"; {warning}"
        if self.error:
            line += f"; {self.error.rstrip('.')}."
            if self.documents:   # nothing done at all: the model itself is the problem, not the run
                line += " Run it again to continue: finished documents are kept."
        return line


def unlabelled_ids(store: Store, project: str | None = None, annotator: str | None = None) -> list[int]:
    """Documents nobody has annotated yet: still new or pre-annotated, and no human span."""
    rows = store.list_documents(project=project, annotator=annotator, status=[DOC_NEW, DOC_PREANNOTATED])
    return [r.id for r in rows if r.spans == 0]


def scope_ids(store: Store, scope: Mapping, annotator: str | None = None) -> list[int]:
    """The documents of a scope: ``{"ids": [...]}``, ``{"unlabelled": True, "project": P}`` or
    ``{"query": {...}}`` (the document list's filters, as ``Store.document_ids`` takes them)."""
    if "ids" in scope:
        return [int(i) for i in scope["ids"]]
    if scope.get("unlabelled"):
        return unlabelled_ids(store, scope.get("project"), annotator)
    query = dict(scope.get("query") or {})
    query.setdefault("annotator", annotator)
    return store.document_ids(**{k: v for k, v in query.items()
                                 if k in ("project", "annotator", "status", "label", "search",
                                          "min_adr", "order_by", "descending")})


def closed_ids(store: Store, ids: Sequence[int], annotator: str | None = None) -> set[int]:
    """Those of ``ids`` marked done or curated, in ``annotator``'s layer or the shared one."""
    closed = set(store.document_ids(status=list(CLOSED)))
    if annotator is not None:
        closed |= set(store.document_ids(annotator=annotator, status=list(CLOSED)))
    return closed & set(ids)


def chosen_models(store: Store, refs: Sequence[str] | None = None) -> dict[str, str]:
    """Bundle folder per kind: every active model, or (``refs``) the named registered versions
    or bundle folders, at most one per kind. RdrsError says why none can be used."""
    if not refs:
        active = {k: m.path for k in KIND_ORDER if (m := store.active_model(k)) is not None}
        if not active:
            raise RdrsError(NO_ACTIVE_MODEL)
        return active
    chosen: dict[str, str] = {}
    for ref in refs:
        path = str(ref) if Path(ref).is_dir() else store.model(ref).path
        kind = bundles.inspect(path, verify=False).kind   # the worker checks the weights
        if kind not in KIND_ORDER:
            raise RdrsError(f"{ref}: a model of kind {kind or 'unknown'!r} cannot pre-annotate "
                            f"(use {', '.join(KIND_ORDER)})")
        if kind in chosen:
            raise RdrsError(f"{ref}: two {kind} models named; choose one")
        chosen[kind] = path
    return chosen


def model_workers(models: Mapping[str, str], *, replicas: int = 1, threads: int = 1, device: str = "auto",
                  log_dir: Path | None = None) -> dict[str, WorkerPool]:
    """One worker pool per kind (the tagger's with ``replicas`` processes), not yet started."""
    return {kind: WorkerPool(path, replicas if kind == "tagger" else 1, threads=threads, device=device,
                             log_path=log_dir / f"worker-{kind}.log" if log_dir is not None else None)
            for kind, path in models.items()}


def model_set_version(workers: Mapping[str, ModelWorker]) -> str:
    """The marker of a model set (started workers): their versions joined in a fixed order."""
    return "+".join(str(workers[k].info.get("version", workers[k].model_dir.name)) for k in KIND_ORDER if k in workers)


def preannotate(store: Store, workers: Mapping[str, ModelWorker], doc_ids: Sequence[int], *,
                annotator: str | None = None, batch_size: int = 32, force: bool = False,
                include_done: bool = False,
                progress: Callable[[Progress], None] | None = None,
                should_stop: Callable[[], bool] = lambda: False,
                stored: Callable[[list[int]], None] | None = None,
                started: Callable[[PreannotationSummary], None] | None = None) -> PreannotationSummary:
    """Pre-annotate ``doc_ids`` with the started or startable ``workers`` (by kind);
    ``started`` hears the run's scope once the documents to do are known (``scope``,
    ``left_out_done``, ``skipped``, ``total``), ``stored`` the ids of each batch once it is in
    the database. Documents marked done or curated are left out unless ``include_done``.

    Never raises for a worker problem: a worker that dies twice on the same batch, or the only
    worker failing to load its model, ends the run with ``summary.error`` set; everything
    stored so far stays. A further worker that cannot load is left out with a warning.
    """
    unknown = set(workers) - set(KIND_ORDER)
    if not workers or unknown:
        raise ValueError(f"workers must be some of {', '.join(KIND_ORDER)}; got {', '.join(workers) or 'none'}")
    wanted = list(dict.fromkeys(doc_ids))
    summary = PreannotationSummary(total=len(wanted))   # scope: set once the run is under way
    workers = dict(workers)
    for kind in [k for k in KIND_ORDER if k in workers]:
        try:
            workers[kind].start()
        except WorkerError as exc:
            if len(workers) == 1:
                summary.error = str(exc)
                return summary
            del workers[kind]
            summary.warnings.append(f"the {kind} model was left out: {exc}")
    starts_before = {k: w.starts for k, w in workers.items()}
    start = time.perf_counter()   # rates count documents, not the model's loading time
    version = summary.version = model_set_version(workers)
    summary.scope = len(wanted)
    closed = set() if include_done else closed_ids(store, wanted, annotator)
    summary.left_out_done = len(closed)
    open_ids = [i for i in wanted if i not in closed]
    meta = store.documents_meta(open_ids)
    todo = [i for i in open_ids if i in meta and (force or meta[i].get(PREANNOTATED_BY) != version)]
    summary.skipped = len(meta) - len(todo)
    summary.total = len(todo)
    if started:
        started(summary)
    coder = _pre_coder(store, summary) if "tagger" in workers and todo else None
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="preannotate-store")
    pending: Future | None = None

    def settle() -> None:
        nonlocal pending
        if pending is not None:
            ids, added = pending.result()
            pending = None
            done = len(ids)
            if stored:
                stored(ids)
            summary.documents += done
            summary.suggestions += added
            if progress:
                progress(Progress(summary.documents, summary.total, time.perf_counter() - start,
                                  summary.suggestions, summary.tokens))

    try:
        for first in range(0, len(todo), batch_size):
            if should_stop():
                summary.cancelled = True
                break
            ids = todo[first:first + batch_size]
            texts = store.document_texts(ids)
            ids = [i for i in ids if i in texts]   # deleted meanwhile: nothing to do
            answers = _predict_batch(workers, [{"name": str(i), "text": texts[i], "evidence": list(review_body(texts[i]))}
                                                for i in ids], summary)
            if answers is None:
                break
            summary.tokens += sum(len(_TOKEN.findall(texts[i])) for i in ids)
            settle()  # the previous batch is stored while this one was predicted
            pending = writer.submit(_store_batch, store, ids, answers, workers, version, annotator, coder, texts)
        settle()
    except RdrsError as exc:
        summary.error = f"could not store suggestions: {exc}"
    finally:
        writer.shutdown(wait=True)
    summary.restarts = sum(w.starts - starts_before[k] for k, w in workers.items())
    summary.seconds = time.perf_counter() - start
    return summary


def _predict_batch(workers: Mapping[str, ModelWorker], documents: list[dict],
                   summary: PreannotationSummary) -> dict[str, list[dict]] | None:
    """Answers per kind; a worker that dies is started again and asked once more."""
    timeout = 60.0 + 2.0 * len(documents)
    answers: dict[str, list[dict]] = {}
    for kind, worker in workers.items():
        for attempt in (1, 2):
            try:
                answers[kind] = worker.predict(documents, timeout=timeout)
                break
            except WorkerStartError as exc:
                summary.error = str(exc)
                return None
            except WorkerError as exc:
                if attempt == 2:
                    summary.error = f"{exc} (twice on the same batch)"
                    return None
    return answers


def _pre_coder(store: Store, summary: PreannotationSummary) -> PreCoder | None:
    """Codes for the suggested spans, learnt from the project's coded mentions and terminologies."""
    try:
        return PreCoder.learn(store, store.project_schema())
    except RdrsError as exc:
        summary.warnings.append(f"suggested spans get no codes: {exc}")
        return None


def _store_batch(store: Store, ids: list[int], answers: dict[str, list[dict]], workers: Mapping[str, ModelWorker],
                 version: str, annotator: str | None, coder: PreCoder | None = None,
                 texts: Mapping[int, str] | None = None) -> tuple[list[int], int]:
    """One transaction for the batch: every document's suggestions (coded by ``coder``) with its marker."""
    tagger = workers["tagger"].info.get("version") if "tagger" in workers else None
    coref = workers["coref"].info.get("version") if "coref" in workers else None
    classifier = workers["classifier"].info.get("version") if "classifier" in workers else None
    items = []
    for n, doc_id in enumerate(ids):
        spans = _spans(answers["tagger"][n]) if "tagger" in answers else None
        if spans and coder is not None and texts is not None:
            coder.code(spans, texts[doc_id])
        chains = _chains(answers["coref"][n]) if "coref" in answers else None
        meta: dict = {PREANNOTATED_BY: version}
        if spans is not None:
            scores = [s.score for s in spans if s.score is not None]
            meta["uncertainty"] = answers["tagger"][n].get("uncertainty", 1.0 - min(scores) if scores else 1.0)
            best = max((s.score for s in spans if "ADR" in s.labels and s.score is not None), default=None)
            # not scored: a classifier's earlier verdict no longer applies, and a span's confidence
            # is no probability that the review reports an ADR
            meta.update(adr_prob=None, adr=None, adr_sentence=None, adr_tagger=best, adr_source=f"tagger {tagger}")
        if "classifier" in answers and answers["classifier"][n].get("adr_prob") is not None:
            meta.update(_classifier_meta(answers["classifier"][n]), adr_source=f"classifier {classifier}")
        items.append((doc_id, spans, chains, meta))
    counts = store.apply_suggestions_many(items, tagger or coref or version, annotator, chain_version=coref)
    return ids, sum(counts)


def _classifier_meta(answer: dict) -> dict:
    """The classifier's probability, its thresholded decision and the ``[start, end)`` of the
    sentence that drove the score (the editor highlights it)."""
    top = answer.get("top_sentence")
    try:
        sentence = [int(top["start"]), int(top["end"])] if top else None
    except (KeyError, TypeError, ValueError):
        sentence = None
    return {"adr_prob": float(answer["adr_prob"]), "adr": bool(answer.get("adr")), "adr_sentence": sentence}


def _spans(answer: dict) -> list[Span]:
    try:
        return [span_from_dict(s) for s in answer.get("spans", [])]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise WorkerError(f"the model worker answered a malformed span ({exc})") from None


def _chains(answer: dict) -> list[Chain]:
    try:
        return [chain_from_dict(c) for c in answer.get("chains", [])]
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise WorkerError(f"the model worker answered a malformed chain ({exc})") from None
