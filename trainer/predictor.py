"""The one predictor base: a loaded bundle of one kind on a chosen device, run over inputs
batched by length. Each kind (tagger, coreference, ADR classifier) says how to rebuild its model
from ``config.json``, how to predict documents and how to answer the ``serve`` worker."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Sequence

import torch

from rdrs_gui.core.document import Document, model_origin

from . import bundle
from .device import Device, length_batches, pick_device


def run_batched(model: torch.nn.Module, device: Device, items: Sequence[dict],
                step: Callable[[list[int]], Sequence[Any]], batch_tokens: int, max_items: int = 128) -> list:
    """``step(indices)`` over length-bucketed batches of featurized ``items`` (``"n"`` words each),
    in inference mode under the device's autocast: one result per item, in input order."""
    model.eval()
    out: list = [None] * len(items)
    with torch.inference_mode():
        for idx in length_batches(items, lambda it: int(it["n"]), batch_tokens, max_items=max_items):
            with device.autocast():
                results = step(idx)
            for i, result in zip(idx, results):
                out[i] = result
    return out


class Predictor:
    """Loads ``directory`` (a bundle of kind ``kind``): config checked, model rebuilt, weights
    checked and loaded, moved to ``device`` (``auto``: CUDA when present) in eval mode.
    ``predict`` has no side effects on its input unless the kind says otherwise."""

    kind = ""

    def __init__(self, directory: str | Path, device: str = "auto") -> None:
        self.directory = Path(directory)
        self.config = bundle.read_config(self.directory, kind=self.kind)
        try:
            self.model = self.build(self.config)
        except (KeyError, TypeError, ValueError, FileNotFoundError, OSError, RuntimeError) as exc:
            raise bundle.BundleError(f"{self.directory}: cannot rebuild the model from config.json ({exc})") from None
        bundle.load_weights(self.directory, self.model, self.config)
        self.device = pick_device(device)
        self.model.to(self.device.torch_device).eval()
        self.version = str(self.config.get("version", self.directory.name))
        self.origin = model_origin(self.version)

    def build(self, config: dict) -> torch.nn.Module:
        """The untrained model ``config`` describes (raise KeyError/ValueError... when it cannot)."""
        raise NotImplementedError

    def info(self) -> dict:
        """What the ``serve`` worker reports about the loaded model."""
        return {"kind": self.kind, "version": self.version, "encoder": self.config["encoder"].get("kind"),
                "device": self.device.name, "path": str(self.directory)}

    def predict(self, documents: list[Document]) -> list[Document]:
        """Documents carrying this model's suggestions."""
        raise NotImplementedError

    def serve(self, documents: list[dict]) -> dict:
        """The ``predict`` answer of ``python -m trainer serve`` (see trainer.serve)."""
        raise NotImplementedError
