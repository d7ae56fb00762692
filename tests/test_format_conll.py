"""CoNLL multi-column BIO: overlapping spans of different tags round-trip exactly, what BIO
cannot hold is reported, plain CoNLL(-2003) reads, bad files are refused with the line."""
from __future__ import annotations

import pytest

from rdrs_gui.core.document import REJECTED, Chain, Document, Mention, Relation, Span
from rdrs_gui.core.errors import FormatError
from rdrs_gui.core.formats import brat, conll

TEXT = ("Пил «Нурофен Экспресс» 200 мг,\r\n  голова   болела\tсильно.\n\n"
        "#нурофен не помог! Потом\u2028снова\x07 сильная головная боль.")


def at(word: str, text: str = TEXT) -> tuple[int, int]:
    start = text.index(word)
    return (start, start + len(word))


def keys(doc: Document) -> list[tuple]:
    return sorted(s.key() for s in doc.spans)


def overlapping() -> Document:
    """Multi-label spans and spans of different tags that overlap and nest."""
    return Document("отзыв 1", TEXT, spans=[
        Span({"DrugName", "DrugBrand"}, [at("Нурофен Экспресс")]),
        Span({"Dosage"}, [at("200 мг")]),
        Span({"ADR"}, [at("голова   болела\tсильно")]),
        Span({"Worse"}, [at("болела\tсильно")]),
        Span({"DrugName"}, [(at("#нурофен")[0] + 1, at("#нурофен")[1])]),
        Span({"NegatedADE"}, [at("не помог")]),
        Span({"ADR"}, [at("сильная головная боль")]),
        Span({"Worse"}, [at("снова\x07 сильная головная боль")]),
        Span({"DiseaseName"}, [at("головная боль")]),
    ])


def test_overlapping_spans_of_different_tags_roundtrip_exactly(tmp_path):
    docs = [overlapping(), Document("пустой", ""), Document("без разметки", "Просто текст.\n")]
    out = tmp_path / "x.conll"
    assert conll.write(docs, out) == []
    lines = out.read_text(encoding="utf-8").split("\n")
    assert lines[0] == ("# rdrs-conll columns = TOKEN\tOFFSETS\tADR\tDiseaseName\tDosage\tDrugBrand\t"
                        "DrugName\tNegatedADE\tWorse")
    assert lines[1] == "#doc отзыв 1"
    assert "Нурофен\t5-12\tO\tO\tO\tB-DrugBrand\tB-DrugName\tO\tO" in lines
    assert "болела\t43-49\tI-ADR\tO\tO\tO\tO\tO\tB-Worse" in lines
    assert "" in lines  # sentences are separated
    result = conll.read(out)
    assert [d.name for d in result.documents] == ["отзыв 1", "пустой", "без разметки"]
    for doc, copy in zip(docs, result.documents):
        assert copy.text == doc.text
        assert keys(copy) == keys(doc)
        assert copy.problems() == []


def test_what_bio_cannot_hold_is_reported(tmp_path):
    text = "Голова болела, болела и болела.  Аспирин "
    doc = Document("lossy", text, spans=[
        Span({"ADR"}, [at("Голова", text), at("болела и болела", text)], attrs={"MedDRA": "10019211"}),
        Span({"ADR"}, [at("болела, болела", text)]),
        Span({"DrugName"}, [(at("Аспирин", text)[0] - 1, len(text))]),
        Span({"Worse"}, [at("болела", text)], status=REJECTED),
    ], chains=[Chain([Mention([at("Голова", text)]), Mention([at("Аспирин", text)])])],
       relations=[Relation("r", "T1", "T2")])
    doc.assign_ids()
    out = tmp_path / "lossy.conll"
    losses = conll.write([doc], out)
    assert sorted(losses) == sorted([
        "discontinuous spans written as one span per fragment: 1",
        "overlapping spans of the same tag left out: 1",
        "spans whose attributes were not written: 1",
        "span edges on whitespace trimmed: 1",
        "rejected suggestions left out: 1",
        "relations not written: 1",
        "coreference chains not written: 1",
    ])
    [copy] = conll.read(out).documents
    assert copy.text == text
    assert sorted((s.fragments[0], tuple(s.labels)) for s in copy.spans) == [
        (at("Голова", text), ("ADR",)), (at("болела, болела", text), ("ADR",)),
        (at("Аспирин", text), ("DrugName",))]


def test_brat_examples_through_conll(shared_data, tmp_path):
    """Real Russian data: every span BIO can hold comes back, and nothing else does."""
    folder = shared_data / "formats" / "brat" / "rurebus_examples_ru"
    if not folder.is_dir():
        pytest.skip(f"no RuREBus examples at {folder}")
    docs = brat.read(folder).documents
    out = tmp_path / "rurebus.conll"
    losses = conll.write(docs, out)
    back = {d.name: d for d in conll.read(out).documents}
    lost = 0
    for doc in docs:
        copy = back[doc.name]
        assert copy.text == doc.text
        written = {(label, s.fragments[0]) for s in copy.spans for label in s.labels}
        wanted = {(label, f) for s in doc.spans for label in s.labels for f in s.fragments}
        assert written <= wanted
        for label, (s, e) in wanted - written:  # only same-tag overlaps may be missing
            assert any(lab == label and s2 < e and s < e2 for lab, (s2, e2) in written)
            lost += 1
    reported = sum(int(m.rsplit(": ", 1)[1]) for m in losses if m.startswith("overlapping"))
    assert lost == reported


CONLL2003 = """-DOCSTART- -X- -X- O

EU NNP B-NP I-ORG
rejects VBZ B-VP O
German JJ B-NP I-MISC
call NN I-NP O
. . O O

Peter NNP B-NP I-PER
Blackburn NNP I-NP I-PER

-DOCSTART- -X- -X- O

Москва NNP B-NP B-LOC
Сити NNP I-NP I-LOC
Пекин NNP I-NP B-LOC
"""


def test_plain_conll2003_reads(tmp_path):
    path = tmp_path / "eng.train"
    path.write_text(CONLL2003, encoding="utf-8")
    assert conll.sniff(path)
    first, second = conll.read(path).documents
    assert first.name == "eng-1" and first.text == "EU rejects German call .\nPeter Blackburn"
    assert [(s.covered_text(first.text), sorted(s.labels)) for s in first.spans] == [
        ("EU", ["ORG"]), ("German", ["MISC"]), ("Peter Blackburn", ["PER"])]
    assert [s.covered_text(second.text) for s in second.spans] == ["Москва Сити", "Пекин"]


def test_plain_two_column_and_bioes(tmp_path):
    path = tmp_path / "two.tsv"
    path.write_text("Нурофен\tS-Drug\nпомог\tO\nот\tO\nголовной\tB-ADR\nболи\tE-ADR\n#хэштег\tO\n", encoding="utf-8")
    [doc] = conll.read(path).documents
    assert doc.name == "two" and doc.text == "Нурофен помог от головной боли #хэштег"
    assert [(s.covered_text(doc.text), s.labels) for s in doc.spans] == [("Нурофен", {"Drug"}),
                                                                        ("головной боли", {"ADR"})]


def test_cp1251_plain_conll_is_decoded(tmp_path):
    path = tmp_path / "cp.conll"
    path.write_bytes("Анальгин B-DrugName\nпомог O\n".encode("cp1251"))
    [doc] = conll.read(path).documents
    assert doc.text == "Анальгин помог" and doc.spans[0].labels == {"DrugName"}


HEAD = "# rdrs-conll columns = TOKEN\tOFFSETS\tADR\n#doc d\n# text = \"Болит голова\"\n"


@pytest.mark.parametrize("body, message, line", [
    ("Болит\t0-5\tO\nголова\t6-12\n", "expected 3 tab-separated columns", 5),
    ("Болит\t0-5\tO\nголова\t6-99\tB-ADR\n", "outside the text", 5),
    ("Болит\t0-5\tO\nголова\t6to12\tB-ADR\n", "START-END", 5),
    ("Болит\t0-5\tO\nголова\t6-12\tB-Worse\n", "column ADR holds a tag of Worse", 5),
    ("Болит\t0-5\tO\nголова\t6-12\tX-ADR\n", "is not O, B-TAG", 5),
    ("Болит\t0-5\tO\nГолова\t6-12\tB-ADR\n", "does not match the text", 5),
    ("голова\t6-12\tO\nБолит\t0-5\tO\n", "out of order", 5),
])
def test_bad_multi_column_files_are_refused_with_the_line(tmp_path, body, message, line):
    path = tmp_path / "bad.conll"
    path.write_text(HEAD + body, encoding="utf-8")
    with pytest.raises(FormatError) as info:
        conll.read(path)
    assert message in info.value.message and info.value.line == line


def test_bad_plain_and_binary_files_are_refused(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("Нурофен B-Drug\nпомог\n", encoding="utf-8")
    with pytest.raises(FormatError) as info:
        conll.read(path)
    assert info.value.line == 2 and "expected 'TOKEN TAG'" in info.value.message
    path.write_text(HEAD.replace('"Болит голова"', '"unterminated'), encoding="utf-8")
    with pytest.raises(FormatError, match="not a JSON string"):
        conll.read(path)
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(FormatError, match="binary"):
        conll.read(path)
    assert not conll.sniff(path)


def test_text_is_rebuilt_from_offsets_without_a_text_line(tmp_path):
    path = tmp_path / "hand.conll"
    path.write_text("# rdrs-conll columns = TOKEN\tOFFSETS\tADR\nБолит\t0-5\tO\nголова\t8-14\tB-ADR\n",
                    encoding="utf-8")
    [doc] = conll.read(path).documents
    assert doc.name == "hand" and doc.text == "Болит   голова" and doc.spans[0].fragments == [(8, 14)]


def test_sniff(tmp_path):
    multi = tmp_path / "m.conll"
    conll.write([overlapping()], multi)
    webanno = tmp_path / "w.tsv"
    webanno.write_text("#FORMAT=WebAnno TSV 3.3\n\n#Text=Болит\n1-1\t0-5\tБолит\tB-NOTBIO\t\n", encoding="utf-8")
    conll2012 = tmp_path / "c.conll"
    conll2012.write_text("doc 0 0 Болит VERB - - - - (1)\n", encoding="utf-8")
    prose = tmp_path / "p.txt"
    prose.write_text("Нурофен помог мне быстро.\nСпасибо.\n", encoding="utf-8")
    assert conll.sniff(multi)
    assert not any(conll.sniff(p) for p in (webanno, conll2012, prose, tmp_path))
