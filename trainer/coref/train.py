"""Training a coreference bundle on ``trainer.engine``: one document per step (long ones cropped
to a random run of sentences), at least ``min_steps`` steps an epoch (small projects go through
their documents several times, shuffled, as the tagger does), Adam, the CoNLL-2012 average F1
on held-out documents after each epoch, the best epoch kept as a bundle. With ``init`` training
continues from a coreference bundle, e.g. fine-tuning a RuCoCo model on a project's reviews.

Progress events are the engine's (see ``trainer.engine``), with these of its own:

    {"event": "start", "train_documents": n, "dev_documents": n, "device": ..., "encoder": {...}, "init": dir}
    {"event": "featurized", "train_documents": n, "dev_documents": n, "chains": n, "mentions": n,
     "unmappable_mentions": n, "seconds": s}
    {"event": "epoch", ..., "dev_f1": avg F1, "dev_muc": F1, "dev_bcub": F1, "dev_ceafe": F1, ...}

Only human chains (gold or accepted, not "Context" groups) are learnt from and scored against.

metrics.json: ``{"kind": "coref", "stopped", "best_epoch", "epochs_run", "steps", "dev_f1": avg F1,
"select": "avg_f1", "dev": {"avg_f1", "muc": [R, P, F1], "bcub", "ceafe", "ceafm", "mentions",
"blanc", "documents"}, "train_seconds", "device", "train_documents", "dev_documents", "init"}``
— ``dev`` has the shape of ``python -m trainer coref eval --json``.
"""
from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Callable

import torch

from rdrs_gui.core.document import Document
from rdrs_gui.core.schema import Schema

from trainer import bundle
from trainer.coref.data import human_chains, to_example
from trainer.coref.model import DEFAULTS as MODEL_DEFAULTS, CorefModel, saved_config
from trainer.coref.predict import KIND, Prepared, crop, predict_prepared, prepare, run
from trainer.coref.score import partition
from trainer.device import Device, epoch_batches, pick_device
from trainer.encoders import build_encoder, encoder_config
from trainer.engine import Cancel, Deadline, Progress, ProgressEvents, Task, Trainer, seed_everything
from trainer.metrics import coref_scores

TRAIN_DEFAULTS = {
    "lr": 1e-3,
    "epochs": 20,
    "patience": 6,            # epochs without a better dev average F1 before stopping
    "max_train_words": 600,   # longer documents: a random run of sentences this long per step
    "min_steps": 24,          # steps per epoch at least: few documents are seen several times an epoch
    "clip": 5.0,
    "segment_words": 200,     # transformer encoders: sentences grouped into runs this long
    "seed": 13,
}
SCHEMA = Schema.from_labels("coreference", ["Coreference"])
SCORES = ("muc", "bcub", "ceafe")


def evaluate_prepared(model: CorefModel, device: Device, docs: list[Document], prepared: list[Prepared]) -> dict:
    """Scores of the model's chains against ``docs``' gold chains, in character offsets."""
    results = predict_prepared(model, device, prepared)
    pairs = []
    for doc, p, (clusters, _) in zip(docs, prepared, results):
        starts, ends = p.example.starts, p.example.ends
        response = [[((starts[a], ends[b]),) for a, b in cluster] for cluster in clusters]
        pairs.append((partition(doc), response))
    return coref_scores(pairs)


def coref_encoder_config(encoder: str | dict) -> dict:
    """The encoder config for coreference. ``"embedded"`` means no parser features here: parsing
    RuCoCo's million words took over 5 of 10 budget minutes on the shared two-core machine, and
    navec + characters already tell pronouns and names apart. Pass a dict to choose otherwise."""
    if encoder == "embedded":
        return {"kind": "embedded", "syntax": "none"}
    return encoder_config(encoder)


def _start(init: str | Path | None, encoder: str | dict, model_cfg: dict, sentences) -> CorefModel:
    if init is None:
        return CorefModel(build_encoder(coref_encoder_config(encoder), sentences=sentences), model_cfg)
    config = bundle.read_config(init, kind=KIND)
    model = CorefModel(build_encoder(config["encoder"], directory=init), saved_config(config["model"]))
    bundle.load_weights(init, model, config)
    return model


class CorefTask(Task):
    """One (cropped) document per step, the antecedent and mention loss, CoNLL scores on dev."""

    def __init__(self, model: CorefModel, device: Device, train_p: list[Prepared], dev_docs: list[Document],
                 dev_p: list[Prepared], max_words: int, min_steps: int,
                 save: Callable[[dict | None, int], None]) -> None:
        self.model, self.device, self.train_p = model, device, train_p
        self.dev_docs, self.dev_p, self.max_words, self._save = dev_docs, dev_p, max_words, save
        self.min_steps = min_steps

    def batches(self, rng: random.Random) -> list[tuple]:
        """Shuffled documents, one per step, in as many passes as ``min_steps`` needs: four
        reviews would otherwise make a four-step epoch, and early stopping counts epochs."""
        order = epoch_batches(self.train_p, lambda p: p.n_words, 1 << 30, 1, rng, self.min_steps)
        return [crop(self.train_p[i], self.max_words, rng) for (i,) in order]

    def loss(self, batch: tuple) -> tuple[torch.Tensor, int]:
        items, sentence_of, gold, keys = batch
        return run(self.model, self.device, items, sentence_of, gold, keys).loss, 1

    def evaluate(self) -> dict | None:
        return evaluate_prepared(self.model, self.device, self.dev_docs, self.dev_p) if self.dev_p else None

    def score(self, report: dict) -> float:
        return report["avg_f1"]

    def epoch_fields(self, report: dict | None, value: float) -> dict:
        if report is None:
            return {"dev_f1": None}
        return {"dev_f1": round(report["avg_f1"], 5), **{f"dev_{k}": round(report[k][2], 5) for k in SCORES}}

    def save(self, report: dict | None, epoch: int) -> None:
        self._save(report, epoch)


def as_metrics(report: dict | None) -> dict | None:
    """A scores dict as JSON: [recall, precision, F1] lists, the shape of ``coref eval --json``."""
    if report is None:
        return None
    return {k: [float(x) for x in v] if isinstance(v, tuple) else v for k, v in report.items()}


def train(train_docs: list[Document], dev_docs: list[Document], encoder: str | dict, out: str | Path,
          max_minutes: float | None = None, options: dict | None = None, device: str = "auto",
          on_event: Callable[[dict], None] = lambda e: None,
          should_stop: Callable[[], bool] = lambda: False, init: str | Path | None = None) -> dict:
    """Train on ``train_docs``, keep the epoch with the best average F1 on ``dev_docs`` (without
    dev: the lowest training loss) as a bundle in ``out``, return its metrics (metrics.json).

    With ``init`` (a coreference bundle) training continues from that model; its encoder and
    architecture are kept and ``encoder`` and the model options are ignored."""
    options = dict(options or {})
    unknown = set(options) - set(TRAIN_DEFAULTS) - set(MODEL_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown coreference training options: {', '.join(sorted(unknown))}")
    train_cfg = {**TRAIN_DEFAULTS, **{k: v for k, v in options.items() if k in TRAIN_DEFAULTS}}
    model_cfg = {**MODEL_DEFAULTS, **{k: v for k, v in options.items() if k in MODEL_DEFAULTS}}
    model_cfg["segment_words"] = train_cfg["segment_words"]
    out = Path(out)
    log = Progress(out / bundle.LOG, echo=False)

    def progress(event: dict) -> None:
        log(event)
        on_event(event)

    seed_everything(int(train_cfg["seed"]))
    dev = pick_device(device)
    began = time.monotonic()
    train_docs, dev_docs = human_chains(train_docs), human_chains(dev_docs)
    if not any(d.chains for d in train_docs):
        raise ValueError("the training documents have no coreference chains")
    enc_cfg = coref_encoder_config(encoder) if init is None else bundle.read_config(init, kind=KIND)["encoder"]
    progress({"event": "start", "train_documents": len(train_docs), "dev_documents": len(dev_docs),
              "device": dev.name, "encoder": enc_cfg,
              "init": str(init) if init is not None else None})

    train_ex = [e for e in (to_example(d) for d in train_docs) if len(e)]
    if not train_ex:
        raise ValueError("no training documents with text")
    model = _start(init, encoder, model_cfg, [s for e in train_ex for s in e.sentences]).to(dev.torch_device)
    enc, model_cfg = model.encoder, model.cfg
    train_p = prepare(train_ex, enc, model_cfg)
    dev_p = prepare([to_example(d, protect_gold=False) for d in dev_docs], enc, model_cfg)
    progress({"event": "featurized", "train_documents": len(train_p), "dev_documents": len(dev_p),
              "chains": sum(len(e.clusters) for e in train_ex),
              "mentions": sum(len(c) for e in train_ex for c in e.clusters),
              "unmappable_mentions": sum(e.lost_mentions for e in train_ex),
              "seconds": round(time.monotonic() - began, 2)})

    own = [p for n, p in model.named_parameters() if not n.startswith("encoder.") and p.requires_grad]
    optimizer = torch.optim.Adam([{"params": own, "lr": train_cfg["lr"]}, *enc.param_groups(train_cfg["lr"])])
    config = {"kind": KIND, "version": out.name, "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
              "encoder": enc.config(), "model": model.cfg, "train": train_cfg,
              "init": str(init) if init is not None else None}

    def save(report: dict | None, epoch: int) -> None:
        bundle.save(out, config, SCHEMA, model, metrics={"dev": as_metrics(report), "epoch": epoch})

    task = CorefTask(model, dev, train_p, dev_docs, dev_p, int(train_cfg["max_train_words"]),
                     int(train_cfg["min_steps"]), save)
    trainer = Trainer(task, optimizer, dev, epochs=int(train_cfg["epochs"]), grad_clip=train_cfg["clip"],
                      patience=int(train_cfg["patience"]), seed=int(train_cfg["seed"]), began=began,
                      callbacks=[Cancel(should_stop), Deadline(began + 60 * max_minutes if max_minutes else None),
                                 ProgressEvents(progress, task.epoch_fields)])
    fit = trainer.fit()

    best = as_metrics(fit.best_report)
    metrics = {"kind": KIND, "version": out.name, "stopped": fit.stop, "best_epoch": fit.best_epoch,
               "epochs_run": fit.epochs_run, "steps": fit.total_steps,
               "dev_f1": best["avg_f1"] if best else None, "select": "avg_f1", "dev": best,
               "train_seconds": fit.seconds, "device": dev.name, "train_documents": len(train_p),
               "dev_documents": len(dev_p), "init": config["init"]}
    if fit.best_epoch:
        bundle.write_json(out / bundle.METRICS, metrics)
    progress({"event": "done", "stopped": fit.stop, "best_epoch": fit.best_epoch,
              "dev_f1": round(best["avg_f1"], 5) if best else None,
              "model": str(out) if fit.best_epoch else None, "seconds": metrics["train_seconds"]})
    return metrics
