"""The multi-tag tagger: encoder -> BiLSTM -> one O/B/I head per tag (softmax or CRF).

Heads are independent, so spans of different tags overlap freely (RDRS paper, model B).
Decoding is Viterbi in both cases — with learned transitions for the CRF, with only the BIO
constraint (no I after O) for softmax — so every decoded chunk is well formed.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from ..encoders import Encoder, WordBatch
from ..layers import BiLSTM

N_LABELS = 3  # O, B, I
_NEG = -1e4
# Allowed transitions prev -> next among O, B, I: everything but O -> I.
_ALLOWED = torch.tensor([[1, 1, 0], [1, 1, 1], [1, 1, 1]], dtype=torch.bool)
_START_ALLOWED = torch.tensor([1, 1, 0], dtype=torch.bool)

DEFAULTS = {"hidden": 128, "layers": 1, "dropout": 0.5, "crf": True, "entity_weight": "auto"}


class MultiCRF(nn.Module):
    """One linear-chain CRF per tag over O/B/I, batched over tags."""

    def __init__(self, n_tags: int) -> None:
        super().__init__()
        self.trans = nn.Parameter(torch.zeros(n_tags, N_LABELS, N_LABELS))
        self.start = nn.Parameter(torch.zeros(n_tags, N_LABELS))
        self.end = nn.Parameter(torch.zeros(n_tags, N_LABELS))

    def constrained(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        dev = self.trans.device
        trans = self.trans + (~_ALLOWED.to(dev)).float() * _NEG
        start = self.start + (~_START_ALLOWED.to(dev)).float() * _NEG
        return trans, start, self.end

    def nll(self, emissions: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Negative log-likelihood per (sentence, tag): (B, K). emissions (B, T, K, 3), labels (B, T, K)."""
        trans, start, end = self.constrained()
        em = emissions.float()
        bsz, length, k, _ = em.shape
        m = mask.unsqueeze(-1).float()  # (B, T, 1)
        tags_idx = torch.arange(k, device=em.device)
        # Score of the gold path.
        gold_em = em.gather(-1, labels.unsqueeze(-1)).squeeze(-1)  # (B, T, K)
        score = start[tags_idx, labels[:, 0]] + gold_em[:, 0]
        if length > 1:
            tr = trans[tags_idx.view(1, 1, k), labels[:, :-1], labels[:, 1:]]  # (B, T-1, K)
            score = score + ((tr + gold_em[:, 1:]) * m[:, 1:]).sum(1)
        last = mask.sum(1).clamp(min=1) - 1  # (B,)
        last_labels = labels.gather(1, last.view(-1, 1, 1).expand(-1, 1, k)).squeeze(1)  # (B, K)
        score = score + end[tags_idx, last_labels]
        # Partition function.
        alpha = start.unsqueeze(0) + em[:, 0]  # (B, K, 3)
        for t in range(1, length):
            nxt = torch.logsumexp(alpha.unsqueeze(-1) + trans.unsqueeze(0), dim=-2) + em[:, t]
            alpha = torch.where(mask[:, t].view(-1, 1, 1), nxt, alpha)
        log_z = torch.logsumexp(alpha + end.unsqueeze(0), dim=-1)
        return log_z - score

    def marginals(self, emissions: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """P(label of word t = y) under the CRF: (B, T, K, 3)."""
        trans, start, end = self.constrained()
        em = emissions.float()
        length = em.shape[1]
        alphas = [start.unsqueeze(0) + em[:, 0]]
        for t in range(1, length):
            nxt = torch.logsumexp(alphas[-1].unsqueeze(-1) + trans.unsqueeze(0), dim=-2) + em[:, t]
            alphas.append(torch.where(mask[:, t].view(-1, 1, 1), nxt, alphas[-1]))
        lengths = mask.sum(1)
        betas = [None] * length
        beta = end.unsqueeze(0).expand_as(alphas[0])
        for t in range(length - 1, -1, -1):
            is_last = (lengths - 1 == t).view(-1, 1, 1)
            if t < length - 1:
                inner = torch.logsumexp(trans.unsqueeze(0) + (em[:, t + 1] + betas[t + 1]).unsqueeze(-2), dim=-1)
                valid_next = mask[:, t + 1].view(-1, 1, 1)
                beta = torch.where(valid_next, inner, end.unsqueeze(0).expand_as(inner))
            beta = torch.where(is_last, end.unsqueeze(0).expand_as(beta), beta)
            betas[t] = beta
        a = torch.stack(alphas, 1)
        b = torch.stack(betas, 1)
        return torch.softmax(a + b, dim=-1)


def viterbi(scores: torch.Tensor, mask: torch.Tensor, trans: torch.Tensor, start: torch.Tensor,
            end: torch.Tensor) -> torch.Tensor:
    """Best O/B/I path per (sentence, tag). scores (B, T, K, 3) -> labels (B, T, K)."""
    scores = scores.float()
    bsz, length, k, n = scores.shape
    delta = start.unsqueeze(0) + scores[:, 0]
    back = []
    for t in range(1, length):
        cand = delta.unsqueeze(-1) + trans.unsqueeze(0)  # (B, K, prev, next)
        best, arg = cand.max(dim=-2)
        nxt = best + scores[:, t]
        keep = mask[:, t].view(-1, 1, 1)
        delta = torch.where(keep, nxt, delta)
        back.append(torch.where(keep, arg, torch.arange(n, device=scores.device).view(1, 1, n).expand_as(arg)))
    delta = delta + end.unsqueeze(0)
    out = torch.zeros(bsz, length, k, dtype=torch.long, device=scores.device)
    cur = delta.argmax(-1)  # (B, K)
    lengths = mask.sum(1)
    for t in range(length - 1, -1, -1):
        active = (t < lengths).view(-1, 1)
        out[:, t] = torch.where(active, cur, torch.zeros_like(cur))
        if t > 0:
            prev = back[t - 1].gather(-1, cur.unsqueeze(-1)).squeeze(-1)
            cur = torch.where(active, prev, cur)
    return out


class MultiTagTagger(nn.Module):
    def __init__(self, encoder: Encoder, n_tags: int, config: dict | None = None) -> None:
        super().__init__()
        self.cfg = {**DEFAULTS, **(config or {})}
        self.encoder = encoder
        self.n_tags = n_tags
        self.input_dropout = nn.Dropout(self.cfg["dropout"])
        self.lstm = BiLSTM(encoder.output_dim, self.cfg["hidden"], self.cfg["layers"], self.cfg["dropout"])
        self.output_dropout = nn.Dropout(self.cfg["dropout"])
        self.proj = nn.Linear(self.lstm.output_dim, n_tags * N_LABELS)
        self.crf = MultiCRF(n_tags) if self.cfg["crf"] else None
        # Per tag, the loss weight of B and I against O (class imbalance); set from data by train.
        self.register_buffer("label_weight", torch.ones(n_tags, N_LABELS))

    def forward(self, batch: WordBatch) -> torch.Tensor:
        """Emission scores (B, T, n_tags, 3)."""
        x = self.input_dropout(self.encoder(batch))
        x = self.output_dropout(self.lstm(x, batch.mask))
        out = self.proj(x)
        return out.view(out.shape[0], out.shape[1], self.n_tags, N_LABELS)

    def loss(self, batch: WordBatch, labels: torch.Tensor) -> torch.Tensor:
        emissions = self(batch)
        mask = batch.mask
        if self.crf is not None:
            nll = self.crf.nll(emissions, labels, mask)  # (B, K)
            # Rare tags weigh more: the mean entity weight of each tag scales its sequence loss.
            tag_w = self.label_weight[:, 1:].mean(-1)
            return (nll * tag_w).sum() / mask.sum()
        logp = F.log_softmax(emissions.float(), -1)
        picked = -logp.gather(-1, labels.unsqueeze(-1)).squeeze(-1)  # (B, T, K)
        k = torch.arange(self.n_tags, device=labels.device).view(1, 1, -1)
        weights = self.label_weight[k, labels] * mask.unsqueeze(-1)
        return (picked * weights).sum() / mask.sum()

    @torch.no_grad()
    def decode(self, batch: WordBatch) -> tuple[torch.Tensor, torch.Tensor]:
        """Labels (B, T, K) and the probability of each chosen label (B, T, K)."""
        emissions = self(batch).float()
        mask = batch.mask
        if self.crf is not None:
            trans, start, end = self.crf.constrained()
            labels = viterbi(emissions, mask, trans, start, end)
            probs = self.crf.marginals(emissions, mask)
        else:
            dev = emissions.device
            trans = (~_ALLOWED.to(dev)).float() * _NEG
            start = (~_START_ALLOWED.to(dev)).float() * _NEG
            logp = F.log_softmax(emissions, -1)
            k = self.n_tags
            labels = viterbi(logp, mask, trans.expand(k, -1, -1), start.expand(k, -1), torch.zeros(k, N_LABELS, device=dev))
            probs = logp.exp()
        return labels, probs.gather(-1, labels.unsqueeze(-1)).squeeze(-1)
