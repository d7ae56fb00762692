"""Tag schemas are data: bundled files load, bad files are refused with the reason."""
import json

import pytest

from rdrs_gui.core.errors import SchemaError
from rdrs_gui.core.schema import Schema, bundled

RDRS_TAGS = ["ADR", "DrugName", "DrugBrand", "DrugForm", "DrugClass", "Dosage", "Frequency", "Duration",
             "Route", "SourceInfoDrug", "MedMaker", "DiseaseName", "Indication", "BNE-Pos", "ADE-Neg",
             "NegatedADE", "Worse", "Note"]


def test_bundled_rdrs_schema_has_the_18_tags_with_hotkeys_and_guidelines():
    schema = bundled("rdrs")
    assert schema.tag_names == RDRS_TAGS
    hotkeys = [t.hotkey for t in schema.tags]
    assert all(hotkeys) and len(set(hotkeys)) == len(hotkeys)
    assert all(t.description for t in schema.tags)
    assert schema.attribute("MedFrom").values == ["Domestic", "Foreign"]
    assert {a.name for a in schema.attributes} >= {"MedFrom", "MedMaker", "ATC", "MKB10", "MedDRA"}


def test_aliases_map_corpus_tags_to_schema_tags():
    schema = bundled("rdrs")
    assert schema.canonical("Medication:MedTypeSourceInfodrug") == "SourceInfoDrug"
    assert schema.canonical("disease:distypebne-pos") == "BNE-Pos"
    assert schema.canonical("Unknown") is None


def test_rudrec_schema_loads_by_name():
    assert Schema.load("rudrec").tag_names == ["ADR", "DI", "Drugname", "Drugform", "Drugclass", "Finding"]


def test_unknown_labels_extend_the_schema_instead_of_being_dropped():
    schema = bundled("rdrs").extended(["ADR", "Gene", "Protein"])
    assert schema.tag_names[-2:] == ["Gene", "Protein"]
    assert schema.tag("Gene").color != schema.tag("Protein").color


@pytest.mark.parametrize("data, message", [
    ([], "top level must be a JSON object"),
    ({"name": "x", "tags": []}, "'tags' must be a non-empty list"),
    ({"name": "x", "tags": [{"name": "A"}, {"name": "A"}]}, "defined twice"),
    ({"name": "x", "tags": [{"name": "A", "color": "red"}]}, "color must look like #rrggbb"),
    ({"name": "x", "tags": [{"name": "A", "hotkey": "a"}, {"name": "B", "hotkey": "A"}]}, "already used by 'A'"),
    ({"name": "x", "tags": [{"name": "A", "colour": "#000000"}]}, "unknown field(s) colour"),
    ({"name": "x", "tags": [{"name": "A"}], "attributes": [{"name": "M", "tags": ["B"]}]}, "needs a list of 'values'"),
])
def test_invalid_schemas_are_refused_with_the_reason(tmp_path, data, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(SchemaError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Schema.load(path)


def test_broken_json_names_the_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"name": "x",\n "tags": [\n')
    with pytest.raises(SchemaError, match=r"bad.json:3: not valid JSON"):
        Schema.load(path)


def test_round_trip_through_json(tmp_path):
    schema = bundled("rdrs")
    path = tmp_path / "s.json"
    path.write_text(schema.to_json(), encoding="utf-8")
    assert Schema.load(path).to_dict() == schema.to_dict()
