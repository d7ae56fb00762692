"""The offline CPU encoder: navec word vectors (frozen; news from the natasha wheel by default,
see ``word_vectors``) ⊕ char-CNN ⊕ casing/number bits ⊕ POS and dependency-relation embeddings
(RDRS paper, model A inputs).

Works on a fresh machine with no network: everything pretrained ships inside pip packages.
Trainable parameters are only the char-CNN and the small feature embeddings, so it trains in
minutes on two cores.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from .. import features as feats
from ..natasha_torch import STATE_DIM, NavecTable
from ..tokenize import Sentence
from ..vocab import Vocabulary
from ..word_vectors import NEWS
from . import Encoder, WordBatch
from .parts import (CHARS_KEY, CharCNN, FeatureEmbedding, char_arrays, char_vocabulary, concat_words,
                    distinct_words, feature_arrays, pad_words, word_mask)

CHARS_FILE = "chars.json"
DEFAULTS = {
    "kind": "embedded",
    "word_vectors": "navec:" + NEWS,
    "char_dim": 30, "char_filters": 30, "char_kernel": 3, "max_word_chars": 52,
    "casing": True, "syntax": "auto", "parser_states": True,
    "pos_dim": 16, "rel_dim": 16, "head_pos_dim": 8,
}


class EmbeddedEncoder(Encoder):
    kind = "embedded"
    per_word = True

    def __init__(self, config: dict, chars: Vocabulary) -> None:
        super().__init__()
        self.cfg = {**DEFAULTS, **config}
        self.cfg["syntax"] = feats.resolve_syntax(self.cfg["syntax"])
        self.chars = chars
        kind, _, table = str(self.cfg["word_vectors"]).partition(":")
        if kind != "navec":
            raise ValueError(f"unknown word vectors {self.cfg['word_vectors']!r}: expected 'navec:<file>'")
        self.navec = NavecTable(table)
        self.char_cnn = CharCNN(len(chars), self.cfg["char_dim"], self.cfg["char_filters"], self.cfg["char_kernel"])
        self.use_syntax = self.cfg["syntax"]["backend"] != "none"
        if self.use_syntax:
            feats.parser_for(self.cfg["syntax"])  # loaded now, not inside the first (timed) prediction
        # The natasha parser's hidden layers as word features; other backends have none.
        self.cfg["parser_states"] = bool(self.cfg["parser_states"]) and self.cfg["syntax"]["backend"] == "natasha"
        self.use_states = self.cfg["parser_states"]
        self.features = FeatureEmbedding(self.cfg["casing"], self.use_syntax, self.cfg["pos_dim"],
                                         self.cfg["rel_dim"], self.cfg["head_pos_dim"])
        self.output_dim = (self.navec.dim + self.char_cnn.output_dim + self.features.output_dim
                           + (STATE_DIM if self.use_states else 0))

    @classmethod
    def create(cls, config: dict, sentences: list[Sentence]) -> "EmbeddedEncoder":
        return cls(config, char_vocabulary(sentences))

    @classmethod
    def load(cls, config: dict, directory: Path) -> "EmbeddedEncoder":
        return cls(config, Vocabulary.load(directory / CHARS_FILE, CHARS_KEY))

    def config(self) -> dict:
        return dict(self.cfg)

    def save_assets(self, directory: Path) -> None:
        self.chars.save(directory / CHARS_FILE)

    def featurize(self, sentences: list[Sentence]) -> list[dict]:
        todo = [s for s in sentences if s.pos is None or (self.use_states and s.states is None)]
        if self.use_syntax and todo:
            feats.annotate(todo, feats.parser_for(self.cfg["syntax"]), states=self.use_states)
        out = []
        ids = self.navec.word_ids([w for s in sentences for w in s.words])
        offsets = np.cumsum([0] + [len(s) for s in sentences])
        chars = char_arrays(sentences, self.chars, self.cfg["max_word_chars"])
        for k, s in enumerate(sentences):
            item = feature_arrays(s, self.cfg["casing"], self.use_syntax)
            item["words"] = ids[offsets[k]:offsets[k + 1]]
            item["chars"] = chars[k]
            item["n"] = len(s)
            if self.use_states:
                item["states"] = s.states
            out.append(item)
        return out

    def collate(self, items: list[dict], flat: bool = False) -> WordBatch:
        # Navec id, characters and casing depend on the word alone: once per distinct word.
        distinct, rows = distinct_words(items, ["words", "chars"] + (["casing"] if self.cfg["casing"] else []))
        inputs = {f"word_{key}": value for key, value in distinct.items()}
        mask = word_mask(items)
        inputs["word_rows"] = rows[mask].unsqueeze(0) if flat else rows
        per_word = concat_words if flat else pad_words
        if self.use_syntax:
            for key in ("pos", "rel", "head_pos"):
                inputs[key] = per_word(items, key)
        if self.use_states:
            inputs["states"] = per_word(items, "states", torch.float32)
        if not flat:
            return WordBatch(mask, inputs)
        inputs["lengths"] = torch.tensor([int(item["n"]) for item in items])
        return WordBatch(torch.ones_like(inputs["word_rows"], dtype=torch.bool), inputs)

    def split(self, batch: WordBatch) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """The output in two parts: vectors of the distinct words (U, ``word_dim``) with each
        word's row among them (B, T; U for padding), and the rest of each word's vector
        (B, T, ``output_dim - word_dim``), None when there is none. A model's first layer can
        multiply the first part once per distinct word."""
        inputs = batch.inputs
        words = [self.navec(inputs["word_words"]), self.char_cnn(inputs["word_chars"])]
        if self.cfg["casing"]:
            words.append(inputs["word_casing"].float())
        rest = []
        if self.use_syntax:
            rest.append(self.features.syntax_vectors(inputs))
        if self.use_states:
            rest.append(inputs["states"])
        return torch.cat(words, -1), inputs["word_rows"], torch.cat(rest, -1) if rest else None

    @property
    def word_dim(self) -> int:
        return self.navec.dim + self.char_cnn.output_dim + (feats.N_CASING if self.cfg["casing"] else 0)

    def forward(self, batch: WordBatch) -> torch.Tensor:
        words, rows, rest = self.split(batch)
        words = F.pad(words, (0, 0, 0, 1))[rows]  # padding: zeros
        return words if rest is None else torch.cat([words, rest], -1)
