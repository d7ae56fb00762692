"""The model registry's rules, shared by the GUI and the CLI: which figures compare versions,
when the "activate when dev macro F1 improves" rule fires, and activation that first checks
that the bundle is still there and intact."""
from __future__ import annotations

from pathlib import Path

from ..core.store import ModelRow, Store
from . import bundles

AUTO_ACTIVATE = "auto_activate"  # store setting: True = activate a new model whose dev macro F1 is higher


COREF_METRICS = (("MUC", "muc"), ("B³", "bcub"), ("CEAF-e", "ceafe"))   # the CoNLL-2012 average's parts


def macro_f1(model: ModelRow, split: str = "dev") -> float | None:
    """The one figure that ranks versions: macro F1 over the tagger's labels; an ADR classifier
    has one label (its positive class), so its report's ``f1``; a coreference model's CoNLL-2012
    average F1 (of MUC, B³ and CEAF-e)."""
    report = model.metrics.get(split)
    if not isinstance(report, dict):
        return None
    key = {"classifier": "f1", "coref": "avg_f1"}.get(model.kind, "macro_f1")
    value = report.get("macro_f1", report.get(key))
    return float(value) if isinstance(value, (int, float)) else None


def micro_f1(model: ModelRow, split: str = "dev") -> float | None:
    report = model.metrics.get(split)
    micro = report.get("micro") if isinstance(report, dict) else None
    value = micro.get("f1") if isinstance(micro, dict) else None
    return float(value) if isinstance(value, (int, float)) else None


def f1_name(model: ModelRow) -> str:
    """What ``macro_f1`` means for this model, in words."""
    return {"classifier": "F1 of the ADR class", "coref": "CoNLL average F1"}.get(model.kind, "macro F1")


def per_tag_f1(model: ModelRow, split: str = "dev") -> dict[str, float]:
    report = model.metrics.get(split)
    if model.kind == "classifier":
        f1 = macro_f1(model, split)
        return {} if f1 is None else {"ADR": f1}
    if model.kind == "coref":   # rows: the three scores the CoNLL average is made of, F1 each
        scores = {name: report[key][2] for name, key in COREF_METRICS
                  if isinstance(report, dict) and isinstance(report.get(key), list) and len(report[key]) == 3}
        avg = macro_f1(model, split)
        return {**({} if avg is None else {"CoNLL avg": avg}),
                **{name: float(f1) for name, f1 in scores.items() if isinstance(f1, (int, float))}}
    tags = report.get("per_tag") if isinstance(report, dict) else None
    if not isinstance(tags, dict):
        return {}
    return {tag: float(row["f1"]) for tag, row in tags.items() if isinstance(row, dict) and "f1" in row}


def comparison(new: ModelRow, old: ModelRow | None, split: str = "dev") -> list[tuple[str, float | None, float | None]]:
    """Per tag (new model's tags first, then tags only the old one knows): new F1, old F1."""
    a, b = per_tag_f1(new, split), per_tag_f1(old, split) if old is not None else {}
    return [(tag, a.get(tag), b.get(tag)) for tag in list(a) + [t for t in b if t not in a]]


def training_documents(model: ModelRow) -> int:
    return len(model.documents)


def auto_activate_enabled(store: Store) -> bool:
    return bool(store.setting(AUTO_ACTIVATE, False))


def improves(new: ModelRow, active: ModelRow | None) -> bool:
    """The auto-activation rule: a higher dev macro F1 than the active model (any, if none)."""
    new_f1 = macro_f1(new)
    if new_f1 is None:
        return False
    old_f1 = macro_f1(active) if active is not None else None
    return old_f1 is None or new_f1 > old_f1


def activate(store: Store, version_or_id: str | int) -> ModelRow:
    """Make a version active after checking its bundle (a deleted or corrupt one is refused)."""
    model = store.model(version_or_id)
    bundles.inspect(Path(model.path))
    store.activate_model(model.id)
    return store.model(model.id)


def rollback(store: Store, kind: str = "tagger") -> ModelRow:
    """Return to the version of ``kind`` that was active before the current one; if that one's
    bundle is gone or corrupt, the current version stays active and BundleError says why."""
    current = store.active_model(kind)
    previous = store.rollback_model(kind)
    try:
        bundles.inspect(Path(previous.path))
    except bundles.BundleError:
        if current is not None:
            store.activate_model(current.id)
        raise
    return previous


def add_bundle(store: Store, path: str | Path) -> ModelRow:
    """Register a bundle trained elsewhere (``python -m trainer ... train``): its own metrics,
    no data snapshot from this database. Not activated."""
    info = bundles.inspect(path)
    if not info.kind:
        raise bundles.BundleError(f"{path}: config.json names no model kind")
    m = info.metrics
    metrics = {"dev": m.get("dev"), "stopped": m.get("stopped"), "best_epoch": m.get("best_epoch"),
               "train_seconds": m.get("train_seconds"), "encoder": info.encoder, "tags": info.tags,
               "train_documents": m.get("train_documents"), "dev_documents": m.get("dev_documents")}
    model_id = store.register_model(info.kind, Path(path).resolve(), info.version, metrics, [],
                                    str(m.get("device") or "unknown"), snapshot={"imported_from": str(path)})
    return store.model(model_id)
