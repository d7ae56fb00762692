"""The one vocabulary class: ids, files, and the files bundles wrote before it existed."""
from __future__ import annotations

import json

import pytest

from trainer.encoders.parts import char_arrays, char_vocabulary
from trainer.tokenize import sentences
from trainer.vocab import PAD, UNK, Vocabulary


def test_build_keeps_frequent_items_sorted_after_the_reserved_ids():
    vocab = Vocabulary.build([["болит", "голова"], ["болит"], ["живот"]], min_count=2, key="lemmas")
    assert vocab.items == ["болит"] and len(vocab) == 3
    assert vocab.encode(["болит", "голова", "болит"]) == [2, UNK, 2]
    assert PAD not in vocab.encode(["болит", "x"])


def test_round_trip_and_files_written_before_the_class(tmp_path):
    vocab = Vocabulary.build(["аб", "ва"], min_count=1, key="chars")
    vocab.save(tmp_path / "chars.json")
    again = Vocabulary.load(tmp_path / "chars.json", "chars")
    assert again.items == ["а", "б", "в"] and again.index == vocab.index
    # a classifier bundle's lemma file and a char file as the old classes wrote them
    (tmp_path / "old.json").write_text(json.dumps({"lemmas": ["боль", "тошнота"]}, ensure_ascii=False), encoding="utf-8")
    assert Vocabulary.load(tmp_path / "old.json", "lemmas").encode(["тошнота"]) == [3]


def test_a_file_that_is_not_a_vocabulary_is_a_clear_error(tmp_path):
    (tmp_path / "v.json").write_text('{"chars": ["a"]}', encoding="utf-8")
    with pytest.raises(ValueError, match="not a vocabulary of lemmas"):
        Vocabulary.load(tmp_path / "v.json", "lemmas")
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="not a vocabulary file"):
        Vocabulary.load(tmp_path / "bad.json", "chars")


def test_character_ids_of_a_sentence():
    [sentence] = sentences("Ок, да")
    vocab = char_vocabulary([sentence])
    [ids] = char_arrays([sentence], vocab, max_len=1)
    assert ids.shape == (len(sentence), 1) and ids[0, 0] == vocab.index["О"]
    assert char_arrays([sentence], Vocabulary([], "chars"), max_len=5)[0].max() == UNK
