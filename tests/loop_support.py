"""Shared by the model-loop tests: synthetic reviews (written for these tests), a store holding
some of them as gold and others as raw text, and a tiny real tagger bundle trained in-process.
"""
from __future__ import annotations

from pathlib import Path

from rdrs_gui.core.document import Document
from rdrs_gui.core.store import Store
from tagger_fixtures import make_documents


def raw_copy(doc: Document, name: str) -> Document:
    """The same text without annotations, as an unlabelled review to pre-annotate."""
    return Document(name, doc.text)


def loop_store(path: Path, gold: int = 10, raw: int = 6, seed: int = 0) -> tuple[Store, list[int], list[int]]:
    """A database with ``gold`` annotated reviews (shared gold layer) and ``raw`` unlabelled ones."""
    docs = make_documents(gold + raw, seed=seed)
    store = Store.open(path)
    gold_ids = store.import_documents(docs[:gold]).document_ids
    raw_ids = store.import_documents([raw_copy(d, f"raw-{i}") for i, d in enumerate(docs[gold:])]).document_ids
    return store, gold_ids, raw_ids


def model_window(qtbot, tmp_path: Path, tmp_path_factory, gold: int, raw: int, **training):  # noqa: ANN001, ANN201
    """The main window on a store of ``gold`` done and ``raw`` new documents with a tiny tagger
    active (``window.raw``: the new documents' ids); ``training`` as for ``loop_window``."""
    from gui_support import loop_window
    from rdrs_gui.jobs import registry

    store, _, raw_ids = loop_store(tmp_path / "loop.sqlite", gold=gold, raw=raw)
    store.activate_model(registry.add_bundle(store, shared_bundle(tmp_path_factory)).id)
    window = loop_window(qtbot, store, tmp_path / "config", **training)
    window.raw = raw_ids
    return window


def tiny_bundle(out: Path, epochs: int = 3, seed: int = 0) -> Path:
    """A real tagger bundle in a few seconds (small head, no syntax features)."""
    from rdrs_gui.core.schema import bundled
    from trainer.tagger.train import Progress, train

    docs = make_documents(16, seed=seed)
    train(docs[:12], docs[12:], bundled("rdrs"), out, encoder={"kind": "embedded", "syntax": "none"},
          head={"hidden": 16}, options={"epochs": epochs, "lr": 0.02}, progress=Progress(None, echo=False))
    return out


def shared_bundle(tmp_path_factory, name: str = "tiny-tagger") -> Path:
    """One tiny bundle per test session, shared by every test module that asks for it."""
    out = tmp_path_factory.getbasetemp() / name
    if not (out / "config.json").exists():
        tiny_bundle(out)
    return out


def fake_bundle(out: Path, version: str, tags: tuple[str, ...] = ("ADR", "DrugName")) -> Path:
    """A bundle directory that passes the app's checks (JSON files, weights checksum) without
    torch: for registry and dialog tests that never run the model."""
    import hashlib
    import json

    out.mkdir(parents=True, exist_ok=True)
    weights = (version * 64).encode()
    (out / "weights.safetensors").write_bytes(weights)
    (out / "schema.json").write_text('{"name": "rdrs", "tags": []}', encoding="utf-8")
    (out / "config.json").write_text(json.dumps({
        "format": "rdrs-gui-model", "format_version": 1, "kind": "tagger", "version": version,
        "tags": list(tags), "encoder": {"kind": "embedded"},
        "weights_sha256": hashlib.sha256(weights).hexdigest()}), encoding="utf-8")
    return out


def dev_report(f1: dict[str, float]) -> dict:
    """A dev-split report shaped like the trainer's metrics."""
    per_tag = {t: {"p": v, "r": v, "f1": v, "support": 5} for t, v in f1.items()}
    return {"per_tag": per_tag, "macro_f1": sum(f1.values()) / len(f1), "micro": {"p": 0, "r": 0, "f1": max(f1.values())}}
