"""Model bundles: one directory per trained model, safetensors + JSON, never pickle.

    config.json        kind ("tagger", later "coref", "classifier"), version, encoder and head
                       configs, sha256 of the weights
    schema.json        the tag schema the model was trained for
    weights.safetensors
    <vocabularies>     written by the encoder (chars.json, transformer/ tokenizer files, ...)
    metrics.json       evaluation figures
    train_log.jsonl    the training progress events

``read_config`` validates everything a loader relies on before any tensor is touched, and
every problem becomes a ``BundleError`` whose message says what is wrong with which file.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from rdrs_gui.core.errors import RdrsError
from rdrs_gui.core.schema import Schema
from rdrs_gui.core.textio import atomic_write_text

FORMAT = "rdrs-gui-model"
FORMAT_VERSION = 1
CONFIG, SCHEMA, WEIGHTS, METRICS, LOG = "config.json", "schema.json", "weights.safetensors", "metrics.json", "train_log.jsonl"


class BundleError(RdrsError):
    """A model directory that cannot be used: missing, corrupt, another kind or another schema."""


def write_json(path: Path, data: object) -> None:
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def save(directory: str | Path, config: dict, schema: Schema, model: torch.nn.Module,
         metrics: dict | None = None) -> Path:
    """Write (or overwrite) a bundle. The weights land first, config.json (with their hash) last,
    so a bundle interrupted mid-save is recognised as incomplete rather than loaded wrongly."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().to("cpu").contiguous().clone() for k, v in model.state_dict().items()}
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".weights-", suffix=".tmp")
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata={"format": FORMAT})
        os.replace(tmp, directory / WEIGHTS)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    encoder = getattr(model, "encoder", None)
    if encoder is not None and hasattr(encoder, "save_assets"):
        encoder.save_assets(directory)
    atomic_write_text(directory / SCHEMA, schema.to_json() + "\n")
    if metrics is not None:
        write_json(directory / METRICS, metrics)
    full = {"format": FORMAT, "format_version": FORMAT_VERSION, **config,
            "weights_sha256": _sha256(directory / WEIGHTS)}
    write_json(directory / CONFIG, full)
    return directory


def read_config(directory: str | Path, kind: str | None = None) -> dict:
    """The validated config.json of a bundle (``kind`` checked when given)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise BundleError(f"{directory}: no such model directory")
    path = directory / CONFIG
    if not path.exists():
        raise BundleError(f"{directory}: not a model bundle (config.json is missing)")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError(f"{path}: corrupt config ({exc})") from None
    except OSError as exc:   # a folder where the file should be, no permission
        raise BundleError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise BundleError(f"{path}: not an rdrs-gui model bundle")
    if config.get("format_version") != FORMAT_VERSION:
        raise BundleError(f"{path}: bundle format version {config.get('format_version')!r} is not supported "
                          f"(this program reads version {FORMAT_VERSION})")
    if kind is not None and config.get("kind") != kind:
        raise BundleError(f"{directory}: this is a {config.get('kind')!r} model, not a {kind!r} model")
    for file in (SCHEMA, WEIGHTS):
        if not (directory / file).exists():
            raise BundleError(f"{directory}: {file} is missing; the bundle is incomplete")
    return config


def read_schema(directory: str | Path, expected: Schema | None = None) -> Schema:
    """The bundle's schema; with ``expected``, refuse a model trained for another tag set."""
    directory = Path(directory)
    try:
        schema = Schema.load(directory / SCHEMA)
    except RdrsError as exc:
        raise BundleError(f"{directory / SCHEMA}: {exc}") from None
    if expected is not None:
        check_schema(directory, schema, expected)
    return schema


def check_schema(directory: Path, schema: Schema, expected: Schema) -> None:
    if schema.name != expected.name:
        raise BundleError(f"{directory}: the model was trained for schema {schema.name!r}, "
                          f"not {expected.name!r}")
    missing = [t for t in schema.tag_names if expected.tag(t) is None]
    if missing:
        raise BundleError(f"{directory}: the model predicts tags that schema {expected.name!r} lacks: "
                          f"{', '.join(missing)}")


def load_weights(directory: str | Path, model: torch.nn.Module, config: dict) -> None:
    """Load weights.safetensors into ``model`` after checking its hash, names and shapes."""
    path = Path(directory) / WEIGHTS
    expected = config.get("weights_sha256")
    if expected and _sha256(path) != expected:
        raise BundleError(f"{path}: the weights file is corrupt (checksum differs from config.json)")
    try:
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise BundleError(f"{path}: cannot read the weights ({exc})") from None
    own = model.state_dict()
    missing = sorted(set(own) - set(tensors))
    unexpected = sorted(set(tensors) - set(own))
    if missing or unexpected:
        raise BundleError(f"{path}: weights do not fit the model described by config.json "
                          f"(missing {missing[:3]}, unexpected {unexpected[:3]})")
    for name, value in tensors.items():
        if tuple(own[name].shape) != tuple(value.shape):
            raise BundleError(f"{path}: tensor {name} has shape {tuple(value.shape)}, "
                              f"the model expects {tuple(own[name].shape)}")
    model.load_state_dict(tensors)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as exc:
        raise BundleError(f"{path}: cannot read ({exc.strerror or exc})") from None
    return digest.hexdigest()
