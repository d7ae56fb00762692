"""The three-level ADR classifier of the tweet paper.

Per word: the encoder's vector (navec + char-CNN + casing/POS features for ``embedded``, a
Hugging Face model with a char-CNN for ``transformer``; navec is the fiction-trained hudlit table
where installed, see ``trainer.word_vectors``) ⊕ a dependency-pair vector built from
(head lemma, relation, dependent lemma) ⊕ a trainable vector of the word's lemma. The sequence
goes through a BiLSTM; max- and mean-pooling over the words feed a small MLP that gives one
logit. A few such networks are averaged (``ADRClassifier``), and a linear model over hashed word and
char n-grams (``wide.WideNgrams``), trained in the same loop on the same batches, weighs as much
as the networks together (wide & deep).

The same pooling restricted to the words of one sentence, through the same MLP, scores each
sentence in its context: the highest one is "the sentence that drove the score".
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from .. import features as feats
from ..encoders import Encoder, WordBatch, encoder_config
from ..encoders.parts import pad_words
from ..layers import BiLSTM
from ..natasha_torch import NavecTable
from ..vocab import Vocabulary
from ..word_vectors import NEWS
from .data import Unit
from .wide import WideNgrams, collate_ngrams, ngram_features

DEFAULTS = {"hidden": 128, "layers": 1, "dropout": 0.5, "char_cnn": True, "syntax_features": True,
            "dep_pairs": True, "pair_dim": 64, "pair_rel_dim": 32, "lemma_dim": 64, "lemma_min_count": 2,
            "lemma_dropout": 0.1, "mlp": 128, "members": 3, "max_words": 256,
            "wide": True, "wide_buckets": 1 << 18, "word_vectors": NEWS}
PAIR_KEYS = ("dep_head", "dep_rel", "dep_word")
LEMMAS_FILE = "classifier_lemmas.json"
LEMMAS_KEY = "lemmas"  # lemmas seen at least lemma_min_count times: the task's own lexical memory


class DepPairEmbedding(nn.Module):
    """A word's dependency relation as a vector: navec(head lemma) ⊕ relation embedding ⊕
    navec(own lemma), projected. Lemma vectors are frozen navec (the classifier's table), so rare
    inflections of symptoms ("тошнило", "тошноту") meet the same head/dependent vectors."""

    def __init__(self, rel_dim: int, out_dim: int, table: str = NEWS) -> None:
        super().__init__()
        self.navec = NavecTable(table)
        self.rel = nn.Embedding(feats.N_REL, rel_dim, padding_idx=0)
        self.root = nn.Parameter(torch.zeros(self.navec.dim))  # the "head" of a sentence's root
        self.proj = nn.Linear(2 * self.navec.dim + rel_dim, out_dim)
        self.output_dim = out_dim

    def lemma_ids(self, lemmas: list[str]) -> list[int]:
        return [self.navec.word_id(x) for x in lemmas]

    def forward(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        head = inputs["dep_head"]  # navec id of the head's lemma, -1 for a root
        is_root = (head < 0).unsqueeze(-1)
        head_vec = torch.where(is_root, self.root.to(torch.float32), self.navec(head.clamp(min=0)))
        parts = [head_vec, self.rel(inputs["dep_rel"]), self.navec(inputs["dep_word"])]
        return torch.tanh(self.proj(torch.cat(parts, -1)))


class ThreeLevelNet(nn.Module):
    """One network: word vectors ⊕ dependency pairs ⊕ task lemma vectors -> BiLSTM -> pooled -> logit."""

    def __init__(self, encoder: Encoder, config: dict, lemmas: Vocabulary | None) -> None:
        super().__init__()
        self.cfg = config
        self.encoder = encoder
        self.lemmas = lemmas if self.cfg["lemma_dim"] else None
        if self.cfg["lemma_dim"] and lemmas is None:
            raise ValueError("a classifier with lemma embeddings needs its lemma vocabulary")
        self.lemma_emb = (nn.Embedding(len(lemmas), self.cfg["lemma_dim"], padding_idx=0)
                          if self.lemmas is not None else None)
        if not self.cfg["char_cnn"] and encoder.kind == "embedded":
            _drop_char_cnn(encoder)
        self.pairs = (DepPairEmbedding(self.cfg["pair_rel_dim"], self.cfg["pair_dim"], self.cfg["word_vectors"])
                      if self.cfg["dep_pairs"] else None)
        in_dim = (encoder.output_dim + (self.pairs.output_dim if self.pairs is not None else 0)
                   + (self.cfg["lemma_dim"] if self.lemmas is not None else 0))
        self.input_dropout = nn.Dropout(self.cfg["dropout"])
        self.lstm = BiLSTM(in_dim, self.cfg["hidden"], self.cfg["layers"], self.cfg["dropout"])
        self.head = nn.Sequential(nn.Dropout(self.cfg["dropout"]), nn.Linear(2 * self.lstm.output_dim, self.cfg["mlp"]),
                                  nn.ReLU(), nn.Linear(self.cfg["mlp"], 1))

    # ----- data -----

    def featurize(self, units: list[Unit]) -> list[dict]:
        """Encoder inputs plus dependency-pair ids per unit (units must be parsed already)."""
        items = self.encoder.featurize([u.sentence for u in units])
        for unit, item in zip(units, items):
            s = unit.sentence
            if self.pairs is not None:
                lemma_ids = self.pairs.lemma_ids(unit.lemmas)
                item["dep_head"] = np.array([lemma_ids[h - 1] if h > 0 else -1 for h in s.heads], dtype=np.int64)
                item["dep_rel"] = np.array([feats.rel_index(r) for r in s.rels], dtype=np.int64)
                item["dep_word"] = np.array(lemma_ids, dtype=np.int64)
            if self.lemmas is not None:
                item["lemma"] = np.array(self.lemmas.encode(unit.lemmas), dtype=np.int64)
            sentence_of = np.zeros(len(s), dtype=np.int64)
            for k, (a, b) in enumerate(unit.bounds):
                sentence_of[a:b] = k
            item["sentence_of"] = sentence_of
            item["n_sentences"] = len(unit.bounds)
        return items

    def collate(self, items: list[dict]) -> WordBatch:
        batch = self.encoder.collate(items)
        if self.pairs is not None:
            for key in PAIR_KEYS:
                batch.inputs[key] = pad_words(items, key)
        if self.lemmas is not None:
            batch.inputs["lemma"] = pad_words(items, "lemma")
        batch.inputs["sentence_of"] = pad_words(items, "sentence_of")
        return batch

    # ----- scoring -----

    def states(self, batch: WordBatch) -> torch.Tensor:
        parts = [self.encoder(batch)]
        if self.pairs is not None:
            parts.append(self.pairs(batch.inputs))
        if self.lemma_emb is not None:
            ids = batch.inputs["lemma"]
            if self.training and self.cfg["lemma_dropout"]:
                # Word dropout: unseen lemmas are "unknown" at prediction time, so training must
                # meet the unknown vector in real contexts too.
                drop = (torch.rand(ids.shape, device=ids.device) < self.cfg["lemma_dropout"]) & (ids > 0)
                ids = ids.masked_fill(drop, 1)
            parts.append(self.lemma_emb(ids))
        x = self.input_dropout(torch.cat([p.float() for p in parts], -1))
        return self.lstm(x, batch.mask)

    def forward(self, batch: WordBatch) -> torch.Tensor:
        """One logit per unit: (B,)."""
        h = self.states(batch)
        return self.head(_pool(h, batch.mask)).squeeze(-1)

    def score(self, batch: WordBatch, n_sentences: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Unit logits (B,) and sentence logits (B, n_sentences); absent sentences get -inf."""
        h = self.states(batch)
        mask = batch.mask
        units = self.head(_pool(h, mask)).squeeze(-1)
        b, t, d = h.shape
        segment = (torch.arange(b, device=h.device).unsqueeze(1) * n_sentences
                   + batch.inputs["sentence_of"]).masked_fill(~mask, b * n_sentences)
        flat, seg = h.reshape(b * t, d), segment.reshape(-1)
        size = b * n_sentences + 1  # the last slot collects padding
        top = torch.full((size, d), float("-inf"), device=h.device, dtype=h.dtype)
        top = top.scatter_reduce(0, seg.unsqueeze(1).expand(-1, d), flat, reduce="amax")
        total = torch.zeros(size, d, device=h.device, dtype=h.dtype).index_add_(0, seg, flat)
        count = torch.zeros(size, device=h.device, dtype=h.dtype).index_add_(0, seg, torch.ones_like(seg, dtype=h.dtype))
        present = count[:-1] > 0
        pooled = torch.cat([top[:-1].masked_fill(~present.unsqueeze(1), 0.0),
                            total[:-1] / count[:-1].clamp(min=1).unsqueeze(1)], -1)
        sentences = self.head(pooled).squeeze(-1).masked_fill(~present, float("-inf"))
        return units, sentences.view(b, n_sentences)


class ADRClassifier(nn.Module):
    """``members`` three-level networks trained side by side on the same batches from different
    initialisations; their probabilities are averaged. On a few thousand short texts one such
    network overfits within a handful of epochs and its ranking varies from seed to seed —
    averaging a few is the cheapest steady gain, and the time budget pays for it."""

    def __init__(self, encoders: list[Encoder], config: dict | None = None, lemmas: Vocabulary | None = None) -> None:
        super().__init__()
        self.cfg = {**DEFAULTS, **(config or {})}
        if len(encoders) != int(self.cfg["members"]):
            raise ValueError(f"{self.cfg['members']} members need as many encoders, got {len(encoders)}")
        self.members = nn.ModuleList(ThreeLevelNet(e, self.cfg, lemmas) for e in encoders)
        self.wide = WideNgrams(int(self.cfg["wide_buckets"])) if self.cfg["wide"] else None

    @property
    def encoder(self) -> Encoder:
        """Members share vocabularies, so the first one's encoder assets serve all (bundle.save)."""
        return self.members[0].encoder

    def featurize(self, units: list[Unit]) -> list[dict]:
        items = self.members[0].featurize(units)
        if self.wide is not None:
            for unit, item in zip(units, items):
                item["wide_ids"], item["wide_w"] = ngram_features(unit.sentence.words, self.wide.buckets)
        return items

    def collate(self, items: list[dict]) -> WordBatch:
        batch = self.members[0].collate(items)
        if self.wide is not None:
            batch.inputs.update(collate_ngrams(items))
        return batch

    def param_groups(self, lr: float, wide_lr: float | None = None) -> list[dict]:
        """Per-member groups at ``lr``; the wide weights at ``wide_lr``: each bucket sees only the
        few texts that contain its n-grams, so at the network's rate it would still be far from
        fitted when the network starts to overfit."""
        groups = []
        for m in self.members:
            groups += m.encoder.param_groups(lr)
            groups.append({"params": [p for n, p in m.named_parameters() if not n.startswith("encoder.")
                                      and p.requires_grad], "lr": lr})
        if self.wide is not None:
            groups.append({"params": list(self.wide.parameters()), "lr": wide_lr or lr})
        return groups

    def penalty(self) -> torch.Tensor | float:
        """The L2 term the training loss adds (scaled by ``wide_l2``): the wide weights only."""
        return self.wide.penalty() if self.wide is not None else 0.0

    def forward(self, batch: WordBatch) -> torch.Tensor:
        """Each member's logit per unit, then the wide logit: (members + 1, B) with the wide part,
        (members, B) without. Each row has its own loss, so the wide part is fitted as a linear
        model of its own and the networks are not pushed to learn only what it misses."""
        logits = torch.stack([m(batch) for m in self.members])
        if self.wide is not None:
            logits = torch.cat([logits, self.wide(batch.inputs).unsqueeze(0).to(logits.dtype)])
        return logits

    @torch.no_grad()
    def score(self, batch: WordBatch, n_sentences: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Unit and sentence logits of the averaged probability; absent sentences get -inf.
        The networks' mean probability and the wide part's weigh half each; a sentence gets its
        unit's wide probability, as the n-grams speak for the whole text."""
        outputs = [m.score(batch, n_sentences) for m in self.members]
        units = torch.stack([torch.sigmoid(u.float()) for u, _ in outputs]).mean(0)
        sents = torch.stack([torch.sigmoid(x.float()) for _, x in outputs]).mean(0)
        if self.wide is not None:
            wide = torch.sigmoid(self.wide(batch.inputs).float())
            units = (units + wide) / 2
            sents = ((sents + wide.unsqueeze(1)) / 2).masked_fill(outputs[0][1].isneginf(), 0.0)
        return torch.logit(units), torch.logit(sents)


def encoder_settings(encoder: str | dict, head: dict) -> dict:
    """The encoder config for a classifier head config: the char-CNN is one of the paper's three
    levels, so a transformer gets one too; the embedded encoder reads the head's word-vector
    table (as the dependency pairs do); ``syntax_features=False`` (an ablation) also removes the
    encoder's own POS/relation features."""
    cfg = encoder_config(encoder)
    head = {**DEFAULTS, **head}
    if cfg.get("kind") == "transformer":
        cfg.setdefault("char_cnn", bool(head["char_cnn"]))
    else:
        cfg["word_vectors"] = "navec:" + head["word_vectors"]
    if not head["syntax_features"]:
        cfg["syntax"] = "none"
    return cfg


class _NoChars(nn.Module):
    """Stands in for the embedded encoder's char-CNN in the "without char-CNN" ablation."""

    output_dim = 0

    def forward(self, chars: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
        return torch.zeros(*(chars.shape[:1] if rows is None else rows.shape), 0, device=chars.device)


def _drop_char_cnn(encoder: Encoder) -> None:
    # The embedded encoder has no switch for its char-CNN (the tagger always wants it), so the
    # ablation swaps the module for a zero-width one; its weights then are not in the bundle.
    encoder.output_dim -= encoder.char_cnn.output_dim
    encoder.char_cnn = _NoChars()


def _pool(h: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Max ⊕ mean over the real words of each sequence."""
    m = mask.unsqueeze(-1)
    top = h.masked_fill(~m, float("-inf")).amax(1)
    mean = (h * m).sum(1) / m.sum(1).clamp(min=1)
    return torch.cat([top, mean], -1)
