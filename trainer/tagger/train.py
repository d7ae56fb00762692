"""Training the multi-tag tagger: features computed once, length-bucketed batches, early
stopping on dev F1, a time budget, JSON-lines progress, and a clean stop on SIGTERM.

Progress events (one JSON object per line on stdout, and in ``train_log.jsonl``):

    {"event": "start", "tags": [...], "train_documents": n, "dev_documents": n, "device": ...}
    {"event": "featurized", "sentences": n, "seconds": s}
    {"event": "step", "epoch": e, "step": i, "steps": n, "loss": x}          (every ~10 % of an epoch)
    {"event": "epoch", "epoch": e, "loss": x, "dev_f1": f, "dev_micro_f1": f, "dev_macro_f1": f,
     "best": bool, "seconds": s}
    {"event": "done", "stopped": "early"|"epochs"|"time"|"cancelled", "best_epoch": e, "dev_f1": f,
     "model": dir}

``dev_f1`` is the figure the best checkpoint is chosen by (``select``: macro F1 by default, the
measure that does not let frequent tags hide a rare one such as ADR). The best checkpoint is
written as a complete bundle each time it improves, so a cancelled or killed run leaves it.
"""
from __future__ import annotations

import json
import random
import signal
import threading
import time
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from rdrs_gui.core.document import Document
from rdrs_gui.core.schema import Schema

from .. import bundle
from ..device import epoch_batches, pick_device
from ..encoders import build_encoder, encoder_config
from .data import LabelStats, bio_labels, document_sentences, tags_in
from .model import MultiTagTagger
from .predict import KIND, document_spans, run_model, score

DEFAULTS = {
    "epochs": 40, "patience": 6, "max_minutes": None, "lr": 2e-3, "batch_tokens": 3000, "batch_size": 64,
    "min_steps": 24,
    "seed": 13, "select": "macro", "grad_clip": 5.0, "max_words": 100, "device": "auto",
}


class Progress:
    """Writes each event as a JSON line to stdout (for the GUI) and to the bundle's train log."""

    def __init__(self, log_path: Path | None, echo: bool = True) -> None:
        self.log_path = log_path
        self.echo = echo
        self.events: list[dict] = []
        if log_path is not None:
            log_path.parent.mkdir(parents=True, exist_ok=True)
            log_path.write_text("", encoding="utf-8")

    def __call__(self, event: dict) -> None:
        self.events.append(event)
        line = json.dumps(event, ensure_ascii=False)
        if self.echo:
            print(line, flush=True)
        if self.log_path is not None:
            with self.log_path.open("a", encoding="utf-8") as f:
                f.write(line + "\n")


class StopFlag:
    """Set by SIGTERM/SIGINT (or by a caller); the loop checks it between batches."""

    def __init__(self) -> None:
        self.stop = False
        self._old: dict = {}

    def __enter__(self) -> "StopFlag":
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        self.stop = True

    def __exit__(self, *exc) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    # CPU kernels used here are deterministic; on CUDA pin cuDNN. (torch.use_deterministic_algorithms
    # would import the compiler stack, ~2 s of start-up for nothing on CPU.)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False


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


class Patience:
    """Early stopping on the dev score. Bad epochs count only once the dev F1 is above zero: on a
    few dozen documents the heads can find nothing on dev for many epochs while the loss still
    falls, and that is no plateau (the learning-rate decay waits for the same reason). Without
    a dev set the score is the negative loss and counts from the start."""

    def __init__(self, patience: int) -> None:
        self.patience = patience
        self.best = float("-inf")
        self.bad = 0
        self.counting = False

    def update(self, score: float, scored: bool = True) -> bool:
        """Record an epoch's score; True when it is the best so far. Until dev finds anything, the
        latest epoch counts as the best: it has learnt the most, and it is the one to keep."""
        first_find = not self.counting
        self.counting = self.counting or not scored or score > 0
        if score > self.best or (first_find and score == self.best):
            self.best, self.bad = score, 0
            return True
        if self.counting:
            self.bad += 1
        return False

    @property
    def exhausted(self) -> bool:
        return self.bad >= self.patience


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
    deadline = began + float(opts["max_minutes"]) * 60 if opts["max_minutes"] else None

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
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="max", factor=0.5, patience=2)
    scaler = device.grad_scaler()
    version = f"{KIND}-{enc.kind}-{time.strftime('%Y%m%d-%H%M%S')}"
    config = {"kind": KIND, "version": version, "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
              "schema": schema.name, "tags": tags, "encoder": enc.config(), "head": dict(model.cfg),
              "training": {k: v for k, v in opts.items() if k != "device"}}

    rng = random.Random(int(opts["seed"]))
    best_epoch, best_report = 0, None
    patience = Patience(int(opts["patience"]))
    stopped, epoch, eval_seconds = "epochs", 0, 0.0

    def evaluate() -> dict:
        outputs = run_model(model, device, dev_items)
        predicted, k = [], 0
        for sents in dev_sents:
            predicted.append(document_spans(sents, outputs[k:k + len(sents)], tags, "model"))
            k += len(sents)
        return score(dev_docs, predicted, tags, schema)

    with stop:  # SIGTERM / SIGINT now end the loop between batches
        for epoch in range(1, int(opts["epochs"]) + 1):
            model.train()
            batches = epoch_batches(train_items, lambda it: int(it["n"]), opts["batch_tokens"], opts["batch_size"],
                                    rng, int(opts["min_steps"]))
            total, seen = 0.0, 0
            report_every = max(1, len(batches) // 10)
            interrupted = None
            for step, idx in enumerate(batches, 1):
                if stop.stop:
                    interrupted = "cancelled"
                    break
                if deadline is not None and time.monotonic() + eval_seconds > deadline:
                    interrupted = "time"
                    break
                batch = enc.collate([train_items[i] for i in idx]).to(device.torch_device)
                length = batch.mask.shape[1]
                labels = torch.zeros(len(idx), length, len(tags), dtype=torch.long)
                for row, i in enumerate(idx):
                    labels[row, :len(train_labels[i])] = torch.from_numpy(train_labels[i])
                labels = labels.to(device.torch_device)
                with device.autocast():
                    loss = model.loss(batch, labels)
                optimizer.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                scaler.unscale_(optimizer)
                torch.nn.utils.clip_grad_norm_(model.parameters(), opts["grad_clip"])
                scaler.step(optimizer)
                scaler.update()
                total += float(loss.detach()) * len(idx)
                seen += len(idx)
                if step % report_every == 0 and step < len(batches):
                    progress({"event": "step", "epoch": epoch, "step": step, "steps": len(batches),
                              "loss": round(total / max(seen, 1), 5)})
            if interrupted == "cancelled" or (interrupted == "time" and seen == 0):
                stopped = interrupted
                epoch -= 1
                break
            t_eval = time.monotonic()
            report = evaluate() if dev_docs else None
            eval_seconds = time.monotonic() - t_eval
            f1 = _select(report, opts["select"]) if report else -total / max(seen, 1)
            improved = patience.update(f1, scored=bool(report))
            if improved:
                best_epoch, best_report = epoch, report
                bundle.save(out_dir, config, schema, model, metrics={"dev": report, "epoch": epoch})
            event = {"event": "epoch", "epoch": epoch, "loss": round(total / max(seen, 1), 5),
                     "dev_f1": round(f1, 5) if report else None,
                     "dev_micro_f1": round(report["micro"]["f1"], 5) if report else None,
                     "dev_macro_f1": round(report["macro_f1"], 5) if report else None,
                     "best": improved, "seconds": round(time.monotonic() - began, 1)}
            if interrupted == "time":
                event["partial"] = True
            progress(event)
            if interrupted:
                stopped = interrupted
                break
            if report and patience.counting:
                scheduler.step(f1)
            if patience.exhausted:
                stopped = "early"
                break

    summary = {"kind": KIND, "version": version, "tags": tags, "stopped": stopped,
               "best_epoch": best_epoch, "epochs_run": epoch, "dev_f1": patience.best if best_report else None,
               "select": opts["select"], "dev": best_report,
               "train_seconds": round(time.monotonic() - began, 1), "device": device.name,
               "train_documents": len(train_docs), "dev_documents": len(dev_docs),
               "train_words": sum(len(s) for s in train_sents)}
    if best_epoch:
        bundle.write_json(out_dir / bundle.METRICS, summary)
    progress({"event": "done", "stopped": stopped, "best_epoch": best_epoch,
              "dev_f1": round(patience.best, 5) if best_report else None,
              "model": str(out_dir) if best_epoch else None, "seconds": summary["train_seconds"]})
    return summary


def _select(report: dict, how: str) -> float:
    return report["macro_f1"] if how == "macro" else report["micro"]["f1"]
