"""RuCoCo JSON: files, folders and the corpus archive, read in memory and written back identically."""
from __future__ import annotations

import io
import json
import random
import tarfile
from collections import Counter
from pathlib import Path

import pytest

from rdrs_gui.core.document import REJECTED, SUGGESTED, Chain, Document, Mention, Span
from rdrs_gui.core.errors import FormatError
from rdrs_gui.core.formats import rucoco

TEXT = "Том и Сид легли спать. Они помолились, и Сид уснул.\n"
TOM, SID, THEY, SID2 = [0, 3], [6, 9], [23, 26], [41, 44]
SPLIT = {"entities": [[TOM], [SID, SID2], [THEY]], "includes": [[], [], [0, 1]], "text": TEXT}


@pytest.fixture
def rucoco_dir(shared_data) -> Path:
    path = shared_data / "rucoco"
    if not path.is_dir():
        pytest.skip(f"{path} not found")
    return path


def _expected_chains(data: dict) -> Counter:
    return Counter(("Coreference", tuple(sorted((tuple(m),) for m in entity))) for entity in data["entities"])


def test_samples_read_from_json(rucoco_dir):
    samples = sorted((rucoco_dir / "samples").glob("*.json"))
    assert len(samples) == 3
    for path in samples:
        raw = json.loads(path.read_text(encoding="utf-8"))
        assert rucoco.sniff(path)
        result = rucoco.read(path)
        assert result.warnings == []
        (doc,) = result.documents
        assert (doc.name, doc.text) == (path.stem, raw["text"])
        assert Counter(c.key() for c in doc.chains) == _expected_chains(raw)
        assert doc.problems() == []
    folder = rucoco.read(rucoco_dir / "samples").documents
    assert [d.name for d in folder] == [p.stem for p in samples]


def test_sample_writes_back_to_the_same_json(rucoco_dir, tmp_path):
    path = rucoco_dir / "samples" / "2000_finance_mos.json"
    doc = rucoco.read(path).documents[0]
    out = tmp_path / "one.json"
    assert rucoco.write([doc], out) == []
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_whole_archive_is_read(rucoco_dir, tmp_path):
    archive = rucoco_dir / "rucoco_json_data.tar.gz"
    if not archive.exists():
        pytest.skip(f"{archive} not found")
    raw = {}
    with tarfile.open(archive) as tar:
        for member in tar:
            if member.isfile() and member.name.endswith(".json"):
                raw[Path(member.name).stem] = json.load(tar.extractfile(member))
    assert len(raw) == 3075
    assert rucoco.sniff(archive)
    result = rucoco.read(archive)
    assert result.warnings == []
    docs = {d.name: d for d in result.documents}
    assert len(result.documents) == len(docs) == 3075
    assert sum(len(d.chains) for d in docs.values()) == sum(len(r["entities"]) for r in raw.values())
    assert (sum(len(c.mentions) for d in docs.values() for c in d.chains)
            == sum(len(e) for r in raw.values() for e in r["entities"]))
    for name, data in raw.items():
        assert docs[name].text == data["text"]
        assert Counter(c.key() for c in docs[name].chains) == _expected_chains(data)
        links = [len(children) for children in data["includes"] if children]
        assert [len(link[1]) for link in docs[name].meta.get("includes", [])] == links

    sample = [docs[name] for name in sorted(docs)[::10]]  # a tenth keeps the round trip quick
    assert rucoco.write(sample, tmp_path / "out") == []
    for doc in sample:
        written = json.loads((tmp_path / "out" / f"{doc.name}.json").read_text(encoding="utf-8"))
        assert written == raw[doc.name]


def test_split_antecedents_survive_reordering(tmp_path):
    path = tmp_path / "tom.json"
    path.write_text(json.dumps(SPLIT, ensure_ascii=False), encoding="utf-8")
    doc = rucoco.read(path).documents[0]
    assert doc.meta["includes"] == [[[THEY], [[TOM], [SID, SID2]]]]
    doc.chains.reverse()
    doc.chains[0].id = "renumbered"
    rucoco.write([doc], tmp_path / "back.json")
    back = json.loads((tmp_path / "back.json").read_text(encoding="utf-8"))
    assert back["entities"] == [[THEY], [SID, SID2], [TOM]]
    assert back["includes"] == [[2, 1], [], []]


def test_write_reports_losses_and_skips_rejected_chains(tmp_path):
    doc = Document("d", TEXT, spans=[Span({"ADR"}, [(0, 3)])], chains=[
        Chain([Mention([(0, 3)]), Mention([(23, 26)])]),
        Chain([Mention([(6, 9)]), Mention([(41, 44)])], status=REJECTED),
        Chain([Mention([(0, 3), (6, 9)]), Mention([(23, 26)])], status=SUGGESTED)],
        meta={"includes": [[[[0, 1]], [[[5, 6]]]]]})
    losses = rucoco.write([doc, Document("d", "x")], tmp_path / "many")
    assert sorted(losses) == ["discontinuous mentions written as their outer extent: 1",
                              "entity spans left out (the format holds coreference only): 1",
                              "rejected chains left out: 1",
                              "split-antecedent links to chains edited since import left out: 1",
                              "unreviewed chains written as plain annotations: 1"]
    assert sorted(p.name for p in (tmp_path / "many").iterdir()) == ["d-2.json", "d.json"]
    back = rucoco.read(tmp_path / "many" / "d.json").documents[0]
    assert [c.key() for c in back.chains] == [("Coreference", (((0, 3),), ((23, 26),))),
                                              ("Coreference", (((0, 9),), ((23, 26),)))]


def _tar(path: Path, members: dict[str, bytes], symlink: str | None = None) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if symlink:
            info = tarfile.TarInfo(symlink)
            info.type = tarfile.SYMTYPE
            info.linkname = "/etc/passwd"
            tar.addfile(info)
    return path


def test_archive_members_are_read_in_memory_only(tmp_path):
    good = json.dumps(SPLIT, ensure_ascii=False).encode("utf-8")
    (tmp_path / "a").mkdir()
    archive = _tar(tmp_path / "a" / "c.tar.gz",
                   {"../../evil.json": good, "/abs/root.json": good, "data/readme.txt": b"hello",
                    "data/._doc.json": b"\x00\x05mac"}, symlink="data/link.json")
    docs = rucoco.read(archive).documents
    assert sorted(d.name for d in docs) == ["evil", "root"]
    assert not (tmp_path / "evil.json").exists() and not Path("/abs").exists()
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["c.tar.gz"]


BAD_DOCS = {
    "not an object": (b"[1]", "expected a RuCoCo object"),
    "truncated": (b'{"entities": [[[0, 3]]],\n "text": "abc', r"bad.json:2: not valid JSON"),
    "past the text": (json.dumps({"entities": [[[0, 99]]], "includes": [[]], "text": "abc"}).encode(),
                      r"entity 0: mention 0-99 is outside the text \(length 3\)"),
    "bad mention": (json.dumps({"entities": [[[0, 1, 2]]], "includes": [[]], "text": "abc"}).encode(),
                    "is not \\[start, end\\]"),
    "empty entity": (json.dumps({"entities": [[]], "includes": [[]], "text": "abc"}).encode(), "has no mentions"),
    "bad include": (json.dumps({"entities": [[[0, 1]]], "includes": [[5]], "text": "abc"}).encode(),
                    r"includes\[0\]: refers to an entity that does not exist"),
    "includes not lists": (json.dumps({"entities": [], "includes": 3, "text": "abc"}).encode(), "'includes'"),
    "garbage": (bytes(b or 1 for b in random.Random(3).randbytes(2000)), "not valid UTF-8 or cp1251"),
}


@pytest.mark.parametrize("content,message", list(BAD_DOCS.values()), ids=list(BAD_DOCS))
def test_bad_documents_are_refused(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(FormatError, match=message):
        rucoco.read(path)


def test_bad_archives_are_refused(tmp_path):
    bad_member = _tar(tmp_path / "m.tar.gz", {"x/doc.json": b'{"text": "a", "entities": [[[0, 5]]]}'})
    with pytest.raises(FormatError, match=r"m.tar.gz!x/doc.json: entity 0"):
        rucoco.read(bad_member)
    garbage = tmp_path / "g.tar.gz"
    garbage.write_bytes(random.Random(4).randbytes(5000))
    with pytest.raises(FormatError, match="cannot read the archive"):
        rucoco.read(garbage)
    assert not rucoco.sniff(garbage)
    good = _tar(tmp_path / "ok.tar.gz", {f"d/{i}.json": json.dumps(SPLIT).encode() for i in range(50)})
    truncated = tmp_path / "t.tar.gz"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(FormatError, match="cannot read the archive"):
        rucoco.read(truncated)
    empty = _tar(tmp_path / "e.tar.gz", {"notes.txt": b"x"})
    with pytest.raises(FormatError, match="no .json documents"):
        rucoco.read(empty)
    (tmp_path / "nothing").mkdir()
    with pytest.raises(FormatError, match="no .json files"):
        rucoco.read(tmp_path / "nothing")


def test_sniff_tells_rucoco_from_rdrs(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(json.dumps(SPLIT), encoding="utf-8")
    assert rucoco.sniff(path) and rucoco.sniff(tmp_path)
    rdrs = tmp_path / "rdrs.json"
    rdrs.write_text(json.dumps({"text_id": "1", "text": "x", "entities": {}}), encoding="utf-8")
    assert not rucoco.sniff(rdrs)
    assert not rucoco.sniff(tmp_path / "missing.tar.gz")


def test_a_bad_document_in_a_folder_or_archive_is_skipped_on_request(tmp_path):
    good = json.dumps(SPLIT, ensure_ascii=False).encode("utf-8")
    bad = b'{"entities": [[[0, 99]]], "includes": [[]], "text": "abc"}'
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.json").write_bytes(good)
    (folder / "b.json").write_bytes(bad)
    (folder / "c.json").write_bytes(good)
    archive = _tar(tmp_path / "docs.tar.gz", {"d/a.json": good, "d/b.json": bad, "d/c.json": good})
    for source, where in ((folder, str(folder / "b.json")), (archive, f"{archive}!d/b.json")):
        with pytest.raises(FormatError, match="outside the text"):
            rucoco.read(source)                                 # all or nothing by default
        result = rucoco.read(source, on_error="skip")
        assert [d.name for d in result.documents] == ["a", "c"]
        assert len(result.skipped) == 1 and result.skipped[0].startswith(where)
