"""Network layers more than one model kind uses."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from torch import nn


class BiLSTM(nn.Module):
    """Bidirectional LSTM over right-padded batches whose outputs do not depend on padding.

    The backward direction runs a forward LSTM over each sequence reversed within its own length,
    so padding never flows into real words and predictions are the same in any batch — without
    packed sequences, which are markedly slower on CPU.
    """

    def __init__(self, input_dim: int, hidden: int, layers: int, dropout: float) -> None:
        super().__init__()
        self.fwd = nn.ModuleList()
        self.bwd = nn.ModuleList()
        for i in range(layers):
            size = input_dim if i == 0 else 2 * hidden
            self.fwd.append(nn.LSTM(size, hidden, batch_first=True))
            self.bwd.append(nn.LSTM(size, hidden, batch_first=True))
        self.dropout = nn.Dropout(dropout)
        self.output_dim = 2 * hidden

    @staticmethod
    def _reverse_index(mask: torch.Tensor) -> torch.Tensor:
        lengths = mask.sum(1, keepdim=True)
        pos = torch.arange(mask.shape[1], device=mask.device).unsqueeze(0)
        return torch.where(pos < lengths, lengths - 1 - pos, pos)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        rev = self._reverse_index(mask).unsqueeze(-1)
        for i, (f, b) in enumerate(zip(self.fwd, self.bwd)):
            if i:
                x = self.dropout(x)
            out_f, _ = f(x)
            out_b, _ = b(x.gather(1, rev.expand(-1, -1, x.shape[-1])))
            out_b = out_b.gather(1, rev.expand(-1, -1, out_b.shape[-1]))
            x = torch.cat([out_f, out_b], -1)
        return x


class Packing:
    """The words of sentences of ``lengths`` laid out step by step, longest sentence first: step
    t holds word t of every sentence longer than t (``PackedSequence``'s layout). A recurrence
    then runs each step on a shrinking prefix of rows, never on padding.

    ``flat`` (N,): where each packed word is among all words written sentence after sentence;
    ``reverse`` (N,): the packed position of the word a backward pass reads at each packed
    position (word ``length - 1 - t`` of the same sentence; applied twice it is the identity);
    ``sizes``/``offsets``: how many rows step t has and where they start."""

    def __init__(self, lengths: Sequence[int] | torch.Tensor, device: torch.device | str = "cpu") -> None:
        lengths = np.asarray(lengths.cpu() if isinstance(lengths, torch.Tensor) else lengths, dtype=np.int64)
        order = np.argsort(-lengths, kind="stable")
        longest = int(lengths[order[0]]) if len(lengths) else 0
        sizes = (lengths[None, order] > np.arange(longest)[:, None]).sum(1)
        offsets = np.cumsum(sizes) - sizes
        rank = np.arange(int(sizes.sum())) - np.repeat(offsets, sizes)  # row among the active ones
        self.position = np.repeat(np.arange(longest), sizes)
        self.sentence = order[rank]
        self.sizes, self.offsets = sizes.tolist(), offsets.tolist()
        self.device = device
        starts = np.cumsum(lengths) - lengths
        self.flat = torch.from_numpy(starts[self.sentence] + self.position).to(device)
        self.reverse = torch.from_numpy(offsets[lengths[self.sentence] - 1 - self.position] + rank).to(device)

    def padded(self, width: int) -> torch.Tensor:
        """(N,): row of each packed word in a right-padded batch (B, ``width``) flattened."""
        return torch.from_numpy(self.sentence * width + self.position).to(self.device)

    def pack(self, x: torch.Tensor) -> torch.Tensor:
        """Right-padded (B, T, ...) -> (N, ...)."""
        return x.reshape(-1, *x.shape[2:])[self.padded(x.shape[1])]

    def unpack(self, packed: torch.Tensor, shape: tuple[int, int]) -> torch.Tensor:
        """(N, ...) -> right-padded ``shape`` (B, T) + (...), zero on padding."""
        out = packed.new_zeros(shape[0] * shape[1], *packed.shape[1:])
        out[self.padded(shape[1])] = packed
        return out.view(*shape, *packed.shape[1:])


def packed_bilstm(lstm: BiLSTM, x: torch.Tensor | tuple[torch.Tensor, torch.Tensor, torch.Tensor | None],
                  packing: Packing, bf16_inputs: bool = False) -> torch.Tensor:
    """``lstm``'s output for packed words (N, input) -> (N, 2 hidden), inference only.

    The same numbers as ``BiLSTM.forward`` in eval mode, with the input product done once over
    the real words and each step over the sentences still running: on a CPU this skips all the
    work a padded batch spends on padding. Both directions share one batched product a step.
    ``x`` may come in two parts (``Encoder.split``, rows packed): vectors of distinct words
    (U, D1) with the row of each packed word (N,), and the rest (N, D2) or None; the first
    part's share of the input product is then computed once per distinct word. With
    ``bf16_inputs`` the input products multiply bfloat16 copies (``device.cpu_bf16``): the
    recurrence stays float32."""
    for f, b in zip(lstm.fwd, lstm.bwd):
        hidden = f.hidden_size
        # Gates i, f, o, g, the last one doubled: one sigmoid a step gives all four, since
        # tanh(x) = 2 sigmoid(2x) - 1 (and a CPU's sigmoid is several times faster than its tanh).
        device = f.weight_hh_l0.device
        gate_order = torch.cat([torch.arange(2 * hidden), torch.arange(3 * hidden, 4 * hidden),
                                torch.arange(2 * hidden, 3 * hidden)]).to(device)
        scale = torch.ones(4 * hidden, 1, device=device)
        scale[3 * hidden:] = 2
        w_ih = torch.cat([f.weight_ih_l0[gate_order] * scale, b.weight_ih_l0[gate_order] * scale])
        bias = torch.cat([(f.bias_ih_l0 + f.bias_hh_l0)[gate_order] * scale[:, 0],
                          (b.bias_ih_l0 + b.bias_hh_l0)[gate_order] * scale[:, 0]])
        w_hh = torch.stack([(f.weight_hh_l0[gate_order] * scale).t(), (b.weight_hh_l0[gate_order] * scale).t()])
        n = len(packing.flat)
        reverse = packing.reverse
        # (2, N, 4H): the forward direction reads word t at step t, the backward one word length - 1 - t.
        gates_in = bias.new_empty(2, n, 4 * hidden)
        if isinstance(x, tuple):
            distinct, rows, rest = x
            per_word = _product(distinct, w_ih[:, :distinct.shape[1]], bf16_inputs) + bias  # (U, 8H)
            for k, order in enumerate((rows, rows.index_select(0, reverse))):
                torch.index_select(per_word[:, 4 * hidden * k:4 * hidden * (k + 1)], 0, order, out=gates_in[k])
                if rest is not None:
                    _add_product(gates_in[k], rest if k == 0 else rest.index_select(0, reverse),
                                 w_ih[4 * hidden * k:4 * hidden * (k + 1), distinct.shape[1]:], bf16_inputs)
        else:
            for k, words in enumerate((x, x.index_select(0, reverse))):
                gates_in[k] = bias[4 * hidden * k:4 * hidden * (k + 1)]
                _add_product(gates_in[k], words, w_ih[4 * hidden * k:4 * hidden * (k + 1)], bf16_inputs)
        running = packing.sizes[0] if packing.sizes else 0
        h = bias.new_zeros(2, running, hidden)
        c = bias.new_zeros(2, running, hidden)
        out = bias.new_empty(2, n, hidden)
        for start, size in zip(packing.offsets, packing.sizes):
            sig = torch.sigmoid(torch.baddbmm(gates_in[:, start:start + size], h[:, :size], w_hh))
            c = torch.addcmul(sig[..., hidden:2 * hidden] * c[:, :size], sig[..., :hidden],
                              sig[..., 3 * hidden:].mul(2).sub_(1))
            h = torch.mul(sig[..., 2 * hidden:3 * hidden], _tanh(c), out=out[:, start:start + size])
        x = torch.cat([out[0], out[1].index_select(0, reverse)], -1)
    return x


def _product(x: torch.Tensor, weight: torch.Tensor, bf16: bool) -> torch.Tensor:
    """``x @ weight.T``; with ``bf16`` of bfloat16 copies, in bfloat16 (adding it to float32
    gives float32)."""
    if bf16:
        return x.to(torch.bfloat16) @ weight.t().to(torch.bfloat16)
    return x @ weight.t()


def _add_product(out: torch.Tensor, x: torch.Tensor, weight: torch.Tensor, bf16: bool) -> None:
    """``out += x @ weight.T`` (see ``_product``)."""
    if bf16:
        out += _product(x, weight, bf16)
    else:
        out.addmm_(x, weight.t())


def _tanh(x: torch.Tensor) -> torch.Tensor:
    """tanh as 2 sigmoid(2x) - 1: the same to 1e-7, and faster on a CPU."""
    return torch.sigmoid(x * 2).mul_(2).sub_(1)
