"""Training the multi-tag tagger on ``trainer.engine``: features computed once, length-bucketed
batches, per-tag BIO losses weighted for rare tags, dev scored by entity F1.

Progress events are the engine's, with these of its own:

    {"event": "start", "tags": [...], "train_documents": n, "dev_documents": n, "device": ...}
    {"event": "featurized", "sentences": n, "seconds": s}
    {"event": "epoch", ..., "dev_f1": f, "dev_micro_f1": f, "dev_macro_f1": f, ...}

``dev_f1`` is the figure the best checkpoint is chosen by (``select``: macro F1 by default, the
measure that does not let frequent tags hide a rare one such as ADR).
"""
from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from rdrs_gui.core.document import Document
from rdrs_gui.core.schema import Schema

from .. import bundle
from ..device import Device, epoch_batches, pick_device
from ..encoders import build_encoder, encoder_config
from ..engine import (Cancel, Deadline, DecayOnPlateau, Progress, ProgressEvents, StopFlag, Task, Trainer,
                      seed_everything)
from .data import LabelStats, bio_labels, document_sentences, tags_in
from .model import MultiTagTagger
from .predict import KIND, document_spans, run_model, score

DEFAULTS = {
    "epochs": 40, "patience": 6, "max_minutes": None, "lr": 2e-3, "batch_tokens": 3000, "batch_size": 64,
    "min_steps": 24,
    "seed": 13, "select": "macro", "grad_clip": 5.0, "max_words": 100, "device": "auto",
}


def label_weights(labels: list[np.ndarray], n_tags: int, setting) -> torch.Tensor:
    """Per tag, loss weights of O, B, I. ``"auto"``: B/I get (O words / entity words)^¼, capped
    at 3 — every head sees mostly O, and the rarer a tag, the more its few words need to count."""
    weights = torch.ones(n_tags, 3)
    if setting in (None, "none", 1, 1.0):
        return weights
    if setting != "auto":
        weights[:, 1:] = float(setting)
        return weights
    stacked = np.concatenate(labels, 0) if labels else np.zeros((0, n_tags))
    for k in range(n_tags):
        inside = int((stacked[:, k] > 0).sum())
        outside = int((stacked[:, k] == 0).sum())
        weights[k, 1:] = min(3.0, max(1.0, (outside / max(inside, 1)) ** 0.25))
    return weights



class TaggerTask(Task):
    """Batches of featurized sentences, the per-tag BIO loss, entity F1 on the dev documents."""

    def __init__(self, model: MultiTagTagger, device: Device, items: list[dict], labels: list[np.ndarray],
                 dev_docs: list[Document], dev_sents: list, dev_items: list[dict], tags: list[str],
                 schema: Schema, opts: dict, save: Callable[[dict | None, int], None]) -> None:
        self.model, self.device, self.items, self.labels = model, device, items, labels
        self.dev_docs, self.dev_sents, self.dev_items = dev_docs, dev_sents, dev_items
        self.tags, self.schema, self.opts, self._save = tags, schema, opts, save

    def batches(self, rng: random.Random) -> list[list[int]]:
        return epoch_batches(self.items, lambda it: int(it["n"]), self.opts["batch_tokens"],
                             self.opts["batch_size"], rng, int(self.opts["min_steps"]))

    def loss(self, idx: list[int]) -> tuple[torch.Tensor, int]:
        batch = self.model.encoder.collate([self.items[i] for i in idx]).to(self.device.torch_device)
        labels = torch.zeros(len(idx), batch.mask.shape[1], len(self.tags), dtype=torch.long)
        for row, i in enumerate(idx):
            labels[row, :len(self.labels[i])] = torch.from_numpy(self.labels[i])
        return self.model.loss(batch, labels.to(self.device.torch_device)), len(idx)

    def evaluate(self) -> dict | None:
        if not self.dev_docs:
            return None
        outputs = run_model(self.model, self.device, self.dev_items)
        predicted, k = [], 0
        for sents in self.dev_sents:
            predicted.append(document_spans(sents, outputs[k:k + len(sents)], self.tags, "model"))
            k += len(sents)
        return score(self.dev_docs, predicted, self.tags, self.schema)

    def score(self, report: dict) -> float:
        return report["macro_f1"] if self.opts["select"] == "macro" else report["micro"]["f1"]

    def epoch_fields(self, report: dict | None, value: float) -> dict:
        return {"dev_f1": round(value, 5) if report else None,
                "dev_micro_f1": round(report["micro"]["f1"], 5) if report else None,
                "dev_macro_f1": round(report["macro_f1"], 5) if report else None}

    def save(self, report: dict | None, epoch: int) -> None:
        self._save(report, epoch)


def train(train_docs: list[Document], dev_docs: list[Document], schema: Schema, out_dir: str | Path,
          encoder: str | dict = "embedded", head: dict | None = None, options: dict | None = None,
          progress: Callable[[dict], None] | None = None, stop: StopFlag | None = None) -> dict:
    """Train, keep the best checkpoint as a bundle in ``out_dir``, return the summary (metrics.json)."""
    opts = {**DEFAULTS, **(options or {})}
    out_dir = Path(out_dir)
    progress = progress or Progress(out_dir / bundle.LOG)
    stop = stop or StopFlag()
    seed_everything(int(opts["seed"]))
    device = pick_device(opts["device"])
    began = time.monotonic()

    tags = tags_in(train_docs, schema)
    if not tags:
        raise ValueError(f"the training documents have no spans with a tag of schema {schema.name!r}")
    progress({"event": "start", "tags": tags, "train_documents": len(train_docs),
              "dev_documents": len(dev_docs), "device": device.name, "encoder": encoder_config(encoder)})

    t0 = time.monotonic()
    stats = LabelStats()
    train_sents, train_labels = [], []
    for doc in train_docs:
        for s in document_sentences(doc, protect_gold=True, max_words=opts["max_words"]):
            train_sents.append(s)
            train_labels.append(bio_labels(s, doc, tags, schema, stats))
    dev_sents = [document_sentences(d, protect_gold=False, max_words=opts["max_words"]) for d in dev_docs]
    enc = build_encoder(encoder_config(encoder), sentences=train_sents)
    train_items = enc.featurize(train_sents)
    dev_flat = [s for doc in dev_sents for s in doc]
    dev_items = enc.featurize(dev_flat)
    progress({"event": "featurized", "sentences": len(train_sents) + len(dev_flat),
              "words": sum(len(s) for s in train_sents) + sum(len(s) for s in dev_flat),
              "labelled": dict(stats.spans), "conflicts": stats.conflicts, "unknown_labels": dict(stats.unknown),
              "seconds": round(time.monotonic() - t0, 2)})

    model = MultiTagTagger(enc, len(tags), head)
    model.label_weight.copy_(label_weights(train_labels, len(tags), model.cfg["entity_weight"]))
    model.to(device.torch_device)
    optimizer = torch.optim.Adam(enc.param_groups(opts["lr"]) + [
        {"params": [p for n, p in model.named_parameters() if not n.startswith("encoder.") and p.requires_grad],
         "lr": opts["lr"]}])
    version = f"{KIND}-{enc.kind}-{time.strftime('%Y%m%d-%H%M%S')}"
    config = {"kind": KIND, "version": version, "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
              "schema": schema.name, "tags": tags, "encoder": enc.config(), "head": dict(model.cfg),
              "training": {k: v for k, v in opts.items() if k != "device"}}

    def save(report: dict | None, epoch: int) -> None:
        bundle.save(out_dir, config, schema, model, metrics={"dev": report, "epoch": epoch})

    task = TaggerTask(model, device, train_items, train_labels, dev_docs, dev_sents, dev_items, tags, schema,
                      opts, save)
    deadline = began + float(opts["max_minutes"]) * 60 if opts["max_minutes"] else None
    trainer = Trainer(task, optimizer, device, epochs=int(opts["epochs"]), grad_clip=opts["grad_clip"],
                      patience=int(opts["patience"]), seed=int(opts["seed"]), began=began,
                      callbacks=[Cancel(stop), Deadline(deadline), ProgressEvents(progress, task.epoch_fields),
                                 DecayOnPlateau(optimizer)])
    with stop:  # SIGTERM / SIGINT now end the loop between batches
        fit = trainer.fit()

    summary = {"kind": KIND, "version": version, "tags": tags, "stopped": fit.stop,
               "best_epoch": fit.best_epoch, "epochs_run": fit.epochs_run,
               "dev_f1": fit.best_score if fit.best_report else None,
               "select": opts["select"], "dev": fit.best_report,
               "train_seconds": fit.seconds, "device": device.name,
               "train_documents": len(train_docs), "dev_documents": len(dev_docs),
               "train_words": sum(len(s) for s in train_sents)}
    if fit.best_epoch:
        bundle.write_json(out_dir / bundle.METRICS, summary)
    progress({"event": "done", "stopped": fit.stop, "best_epoch": fit.best_epoch,
              "dev_f1": round(fit.best_score, 5) if fit.best_report else None,
              "model": str(out_dir) if fit.best_epoch else None, "seconds": summary["train_seconds"]})
    return summary
