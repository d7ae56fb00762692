"""Retraining from the store: a data snapshot, ``python -m trainer tagger|classifier|coref train``
as a subprocess with live progress, evaluation on the pinned set, and registration of the bundle.

Training data = the documents the annotator marked done or curated (their human spans: gold
and accepted suggestions) plus the documents with imported gold spans, minus the pinned
evaluation set. A fixed, seeded share of them is held out as the dev split. For the ADR
classifier a review's label is whether its human spans include an ADR, and the split keeps
both labels in dev and train. The coreference model learns from the same documents' human
chains (the trainer ignores suggested, rejected and Context chains) and may start from a base
bundle (``init``: e.g. one trained on RuCoCo with ``python -m trainer coref train``); at least
one training document must hold a human coreference chain. The snapshot
(JSON-lines files, the document ids of each split and the training file's sha256) is kept in
the job's folder, so every registered model says exactly what it learnt from.

The trainer picks CUDA when present (bf16 autocast, length-bucketed batches) and the CPU
otherwise. Cancel keeps the best checkpoint, which is registered like a finished model.
"""
from __future__ import annotations

import json
import random
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..core import formats
from ..core.document import DOC_CURATED, DOC_DONE, GOLD, HUMAN_STATUSES, Chain, Document
from ..core.errors import RdrsError
from ..core.store import ModelRow, Store
from ..core.textio import atomic_write_text
from . import bundles, comparison, registry
from .paths import data_dir, trainer_command, trainer_env
from .process import JobProcess

TRAINABLE = ("tagger", "classifier", "coref")
DEFAULT_EPOCHS = {"tagger": 40, "classifier": 30, "coref": 20}  # the trainers' defaults; for the progress fraction
ADR_LABEL = "ADR"
CONTEXT_CHAINS = "Context"   # RDRS context groups: not coreference, not learnt from


@dataclass
class TrainingRequest:
    """Everything a training job needs; stored as the job's args (plain JSON)."""

    kind: str = "tagger"
    encoder: str = "embedded"
    max_minutes: float | None = 30.0
    epochs: int | None = None
    annotator: str | None = None
    project: str = "default"
    seed: int = 13
    dev_fraction: float = 0.1
    device: str = "auto"
    syntax: str | None = None
    lr: float | None = None
    out: str | None = None
    init: str | None = None          # coref: fine-tune this base bundle
    options: dict | None = None      # coref: model/training settings (``--option key=value``)

    job_kind = "train"

    def to_args(self) -> dict:
        return asdict(self)

    @classmethod
    def from_args(cls, args: dict) -> "TrainingRequest":
        known = {k: v for k, v in args.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass
class TrainingData:
    folder: Path
    train_ids: list[int]
    dev_ids: list[int]
    eval_ids: list[int]
    sha256: str
    marked_done: int = 0       # documents from the sources: the annotator's done/curated reviews
    imported_gold: int = 0     # and imported gold the annotator never opened (both named to the user)
    pinned_now: int = 0        # evaluation documents this run pinned (the project's first retrain)
    curated: int = 0           # of marked_done: curated gold of a team project
    annotator_layers: int = 0  # of marked_done: an annotator's done layer (no curated gold yet)

    @property
    def train_path(self) -> Path:
        return self.folder / "train.jsonl"

    @property
    def dev_path(self) -> Path:
        return self.folder / "dev.jsonl"

    @property
    def eval_path(self) -> Path:
        return self.folder / "eval.jsonl"

    @property
    def schema_path(self) -> Path:
        return self.folder / "schema.json"

    def snapshot(self, annotator: str | None) -> dict:
        return {"train": self.train_ids, "dev": self.dev_ids, "eval": self.eval_ids, "sha256": self.sha256,
                "folder": str(self.folder), "annotator": annotator, "marked_done": self.marked_done,
                "imported_gold": self.imported_gold, "pinned_now": self.pinned_now, "curated": self.curated,
                "annotator_layers": self.annotator_layers}


@dataclass
class TrainingResult:
    state: str                     # done, cancelled or failed
    message: str
    model: ModelRow | None = None
    previous: ModelRow | None = None   # the model that was active when training started
    activated: bool = False
    log_path: Path | None = None
    events: list[dict] = field(default_factory=list)


class CancelToken:
    """Shared between the job and whoever may cancel it (the queue, the GUI, Ctrl+C)."""

    def __init__(self) -> None:
        self.cancelled = False
        self.process: JobProcess | None = None

    def cancel(self) -> None:
        self.cancelled = True
        if self.process is not None:
            self.process.cancel()


def base_bundle(store: Store, ref: str) -> str:
    """The folder of the coreference bundle to fine-tune: a registered version or a folder."""
    path = ref if Path(ref).is_dir() else store.model(ref).path
    info = bundles.inspect(path)
    if info.kind != "coref":
        raise RdrsError(f"{ref}: a {info.kind or 'unknown'} model cannot be the base of a coreference model")
    return str(Path(path).resolve())


def collect(store: Store, request: TrainingRequest, folder: Path) -> TrainingData:
    """Write the data snapshot (train / dev / eval JSON lines and the schema) into ``folder``."""
    if request.kind not in TRAINABLE:
        raise RdrsError(f"training {request.kind} models from the store is not supported; "
                        f"use python -m trainer {request.kind} train")
    eval_ids = store.eval_set(request.project)
    pinned = set(eval_ids)
    done = [i for i in store.document_ids(project=request.project, annotator=request.annotator,
                                          status=[DOC_DONE, DOC_CURATED]) if i not in pinned]
    if request.annotator is not None:  # documents done in the shared layer count too
        done += [i for i in store.document_ids(project=request.project, status=[DOC_DONE, DOC_CURATED])
                 if i not in pinned]
    done = list(dict.fromkeys(done))
    imported = store.iter_documents([i for i in store.gold_document_ids(request.project)
                                     if i not in pinned and i not in set(done)])
    gold_docs = {d.id: d for d in imported if _gold_for(request.kind, d)}
    gold = list(gold_docs)
    # team projects: where a document has no curated gold (nor this annotator's work), an
    # annotator's done layer
    team = {i: d for i, d in store.annotator_versions(request.project, [*pinned, *done, *gold]).items()
            if _gold_for(request.kind, d)}
    if len(done) + len(gold) + len(team) < 2:
        what = "gold coreference chains" if request.kind == "coref" else "gold annotations"
        raise RdrsError(f"need at least 2 documents marked done (or with {what}) to train; "
                        f"found {len(done) + len(gold) + len(team)}. Mark reviewed documents done first.")
    ids = sorted(done + gold + list(team))
    docs = {d.id: d for d in store.iter_documents(done, annotator=request.annotator)}
    docs.update(gold_docs)
    docs.update(team)
    ids = [i for i in ids if i in docs]
    pinned_now = comparison.first_eval_set(store, request.project, ids, request.seed) if request.kind == "tagger" else []
    if pinned_now:
        eval_ids = pinned_now
        ids = [i for i in ids if i not in set(pinned_now)]
    evaluation = list(store.iter_documents(eval_ids, annotator=request.annotator)) if eval_ids else []
    if request.kind == "classifier":
        if store.project_schema(request.project).tag(ADR_LABEL) is None:
            raise RdrsError(f"the project's tag set has no {ADR_LABEL} tag to learn ADR reports from")
        for doc in list(docs.values()) + evaluation:
            doc.meta = {**doc.meta, "label": int(any(ADR_LABEL in s.labels for s in doc.spans))}
        groups = [[i for i in ids if docs[i].meta["label"] == label] for label in (1, 0)]
        if min(len(g) for g in groups) < 2:   # one of each kind to learn from, one to tune the threshold on
            raise RdrsError(f"the ADR classifier learns from reviews with and without an ADR span (at least 2 "
                            f"of each); the documents marked done have {len(groups[0])} with and "
                            f"{len(groups[1])} without")
    elif request.kind == "coref":
        chained = [i for i in ids if _human_chains(docs[i])]
        if not chained:
            raise RdrsError(f"none of the {len(ids)} documents marked done (or gold) has a coreference chain "
                            f"to learn from; link mentions into chains (L) first")
        # split each group alike, so training always keeps a document with chains (the last
        # group's: with one document per group, the first group's goes to dev)
        groups = [[i for i in ids if i not in set(chained)], chained]
    else:
        groups = [ids]
    dev_ids, train_ids = _split(groups, request.dev_fraction, request.seed)
    folder.mkdir(parents=True, exist_ok=True)
    writer = formats.get("jsonl")
    writer.write([docs[i] for i in train_ids], folder / "train.jsonl")
    writer.write([docs[i] for i in dev_ids], folder / "dev.jsonl")
    if eval_ids:
        writer.write(evaluation, folder / "eval.jsonl")
    atomic_write_text(folder / "schema.json", store.project_schema(request.project).to_json() + "\n")
    return TrainingData(folder, train_ids, dev_ids, eval_ids, bundles.file_sha256(folder / "train.jsonl"),
                        marked_done=sum(i not in gold_docs for i in ids), imported_gold=sum(i in gold_docs for i in ids),
                        pinned_now=len(pinned_now), annotator_layers=sum(i in team for i in ids),
                        curated=sum(docs[i].status == DOC_CURATED for i in ids if i not in team))


def _gold_for(kind: str, doc: Document) -> bool:
    """Imported gold teaches what it was annotated for: gold chains the coreference model (a
    RuCoCo document has no entity spans), gold spans the tagger and the classifier (a RuDReC
    review has no chains: it must not teach "no coreference here")."""
    if kind == "coref":
        return any(c.status == GOLD and c.label != CONTEXT_CHAINS for c in doc.chains)
    return any(s.status == GOLD for s in doc.spans)


def _human_chains(doc: Document) -> list[Chain]:
    return [c for c in doc.chains if c.status in HUMAN_STATUSES and c.label != CONTEXT_CHAINS]


def _split(groups: list[list[int]], fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """(dev, train) ids: a seeded share of each group (each label, for the classifier) in dev."""
    dev, train = [], []
    for group in groups:
        group = list(group)
        random.Random(seed).shuffle(group)
        n_dev = max(1, round(len(group) * fraction)) if len(group) > 1 else 0
        dev += group[:n_dev]
        train += group[n_dev:]
    if not dev:  # one document per group: the first one is dev, as for a single group
        dev, train = train[:1], train[1:]
    return sorted(dev), sorted(train)


def command(request: TrainingRequest, data: TrainingData, out: Path) -> list[str]:
    cmd = trainer_command(request.kind, "train", "--train", str(data.train_path), "--dev", str(data.dev_path),
                          "--encoder", request.encoder, "--out", str(out), "--seed", str(request.seed),
                          "--device", request.device)
    if request.kind == "tagger":
        cmd += ["--format", "jsonl", "--schema", str(data.schema_path)]
    if request.kind == "coref":
        cmd += ["--format", "jsonl"]
        if request.init:
            cmd += ["--init", str(request.init)]
        cmd += [f"--option={key}={json.dumps(value)}" for key, value in (request.options or {}).items()]
    if request.max_minutes:
        cmd += ["--max-minutes", str(request.max_minutes)]
    if request.epochs:
        cmd += ["--epochs", str(request.epochs)]
    if request.syntax and request.kind == "tagger":
        cmd += ["--syntax", request.syntax]
    if request.lr and request.kind in ("tagger", "coref"):
        cmd += ["--lr", str(request.lr)]
    return cmd


def progress_fraction(event: dict, request: TrainingRequest) -> float | None:
    """Share of the job done after ``event``: epochs run, or the time budget spent if larger."""
    if event.get("event") == "done":
        return 1.0
    epochs = request.epochs or DEFAULT_EPOCHS.get(request.kind, DEFAULT_EPOCHS["tagger"])
    epoch = event.get("epoch")
    if not isinstance(epoch, (int, float)):
        return None
    done = float(epoch) - 1 + (event["step"] / event["steps"] if event.get("event") == "step" and event.get("steps")
                               else 1.0 if event.get("event") == "epoch" else 0.0)
    share = done / epochs
    if request.max_minutes and isinstance(event.get("seconds"), (int, float)):
        share = max(share, event["seconds"] / (request.max_minutes * 60))
    return max(0.0, min(0.99, share))


def run(store: Store, request: TrainingRequest, *, job_id: int | None = None,
        on_event: Callable[[dict], None] | None = None, token: CancelToken | None = None) -> TrainingResult:
    """Run one training job to its end (blocking; call it off the UI thread). Never raises for
    a failed or killed trainer: the result says what happened, and the job row records it."""
    token = token or CancelToken()
    job_id = job_id if job_id is not None else store.add_job("train", request.to_args())
    base = data_dir(store.url)
    folder = base / "jobs" / f"job-{job_id}"
    log_path = base / "logs" / f"job-{job_id}.log"
    out = Path(request.out) if request.out else base / "models" / f"{request.kind}-job{job_id}-{time.strftime('%Y%m%d-%H%M%S')}"
    previous = store.active_model(request.kind)

    def finish(state: str, message: str, **extra) -> TrainingResult:
        store.update_job(job_id, state=state, message=message, progress=1.0 if state == "done" else None)
        return TrainingResult(state, message, previous=previous, log_path=log_path, **extra)

    if token.cancelled:
        return finish("cancelled", "cancelled before it started")
    if bundles.is_bundle(out):
        return finish("failed", f"{out} already holds a model; choose another output folder")
    store.update_job(job_id, state="running", progress=0.0, log_path=str(log_path), message="collecting data")
    try:
        data = collect(store, request, folder)
    except RdrsError as exc:
        return finish("failed", str(exc))
    store.update_job(job_id, message=comparison.training_line(data.marked_done, data.imported_gold,
                                                              len(data.train_ids), len(data.dev_ids))
                     + (f"; {data.pinned_now} pinned as the evaluation set" if data.pinned_now else "")
                     + (f"; of those marked done, {data.curated} curated and {data.annotator_layers} from an "
                        f"annotator's done layer" if data.annotator_layers else "")
                     + (f"; fine-tuning {Path(request.init).name}" if request.init else ""))

    last_write = [0.0]

    def handle(event: dict) -> None:
        share = progress_fraction(event, request)
        now = time.monotonic()
        if share is not None and (event.get("event") != "step" or now - last_write[0] > 2.0):
            last_write[0] = now
            store.update_job(job_id, progress=share)
        if on_event is not None:
            on_event(event)

    process = JobProcess(command(request, data, out), log_path, handle)
    token.process = process
    try:
        process.start()
    except RdrsError as exc:
        return finish("failed", str(exc))
    if token.cancelled:
        process.cancel()
    code = process.wait()
    events = list(process.events)
    done = next((e for e in reversed(events) if e.get("event") == "done"), None)
    if code != 0 and done is None:
        what = f"was killed (signal {-code})" if code < 0 else f"failed (exit code {code})"
        detail = " ".join(process.stderr_tail(1))
        why = f"the training process {what}" + (f": {detail}" if detail else "")
    else:
        why = ""
    try:
        info = bundles.inspect(out)
    except bundles.BundleError as exc:
        if process.cancelled:
            return finish("cancelled", "cancelled before the first checkpoint; no model was kept", events=events)
        if done is not None and not done.get("model"):
            return finish("failed", f"training stopped ({done.get('stopped')}) before any epoch finished; no model "
                                    f"was written. Allow more time or epochs.", events=events)
        return finish("failed", f"{why or 'training ended'}; no usable model was written ({exc})", events=events)
    if data.eval_ids:
        store.update_job(job_id, message="scoring on the pinned evaluation set")
    try:
        device = next((e.get("device") for e in events if e.get("event") == "start"), None)
        model = register(store, request, data, info, evaluate(info.path, data, log_path, request.device, request.kind)
                         if data.eval_ids else None, job_id, device)
    except RdrsError as exc:
        return finish("failed", f"the model in {out} could not be registered: {exc}", events=events)
    if previous is not None and previous.kind == request.kind:   # compared on the same documents
        previous = comparison.score_previous(store, previous, data.eval_ids, data.eval_path, log_path,
                                             request.device, score_bundle)
    activated = False
    if registry.auto_activate_enabled(store) and registry.improves(model, previous):
        model = registry.activate(store, model.id)
        activated = True
    state = "cancelled" if process.cancelled else "done" if not why else "failed"
    kept = "best checkpoint kept" if state != "done" else "finished"
    f1 = registry.macro_f1(model)
    message = (f"{why + '; ' if why else ''}{kept}: {model.version}, dev {registry.f1_name(model)} "
               f"{'n/a' if f1 is None else f'{f1:.3f}'}" + (", activated" if activated else ""))
    return finish(state, message, model=model, activated=activated, events=events)


def evaluate(model_dir: Path, data: TrainingData, log_path: Path, device: str = "auto",
             kind: str = "tagger") -> dict | None:
    """Scores of the bundle on the pinned evaluation set (``trainer <kind> eval --json``)."""
    return score_bundle(model_dir, data.eval_path, log_path, device, kind=kind)


def score_bundle(model_dir: Path, gold: Path, log_path: Path, device: str = "auto", timeout: float = 1800,
                 kind: str = "tagger") -> dict | None:
    cmd = trainer_command(kind, "eval", "--model", str(model_dir), "--gold", str(gold), "--json", "--device", device)
    if kind in ("tagger", "coref"):
        cmd += ["--format", "jsonl"]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", errors="replace",
                              env=trainer_env(), timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        _append(log_path, f"evaluation failed: {exc}")
        return None
    _append(log_path, done.stderr)
    for line in reversed(done.stdout.splitlines()):
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                break
    _append(log_path, f"evaluation gave no scores (exit code {done.returncode})")
    return None


def _append(path: Path, text: str) -> None:
    if text:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as f:
            f.write(text if text.endswith("\n") else text + "\n")


def register(store: Store, request: TrainingRequest, data: TrainingData, info: bundles.BundleInfo,
             eval_report: dict | None, job_id: int | None = None, device: str | None = None) -> ModelRow:
    """Record the bundle with its data snapshot and metrics; a version name already taken
    (two trainings in the same second) gets the job id appended, in the bundle too."""
    version = info.version
    taken = {m.version for m in store.list_models()}
    if version in taken:
        version = f"{version}-job{job_id}" if job_id is not None else f"{version}-{len(taken)}"
        bundles.rename_version(info.path, version)
    m = info.metrics
    metrics = {"dev": m.get("dev"), "eval": eval_report, "stopped": m.get("stopped"),
               "best_epoch": m.get("best_epoch", m.get("epoch")), "train_seconds": m.get("train_seconds"),
               "encoder": info.encoder, "tags": info.tags, "train_documents": len(data.train_ids),
               "dev_documents": len(data.dev_ids), "eval_documents": len(data.eval_ids), "eval_ids": data.eval_ids,
               "init": request.init}
    model_id = store.register_model(request.kind, info.path, version, metrics, data.train_ids,
                                    str(m.get("device") or device or request.device),
                                    snapshot=data.snapshot(request.annotator))
    return store.model(model_id)
