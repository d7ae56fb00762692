"""Reading a model bundle's JSON files without torch: what the registry records and what the
app checks before it registers, activates or starts a worker on a bundle.

The layout is the trainer's (``config.json``, ``schema.json``, ``weights.safetensors``,
``metrics.json``); config.json carries the sha256 of the weights, so a truncated or corrupt
bundle is refused here with a clear message instead of failing later inside a worker.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import RdrsError
from ..core.textio import atomic_write_text

FORMAT = "rdrs-gui-model"
FORMAT_VERSION = 1   # trainer.bundle.FORMAT_VERSION, which this module reads without importing torch
KINDS = ("tagger", "coref", "classifier")   # what ``python -m trainer serve`` can load
CONFIG, SCHEMA, WEIGHTS, METRICS = "config.json", "schema.json", "weights.safetensors", "metrics.json"


class BundleError(RdrsError):
    """A model directory the app cannot use: missing, incomplete or corrupt."""


@dataclass(frozen=True)
class BundleInfo:
    path: Path
    kind: str
    version: str
    tags: list[str]
    encoder: str
    metrics: dict = field(default_factory=dict)


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError(f"{path}: cannot be read ({exc})") from None


def inspect(directory: str | Path, verify: bool = True) -> BundleInfo:
    """The bundle's identity and metrics; with ``verify`` the weights' checksum is checked too."""
    directory = Path(directory)
    if not directory.is_dir():
        raise BundleError(f"{directory}: no such model directory")
    if not (directory / CONFIG).exists():
        raise BundleError(f"{directory}: not a model bundle (config.json is missing)")
    config = _read_json(directory / CONFIG)
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise BundleError(f"{directory / CONFIG}: not an rdrs-gui model bundle")
    if config.get("format_version") != FORMAT_VERSION:
        raise BundleError(f"{directory / CONFIG}: bundle format version {config.get('format_version')!r} is not "
                          f"supported (this rdrs-gui reads version {FORMAT_VERSION})")
    if config.get("kind") not in KINDS:
        raise BundleError(f"{directory / CONFIG}: unknown model kind {config.get('kind')!r} "
                          f"(one of {', '.join(KINDS)})")
    if not isinstance(config.get("version", ""), str) or config.get("version") == "":
        raise BundleError(f"{directory / CONFIG}: the version name must be a non-empty string")
    for name in (SCHEMA, WEIGHTS):
        if not (directory / name).exists():
            raise BundleError(f"{directory}: {name} is missing; the bundle is incomplete")
    if verify and config.get("weights_sha256") and _sha256(directory / WEIGHTS) != config["weights_sha256"]:
        raise BundleError(f"{directory / WEIGHTS}: the weights file is corrupt (checksum differs from config.json)")
    metrics = _read_json(directory / METRICS) if (directory / METRICS).exists() else {}
    encoder = config.get("encoder")
    return BundleInfo(directory, str(config.get("kind", "")), str(config.get("version", directory.name)),
                      [str(t) for t in config.get("tags", [])],
                      str(encoder.get("model", encoder.get("kind", ""))) if isinstance(encoder, dict) else "",
                      metrics if isinstance(metrics, dict) else {})


def rename_version(directory: str | Path, version: str) -> None:
    """Give a bundle another version name (when its own is already registered): the name is
    the origin of its suggestions, so it must be unique in the registry."""
    path = Path(directory) / CONFIG
    config = _read_json(path)
    config["version"] = version
    atomic_write_text(path, json.dumps(config, ensure_ascii=False, indent=1) + "\n")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as exc:
        raise BundleError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return digest.hexdigest()


def file_sha256(path: str | Path) -> str:
    return _sha256(Path(path))


def is_bundle(directory: str | Path) -> bool:
    return os.path.isfile(os.path.join(directory, CONFIG))
