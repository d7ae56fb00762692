"""Re-scoring registered models on the pinned evaluation set, so versions trained before the
set was pinned (or changed) are compared on the same documents: taggers (entity F1) and
coreference models (MUC, B³, CEAF-e and their CoNLL average, against the human chains)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from ..core import formats
from ..core.errors import RdrsError
from ..core.store import Store
from . import bundles
from .paths import data_dir
from .training import CancelToken, TrainingResult, score_bundle

SCORED = ("tagger", "coref")   # kinds scored on the pinned set's human annotations


@dataclass
class EvaluationRequest:
    versions: list[str] = field(default_factory=list)   # empty: every tagger and coreference model
    annotator: str | None = None
    project: str = "default"
    device: str = "auto"

    job_kind = "evaluate"

    def to_args(self) -> dict:
        return asdict(self)


def run(store: Store, request: EvaluationRequest, *, job_id: int | None = None,
        on_event: Callable[[dict], None] | None = None, token: CancelToken | None = None) -> TrainingResult:
    """Score each model on the pinned set and record it as its ``eval`` metrics."""
    token = token or CancelToken()
    on_event = on_event or (lambda event: None)
    job_id = job_id if job_id is not None else store.add_job(request.job_kind, request.to_args())
    base = data_dir(store.url)
    log_path = base / "logs" / f"job-{job_id}.log"
    store.update_job(job_id, state="running", progress=0.0, log_path=str(log_path))
    eval_ids = store.eval_set(request.project)
    if not eval_ids:
        message = "no evaluation set is pinned; pin documents first"
        store.update_job(job_id, state="failed", message=message)
        return TrainingResult("failed", message, log_path=log_path)
    gold = base / "jobs" / f"job-{job_id}" / "eval.jsonl"
    gold.parent.mkdir(parents=True, exist_ok=True)
    formats.get("jsonl").write(list(store.iter_documents(eval_ids, annotator=request.annotator)), gold)
    models = [m for kind in SCORED for m in store.list_models(kind)
              if not request.versions or m.version in request.versions]
    scored, problems = 0, []
    for n, model in enumerate(models, 1):
        if token.cancelled:
            break
        try:
            bundles.inspect(model.path)
        except RdrsError as exc:
            problems.append(f"{model.version}: {exc}")
            continue
        report = score_bundle(model.path, gold, log_path, request.device, kind=model.kind)
        if report is None:
            problems.append(f"{model.version}: scoring failed (see {log_path})")
            continue
        store.update_model_metrics(model.id, {"eval": report, "eval_ids": eval_ids, "eval_documents": len(eval_ids)})
        scored += 1
        store.update_job(job_id, progress=n / len(models))
        on_event({"event": "scored", "version": model.version, "done": n, "total": len(models),
                  "macro_f1": report.get("macro_f1", report.get("avg_f1"))})
    state = "cancelled" if token.cancelled else "failed" if problems and not scored else "done"
    message = f"scored {scored} of {len(models)} models on {len(eval_ids)} pinned documents"
    if problems:
        message += "; " + "; ".join(problems)
    store.update_job(job_id, state=state, message=message, progress=1.0 if state == "done" else None)
    return TrainingResult(state, message, log_path=log_path)
