"""natasha's offline models (navec word vectors, slovnet morphology tagger and syntax parser),
run in torch instead of slovnet's numpy executor.

Why: slovnet's numpy convolution (im2col through ``np.ndarray`` strides) parses ~12k words/s
with both models on two cores, the whole inference budget of the tagger. The same weights as
batched ``conv1d`` in torch run several times faster and give identical outputs
(``tests/test_encoders.py`` compares them with slovnet's own results).

The wheel files are read with slovnet's and navec's loaders (JSON + raw arrays, no pickle).
natasha itself is never imported: its package ``__init__`` imports pymorphy2, which is broken
in this Python (see NOTES.md); only the location of its data folder is needed.
"""
from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .word_vectors import NEWS, WordVectorsMissing, file_name, locate

MORPH_FILE = "model/slovnet_morph_news_v1.tar"
SYNTAX_FILE = "model/slovnet_syntax_news_v1.tar"
STATE_DIM = 128  # last CNN layer of the morphology tagger (64) and of the parser (64)
_LOCK = threading.Lock()


def natasha_data_dir() -> Path:
    """Folder of the model files shipped in the natasha wheel (found without importing it)."""
    spec = importlib.util.find_spec("natasha")
    if spec is None or spec.origin is None:
        raise RuntimeError("the natasha package is not installed; it provides the offline word "
                           "vectors and parser (pip install natasha)")
    return Path(spec.origin).parent / "data"


def load_navec(name: str = NEWS):
    """A navec table as navec's own object; see ``word_vectors`` for where the file comes from."""
    from navec import Navec

    path = locate(name)
    with _LOCK:
        try:
            return Navec.load(str(path))
        except Exception as err:  # navec's own loader: tar, JSON and raw arrays, no pickle
            raise WordVectorsMissing(f"{path}: not a navec word-vector table ({err})") from err


@dataclass(frozen=True)
class _Table:
    id: str
    dim: int
    vocab: dict[str, int]
    indexes: torch.Tensor  # (words, qdim) uint8 centroid ids
    codes: torch.Tensor  # (qdim, centroids, dim / qdim)


@lru_cache(maxsize=2)
def _table(name: str) -> _Table:
    # One CPU copy per table and process, shared by every NavecTable on the CPU. Only what the
    # lookup needs is kept: navec's own objects (word list, counts, similarity caches) held
    # another ~125 MB resident for the news and hudlit tables together.
    navec = load_navec(name)
    pq = navec.pq
    return _Table(navec.meta.id, int(pq.dim), navec.vocab.word_ids,
                  torch.from_numpy(np.array(pq.indexes, dtype=np.uint8)),
                  torch.from_numpy(np.array(pq.codes, dtype=np.float32)))


class NavecTable(nn.Module):
    """Frozen navec lookup: word ids -> 300-d vectors, decoded from the quantised table on the fly.

    The table is a non-persistent buffer: it comes from the installed file, not from model bundles.
    """

    def __init__(self, name: str = NEWS) -> None:
        super().__init__()
        self.file = file_name(name)
        table = _table(self.file)
        self.vocab = table.vocab
        self.id = table.id
        self.unk_id = self.vocab.get("<unk>")
        self.pad_id = self.vocab.get("<pad>")
        self.dim = table.dim
        self.register_buffer("indexes", table.indexes, persistent=False)
        self.register_buffer("codes", table.codes, persistent=False)
        self.register_buffer("qdims", torch.arange(table.codes.shape[0]), persistent=False)

    def word_id(self, word: str) -> int:
        """Navec id of ``word`` (lowercased; ё falls back to е), ``<unk>`` when absent."""
        low = word.lower()
        found = self.vocab.get(low)
        if found is None and "ё" in low:
            found = self.vocab.get(low.replace("ё", "е"))
        return self.unk_id if found is None else found

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        idx = self.indexes[ids].long()  # (..., qdim)
        parts = self.codes[self.qdims, idx]  # (..., qdim, chunk)
        return parts.reshape(*ids.shape, self.dim)


def _t(weight) -> torch.Tensor:
    return torch.from_numpy(np.array(weight.array, dtype=np.float32))


class _CNNEncoder(nn.Module):
    """slovnet's CNN encoder: conv -> ReLU -> (frozen) batch norm, padding zeroed after each layer."""

    def __init__(self, encoder) -> None:
        super().__init__()
        self.paddings = [int(layer.conv.padding) for layer in encoder.layers]
        for i, layer in enumerate(encoder.layers):
            self.register_buffer(f"w{i}", _t(layer.conv.weight), persistent=False)
            self.register_buffer(f"b{i}", _t(layer.conv.bias), persistent=False)
            norm = layer.norm
            scale = _t(norm.weight) / _t(norm.std)
            self.register_buffer(f"s{i}", scale, persistent=False)
            self.register_buffer(f"o{i}", _t(norm.bias) - _t(norm.mean) * scale, persistent=False)

    def forward(self, x: torch.Tensor, pad: torch.Tensor) -> torch.Tensor:
        x = x.transpose(1, 2)
        keep = (~pad).unsqueeze(1).to(x.dtype)
        for i, padding in enumerate(self.paddings):
            x = F.relu(F.conv1d(x, getattr(self, f"w{i}"), getattr(self, f"b{i}"), padding=padding))
            x = x * getattr(self, f"s{i}").unsqueeze(-1) + getattr(self, f"o{i}").unsqueeze(-1)
            x = x * keep
        return x.transpose(1, 2)


class _FF(nn.Module):
    def __init__(self, ff) -> None:
        super().__init__()
        self.register_buffer("w", _t(ff.proj.weight), persistent=False)
        self.register_buffer("b", _t(ff.proj.bias), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(x @ self.w + self.b)


class _WordShape(nn.Module):
    def __init__(self, emb, navec: NavecTable) -> None:
        super().__init__()
        if emb.word.id != navec.id:
            raise RuntimeError(f"slovnet model expects navec {emb.word.id}, found {navec.id}")
        self.navec = navec
        self.register_buffer("shapes", _t(emb.shape.weight), persistent=False)

    def forward(self, word_id: torch.Tensor, shape_id: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.navec(word_id), self.shapes[shape_id]], dim=-1)


class NatashaParser(nn.Module):
    """UPOS tags (slovnet morph) and dependency trees (slovnet syntax) for tokenised sentences."""

    def __init__(self, batch_size: int = 64) -> None:
        super().__init__()
        from slovnet import Morph, Syntax

        data = natasha_data_dir()
        with _LOCK:
            morph = Morph.load(str(data / MORPH_FILE))
            syntax = Syntax.load(str(data / SYNTAX_FILE))
        navec = NavecTable()
        self.batch_size = batch_size
        self.words_vocab = morph.infer.encoder.words_vocab
        self.shapes_vocab = morph.infer.encoder.shapes_vocab
        mm, sm = morph.infer.model, syntax.infer.model
        self.m_emb, self.m_cnn = _WordShape(mm.emb, navec), _CNNEncoder(mm.encoder)
        self.register_buffer("m_w", _t(mm.head.proj.weight), persistent=False)
        self.register_buffer("m_b", _t(mm.head.proj.bias), persistent=False)
        tags = morph.infer.decoder.tags_vocab.items
        self.upos = sorted({t.split("|")[0] for t in tags if t != "<pad>"})
        upos_index = {p: i for i, p in enumerate(self.upos)}
        self.register_buffer("tag_upos", torch.tensor([upos_index.get(t.split("|")[0], 0) for t in tags]),
                             persistent=False)
        self.s_emb, self.s_cnn = _WordShape(sm.emb, navec), _CNNEncoder(sm.encoder)
        self.h_head, self.h_tail = _FF(sm.head.head), _FF(sm.head.tail)
        self.register_buffer("h_root", _t(sm.head.root), persistent=False)
        self.register_buffer("h_kernel", _t(sm.head.kernel), persistent=False)
        self.r_head, self.r_tail = _FF(sm.rel.head), _FF(sm.rel.tail)
        self.register_buffer("r_root", _t(sm.rel.root), persistent=False)
        self.register_buffer("r_kernel", _t(sm.rel.kernel), persistent=False)
        self.rels = list(syntax.infer.decoder.rels_vocab.items)
        self.requires_grad_(False)
        self.eval()

    def encode(self, words: list[str]) -> tuple[list[int], list[int]]:
        from slovnet.shape import word_shape

        wv, sv = self.words_vocab, self.shapes_vocab
        return [wv.encode(w.lower()) for w in words], [sv.encode(word_shape(w)) for w in words]

    @torch.inference_mode()
    def forward(self, word_id: torch.Tensor, shape_id: torch.Tensor, pad: torch.Tensor):
        """-> (upos index (B, T), head (B, T) with 0 = root, relation index (B, T), states (B, T, 128)).

        ``states`` are the last CNN layers of both models: contextual word vectors pretrained on
        the news treebank, a by-product of parsing that taggers can use as features."""
        m_states = self.m_cnn(self.m_emb(word_id, shape_id), pad)
        upos = self.tag_upos[(m_states @ self.m_w + self.m_b).argmax(-1)]

        x = self.s_cnn(self.s_emb(word_id, shape_id), pad)
        batch, length, dim = x.shape
        with_root = torch.cat([self.h_root.expand(batch, 1, dim), x], dim=1)
        scores = (self.h_head(with_root) @ self.h_kernel) @ self.h_tail(with_root).transpose(1, 2)
        scores = scores[:, 1:, :]
        keep = torch.cat([torch.ones(batch, 1, dtype=torch.bool, device=pad.device), ~pad], dim=1)
        scores = scores.masked_fill(~keep.unsqueeze(1), float("-inf"))
        head = scores.argmax(-1)  # (B, T) in 0..T, 0 = root

        with_root = torch.cat([self.r_root.expand(batch, 1, dim), x], dim=1)
        head_vec = with_root[torch.arange(batch, device=x.device).unsqueeze(1), head]
        hidden = self.r_kernel.shape[0]
        rel_scores = (self.r_head(head_vec) @ self.r_kernel).reshape(batch, length, -1, hidden)
        rel_scores = (rel_scores @ self.r_tail(x).unsqueeze(-1)).squeeze(-1)
        return upos, head, rel_scores.argmax(-1), torch.cat([m_states, x], -1)

    def parse(self, sentences: list[list[str]], states: bool = False) -> list[tuple]:
        """``(upos, heads, rels)`` per sentence (``+ (states,)``, float16 (words, 128), with
        ``states``); heads as the parser gives them (may not be a tree)."""
        order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
        out: list = [None] * len(sentences)
        for k in range(0, len(order), self.batch_size):
            idx = [i for i in order[k:k + self.batch_size] if sentences[i]]
            for i in order[k:k + self.batch_size]:
                if not sentences[i]:
                    out[i] = ([], [], []) + ((np.zeros((0, STATE_DIM), np.float16),) if states else ())
            if not idx:
                continue
            length = max(len(sentences[i]) for i in idx)
            wid = torch.full((len(idx), length), self.words_vocab.pad_id, dtype=torch.long)
            sid = torch.full((len(idx), length), self.shapes_vocab.pad_id, dtype=torch.long)
            pad = torch.ones((len(idx), length), dtype=torch.bool)
            for row, i in enumerate(idx):
                w, s = self.encode(sentences[i])
                wid[row, :len(w)] = torch.tensor(w)
                sid[row, :len(s)] = torch.tensor(s)
                pad[row, :len(w)] = False
            device = self.h_kernel.device
            upos, head, rel, hidden = self.forward(wid.to(device), sid.to(device), pad.to(device))
            upos, head, rel = upos.tolist(), head.tolist(), rel.tolist()
            hidden = hidden.to(torch.float16).cpu().numpy()
            for row, i in enumerate(idx):
                n = len(sentences[i])
                out[i] = ([self.upos[u] for u in upos[row][:n]], head[row][:n], [self._rel(r) for r in rel[row][:n]])
                if states:
                    out[i] += (hidden[row, :n].copy(),)
        return out


    def _rel(self, index: int) -> str:
        # slovnet can pick its padding class for a real word; "dep" is UD's "unknown relation".
        return "dep" if index == 0 else self.rels[index]


@lru_cache(maxsize=1)
def shared_parser() -> NatashaParser:
    return NatashaParser()
