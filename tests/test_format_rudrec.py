"""RuDReC JSON lines: sentences grouped into reviews, offsets shifted, written back sentence by sentence."""
from __future__ import annotations

import json
import math
import random
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from rdrs_gui.core.document import Document, Span
from rdrs_gui.core.errors import FormatError
from rdrs_gui.core.formats import rudrec


@pytest.fixture
def rudrec_file(shared_data) -> Path:
    path = shared_data / "rudrec" / "rudrec_train.jsonl"
    if not path.exists():
        pytest.skip(f"{path} not found")
    return path


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _present(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _normalised(rows: list[dict]) -> list[tuple]:
    """A sentence as (review, id, text, entities) with NaN and absent concepts alike."""
    out = []
    for row in rows:
        entities = sorted((e["start"], e["end"], e["entity_type"],
                           e.get("concept_id") if _present(e.get("concept_id")) else None,
                           e.get("concept_name") if _present(e.get("concept_name")) else None)
                          for e in row["entities"])
        out.append((row["file_name"], row["sentence_id"], row["text"], repr(entities)))
    return sorted(out)


def test_real_file_reads_into_reviews(rudrec_file):
    rows = _rows(rudrec_file)
    reviews = defaultdict(list)
    for row in rows:
        reviews[row["file_name"]].append(row)
    expected = {}
    for name, sentences in reviews.items():
        sentences.sort(key=lambda r: r["sentence_id"])
        offset, text, spans = 0, "", Counter()
        for row in sentences:
            for e in row["entities"]:
                spans[(offset + e["start"], offset + e["end"], e["entity_type"])] += 1
                assert row["text"][e["start"]:e["end"]] == e["entity_text"]
            text += row["text"]
            offset += len(row["text"])
        expected[name] = (text, spans)

    result = rudrec.read(rudrec_file)
    assert result.warnings == []
    docs = {d.name: d for d in result.documents}
    assert len(result.documents) == len(reviews) == 407
    assert sum(len(d.spans) for d in result.documents) == sum(len(r["entities"]) for r in rows) == 3707
    for name, (text, spans) in expected.items():
        doc = docs[name]
        assert doc.text == text
        assert doc.problems() == []
        assert Counter((s.start, s.end, label) for s in doc.spans for label in s.labels) == spans
    concept_ids = sum(_present(e.get("concept_id")) for r in rows for e in r["entities"])
    assert sum("concept_id" in s.attrs for d in result.documents for s in d.spans) == concept_ids
    assert not any(s.attrs.get("concept_id") in ("nan", "NaN") for d in result.documents for s in d.spans)


def test_real_file_round_trip_gives_the_same_sentences(rudrec_file, tmp_path):
    docs = rudrec.read(rudrec_file).documents
    out = tmp_path / "out.jsonl"
    assert rudrec.write(docs, out) == []
    assert rudrec.sniff(out)
    assert _normalised(_rows(out)) == _normalised(_rows(rudrec_file))
    again = {d.name: d for d in rudrec.read(out).documents}
    for doc in docs:
        assert again[doc.name].text == doc.text
        assert {s.key() for s in again[doc.name].spans} == {s.key() for s in doc.spans}


def test_sentences_are_grouped_sorted_and_separated(tmp_path):
    lines = [
        {"file_name": "r1.tsv", "sentence_id": 1, "text": "Потом сыпь.", "entities": [
            {"start": 6, "end": 10, "entity_type": "ADR", "entity_text": "сыпь", "concept_id": "C0015230",
             "concept_name": math.nan}]},
        {"file_name": "r2.tsv", "sentence_id": 0, "text": "Другой отзыв\n", "entities": []},
        {"file_name": "r1.tsv", "sentence_id": 0, "text": "Пила Арбидол", "entities": [
            {"start": 5, "end": 12, "entity_type": "Drugname", "entity_text": "Арбидол", "concept_id": math.nan,
             "concept_name": math.nan}]},
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n", encoding="utf-8")
    assert "NaN" in path.read_text(encoding="utf-8")
    docs = {d.name: d for d in rudrec.read(path).documents}
    doc = docs["r1.tsv"]
    assert doc.text == "Пила Арбидол\nПотом сыпь."
    assert [(s.covered_text(doc.text), s.labels, s.attrs) for s in doc.spans] == [
        ("Арбидол", {"Drugname"}, {}), ("сыпь", {"ADR"}, {"concept_id": "C0015230"})]
    out = tmp_path / "out.jsonl"
    rudrec.write([doc], out)
    assert [(r["sentence_id"], r["text"]) for r in _rows(out)] == [(0, "Пила Арбидол"), (1, "Потом сыпь.")]


def test_write_of_a_foreign_document_splits_lines_and_reports_losses(tmp_path):
    text = "Купила Нурофен\nот головной\nболи. Ещё строка\n"
    doc = Document("new", text, spans=[Span({"Drugname"}, [(7, 14)]),
                                       Span({"DI"}, [(18, 32)], {"ATC": "x"}),
                                       Span({"ADR", "Finding"}, [(0, 6), (37, 40)])])
    out = tmp_path / "o.jsonl"
    losses = rudrec.write([doc], out)
    assert sorted(losses) == ["attributes other than concept_id and concept_name left out: 1",
                              "discontinuous spans written as one entity per fragment: 1",
                              "sentences joined because a span crosses their boundary: 1"]
    rows = _rows(out)
    assert [r["text"] for r in rows] == ["Купила Нурофен\n", "от головной\nболи. Ещё строка\n"]
    back = rudrec.read(out).documents[0]
    assert back.text == text
    assert {(s.start, s.end, tuple(sorted(s.labels))) for s in back.spans} == {
        (7, 14, ("Drugname",)), (18, 32, ("DI",)), (0, 6, ("ADR", "Finding")), (37, 40, ("ADR", "Finding"))}


def test_sniff(tmp_path):
    jsonl = tmp_path / "native.jsonl"
    jsonl.write_text('{"name": "a", "text": "b"}\n', encoding="utf-8")
    assert not rudrec.sniff(jsonl)
    assert not rudrec.sniff(tmp_path)
    rdrs_like = tmp_path / "rdrs.json"
    rdrs_like.write_text('[{"text_id": "1", "text": "x", "entities": {}}]', encoding="utf-8")
    assert not rudrec.sniff(rdrs_like)
    ours = tmp_path / "ours.jsonl"
    ours.write_text("\n" + GOOD + "\n", encoding="utf-8")
    assert rudrec.sniff(ours)


GOOD = '{"file_name": "a", "sentence_id": 0, "text": "Текст", "entities": []}'
BAD = {
    "truncated line": (GOOD + '\n{"file_name": "a", "sentence_id": 1, "te', r"bad.jsonl:2: not valid JSON"),
    "not an object": (GOOD + "\n[1, 2]\n", r"bad.jsonl:2: each line must be a JSON object"),
    "no file_name": ('{"sentence_id": 0, "text": "x", "entities": []}', r"bad.jsonl:1: 'file_name'"),
    "float sentence id": ('{"file_name": "a", "sentence_id": 0.5, "text": "x", "entities": []}', "'sentence_id'"),
    "offset past sentence": (GOOD + '\n{"file_name": "a", "sentence_id": 1, "text": "ab", "entities": '
                             '[{"start": 1, "end": 9, "entity_type": "ADR"}]}',
                             r"bad.jsonl:2: entity 1-9 is outside its sentence \(length 2\)"),
    "no type": ('{"file_name": "a", "sentence_id": 0, "text": "ab", "entities": [{"start": 0, "end": 1}]}',
                "'entity_type'"),
    "entities not a list": ('{"file_name": "a", "sentence_id": 0, "text": "ab", "entities": 3}', "'entities'"),
    "duplicate sentence": (GOOD + "\n" + GOOD, r"bad.jsonl:2: review a: sentence_id 0 occurs twice"),
    "empty": ("\n\n", "no sentences found"),
}


@pytest.mark.parametrize("content,message", list(BAD.values()), ids=list(BAD))
def test_bad_input_is_refused_clearly(tmp_path, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FormatError, match=message):
        rudrec.read(path)


def test_binary_and_cp1251(tmp_path):
    garbage = tmp_path / "g.jsonl"
    garbage.write_bytes(bytes(b or 1 for b in random.Random(2).randbytes(4000)))
    with pytest.raises(FormatError, match="not valid UTF-8 or cp1251"):
        rudrec.read(garbage)
    cp = tmp_path / "cp.jsonl"
    cp.write_bytes('{"file_name": "о1", "sentence_id": 0, "text": "Ёлка и щётка", "entities": []}'.encode("cp1251"))
    assert rudrec.read(cp).documents[0].text == "Ёлка и щётка"
