"""Word-vector tables memory-mapped from the user data folder: the same vectors as navec's own
object, one cache folder shared by every process, a broken or unwritable cache rebuilt or
reported, and model workers that answer exactly as with an in-memory table."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from tagger_fixtures import make_documents
from test_word_vectors import TINY, tiny_table

from trainer import natasha_torch, vector_cache
from trainer import word_vectors as wv
from trainer.natasha_torch import NavecTable, load_navec

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def tiny(tmp_path: Path, monkeypatch) -> Path:
    """A tiny real navec table in ``RDRS_WORD_VECTORS`` and an empty user data folder."""
    user, extra = tmp_path / "user", tmp_path / "extra"
    user.mkdir()
    extra.mkdir()
    monkeypatch.setattr(wv, "user_dir", lambda: user)
    monkeypatch.setenv(wv.ENV, str(extra))
    monkeypatch.delenv(vector_cache.ENV, raising=False)
    natasha_torch._table.cache_clear()
    yield tiny_table(extra, [d.text for d in make_documents(6)] + ["ещё ёлка"])
    natasha_torch._table.cache_clear()


def _navec_vectors(table: NavecTable, words: list[str]) -> torch.Tensor:
    return table(torch.from_numpy(np.array([table.vocab.get(w) for w in words])))


def test_the_mapped_table_gives_navecs_own_ids_and_vectors(tiny: Path) -> None:
    navec = load_navec(TINY)
    table = NavecTable(TINY)
    assert table.vocab.mapped and isinstance(table.vocab.indexes, np.memmap)
    words = list(navec.vocab.words)
    assert [table.vocab.get(w) for w in words] == list(range(len(words)))
    assert torch.equal(_navec_vectors(table, words), torch.from_numpy(np.stack([navec[w] for w in words])))
    assert table.word_id("ЕЩЁ") == navec.vocab.word_ids["ещё"]
    assert table.word_id("кортексинчик") == table.unk_id
    assert table.vocab.lookup(["x" * 500, ""]).tolist() == [-1, -1]  # longer than any word, empty


def test_the_news_table_maps_to_the_same_vectors() -> None:
    navec = load_navec(wv.NEWS)
    table = NavecTable(wv.NEWS)
    words = list(navec.vocab.words)[::97]
    assert [table.vocab.get(w) for w in words] == [navec.vocab.word_ids[w] for w in words]
    assert torch.equal(_navec_vectors(table, words), torch.from_numpy(np.stack([navec[w] for w in words])))


def test_one_cache_folder_serves_every_load(tiny: Path) -> None:
    first = vector_cache.table_arrays(TINY)
    folders = list(vector_cache.cache_dir().iterdir())
    assert len(folders) == 1 and (folders[0] / "meta.json").is_file()
    again = vector_cache.table_arrays(TINY)
    assert again.mapped and np.array_equal(again.indexes, first.indexes)
    assert list(vector_cache.cache_dir().iterdir()) == folders  # nothing rebuilt, nothing left behind


@pytest.mark.parametrize("damage", ["truncate", "missing", "meta"])
def test_a_broken_cache_is_reported_and_rebuilt(tiny: Path, damage: str, capsys) -> None:
    mapped = vector_cache.table_arrays(TINY)
    good = {k: np.array(getattr(mapped, k)) for k in ("indexes", "words", "ids")}
    folder = next(vector_cache.cache_dir().iterdir())
    indexes = folder / "indexes.npy"
    if damage == "truncate":  # a new, shorter file: a mapped file is never changed in place
        head = indexes.read_bytes()[:200]
        indexes.unlink()
        indexes.write_bytes(head)
    elif damage == "missing":
        indexes.unlink()
    else:
        (folder / "meta.json").write_text("{", encoding="utf-8")
    again = vector_cache.table_arrays(TINY)
    assert f"word-vector cache {folder} is unreadable" in capsys.readouterr().err
    assert again.mapped and all(np.array_equal(getattr(again, k), v) for k, v in good.items())
    assert [p.name for p in vector_cache.cache_dir().iterdir()] == [folder.name]


def test_an_unwritable_data_folder_keeps_the_table_in_memory(tiny: Path, tmp_path: Path, monkeypatch,
                                                              capsys) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    monkeypatch.setattr(vector_cache, "cache_dir", lambda: blocker / "mapped")
    table = vector_cache.table_arrays(TINY)
    assert not table.mapped and table.get("<unk>") is not None
    assert "cannot write the word-vector cache" in capsys.readouterr().err


def test_a_new_version_of_the_source_file_gets_its_own_cache(tiny: Path) -> None:
    vector_cache.table_arrays(TINY)
    tiny_table(tiny.parent, ["другие слова"])  # the same file name, other contents
    table = vector_cache.table_arrays(TINY)
    assert len(list(vector_cache.cache_dir().iterdir())) == 2
    assert table.get("другие") is not None and table.get("таблетки") is None


def _serve(bundle: Path, env: dict) -> list[dict]:
    requests = "\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"id": 1, "op": "predict", "documents": [{"name": d.name, "text": d.text} for d in make_documents(4, seed=3)]},
        {"id": 2, "op": "shutdown"}]) + "\n"
    done = subprocess.run([sys.executable, "-m", "trainer", "serve", "--model", str(bundle)], input=requests,
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=300)
    lines = [json.loads(x) for x in done.stdout.splitlines()]
    assert lines[0]["event"] == "ready", done.stderr
    return lines[1:]


@pytest.mark.slow
def test_a_worker_answers_the_same_with_a_mapped_an_in_memory_and_a_rebuilt_table(tmp_path: Path) -> None:
    """A bundle saved before the cache existed needs nothing new: the vectors and the parse
    (natasha's syntax features and hidden states) it is fed are the same as before."""
    from rdrs_gui.core.schema import bundled
    from trainer import bundle
    from trainer.encoders import build_encoder
    from trainer.tagger.data import document_sentences
    from trainer.tagger.model import MultiTagTagger

    torch.manual_seed(0)
    sents = [s for d in make_documents(3) for s in document_sentences(d, protect_gold=False)]
    enc = build_encoder({"kind": "embedded", "syntax": "natasha"}, sentences=sents)
    model = MultiTagTagger(enc, 2, {"hidden": 8})
    out = tmp_path / "bundle"
    config = {"kind": "tagger", "version": "t1", "tags": ["ADR", "DrugName"], "encoder": enc.config(),
              "head": model.cfg}
    bundle.save(out, config, bundled("rdrs"), model, metrics={"dev": None})
    data = tmp_path / "data"
    env = {**os.environ, "XDG_DATA_HOME": str(data), "PYTHONPATH": str(REPO)}
    in_memory = _serve(out, {**env, vector_cache.ENV: "0"})
    assert not (data / "rdrs-gui").exists()
    built = _serve(out, env)
    cache = data / "rdrs-gui" / "word_vectors" / "mapped"
    (folder,) = cache.iterdir()
    mapped = _serve(out, env)
    (folder / "indexes.npy").write_bytes(b"\x93NUMPY broken")
    rebuilt = _serve(out, env)
    assert in_memory == built == mapped == rebuilt
    assert in_memory[0]["documents"] and all("uncertainty" in d for d in in_memory[0]["documents"])
