"""Comparing a new model with the active one honestly: on the same pinned evaluation set, with
the number of gold mentions behind each tag's F1, and saying what the training data was.

Two models' dev figures come from different dev splits, so they are compared on the pinned
evaluation set whenever both were scored on it; the first retrain of a project that has none
pins one (a seeded tenth of what it could learn from) so that every later model can be. A
change on a tag with a handful of mentions is one or two mentions found or missed, so every
row carries its mention count."""
from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..core.store import ModelRow, Store
from . import bundles, registry

AUTO_PIN_MIN_POOL = 20     # documents to learn from before a first retrain pins an evaluation set
AUTO_PIN_SHARE = 0.1
FEW_MENTIONS = 10          # below this, a tag's F1 change is a mention or two


def first_eval_set(store: Store, project: str, pool: Sequence[int], seed: int) -> list[int]:
    """Pin an evaluation set on a project's first retrain, when none is pinned and the pool of
    documents to learn from is large enough to spare a tenth (at least 2); returns what was
    pinned ([] when nothing was)."""
    if store.eval_set(project) or len(pool) < AUTO_PIN_MIN_POOL:
        return []
    chosen = sorted(random.Random(seed).sample(sorted(pool), max(2, round(len(pool) * AUTO_PIN_SHARE))))
    store.set_eval_set(chosen, project=project)
    return chosen


def score_previous(store: Store, previous: ModelRow | None, eval_ids: list[int], gold: Path, log_path: Path,
                   device: str, score: Callable[..., dict | None]) -> ModelRow | None:
    """The active model scored on the same pinned set as the new one (once per set); the
    previous model unchanged when it already was, has no bundle any more, or scoring failed."""
    if previous is None or not eval_ids or scored_on(previous, eval_ids):
        return previous
    try:
        bundles.inspect(previous.path)
    except bundles.BundleError:
        return previous
    report = score(Path(previous.path), gold, log_path, device, kind=previous.kind)
    if report is None:
        return previous
    store.update_model_metrics(previous.id, {"eval": report, "eval_ids": eval_ids, "eval_documents": len(eval_ids)})
    return store.model(previous.id)


def scored_on(model: ModelRow, eval_ids: list[int]) -> bool:
    return isinstance(model.metrics.get("eval"), dict) and sorted(model.metrics.get("eval_ids") or []) == sorted(eval_ids)


def training_line(marked_done: int, imported_gold: int, train: int, dev: int) -> str:
    """What the model learns from, with both sources named (imported gold is never silent)."""
    return (f"training on {marked_done + imported_gold} documents: {marked_done} marked done + {imported_gold} with "
            f"imported gold annotations ({train} to learn from, {dev} held out for dev)")


@dataclass
class TagRow:
    tag: str
    new: float | None
    old: float | None
    mentions: int | None     # gold mentions of the tag behind the figures (the new model's split)


@dataclass
class Comparison:
    split: str               # "eval": the same pinned documents for both; "dev": each its own dev split
    documents: int | None    # evaluation documents, when split == "eval"
    rows: list[TagRow]
    new_macro: float | None
    old_macro: float | None

    @property
    def worse(self) -> bool:
        """The new model scores below the active one (so activating it is not the default)."""
        return self.new_macro is not None and self.old_macro is not None and self.new_macro < self.old_macro - 5e-4


def compare(new: ModelRow, old: ModelRow | None) -> Comparison:
    """Per tag and overall, on the pinned evaluation set when both models were scored on the
    same one (or the new one alone, with no active model), else on their dev splits."""
    eval_ids = new.metrics.get("eval_ids") or []
    same = isinstance(new.metrics.get("eval"), dict) and eval_ids and (old is None or scored_on(old, eval_ids))
    split = "eval" if same else "dev"
    report = new.metrics.get(split) if isinstance(new.metrics.get(split), dict) else {}
    per_tag = report.get("per_tag") if isinstance(report.get("per_tag"), dict) else {}
    rows = [TagRow(tag, a, b, _mentions(per_tag.get(tag), report, new.kind))
            for tag, a, b in registry.comparison(new, old, split)]
    return Comparison(split, len(eval_ids) if same else None, rows, registry.macro_f1(new, split),
                      registry.macro_f1(old, split) if old is not None else None)


def _mentions(row: object, report: dict, kind: str) -> int | None:
    if isinstance(row, dict) and isinstance(row.get("support"), int):
        return row["support"]
    if kind == "classifier" and isinstance(report.get("positives"), int):
        return report["positives"]        # ADR reports among the scored reviews
    return None
