"""The one training loop every model kind uses (tagger, ADR classifier, coreference).

A kind describes only what differs — its batches, its loss and its dev evaluation — as a
``Task``; ``Trainer`` runs the epochs: mixed precision on CUDA (autocast plus loss scaling for
fp16), gradient clipping, the running loss, and the choice of the best epoch. Everything else
hangs on the loop as a callback, as in flair's plugins: progress events, cancel (SIGTERM, a
Stop button), a deadline, checkpoints of the best epoch, early stopping, learning-rate decay.

Progress events (one JSON object per line on stdout and in the bundle's ``train_log.jsonl``);
a task adds its own ``start`` and ``featurized`` events and its own dev fields:

    {"event": "step", "epoch": e, "step": i, "steps": n, "loss": x, "seconds": s}   (about 10 per epoch)
    {"event": "epoch", "epoch": e, "loss": x, <dev fields, "dev_f1" among them>, "best": bool, "seconds": s
     [, "partial": true]}
    {"event": "done", "stopped": "early"|"epochs"|"time"|"cancelled", "best_epoch": e, "dev_f1": f,
     "model": dir, "seconds": s, <task fields>}

A run ends at the first of: the epoch limit, a cancel (the epoch in progress is dropped), the
deadline (the part of the epoch already learnt is evaluated and may become the best), early
stopping. The best epoch's checkpoint is written when it is reached, so whatever stops the run,
the best model so far is on disk.
"""
from __future__ import annotations

import json
import random
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import torch

from .device import Device

CANCELLED, TIME, EARLY, EPOCHS = "cancelled", "time", "early", "epochs"


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
    """Set by SIGTERM/SIGINT (inside ``with``) or by a caller; the loop checks it between batches."""

    def __init__(self) -> None:
        self.stop = False
        self._old: dict = {}

    def __call__(self) -> bool:
        return self.stop

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
        self._old = {}


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    # CPU kernels used here are deterministic; on CUDA pin cuDNN. (torch.use_deterministic_algorithms
    # would import the compiler stack, ~2 s of start-up for nothing on CPU.)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False


class Patience:
    """Which epoch is best, and when to give up. Bad epochs count only once the dev score is
    above zero: on a few dozen documents a model can find nothing on dev for many epochs while
    the loss still falls, and that is no plateau (the learning-rate decay waits for the same
    reason). Without a dev set the score is the negative loss and counts from the start.
    ``patience`` None: never exhausted."""

    def __init__(self, patience: int | None) -> None:
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
        return self.patience is not None and self.bad >= self.patience


class Task:
    """What one model kind trains: the engine calls these, the kind's ``train.py`` defines them."""

    model: torch.nn.Module

    def batches(self, rng: random.Random) -> Sequence[Any]:
        """One epoch of training batches, in the order to learn them."""
        raise NotImplementedError

    def loss(self, batch: Any) -> tuple[torch.Tensor, int]:
        """The batch's loss (run under autocast) and how many examples it averages over."""
        raise NotImplementedError

    def evaluate(self) -> dict | None:
        """The dev report of the current weights, or None without a dev set."""
        raise NotImplementedError

    def score(self, report: dict) -> float:
        """The figure of a dev report that picks the best epoch (higher is better)."""
        raise NotImplementedError

    def epoch_fields(self, report: dict | None, score: float) -> dict:
        """The dev figures of an ``epoch`` event (``dev_f1`` among them)."""
        raise NotImplementedError

    def save(self, report: dict | None, epoch: int) -> None:
        """Write the current weights as a complete bundle (the best epoch so far)."""
        raise NotImplementedError


@dataclass
class Fit:
    """The state of a run that callbacks read, and ``stop`` they set."""

    began: float
    epoch: int = 0
    step: int = 0
    steps: int = 0
    total: float = 0.0           # loss summed over the examples seen this epoch
    seen: int = 0
    report: dict | None = None
    score: float = 0.0
    improved: bool = False
    counting: bool = False       # whether dev has found anything yet (see Patience)
    best_epoch: int = 0
    best_report: dict | None = None
    best_score: float | None = None
    eval_seconds: float = 0.0    # the last evaluation's duration, so a deadline leaves room for one
    stop: str | None = None
    partial: bool = False        # the epoch was cut short by the deadline
    epochs_run: int = 0
    total_steps: int = 0         # optimizer steps over the whole run

    @property
    def loss(self) -> float:
        return self.total / max(self.seen, 1)

    @property
    def seconds(self) -> float:
        return round(time.monotonic() - self.began, 1)


class Callback:
    """Hooks on the loop; each may set ``fit.stop`` to end the run."""

    def on_step_begin(self, fit: Fit) -> None: ...

    def on_step_end(self, fit: Fit) -> None: ...

    def on_epoch_end(self, fit: Fit) -> None: ...


class Cancel(Callback):
    """Stops before the next batch once ``should_stop()`` is true (a ``StopFlag``, a Stop button)."""

    def __init__(self, should_stop: Callable[[], bool]) -> None:
        self.should_stop = should_stop

    def on_step_begin(self, fit: Fit) -> None:
        if self.should_stop():
            fit.stop = CANCELLED


class Deadline(Callback):
    """Stops before a batch that would leave no time for the evaluation after it."""

    def __init__(self, at: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.at = at
        self.clock = clock

    def on_step_begin(self, fit: Fit) -> None:
        if self.at is not None and self.clock() + fit.eval_seconds > self.at:
            fit.stop = TIME


class EarlyStopping(Callback):
    """Picks the best epoch by the task's dev score (see ``Patience``) and stops after
    ``patience`` epochs without a better one (None: never)."""

    def __init__(self, patience: int | None) -> None:
        self.tracker = Patience(patience)

    def on_epoch_end(self, fit: Fit) -> None:
        fit.improved = self.tracker.update(fit.score, scored=fit.report is not None)
        fit.counting = self.tracker.counting
        if fit.improved:
            fit.best_epoch, fit.best_report, fit.best_score = fit.epoch, fit.report, fit.score
        if self.tracker.exhausted and fit.stop is None:
            fit.stop = EARLY


class Checkpoint(Callback):
    """Saves each new best epoch through ``save(report, epoch)``: a complete bundle each time, so
    a cancelled or killed run leaves the best model so far."""

    def __init__(self, save: Callable[[dict | None, int], None]) -> None:
        self.save = save

    def on_epoch_end(self, fit: Fit) -> None:
        if fit.improved:
            self.save(fit.report, fit.epoch)


class DecayOnPlateau(Callback):
    """Halves the learning rate when the dev score stalls for two epochs, once dev finds anything."""

    def __init__(self, optimizer: torch.optim.Optimizer, factor: float = 0.5, patience: int = 2) -> None:
        self.scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="max", factor=factor,
                                                                    patience=patience)

    def on_epoch_end(self, fit: Fit) -> None:
        if fit.report is not None and fit.counting and fit.stop is None:
            self.scheduler.step(fit.score)


class ProgressEvents(Callback):
    """``step`` events about ten times an epoch and one ``epoch`` event per epoch."""

    def __init__(self, progress: Callable[[dict], None], epoch_fields: Callable[[dict | None, float], dict]) -> None:
        self.progress = progress
        self.epoch_fields = epoch_fields

    def on_step_end(self, fit: Fit) -> None:
        every = max(1, fit.steps // 10)
        if fit.step % every == 0 and fit.step < fit.steps:
            self.progress({"event": "step", "epoch": fit.epoch, "step": fit.step, "steps": fit.steps,
                           "loss": round(fit.loss, 5), "seconds": fit.seconds})

    def on_epoch_end(self, fit: Fit) -> None:
        event = {"event": "epoch", "epoch": fit.epoch, "loss": round(fit.loss, 5),
                 **self.epoch_fields(fit.report, fit.score), "best": fit.improved, "seconds": fit.seconds}
        if fit.partial:
            event["partial"] = True
        self.progress(event)


class Trainer:
    """Runs a ``Task`` for up to ``epochs`` epochs; see the module docstring for when it stops.

    The step: forward and loss under the device's autocast, loss scaling (fp16 only), gradients
    unscaled and clipped to ``grad_clip``, the optimizer step. Epoch-end callbacks run in this
    order: early stopping (which decides ``fit.improved``), checkpoint, the given callbacks."""

    def __init__(self, task: Task, optimizer: torch.optim.Optimizer, device: Device, *, epochs: int,
                 grad_clip: float | None = None, patience: int | None = None, seed: int = 13,
                 callbacks: Sequence[Callback] = (), began: float | None = None) -> None:
        self.task = task
        self.optimizer = optimizer
        self.device = device
        self.epochs = int(epochs)
        self.grad_clip = grad_clip
        self.rng = random.Random(int(seed))
        self.callbacks = [EarlyStopping(patience), Checkpoint(task.save), *callbacks]
        self.fit_state = Fit(began=time.monotonic() if began is None else began)

    def _each(self, hook: str) -> None:
        for callback in self.callbacks:
            getattr(callback, hook)(self.fit_state)

    def fit(self) -> Fit:
        fit = self.fit_state
        model = self.task.model
        scaler = self.device.grad_scaler()
        for epoch in range(1, self.epochs + 1):
            fit.epoch, fit.total, fit.seen, fit.report = epoch, 0.0, 0, None
            model.train()
            batches = self.task.batches(self.rng)
            fit.steps = len(batches)
            for fit.step, batch in enumerate(batches, 1):
                self._each("on_step_begin")
                if fit.stop:
                    break
                with self.device.autocast():
                    loss, n = self.task.loss(batch)
                self.optimizer.zero_grad(set_to_none=True)
                scaler.scale(loss).backward()
                scaler.unscale_(self.optimizer)
                if self.grad_clip:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), self.grad_clip)
                scaler.step(self.optimizer)
                scaler.update()
                fit.total += float(loss.detach()) * n
                fit.seen += n
                fit.total_steps += 1
                self._each("on_step_end")
            if fit.stop == CANCELLED or (fit.stop == TIME and fit.seen == 0):
                break  # nothing (new) learnt this epoch: the best checkpoint so far stands
            fit.partial = fit.stop == TIME
            t_eval = time.monotonic()
            fit.report = self.task.evaluate()
            fit.eval_seconds = time.monotonic() - t_eval
            fit.score = self.task.score(fit.report) if fit.report is not None else -fit.loss
            fit.epochs_run = epoch
            self._each("on_epoch_end")
            if fit.stop:
                break
        fit.stop = fit.stop or EPOCHS
        return fit
