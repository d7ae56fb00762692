"""End-to-end mention-ranking coreference (Lee et al. 2017; coarse-to-fine, Lee et al. 2018;
segments of a pretrained encoder, Joshi et al. 2019) on top of the shared word encoders.

For one document:

1. the encoder gives one vector per word; for the ``embedded`` encoder, whose vectors know no
   context, a BiLSTM over windows of the document adds it (for transformers it is optional);
2. every span of up to ``max_span_width`` words inside a sentence is a candidate mention;
   a feed-forward scorer over its first word, last word and width keeps the best
   ``top_ratio`` × #words spans (scoring from boundaries only makes the tens of thousands of
   candidates of a long document cheap on a CPU);
3. each kept span is represented as [first word, last word, attention-weighted words, width
   embedding] (Lee et al.'s g);
4. a cheap bilinear (coarse) score picks each kept span's ``max_antecedents`` best earlier
   spans, and a feed-forward (fine) scorer over [g_i, g_j, g_i * g_j, distances] rescores them;
5. a span's antecedent is the best-scoring candidate, or none (the dummy, score 0).

With ``string_match`` both scorers also see whether two spans' words match (same stem of the
first or last word; same width and both ends), the classic string-match feature of
feature-based coreference systems: a model trained on a few dozen reviews learns "a drug
named again is the same drug" from a handful of examples instead of from word vectors.

Training maximises the marginal likelihood of the gold antecedents among the candidates
(the dummy is gold when none is), plus a binary mention-detection loss on all candidate spans,
which speeds training up on a CPU budget and lets the model propose singleton mentions.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from trainer.encoders import Encoder, WordBatch

DEFAULTS = {
    "max_span_width": 15,   # words; 99.9 % of RuCoCo mentions are this short or shorter
    "top_ratio": 0.4,       # spans kept per word
    "max_antecedents": 25,
    "lstm_hidden": 100,     # per direction; 0 = no BiLSTM (pretrained contextual encoders)
    "lstm_window": 128,     # words per BiLSTM window, so windows run as one batch
    "proj_dim": 0,          # with no BiLSTM: project encoder vectors to this size (0 = keep)
    "width_dim": 20,
    "distance_dim": 20,
    "ffnn_hidden": 100,
    "pair_dim": 100,        # rank of the fine scorer's g_i * g_j term
    "dropout": 0.3,
    "mention_loss_weight": 1.0,
    "mention_pos_weight": 10.0,  # weight of gold spans in the mention loss (see ``forward``)
    "singletons": True,     # predict singleton mentions the mention scorer is sure about
    "string_match": True,   # pair feature: the two spans' words match (see ``match_kinds``)
}
# What a saved config without a key was trained with (bundles older than the key).
BEFORE_KEY = {"string_match": False, "mention_pos_weight": 1.0}
MATCH_KINDS = 4  # 0 no match, 1 first or last word's stem equal, 3 same width and both ends equal
MATCH_PRIOR = [0.0, 0.0, 0.0, 2.0]  # initial coarse score added per match kind


def saved_config(config: dict) -> dict:
    """A bundle's model config, completed for keys added after it was saved."""
    return {**DEFAULTS, **BEFORE_KEY, **config}


def match_kinds(keys: torch.Tensor, starts: torch.Tensor, ends: torch.Tensor) -> torch.Tensor:
    """(K, K) string-match kind of every pair of spans, from the word keys (stems' ids)."""
    first = keys[starts].unsqueeze(1) == keys[starts].unsqueeze(0)
    last = keys[ends].unsqueeze(1) == keys[ends].unsqueeze(0)
    width = ends - starts
    same = first & last & (width.unsqueeze(1) == width.unsqueeze(0))
    return (first | last).long() + 2 * same.long()

# Lee et al.'s distance buckets: 0, 1, 2, 3, 4, 5-7, 8-15, 16-31, 32-63, 64+.
N_BUCKETS = 10


def distance_bucket(d: torch.Tensor) -> torch.Tensor:
    d = d.clamp(min=0)
    log = torch.floor(torch.log2(d.clamp(min=1).float())).long() + 3
    return torch.where(d <= 4, d, log).clamp(max=N_BUCKETS - 1)


@dataclass
class Output:
    """What ``forward`` returns for one document (all on the model's device)."""

    starts: torch.Tensor          # (K,) first word of each kept span, in document order
    ends: torch.Tensor            # (K,) last word
    mention_scores: torch.Tensor  # (K,)
    antecedents: torch.Tensor     # (K, A) index into the kept spans
    antecedent_mask: torch.Tensor  # (K, A) True where the candidate exists
    scores: torch.Tensor          # (K, A + 1): column 0 is the dummy (no antecedent)
    loss: torch.Tensor | None = None


class CorefModel(nn.Module):
    def __init__(self, encoder: Encoder, config: dict | None = None) -> None:
        super().__init__()
        self.cfg = {**DEFAULTS, **(config or {})}
        c = self.cfg
        self.encoder = encoder
        self.dropout = nn.Dropout(c["dropout"])
        dim = encoder.output_dim
        if c["lstm_hidden"]:
            self.lstm = nn.LSTM(dim, c["lstm_hidden"], batch_first=True, bidirectional=True)
            dim = 2 * c["lstm_hidden"]
        elif c["proj_dim"]:
            self.proj = nn.Linear(dim, c["proj_dim"])
            dim = c["proj_dim"]
        hidden = c["ffnn_hidden"]
        # Mention scorer over [first word, last word, width], its first layer split per word so
        # all (#words x max width) candidates cost one addition each.
        self.mention_start = nn.Linear(dim, hidden)
        self.mention_end = nn.Linear(dim, hidden, bias=False)
        self.mention_width = nn.Embedding(c["max_span_width"], hidden)
        # No dropout inside the two pair/span scorers: their inputs are already dropped out, and
        # on a CPU a dropout mask over every candidate costs more than the layer itself.
        self.mention_out = nn.Sequential(nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1))
        # Kept spans: g = [first word, last word, attention-weighted words, width embedding].
        self.head_attention = nn.Linear(dim, 1)
        self.width = nn.Embedding(c["max_span_width"], c["width_dim"])
        span_dim = 3 * dim + c["width_dim"]
        self.coarse = nn.Linear(span_dim, span_dim, bias=False)
        self.distance = nn.Embedding(N_BUCKETS, c["distance_dim"])
        self.sentence_distance = nn.Embedding(N_BUCKETS, c["distance_dim"])
        # Fine scorer over [g_i, g_j, g_i * g_j, distances]: the first layer split so the g_i and
        # g_j parts are computed once per span, and g_i * g_j taken in a pair_dim projection.
        self.fine_i = nn.Linear(span_dim, hidden)
        self.fine_j = nn.Linear(span_dim, hidden, bias=False)
        self.pair_proj = nn.Linear(span_dim, c["pair_dim"], bias=False)
        self.fine_ij = nn.Linear(c["pair_dim"], hidden, bias=False)
        self.fine_dist = nn.Linear(2 * c["distance_dim"], hidden, bias=False)
        self.fine_out = nn.Sequential(nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1))
        if c["string_match"]:
            # Starts from the prior "the same words again is the same thing" (training adjusts it):
            # a few reviews may not show a repeated name often enough to learn it from scratch.
            self.match_coarse = nn.Embedding(MATCH_KINDS, 1)
            with torch.no_grad():
                self.match_coarse.weight.copy_(torch.tensor(MATCH_PRIOR).unsqueeze(1))
            self.match_fine = nn.Embedding(MATCH_KINDS, hidden)

    # -- words -----------------------------------------------------------------------------------

    def word_vectors(self, batch: WordBatch) -> torch.Tensor:
        """(N, dim) contextual vectors of the document's words, in order."""
        vecs = self.encoder(batch)
        words = vecs[batch.mask]  # (N, D): units are consecutive pieces of the document
        if self.cfg["lstm_hidden"]:
            words = self._lstm(self.dropout(words))
        elif self.cfg["proj_dim"]:
            words = torch.relu(self.proj(self.dropout(words)))
        return self.dropout(words)

    def _lstm(self, words: torch.Tensor) -> torch.Tensor:
        """BiLSTM over windows of ``lstm_window`` words, run as one batch. The last window ends at
        the last word (overlapping its neighbour) so no window is padded: packed sequences take
        a slow path on CPU, and padding would feed zeros into the backward direction."""
        n, window = words.shape[0], self.cfg["lstm_window"]
        if n <= window:
            return self.lstm(words.unsqueeze(0))[0][0]
        starts = list(range(0, n - window, window)) + [n - window]
        out = self.lstm(torch.stack([words[s:s + window] for s in starts]))[0]
        keep = [out[i, :window] for i in range(len(starts) - 1)]
        covered = window * (len(starts) - 1)
        keep.append(out[-1, covered - starts[-1]:])
        return torch.cat(keep, 0)

    # -- spans -----------------------------------------------------------------------------------

    def candidate_spans(self, sentence_of: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """All (start, end) with end - start < max width inside one sentence, in document order."""
        n = sentence_of.shape[0]
        starts = torch.arange(n, device=sentence_of.device).repeat_interleave(self.cfg["max_span_width"])
        ends = starts + torch.arange(self.cfg["max_span_width"], device=sentence_of.device).repeat(n)
        ok = ends < n
        starts, ends = starts[ok], ends[ok]
        ok = sentence_of[starts] == sentence_of[ends]
        return starts[ok], ends[ok]

    def mention_scores(self, words: torch.Tensor, starts: torch.Tensor, ends: torch.Tensor) -> torch.Tensor:
        hidden = (self.mention_start(words)[starts] + self.mention_end(words)[ends]
                  + self.mention_width(ends - starts))
        return self.mention_out(hidden).squeeze(-1)

    def span_embeddings(self, words: torch.Tensor, starts: torch.Tensor, ends: torch.Tensor) -> torch.Tensor:
        width = ends - starts
        offsets = torch.arange(self.cfg["max_span_width"], device=words.device)
        index = starts.unsqueeze(1) + offsets  # (S, W)
        inside = offsets.unsqueeze(0) <= width.unsqueeze(1)
        index = torch.where(inside, index, starts.unsqueeze(1))
        attn = self.head_attention(words).squeeze(-1)[index].masked_fill(~inside, float("-inf"))
        head = (torch.softmax(attn, -1).unsqueeze(-1) * words[index]).sum(1)
        return torch.cat([words[starts], words[ends], head, self.dropout(self.width(width))], -1)

    # -- the whole document -----------------------------------------------------------------------

    def forward(self, batch: WordBatch, sentence_of: torch.Tensor,
                gold: dict[tuple[int, int], int] | None = None, keys: torch.Tensor | None = None) -> Output:
        """Scores for one document; with ``gold`` ({(start, end): cluster}) also the loss.
        ``keys``: the words' stem ids (``data.word_keys``), needed with ``string_match``."""
        if self.cfg["string_match"] and keys is None:
            raise ValueError("this coreference model needs the words' keys (string_match)")
        words = self.word_vectors(batch)
        n = words.shape[0]
        starts, ends = self.candidate_spans(sentence_of)
        mention = self.mention_scores(words, starts, ends)

        loss = None
        if gold is not None:
            cand = (starts * n + ends).tolist()
            gold_keys = {s * n + e for s, e in gold}
            is_gold = torch.tensor([c in gold_keys for c in cand], device=words.device, dtype=mention.dtype)
            # Gold spans are a few in thousands of candidates: unweighted, every mention score
            # settles near that prior's log-odds (about -5) and every pair pays it twice against the
            # dummy's 0, so a model trained on few documents links nothing it has not memorised.
            pos_weight = torch.tensor(float(self.cfg["mention_pos_weight"]), device=words.device)
            loss = self.cfg["mention_loss_weight"] * F.binary_cross_entropy_with_logits(mention, is_gold,
                                                                                         pos_weight=pos_weight)

        k = max(1, min(int(math.ceil(self.cfg["top_ratio"] * n)), starts.shape[0]))
        top = torch.topk(mention, k).indices
        top = top[torch.argsort(starts[top] * n + ends[top])]
        t_starts, t_ends, s_m = starts[top], ends[top], mention[top]
        g = self.span_embeddings(words, t_starts, t_ends)

        # coarse: bilinear + both mention scores, only over earlier spans
        coarse = self.coarse(self.dropout(g)) @ g.T + s_m.unsqueeze(1) + s_m.unsqueeze(0)
        if self.cfg["string_match"]:
            match = match_kinds(keys, t_starts, t_ends)
            coarse = coarse + self.match_coarse(match).squeeze(-1)
        earlier = torch.ones(k, k, device=g.device, dtype=torch.bool).tril(-1)
        coarse = coarse.masked_fill(~earlier, float("-inf"))
        a = min(self.cfg["max_antecedents"], k)
        coarse_top, ante = torch.topk(coarse, a, dim=1)
        ante_mask = torch.isfinite(coarse_top)
        ante = torch.where(ante_mask, ante, torch.zeros_like(ante))

        # fine
        dist = distance_bucket(t_starts.unsqueeze(1) - t_starts[ante])
        sent_dist = distance_bucket(sentence_of[t_starts].unsqueeze(1) - sentence_of[t_starts[ante]])
        phi = torch.cat([self.distance(dist), self.sentence_distance(sent_dist)], -1)
        proj = self.pair_proj(g)
        hidden = (self.fine_i(g).unsqueeze(1) + self.fine_j(g)[ante]
                  + self.fine_ij(proj.unsqueeze(1) * proj[ante]) + self.fine_dist(self.dropout(phi)))
        if self.cfg["string_match"]:
            hidden = hidden + self.match_fine(match.gather(1, ante))
        fine = self.fine_out(hidden).squeeze(-1)
        pair = (coarse_top + fine).masked_fill(~ante_mask, float("-inf"))
        scores = torch.cat([torch.zeros(k, 1, device=g.device, dtype=pair.dtype), pair], 1)

        if gold is not None:
            cluster = torch.tensor([gold.get((s, e), -1) for s, e in zip(t_starts.tolist(), t_ends.tolist())],
                                   device=g.device)
            same = (cluster[ante] == cluster.unsqueeze(1)) & (cluster.unsqueeze(1) >= 0) & ante_mask
            gold_mask = torch.cat([~same.any(1, keepdim=True), same], 1)
            marginal = torch.logsumexp(scores.masked_fill(~gold_mask, float("-inf")), 1)
            loss = loss + (torch.logsumexp(scores, 1) - marginal).mean()
        return Output(t_starts, t_ends, s_m, ante, ante_mask, scores, loss)

    # -- decoding ----------------------------------------------------------------------------------

    @torch.no_grad()
    def clusters(self, out: Output) -> tuple[list[list[tuple[int, int]]], list[float]]:
        """Greedy antecedent decoding: each span links to its best candidate if that beats the
        dummy. Returns clusters of (start, end) and a confidence per cluster (the mean
        probability of its links; a singleton's mention probability)."""
        best = out.scores.argmax(1)
        probs = torch.softmax(out.scores.float(), 1)
        starts, ends = out.starts.tolist(), out.ends.tolist()
        cluster_of: dict[int, int] = {}
        members: list[list[int]] = []
        link_probs: list[list[float]] = []
        for i, b in enumerate(best.tolist()):
            if b == 0:
                continue
            j = int(out.antecedents[i, b - 1])
            c = cluster_of.get(j)
            if c is None:
                c = cluster_of[j] = len(members)
                members.append([j])
                link_probs.append([])
            if i not in cluster_of:
                cluster_of[i] = c
                members[c].append(i)
            link_probs[c].append(float(probs[i, b]))
        if self.cfg["singletons"]:
            # the probability without the gold spans' loss weight (a weight w adds log w to the logit)
            probability = torch.sigmoid(out.mention_scores.float() - math.log(float(self.cfg["mention_pos_weight"])))
            for i in torch.nonzero(probability > 0.5).flatten().tolist():
                if i not in cluster_of:
                    cluster_of[i] = len(members)
                    members.append([i])
                    link_probs.append([float(probability[i])])
        clusters = [[(starts[i], ends[i]) for i in sorted(m)] for m in members]
        confidence = [sum(p) / len(p) for p in link_probs]
        return clusters, confidence
