"""Model bundles: safetensors + JSON, and clear refusals of anything broken or foreign."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from rdrs_gui.core.schema import bundled
from tagger_fixtures import untrained_bundle
from trainer.bundle import FORMAT_VERSION, BundleError
from trainer.tagger.predict import TaggerPredictor

TAGS = ["ADR", "DrugName"]


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    """An untrained but complete tagger bundle (fast: no training needed to test the format)."""
    return untrained_bundle(tmp_path_factory.mktemp("bundle") / "model", TAGS)


@pytest.fixture
def copy(good: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "model"
    shutil.copytree(good, dst)
    return dst


def test_a_good_bundle_loads(good: Path):
    predictor = TaggerPredictor(good, device="cpu")
    assert predictor.tags == TAGS and predictor.version == "t1"
    assert sorted(p.name for p in good.iterdir()) == ["chars.json", "config.json", "metrics.json",
                                                      "schema.json", "weights.safetensors"]


def _refused(path: Path, match: str) -> None:
    with pytest.raises(BundleError, match=match):
        TaggerPredictor(path, device="cpu")


def test_missing_directory_or_config_is_refused(tmp_path: Path, copy: Path):
    _refused(tmp_path / "nothing", "no such model directory")
    (copy / "config.json").unlink()
    _refused(copy, "config.json is missing")


def test_corrupt_config_is_refused(copy: Path):
    (copy / "config.json").write_text('{"format": "rdrs-gui-model", "kind": ', encoding="utf-8")
    _refused(copy, "corrupt config")


def test_a_folder_where_a_file_should_be_is_refused(tmp_path: Path, good: Path):
    for name in ("config.json", "weights.safetensors"):
        broken = tmp_path / name
        shutil.copytree(good, broken)
        (broken / name).unlink()
        (broken / name).mkdir()
        _refused(broken, f"{name}: cannot read")


def test_corrupt_weights_are_refused(copy: Path):
    data = bytearray((copy / "weights.safetensors").read_bytes())
    data[-10] ^= 0xFF
    (copy / "weights.safetensors").write_bytes(bytes(data))
    _refused(copy, "weights file is corrupt")


def test_truncated_weights_without_checksum_are_refused(copy: Path):
    config = json.loads((copy / "config.json").read_text(encoding="utf-8"))
    del config["weights_sha256"]
    (copy / "config.json").write_text(json.dumps(config), encoding="utf-8")
    (copy / "weights.safetensors").write_bytes((copy / "weights.safetensors").read_bytes()[:100])
    _refused(copy, "cannot read the weights")


def test_weights_of_another_shape_are_refused(copy: Path):
    config = json.loads((copy / "config.json").read_text(encoding="utf-8"))
    config["head"]["hidden"] = 16
    (copy / "config.json").write_text(json.dumps(config), encoding="utf-8")
    _refused(copy, "has shape")


def test_another_kind_or_format_version_is_refused(copy: Path):
    config = json.loads((copy / "config.json").read_text(encoding="utf-8"))
    (copy / "config.json").write_text(json.dumps({**config, "kind": "coref"}), encoding="utf-8")
    _refused(copy, "'coref' model, not a 'tagger' model")
    (copy / "config.json").write_text(json.dumps({**config, "format_version": 99}), encoding="utf-8")
    _refused(copy, "version 99 is not supported")


def test_a_model_for_another_schema_is_refused(good: Path):
    with pytest.raises(BundleError, match="trained for schema 'rdrs', not 'rudrec'"):
        TaggerPredictor(good, device="cpu", expected_schema=bundled("rudrec"))


def test_missing_vocabulary_is_refused(copy: Path):
    (copy / "chars.json").unlink()
    _refused(copy, "cannot rebuild the model")


def test_no_pickle_is_written_or_needed(good: Path):
    assert (good / "weights.safetensors").read_bytes()[8:9] == b"{"  # safetensors JSON header
    assert not any(p.suffix in (".pt", ".pkl", ".bin", ".pickle") for p in good.rglob("*"))


@pytest.mark.parametrize("change, words", [
    ({"kind": "banana"}, "unknown model kind 'banana'"),
    ({"kind": ["tagger"]}, "unknown model kind"),
    ({"format_version": 2}, "format version 2 is not supported"),
    ({"version": ""}, "version name must be a non-empty string"),
    ({"version": None}, "version name must be a non-empty string"),
])
def test_the_app_refuses_to_register_a_bundle_no_worker_could_load(tmp_path: Path, good: Path, change, words):
    from rdrs_gui.jobs import bundles

    assert bundles.FORMAT_VERSION == FORMAT_VERSION            # the app reads bundles without torch
    broken = tmp_path / "b"
    shutil.copytree(good, broken)
    config = json.loads((broken / "config.json").read_text(encoding="utf-8"))
    (broken / "config.json").write_text(json.dumps({**config, **change}), encoding="utf-8")
    with pytest.raises(bundles.BundleError, match=words):
        bundles.inspect(broken)
    assert bundles.inspect(good).kind == "tagger"
