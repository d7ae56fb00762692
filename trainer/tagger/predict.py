"""Tagging documents with a trained bundle: suggestions (status ``suggested``, origin
``model:<version>``, a score per span), and scoring them against gold documents."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from rdrs_gui.core.document import Document
from rdrs_gui.core.formats.jsonl import span_to_dict
from rdrs_gui.core.schema import Schema

from .. import bundle
from ..device import Device, cpu_bf16
from ..encoders import build_encoder
from ..metrics import partial_span_prf, span_prf
from ..predictor import Predictor, run_batched
from ..tokenize import Sentence
from .data import decode_spans, document_sentences, gold_keys, span_keys, spans_from_predictions
from .model import MultiTagTagger

KIND = "tagger"
# Words of one flat run (length-sorted, counted as longest x sentences): bounds its memory.
FLAT_WORDS = 8000


def run_model(model: MultiTagTagger, device: Device, items: list[dict],
              batch_tokens: int = 4000) -> list[tuple[np.ndarray, np.ndarray]]:
    """(labels, probabilities) per featurized sentence, each (words, tags), in input order.

    On a CPU, an encoder that reads each word alone runs flat: many sentences as one row of
    words, no padding anywhere (``MultiTagTagger.decode``), in runs of up to ``FLAT_WORDS``."""
    flat = model.encoder.per_word and not device.is_cuda

    def step(idx: list[int]) -> list[tuple[np.ndarray, np.ndarray]]:
        chunk = [items[i] for i in idx]
        batch = model.encoder.collate(chunk, flat=flat).to(device.torch_device)
        labels, probs = model.decode(batch)
        labels, probs = labels.cpu().numpy(), probs.float().cpu().numpy()
        if flat:
            ends = np.cumsum([int(item["n"]) for item in chunk])
            return [(labels[0, end - int(item["n"]):end], probs[0, end - int(item["n"]):end])
                    for item, end in zip(chunk, ends)]
        return [(labels[row, :int(item["n"])], probs[row, :int(item["n"])]) for row, item in enumerate(chunk)]

    if flat:
        return run_batched(model, device, items, step, FLAT_WORDS, max_items=FLAT_WORDS)
    return run_batched(model, device, items, step, batch_tokens)


def document_spans(sentences: list[Sentence], outputs: list[tuple[np.ndarray, np.ndarray]],
                   tags: list[str], origin: str):
    found = []
    for sentence, (labels, probs) in zip(sentences, outputs):
        found += decode_spans(sentence, labels, probs, tags)
    return spans_from_predictions(found, origin)


def score(gold: list[Document], predicted: list[list], tags: list[str], schema: Schema) -> dict:
    """Entity F1-exact (conlleval semantics, per tag, micro and macro) and partial-overlap F1."""
    g = [gold_keys(d, tags, schema) for d in gold]
    p = [span_keys(spans) for spans in predicted]
    report = span_prf(g, p, tags)
    report["partial"] = partial_span_prf(g, p, tags)
    return report


class TaggerPredictor(Predictor):
    """A loaded tagger bundle. ``predict`` is side-effect free: it returns new span lists."""

    kind = KIND

    def __init__(self, directory: str | Path, device: str = "auto", expected_schema: Schema | None = None) -> None:
        super().__init__(directory, device)
        self.schema = bundle.read_schema(self.directory, expected_schema)
        self.max_words = int(self.config.get("training", {}).get("max_words", 100))

    def build(self, config: dict) -> MultiTagTagger:
        self.tags = list(config["tags"])
        encoder = build_encoder(config["encoder"], directory=self.directory)
        return MultiTagTagger(encoder, len(self.tags), config["head"])

    def info(self) -> dict:
        # Whether the BiLSTM's input products run in bfloat16 here (see device.cpu_bf16).
        bf16 = not self.device.is_cuda and cpu_bf16()
        return {**super().info(), "tags": self.tags, "schema": self.schema.name, "bf16_inputs": bf16}

    def predict_texts(self, texts: list[str]) -> list[list]:
        """Suggested spans for each text."""
        return self.tag_texts(texts)[0]

    def tag_texts(self, texts: list[str]) -> tuple[list[list], list[float]]:
        """Suggested spans and the model's doubt for each text.

        The doubt is the least confident decision anywhere in the text: the highest
        ``1 - P(chosen label)`` over its words and tags. It is high both for a shaky span and for
        a word the model almost tagged, so a review with a likely missed mention also ranks
        high in the "most uncertain first" queue; a text with no words has none (0).
        """
        sentences = [document_sentences(Document("", t), protect_gold=False, max_words=self.max_words) for t in texts]
        flat = [s for doc in sentences for s in doc]
        outputs = run_model(self.model, self.device, self.model.encoder.featurize(flat))
        spans, doubts, k = [], [], 0
        for doc in sentences:
            mine = outputs[k:k + len(doc)]
            spans.append(document_spans(doc, mine, self.tags, self.origin))
            doubts.append(max((float(1.0 - probs.min()) for _, probs in mine if probs.size), default=0.0))
            k += len(doc)
        return spans, doubts

    def predict(self, documents: list[Document]) -> list[Document]:
        """Copies of ``documents`` whose spans are this model's suggestions only."""
        spans = self.predict_texts([d.text for d in documents])
        out = []
        for doc, found in zip(documents, spans):
            copy = Document(doc.name, doc.text, dict(doc.meta), found)
            copy.assign_ids()
            out.append(copy)
        return out

    def serve(self, documents: list[dict]) -> dict:
        """The ``predict`` answer of ``python -m trainer serve`` (see trainer.serve)."""
        texts = [str(d.get("text", "")) for d in documents]
        spans, doubts = self.tag_texts(texts)
        return {"documents": [{"name": d.get("name", ""), "uncertainty": round(doubt, 4),
                               "spans": [span_to_dict(s) for s in found]}
                              for d, found, doubt in zip(documents, spans, doubts)]}

    def evaluate(self, gold: list[Document]) -> dict:
        """Scores on gold documents plus inference speed (words per second, end to end, after a
        warm-up on the first document: first calls pay one-off costs a served model never sees)."""
        self.predict_texts([d.text for d in gold[:1]])
        start = time.perf_counter()
        predicted = self.predict_texts([d.text for d in gold])
        seconds = time.perf_counter() - start
        tokens = sum(len(s) for d in gold for s in document_sentences(d, protect_gold=False, max_words=self.max_words))
        report = score(gold, predicted, self.tags, self.schema)
        # Gold labels this model does not predict are left out of the scores; say which.
        report["ignored_labels"] = sorted({lab for d in gold for s in d.spans for lab in s.labels
                                           if self.schema.canonical(lab) not in self.tags})
        report["documents"] = len(gold)
        report["tokens"] = tokens
        report["seconds"] = round(seconds, 3)
        report["tokens_per_s"] = round(tokens / seconds, 1) if seconds > 0 else None
        return report
