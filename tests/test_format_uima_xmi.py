"""UIMA CAS XMI import via dkpro-cassis: real XMI files, INCEpTION's TSV suite read both ways, and a
CAS with chains and relations built by cassis itself."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rdrs_gui.core.errors import FormatError
from rdrs_gui.core import formats
from rdrs_gui.core.formats import uima_xmi, webanno_tsv3

cassis = pytest.importorskip("cassis")

NE = "de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity"
LINK = "de.tudarmstadt.ukp.dkpro.core.api.coref.type.CoreferenceLink"
# Suite cases whose reference.xmi uses the same types as their reference.tsv (in the others the
# XMI predates a rename in INCEpTION's test), so both exports must import to the same document.
SAME_TYPES = ["testComplexSlotFeatureWithoutValues", "testMultiTokenSlotFeature",
              "testSimpleSameRoleSlotFeature", "testZeroLengthSlotFeature2"]


def keys(doc):
    by_id = {s.id: s.key() for s in doc.spans}
    return (sorted(s.key() for s in doc.spans), sorted(c.key() for c in doc.chains),
            sorted((r.label, by_id[r.head], by_id[r.tail], tuple(sorted(r.attrs.items())))
                   for r in doc.relations))


@pytest.mark.parametrize("case", SAME_TYPES)
def test_xmi_and_tsv_exports_import_alike(case: str, shared_data: Path, tmp_path: Path):
    folder = shared_data / "formats" / "webanno_tsv3" / "tsv3-suite" / case
    shutil.copy(folder / "reference.xmi", tmp_path / "reference.xmi")
    shutil.copy(shared_data / "formats" / "uima_xmi" / "typesystems" / "webanno_types.xml",
                tmp_path / "TypeSystem.xml")
    assert uima_xmi.sniff(tmp_path / "reference.xmi") and uima_xmi.sniff(tmp_path)
    from_xmi = uima_xmi.read(tmp_path).documents[0]
    from_tsv = webanno_tsv3.read(folder / "reference.tsv").documents[0]
    assert from_xmi.text == from_tsv.text
    assert keys(from_xmi) == keys(from_tsv)
    assert from_xmi.relations  # slot links came through


def test_inception_export_with_emoji(shared_data: Path, tmp_path: Path):
    base = shared_data / "formats" / "uima_xmi"
    shutil.copy(base / "xmi" / "cas_with_smileys.xmi", tmp_path / "doc.xmi")
    shutil.copy(base / "typesystems" / "inception_typesystem.xml", tmp_path / "TypeSystem.xml")
    doc = uima_xmi.read(tmp_path / "doc.xmi").documents[0]
    assert doc.problems() == []
    found = [(s.covered_text(doc.text), sorted(s.labels), s.attrs) for s in doc.spans]
    assert len(found) == 5  # named entities only: tokens, sentences and metadata are structure
    assert found[0] == ("Transformers", ["OTH"], {})
    assert ("TensorFlow", ["OTH"], {}) in found


def test_offsets_are_code_points(shared_data: Path):
    folder = (shared_data / "formats" / "uima_xmi" / "json" / "fs_as_array" / "ser-ref"
              / "casWithEmojiUnicodeTextAndAnnotations")
    doc = uima_xmi.read(folder / "debug.xmi").documents[0]  # debug-typesystem.xml lies next to it
    covered = [s.covered_text(doc.text) for s in doc.spans]
    assert covered[:3] == ["🥳", "This", "👳🏻\u200d♀️"] and covered[-1] == "👻"
    assert doc.spans[0].attrs == {"layer": "uima.tcas.Annotation"}


def test_cas_built_by_cassis_with_chain_and_relation(tmp_path: Path):
    ts = cassis.TypeSystem()
    ne = ts.create_type(NE)
    ts.create_feature(ne, "value", "uima.cas.String")
    ts.create_feature(ne, "identifier", "uima.cas.String")
    rel = ts.create_type("webanno.custom.Relation")
    ts.create_feature(rel, "Governor", ne)
    ts.create_feature(rel, "Dependent", ne)
    ts.create_feature(rel, "value", "uima.cas.String")
    link = ts.create_type(LINK)
    ts.create_feature(link, "next", link)
    ts.create_feature(link, "referenceType", "uima.cas.String")
    ts.create_feature(link, "referenceRelation", "uima.cas.String")
    chain = ts.create_type("de.tudarmstadt.ukp.dkpro.core.api.coref.type.CoreferenceChain",
                           supertypeName="uima.cas.AnnotationBase")
    ts.create_feature(chain, "first", link)
    cas = cassis.Cas(typesystem=ts)
    cas.sofa_string = "😀 Нурофен помог, но от него 🤢 тошнило."
    text = cas.sofa_string
    drug = ne(begin=2, end=9, value="DrugName", identifier="M01AE01")
    brand = ne(begin=2, end=9, value="DrugBrand")
    adr = ne(begin=text.index("тошнило"), end=text.index("тошнило") + 7, value="ADR")
    pronoun = link(begin=text.index("него"), end=text.index("него") + 4, referenceType="PRO")
    first = link(begin=2, end=9, referenceType="PRO", next=pronoun)
    cas.add_all([drug, brand, adr, first, pronoun, chain(first=first),
                 rel(begin=adr.begin, end=adr.end, Governor=drug, Dependent=adr, value="causes")])
    cas.to_xmi(tmp_path / "doc.xmi")
    ts.to_xml(tmp_path / "doc-typesystem.xml")
    (tmp_path / "other-typesystem.xml").write_text("not used", encoding="utf-8")

    doc = uima_xmi.read(tmp_path / "doc.xmi").documents[0]
    assert doc.text == text
    by_text = {s.covered_text(text): s for s in doc.spans}
    assert by_text["Нурофен"].labels == {"DrugName", "DrugBrand"}  # stacked entities fold
    assert by_text["Нурофен"].attrs == {"identifier": "M01AE01"}
    assert [(c.label, [m.fragments for m in c.mentions]) for c in doc.chains] == \
        [("PRO", [[(2, 9)], [(text.index("него"), text.index("него") + 4)]])]
    (relation,) = doc.relations
    assert relation.label == "causes" and doc.span_by_id(relation.head) is by_text["Нурофен"]
    assert doc.span_by_id(relation.tail) is by_text["тошнило"]


def test_missing_or_ambiguous_type_system(tmp_path: Path):
    (tmp_path / "doc.xmi").write_text('<xmi:XMI xmlns:xmi="http://www.omg.org/XMI"/>', encoding="utf-8")
    with pytest.raises(FormatError, match="no type system"):
        uima_xmi.read(tmp_path / "doc.xmi")
    for name in ("a-typesystem.xml", "b-typesystem.xml"):
        (tmp_path / name).write_text("<typeSystemDescription/>", encoding="utf-8")
    with pytest.raises(FormatError, match="several type systems"):
        uima_xmi.read(tmp_path / "doc.xmi")


def test_broken_xmi_is_a_format_error(shared_data: Path, tmp_path: Path):
    shutil.copy(shared_data / "formats" / "uima_xmi" / "typesystems" / "small_typesystem.xml",
                tmp_path / "TypeSystem.xml")
    (tmp_path / "doc.xmi").write_text('<?xml version="1.0"?>\n<xmi:XMI xmlns:xmi="http://www.omg.org/XMI">\n<oops',
                                      encoding="utf-8")
    with pytest.raises(FormatError) as err:
        uima_xmi.read(tmp_path / "doc.xmi")
    assert "doc.xmi" in str(err.value)


def emoji_cas(folder: Path, begin: int | None = None) -> Path:
    """A one-entity CAS on a text with an emoji, written by cassis; ``begin`` replaces the
    entity's begin offset in the XMI (UTF-16 units, as UIMA counts)."""
    ts = cassis.TypeSystem()
    ne = ts.create_type(NE)
    ts.create_feature(ne, "value", "uima.cas.String")
    cas = cassis.Cas(typesystem=ts)
    cas.sofa_string = "Привет 😊 Иван"
    cas.add(ne(begin=9, end=13, value="PER"))      # "Иван" (code points)
    folder.mkdir(exist_ok=True)
    xmi = folder / "doc.xmi"
    cas.to_xmi(xmi)
    ts.to_xml(folder / "TypeSystem.xml")
    if begin is not None:
        content = xmi.read_text(encoding="utf-8")
        assert content.count('begin="10"') == 1      # "Иван" begins at UTF-16 unit 10 (the emoji takes two)
        xmi.write_text(content.replace('begin="10"', f'begin="{begin}"'), encoding="utf-8")
    return xmi


def test_an_offset_inside_an_emoji_refuses_the_file(tmp_path: Path, recwarn):
    doc = uima_xmi.read(emoji_cas(tmp_path / "good")).documents[0]
    assert [s.covered_text(doc.text) for s in doc.spans] == ["Иван"]
    with pytest.raises(FormatError, match="UTF-16 offset 8, which is inside a character"):
        uima_xmi.read(emoji_cas(tmp_path / "split", begin=8))    # between the emoji's two halves
    assert not recwarn.list        # nothing printed to the terminal by cassis either


def test_a_folder_with_one_bad_file_is_refused_or_read_without_it(tmp_path: Path, monkeypatch):
    folder = emoji_cas(tmp_path / "folder").parent
    (folder / "doc.xmi").rename(folder / "a.xmi")
    shutil.copy(folder / "a.xmi", folder / "c.xmi")
    (folder / "b.xmi").write_text("not xml at all", encoding="utf-8")
    with pytest.raises(FormatError, match="b.xmi:1: not readable as UIMA XMI"):
        formats.read(folder, "xmi")
    loads = []
    load_typesystem = cassis.load_typesystem
    monkeypatch.setattr(cassis, "load_typesystem", lambda fh: loads.append(fh.name) or load_typesystem(fh))
    result = formats.read(folder, "xmi", on_error="skip")
    assert [d.name for d in result.documents] == ["a", "c"]
    assert len(result.skipped) == 1 and "b.xmi:1:" in result.skipped[0]
    assert loads == [str(folder / "TypeSystem.xml")]     # once for the folder, not once per file


def test_empty_textless_and_sofa_less_files_are_refused_clearly(shared_data: Path, tmp_path: Path):
    folder = emoji_cas(tmp_path / "empty").parent
    (folder / "doc.xmi").write_bytes(b"")
    with pytest.raises(FormatError, match="doc.xmi: the file is empty$"):
        uima_xmi.read(folder / "doc.xmi")
    cases = shared_data / "formats" / "uima_xmi" / "json" / "fs_as_array" / "ser-ref"
    for case in ("casWithSofaDataURI", "casWithoutTextButWithAnnotations"):   # text by URI; no text at all
        with pytest.raises(FormatError, match="the CAS holds no document text"):
            uima_xmi.read(cases / case / "debug.xmi")
    with pytest.raises(FormatError, match="not a complete UIMA CAS: a view without its Sofa"):   # a view without a Sofa
        uima_xmi.read(cases / "casWithFloatingPointSpecialValues" / "debug.xmi")


def test_features_named_like_python_reserved_words_import_without_warnings(shared_data: Path, tmp_path: Path,
                                                                           recwarn):
    shutil.copy(shared_data / "formats" / "uima_xmi" / "xmi" / "cas_with_reserved_names.xmi", tmp_path / "doc.xmi")
    (tmp_path / "TypeSystem.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<typeSystemDescription xmlns="http://uima.apache.org/resourceSpecifier"><types><typeDescription>'
        '<name>test.type</name><supertypeName>uima.tcas.Annotation</supertypeName><features>'
        '<featureDescription><name>self</name><rangeTypeName>uima.tcas.Annotation</rangeTypeName></featureDescription>'
        '<featureDescription><name>type</name><rangeTypeName>uima.tcas.Annotation</rangeTypeName></featureDescription>'
        '</features></typeDescription></types></typeSystemDescription>', encoding="utf-8")
    result = uima_xmi.read(tmp_path / "doc.xmi")
    assert result.documents[0].text.startswith("Joe waited for the train")
    assert not recwarn.list
