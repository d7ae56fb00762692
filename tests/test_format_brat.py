"""brat standoff: the published examples read and round-trip exactly; every brat construct maps
to the document model and back; bad files are refused with the file and line."""
from __future__ import annotations

from pathlib import Path

import pytest

from rdrs_gui.core.document import REJECTED, SUGGESTED, Chain, Document, Mention, Relation, Span
from rdrs_gui.core.errors import FormatError
from rdrs_gui.core.formats import brat
from rdrs_gui.core.schema import Schema


def identity(doc: Document) -> tuple:
    """What a document says, independent of ids and order."""
    by_id = {s.id: s.key() for s in doc.spans}
    return (doc.text, sorted(s.key() for s in doc.spans), sorted(c.key() for c in doc.chains),
            sorted((r.label, by_id[r.head], by_id[r.tail], tuple(sorted(r.attrs.items())))
                   for r in doc.relations))


def roundtrip(docs: list[Document], tmp_path: Path) -> tuple[list[Document], list[str]]:
    losses = brat.write(docs, tmp_path / "out")
    return brat.read(tmp_path / "out").documents, losses


def write_pair(folder: Path, name: str, text: str | bytes, ann: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.txt").write_bytes(text.encode() if isinstance(text, str) else text)
    (folder / f"{name}.ann").write_bytes(ann.encode() if isinstance(ann, str) else ann)
    return folder / f"{name}.ann"


def t_lines(ann: Path) -> list[tuple[str, str, list[tuple[int, int]], str]]:
    out = []
    for line in ann.read_text(encoding="utf-8").split("\n"):
        if line.startswith("T"):
            tid, body, text = line.split("\t", 2)
            label, offsets = body.split(" ", 1)
            frags = [tuple(map(int, part.split())) for part in offsets.split(";")]
            out.append((tid, label, frags, text))
    return out


# ---------------------------------------------------------------- real examples

@pytest.fixture
def brat_dir(shared_data: Path) -> Path:
    folder = shared_data / "formats" / "brat"
    if not folder.is_dir():
        pytest.skip(f"no brat examples at {folder}")
    return folder


def test_examples_read_and_every_t_text_matches_its_offsets(brat_dir):
    result = brat.read(brat_dir)
    anns = sorted(brat_dir.rglob("*.ann"))
    assert len(result.documents) == len(anns) >= 50
    assert not [w for w in result.warnings if "records" in w], "T texts must match the .txt"
    docs = {d.name: d for d in result.documents}
    checked = 0
    for ann in anns:
        rel = ann.relative_to(brat_dir).with_suffix("").as_posix()
        doc = docs.get(ann.stem) or docs[rel]
        assert doc.problems() == []
        assert doc.text == ann.with_suffix(".txt").read_text(encoding="utf-8")
        for _, label, frags, text in t_lines(ann):
            span = next(s for s in doc.spans if s.fragments == sorted(frags) and label in s.labels)
            assert span.covered_text(doc.text) == text
            checked += 1
    assert checked > 2500


def test_examples_cover_every_construct(brat_dir):
    docs = {d.name: d for d in brat.read(brat_dir / "nlplab_tutorials").documents}
    news = docs["news/000-introduction"]
    carlos = next(s for s in news.spans if s.attrs.get("norm:Wikipedia") == "64488")
    assert carlos.attrs["norm-text:Wikipedia"] == "Carlos Salinas de Gortari"
    notes = docs["bio/110-note_annotation"]
    assert any(s.attrs.get("note") == "Check: is this a Protein or a Complex?" for s in notes.spans)
    assert any(r.label == "Part-of" and r.attrs.get("note", "").startswith("Should this") for r in notes.relations)
    attrs = docs["bio/100-attribute_annotation"]
    trigger = next(s for s in attrs.spans if "event:E4" in s.attrs)
    assert trigger.attrs["event:E4"] == "Binding"
    assert trigger.attrs["event:E4:Negation"] == "" and trigger.attrs["event:E4:Confidence"] == "Likely"
    assert sorted(r.label for r in attrs.relations if r.attrs.get("brat:event") == "E4") == ["Theme", "Theme2"]
    equiv = docs["bio/060-relation_annotation"]
    assert [(c.label, len(c.mentions)) for c in equiv.chains] == [("Equiv", 3)]
    nested = docs["bio/000-introduction"]
    assert any(r.attrs.get("brat:arg") == "E1" for r in nested.relations)


def test_examples_roundtrip_exactly(brat_dir, tmp_path):
    result = brat.read(brat_dir)
    again, losses = roundtrip(result.documents, tmp_path)
    assert losses == []
    by_name = {d.name: d for d in again}
    for doc in result.documents:
        copy = by_name[brat.safe_name(doc.name)]
        assert identity(copy) == identity(doc), doc.name
    for ann in brat_dir.rglob("*.ann"):
        rel = ann.relative_to(brat_dir).with_suffix("").as_posix()
        name = ann.stem if ann.stem in by_name else brat.safe_name(rel)
        written = (tmp_path / "out" / f"{name}.txt").read_bytes()
        assert written == ann.with_suffix(".txt").read_bytes(), ann


def test_rurebus_russian_examples(brat_dir, tmp_path):
    folder = brat_dir / "rurebus_examples_ru"
    result = brat.read(folder)
    assert len(result.documents) == len(list(folder.glob("*.ann"))) >= 4
    assert all(any("а" <= ch <= "я" for ch in d.text) for d in result.documents)
    assert sum(len(d.relations) for d in result.documents) > 0
    again, _ = roundtrip(result.documents, tmp_path)
    assert sorted(map(identity, again)) == sorted(map(identity, result.documents))
    for doc in result.documents:
        assert (tmp_path / "out" / f"{doc.name}.txt").read_bytes() == (folder / f"{doc.name}.txt").read_bytes()


def test_annotation_conf_gives_the_schema(brat_dir):
    schema = brat.schema_from_annotation_conf(brat_dir / "nlplab_corpora" / "NCBI-disease" / "annotation.conf")
    assert schema.tag_names == ["Disease"]
    category = schema.attribute("Category")
    assert category.values == ["SpecificDisease", "Modifier", "DiseaseClass", "CompositeMention"]
    assert category.tags == ["Disease"]
    assert schema.tag("Disease").color == "#eebbbb"  # from visual.conf
    news = brat.schema_from_annotation_conf(brat_dir / "nlplab_tutorials" / "news" / "annotation.conf")
    assert {"Person", "Merge-org", "Report"} <= set(news.tag_names)
    assert "Life" not in news.tag_names and news.tag("Be-born").group == "Life"
    assert news.attribute("Individual").kind == "flag"
    assert Schema.from_dict(news.to_dict()).to_dict() == news.to_dict()  # a valid schema file
    result = brat.read(brat_dir / "nlplab_corpora" / "NCBI-disease")
    assert result.schema is not None and "Disease" in result.schema.tag_names



def test_annotation_conf_separators_and_alternative_names(tmp_path):
    """brat's own configurations (BioNLP-ST GE, its default config) separate event types with
    lines of dashes and give a type alternative names after ``|``; the first is the name used."""
    conf = tmp_path / "annotation.conf"
    conf.write_text("[entities]\nProtein\nGene|GG|G\n[relations]\n[events]\nGene_expression Theme:Protein\n"
                    "------------------------------------\nProtein_binding|GO:0005515  Theme+:Protein\n"
                    "[attributes]\nNegation|Neg  Arg:<EVENT>\n", encoding="utf-8")
    schema = brat.schema_from_annotation_conf(conf)
    assert schema.tag_names == ["Protein", "Gene", "Gene_expression", "Protein_binding"]
    assert schema.attribute("Negation").tags == ["Gene_expression", "Protein_binding"]


# ---------------------------------------------------------------- synthetic documents

TEXT = ("Пил Нурофен Экспресс 200 мг три дня,\r\nно голова болела и потом снова болела.\n"
        "Врач сказал,\u2028что он не помогает.")


def at(word: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(word, start + 1)
    return (start, start + len(word))


def synthetic() -> Document:
    drug = Span({"DrugName", "DrugBrand"}, [at("Нурофен Экспресс")],
                {"MedFrom": "Foreign", "norm:ATC": "M01AE01", "norm-text:ATC": "ibuprofen",
                 "note": "brand or name?\nboth"}, id="T1")
    dose = Span({"Dosage"}, [at("200 мг")], {"Negated": ""}, id="T2")
    adr = Span({"ADR"}, [at("голова"), at("болела")], {"MedDRA": "10019211", "norm:MedDRA": "10019211 10019212"},
               id="T7")
    worse = Span({"Worse"}, [at("снова болела")], id="T3")
    source = Span({"SourceInfoDrug"}, [at("Врач сказал,\u2028что")], id="T9")
    note = Span({"Note"}, [at("не помогает")], {"note:Lemma": " помогать"}, status=SUGGESTED,
                origin="model:1")
    chain = Chain([Mention([at("Нурофен Экспресс")]), Mention([at("он")])])
    context = Chain([Mention([at("голова"), at("болела")]), Mention([at("снова болела")])], label="Context")
    rel = Relation("Worsens", "T3", "T7", {"note": "same headache"}, id="R1")
    return Document("отзыв/1: тест", TEXT, spans=[drug, dose, adr, worse, source, note], chains=[chain, context],
                    relations=[rel])


def test_synthetic_document_roundtrips_exactly(tmp_path):
    doc = synthetic()
    doc.assign_ids()
    [copy], losses = roundtrip([doc], tmp_path)
    assert identity(copy) == identity(doc)
    assert losses == ["unreviewed suggestions written as plain annotations: 1"]
    assert copy.name == "отзыв_1_тест"
    assert (tmp_path / "out" / "отзыв_1_тест.txt").read_bytes() == TEXT.encode("utf-8")
    ann = (tmp_path / "out" / "отзыв_1_тест.ann").read_text(encoding="utf-8")
    assert "\tDrugBrand 4 20\tНурофен Экспресс" in ann and "\tDrugName 4 20\tНурофен Экспресс" in ann
    assert f"T7\tADR {at('голова')[0]} {at('голова')[1]};{at('болела')[0]} {at('болела')[1]}\tголова болела" in ann
    assert "\tNegated T2\n" in ann and "\tMedFrom T5 Foreign\n" in ann   # on the DrugName, not the DrugBrand T1
    assert "MedFrom T1" not in ann and "Reference T1 ATC" not in ann
    assert "\tReference T5 ATC:M01AE01\tibuprofen\n" in ann
    assert "\tAnnotatorNotes T1\tbrand or name?\n" in ann and "\tAnnotatorNotes T1\tboth\n" in ann
    assert f"\tMention {at('он')[0]} {at('он')[1]}\tон\n" in ann
    assert "*\tCoreference T1 T" in ann and "*\tContext T7 T3\n" in ann
    assert "R1\tWorsens Arg1:T3 Arg2:T7\n" in ann
    # brat's own view of it: the spans, not the Mention, are entities
    assert {s.id for s in copy.spans} == {"T1", "T2", "T7", "T3", "T9", "T4"}
    schema = brat.schema_from_annotation_conf(tmp_path / "out" / "annotation.conf")
    assert {"ADR", "DrugName", "DrugBrand", "Mention"} <= set(schema.tag_names)
    assert schema.attribute("Negated").kind == "flag" and schema.attribute("MedFrom").values == ["Foreign"]


def test_attribute_values_brat_cannot_list_stay_in_the_ann_files_not_in_annotation_conf(tmp_path):
    """brat's annotation.conf lists values split at ',' and '|': an RDRS MedDRA term with a comma
    or a Context "1|2" would break the list (brat refuses the file, we warned and guessed)."""
    text = "Артрит прошёл, сыпь осталась."
    doc = Document("d", text, spans=[
        Span({"ADR"}, [(0, 6)], {"MedDRA": "Артрит, аллергический", "Context": "1|2"}),
        Span({"ADR"}, [(15, 19)], {"MedDRA": "Сыпь", "Context": "1"})])
    doc.assign_ids()
    [copy], _ = roundtrip([doc], tmp_path)
    assert [s.attrs for s in copy.spans] == [s.attrs for s in doc.spans]
    conf = (tmp_path / "out" / "annotation.conf").read_text(encoding="utf-8")
    assert "MedDRA\tArg:<ENTITY>, Value:Сыпь\n" in conf and "Context\tArg:<ENTITY>, Value:1\n" in conf
    assert "# MedDRA: 1 value(s) with ',' or '|' cannot be listed" in conf
    result = brat.read(tmp_path / "out")
    assert result.warnings == []
    assert result.schema.attribute("MedDRA").values == ["Сыпь"]


def test_brat_constructs_map_to_the_model(tmp_path):
    text = "Барак Обама встретил Мишель. Он и она — семья. Обама улыбнулся."
    ann = "\n".join([
        "T1\tPerson 0 11\tБарак Обама",
        "T2\tPerson 21 27\tМишель",
        "T3\tMention 29 31\tОн",
        "T4\tMention 34 37\tона",
        "T5\tPerson 47 52\tОбама",
        "T6\tMeet 12 20\tвстретил",
        "T7\tPerson 0 11\tБарак Обама",
        "T8\tMention 47 52\tОбама",
        "E1\tMeet:T6 Agent:T1 Partner:T2",
        "A1\tNegated E1",
        "M2\tCertainty T1 High",
        "N1\tReference T1 Wikipedia:534366\tBarack Obama",
        "N2\tReference T1 Wikipedia:1\t",
        "#1\tAnnotatorNotes E1\tсвидание?",
        "R1\tCoreference Arg1:T1 Arg2:T3",
        "R2\tCoreference Arg1:T3 Arg2:T5",
        "*\tCoreference T2 T4",
        "R3\tFamily Husband:T1 Wife:T2\t",
        "",
    ])
    write_pair(tmp_path / "in", "obama", text, ann)
    result = brat.read(tmp_path / "in")
    [doc] = result.documents
    assert result.schema is None
    assert any("event" in w for w in result.warnings)
    labels = {s.fragments[0]: s.labels for s in doc.spans}
    assert (29, 31) not in labels and (34, 37) not in labels  # chain-only Mentions are no spans
    assert labels[(47, 52)] == {"Person", "Mention"}  # T8 is in no chain: a span, folded with T5
    obama = next(s for s in doc.spans if s.fragments == [(0, 11)])
    assert obama.labels == {"Person"}  # T1 and T7 fold into one span
    assert obama.attrs == {"Certainty": "High", "norm:Wikipedia": "534366 1", "norm-text:Wikipedia": "Barack Obama\n"}
    meet = next(s for s in doc.spans if "Meet" in s.labels)
    assert meet.attrs == {"event:E1": "Meet", "event:E1:Negated": "", "event:E1:note": "свидание?"}
    chains = sorted(c.key() for c in doc.chains)
    assert chains == [("Coreference", (((0, 11),), ((29, 31),), ((47, 52),))),
                      ("Coreference", (((21, 27),), ((34, 37),)))]
    family = next(r for r in doc.relations if r.label == "Family")
    assert family.attrs == {"brat:roles": "Husband Wife"}
    assert doc.span_by_id(family.head) is obama
    again, _ = roundtrip([doc], tmp_path)
    assert identity(again[0]) == identity(doc)


def test_mention_span_that_is_also_a_chain_mention_survives(tmp_path):
    text = "Он сказал, что он устал."
    doc = Document("m", text, spans=[Span({"Mention"}, [(0, 2)])],
                   chains=[Chain([Mention([(0, 2)]), Mention([(15, 17)])])])
    doc.assign_ids()
    [copy], _ = roundtrip([doc], tmp_path)
    assert identity(copy) == identity(doc)


def test_rejected_spans_are_left_out_and_reported(tmp_path):
    doc = Document("r", "Аспирин помог.", spans=[Span({"DrugName"}, [(0, 7)]),
                                                   Span({"ADR"}, [(8, 13)], status=REJECTED)])
    doc.assign_ids()
    [copy], losses = roundtrip([doc], tmp_path)
    assert [s.labels for s in copy.spans] == [{"DrugName"}]
    assert losses == ["rejected suggestions left out: 1"]


def test_names_are_sanitised_and_unique_and_conf_is_kept(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "annotation.conf").write_text("[entities]\nMine\n", encoding="utf-8")
    docs = [Document("../a b", "x"), Document("../a b", "y"), Document("", "z")]
    brat.write(docs, out)
    assert sorted(p.name for p in out.glob("*.txt")) == ["a_b-2.txt", "a_b.txt", "document.txt"]
    assert (out / "annotation.conf").read_text(encoding="utf-8") == "[entities]\nMine\n"


def test_text_mismatch_warns_and_unknown_labels_are_kept(tmp_path):
    folder = tmp_path / "c"
    write_pair(folder, "d", "Приём анальгина.", "T1\tDrug 6 14\tанальгин\nT2\tStrange 0 5\tПРИЁМ\n")
    (folder / "annotation.conf").write_text("[entities]\nDrug\n[attributes]\nNeg Arg:Drug\n", encoding="utf-8")
    result = brat.read(folder)
    assert any("T2 records 'ПРИЁМ'" in w for w in result.warnings)
    assert result.documents[0].labels() == {"Drug", "Strange"}
    assert {"Drug", "Strange"} <= set(result.schema.tag_names)


def test_broken_annotation_conf_warns_and_keeps_the_annotations(tmp_path):
    write_pair(tmp_path, "d", "Аспирин.", "T1\tDrug 0 7\tАспирин\n")
    (tmp_path / "annotation.conf").write_text("Drug\n[attributes]\nNeg\n", encoding="utf-8")
    with pytest.raises(FormatError, match="before any \\[section\\]"):
        brat.schema_from_annotation_conf(tmp_path / "annotation.conf")
    result = brat.read(tmp_path)
    assert result.schema is None and result.documents[0].labels() == {"Drug"}
    assert any("annotation.conf:1" in w for w in result.warnings)


def test_bom_offsets_counted_by_brat_are_aligned(tmp_path):
    text = "Нурофен помог."
    write_pair(tmp_path, "bom", b"\xef\xbb\xbf" + text.encode(), "T1\tDrugName 1 8\tНурофен\n")
    write_pair(tmp_path, "nobom", b"\xef\xbb\xbf" + text.encode(), "T1\tDrugName 0 7\tНурофен\n")
    for name in ("bom", "nobom"):
        result = brat.read(tmp_path / f"{name}.ann")
        assert result.documents[0].spans[0].fragments == [(0, 7)] and not result.warnings


def test_cp1251_files_are_decoded(tmp_path):
    text = "Пил парацетамол, голова прошла."
    ann = "T1\tDrugName 4 15\tпарацетамол\n#1\tAnnotatorNotes T1\tжаропонижающее\n"
    path = write_pair(tmp_path, "cp", text.encode("cp1251"), ann.encode("cp1251"))
    [doc] = brat.read(path).documents
    assert doc.text == text and doc.spans[0].attrs == {"note": "жаропонижающее"}


@pytest.mark.parametrize("ann, message, line", [
    ("T1\tDrug 0 5\tНуроф\nT2\tDrug 10 99\tx\n", "outside the text", 2),
    ("T1\tDrug 5 2\tx\n", "offsets 5-2 are reversed: the end is before the start", 1),
    ("T1\tDrug 0 5 Нуроф\n", "expected 'Type start end", 1),
    ("T1\tDrug 0 4;2 6\tx\n", "overlap", 1),
    ("T1 Drug 0 5\tНуроф\n", "expected an annotation id", 1),
    ("T1\tDrug 0 5\tНуроф\nA1\tNegated T9\n", "T9, which is not defined", 2),
    ("T1\tDrug 0 5\tНуроф\nR1\tRel Arg1:T1\n", "Arg1:ID Arg2:ID", 2),
    ("T1\tDrug 0 5\tНуроф\nT1\tDrug 0 5\tНуроф\n", "used twice", 2),
    ("X1\tDrug 0 5\n", "unknown annotation type", 1),
    # every kind of reference to an id that is missing, or that may not stand there
    ("T1\tDrug 0 5\tНуроф\nR1\tRel Arg1:T1 Arg2:T9\n", "R1 refers to T9, which is not defined", 2),
    ("T1\tDrug 0 5\tНуроф\nR1\tRel Arg1:T1 Arg2:T1\nR2\tRel Arg1:T1 Arg2:R1\n",
     "R2 refers to R1, which cannot be used there", 3),
    ("T1\tDrug 0 5\tНуроф\nE1\tTake:T9\n", "E1 trigger refers to T9, which is not defined", 2),
    ("T1\tDrug 0 5\tНуроф\nE1\tTake:T1 Theme:T7\n", "E1 refers to T7, which is not defined", 2),
    ("T1\tDrug 0 5\tНуроф\nA1\tNegated T1\nM2\tNegated A1\n", "M2 refers to A1, which is not defined", 3),
    ("T1\tDrug 0 5\tНуроф\n#1\tAnnotatorNotes T2\tx\n", "#1 refers to T2, which is not defined", 2),
    ("T1\tDrug 0 5\tНуроф\nN1\tReference T3 Wiki:1\tx\n", "N1 refers to T3, which is not defined", 2),
    ("T1\tDrug 0 5\tНуроф\nR1\tRel Arg1:T1 Arg2:T1\n*\tEquiv T1 R1\n",
     "* Equiv refers to R1, which cannot be used there", 3),
    ("T1\tDrug 0 5\tНуроф\r\n\r\n  \r\nA1\tNegated T5\r\n", "A1 refers to T5, which is not defined", 4),
])
def test_bad_ann_files_are_refused_with_the_line(tmp_path, ann, message, line):
    path = write_pair(tmp_path, "bad", "Нурофен помог.", ann)
    with pytest.raises(FormatError) as info:
        brat.read(path)
    assert message in info.value.message and info.value.line == line and info.value.path == str(path)


def test_binary_garbage_is_refused(tmp_path):
    path = write_pair(tmp_path, "bin", "Текст.", bytes(range(256)) * 4)
    with pytest.raises(FormatError, match="binary"):
        brat.read(path)
    with pytest.raises(FormatError, match="no txt.txt beside it"):
        brat.read(tmp_path / "txt.ann")


def test_zero_width_text_bound_annotations_go_with_the_lines_that_refer_to_them(tmp_path):
    """brat allows equal offsets; the document model has no empty span: as the WebAnno and XMI
    readers do, the span goes with a warning, and so does every line that refers to it, while
    the rest of the document stays."""
    text = "Нурофен помог, голова прошла."
    ann = ("T1\tDrug 0 7\tНурофен\nT2\tADR 8 8\t\nT3\tADR 15 21;21 21\tголова \n"
           "T4\tADR 22 28\tпрошла\n"
           "A1\tNegated T2\nA2\tNegated T1\n#1\tAnnotatorNotes T2\tпусто\nN1\tReference T2 MedDRA:1\tx\n"
           "R1\tCause Arg1:T1 Arg2:T2\nA3\tCertain R1\nR2\tCause Arg1:T1 Arg2:T4\n"
           "E1\tHarm:T2 Theme:T1\nE2\tHarm:T4 Theme:T1 Cause:T2\n"
           "*\tCoreference T1 T2\n*\tCoreference T1 T4 T2\n")
    path = write_pair(tmp_path, "zero", text, ann)
    result = brat.read(path)
    [doc] = result.documents
    assert [(sorted(s.labels), s.fragments, s.attrs) for s in doc.spans] == [
        (["Drug"], [(0, 7)], {"Negated": ""}), (["ADR"], [(15, 21)], {}),
        (["ADR"], [(22, 28)], {"event:E2": "Harm"})]
    assert [(r.label, r.attrs) for r in doc.relations] == [("Theme", {"brat:event": "E2"}), ("Cause", {})]
    assert [[m.fragments for m in c.mentions] for c in doc.chains] == [[[(0, 7)], [(22, 28)]]]
    ann_path = path.with_suffix(".ann")
    assert f"{ann_path}: zero-width text-bound annotation(s) T2 dropped, with the lines that refer to them" \
        in result.warnings
    assert f"{ann_path}: zero-width fragment(s) of T3 dropped" in result.warnings


def test_a_txt_without_ann_is_a_document_not_annotated_yet(tmp_path):
    """brat lists a collection by its .txt files: one that has no .ann yet is a document with no
    annotations, in its place in path order; an .ann with no .txt is still skipped and said."""
    write_pair(tmp_path, "a", "Нурофен помог.", "T1\tDrugName 0 7\tНурофен\n")
    (tmp_path / "b.txt").write_text("Голова болит.", encoding="utf-8")
    (tmp_path / "c.ann").write_text("", encoding="utf-8")
    result = brat.read(tmp_path)
    assert [(d.name, d.text, len(d.spans)) for d in result.documents] == [
        ("a", "Нурофен помог.", 1), ("b", "Голова болит.", 0)]
    assert result.warnings == [f"{tmp_path / 'c'}.ann: no c.txt beside it; skipped"]
    [doc] = brat.read(tmp_path / "b.txt").documents
    assert doc.text == "Голова болит." and not doc.spans


def test_sniff(tmp_path):
    path = write_pair(tmp_path / "f", "d", "Текст.", "")
    (tmp_path / "plain.txt").write_text("Текст.", encoding="utf-8")
    assert brat.sniff(tmp_path / "f") and brat.sniff(path) and brat.sniff(path.with_suffix(".txt"))
    assert not brat.sniff(tmp_path / "plain.txt")
    assert not brat.sniff(tmp_path / "f" / "missing")


def test_stacked_discontinuous_t_lines_fold_whatever_their_fragment_order(tmp_path):
    path = write_pair(tmp_path, "order", "Нурофен не помог, голова болит.",
                      "T1\tADR 18 24;0 7\tголова Нурофен\nT2\tNote 0 7;18 24\tНурофен голова\n")
    [doc] = brat.read(path).documents
    assert [(sorted(s.labels), s.fragments) for s in doc.spans] == [(["ADR", "Note"], [(0, 7), (18, 24)])]


def test_two_t_lines_of_one_type_on_one_place_stay_two_spans_with_their_own_relations(tmp_path):
    """brat allows the same type twice on the same text; folding them lost one and moved its
    relation onto the other."""
    ann = ("T1\tADR 0 7\tНурофен\nT2\tADR 0 7\tНурофен\nT3\tNote 0 7\tНурофен\n"
           "T4\tDrugname 18 24\tголова\nR1\tcause Arg1:T2 Arg2:T4\n")
    path = write_pair(tmp_path, "twice", "Нурофен не помог, голова болит.", ann)
    [doc] = brat.read(path).documents
    assert sorted(sorted(s.labels) for s in doc.spans if s.start == 0) == [["ADR"], ["ADR", "Note"]]
    [rel] = doc.relations
    assert doc.span_by_id(rel.head).labels == {"ADR"} and doc.span_by_id(rel.head).start == 0
    back, _ = roundtrip([doc], tmp_path / "out")
    assert sorted(identity(d) for d in back) == sorted(identity(d) for d in [doc])



def test_t_lines_on_one_place_whose_attributes_or_relations_are_their_own_stay_apart(tmp_path):
    """brat allows a Protein and an Entity on the same word, a Negation on one, a note on the
    other, an event argument on one and a relation on the other. Folded into one span, the
    writer put the Negation and the note on both lines and the argument on the Entity."""
    ann = ("T1\tProtein 0 4\tCD45\nA1\tNegation T1\nT2\tEntity 0 4\tCD45\n#1\tAnnotatorNotes T2\tonly on the Entity\n"
           "T3\tProtein 11 17\tZAP-70\nT4\tBinding 5 10\tbinds\nE1\tBinding:T4 Theme:T1 Theme2:T3\n"
           "R1\tRel Arg1:T2 Arg2:T3\n")
    path = write_pair(tmp_path, "bind", "CD45 binds ZAP-70.", ann)
    [doc] = brat.read(path).documents
    at_cd45 = {next(iter(s.labels)): s for s in doc.spans if s.start == 0}
    assert at_cd45["Protein"].attrs == {"Negation": ""} and at_cd45["Entity"].attrs == {"note": "only on the Entity"}
    theme = next(r for r in doc.relations if r.label == "Theme")
    rel = next(r for r in doc.relations if r.label == "Rel")
    assert doc.span_by_id(theme.tail) is at_cd45["Protein"] and doc.span_by_id(rel.head) is at_cd45["Entity"]
    back, _ = roundtrip([doc], tmp_path)
    assert sorted(identity(d) for d in back) == sorted(identity(d) for d in [doc])
    written = [line.split("\t") for line in (tmp_path / "out" / "bind.ann").read_text(encoding="utf-8").splitlines()]
    tid = {body.split()[0]: ident for ident, body, *_ in written if ident[0] == "T" and body.endswith(" 0 4")}
    assert [body for ident, body, *_ in written if ident[0] == "A"] == [f"Negation {tid['Protein']}"]
    assert [body for ident, body, *_ in written if ident[0] == "#"] == [f"AnnotatorNotes {tid['Entity']}"]
    assert any(ident[0] == "E" and f"Theme:{tid['Protein']}" in body for ident, body, *_ in written)


def test_t_lines_on_one_place_still_fold_where_the_writer_gives_them_back(tmp_path):
    """An RDRS drug written as a DrugName and a DrugBrand line, its ATC code on the DrugName line
    only (the code belongs to that tag), its MedFrom and a relation on the first: one span."""
    ann = ("T1\tDrugBrand 0 7\tНурофен\nA1\tMedFrom T1 Foreign\nT2\tDrugName 0 7\tНурофен\n"
           "A2\tMedFrom T2 Foreign\nA3\tATC T2 M01AE01\nT3\tADR 18 24\tголова\nR1\tcause Arg1:T1 Arg2:T3\n")
    [doc] = brat.read(write_pair(tmp_path, "drug", "Нурофен не помог, голова болит.", ann)).documents
    drug = next(s for s in doc.spans if s.start == 0)
    assert drug.labels == {"DrugBrand", "DrugName"} and drug.attrs == {"MedFrom": "Foreign", "ATC": "M01AE01"}
    assert len(doc.spans) == 2 and doc.span_by_id(doc.relations[0].head) is drug


def test_a_folder_is_read_in_path_order_with_paths_written_as_given(tmp_path, monkeypatch):
    for name in ["b", "a/x", "a-b/y", "a/b/z", "a/b/y", "c/x"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        write_pair((tmp_path / name).parent, Path(name).name, "Нурофен", "T1\tDrugName 0 7\tНурофен\n")
    (tmp_path / "a" / "lonely.ann").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = brat.read(".")
    # Folder by folder as Path orders them ("a/x" before "a-b/y", though "-" sorts before "/");
    # a stem found twice is named by its path.
    assert [d.name for d in result.documents] == ["a/b/y", "z", "a/x", "a-b/y", "b", "c/x"]
    assert result.warnings == ["a/lonely.ann: no lonely.txt beside it; skipped"]
    with pytest.raises(FormatError, match=r"^a/b/z\.ann:1: "):
        (tmp_path / "a/b/z.ann").write_text("T1\tDrugName 0\n", encoding="utf-8")
        brat.read(".")
