"""Inputs a fuzzer built from valid files (truncated, nested, out of range, half characters, custom
types that reuse the names of chain and relation features): each is refused with a FormatError
naming the file, or read without harm, never an exception the user would see as a traceback."""
from __future__ import annotations

import io
import json
import os
import tarfile
from pathlib import Path

import pytest

from rdrs_gui.core import formats
from rdrs_gui.core.document import Document, Span
from rdrs_gui.core.errors import FormatError, StoreError
from rdrs_gui.core.store import Store

DEEP = "[" * 5000 + "]" * 5000


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def test_json_nested_deeper_than_python_can_parse(tmp_path):
    path = write(tmp_path / "deep.jsonl", DEEP + "\n")
    with pytest.raises(FormatError, match=r"deep.jsonl:1: JSON nested too deeply"):
        formats.read(path, "jsonl")
    with pytest.raises(FormatError, match="cannot tell which format"):   # sniffing it does not fail either
        formats.read(path)
    conll = write(tmp_path / "deep.conll", f"# rdrs-conll columns = TOKEN\tOFFSETS\tDrug\n#doc d\n# text = {DEEP}\n")
    with pytest.raises(FormatError, match=r"deep.conll:3: the text line is not a JSON string"):
        formats.read(conll, "conll")


def test_rdrs_json_offsets_that_are_no_integers(tmp_path):
    for begin in ("1e400", "1.5"):
        doc = ('[{"text_id": 1, "text": "aspirin helps", "entities": [{"entity_id": 0, "tag": ["Drugname"], '
               '"spans": [{"begin": 0, "end": 7}]}], "relations": [{"relation_type": "x", "first_entity": '
               f'{{"spans": [{{"begin": {begin}, "end": 7}}]}}, "second_entity": {{"entity_id": 0}}}}]}}]')
        result = formats.read(write(tmp_path / "doc.json", doc), "rdrs-json")
        assert result.documents[0].relations == []          # that end matches no entity: skipped, and said
        assert any("refer to no entity" in w for w in result.warnings)


def test_a_damaged_xz_archive(tmp_path):
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:xz") as archive:
        content = json.dumps({"text": "abc " * 2000, "entities": [], "includes": []}).encode()
        info = tarfile.TarInfo("d/a.json")
        info.size = len(content)
        archive.addfile(info, io.BytesIO(content))
    refused = 0
    for at in range(0, len(data.getvalue()), 8):      # eight bytes overwritten, anywhere: header, data, index
        damaged = bytearray(data.getvalue())
        damaged[at:at + 8] = b"\xff" * 8
        try:
            formats.read(write(tmp_path / "c.tar.gz", bytes(damaged)), "rucoco")
        except FormatError as exc:
            refused += "cannot read the archive" in str(exc)
    assert refused > 5


@pytest.mark.parametrize("rows,message", [("1-1\t0-1\ta\t_\n1-2\t2-2\t\tE\n", "t.tsv:7: token offsets 2-2 lie beyond"),
                                          ("1-1\t0-2\ta\t_\n", "t.tsv:6: token 'a' does not match the text")])
def test_tsv_token_on_the_line_break_after_the_text(tmp_path, rows, message):
    tsv = "#FORMAT=WebAnno TSV 3.3\n#T_SP=webanno.custom.X|value\n\n\n#Text=a\n" + rows
    with pytest.raises(FormatError, match=message):
        formats.read(write(tmp_path / "t.tsv", tsv), "webanno-tsv3")


def test_tsv31_java_escapes_of_a_character_beyond_u_ffff(tmp_path):
    head = "#FORMAT=WebAnno TSV 3.1\n#T_SP=webanno.custom.X|value\n\n\n"
    pair = head + "#Text=a\\uD83D\\uDE00b\n1-1\t0-4\ta😀b\t_\n"     # Java escapes 😀 in the text as its two halves
    assert formats.read(write(tmp_path / "pair.tsv", pair), "webanno-tsv3").documents[0].text == "a😀b"
    half = head + "#Text=a\\uD800b\n1-1\t0-1\ta\t_\n1-2\t2-3\tb\t_\n"
    with pytest.raises(FormatError, match="half of a character"):
        formats.read(write(tmp_path / "half.tsv", half), "webanno-tsv3")


@pytest.mark.parametrize("fmt,content", [
    ("jsonl", '{"id": "a", "text": "x\\ud800y"}\n'),
    ("rdrs-json", '[{"text_id": 1, "text": "x\\udc00y", "entities": []}]'),
    ("rucoco", '{"text": "x\\ud800y", "entities": [], "includes": []}'),
])
def test_half_a_character_in_a_json_text(tmp_path, fmt, content):
    with pytest.raises(FormatError, match=r"the text holds half of a character \(a lone UTF-16 surrogate"):
        formats.read(write(tmp_path / ("doc.jsonl" if fmt == "jsonl" else "doc.json"), content), fmt)


def test_half_a_character_in_a_label_is_refused_by_the_store(tmp_path):
    store = Store.open(tmp_path / "db.sqlite")
    store.import_documents([Document("ok", "abc")])
    with pytest.raises(StoreError, match="nothing was stored.*half of a character"):
        store.import_documents([Document("d", "abc", spans=[Span({"Drug\ud800"}, [(0, 1)])])])
    assert [d.name for d in store.list_documents()] == ["ok"]
    store.close()


cassis = pytest.importorskip("cassis")


def xmi(folder: Path, build) -> Path:  # noqa: ANN001 - build(ts) -> list of feature structures
    ts = cassis.TypeSystem()
    cas = cassis.Cas(typesystem=ts)
    cas.sofa_string = "Нурофен помог."
    cas.add_all(build(ts))
    folder.mkdir()
    cas.to_xmi(folder / "doc.xmi")
    ts.to_xml(folder / "TypeSystem.xml")
    return folder / "doc.xmi"


def test_xmi_types_reusing_chain_and_relation_feature_names_for_plain_values(tmp_path):
    def plain(ts):  # noqa: ANN001, ANN202
        person = ts.create_type("webanno.custom.Person")
        ts.create_feature(person, "first", "uima.cas.String")        # a first name, not a chain's first link
        ts.create_feature(person, "next", "uima.cas.Integer")
        rel = ts.create_type("webanno.custom.Pair")
        ts.create_feature(rel, "Governor", "uima.cas.String")
        ts.create_feature(rel, "Dependent", "uima.cas.String")
        return [person(begin=0, end=7, first="Нурофен", next=3), rel(begin=8, end=13, Governor="a", Dependent="b")]

    doc = formats.read(xmi(tmp_path / "plain", plain), "xmi").documents[0]
    assert sorted(s.covered_text(doc.text) for s in doc.spans) == ["Нурофен", "помог"] and not doc.chains

    def structures(ts):  # noqa: ANN001, ANN202
        thing = ts.create_type("webanno.custom.Thing", supertypeName="uima.cas.TOP")
        head = ts.create_type("webanno.custom.Chain", supertypeName="uima.cas.AnnotationBase")
        ts.create_feature(head, "first", "uima.cas.TOP")
        rel = ts.create_type("webanno.custom.Rel")
        ts.create_feature(rel, "Governor", "uima.cas.TOP")
        ts.create_feature(rel, "Dependent", "uima.cas.TOP")
        a, b = thing(), thing()
        return [a, b, head(first=a), rel(begin=0, end=7, Governor=a, Dependent=b)]   # ends without offsets

    result = formats.read(xmi(tmp_path / "structures", structures), "xmi")
    assert not result.documents[0].relations and not result.documents[0].chains
    assert any("without both ends skipped" in w for w in result.warnings)


def test_xmi_folder_with_a_dangling_link(tmp_path):
    folder = xmi(tmp_path / "f", lambda ts: []).parent
    os.symlink(folder / "gone.xmi", folder / "b.xmi")
    with pytest.raises(FormatError, match="b.xmi: cannot read file"):
        formats.read(folder, "xmi")
    assert [d.name for d in formats.read(folder, "xmi", on_error="skip").documents] == ["doc"]


def test_xmi_reference_to_a_missing_structure(tmp_path):
    path = xmi(tmp_path / "ref", lambda ts: [])
    content = path.read_text(encoding="utf-8")
    path.write_text(content.replace('members="', 'members="999 '), encoding="utf-8")
    with pytest.raises(FormatError, match="not a complete UIMA CAS: a reference to xmi:id 999, which is not in"):
        formats.read(path, "xmi")


def test_tsv_sentence_without_its_text_line(tmp_path):
    tsv = "#FORMAT=WebAnno TSV 3.3\n#T_SP=webanno.custom.X|value\n\n\n#Sentence.id=s1\n1-1\t0-1\ta\t_\n"
    with pytest.raises(FormatError, match=r"t.tsv:5: a sentence without its #Text= line"):
        formats.read(write(tmp_path / "t.tsv", tsv), "webanno-tsv3")


def test_conll_2012_is_named_not_misread(tmp_path):
    conll = "#begin document (d); part 000\nd\t0\t0\tНурофен\t-\t-\t-\t-\t-\t-\t-\t(1)\n\n#end document\n"
    with pytest.raises(FormatError, match=r"d.conll:1: this is CoNLL-2012 \(coreference"):
        formats.read(write(tmp_path / "d.conll", conll), "conll")
    with pytest.raises(FormatError, match="this is CoNLL-2012"):     # told, not "cannot tell which format"
        formats.read(tmp_path / "d.conll")


def test_rudrec_entity_without_integer_offsets_is_named_by_its_text(tmp_path):
    line = ('{"file_name": "r1", "sentence_id": 0, "text": "болит голова", "entities": [{"start": NaN, "end": 5, '
            '"entity_type": "ADR", "entity_text": "болит", "concept_id": NaN}]}\n')
    with pytest.raises(FormatError) as err:
        formats.read(write(tmp_path / "r.jsonl", line), "rudrec")
    assert str(err.value) == (f"{tmp_path / 'r.jsonl'}:1: entity 'болит': 'start' and 'end' must be integers, "
                              "got nan and 5")
