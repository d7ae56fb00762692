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
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .device import length_batches
from .vector_cache import TableArrays, table_arrays
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


@lru_cache(maxsize=2)
def _table(name: str) -> TableArrays:
    # One copy per table and process, shared by every NavecTable on the CPU, and memory-mapped
    # from the user data folder so that model workers share it too (``vector_cache``).
    with _LOCK:
        return table_arrays(name)


def _readonly_tensor(array: np.ndarray) -> torch.Tensor:
    """A tensor over a read-only memory map, without copying it (torch warns that it could
    not write to it; nothing here ever does: the buffers are frozen and never trained)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return torch.from_numpy(array)


class NavecTable(nn.Module):
    """Frozen navec lookup: word ids -> 300-d vectors, decoded from the quantised table on the fly.

    The table is a non-persistent buffer: it comes from the installed file, not from model bundles.
    """

    def __init__(self, name: str = NEWS) -> None:
        super().__init__()
        self.file = file_name(name)
        table = _table(self.file)
        self.vocab = table  # word -> id: ``get``, ``len``
        self.id = table.id
        self.unk_id = table.get("<unk>")
        self.pad_id = table.get("<pad>")
        self.dim = table.dim
        self.register_buffer("indexes", _readonly_tensor(table.indexes), persistent=False)
        self.register_buffer("codes", torch.from_numpy(np.array(table.codes)), persistent=False)
        self.register_buffer("qdims", torch.arange(table.codes.shape[0]), persistent=False)

    def word_id(self, word: str) -> int:
        """Navec id of ``word`` (lowercased; ё falls back to е), ``<unk>`` when absent."""
        return int(self.word_ids([word])[0])

    def word_ids(self, words: list[str]) -> np.ndarray:
        """``word_id`` of many words at once (one vectorised search of the sorted table)."""
        low = [w.lower() for w in words]
        ids = self.vocab.lookup(low)
        yo = [i for i, w in enumerate(low) if ids[i] < 0 and "ё" in w]
        if yo:
            ids[yo] = self.vocab.lookup([low[i].replace("ё", "е") for i in yo])
        ids[ids < 0] = self.unk_id
        return ids

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        idx = self.indexes[ids].long()  # (..., qdim)
        parts = self.codes[self.qdims, idx]  # (..., qdim, chunk)
        return parts.reshape(*ids.shape, self.dim)


def _t(weight) -> torch.Tensor:
    return torch.from_numpy(np.array(weight.array, dtype=np.float32))


class _CNNEncoder(nn.Module):
    """slovnet's CNN encoder: conv -> ReLU -> (frozen) batch norm, padding zeroed after each layer.

    The first layer reads word vectors, which depend on the word alone: its product with each
    kernel position is computed once per distinct word of a call (``taps``) and the layer's output
    is the sum of the taps of each word's neighbours. Text repeats words (a test set of 5,315 words
    has 2,042 distinct ones), so this skips most of the parser's largest matrix product."""

    def __init__(self, encoder) -> None:
        super().__init__()
        self.paddings = [int(layer.conv.padding) for layer in encoder.layers]
        for i, layer in enumerate(encoder.layers):
            norm = layer.norm
            scale = _t(norm.weight) / _t(norm.std)
            if not bool((scale > 0).all()):
                raise RuntimeError("slovnet encoder: a batch-norm scale is not positive")
            # relu(x) * scale = relu(x * scale) for a positive scale: the norm's scale goes into
            # the convolution, one pass over the activations fewer per layer.
            self.register_buffer(f"w{i}", _t(layer.conv.weight) * scale.view(-1, 1, 1), persistent=False)
            self.register_buffer(f"b{i}", _t(layer.conv.bias) * scale, persistent=False)
            self.register_buffer(f"o{i}", _t(norm.bias) - _t(norm.mean) * scale, persistent=False)
        out, dim, self.kernel = self.w0.shape
        if self.kernel != 2 * self.paddings[0] + 1:
            raise RuntimeError("slovnet encoder: the first convolution does not keep the length")
        # (in, kernel * out): one matrix product gives every kernel position's share of a word.
        self.register_buffer("w0_taps", self.w0.permute(1, 2, 0).reshape(dim, self.kernel * out), persistent=False)

    def taps(self, emb: torch.Tensor) -> torch.Tensor:
        """Word vectors (U, in) -> their share at each kernel position (U + 1, kernel, out); the
        extra last row is zero: what the convolution sees beyond a batch's edges."""
        shares = (emb @ self.w0_taps).view(emb.shape[0], self.kernel, -1)
        return torch.cat([shares, shares.new_zeros(1, *shares.shape[1:])])

    def forward(self, taps: torch.Tensor, neighbours: torch.Tensor, pad: torch.Tensor) -> torch.Tensor:
        """``neighbours`` (B, T + kernel - 1): row of ``taps`` of each position, edges included."""
        length = pad.shape[1]
        x = sum(taps[neighbours[:, k:k + length], k] for k in range(self.kernel)) + self.b0
        keep = (~pad).unsqueeze(-1).to(x.dtype)
        x = (F.relu(x) + self.o0) * keep
        x = x.transpose(1, 2)
        keep = keep.transpose(1, 2)
        for i in range(1, len(self.paddings)):
            x = F.relu(F.conv1d(x, getattr(self, f"w{i}"), getattr(self, f"b{i}"), padding=self.paddings[i]))
            x = (x + getattr(self, f"o{i}").unsqueeze(-1)) * keep
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


def _load_pack(path: Path, model_class, vocab_ids: tuple[str, ...]):
    """A slovnet model and the vocabularies named, without its word list: that is navec's
    (same words, same ids), looked up in the shared table instead of a third private copy."""
    from slovnet.exec.pack import Pack

    with _LOCK, Pack(str(path)) as pack:
        pack.load_meta().check_protocol()
        model = pack.load_model(model_class)
        arrays = dict(pack.load_arrays(model.weights))
        vocabs = [pack.load_vocab(v) for v in vocab_ids]
    return model.inject_arrays(arrays), vocabs


class NatashaParser(nn.Module):
    """UPOS tags (slovnet morph) and dependency trees (slovnet syntax) for tokenised sentences."""

    def __init__(self, batch_tokens: int = 8000, max_sentences: int = 256) -> None:
        super().__init__()
        from slovnet.const import REL, SHAPE, TAG
        from slovnet.exec.model import Morph as MorphModel, Syntax as SyntaxModel

        data = natasha_data_dir()
        mm, (shapes, tags_vocab) = _load_pack(data / MORPH_FILE, MorphModel, (SHAPE, TAG))
        sm, (rels_vocab,) = _load_pack(data / SYNTAX_FILE, SyntaxModel, (REL,))
        self.navec = navec = NavecTable()
        self.batch_tokens, self.max_sentences = batch_tokens, max_sentences
        self.shape_ids = shapes.item_ids
        self.shape_unk, self.shape_pad = shapes.unk_id, shapes.pad_id
        self.m_emb, self.m_cnn = _WordShape(mm.emb, navec), _CNNEncoder(mm.encoder)
        self.register_buffer("m_w", _t(mm.head.proj.weight), persistent=False)
        self.register_buffer("m_b", _t(mm.head.proj.bias), persistent=False)
        tags = tags_vocab.items
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
        self.rels = list(rels_vocab.items)
        self.requires_grad_(False)
        self.eval()

    def encode(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """slovnet's word ids (navec's, lowercased, no ё fallback) and word-shape ids."""
        from slovnet.shape import word_shape

        ids = self.navec.vocab.lookup([w.lower() for w in words])
        ids[ids < 0] = self.navec.unk_id
        shapes: dict[str, int] = {}
        for w in words:
            if w not in shapes:
                shapes[w] = self.shape_ids.get(word_shape(w), self.shape_unk)
        return ids, np.fromiter((shapes[w] for w in words), dtype=np.int64, count=len(words))

    @torch.inference_mode()
    def taps(self, word_id: torch.Tensor, shape_id: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """First-layer shares of distinct (word, shape) pairs in both models (see ``_CNNEncoder``)."""
        return self.m_cnn.taps(self.m_emb(word_id, shape_id)), self.s_cnn.taps(self.s_emb(word_id, shape_id))

    @torch.inference_mode()
    def forward(self, m_taps: torch.Tensor, s_taps: torch.Tensor, neighbours: torch.Tensor, pad: torch.Tensor):
        """-> (upos index (B, T), head (B, T) with 0 = root, relation index (B, T), states (B, T, 128)).

        ``states`` are the last CNN layers of both models: contextual word vectors pretrained on
        the news treebank, a by-product of parsing that taggers can use as features."""
        m_states = self.m_cnn(m_taps, neighbours, pad)
        upos = self.tag_upos[(m_states @ self.m_w + self.m_b).argmax(-1)]

        x = self.s_cnn(s_taps, neighbours, pad)
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
        # A product and a sum, not one tiny matrix product per word (slow as a batched GEMM).
        rel_scores = (rel_scores * self.r_tail(x).unsqueeze(-2)).sum(-1)
        return upos, head, rel_scores.argmax(-1), torch.cat([m_states, x], -1)

    def parse(self, sentences: list[list[str]], states: bool = False) -> list[tuple]:
        """``(upos, heads, rels)`` per sentence (``+ (states,)``, float16 (words, 128), with
        ``states``); heads as the parser gives them (may not be a tree).

        Sentences go in batches of similar length (few padded words), up to ``batch_tokens``
        padded words each: large matrix products are where the CPU is fast."""
        empty = ([], [], []) + ((np.zeros((0, STATE_DIM), np.float16),) if states else ())
        out: list = [empty] * len(sentences)
        nonempty = [i for i, s in enumerate(sentences) if s]
        if not nonempty:
            return out
        flat = [w for i in nonempty for w in sentences[i]]
        word_ids, shape_ids = self.encode(flat)
        # Distinct (word, shape) pairs, the padding pair last; ``distinct`` is the zero row.
        n_shapes = len(self.shape_ids) + 2
        pairs = np.concatenate([word_ids * n_shapes + shape_ids, [self.navec.pad_id * n_shapes + self.shape_pad]])
        unique, inverse = np.unique(pairs, return_inverse=True)
        distinct, pad_row = len(unique), int(inverse[-1])
        device = self.h_kernel.device
        unique_t = torch.from_numpy(unique).to(device)
        m_taps, s_taps = self.taps(unique_t // n_shapes, unique_t % n_shapes)
        offsets = dict(zip(nonempty, np.cumsum([0] + [len(sentences[i]) for i in nonempty[:-1]]).tolist()))
        edge = self.m_cnn.paddings[0]
        for batch in length_batches(nonempty, lambda i: len(sentences[i]), self.batch_tokens, self.max_sentences):
            idx = [nonempty[b] for b in batch]
            lengths = [len(sentences[i]) for i in idx]
            length = max(lengths)
            neighbours = np.full((len(idx), length + 2 * edge), distinct, dtype=np.int64)
            neighbours[:, edge:edge + length] = pad_row
            for row, (i, n) in enumerate(zip(idx, lengths)):
                neighbours[row, edge:edge + n] = inverse[offsets[i]:offsets[i] + n]
            pad = torch.arange(length).unsqueeze(0) >= torch.tensor(lengths).unsqueeze(1)
            upos, head, rel, hidden = self.forward(m_taps, s_taps, torch.from_numpy(neighbours).to(device),
                                                   pad.to(device))
            upos, head, rel = upos.tolist(), head.tolist(), rel.tolist()
            if states:
                hidden = hidden.to(torch.float16).cpu().numpy()
            for row, (i, n) in enumerate(zip(idx, lengths)):
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
