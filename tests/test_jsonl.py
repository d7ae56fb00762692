"""The native JSONL format: lossless round trips (file and store), minimal lines, bad lines."""
from __future__ import annotations

import json

import pytest

from rdrs_gui.core import formats, services
from rdrs_gui.core.document import (ACCEPTED, DOC_CURATED, DOC_NEW, REJECTED, SUGGESTED, Chain,
                                    Document, Mention, Relation, Span)
from rdrs_gui.core.errors import FormatError
from rdrs_gui.core.formats import jsonl
from rdrs_gui.core.store import Store

TEXT = "Мазь «Левомеколь» помогла,\r\nно кожа\u2028покраснела 🙁 и зудела. Врач сказал: это аллергия."


def rich_document() -> Document:
    drug = (TEXT.index("Левомеколь"), TEXT.index("Левомеколь") + 10)
    form = (0, 4)
    red = (TEXT.index("кожа"), TEXT.index("кожа") + 4)
    red2 = (TEXT.index("покраснела"), TEXT.index("покраснела") + 10)
    itch = (TEXT.index("зудела"), TEXT.index("зудела") + 6)
    allergy = (TEXT.index("аллергия"), TEXT.index("аллергия") + 8)
    doc = Document("отзыв-1", TEXT, meta={"adr_prob": 0.83, "source": {"site": "otzovik", "n": [1, 2]}},
                   status=DOC_CURATED)
    doc.spans = [
        Span({"DrugName", "DrugBrand"}, [drug], {"MedFrom": "Domestic", "ATC": "D06C"}, id="T1"),
        Span({"DrugForm"}, [form], id="T2"),
        Span({"ADR"}, [red, red2], {"MedDRA": "Эритема|Покраснение кожи"}, id="T3"),
        Span({"ADR"}, [itch], origin="model:tagger-3", status=SUGGESTED, score=0.71, id="T4"),
        Span({"Indication"}, [itch], origin="model:tagger-2", status=REJECTED, score=0.2, id="T5"),
        Span({"DiseaseName"}, [allergy], origin="model:tagger-2", status=ACCEPTED, score=0.93, id="T6"),
    ]
    doc.chains = [Chain([Mention([drug]), Mention([form])], id="C1"),
                  Chain([Mention([red, red2]), Mention([itch])], label="Context", origin="model:coref-1",
                        status=SUGGESTED, score=0.4, id="C2")]
    doc.relations = [Relation("ADR_Drugname", "T3", "T1", {"relation_class": "1"}, id="R1")]
    return doc


def full_view(doc: Document) -> tuple:
    """Everything a lossless format must keep."""
    return (doc.name, doc.text, doc.meta, doc.status,
            sorted((s.id, s.key(), s.origin, s.status, s.score) for s in doc.spans),
            sorted((c.id, c.key(), c.origin, c.status, c.score) for c in doc.chains),
            sorted((r.id, r.label, r.head, r.tail, tuple(sorted(r.attrs.items())), r.origin, r.status)
                   for r in doc.relations))


def test_round_trip_is_identical(tmp_path):
    docs = [rich_document(), Document("empty", "Просто текст.")]
    out = tmp_path / "docs.jsonl"
    jsonl.write(docs, out)
    assert len(out.read_bytes().split(b"\n")) == 3  # the U+2028 and \r\n stay inside their line
    back = jsonl.read(out).documents
    assert [full_view(d) for d in back] == [full_view(d) for d in docs]
    assert back[0].spans[2].covered_text(back[0].text) == "кожа покраснела"
    assert formats.detect(out) == "jsonl"


def test_round_trip_through_the_store(tmp_path):
    original = rich_document()
    jsonl.write([original], tmp_path / "in.jsonl")
    with Store.open(tmp_path / "db.sqlite") as store:
        services.import_paths(store, [tmp_path / "in.jsonl"])
        services.export(store, "jsonl", tmp_path / "human.jsonl")
        services.export(store, "jsonl", tmp_path / "all.jsonl", include_suggestions=True)
        loaded = store.load_document(1)
    assert full_view(loaded)[:4] == full_view(original)[:4]
    assert {(s.id, s.key(), s.status) for s in loaded.spans} == {(s.id, s.key(), s.status) for s in original.spans}
    (human,) = jsonl.read(tmp_path / "human.jsonl").documents
    assert {s.id for s in human.spans} == {"T1", "T2", "T3", "T6"}
    assert [c.key() for c in human.chains] == [original.chains[0].key()]
    assert human.relations == original.relations
    (everything,) = jsonl.read(tmp_path / "all.jsonl").documents
    expected = [d for d in full_view(original)[4] if d[3] != REJECTED]
    assert full_view(everything)[4] == expected
    assert {c.key() for c in everything.chains} == {c.key() for c in original.chains}


def test_minimal_line_is_a_raw_review(tmp_path):
    path = tmp_path / "raw.jsonl"
    path.write_text('{"id": 17, "text": "Купила капли."}\n\n{"id": "x", "text": ""}\n', encoding="utf-8")
    docs = jsonl.read(path).documents
    assert [(d.name, d.text, d.spans, d.chains, d.status) for d in docs] == [
        ("17", "Купила капли.", [], [], DOC_NEW), ("x", "", [], [], DOC_NEW)]


@pytest.mark.parametrize("line, message, number", [
    ('{"id": 1, "text": "abc"', "not valid JSON", 2),
    ('[1, 2]', "must be a JSON object", 2),
    ('{"id": 1}', "'text' must be a string", 2),
    ('{"id": 1, "text": "abc", "spans": [{"labels": ["ADR"], "fragments": [[1, 9]]}]}', "outside text", 2),
    ('{"id": 1, "text": "abc", "spans": [{"labels": [], "fragments": [[0, 1]]}]}', "'labels'", 2),
    ('{"id": 1, "text": "abc", "spans": [{"labels": ["A"], "fragments": [[0, "1"]]}]}', "integer offsets", 2),
    ('{"id": 1, "text": "abc", "status": "finished"}', "unknown document status", 2),
    ('{"id": 1, "text": "abc", "spans": [{"labels": ["A"], "fragments": [[0, 1]], "status": "ok"}]}',
     "unknown status", 2),
    ('{"id": 1, "text": "abc", "relations": [{"label": "r", "head": "T1", "tail": "T2"}]}', "unknown span", 2),
    ('{"id": 1, "text": "abc", "chains": [{"mentions": []}]}', "'mentions'", 2),
])
def test_bad_lines_name_file_and_line(tmp_path, line, message, number):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": 0, "text": "fine"}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(FormatError) as info:
        jsonl.read(path)
    assert info.value.line == number and info.value.path == str(path)
    assert message in info.value.message
    assert "\n" not in str(info.value)


def test_binary_garbage_is_refused(tmp_path):
    path = tmp_path / "garbage.jsonl"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(FormatError, match="binary"):
        jsonl.read(path)
    assert not jsonl.sniff(path)


def test_sniff(tmp_path):
    good = tmp_path / "a.jsonl"
    good.write_text('\n{"id": "1", "text": "т"}\n', encoding="utf-8")
    rudrec = tmp_path / "r.jsonl"
    rudrec.write_text(json.dumps({"file_name": "1.txt", "sentence_id": 0, "text": "т", "entities": []}) + "\n")
    wrong_suffix = tmp_path / "a.json"
    wrong_suffix.write_text('{"id": "1", "text": "т"}\n')
    empty = tmp_path / "e.jsonl"
    empty.write_text("")
    no_text = tmp_path / "n.jsonl"
    no_text.write_text('{"id": "1"}\n')
    assert jsonl.sniff(good)
    assert not jsonl.sniff(rudrec) and not jsonl.sniff(wrong_suffix) and not jsonl.sniff(empty)
    assert not jsonl.sniff(no_text)
    folder = tmp_path / "folder"
    folder.mkdir()
    jsonl.write([Document("a", "один")], folder / "1.jsonl")
    jsonl.write([Document("b", "два")], folder / "2.jsonl")
    assert jsonl.sniff(folder)
    assert [d.name for d in jsonl.read(folder).documents] == ["a", "b"]
    assert not jsonl.sniff(tmp_path)  # mixes RuDReC and native files
