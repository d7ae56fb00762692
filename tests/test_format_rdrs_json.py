"""RDRS JSON: the real corpus files read completely and write back identically."""
from __future__ import annotations

import json
import random
import re
from collections import Counter
from pathlib import Path

import pytest

from rdrs_gui.core.document import REJECTED, SUGGESTED, Chain, Document, Mention, Relation, Span
from rdrs_gui.core.errors import FormatError
from rdrs_gui.core.formats import rdrs_json as fmt
from rdrs_gui.core.schema import bundled

RDRS_FILES = ["med_demo_example.json", "relation_extraction_inference_data.json", "sample_doc.json"]
# Tags that spell an attribute value rather than a label, as the corpus README describes them.
ATTRIBUTE_TAG = re.compile(r"^Medication:(MedFrom|MedMaker)(Domestic|Foreign)$")
SCHEMA = bundled("rdrs")


def _raw_documents(path: Path) -> list[dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [data] if isinstance(data, dict) else data


def _full_layer(doc: dict) -> list[dict]:
    objects = doc.get("meta", {}).get("objects", {})
    if "MedEntity" in objects:
        return objects["MedEntity"]
    entities = doc["entities"]
    return list(entities.values()) if isinstance(entities, dict) else entities


def _fragments(entity: dict) -> tuple:
    return tuple(sorted((s["begin"], s["end"]) for s in entity["spans"]))


def _label(tag: str) -> str:
    return SCHEMA.canonical(tag) or tag


def _coref(doc: dict, key: str) -> dict:
    meta = doc.get("meta", {})
    if key in meta:
        return meta[key]
    return doc.get(key, {"mentions": [], "clusters": []})


def _relation_keys(doc: Document) -> Counter:
    by_id = {s.id: s.key() for s in doc.spans}
    return Counter((r.label, by_id[r.head], by_id[r.tail], tuple(sorted(r.attrs.items()))) for r in doc.relations)


@pytest.fixture(params=RDRS_FILES)
def rdrs_file(request, rdrs_json) -> Path:
    path = rdrs_json.parent / request.param
    if not path.exists():
        pytest.skip(f"{path} not found")
    return path


def test_real_files_are_read_completely(rdrs_file):
    raw_docs = _raw_documents(rdrs_file)
    result = fmt.read(rdrs_file)
    assert result.warnings == []
    assert [d.name for d in result.documents] == [str(d["text_id"]) for d in raw_docs]
    for raw, doc in zip(raw_docs, result.documents):
        assert doc.text == raw["text"]
        assert doc.problems() == []
        entities = _full_layer(raw)
        expected_pairs = Counter((_fragments(e), _label(t)) for e in entities for t in e["tag"]
                                 if not ATTRIBUTE_TAG.match(t))
        got_pairs = Counter((tuple(s.fragments), label) for s in doc.spans for label in s.labels)
        assert got_pairs == expected_pairs
        disc_expected = Counter((_fragments(e), _label(t)) for e in entities if len(e["spans"]) > 1
                                for t in e["tag"] if not ATTRIBUTE_TAG.match(t))
        disc_got = Counter((tuple(s.fragments), label) for s in doc.spans if s.is_discontinuous for label in s.labels)
        assert disc_got == disc_expected

        by_place = {}
        for span in doc.spans:
            for label in span.labels:
                by_place[(tuple(span.fragments), label)] = span
        for entity in entities:
            labels = [_label(t) for t in entity["tag"] if not ATTRIBUTE_TAG.match(t)]
            span = by_place[(_fragments(entity), labels[0])]
            for tag in entity["tag"]:
                match = ATTRIBUTE_TAG.match(tag)
                if match:
                    assert span.attrs[match.group(1)] == match.group(2)
            for key in ("ATC", "MKB10", "MedDRA", "MedFrom", "MedMaker", "medform_standart", "source_group"):
                if key in entity:
                    assert span.attrs[key] == entity[key], (entity, span)
            if entity.get("Context"):
                assert span.attrs["Context"] == "|".join(entity["Context"])
            covered = [raw["text"][b:e] for b, e in span.fragments]
            if len(covered) == 1:
                assert covered[0] == entity["text"]
            else:
                assert all(part in entity["text"] for part in covered)

        for key, label in (("coreference", "Coreference"), ("context", "Context")):
            block = _coref(raw, key)
            places = [(m["startPos"], m["endPos"]) for m in block["mentions"]]
            expected = Counter((label, tuple(sorted({(places[i],) for i in cluster}))) for cluster in block["clusters"])
            assert Counter(c.key() for c in doc.chains if c.label == label) == expected

        assert len(doc.relations) == len(raw.get("relations", []))
        spans_by_id = {s.id: s for s in doc.spans}
        for rel, raw_rel in zip(doc.relations, raw["relations"]):
            assert rel.label == raw_rel["relation_type"]
            assert rel.attrs["relation_class"] == str(raw_rel["relation_class"])
            assert tuple(spans_by_id[rel.head].fragments) == _fragments(raw_rel["first_entity"])
            assert tuple(spans_by_id[rel.tail].fragments) == _fragments(raw_rel["second_entity"])


def test_demo_file_totals(rdrs_json):
    """Figures the data README states: 11 discontinuous entities, 172 + 25 coreference chains."""
    if not rdrs_json.exists():
        pytest.skip(f"{rdrs_json} not found")
    docs = fmt.read(rdrs_json).documents
    assert len(docs) == 44
    assert sum(len(s.labels) for d in docs for s in d.spans) == 1188
    assert sum(s.is_discontinuous for d in docs for s in d.spans) == 11
    assert sum(c.label == "Coreference" for d in docs for c in d.chains) == 172
    assert sum(c.label == "Context" for d in docs for c in d.chains) == 53
    assert {"DrugName", "DrugBrand"} in [s.labels for d in docs for s in d.spans]


def test_real_files_round_trip(rdrs_file, tmp_path):
    docs = fmt.read(rdrs_file).documents
    out = tmp_path / "out.json"
    assert fmt.write(docs, out) == []
    assert fmt.sniff(out)
    again = fmt.read(out)
    assert again.warnings == []
    assert len(again.documents) == len(docs)
    for a, b in zip(docs, again.documents):
        assert (a.name, a.text) == (b.name, b.text)
        assert {s.key() for s in a.spans} == {s.key() for s in b.spans}
        assert len(a.spans) == len(b.spans)
        assert Counter(c.key() for c in a.chains) == Counter(c.key() for c in b.chains)
        assert _relation_keys(a) == _relation_keys(b)
        assert a.meta == b.meta


def test_written_entities_rebuild_tags_and_types(tmp_path):
    text = "Пила Кортексин от бессонницы, сыпь по всему телу, купила в аптеке."
    drug = Span({"DrugName", "DrugBrand"}, [(5, 14)], {"MedFrom": "Domestic", "ATC": "N06BX", "Context": "1|2"})
    maker = Span({"MedMaker"}, [(57, 65)], {"MedMaker": "Foreign"})
    disease = Span({"Indication"}, [(18, 28)], {"MedDRA": "Бессонница"})
    adr = Span({"ADR"}, [(30, 34), (44, 48)])
    herbal = Span({"Medication:MedTypeHerbal", "Травы"}, [(0, 4)])
    doc = Document("r1", text, spans=[drug, maker, disease, adr, herbal],
                   chains=[Chain([Mention([(5, 14)]), Mention([(57, 65)])]),
                           Chain([Mention([(0, 4)]), Mention([(18, 28)])], label="Context")])
    doc.assign_ids()
    doc.relations = [Relation("ADR_Medication:MedTypeDrugname", adr.id, drug.id, {"relation_class": "1"})]
    out = tmp_path / "w.json"
    fmt.write([doc], out)

    written = json.loads(out.read_text(encoding="utf-8"))[0]
    entities = written["meta"]["objects"]["MedEntity"]
    by_tag = {e["tag"][0]: e for e in entities}
    assert by_tag["Medication:MedTypeDrugname"]["tag"] == ["Medication:MedTypeDrugname", "Medication:MedFromDomestic"]
    assert by_tag["Medication:MedTypeDrugname"]["MedType"] == "Drugname"
    assert by_tag["Medication:MedTypeDrugname"]["MedFrom"] == "Domestic"
    assert by_tag["Medication:MedTypeDrugname"]["Context"] == ["1", "2"]
    assert "MedFrom" not in by_tag["Medication:MedTypeDrugBrand"]
    assert by_tag["Medication:MedTypeDrugBrand"]["Context"] == ["1", "2"]
    assert by_tag["Medication:MedTypeMedMaker"]["tag"] == ["Medication:MedTypeMedMaker", "Medication:MedMakerForeign"]
    assert by_tag["Disease:DisTypeIndication"]["DisType"] == "Indication"
    assert by_tag["ADR"]["MedEntityType"] == "ADR"
    assert by_tag["ADR"]["text"] == "сыпь телу"
    assert by_tag["Medication:MedTypeHerbal"]["MedType"] == "Herbal"
    assert by_tag["Травы"]["MedEntityType"] == "Травы"
    relation = written["relations"][0]
    assert relation["first_entity"]["tag"] == ["ADR"]
    assert relation["second_entity"]["tag"][0] == "Medication:MedTypeDrugname"
    assert relation["relation_class"] == 1
    assert written["meta"]["coreference"] == {
        "mentions": [{"startPos": 5, "endPos": 14}, {"startPos": 57, "endPos": 65}], "clusters": [[0, 1]]}

    back = fmt.read(out).documents[0]
    assert {s.key() for s in back.spans} == {s.key() for s in doc.spans}
    assert {c.key() for c in back.chains} == {c.key() for c in doc.chains}
    assert _relation_keys(back) == _relation_keys(doc)


def test_unknown_tags_are_kept_and_identical_entities_fold(tmp_path):
    raw = [{"text_id": "7", "text": "Мазь Звёздочка помогла", "meta": {"objects": {"MedEntity": [
        {"spans": [{"begin": 5, "end": 14}], "tag": ["Medication:MedTypeDrugname", "Medication:MedFromDomestic"],
         "MedEntityType": "Medication", "MedType": "Drugname", "MedFrom": "Domestic", "Context": ["1"], "entity_id": 1},
        {"spans": [{"begin": 5, "end": 14}], "tag": ["Medication:MedTypeDrugBrand"], "Context": ["1"], "entity_id": 2},
        {"spans": [{"begin": 0, "end": 4}], "tag": ["Medication:MedTypeOintmentBase", "Secret:Tag"], "entity_id": 3},
        {"spans": [{"begin": 15, "end": 22}], "MedEntityType": "Disease", "DisType": "BNE-Pos", "entity_id": 4}]}}}]
    path = tmp_path / "in.json"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    doc = fmt.read(path).documents[0]
    assert len(doc.spans) == 3
    labels = {tuple(s.fragments): s for s in doc.spans}
    assert labels[((5, 14),)].labels == {"DrugName", "DrugBrand"}
    assert labels[((5, 14),)].attrs == {"MedFrom": "Domestic", "Context": "1"}
    assert labels[((0, 4),)].labels == {"Medication:MedTypeOintmentBase", "Secret:Tag"}
    assert labels[((15, 22),)].labels == {"BNE-Pos"}


def test_the_same_tag_twice_on_one_place_stays_two_spans_and_relations_follow_each(tmp_path):
    raw = [{"text_id": "8", "text": "Нурофен вызвал сыпь", "entities": {
        "1": {"spans": [{"begin": 15, "end": 19}], "tag": ["ADR"], "entity_id": 1},
        "2": {"spans": [{"begin": 15, "end": 19}], "tag": ["ADR"], "entity_id": 2},
        "3": {"spans": [{"begin": 0, "end": 7}], "tag": ["Medication:MedTypeDrugname"], "entity_id": 3}},
        "relations": [{"first_entity": {"entity_id": 3}, "second_entity": {"entity_id": 2}, "relation_type": "causes"}]}]
    path = tmp_path / "in.json"
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    doc = fmt.read(path).documents[0]
    adrs = [s for s in doc.spans if s.start == 15]
    assert [s.labels for s in adrs] == [{"ADR"}, {"ADR"}]
    [rel] = doc.relations
    assert rel.tail == adrs[1].id


def test_sniff_tells_rdrs_from_real_rucoco_json(shared_data):
    rucoco_sample = shared_data / "rucoco" / "samples" / "2000_finance_mos.json"
    if not rucoco_sample.exists():
        pytest.skip(f"{rucoco_sample} not found")
    assert not fmt.sniff(rucoco_sample)


def test_sniff_tells_rdrs_from_other_json(tmp_path):
    other = tmp_path / "other.json"
    other.write_text('{"entities": [], "includes": [], "text": "x"}', encoding="utf-8")
    assert not fmt.sniff(other)
    assert not fmt.sniff(tmp_path)


def test_cp1251_file_decodes(tmp_path):
    raw = [{"text_id": "1", "text": "Ношпа помогла, ёлки!", "entities": {
        "0": {"spans": [{"begin": 0, "end": 5}], "tag": ["Medication:MedTypeDrugname"], "text": "Ношпа"}}}]
    path = tmp_path / "cp.json"
    path.write_bytes(json.dumps(raw, ensure_ascii=False).encode("cp1251"))
    doc = fmt.read(path).documents[0]
    assert doc.text == "Ношпа помогла, ёлки!"
    assert [(s.labels, s.covered_text(doc.text)) for s in doc.spans] == [({"DrugName"}, "Ношпа")]


def _doc(entities=None, **extra) -> list[dict]:
    doc = {"text_id": "1", "text": "Аспирин помог", "meta": {"objects": {"MedEntity": entities or []}}}
    doc.update(extra)
    return [doc]


BAD = {
    "truncated": (b'[{"text_id": "1",\n "text": "abc"', r"bad\.json:2: not valid JSON"),
    "not a list": (b'{"foo": 1}', "expected a JSON list"),
    "document not an object": (b"[1, 2]", "document 1: expected an object"),
    "text not a string": (b'[{"text_id": "1", "text": 5}]', "'text' must be a string"),
    "past the text": (json.dumps(_doc([{"spans": [{"begin": 0, "end": 99}], "tag": ["ADR"]}])).encode(),
                      r"document 1 \(text_id 1\): entity 1: span 0-99 is outside the text \(length 13\)"),
    "negative offset": (json.dumps(_doc([{"spans": [{"begin": -1, "end": 3}], "tag": ["ADR"]}])).encode(),
                        "outside the text"),
    "no spans": (json.dumps(_doc([{"tag": ["ADR"]}])).encode(), "'spans' must be a non-empty list"),
    "string offsets": (json.dumps(_doc([{"spans": [{"begin": "0", "end": 3}], "tag": ["ADR"]}])).encode(),
                       "integer 'begin' and 'end'"),
    "tag not strings": (json.dumps(_doc([{"spans": [{"begin": 0, "end": 3}], "tag": [1]}])).encode(),
                        "'tag' must be a list of strings"),
    "overlapping fragments": (json.dumps(_doc([{"spans": [{"begin": 0, "end": 5}, {"begin": 3, "end": 7}],
                                                "tag": ["ADR"]}])).encode(), "overlap"),
    "cluster out of range": (json.dumps(_doc([], coreference={"mentions": [{"startPos": 0, "endPos": 7}],
                                                              "clusters": [[0, 3]]})).encode(),
                             "coreference cluster 0"),
    "mention past the text": (json.dumps(_doc([], coreference={"mentions": [{"startPos": 0, "endPos": 70}],
                                                               "clusters": [[0]]})).encode(), "coreference mention 0"),
    "entities not a list": (json.dumps([{"text_id": "1", "text": "x", "entities": 5}]).encode(),
                            "'entities' must be a list"),
    "deep nesting": (b"[" * 200000, "JSON"),
    "binary garbage": (bytes(b or 1 for b in random.Random(1).randbytes(3000)), "not valid UTF-8 or cp1251"),
    "with NUL bytes": (b"\x00\x01\x02" * 100, "binary data"),
}


@pytest.mark.parametrize("content,message", list(BAD.values()), ids=list(BAD))
def test_bad_input_is_refused_clearly(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(FormatError, match=message):
        fmt.read(path)


def test_relation_to_a_missing_entity_is_skipped_with_a_warning(tmp_path):
    entity = {"spans": [{"begin": 0, "end": 7}], "tag": ["Medication:MedTypeDrugname"], "entity_id": 0}
    ghost = {"spans": [{"begin": 8, "end": 13}], "tag": ["ADR"], "entity_id": 9}
    raw = _doc([entity], relations=[{"first_entity": ghost, "second_entity": entity, "relation_type": "ADR_Drugname",
                                     "relation_class": 1}])
    path = tmp_path / "r.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    result = fmt.read(path)
    assert result.documents[0].relations == []
    assert any("1 relation(s) refer to no entity" in w for w in result.warnings)


def test_write_reports_what_it_cannot_keep(tmp_path):
    text = "Аспирин и ещё раз аспирин"
    doc = Document("d", text, spans=[Span({"DrugName"}, [(0, 7)]),
                                     Span({"ADR"}, [(10, 13)], status=REJECTED, origin="model:1"),
                                     Span({"DrugName"}, [(18, 25)], status=SUGGESTED, origin="model:1")],
                   chains=[Chain([Mention([(0, 7)]), Mention([(8, 9), (18, 25)])], label="Bridging")])
    losses = fmt.write([doc], tmp_path / "o.json")
    assert sorted(losses) == ["discontinuous chain mentions written as their outer extent: 1",
                              "rejected suggestions left out: 1",
                              "unreviewed suggestions written as plain annotations: 1"]
    back = fmt.read(tmp_path / "o.json").documents[0]
    assert [s.covered_text(text) for s in back.spans] == ["Аспирин", "аспирин"]
    # a chain kind RDRS has no field for keeps its name (meta.Bridging), not folded into coreference
    assert back.chains[0].key() == ("Bridging", (((0, 7),), ((8, 25),)))
