"""Word-vector tables: names, lookup folders, "auto", the checked install from a source
distribution, a classifier bundle that keeps (and needs) the table it was trained with, and the
tagger's choice of table."""
from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import tarfile
from pathlib import Path

import pytest
from tagger_fixtures import make_documents
from test_classifier import TINY_HEAD, TINY_OPTIONS, examples

from rdrs_gui.core import formats
from rdrs_gui.core.errors import RdrsError
from trainer import word_vectors as wv
from trainer.classifier import cli
from trainer.classifier.predict import ClassifierPredictor
from trainer.classifier.train import split_dev, train
from trainer.natasha_torch import NavecTable, load_navec
from trainer.tagger import cli as tagger_cli

TINY = "navec_tiny_test.tar"


@pytest.fixture
def folders(tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    """An empty user folder and an empty ``RDRS_WORD_VECTORS`` folder, nothing else but natasha's."""
    user, extra = tmp_path / "user", tmp_path / "extra"
    user.mkdir()
    extra.mkdir()
    monkeypatch.setattr(wv, "user_dir", lambda: user)
    monkeypatch.setenv(wv.ENV, str(extra))
    return user, extra


def tiny_table(folder: Path, texts: list[str], name: str = TINY) -> Path:
    """A real navec file holding only the words of ``texts`` (sampled from news)."""
    words = {w.lower() for text in texts for w in re.findall(r"\w+", text)}
    news = load_navec(wv.NEWS)
    kept = [w for w in sorted(words) if w in news.vocab.word_ids] + ["<unk>", "<pad>"]
    news.sampled(kept).dump(str(folder / name))
    return folder / name


def test_names_are_aliases_or_bare_file_names() -> None:
    assert wv.file_name("news") == wv.NEWS
    assert wv.file_name("hudlit") == wv.HUDLIT
    assert wv.file_name(TINY) == TINY
    for bad in ("../evil.tar", "a/b.tar", "vectors.bin", ""):
        with pytest.raises(ValueError):
            wv.file_name(bad)


def test_auto_takes_hudlit_only_where_it_is_installed(folders) -> None:
    user, extra = folders
    assert wv.resolve("auto") == wv.NEWS
    assert wv.resolve("news") == wv.NEWS
    with pytest.raises(wv.WordVectorsMissing, match="python -m trainer vectors fetch hudlit"):
        wv.resolve("hudlit")
    (user / wv.HUDLIT).write_bytes(b"x")
    assert wv.resolve("auto") == wv.HUDLIT
    assert wv.locate("hudlit") == user / wv.HUDLIT
    (extra / wv.HUDLIT).write_bytes(b"y")  # RDRS_WORD_VECTORS comes first
    assert wv.locate("hudlit") == extra / wv.HUDLIT


def test_a_file_that_is_not_a_navec_table_is_refused(folders) -> None:
    _, extra = folders
    (extra / "navec_broken_test.tar").write_bytes(b"not a tar file")
    with pytest.raises(wv.WordVectorsMissing, match="not a navec word-vector table"):
        NavecTable("navec_broken_test.tar")


def _sdist(path: Path, member: str, payload: bytes) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo(member)
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    return path


def test_extract_installs_only_a_table_with_the_expected_hash(tmp_path: Path) -> None:
    payload = b"navec table bytes" * 1000
    archive = _sdist(tmp_path / "navec-0.10.0.tar.gz", "navec-0.10.0/data/t.tar", payload)
    good = wv.Source("navec", "0.10.0", "navec-0.10.0/data/t.tar", hashlib.sha256(payload).hexdigest())
    target = tmp_path / "out" / "t.tar"
    assert wv.extract(archive, good, target) == target
    assert target.read_bytes() == payload

    other = tmp_path / "other" / "t.tar"
    with pytest.raises(RdrsError, match="SHA-256"):
        wv.extract(archive, wv.Source("navec", "0.10.0", good.member, "0" * 64), other)
    with pytest.raises(RdrsError, match="has no"):
        wv.extract(archive, wv.Source("navec", "0.10.0", "navec-0.10.0/data/x.tar", good.sha256), other)
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"\x1f\x8b garbage")
    with pytest.raises(RdrsError, match="could not read"):
        wv.extract(broken, good, other)
    assert not other.parent.exists() or list(other.parent.iterdir()) == []  # no table, no .part


def test_fetch_reports_an_unreachable_index_and_installs_nothing(folders, monkeypatch, capsys) -> None:
    user, _ = folders
    empty = user.parent / "no-index"
    empty.mkdir()
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(empty))
    assert wv.main(["fetch", "hudlit"]) == 1
    assert "could not download navec 0.10.0" in capsys.readouterr().err
    assert list(user.iterdir()) == []
    assert wv.main(["list"]) == 0
    listing = capsys.readouterr().out
    assert re.search(r"hudlit\s+navec_hudlit\S+\s+not installed", listing)
    assert re.search(r"news\s+navec_news\S+\s+/\S+natasha", listing)


@pytest.mark.slow
def test_a_classifier_bundle_keeps_and_needs_its_table(folders, tmp_path: Path, capsys) -> None:
    _, extra = folders
    tiny_table(extra, [e.text for e in examples()])
    table = NavecTable(TINY)
    assert table.word_id("таблеток") != table.unk_id and len(table.vocab) < 200

    tr, dev = split_dev(examples(), 0.3, seed=1)
    head = {**TINY_HEAD, "members": 1, "word_vectors": TINY}
    summary = train(tr, dev, tmp_path / "m", head=head, options={**TINY_OPTIONS, "epochs": 1}, progress=lambda e: None)
    config = json.loads((tmp_path / "m" / "config.json").read_text(encoding="utf-8"))
    assert config["head"]["word_vectors"] == TINY
    assert config["encoder"]["word_vectors"] == "navec:" + TINY
    predictor = ClassifierPredictor(tmp_path / "m", device="cpu")
    assert predictor.evaluate(dev)["ap"] == pytest.approx(summary["dev"]["ap"], abs=1e-9)

    # Moved to a machine without the table: a message that names it, not a corrupt-bundle error.
    moved = tmp_path / "moved"
    shutil.copytree(tmp_path / "m", moved)
    config["head"]["word_vectors"] = "navec_elsewhere_test.tar"
    config["encoder"]["word_vectors"] = "navec:navec_elsewhere_test.tar"
    (moved / "config.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(wv.WordVectorsMissing, match="navec_elsewhere_test.tar are not installed"):
        ClassifierPredictor(moved, device="cpu")

    # Asking to train with a table that is not installed fails before any work, with the way out.
    data = tmp_path / "train.tsv"
    data.write_text("".join(f"{e.id}\t{e.text}\t{e.label}\n" for e in examples()), encoding="utf-8")
    assert cli.main(["train", "--train", str(data), "--out", str(tmp_path / "h"), "--word-vectors", "hudlit"]) == 1
    assert "python -m trainer vectors fetch hudlit" in capsys.readouterr().err
    assert not (tmp_path / "h" / "config.json").exists()
    # Without hudlit, "auto" trains on news and says how to get the better table.
    assert cli.main(["train", "--train", str(data), "--out", str(tmp_path / "n"),
                     "--epochs", "1", "--members", "1"]) == 0
    assert "vectors fetch hudlit" in capsys.readouterr().err
    config = json.loads((tmp_path / "n" / "config.json").read_text(encoding="utf-8"))
    assert config["head"]["word_vectors"] == wv.NEWS


@pytest.mark.slow
def test_the_tagger_can_train_on_another_table(folders, tmp_path: Path, capsys) -> None:
    _, extra = folders
    docs = make_documents(6)
    tiny_table(extra, [d.text for d in docs])
    formats.get("jsonl").write(docs, tmp_path / "train.jsonl")
    args = ["train", "--train", str(tmp_path / "train.jsonl"), "--format", "jsonl", "--epochs", "1"]
    assert tagger_cli.main([*args, "--out", str(tmp_path / "m"), "--word-vectors", TINY]) == 0
    config = json.loads((tmp_path / "m" / "config.json").read_text(encoding="utf-8"))
    assert config["encoder"]["word_vectors"] == "navec:" + TINY
    capsys.readouterr()
    assert tagger_cli.main([*args, "--out", str(tmp_path / "h"), "--word-vectors", "hudlit"]) == 1
    assert "python -m trainer vectors fetch hudlit" in capsys.readouterr().err


@pytest.mark.slow
def test_the_installed_hudlit_table_loads() -> None:
    """Where ``python -m trainer vectors fetch`` ran (CI does), the real table loads as hudlit."""
    try:
        path = wv.locate("hudlit")
    except wv.WordVectorsMissing:
        pytest.skip("hudlit word vectors not installed (python -m trainer vectors fetch hudlit)")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == wv.SOURCES[wv.HUDLIT].sha256
    table = NavecTable("hudlit")
    assert table.id == "hudlit_v1_12B_500K_300d_100q" and table.dim == 300
    assert table.word_id("тошнит") != table.unk_id
