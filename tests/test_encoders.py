"""Encoders and word features: the public interface other models build on."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from tagger_fixtures import make_documents, tiny_transformer
from trainer import features
from trainer.encoders import build_encoder
from trainer.tokenize import Sentence, sentences, words

TEXT = ("Врач назначил Кортексин и Нурофен. После укола кортексина у сына поднялась температура.\n"
        "Больше не будем колоть, перешли на таблетки Глицин Форте 250 мг.")


def test_sentences_keep_offsets_and_never_cut_protected_spans():
    sents = sentences(TEXT)
    assert len(sents) == 3
    for s in sents:
        for w, a, b in zip(s.words, s.starts, s.ends):
            assert TEXT[a:b] == w
    # A span across the first sentence boundary keeps both sentences together.
    boundary = TEXT.index("После")
    joined = sentences(TEXT, protected=[(boundary - 8, boundary + 5)])
    assert len(joined) == 2
    # Chunking a long sentence never cuts inside a protected span.
    chunks = sentences(TEXT, max_words=4, protected=[(TEXT.index("Кортексин"), TEXT.index("Нурофен") + 7)])
    assert all(len(c) <= 4 or "Кортексин" in c.words for c in chunks)
    assert any({"Кортексин", "и", "Нурофен"} <= set(c.words) for c in chunks)


def test_casing_features_answer_the_papers_questions():
    assert features.casing("НДС") == [1, 0, 1, 0, 0, 0, 0]
    assert features.casing("таблетки") == [0, 1, 0, 0, 0, 0, 0]
    assert features.casing("250") == [0, 0, 0, 1, 1, 1, 0]
    assert features.casing("B12") == [1, 0, 1, 1, 1, 0, 1]
    assert features.casing("Aspirin") == [0, 0, 1, 0, 0, 0, 1]


@pytest.mark.parametrize("heads", [
    [2, 0, 2, 3],          # already a tree
    [1, 0, 2, 3],          # self-loop on the first word
    [2, 3, 1, 3],          # a cycle and no root
    [0, 0, 0, 2],          # three roots
    [5, 9, -1, 2],         # heads outside the sentence
])
def test_repair_heads_always_gives_one_rooted_tree(heads):
    out = features.repair_heads(heads, ["nsubj", "root", "obj", "punct"])
    assert sum(h == 0 for h in out) == 1
    for i in range(len(out)):
        seen, node = set(), i
        while out[node] != 0:
            assert node not in seen, f"cycle through {node} in {out}"
            seen.add(node)
            node = out[node] - 1
    if heads == [2, 0, 2, 3]:
        assert out == heads


def test_torch_parser_gives_slovnets_own_results():
    from navec import Navec
    from slovnet import Morph, Syntax

    from trainer.natasha_torch import MORPH_FILE, SYNTAX_FILE, natasha_data_dir, shared_parser
    from trainer.word_vectors import NEWS

    data = natasha_data_dir()
    navec = Navec.load(str(data / "emb" / NEWS))
    morph = Morph.load(str(data / MORPH_FILE)).navec(navec)
    syntax = Syntax.load(str(data / SYNTAX_FILE)).navec(navec)
    words = [s.words for s in sentences(TEXT + " Мази и капли не помогли, зато сироп снял кашель за два дня!")]
    ours = shared_parser().parse(words)
    for (pos, heads, rels), m, s in zip(ours, morph.map(words), syntax.map(words)):
        assert pos == [t.pos for t in m.tokens]
        assert heads == [int(t.head_id) for t in s.tokens]
        assert rels == [t.rel for t in s.tokens]


def test_a_sentence_parses_the_same_alone_in_any_run_of_sentences():
    """Sentences are parsed end to end without padding, in runs of ``batch_tokens`` words: a
    sentence's analysis must not depend on its neighbours or on where a run ends."""
    from trainer.natasha_torch import shared_parser

    parser = shared_parser()
    words = [s.words for s in sentences(TEXT + " Мази и капли не помогли, зато сироп снял кашель за два дня!")]
    words.insert(1, [])  # an empty sentence keeps its place
    together = parser.parse(words, states=True)
    saved = parser.batch_tokens
    try:
        parser.batch_tokens = 5  # a run closes after every sentence of 5 words or more
        in_runs = parser.parse(words, states=True)
    finally:
        parser.batch_tokens = saved
    alone = [parser.parse([w], states=True)[0] for w in words]
    assert together[1][:3] == ([], [], []) and together[1][3].shape == (0, 128)
    for ours, run, single, w in zip(together, in_runs, alone, words):
        assert ours[:3] == run[:3] == single[:3]
        assert len(ours[0]) == len(w) and ours[3].shape == (len(w), 128)
        np.testing.assert_allclose(ours[3], single[3], atol=2e-3)
        np.testing.assert_allclose(ours[3], run[3], atol=2e-3)


def test_char_cnn_runs_once_per_distinct_word_and_equals_each_word_alone():
    from trainer.encoders.parts import CharCNN, char_arrays, char_vocabulary, distinct_words

    sents = sentences(TEXT + " Кортексин, кортексин и ещё раз Кортексин.")
    vocab = char_vocabulary(sents)
    items = [{"chars": chars} for chars in char_arrays(sents, vocab, 52)]
    distinct, rows = distinct_words(items, ["chars"])
    chars = distinct["chars"]
    all_words = [w for s in sents for w in s.words]
    assert chars.shape[0] == len(set(all_words)) < len(all_words)
    assert rows.shape == (len(sents), max(len(s) for s in sents))
    torch.manual_seed(0)
    cnn = CharCNN(len(vocab)).eval()
    out = cnn(chars, rows)
    assert torch.equal(cnn(chars)[rows[0, 0]], out[0, 0])
    for i, s in enumerate(sents):
        for t, w in enumerate(s.words):
            ids = torch.tensor([vocab.encode(w)])
            alone = cnn.conv(cnn.emb(ids).transpose(1, 2)).amax(-1)[0]  # the word without padding
            assert torch.allclose(out[i, t], alone, atol=1e-5), w
        assert not out[i, len(s):].any()  # padding positions are zero vectors


def test_distinct_words_go_by_every_key_and_flat_batches_match_padded_ones():
    """"Кортексин" and "кортексин" share a navec id but not their characters or casing: two
    distinct words. A flat batch (one row, no padding) gives each word the padded batch's vector."""
    sents = sentences(TEXT + " Кортексин, кортексин и ещё раз Кортексин.")
    enc = build_encoder({"kind": "embedded"}, sentences=sents).eval()
    items = enc.featurize(sents)
    batch = enc.collate(items)
    words = [w for s in sents for w in s.words]
    assert batch.inputs["word_words"].shape[0] == len(set(words))
    flat = enc.collate(items, flat=True)
    assert flat.mask.shape == (1, len(words)) and flat.inputs["lengths"].tolist() == [len(s) for s in sents]
    with torch.no_grad():
        padded, alone = enc(batch), enc(flat)
        assert torch.allclose(alone[0], padded[batch.mask], atol=1e-6)
        distinct, rows, rest = enc.split(flat)
        assert distinct.shape == (len(set(words)), enc.word_dim)
        assert torch.equal(torch.cat([distinct[rows[0]], rest[0]], -1), alone[0])


def test_embedded_encoder_maps_words_to_vectors_and_rebuilds_from_its_files(tmp_path: Path):
    sents = sentences(TEXT)
    enc = build_encoder({"kind": "embedded"}, sentences=sents)
    assert enc.config()["syntax"] == {"backend": "natasha"}  # resolved, so a bundle records it
    items = enc.featurize(sents)
    batch = enc.collate(items)
    out = enc(batch)
    assert out.shape == (3, max(len(s) for s in sents), enc.output_dim)
    # navec, char-CNN, casing, POS / relation / head-POS embeddings, the parser's hidden states
    assert enc.output_dim == 300 + 30 + features.N_CASING + 16 + 16 + 8 + 128
    assert sents[0].states.shape == (len(sents[0]), 128)
    assert batch.mask.sum().item() == sum(len(s) for s in sents)
    # Padding does not leak: a sentence alone gives the same vectors as inside a batch.
    alone = enc(enc.collate(items[1:2]))
    assert torch.allclose(alone[0, :len(sents[1])], out[1, :len(sents[1])], atol=1e-6)
    # config + assets + state dict rebuild the same encoder.
    enc.save_assets(tmp_path)
    again = build_encoder(enc.config(), directory=tmp_path)
    again.load_state_dict(enc.state_dict())
    assert torch.equal(again(again.collate(again.featurize(sentences(TEXT)))), out)


def test_unknown_words_and_yo_find_their_navec_vectors():
    enc = build_encoder({"kind": "embedded", "syntax": "none"}, sentences=sentences(TEXT))
    assert enc.config()["parser_states"] is False  # nothing to take them from
    navec = enc.navec
    assert navec.word_id("ЕЩЁ") == navec.vocab.get("ещё")
    assert navec.word_id("кортексинчик") == navec.unk_id


@pytest.mark.slow
def test_transformer_encoder_pools_pieces_and_windows_long_sentences(tmp_path: Path):
    docs = make_documents(8)
    model_dir = tiny_transformer(tmp_path / "bert", [d.text for d in docs])
    long_text = " ".join(d.text for d in docs)
    toks = words(long_text)
    sents = [Sentence([w for _, _, w in toks], [a for a, _, _ in toks], [b for _, b, _ in toks])]
    enc = build_encoder({"kind": "transformer", "model": str(model_dir), "window": 16, "overlap": 4},
                        sentences=sents)
    items = enc.featurize(sents)
    n_pieces = len(items[0]["pieces"])
    assert n_pieces > 40  # several windows
    windows, owner = enc._windows(n_pieces)
    assert windows[0][0] == 0 and windows[-1][1] == n_pieces
    assert all(b - a == enc.window for a, b in windows)
    for p in range(n_pieces):  # every piece is read from a window that holds it
        a, b = windows[owner[p]]
        assert a <= p < b
    enc.eval()
    out = enc(enc.collate(items))
    assert out.shape == (1, len(sents[0]), 32 + features.N_CASING)
    assert torch.isfinite(out).all()
    # Mean pooling: a word's vector is the mean of its pieces' vectors (one window here).
    short = sentences("Нурофен помог")
    sitems = enc.featurize(short)
    batch = enc.collate(sitems)
    hidden = enc.model(input_ids=batch.inputs["input_ids"], attention_mask=batch.inputs["attention_mask"]).last_hidden_state
    flat = hidden.reshape(-1, hidden.shape[-1])[batch.inputs["piece_pos"]]
    first_word = flat[torch.from_numpy(sitems[0]["piece_word"]) == 0].mean(0)
    assert torch.allclose(enc(batch)[0, 0, :32], first_word, atol=1e-5)
    # Saved tokenizer + config + weights rebuild it offline.
    enc.save_assets(tmp_path / "bundle")
    again = build_encoder(enc.config(), directory=tmp_path / "bundle")
    again.load_state_dict(enc.state_dict())
    again.eval()
    assert torch.allclose(again(again.collate(again.featurize(sents))), out, atol=1e-5)


def test_unknown_encoder_kind_is_refused():
    with pytest.raises(ValueError, match="unknown encoder kind"):
        build_encoder({"kind": "word2vec"})
    with pytest.raises(ValueError, match="syntax backend"):
        build_encoder({"kind": "embedded", "syntax": "udpipe"}, sentences=sentences(TEXT))


def test_feature_arrays_are_cacheable_numpy():
    enc = build_encoder({"kind": "embedded"}, sentences=sentences(TEXT))
    item = enc.featurize(sentences(TEXT))[0]
    assert all(isinstance(v, np.ndarray) for k, v in item.items() if k != "n")


def test_joined_sentences_keep_their_parses_for_document_level_models():
    from trainer.tokenize import join

    sents = sentences(TEXT)
    enc = build_encoder({"kind": "embedded"}, sentences=sents)
    enc.featurize(sents)  # parses them
    doc = join(sents)
    assert doc.words == [w for s in sents for w in s.words]
    assert doc.heads[len(sents[0]):len(sents[0]) + len(sents[1])] == [
        h + len(sents[0]) if h else 0 for h in sents[1].heads]
    out = enc(enc.collate(enc.featurize([doc])))
    assert out.shape == (1, len(doc), enc.output_dim)
