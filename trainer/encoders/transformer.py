"""Any Hugging Face encoder (XLM-RoBERTa, RuBERT, a local directory) as a word encoder.

Words are split into sub-word pieces, pieces are pooled back to words (mean or first piece),
and sequences longer than the model's window are cut into overlapping windows; each piece takes
its vector from the window where it sits closest to the centre, so every word sees context on
both sides. Optionally fine-tuned (with its own, smaller learning rate). Casing bits, POS and
relation features (RDRS model B) and a char-CNN can be concatenated to its output.

In a bundle the tokenizer and the model's config live in ``transformer/``; the weights are in
the owner's ``weights.safetensors``, so a bundle is self-contained and loads offline.
"""
from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import torch
import transformers

from .. import features as feats
from ..tokenize import Sentence
from ..vocab import Vocabulary
from . import Encoder, WordBatch
from .parts import (CHARS_KEY, CharCNN, FeatureEmbedding, char_arrays, char_vocabulary, distinct_words, feature_arrays,
                    pad_words, word_mask)

ASSET_DIR = "transformer"
CHARS_FILE = "transformer_chars.json"
DEFAULTS = {
    "kind": "transformer", "model": "", "finetune": True, "lr_scale": 0.03,
    "pooling": "mean", "window": 256, "overlap": 64,
    "casing": True, "syntax": "none", "pos_dim": 16, "rel_dim": 16, "head_pos_dim": 8,
    "char_cnn": False, "char_dim": 30, "char_filters": 30, "char_kernel": 3, "max_word_chars": 52,
}


class TransformerEncoder(Encoder):
    kind = "transformer"

    def __init__(self, config: dict, model, tokenizer, chars: Vocabulary | None) -> None:
        super().__init__()
        self.cfg = {**DEFAULTS, **config}
        self.cfg["syntax"] = feats.resolve_syntax(self.cfg["syntax"])
        self.model = model
        self.tokenizer = tokenizer
        self.hidden = int(model.config.hidden_size)
        limit = getattr(model.config, "max_position_embeddings", 512) or 512
        # RoBERTa-style models reserve two positions for the padding offset.
        self.window = max(8, min(int(self.cfg["window"]), limit - 4))
        self.overlap = max(0, min(int(self.cfg["overlap"]), self.window // 2))
        self._specials = _special_layout(tokenizer)
        if not self.cfg["finetune"]:
            self.model.requires_grad_(False)
        self.use_syntax = self.cfg["syntax"]["backend"] != "none"
        self.features = FeatureEmbedding(self.cfg["casing"], self.use_syntax, self.cfg["pos_dim"],
                                         self.cfg["rel_dim"], self.cfg["head_pos_dim"])
        self.chars = chars
        self.char_cnn = (CharCNN(len(chars), self.cfg["char_dim"], self.cfg["char_filters"], self.cfg["char_kernel"])
                         if chars is not None else None)
        self.output_dim = (self.hidden + self.features.output_dim
                           + (self.char_cnn.output_dim if self.char_cnn is not None else 0))

    # ----- construction -----

    @classmethod
    def create(cls, config: dict, sentences: list[Sentence]) -> "TransformerEncoder":
        from transformers import AutoModel, AutoTokenizer

        name = config.get("model")
        if not name:
            raise ValueError("a transformer encoder needs 'model': a Hugging Face id or a local directory")
        transformers.logging.set_verbosity_error()  # load reports would drown the progress lines
        local = Path(name).is_dir()
        tokenizer = AutoTokenizer.from_pretrained(name, local_files_only=local)
        model = AutoModel.from_pretrained(name, local_files_only=local, add_pooling_layer=False) \
            if _accepts_pooling(name, local) else AutoModel.from_pretrained(name, local_files_only=local)
        chars = char_vocabulary(sentences) if config.get("char_cnn") else None
        return cls(config, model, tokenizer, chars)

    @classmethod
    def load(cls, config: dict, directory: Path) -> "TransformerEncoder":
        from transformers import AutoConfig, AutoModel, AutoTokenizer

        transformers.logging.set_verbosity_error()
        assets = directory / ASSET_DIR
        if not assets.is_dir():
            raise FileNotFoundError(f"{assets} is missing (tokenizer and model config of the transformer)")
        tokenizer = AutoTokenizer.from_pretrained(str(assets), local_files_only=True)
        model_config = AutoConfig.from_pretrained(str(assets), local_files_only=True)
        model = AutoModel.from_config(model_config, add_pooling_layer=False) \
            if "add_pooling_layer" in _init_params(model_config) else AutoModel.from_config(model_config)
        chars = Vocabulary.load(directory / CHARS_FILE, CHARS_KEY) if config.get("char_cnn") else None
        return cls(config, model, tokenizer, chars)

    def config(self) -> dict:
        return dict(self.cfg)

    def save_assets(self, directory: Path) -> None:
        assets = directory / ASSET_DIR
        assets.mkdir(parents=True, exist_ok=True)
        self.tokenizer.save_pretrained(str(assets))
        self.model.config.save_pretrained(str(assets))
        if self.chars is not None:
            self.chars.save(directory / CHARS_FILE)

    def param_groups(self, lr: float) -> list[dict]:
        own = [p for n, p in self.named_parameters() if not n.startswith("model.") and p.requires_grad]
        groups = [{"params": own, "lr": lr}] if own else []
        if self.cfg["finetune"]:
            groups.append({"params": list(self.model.parameters()), "lr": lr * float(self.cfg["lr_scale"])})
        return groups

    # ----- data -----

    def featurize(self, sentences: list[Sentence]) -> list[dict]:
        if self.use_syntax and any(s.pos is None for s in sentences):
            feats.annotate([s for s in sentences if s.pos is None], feats.parser_for(self.cfg["syntax"]))
        out = []
        nonempty = [s.words for s in sentences if s.words]
        encoded = iter(self.tokenizer(nonempty, is_split_into_words=True, add_special_tokens=False)
                       .encodings if nonempty else [])
        chars = char_arrays(sentences, self.chars, self.cfg["max_word_chars"]) if self.chars is not None else []
        for k, s in enumerate(sentences):
            item = feature_arrays(s, self.cfg["casing"], self.use_syntax)
            pieces, owner = self._pieces(next(encoded), len(s)) if s.words else ([], [])
            item["pieces"] = np.array(pieces, dtype=np.int64)
            item["piece_word"] = np.array(owner, dtype=np.int64)
            item["n"] = len(s)
            if self.chars is not None:
                item["chars"] = chars[k]
            out.append(item)
        return out

    def _pieces(self, encoding, n_words: int) -> tuple[list[int], list[int]]:
        """Piece ids and the word each belongs to; a word with no piece gets the unknown piece."""
        by_word: list[list[int]] = [[] for _ in range(n_words)]
        for piece, word in zip(encoding.ids, encoding.word_ids):
            if word is not None and word < n_words:
                by_word[word].append(piece)
        unk = self.tokenizer.unk_token_id if self.tokenizer.unk_token_id is not None else 0
        pieces, owner = [], []
        for w, ids in enumerate(by_word):
            for p in ids or [unk]:
                pieces.append(p)
                owner.append(w)
        return pieces, owner

    def _windows(self, n: int) -> tuple[list[tuple[int, int]], np.ndarray]:
        """Overlapping windows over ``n`` pieces, and for each piece the window it is read from."""
        if n <= self.window:
            return [(0, n)], np.zeros(n, dtype=np.int64)
        step = self.window - self.overlap
        starts = list(range(0, n - self.window, step)) + [n - self.window]
        windows = [(s, s + self.window) for s in starts]
        centres = np.array([(s + e) / 2 for s, e in windows])
        owner = np.abs(np.arange(n)[:, None] + 0.5 - centres[None, :]).argmin(1)
        return windows, owner

    def collate(self, items: list[dict], flat: bool = False) -> WordBatch:
        if flat:
            raise ValueError("a transformer reads words in their sentence: it has no flat batches")
        mask = word_mask(items)
        length = mask.shape[1]
        prefix, suffix = self._specials
        rows: list[list[int]] = []
        piece_pos, piece_word = [], []
        width = self.window + len(prefix) + len(suffix)
        for b, item in enumerate(items):
            pieces = item["pieces"]
            windows, owner = self._windows(len(pieces))
            first_row = len(rows)
            for s, e in windows:
                rows.append(prefix + pieces[s:e].tolist() + suffix)
            for p in range(len(pieces)):
                w = owner[p]
                piece_pos.append((first_row + w) * width + len(prefix) + p - windows[w][0])
                piece_word.append(b * length + int(item["piece_word"][p]))
        pad_id = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else 0
        ids = torch.full((max(1, len(rows)), width), pad_id, dtype=torch.long)
        attention = torch.zeros_like(ids)
        for r, row in enumerate(rows):
            ids[r, :len(row)] = torch.tensor(row)
            attention[r, :len(row)] = 1
        inputs = {"input_ids": ids, "attention_mask": attention,
                  "piece_pos": torch.tensor(piece_pos, dtype=torch.long),
                  "piece_word": torch.tensor(piece_word, dtype=torch.long)}
        if self.cfg["casing"]:
            inputs["casing"] = pad_words(items, "casing", torch.uint8)
        if self.use_syntax:
            for key in ("pos", "rel", "head_pos"):
                inputs[key] = pad_words(items, key)
        if self.chars is not None:
            distinct, inputs["char_rows"] = distinct_words(items, ["chars"])
            inputs["chars"] = distinct["chars"]
        return WordBatch(mask, inputs)

    def forward(self, batch: WordBatch) -> torch.Tensor:
        b, t = batch.mask.shape
        grad = torch.is_grad_enabled() and bool(self.cfg["finetune"])
        if not self.cfg["finetune"]:
            self.model.eval()  # frozen: no dropout either
        with contextlib.nullcontext() if grad else torch.no_grad():
            hidden = self.model(input_ids=batch.inputs["input_ids"],
                                attention_mask=batch.inputs["attention_mask"]).last_hidden_state
        flat = hidden.reshape(-1, hidden.shape[-1]).float()
        piece_vecs = flat[batch.inputs["piece_pos"]]
        index = batch.inputs["piece_word"]
        words = torch.zeros(b * t, flat.shape[-1], device=flat.device, dtype=flat.dtype)
        if self.cfg["pooling"] == "first":
            first = torch.full((b * t,), len(index), device=flat.device, dtype=torch.long)
            first.scatter_reduce_(0, index, torch.arange(len(index), device=flat.device), reduce="amin")
            present = first < len(index)
            words[present] = piece_vecs[first[present]]
        else:
            words.index_add_(0, index, piece_vecs)
            counts = torch.zeros(b * t, device=flat.device).index_add_(0, index, torch.ones_like(index, dtype=torch.float))
            words = words / counts.clamp(min=1).unsqueeze(-1)
        parts = [words.reshape(b, t, -1)]
        extra = self.features(batch.inputs)
        if extra is not None:
            parts.append(extra)
        if self.char_cnn is not None:
            parts.append(self.char_cnn(batch.inputs["chars"], batch.inputs["char_rows"]))
        return torch.cat(parts, -1)


def _special_layout(tokenizer) -> tuple[list[int], list[int]]:
    """Special tokens the model expects before and after a piece sequence ([CLS] ... [SEP], <s> ... </s>)."""
    enc = tokenizer(["а"], is_split_into_words=True, add_special_tokens=True, return_special_tokens_mask=True)
    ids, special = list(enc["input_ids"]), list(enc["special_tokens_mask"])
    if 0 not in special:
        return [], []
    first = special.index(0)
    last = len(special) - 1 - special[::-1].index(0)
    return ids[:first], ids[last + 1:]


def _init_params(model_config) -> set[str]:
    import inspect

    from transformers import AutoModel

    try:
        cls = AutoModel._model_mapping[type(model_config)]
    except (KeyError, AttributeError):
        return set()
    return set(inspect.signature(cls.__init__).parameters)


def _accepts_pooling(name: str, local: bool) -> bool:
    from transformers import AutoConfig

    return "add_pooling_layer" in _init_params(AutoConfig.from_pretrained(name, local_files_only=local))
