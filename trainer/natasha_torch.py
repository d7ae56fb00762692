"""natasha's offline models (navec word vectors, slovnet morphology tagger and syntax parser),
run in torch instead of slovnet's numpy executor.

Why: slovnet's numpy convolution (im2col through ``np.ndarray`` strides) parses ~12k words/s
with both models on two cores, the whole inference budget of the tagger. The same weights as
matrix products in torch, over sentences laid end to end with no padding (``_CNNEncoder``),
run many times faster and give identical outputs (``tests/test_encoders.py`` compares them
with slovnet's own results).

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
    """slovnet's CNN encoder: conv -> ReLU -> (frozen) batch norm, on the words of many sentences
    laid end to end with no padding.

    Each layer is one matrix product over all words, giving every kernel position's share of a
    word (``taps``); a word's output is the sum of its neighbours' shares, a neighbour outside
    its sentence counting as zero (what slovnet's zero padding sees, and its padding word's
    vector is zero too). So no padded position is ever computed, and a sentence's result does
    not depend on the others. The first layer reads word vectors, which depend on the word
    alone: its taps are computed once per distinct word of a call. Text repeats words (a test
    set of 5,315 words has 2,042 distinct ones), so this skips most of its largest product."""

    def __init__(self, encoder) -> None:
        super().__init__()
        paddings = [int(layer.conv.padding) for layer in encoder.layers]
        for i, layer in enumerate(encoder.layers):
            norm = layer.norm
            scale = _t(norm.weight) / _t(norm.std)
            if not bool((scale > 0).all()):
                raise RuntimeError("slovnet encoder: a batch-norm scale is not positive")
            # relu(x) * scale = relu(x * scale) for a positive scale: the norm's scale goes into
            # the convolution, one pass over the activations fewer per layer.
            weight = _t(layer.conv.weight) * scale.view(-1, 1, 1)  # (out, in, kernel)
            out, dim, kernel = weight.shape
            if kernel != 2 * paddings[i] + 1:
                raise RuntimeError("slovnet encoder: a convolution does not keep the length")
            # (in, kernel * out): one matrix product gives every kernel position's share of a word.
            self.register_buffer(f"w{i}", weight.permute(1, 2, 0).reshape(dim, kernel * out), persistent=False)
            self.register_buffer(f"b{i}", _t(layer.conv.bias) * scale, persistent=False)
            self.register_buffer(f"o{i}", _t(norm.bias) - _t(norm.mean) * scale, persistent=False)
        self.paddings = paddings

    def taps(self, emb: torch.Tensor) -> list[torch.Tensor]:
        """Word vectors (U, in) -> their share at each first-layer kernel position, one (U + 1,
        out) per position; the extra last row is zero: what a word sees beyond its sentence."""
        emb = F.pad(emb, (0, 0, 0, 1))
        out = self.w0.shape[1] // (2 * self.paddings[0] + 1)
        return [emb @ self.w0[:, k * out:(k + 1) * out] for k in range(2 * self.paddings[0] + 1)]

    def forward(self, taps: list[torch.Tensor], neighbours: dict[int, torch.Tensor],
                inside: dict[int, torch.Tensor]) -> torch.Tensor:
        """First-layer ``taps`` -> each word's last layer's output (N, out).

        ``neighbours[d]`` (N,) is the row in ``taps`` of the word ``d`` places on (the zero row
        beyond the sentence); ``inside[d]`` (N, 1) is 1 where that word is in the sentence."""
        pad = self.paddings[0]
        x = taps[pad].index_select(0, neighbours[0])
        for k, share in enumerate(taps):
            if k != pad:
                x += share.index_select(0, neighbours[k - pad])
        x = F.relu(x.add_(self.b0), inplace=True).add_(self.o0)
        for i in range(1, len(self.paddings)):
            pad = self.paddings[i]
            x = (x @ getattr(self, f"w{i}")).view(x.shape[0], 2 * pad + 1, -1)
            x = _neighbour_sum(x, pad, inside, getattr(self, f"b{i}"))
            x = F.relu(x, inplace=True).add_(getattr(self, f"o{i}"))
        return x


def _neighbour_sum(shares: torch.Tensor, pad: int, inside: dict[int, torch.Tensor], bias: torch.Tensor) -> torch.Tensor:
    """A convolution's output from its taps (N, 2 pad + 1, out) and bias: word n gets share k
    of word n + k - pad where that word is in its sentence."""
    out = shares[:, pad] + bias
    for k in range(shares.shape[1]):
        d = k - pad
        if d < 0:
            out[-d:].addcmul_(shares[:d, k], inside[d][-d:])
        elif d > 0:
            out[:-d].addcmul_(shares[d:, k], inside[d][:-d])
    return out


class _FF(nn.Module):
    def __init__(self, ff) -> None:
        super().__init__()
        self.register_buffer("w", _t(ff.proj.weight), persistent=False)
        self.register_buffer("b", _t(ff.proj.bias), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(torch.addmm(self.b, x, self.w), inplace=True)


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

    def __init__(self, batch_tokens: int = 1024, max_sentences: int = 256) -> None:
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
    def taps(self, word_id: torch.Tensor, shape_id: torch.Tensor) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """First-layer shares of distinct (word, shape) pairs in both models (see ``_CNNEncoder``)."""
        return self.m_cnn.taps(self.m_emb(word_id, shape_id)), self.s_cnn.taps(self.s_emb(word_id, shape_id))

    @torch.inference_mode()
    def forward(self, m_taps: list[torch.Tensor], s_taps: list[torch.Tensor], neighbours: dict[int, torch.Tensor],
                inside: dict[int, torch.Tensor], word_start: torch.Tensor,
                buckets: list[tuple[torch.Tensor, torch.Tensor]]):
        """Words of whole sentences laid end to end, as rows of their first-layer taps (see
        ``_CNNEncoder.forward``) -> (upos index (N,), head (N,) with 0 = root, relation index
        (N,), states (N, 128)).

        ``word_start`` (N,) is the row of each word's sentence's first word; ``buckets`` group
        sentences of similar length for the head scores (a square per sentence): the rows of
        their words (B, T), padded with N, and their lengths (B,). ``states`` are the last CNN
        layers of both models: contextual word vectors pretrained on the news treebank, a
        by-product of parsing that taggers can use as features."""
        m_states = self.m_cnn(m_taps, neighbours, inside)
        upos = self.tag_upos[torch.addmm(self.m_b, m_states, self.m_w).argmax(-1)]
        x = self.s_cnn(s_taps, neighbours, inside)
        n, dim = x.shape
        head = self._heads(x, buckets)
        # Relations read the head word's vector (the root's own for the root).
        row = torch.where(head > 0, word_start + head - 1, n)
        head_vec = torch.cat([x, self.r_root.view(1, dim)])[row]
        hidden = self.r_kernel.shape[0]
        rel_scores = (self.r_head(head_vec) @ self.r_kernel).view(n, -1, hidden)
        # A product and a sum, not one tiny matrix product per word (slow as a batched GEMM).
        rel_scores = (rel_scores * self.r_tail(x).unsqueeze(-2)).sum(-1)
        return upos, head, rel_scores.argmax(-1), torch.cat([m_states, x], -1)

    def _heads(self, x: torch.Tensor, buckets: list[tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor:
        """Each word's best head (0 = root, i = the sentence's i-th word) by biaffine scores."""
        n, dim = x.shape
        dependents = F.pad(self.h_head(x) @ self.h_kernel, (0, 0, 0, 1))  # row n: padding
        # Candidate heads: the root first, then the words (row n + 1), then a padding row.
        candidates = F.pad(self.h_tail(torch.cat([self.h_root.view(1, dim), x])), (0, 0, 0, 1))
        head = torch.zeros(n, dtype=torch.long, device=x.device)
        for rows, lengths in buckets:
            batch, length = rows.shape
            heads_of = torch.cat([rows.new_full((batch, 1), -1), rows], 1) + 1
            scores = dependents[rows] @ candidates[heads_of].transpose(1, 2)  # (B, T, T + 1)
            beyond = torch.arange(length + 1, device=x.device).unsqueeze(0) > lengths.unsqueeze(1)
            best = scores.masked_fill(beyond.unsqueeze(1), float("-inf")).argmax(-1)
            real = rows < n
            head[rows[real]] = best[real]
        return head

    def parse(self, sentences: list[list[str]], states: bool = False) -> list[tuple]:
        """``(upos, heads, rels)`` per sentence (``+ (states,)``, float16 (words, 128), with
        ``states``); heads as the parser gives them (may not be a tree).

        Sentences go in runs of up to ``batch_tokens`` words, end to end (no padding): large
        matrix products are where the CPU is fast."""
        empty = ([], [], []) + ((np.zeros((0, STATE_DIM), np.float16),) if states else ())
        out: list = [empty] * len(sentences)
        nonempty = [i for i, s in enumerate(sentences) if s]
        if not nonempty:
            return out
        word_ids, shape_ids = self.encode([w for i in nonempty for w in sentences[i]])
        n_shapes = len(self.shape_ids) + 2
        unique, inverse = np.unique(word_ids * n_shapes + shape_ids, return_inverse=True)
        unique_t = torch.from_numpy(unique).to(self.h_kernel.device)
        taps = self.taps(unique_t // n_shapes, unique_t % n_shapes)
        inverse = inverse.reshape(-1)
        run: list[int] = []
        first = words = 0
        for k, i in enumerate(nonempty):
            run.append(i)
            words += len(sentences[i])
            if words >= self.batch_tokens or k == len(nonempty) - 1:
                lengths = np.array([len(sentences[j]) for j in run])
                for j, parsed in zip(run, self._parse_run(taps, inverse[first:first + words], lengths, states)):
                    out[j] = parsed
                first += words
                run, words = [], 0
        return out

    def _parse_run(self, taps: tuple[list[torch.Tensor], list[torch.Tensor]], inverse: np.ndarray, lengths: np.ndarray,
                   states: bool) -> list[tuple]:
        """``parse`` of non-empty sentences of ``lengths`` words in one pass; ``inverse``: the
        row of each word in both models' first-layer ``taps``."""
        n = len(inverse)
        starts = np.cumsum(lengths) - lengths
        word_start = np.repeat(starts, lengths)
        position = np.arange(n) - word_start
        length_of = np.repeat(lengths, lengths)
        device = self.h_kernel.device
        reach = max(self.m_cnn.paddings + self.s_cnn.paddings)
        zero_row = taps[0][0].shape[0] - 1
        inside, neighbours = {}, {0: torch.from_numpy(inverse).to(device)}
        for d in range(-reach, reach + 1):
            if d:
                within = (position + d >= 0) & (position + d < length_of)
                inside[d] = torch.from_numpy(within.astype(np.float32)).unsqueeze(1).to(device)
                beside = np.where(within, inverse[np.clip(np.arange(n) + d, 0, n - 1)], zero_row)
                neighbours[d] = torch.from_numpy(beside).to(device)
        buckets = []
        for batch in length_batches(lengths.tolist(), int, self.batch_tokens, self.max_sentences):
            longest = int(lengths[batch].max())
            rows = np.full((len(batch), longest), n, dtype=np.int64)
            for r, b in enumerate(batch):
                rows[r, :lengths[b]] = np.arange(starts[b], starts[b] + lengths[b])
            buckets.append((torch.from_numpy(rows).to(device), torch.from_numpy(lengths[batch]).to(device)))
        upos, head, rel, hidden = self.forward(taps[0], taps[1], neighbours, inside,
                                               torch.from_numpy(word_start).to(device), buckets)
        upos = [self.upos[u] for u in upos.tolist()]
        rel = [self._rel(r) for r in rel.tolist()]
        head = head.tolist()
        if states:
            hidden = hidden.to(torch.float16).cpu().numpy()
        out = []
        for a, b in zip(starts.tolist(), (starts + lengths).tolist()):
            parsed = (upos[a:b], head[a:b], rel[a:b])
            out.append(parsed + (hidden[a:b].copy(),) if states else parsed)
        return out

    def _rel(self, index: int) -> str:
        # slovnet can pick its padding class for a real word; "dep" is UD's "unknown relation".
        return "dep" if index == 0 else self.rels[index]


@lru_cache(maxsize=1)
def shared_parser() -> NatashaParser:
    return NatashaParser()
