"""Training the ADR classifier on ``trainer.engine``: features computed once, length-bucketed
batches, a class-weighted loss, the best epoch chosen on dev.

ADR texts are rare (a few percent of review sentences, 9 % of RuADReCT tweets), so the positive
class weighs ``sqrt(negatives / positives)`` in the loss, checkpoints are chosen by dev average
precision (threshold-free, so the choice does not chase one lucky threshold), and the decision
threshold is the dev F1-best one for the chosen checkpoint, stored in the bundle. The wide n-gram
weights (model.py) learn at their own, higher rate (``wide_lr``) under an L2 penalty (``wide_l2``).

Progress events are the engine's (as the tagger's), with these dev fields and a ``threshold``:
    {"event": "epoch", "epoch": e, "loss": x, "dev_ap": a, "dev_f1": f, "threshold": t, "best": bool, ...}
    {"event": "done", ..., "threshold": t}
"""
from __future__ import annotations

import math
import random
import time
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch.nn import functional as F

from rdrs_gui.core.schema import Schema

from .. import bundle, word_vectors
from .. import features as feats
from ..device import Device, epoch_batches, pick_device
from ..encoders import build_encoder
from ..engine import Cancel, Deadline, Progress, ProgressEvents, StopFlag, Task, Trainer, seed_everything
from ..vocab import Vocabulary
from .data import Example, annotate_units, make_units
from .model import DEFAULTS as HEAD_DEFAULTS, LEMMAS_FILE, LEMMAS_KEY, ADRClassifier, encoder_settings
from .predict import KIND, average_precision, best_threshold, binary_prf, run_model, text_scores

DEFAULTS = {
    "epochs": 30, "patience": 5, "max_minutes": None, "lr": 2e-3, "batch_tokens": 4000, "batch_size": 64,
    "min_steps": 24,
    "seed": 13, "select": "ap", "grad_clip": 5.0, "pos_weight": "auto", "dev_fraction": 0.1, "device": "auto",
    "wide_lr": 1e-2, "wide_l2": 1e-5,
}
SCHEMA = Schema.from_labels("adr-classifier", ["ADR"])


def split_dev(examples: list[Example], fraction: float, seed: int) -> tuple[list[Example], list[Example]]:
    """Stratified hold-out for when no dev set is given: both classes keep their share."""
    rng = random.Random(seed)
    train, dev = [], []
    for label in (0, 1):
        group = [e for e in examples if e.label == label]
        rng.shuffle(group)
        n = max(1, round(len(group) * fraction)) if len(group) > 1 else 0
        dev += group[:n]
        train += group[n:]
    return train, dev


def positive_weight(labels: list[int], setting) -> float:
    """``auto``: sqrt(neg/pos) — enough for the rare class to shape the features; the threshold
    does the rest, where a full neg/pos weight would make training noisy."""
    if setting in (None, "none"):
        return 1.0
    if setting != "auto":
        return float(setting)
    pos = sum(labels)
    return math.sqrt((len(labels) - pos) / max(pos, 1))


class ClassifierTask(Task):
    """Batches of featurized units, a class-weighted binary loss, dev average precision and F1."""

    def __init__(self, model: ADRClassifier, device: Device, items: list[dict], labels: np.ndarray,
                 dev_texts: list[str], dev_units: list, dev_items: list[dict], dev_labels: np.ndarray,
                 pos_weight: torch.Tensor, opts: dict, save: Callable[[dict | None, int], None]) -> None:
        self.model, self.device, self.items, self.labels = model, device, items, labels
        self.dev_texts, self.dev_units, self.dev_items, self.dev_labels = dev_texts, dev_units, dev_items, dev_labels
        self.pos_weight, self.opts, self._save = pos_weight, opts, save

    def batches(self, rng: random.Random) -> list[list[int]]:
        return epoch_batches(self.items, lambda it: int(it["n"]), self.opts["batch_tokens"],
                             self.opts["batch_size"], rng, int(self.opts["min_steps"]))

    def loss(self, idx: list[int]) -> tuple[torch.Tensor, int]:
        batch = self.model.collate([self.items[i] for i in idx]).to(self.device.torch_device)
        target = torch.from_numpy(self.labels[idx]).to(self.device.torch_device)
        logits = self.model(batch)
        # Each member (and the wide n-gram part, one more row) learns on its own; the loss is their mean.
        loss = F.binary_cross_entropy_with_logits(logits.float(), target.expand_as(logits), pos_weight=self.pos_weight)
        return loss + self.opts["wide_l2"] * self.model.penalty(), len(idx)

    def evaluate(self) -> dict:
        scores = text_scores(self.dev_texts, self.dev_units, run_model(self.model, self.device, self.dev_items), 0.5)
        probs = np.array([s.prob for s in scores])
        threshold, _ = best_threshold(probs, self.dev_labels)
        return {**binary_prf(probs, self.dev_labels, threshold), "ap": average_precision(probs, self.dev_labels)}

    def score(self, report: dict) -> float:
        return report["ap"] if self.opts["select"] == "ap" else report["f1"]

    def epoch_fields(self, report: dict | None, value: float) -> dict:
        return {"dev_ap": round(report["ap"], 5), "dev_f1": round(report["f1"], 5), "dev_p": round(report["p"], 5),
                "dev_r": round(report["r"], 5), "threshold": round(report["threshold"], 5)}

    def save(self, report: dict | None, epoch: int) -> None:
        self._save(report, epoch)


def train(train_examples: list[Example], dev_examples: list[Example] | None, out_dir: str | Path,
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

    if any(e.label is None for e in train_examples + (dev_examples or [])):
        raise ValueError("every training and dev text needs a label (0 or 1)")
    if not dev_examples:
        train_examples, dev_examples = split_dev(train_examples, float(opts["dev_fraction"]), int(opts["seed"]))
    labels = [e.label for e in train_examples]
    if len(set(labels)) < 2:
        raise ValueError("the training texts must include both ADR (1) and non-ADR (0) examples")
    head = dict(head or {})
    # ``auto``: the fiction-trained hudlit table where installed (4 F1 points on tweets), else news.
    head["word_vectors"] = word_vectors.resolve(head.get("word_vectors", "auto"))
    enc_cfg = encoder_settings(encoder, head)
    # Fine-tuning one transformer already costs minutes per epoch; an ensemble of them is opt-in.
    head_cfg = {**HEAD_DEFAULTS, "members": 1 if enc_cfg.get("kind") == "transformer" else HEAD_DEFAULTS["members"],
                **head}
    progress({"event": "start", "train_texts": len(train_examples), "train_adr": sum(labels),
              "dev_texts": len(dev_examples), "dev_adr": sum(e.label for e in dev_examples),
              "device": device.name, "encoder": enc_cfg})

    t0 = time.monotonic()
    max_words = int(head_cfg["max_words"])
    train_units = make_units([e.text for e in train_examples], max_words)
    unit_labels = np.array([train_examples[u.text_index].label for u in train_units], dtype=np.float32)
    dev_texts = [e.text for e in dev_examples]
    dev_units = make_units(dev_texts, max_words)
    encoders = [build_encoder(enc_cfg, sentences=[u.sentence for u in train_units])
                for _ in range(int(head_cfg["members"]))]
    enc = encoders[0]
    syntax = _syntax(enc, head_cfg)
    annotate_units(train_units + dev_units, syntax)
    lemmas = Vocabulary.build((u.lemmas for u in train_units), int(head_cfg["lemma_min_count"]),
                              LEMMAS_KEY) if head_cfg["lemma_dim"] else None
    model = ADRClassifier(encoders, head_cfg, lemmas)
    train_items = model.featurize(train_units)
    dev_items = model.featurize(dev_units)
    with_units = {u.text_index for u in train_units}
    progress({"event": "featurized", "units": len(train_units) + len(dev_units),
              "words": sum(len(u.sentence) for u in train_units + dev_units),
              "split_texts": len(train_units) - len(with_units),  # long texts read as several units
              "empty_texts": len(train_examples) - len(with_units),  # no words: nothing to learn from
              "seconds": round(time.monotonic() - t0, 2)})

    model.to(device.torch_device)
    optimizer = torch.optim.Adam(model.param_groups(opts["lr"], opts["wide_lr"]))
    pos_weight = torch.tensor(positive_weight(labels, opts["pos_weight"]), device=device.torch_device)
    version = f"{KIND}-{enc.kind}-{time.strftime('%Y%m%d-%H%M%S')}"
    config = {"kind": KIND, "version": version, "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
              "encoder": enc.config(), "head": dict(model.cfg), "syntax": syntax,
              "training": {k: v for k, v in opts.items() if k != "device"}}

    def save(report: dict | None, epoch: int) -> None:
        if lemmas is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
            lemmas.save(out_dir / LEMMAS_FILE)
        bundle.save(out_dir, {**config, "threshold": report["threshold"]}, SCHEMA, model,
                    metrics={"dev": report, "epoch": epoch})

    task = ClassifierTask(model, device, train_items, unit_labels, dev_texts, dev_units, dev_items,
                          np.array([e.label for e in dev_examples]), pos_weight, opts, save)
    deadline = began + float(opts["max_minutes"]) * 60 if opts["max_minutes"] else None
    trainer = Trainer(task, optimizer, device, epochs=int(opts["epochs"]), grad_clip=opts["grad_clip"],
                      patience=int(opts["patience"]), seed=int(opts["seed"]), began=began,
                      callbacks=[Cancel(stop), Deadline(deadline), ProgressEvents(progress, task.epoch_fields)])
    with stop:  # SIGTERM / SIGINT end the loop between batches
        fit = trainer.fit()

    best = fit.best_report
    summary = {"kind": KIND, "version": version, "stopped": fit.stop, "best_epoch": fit.best_epoch,
               "epochs_run": fit.epochs_run, "select": opts["select"], "dev": best,
               "threshold": best["threshold"] if best else None,
               "train_seconds": fit.seconds, "device": device.name,
               "train_texts": len(train_examples), "dev_texts": len(dev_examples),
               "pos_weight": round(float(pos_weight), 4)}
    if fit.best_epoch:
        bundle.write_json(out_dir / bundle.METRICS, summary)
    progress({"event": "done", "stopped": fit.stop, "best_epoch": fit.best_epoch,
              "dev_f1": round(best["f1"], 5) if best else None,
              "threshold": summary["threshold"], "model": str(out_dir) if fit.best_epoch else None,
              "seconds": summary["train_seconds"]})
    return summary


def _syntax(enc, head: dict) -> dict:
    """The parser for the encoder's features and the dependency pairs: one parse per text.
    Lemmas come with the parse, so it runs (POS-guided) whenever the head uses lemmas."""
    own = enc.config().get("syntax")
    if isinstance(own, dict) and own.get("backend") != "none":
        return dict(own)
    return feats.resolve_syntax("auto" if head["dep_pairs"] or head["lemma_dim"] else "none")
