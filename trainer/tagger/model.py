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
from ..device import cpu_bf16
from ..layers import BiLSTM, Packing, packed_bilstm

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

    def marginals(self, emissions: torch.Tensor, packing: Packing) -> torch.Tensor:
        """P(label of word = y) under the CRF for packed emissions (N, K, 3) -> (N, K, 3)."""
        trans, start, end = self.constrained()
        return marginals(emissions, packing, trans, start, end)


def marginals(emissions: torch.Tensor, packing: Packing, trans: torch.Tensor, start: torch.Tensor,
              end: torch.Tensor) -> torch.Tensor:
    """Forward-backward over packed emissions (N, K, 3) -> label probabilities (N, K, 3).

    In probabilities rescaled at every word (sums of three products, no logarithms: half the
    operations a step); should scores ever fall outside float range, in log space."""
    em = emissions.float()
    if not packing.sizes:
        return torch.empty_like(em)
    probs = _scaled_marginals(em, packing, trans, start, end)
    if bool(torch.isfinite(probs).all()):
        return probs
    return _log_marginals(em, packing, trans, start, end)


def _scaled_marginals(em: torch.Tensor, packing: Packing, trans: torch.Tensor, start: torch.Tensor,
                      end: torch.Tensor) -> torch.Tensor:
    """``marginals`` in probabilities rescaled at every word: NaN where they leave float range."""
    sizes, offsets = packing.sizes, packing.offsets
    alpha, beta = torch.empty_like(em), torch.empty_like(em)
    weights = torch.exp(trans)  # (K, prev, next); forbidden moves weigh exp(-1e4) = 0
    scores = torch.exp(em - em.amax(-1, keepdim=True))
    a = torch.exp(start - start.amax(-1, keepdim=True)) * scores[:sizes[0]]
    a = torch.div(a, a.sum(-1, keepdim=True), out=alpha[:sizes[0]])
    for t in range(1, len(sizes)):
        n, at = sizes[t], offsets[t]
        a = (a[:n].unsqueeze(-1) * weights).sum(-2) * scores[at:at + n]
        a = torch.div(a, a.sum(-1, keepdim=True), out=alpha[at:at + n])
    ending = torch.exp(end - end.amax(-1, keepdim=True))
    beta[offsets[-1]:] = ending
    for t in range(len(sizes) - 2, -1, -1):
        n, at, ahead, nxt = sizes[t], offsets[t], sizes[t + 1], offsets[t + 1]
        b = (weights * (scores[nxt:nxt + ahead] * beta[nxt:nxt + ahead]).unsqueeze(-2)).sum(-1)
        torch.div(b, b.sum(-1, keepdim=True), out=beta[at:at + ahead])
        beta[at + ahead:at + n] = ending
    probs = alpha * beta
    return probs / probs.sum(-1, keepdim=True)


def _log_marginals(em: torch.Tensor, packing: Packing, trans: torch.Tensor, start: torch.Tensor,
                   end: torch.Tensor) -> torch.Tensor:
    """``marginals`` in log space: slower, never out of range."""
    sizes, offsets = packing.sizes, packing.offsets
    alpha, beta = torch.empty_like(em), torch.empty_like(em)
    a = start.unsqueeze(0) + em[:sizes[0]]
    alpha[:sizes[0]] = a
    for t in range(1, len(sizes)):
        n, at = sizes[t], offsets[t]
        a = torch.logsumexp(a[:n].unsqueeze(-1) + trans, dim=-2) + em[at:at + n]
        alpha[at:at + n] = a
    # A sentence's last word ends it; the others look one word ahead.
    last = offsets[-1]
    beta[last:] = end
    for t in range(len(sizes) - 2, -1, -1):
        n, at, ahead = sizes[t], offsets[t], sizes[t + 1]
        nxt = offsets[t + 1]
        following = em[nxt:nxt + ahead] + beta[nxt:nxt + ahead]
        beta[at:at + ahead] = torch.logsumexp(trans + following.unsqueeze(-2), dim=-1)
        beta[at + ahead:at + n] = end
    return torch.softmax(alpha + beta, dim=-1)


def viterbi(emissions: torch.Tensor, packing: Packing, trans: torch.Tensor, start: torch.Tensor,
            end: torch.Tensor) -> torch.Tensor:
    """Best O/B/I path per (sentence, tag) of packed emissions (N, K, 3) -> labels (N, K): one
    step per word position over the sentences still running, all tags at once."""
    em = emissions.float()
    sizes, offsets = packing.sizes, packing.offsets
    labels = torch.zeros(em.shape[:2], dtype=torch.long, device=em.device)
    if not sizes:
        return labels
    delta = start.unsqueeze(0) + em[:sizes[0]]
    final = torch.empty_like(delta)  # best score of each label at the sentence's last word
    back = []
    for t in range(1, len(sizes)):
        n, at = sizes[t], offsets[t]
        final[n:sizes[t - 1]] = delta[n:] + end
        best, arg = (delta[:n].unsqueeze(-1) + trans).max(dim=-2)  # (n, K, next)
        delta = best + em[at:at + n]
        back.append(arg)
    final[:sizes[-1]] = delta + end
    cur = final.argmax(-1)  # (sentences, K)
    for t in range(len(sizes) - 1, -1, -1):
        n, at = sizes[t], offsets[t]
        labels[at:at + n] = cur[:n]
        if t:
            cur[:n] = back[t - 1].gather(-1, cur[:n].unsqueeze(-1)).squeeze(-1)
    return labels


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
        """Labels (B, T, K) and the probability of each chosen label (B, T, K), as in eval mode;
        for a flat batch (``Encoder.collate(flat=True)``) B is 1 and T all its words.

        The words run packed (``Packing``): no step of the BiLSTM (on a CPU) or of the CRF is
        spent on padding."""
        mask = batch.mask
        lengths = batch.inputs.get("lengths")
        # On CPUs that multiply bfloat16 natively, the BiLSTM's input products do (device.cpu_bf16).
        bf16 = mask.device.type == "cpu" and cpu_bf16()
        if lengths is not None:  # one row, sentence after sentence: distinct words' share once
            packing = Packing(lengths, mask.device)
            distinct, rows, rest = self.encoder.split(batch)
            hidden = packed_bilstm(self.lstm, (distinct, rows[0][packing.flat],
                                               None if rest is None else rest[0][packing.flat]), packing, bf16)
        else:
            packing = Packing(mask.sum(1), mask.device)
            x = self.encoder(batch)
            if x.device.type == "cpu":
                hidden = packed_bilstm(self.lstm, packing.pack(x), packing, bf16)
            else:  # cuDNN's kernels beat a step loop on a GPU
                hidden = packing.pack(self.lstm(x, mask))
        emissions = self.proj(hidden).float().view(-1, self.n_tags, N_LABELS)
        if self.crf is not None:
            trans, start, end = self.crf.constrained()
            labels = viterbi(emissions, packing, trans, start, end)
            probs = self.crf.marginals(emissions, packing)
        else:
            dev = emissions.device
            trans = (~_ALLOWED.to(dev)).float() * _NEG
            start = (~_START_ALLOWED.to(dev)).float() * _NEG
            logp = F.log_softmax(emissions, -1)
            k = self.n_tags
            labels = viterbi(logp, packing, trans.expand(k, -1, -1), start.expand(k, -1),
                             torch.zeros(k, N_LABELS, device=dev))
            probs = logp.exp()
        chosen = probs.gather(-1, labels.unsqueeze(-1)).squeeze(-1)
        if lengths is None:
            return packing.unpack(labels, mask.shape), packing.unpack(chosen, mask.shape)
        out_labels, out_chosen = torch.empty_like(labels), torch.empty_like(chosen)
        out_labels[packing.flat], out_chosen[packing.flat] = labels, chosen
        return out_labels.unsqueeze(0), out_chosen.unsqueeze(0)
