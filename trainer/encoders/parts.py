"""Building blocks both encoders share: the character CNN, the casing/POS/dependency feature
embedding, and the padding helpers that turn featurized sentences into tensors."""
from __future__ import annotations

import bisect

import numpy as np
import torch
from torch import nn

from .. import features as feats
from ..tokenize import Sentence
from ..vocab import PAD, UNK, Vocabulary

CHARS_KEY = "chars"  # what a character vocabulary file calls its list


def char_vocabulary(sentences: list[Sentence]) -> Vocabulary:
    """Characters seen in training (case kept)."""
    return Vocabulary.build((w for s in sentences for w in s.words), 1, CHARS_KEY)


class CharCNN(nn.Module):
    """RDRS paper, fig. 7: 30-d character embeddings, one convolution (30 filters, kernel 3),
    global max-pooling over the word's characters.

    It runs once per distinct word of a batch (``distinct_words``), in groups of similar length:
    a word's vector depends on its characters alone (padding embeds to zero, like the
    convolution's own zero padding, and is left out of the max), so this only skips repeated
    words and padded positions."""

    def __init__(self, n_chars: int, dim: int = 30, filters: int = 30, kernel: int = 3) -> None:
        super().__init__()
        self.emb = nn.Embedding(n_chars, dim, padding_idx=PAD)
        nn.init.uniform_(self.emb.weight, -0.5, 0.5)
        with torch.no_grad():
            self.emb.weight[PAD].zero_()
        self.conv = nn.Conv1d(dim, filters, kernel, padding=kernel // 2)
        self.output_dim = filters

    def forward(self, chars: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
        """Distinct words ``chars`` (U, L) -> (U, filters); with ``rows``, each word's row among
        them (B, T; U for padding), -> (B, T, filters)."""
        lengths, order = (chars != PAD).sum(1).sort()
        lengths = lengths.tolist()
        pooled = []
        start = 0
        while start < len(lengths):
            width = min(chars.shape[1], max(4, 1 << (max(1, lengths[start]) - 1).bit_length()))
            end = bisect.bisect_right(lengths, width, lo=start)
            pooled.append(self._pool(chars[order[start:end], :width]))
            start = end
        out = torch.zeros(len(lengths) + 1, self.output_dim, device=chars.device,
                          dtype=pooled[0].dtype if pooled else torch.float)
        if pooled:
            out[order] = torch.cat(pooled)
        return out[:-1] if rows is None else out[rows]

    def _pool(self, chars: torch.Tensor) -> torch.Tensor:
        x = self.conv(self.emb(chars).transpose(1, 2))  # (U, F, L)
        x = x.masked_fill((chars == PAD).unsqueeze(1), float("-inf")).amax(-1)
        return torch.where(torch.isfinite(x), x, torch.zeros_like(x))  # a word without characters


class FeatureEmbedding(nn.Module):
    """Casing/number bits as they are, POS / relation / head-POS ids through small embeddings."""

    def __init__(self, casing: bool = True, syntax: bool = True, pos_dim: int = 16, rel_dim: int = 16,
                 head_pos_dim: int = 8) -> None:
        super().__init__()
        self.casing, self.syntax = casing, syntax
        self.output_dim = feats.N_CASING if casing else 0
        if syntax:
            self.pos = nn.Embedding(feats.N_POS, pos_dim, padding_idx=PAD)
            self.rel = nn.Embedding(feats.N_REL, rel_dim, padding_idx=PAD)
            self.head_pos = nn.Embedding(feats.N_POS, head_pos_dim, padding_idx=PAD)
            self.output_dim += pos_dim + rel_dim + head_pos_dim

    def forward(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor | None:
        parts = []
        if self.casing:
            parts.append(inputs["casing"].float())
        if self.syntax:
            parts.append(self.syntax_vectors(inputs))
        return torch.cat(parts, -1) if parts else None

    def syntax_vectors(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        """The POS, relation and head-POS embeddings alone."""
        return torch.cat([self.pos(inputs["pos"]), self.rel(inputs["rel"]), self.head_pos(inputs["head_pos"])], -1)


def feature_arrays(sentence: Sentence, casing: bool, syntax: bool) -> dict[str, np.ndarray]:
    """The per-word feature ids of one (already parsed, if ``syntax``) sentence."""
    out: dict[str, np.ndarray] = {}
    if casing:
        out["casing"] = np.array([feats.casing_row(w) for w in sentence.words], dtype=np.uint8).reshape(-1, feats.N_CASING)
    if syntax:
        pos, rel, head_pos = feats.syntax_ids(sentence)
        out["pos"] = np.array(pos, dtype=np.int64)
        out["rel"] = np.array(rel, dtype=np.int64)
        out["head_pos"] = np.array(head_pos, dtype=np.int64)
    return out


def pad_words(items: list[dict], key: str, dtype: torch.dtype = torch.long) -> torch.Tensor:
    """Stack per-word arrays ``items[i][key]`` (shape (T_i, ...)) into (B, T_max, ...), zero-padded."""
    arrays = [item[key] for item in items]
    length = max(len(a) for a in arrays)
    out = torch.zeros((len(arrays), length, *arrays[0].shape[1:]), dtype=dtype)
    for i, a in enumerate(arrays):
        if len(a):
            out[i, :len(a)] = torch.from_numpy(np.ascontiguousarray(a)).to(dtype)
    return out


def concat_words(items: list[dict], key: str, dtype: torch.dtype = torch.long) -> torch.Tensor:
    """Per-word arrays ``items[i][key]`` (T_i, ...) one after another as one row: (1, sum T_i, ...)."""
    arrays = [np.asarray(item[key]) for item in items]
    return torch.from_numpy(np.concatenate(arrays)).to(dtype).unsqueeze(0)


def distinct_words(items: list[dict], keys: list[str]) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    """The distinct words of a batch by their integer arrays ``keys`` (first axis: the words; a
    second axis, such as character ids, may differ in width between items), as ``{key: (U, ...)}``,
    and the row of each word among them (B, T_max), U for padding: text repeats its words."""
    arrays = {key: [np.asarray(item[key]).reshape(len(item[key]), -1) for item in items] for key in keys}
    counts = [a.shape[0] for a in arrays[keys[0]]]
    widths = [max(max((a.shape[1] for a in arrays[key]), default=1), 1) for key in keys]
    flat = np.zeros((sum(counts), sum(widths)), dtype=np.int32)
    column = 0
    for key, width in zip(keys, widths):
        offset = 0
        for a in arrays[key]:
            flat[offset:offset + a.shape[0], column:column + a.shape[1]] = a
            offset += a.shape[0]
        column += width
    # Rows as byte strings: one C-speed sort finds the distinct words.
    rows_as_bytes = np.ascontiguousarray(flat).view(np.dtype((np.void, flat.shape[1] * flat.itemsize))).ravel()
    _, first, inverse = np.unique(rows_as_bytes, return_index=True, return_inverse=True)
    rows = np.full((len(items), max(counts, default=0)), len(first), dtype=np.int64)
    offset = 0
    for i, n in enumerate(counts):
        rows[i, :n] = inverse.reshape(-1)[offset:offset + n]
        offset += n
    distinct, column = {}, 0
    for key, width in zip(keys, widths):
        values = flat[first, column:column + width].astype(np.int64)
        distinct[key] = torch.from_numpy(values if np.asarray(items[0][key]).ndim > 1 else values[:, 0])
        column += width
    return distinct, torch.from_numpy(rows)


def char_arrays(sentences: list[Sentence], vocab: Vocabulary, max_len: int) -> list[np.ndarray]:
    """(words, longest word) character ids per sentence, each distinct word encoded once (text
    repeats its words), words cut at ``max_len`` characters, unknown ones ``UNK``."""
    words = [w for s in sentences for w in s.words]
    row = {w: i for i, w in enumerate(dict.fromkeys(words))}
    encoded = [vocab.encode(w[:max_len]) or [UNK] for w in row]
    lengths = np.array([len(e) for e in encoded] or [1])
    table = np.zeros((len(encoded), int(lengths.max())), dtype=np.int32)
    if encoded:
        table[np.arange(table.shape[1]) < lengths[:, None]] = np.concatenate(encoded)
    rows = np.fromiter((row[w] for w in words), dtype=np.int64, count=len(words))
    out, start = [], 0
    for s in sentences:
        mine = rows[start:start + len(s)]
        start += len(s)
        out.append(table[mine, :int(lengths[mine].max())] if len(mine) else np.zeros((0, 1), dtype=np.int32))
    return out


def word_mask(items: list[dict]) -> torch.Tensor:
    lengths = [int(item["n"]) for item in items]
    length = max(lengths)
    return torch.arange(length).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1)
