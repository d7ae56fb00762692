"""Synthetic Russian drug reviews (written for these tests) and tiny models for tagger tests.

Spans overlap on purpose: every drug name is also a DrugBrand (one span, two labels), and
"аллергия на <drug>" is an ADR that contains the DrugName.
"""
from __future__ import annotations

import random
from pathlib import Path

from rdrs_gui.core.document import Document, Span

DRUGS = ["Нурофен", "Анальгин", "Цитрамон", "Арбидол", "Кагоцел", "Виферон", "Терафлю", "Ингавирин"]
FORMS = ["таблетки", "сироп", "свечи", "капли", "порошок"]
ADRS = ["болела голова", "появилась сыпь", "тошнило весь день", "кружилась голова", "пропал сон"]


def _review(rng: random.Random) -> tuple[str, list[Span]]:
    text, spans = "", []

    def add(piece: str, *labels: str) -> None:
        nonlocal text
        start = len(text)
        text += piece
        if labels:
            spans.append(Span(set(labels), [(start, len(text))]))

    for _ in range(rng.randint(2, 4)):
        drug, form, adr = rng.choice(DRUGS), rng.choice(FORMS), rng.choice(ADRS)
        kind = rng.randrange(4)
        if kind == 0:
            add("Купила "), add(form, "DrugForm"), add(" "), add(drug, "DrugName", "DrugBrand"), add(" в аптеке. ")
        elif kind == 1:
            add("После приема "), add(drug, "DrugName", "DrugBrand"), add(" у меня "), add(adr, "ADR"), add(". ")
        elif kind == 2:
            start = len(text)
            add("Началась "), add("аллергия на ")
            add(drug, "DrugName", "DrugBrand")
            spans.append(Span({"ADR"}, [(start + len("Началась "), len(text))]))
            add(", больше не куплю.\n")
        else:
            add("Врач посоветовал "), add(form, "DrugForm"), add(", все прошло хорошо. ")
    return text.strip(), spans


def make_documents(n: int = 12, seed: int = 0) -> list[Document]:
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        text, spans = _review(rng)
        spans = [s for s in spans if s.end <= len(text)]
        doc = Document(f"r{i}", text, spans=spans)
        doc.assign_ids()
        docs.append(doc)
    return docs


def tiny_transformer(directory: Path, texts: list[str]) -> Path:
    """A 1-layer BERT with a WordPiece vocabulary trained on ``texts``, saved like a hub model."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok.train_from_iterator(texts, trainers.WordPieceTrainer(vocab_size=300, special_tokens=special))
    tok.post_processor = processors.BertProcessing(("[SEP]", tok.token_to_id("[SEP]")),
                                                   ("[CLS]", tok.token_to_id("[CLS]")))
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]")
    config = BertConfig(vocab_size=tok.get_vocab_size(), hidden_size=32, num_hidden_layers=1,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=64)
    directory.mkdir(parents=True, exist_ok=True)
    fast.save_pretrained(str(directory))
    BertModel(config).save_pretrained(str(directory))
    return directory


def untrained_bundle(out: Path, tags: list[str] = ["ADR", "DrugName"]) -> Path:  # noqa: B006 - read only
    """A complete tagger bundle with random weights: enough to test formats and plumbing fast."""
    from rdrs_gui.core.schema import bundled
    from trainer import bundle
    from trainer.encoders import build_encoder
    from trainer.tagger.data import document_sentences
    from trainer.tagger.model import MultiTagTagger

    sents = [s for d in make_documents(3) for s in document_sentences(d, protect_gold=False)]
    enc = build_encoder({"kind": "embedded", "syntax": "none"}, sentences=sents)
    model = MultiTagTagger(enc, len(tags), {"hidden": 8})
    config = {"kind": "tagger", "version": "t1", "tags": list(tags), "encoder": enc.config(), "head": model.cfg}
    bundle.save(out, config, bundled("rdrs"), model, metrics={"dev": None})
    return out
