"""Network layers more than one model kind uses."""
from __future__ import annotations

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
