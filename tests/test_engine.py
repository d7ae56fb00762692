"""The one training loop (trainer.engine) on a tiny regression model: it learns, and cancel,
the deadline, early stopping and checkpoints behave as every model kind relies on."""
from __future__ import annotations

import os
import random
import signal

import pytest
import torch
from torch import nn

from rdrs_gui.core.schema import Schema
from trainer import bundle
from trainer.device import pick_device
from trainer.engine import (Callback, Cancel, Deadline, DecayOnPlateau, Patience, ProgressEvents, StopFlag, Task,
                            Trainer, seed_everything)

SCHEMA = Schema.from_labels("engine-test", ["X"])


class Regression(Task):
    """y = 3·x1 − 2·x2 from 64 points in batches of 8; dev score = −MSE on 16 other points, or the
    next of ``scripted`` scores when given (to steer early stopping and the best epoch)."""

    def __init__(self, scripted: list[float] | None = None, folder=None) -> None:
        seed_everything(0)
        self.model = nn.Linear(2, 1)
        g = torch.Generator().manual_seed(0)
        self.x, self.dev_x = torch.randn(64, 2, generator=g), torch.randn(16, 2, generator=g)
        w = torch.tensor([[3.0], [-2.0]])
        self.y, self.dev_y = self.x @ w, self.dev_x @ w
        self.scripted = list(scripted) if scripted is not None else None
        self.folder = folder
        self.saved: list[int] = []
        self.snapshots: dict[int, dict] = {}

    def batches(self, rng: random.Random) -> list[list[int]]:
        order = list(range(64))
        rng.shuffle(order)
        return [order[k:k + 8] for k in range(0, 64, 8)]

    def loss(self, idx: list[int]) -> tuple[torch.Tensor, int]:
        return nn.functional.mse_loss(self.model(self.x[idx]), self.y[idx]), len(idx)

    def evaluate(self) -> dict:
        with torch.no_grad():
            mse = float(nn.functional.mse_loss(self.model(self.dev_x), self.dev_y))
        return {"score": self.scripted.pop(0) if self.scripted is not None else -mse, "mse": mse}

    def score(self, report: dict) -> float:
        return report["score"]

    def epoch_fields(self, report: dict | None, value: float) -> dict:
        return {"dev_f1": round(value, 5)}

    def save(self, report: dict | None, epoch: int) -> None:
        self.saved.append(epoch)
        self.snapshots[epoch] = {k: v.clone() for k, v in self.model.state_dict().items()}
        if self.folder is not None:
            bundle.save(self.folder, {"kind": "test", "version": f"epoch{epoch}"}, SCHEMA, self.model,
                        metrics={"dev": report, "epoch": epoch})


def run(task: Regression, epochs: int = 10, patience: int | None = None, callbacks=(), progress=None):
    events: list[dict] = []
    opt = torch.optim.SGD(task.model.parameters(), lr=0.1)
    trainer = Trainer(task, opt, pick_device("cpu"), epochs=epochs, grad_clip=5.0, patience=patience, seed=1,
                      callbacks=[*callbacks, ProgressEvents(progress or events.append, task.epoch_fields)])
    return trainer.fit(), events


def test_the_loop_learns_and_reports_every_epoch():
    task = Regression()
    fit, events = run(task, epochs=6)
    epochs = [e for e in events if e["event"] == "epoch"]
    steps = [e for e in events if e["event"] == "step"]
    assert fit.stop == "epochs" and fit.epochs_run == 6 and fit.total_steps == 48
    assert [e["epoch"] for e in epochs] == [1, 2, 3, 4, 5, 6]
    assert epochs[-1]["loss"] < epochs[0]["loss"] / 10 and fit.best_report["mse"] < 0.01
    assert steps and all(e["steps"] == 8 and 0 < e["step"] < 8 for e in steps)
    assert fit.best_epoch == task.saved[-1]  # the best epoch is the one saved last


def test_cancel_stops_between_batches_and_keeps_the_best_checkpoint(tmp_path):
    flag = StopFlag()
    task = Regression(scripted=[0.2, 0.5, 0.4, 0.9], folder=tmp_path / "ckpt")
    events = []

    def progress(event):
        events.append(event)
        if event["event"] == "epoch" and event["epoch"] == 3:
            flag.stop = True  # what SIGTERM does

    fit, _ = run(task, epochs=50, callbacks=[Cancel(flag)], progress=progress)
    # epoch 4 ends before its first batch: not evaluated, not counted; the best stays epoch 2
    assert fit.stop == "cancelled" and fit.epochs_run == 3 and fit.total_steps == 24
    assert fit.best_epoch == 2 and task.saved == [1, 2]
    assert [e["epoch"] for e in events if e["event"] == "epoch"] == [1, 2, 3]
    assert bundle.read_config(tmp_path / "ckpt")["version"] == "epoch2"


def test_cancel_before_the_first_batch_leaves_no_checkpoint():
    task = Regression()
    fit, events = run(task, callbacks=[Cancel(lambda: True)])
    assert fit.stop == "cancelled" and fit.epochs_run == 0 and fit.best_epoch == 0 and task.saved == []
    assert not [e for e in events if e["event"] == "epoch"]


def test_checkpoint_restores_the_best_epochs_weights(tmp_path):
    task = Regression(scripted=[0.1, 0.7, 0.3], folder=tmp_path / "b")
    fit, _ = run(task, epochs=3)
    assert fit.best_epoch == 2
    fresh = nn.Linear(2, 1)
    bundle.load_weights(tmp_path / "b", fresh, bundle.read_config(tmp_path / "b"))
    for name, value in fresh.state_dict().items():
        assert torch.equal(value, task.snapshots[2][name])
        assert not torch.equal(value, task.model.state_dict()[name])  # the model went on learning
    assert bundle.read_config(tmp_path / "b")["version"] == "epoch2"


def test_deadline_evaluates_the_part_learnt_and_stops():
    now = [0.0]

    class Clock(Callback):
        def on_step_end(self, fit):
            now[0] += 1.0  # each batch takes a "second"

    task = Regression()
    fit, events = run(task, epochs=50, callbacks=[Deadline(12.5, clock=lambda: now[0]), Clock()])
    epochs = [e for e in events if e["event"] == "epoch"]
    assert fit.stop == "time" and fit.total_steps == 13
    assert [e["epoch"] for e in epochs] == [1, 2] and epochs[-1].get("partial") is True
    assert "partial" not in epochs[0] and fit.epochs_run == 2


def test_deadline_before_any_batch_of_an_epoch_keeps_the_previous_best():
    now = [0.0]

    class Clock(Callback):
        def on_step_end(self, fit):
            now[0] += 1.0

    task = Regression()
    fit, _ = run(task, epochs=50, callbacks=[Deadline(7.5, clock=lambda: now[0]), Clock()])
    assert fit.stop == "time" and fit.epochs_run == 1 and fit.best_epoch == 1 and task.saved == [1]


def test_early_stopping_counts_epochs_without_a_better_dev_score():
    task = Regression(scripted=[0.0, 0.0, 0.3, 0.5, 0.4, 0.5, 0.45, 0.9])
    fit, events = run(task, epochs=8, patience=3)
    assert fit.stop == "early" and fit.epochs_run == 7
    assert fit.best_epoch == 4 and fit.best_score == 0.5  # a tie is no improvement
    assert task.saved == [1, 2, 3, 4]  # while dev finds nothing, the latest epoch is kept
    assert [e["best"] for e in events if e["event"] == "epoch"] == [True, True, True, True, False, False, False]


def test_patience_waits_for_the_first_find_and_none_never_stops():
    patience = Patience(1)
    assert [patience.update(s) for s in (0.0, 0.0, 0.0)] == [True, True, True] and not patience.exhausted
    never = Patience(None)
    for s in (0.5, 0.1, 0.1, 0.1):
        never.update(s)
    assert never.bad == 3 and not never.exhausted


def test_decay_on_plateau_halves_the_rate_when_dev_stalls():
    task = Regression(scripted=[0.5, 0.4, 0.4, 0.4, 0.4])
    opt = torch.optim.SGD(task.model.parameters(), lr=0.1)
    Trainer(task, opt, pick_device("cpu"), epochs=5, seed=1, callbacks=[DecayOnPlateau(opt)]).fit()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.05)


def test_stop_flag_is_set_by_sigterm_inside_with_and_restores_the_handler():
    before = signal.getsignal(signal.SIGTERM)
    with StopFlag() as flag:
        assert not flag()
        os.kill(os.getpid(), signal.SIGTERM)
        assert flag() and flag.stop
    assert signal.getsignal(signal.SIGTERM) == before
