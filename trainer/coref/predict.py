"""Chains for documents from a trained coreference bundle; also the featurizing both training
and prediction share."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import torch

from rdrs_gui.core.document import Document
from rdrs_gui.core.formats.jsonl import chain_to_dict

from trainer.coref.data import CorefExample, to_chains, to_example, units, word_keys
from trainer.coref.model import CorefModel, saved_config
from trainer.device import Device
from trainer.encoders import Encoder, build_encoder
from trainer.predictor import Predictor

KIND = "coref"


@dataclass
class Prepared:
    """A document featurized once for the encoder, with what cropping and scoring need."""

    example: CorefExample
    items: list[dict]       # encoder inputs, one per unit (sentence or segment)
    unit_words: list[int]   # words per unit
    sentence_of: list[int]  # sentence index per word
    gold: dict[tuple[int, int], int]  # (first word, last word) -> gold cluster
    keys: list[int]         # per word, its stem's id (``word_keys``) for the string-match feature

    @property
    def n_words(self) -> int:
        return len(self.sentence_of)


def segment_words(encoder: Encoder, config: dict) -> int:
    """Transformers read runs of sentences (cross-sentence context); the embedded encoder reads
    sentences (its parser expects them; the BiLSTM adds the context)."""
    return int(config.get("segment_words", 0)) if encoder.kind == "transformer" else 0


def prepare(examples: list[CorefExample], encoder: Encoder, config: dict) -> list[Prepared]:
    out = []
    seg = segment_words(encoder, config)
    for ex in examples:
        parts = [u for u in units(ex, seg) if len(u)]
        items = encoder.featurize(parts) if parts else []
        gold = {span: c for c, cluster in enumerate(ex.clusters) for span in cluster}
        out.append(Prepared(ex, items, [len(u) for u in parts], ex.sentence_of, gold, word_keys(ex.words)))
    return out


def crop(p: Prepared, max_words: int, rng) -> tuple[list[dict], list[int], dict, list[int]]:
    """A random run of whole units with at most ``max_words`` words (at least one unit), the
    sentence ids of its words, the gold spans inside it (shifted to the run) and its word keys."""
    if p.n_words <= max_words:
        return p.items, p.sentence_of, p.gold, p.keys
    bounds = [0]
    for n in p.unit_words:
        bounds.append(bounds[-1] + n)
    first = rng.randrange(len(p.unit_words))
    while first > 0 and bounds[-1] - bounds[first] < max_words:
        first -= 1
    last = first + 1
    while last < len(p.unit_words) and bounds[last + 1] - bounds[first] <= max_words:
        last += 1
    w0, w1 = bounds[first], bounds[last]
    gold = {(s - w0, e - w0): c for (s, e), c in p.gold.items() if w0 <= s and e < w1}
    return p.items[first:last], p.sentence_of[w0:w1], gold, p.keys[w0:w1]


def run(model: CorefModel, device: Device, items: list[dict], sentence_of: list[int],
        gold: dict | None = None, keys: list[int] | None = None):
    batch = model.encoder.collate(items).to(device.torch_device)
    sentences = torch.tensor(sentence_of, dtype=torch.long, device=device.torch_device)
    key_ids = None if keys is None else torch.tensor(keys, dtype=torch.long, device=device.torch_device)
    with device.autocast():
        return model(batch, sentences, gold, key_ids)


@torch.no_grad()
def predict_prepared(model: CorefModel, device: Device, prepared: Iterable[Prepared]
                     ) -> list[tuple[list[list[tuple[int, int]]], list[float]]]:
    model.eval()
    out = []
    for p in prepared:
        if not p.items:
            out.append(([], []))
            continue
        out.append(model.clusters(run(model, device, p.items, p.sentence_of, keys=p.keys)))
    return out


class CorefPredictor(Predictor):
    """A loaded coreference bundle: ``predict(documents)`` sets each document's chains to the
    model's suggestions (origin ``model:<version>``, status ``suggested``)."""

    kind = KIND

    def build(self, config: dict) -> CorefModel:
        return CorefModel(build_encoder(config["encoder"], directory=self.directory), saved_config(config["model"]))

    def serve(self, documents: list[dict]) -> dict:
        """The ``predict`` answer of ``python -m trainer serve``: chains of character mentions, as
        the JSONL format writes them (one wire format for every worker)."""
        docs = self.predict([Document(str(d.get("name", "")), d["text"]) for d in documents])
        return {"documents": [{"name": doc.name,
                               "chains": [chain_to_dict(c) for c in doc.chains]}
                              for doc in docs]}

    def predict(self, documents: list[Document]) -> list[Document]:
        examples = [to_example(d, protect_gold=False) for d in documents]
        prepared = prepare(examples, self.model.encoder, self.config["model"])
        for doc, ex, (clusters, scores) in zip(documents, examples,
                                               predict_prepared(self.model, self.device, prepared)):
            doc.chains = to_chains(ex, clusters, scores, self.version)
        return documents
