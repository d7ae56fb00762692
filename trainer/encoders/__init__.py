"""Encoders: tokenised sentences -> one vector per word. The public interface every model
(tagger, coreference, ADR classifier) builds on.

An encoder works in three steps so the expensive part happens once per sentence:

1. ``featurize(sentences) -> list[dict]`` — CPU work that depends only on the text (parsing,
   vocabulary lookups, sub-word tokenisation). Results are plain numpy arrays: cache them for
   the whole training run.
2. ``collate(items) -> WordBatch`` — pad a batch of featurized sentences into tensors.
3. ``forward(batch) -> Tensor[B, T, output_dim]`` — per-word vectors; ``batch.mask`` marks real words.

Configuration is a JSON dict with ``kind`` (``embedded`` or ``transformer``); an encoder's
``config()`` plus the files written by ``save_assets(dir)`` rebuild it with
``build_encoder(config, directory=dir)``; the weights travel in the owner's state dict.

    enc = build_encoder({"kind": "embedded"}, sentences=train_sentences)   # new, vocab from data
    items = enc.featurize(sentences); vecs = enc(enc.collate(items))
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import torch
from torch import nn

from ..tokenize import Sentence

_KINDS = {"embedded": "trainer.encoders.embedded:EmbeddedEncoder",
          "transformer": "trainer.encoders.transformer:TransformerEncoder"}


@dataclass
class WordBatch:
    """Padded encoder inputs for a batch of sentences; ``mask`` is True on real words."""

    mask: torch.Tensor
    inputs: dict[str, torch.Tensor] = field(default_factory=dict)

    @property
    def lengths(self) -> torch.Tensor:
        return self.mask.sum(1)

    def to(self, device: torch.device) -> "WordBatch":
        return WordBatch(self.mask.to(device, non_blocking=True),
                         {k: v.to(device, non_blocking=True) for k, v in self.inputs.items()})


class Encoder(nn.Module):
    """Base class: see the module docstring for the contract."""

    kind: ClassVar[str]
    # A word's vector depends on that word's own features alone (no context): then all words of
    # many sentences can run as one row with no padding (``collate(items, flat=True)``).
    per_word: ClassVar[bool] = False
    output_dim: int

    def featurize(self, sentences: list[Sentence]) -> list[dict]:
        raise NotImplementedError

    def collate(self, items: list[dict], flat: bool = False) -> WordBatch:
        """``flat`` (``per_word`` encoders only): one row holding every word of ``items``, one
        sentence after another, and ``inputs["lengths"]`` (B,) saying where each ends."""
        raise NotImplementedError

    def split(self, batch: WordBatch) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """``per_word`` encoders: the output as (vectors of distinct words (U, D1), the row of
        each word among them (B, T; U for padding), the rest of each word's vector (B, T, D2) or
        None); ``forward`` gives ``[distinct[rows], rest]`` with zeros on padding."""
        raise NotImplementedError

    def config(self) -> dict:
        raise NotImplementedError

    def save_assets(self, directory: Path) -> None:
        """Write vocabularies / tokenizer files next to the owner's ``config.json``."""

    def param_groups(self, lr: float) -> list[dict]:
        """Optimizer parameter groups; pretrained parts may ask for a smaller learning rate."""
        return [{"params": [p for p in self.parameters() if p.requires_grad], "lr": lr}]

    @classmethod
    def create(cls, config: dict, sentences: list[Sentence]) -> "Encoder":
        raise NotImplementedError

    @classmethod
    def load(cls, config: dict, directory: Path) -> "Encoder":
        raise NotImplementedError


def encoder_class(kind: str) -> type[Encoder]:
    if kind not in _KINDS:
        raise ValueError(f"unknown encoder kind {kind!r}; known: {', '.join(_KINDS)}")
    module, name = _KINDS[kind].split(":")
    return getattr(importlib.import_module(module), name)


def encoder_config(spec: str | dict) -> dict:
    """``"embedded"`` or a Hugging Face model id / local directory -> an encoder config dict."""
    if isinstance(spec, dict):
        return dict(spec)
    if spec == "embedded":
        return {"kind": "embedded"}
    return {"kind": "transformer", "model": spec}


def build_encoder(config: dict | str, sentences: list[Sentence] | None = None,
                  directory: str | Path | None = None) -> Encoder:
    """A new encoder (vocabularies from ``sentences``) or, with ``directory``, a saved one."""
    config = encoder_config(config)
    cls = encoder_class(config.get("kind", ""))
    if directory is not None:
        return cls.load(config, Path(directory))
    return cls.create(config, sentences or [])


__all__ = ["Encoder", "WordBatch", "build_encoder", "encoder_class", "encoder_config"]
