"""WebAnno TSV 3.3: INCEpTION's own test suite checked against its XMI via dkpro-cassis, real files,
a synthetic Russian document that round-trips exactly, and malformed input."""
from __future__ import annotations

import copy
import random
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import SHARED_DATA
from rdrs_gui.core.document import Chain, Document, Mention, Relation, Span
from rdrs_gui.core.errors import FormatError
from rdrs_gui.core import formats
from rdrs_gui.core.formats import _tsv3_syntax as syn
from rdrs_gui.core.formats import webanno_tsv3 as tsv3
from rdrs_gui.core.formats._tsv3_write import serialize
from rdrs_gui.core.formats._tsv3_syntax import (DEFAULT_RELATION_LAYER, DEFAULT_SPAN_LAYER,
                                                RESERVED_ATTRS, parse_layer)

SUITE = SHARED_DATA / "formats" / "webanno_tsv3" / "tsv3-suite"
VENDORED = Path(__file__).parent / "data" / "inception_tsv3_suite"  # the cases ../shared lacks
SUITE_CASES = sorted([p for p in VENDORED.iterdir() if p.is_dir()]
                     + ([p for p in SUITE.iterdir() if p.is_dir()] if SUITE.is_dir() else []),
                     key=lambda p: p.name)
# Cases whose reference.tsv we do not reproduce byte for byte, and why; every other case's we do.
ZERO_WIDTH = "zero-width annotations are dropped (the document model has no empty spans)"
NOT_BYTE_EXACT = {
    "sampleSlotAnnotation1": "the [N] disambiguation ids are numbered in another order",
    "testStackedChain": "chains are sets of mentions: a chain written in reverse comes back in text order",
    "testMultiTokenStackedSpanWithFeatureValue": "a span's labels are a set, written in sorted order",
    "testSubTokenRelation": "sub-tokens are written in text order",
    **{case: ZERO_WIDTH for case in (
        "testStackedSubMultiTokenSpanWithFeatureValue", "testSubMultiTokenSpanWithFeatureValue",
        "testSubtokenChain", "testZeroLengthSlotFeature1", "testZeroLengthSlotFeature2",
        "testZeroLengthSpanBetweenAdjacentTokens", "testZeroLengthSpansWithFeatureValues",
        "testZeroLengthSpansWithoutFeatureValues", "testZeroLengthSpansWithoutFeatures",
        "testZeroLengthStackedSpansWithoutFeatures",
        "testZeroWidthAnnotationBeforeFirstTokenIsMovedToBeginOfFirstToken",
        "testZeroWidthAnnotationBeyondLastTokenIsMovedToEndOfLastToken")},
}
# The sample's reference.xmi files come from an older INCEpTION test that used NamedEntity where
# the TSV has webanno.custom.Span, and ComplexRelation.intValue where the TSV has integerValue.
FEATURE_RENAMES = {"intValue": "integerValue"}
SKIP_TYPES = ("Token", "Sentence", "DocumentMetaData")


# --- helpers ------------------------------------------------------------------------------------

def span_keys(doc: Document) -> list[tuple]:
    return sorted(s.key() for s in doc.spans)


def chain_keys(doc: Document) -> list[tuple]:
    return sorted(c.key() for c in doc.chains)


def relation_keys(doc: Document) -> list[tuple]:
    by_id = {s.id: s.key() for s in doc.spans}
    return sorted((r.label, by_id[r.head], by_id[r.tail], tuple(sorted(r.attrs.items())))
                  for r in doc.relations)


def round_trip(doc: Document, tmp_path: Path) -> tuple[Document, str]:
    out = tmp_path / "out"
    tsv3.write([doc], out)
    files = list(out.rglob("*.tsv"))
    assert len(files) == 1
    result = tsv3.read(files[0])
    return result.documents[0], files[0].read_text(encoding="utf-8")


def assert_same(a: Document, b: Document) -> None:
    assert b.text == a.text
    assert span_keys(b) == span_keys(a)
    assert chain_keys(b) == chain_keys(a)
    assert relation_keys(b) == relation_keys(a)
    assert b.problems() == []


def load_xmi(case: Path):
    """The case's reference.xmi; features the type system lacks are added as strings first."""
    cassis = pytest.importorskip("cassis")
    ts_file = case / "typesystem.xml"
    if not ts_file.exists():
        ts_file = SHARED_DATA / "formats" / "uima_xmi" / "typesystems" / "webanno_types.xml"
    if not ts_file.exists():
        pytest.skip(f"no type system for {case.name}'s reference.xmi ({ts_file} is absent)")
    with ts_file.open("rb") as fh:
        ts = cassis.load_typesystem(fh)
    root = ET.parse(case / "reference.xmi").getroot()
    for el in root:
        ns, _, local = el.tag[1:].partition("}")
        if not ns.startswith("http:///") or ns.endswith("cas.ecore") or "xmi" in ns:
            continue
        name = ns[len("http:///"):-len(".ecore")].replace("/", ".") + "." + local
        if not ts.contains_type(name):
            continue
        t = ts.get_type(name)
        for attr in el.attrib:
            if "}" not in attr and attr not in ("sofa", "begin", "end") and t.get_feature(attr) is None:
                ts.create_feature(t, attr, "uima.cas.String")
    with (case / "reference.xmi").open("rb") as fh:
        return cassis.load_cas_from_xmi(fh, typesystem=ts)


def primitive_features(fs) -> dict[str, str]:
    out = {}
    for feat in fs.type.all_features:
        if feat.name in ("begin", "end", "sofa"):
            continue
        value = fs.get(feat.name)
        if isinstance(value, bool):
            value = str(value).lower()
        if isinstance(value, (str, int, float)):
            out[FEATURE_RENAMES.get(feat.name, feat.name)] = str(value)
    return out


def _order(item: object) -> str:
    """A sort key that does not depend on set iteration order (hash seeds differ per run)."""
    if isinstance(item, (tuple, list)):
        return "(" + ",".join(_order(x) for x in item) + ")"
    if isinstance(item, frozenset):
        return "{" + ",".join(sorted(_order(x) for x in item)) + "}"
    return repr(item)


def expected_from_xmi(cas, header: dict) -> tuple[list, list, list, int]:
    """Spans, relations and slot links of a reference.xmi, in the tuples ``actual_from_doc`` makes."""
    kinds = {"span": [n for n, lay in header.items() if lay.kind == "span"],
             "relation": [n for n, lay in header.items() if lay.kind == "relation"]}

    def layer_of(fs, kind):
        if fs.type.name in header or fs.type.name.endswith(".Token"):
            return fs.type.name
        assert len(kinds[kind]) == 1, f"cannot map {fs.type.name} onto the TSV header"
        return kinds[kind][0]

    spans, relations, links, zero = [], [], [], 0
    for fs in cas.select_all_annotations() if hasattr(cas, "select_all_annotations") else cas.select_all():
        if fs.type.name.rsplit(".", 1)[-1] in SKIP_TYPES or not hasattr(fs, "begin"):
            continue
        if fs.type.get_feature("Governor") is not None:
            gov, dep = fs.get("Governor"), fs.get("Dependent")
            relations.append((layer_of(fs, "relation"), (gov.begin, gov.end), (dep.begin, dep.end),
                              frozenset(primitive_features(fs).items())))
            continue
        if fs.begin == fs.end:
            zero += 1
            continue
        if fs.type.get_feature("referenceType") is not None:
            continue  # a chain link: see chains_from_xmi
        begin, end = _trimmed(cas.sofa_string, fs.begin, fs.end)
        spans.append((layer_of(fs, "span"), begin, end, frozenset(primitive_features(fs).items())))
        for feat in fs.type.all_features:
            value = fs.get(feat.name)
            if feat.name in ("begin", "end", "sofa") or not hasattr(value, "elements"):
                continue
            for link in value.elements:
                target = link.get("target")
                if target.begin < target.end:
                    links.append(((fs.begin, fs.end), feat.name, link.get("role"),
                                  (target.begin, target.end)))
    return sorted(spans, key=_order), sorted(relations, key=_order), sorted(links, key=_order), zero


def _trimmed(text: str, begin: int, end: int) -> tuple[int, int]:
    """An annotation's offsets without the whitespace at its edges: TSV rows are tokens, so
    INCEpTION writes such an annotation on the tokens it covers."""
    while begin < end and text[begin].isspace():
        begin += 1
    while end > begin and text[end - 1].isspace():
        end -= 1
    return begin, end


def chains_from_xmi(cas) -> list[list[tuple[int, int]]]:
    """Each chain of reference.xmi (a chain type's ``first`` link, then ``next``) as its
    non-empty mentions in text order, the chains sorted."""
    chains = []
    for fs in cas.select_all_fs():
        if fs.type.get_feature("first") is None:
            continue
        mentions, link = [], fs.get("first")
        while link is not None:
            if link.begin < link.end:
                mentions.append((link.begin, link.end))
            link = link.get("next")
        if len(mentions) > 1:
            chains.append(sorted(mentions))
    return sorted(chains)


def chains_of(doc: Document) -> list[list[tuple[int, int]]]:
    return sorted(sorted(m.fragments[0] for m in chain.mentions) for chain in doc.chains)


def actual_from_doc(doc: Document, header: dict) -> tuple[list, list, list]:
    def features(layer_name, label, attrs):
        out = {k: v for k, v in attrs.items() if k not in RESERVED_ATTRS}
        label_feature = header[layer_name].label_feature if layer_name in header else None
        if label_feature and "unset" not in attrs:
            out[label_feature] = label
        return frozenset(out.items())

    by_id = {s.id: s for s in doc.spans}
    spans = [(s.attrs.get("layer", DEFAULT_SPAN_LAYER), s.start, s.end,
              features(s.attrs.get("layer", DEFAULT_SPAN_LAYER), label, s.attrs))
             for s in doc.spans for label in s.labels if not s.attrs.get("layer", "").endswith(".Token")]
    relations, links = [], []
    for r in doc.relations:
        head, tail = by_id[r.head], by_id[r.tail]
        if "slot" in r.attrs:
            links.append(((head.start, head.end), r.attrs["slot"], r.label or None, (tail.start, tail.end)))
        else:
            layer = r.attrs.get("layer", DEFAULT_RELATION_LAYER)
            relations.append((layer, (head.start, head.end), (tail.start, tail.end),
                              features(layer, r.label, r.attrs)))
    return sorted(spans, key=_order), sorted(relations, key=_order), sorted(links, key=_order)


# --- INCEpTION's test suite -----------------------------------------------------------------------

@pytest.mark.parametrize("folder", SUITE_CASES, ids=lambda p: p.name)
def test_suite_case_matches_xmi_and_round_trips(folder: Path, tmp_path: Path):
    result = tsv3.read(folder / "reference.tsv")
    doc = result.documents[0]
    assert doc.problems() == []
    header = {lay.name: lay for lay in (parse_layer(line, "h", None)
                                        for line in doc.meta["webanno_tsv3"]["header"])}
    if (folder / "reference.xmi").exists():
        cas = load_xmi(folder)
        spans, relations, links, zero = expected_from_xmi(cas, header)
        assert doc.text == cas.sofa_string.rstrip()  # a TSV keeps no whitespace after its last sentence
        assert actual_from_doc(doc, header) == (spans, relations, links)
        assert chains_of(doc) == chains_from_xmi(cas)
        assert (zero > 0) == any("zero-width" in w for w in result.warnings)
    again, written = round_trip(doc, tmp_path)
    assert_same(doc, again)
    if folder.name not in NOT_BYTE_EXACT:
        assert written == (folder / "reference.tsv").read_text(encoding="utf-8")


def test_suite_is_present():
    assert len(SUITE_CASES) >= 61
    assert set(NOT_BYTE_EXACT) <= {p.name for p in SUITE_CASES} | {"sampleSlotAnnotation1"}


def test_identical_stacked_annotations_stay_two_spans_and_keep_their_relations(tmp_path: Path):
    """Two annotations of one layer with the same value on the same tokens are two annotations
    (INCEpTION stacks them with [1] and [2]); they used to fold into one span, silently."""
    folder = VENDORED / "testSingleStackedNonTokenRelationWithoutFeatureValue"
    doc = tsv3.read(folder / "reference.tsv").documents[0]
    assert sorted(s.start for s in doc.spans) == [0, 0, 15, 15]
    start_of = {s.id: s.start for s in doc.spans}
    assert [(start_of[r.head], start_of[r.tail]) for r in doc.relations] == [(0, 15)]
    _, written = round_trip(doc, tmp_path)
    assert written == (folder / "reference.tsv").read_text(encoding="utf-8")


def test_slot_links_become_relations(shared_data: Path):
    doc = tsv3.read(SUITE / "testMultiTokenSlotFeature" / "reference.tsv").documents[0]
    by_id = {s.id: s for s in doc.spans}
    links = sorted((r.label, by_id[r.head].fragments, by_id[r.tail].fragments, r.attrs) for r in doc.relations)
    assert links == [("p1", [(0, 4)], [(5, 9)], {"slot": "links"}),
                     ("p2", [(0, 4)], [(10, 16)], {"slot": "links"})]


# --- real files ----------------------------------------------------------------------------------

def test_example2_pos_ner_and_dependencies(shared_data: Path, tmp_path: Path):
    doc = tsv3.read(shared_data / "formats" / "webanno_tsv3" / "example2.tsv").documents[0]
    assert doc.text.startswith("Ms. Haag plays Elianti .\nRolls-Royce Motor Cars Inc.")
    ner = {(s.covered_text(doc.text), tuple(sorted(s.labels))) for s in doc.spans if "layer" not in s.attrs}
    assert ("Ms. Haag", ("PER",)) in ner
    assert ("BELL INDUSTRIES Inc.", ("ORG",)) in ner and ("BELL", ("PER",)) in ner
    pos = [s for s in doc.spans if s.attrs.get("layer", "").endswith(".POS")]
    assert pos[0].labels == {"NNP"} and pos[0].covered_text(doc.text) == "Ms."
    by_id = {s.id: s for s in doc.spans}
    deps = {(r.label, by_id[r.head].covered_text(doc.text), by_id[r.tail].covered_text(doc.text))
            for r in doc.relations}
    assert ("SUBJ", "plays", "Ms.") in deps and ("ROOT", "plays", "plays") in deps
    again, _ = round_trip(doc, tmp_path)
    assert_same(doc, again)


def test_kafka_coreference_chains(shared_data: Path, tmp_path: Path):
    doc = tsv3.read(shared_data / "formats" / "webanno_tsv3" / "coref_kafka_de.tsv").documents[0]
    assert len(doc.chains) > 50
    grubach = next(c for c in doc.chains if doc.text[c.mentions[0].start:c.mentions[0].end] == "Frau Grubach")
    assert grubach.label == "CM" and len(grubach.mentions) > 5
    stacked = [c for c in doc.chains if any(m.start == 195 for m in c.mentions)]
    assert stacked and doc.text[195:222] == "Die Köchin der Frau Grubach"
    again, written = round_trip(doc, tmp_path)
    assert_same(doc, again)
    assert "COREFERENTIAL->" in written and "ANAPHORIC->" in written  # link relations kept


def test_real_rdrs_documents_round_trip(rdrs_json: Path, tmp_path: Path):
    """Discontinuous entities, attributes, coreference and context chains, relations: all kept."""
    docs = formats.read(rdrs_json, "rdrs-json").documents
    assert any(s.is_discontinuous for d in docs for s in d.spans) and any(d.relations for d in docs)
    tsv3.write(docs, tmp_path)
    back = {d.name: d for d in tsv3.read(tmp_path).documents}
    assert len(back) == len(docs)
    for doc in docs:
        assert_same(doc, back[doc.name])


def test_tsv2_is_refused_clearly(shared_data: Path):
    with pytest.raises(FormatError) as err:
        tsv3.read(shared_data / "formats" / "webanno_tsv3" / "tsv2_example.tsv")
    assert err.value.line == 1 and "TSV 3" in err.value.message


# --- a synthetic Russian document ------------------------------------------------------------------

TEXT = ("Пил 😀 Нурофен-форте по 2 таблетки в день.\n\nГолова прошла, но 🤢 тошнило [сильно] "
        "от него_*|\\ весь\tвечер.\n")


def at(fragment: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(fragment, start + 1)
    return start, start + len(fragment)


def synthetic() -> Document:
    nurofen = at("Нурофен-форте")
    spans = [
        Span({"DrugName", "DrugBrand"}, [nurofen], {"MedFrom": "Foreign", "ATC": "M01AE01"}, id="T1"),
        Span({"Dosage"}, [at("2 таблетки")], id="T2"),
        Span({"Frequency"}, [at("в день")], id="T3"),
        Span({"ADR"}, [at("тошнило"), at("[сильно]")], {"MedDRA": "Nausea|тошнота"}, id="T4"),
        Span({"Note"}, [(at("него")[0] + 1, at("него_*|")[1])], {"x": "a[1]|b_c->d;e*\\\t"}, id="T5"),
        Span({"Indication"}, [at("Голова прошла")], id="T6"),
        Span({"DrugForm"}, [(nurofen[0] + 8, nurofen[1])], {"layer": "webanno.custom.Form"}, id="T7"),
    ]
    chains = [Chain([Mention([nurofen]), Mention([at("него")])], "Coreference"),
              Chain([Mention([at("Голова")]), Mention([at("вечер")])], "Context")]
    relations = [Relation("causes", "T1", "T4", {"certainty": "high"}),
                 Relation("", "T1", "T2", {"slot": "dose"})]
    doc = Document("отзыв: 1/а", TEXT, spans=spans, chains=chains, relations=relations)
    doc.assign_ids()
    return doc


def test_synthetic_russian_document_round_trips_exactly(tmp_path: Path):
    doc = synthetic()
    assert doc.problems() == []
    again, written = round_trip(doc, tmp_path)
    assert_same(doc, again)
    # ':' is unsafe in file names; '/' makes a sub-folder, so reading the folder gives the name back
    assert [d.name for d in tsv3.read(tmp_path / "out").documents] == ["отзыв_ 1/а"]
    # Offsets in the file count UTF-16 code units: the emoji before "Нурофен-" counts twice.
    start, end = at("Нурофен-")  # the token razdel found, cut where DrugForm begins
    assert f"\t{start + 1}-{end + 1}\tНурофен-\t" in written
    assert "DrugBrand[" in written and "DrugName[" in written  # stacked labels, disambiguated
    assert "#T_SP=webanno.custom.Form|value" in written
    assert "#T_RL=webanno.custom.Relation|value|certainty|BT_de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity" in written
    assert "->1-1" in written and "Context[2]" in written  # the chains
    assert written.count("#Text=") >= 3


def test_edited_document_gets_sub_tokens_and_round_trips(tmp_path: Path):
    first, _ = round_trip(synthetic(), tmp_path / "a")
    start, end = at("таблетки")
    first.spans.append(Span({"DrugForm"}, [(start + 3, end - 2)], id="T99"))  # inside one token
    first.spans.append(Span({"Route"}, [(start + 1, at("в день")[1] - 1)], id="T98"))  # across tokens
    again, written = round_trip(first, tmp_path / "b")
    assert_same(first, again)
    sub_lines = [line for line in written.splitlines() if re.match(r"^\d+-\d+\.\d+\t", line)]
    assert len(sub_lines) >= 2 and all(line.split("\t")[2] for line in sub_lines)


def test_read_keeps_layers_and_tokens_for_a_faithful_rewrite(tmp_path: Path):
    first, written = round_trip(synthetic(), tmp_path / "a")
    _, rewritten = round_trip(first, tmp_path / "b")
    assert rewritten == written


def test_tokens_are_kept_as_offset_strings_and_the_older_pair_lists_still_write(tmp_path: Path):
    """A document's tokens are kept as "0-6 7-15 ..." a sentence; a document stored before that
    (lists of [begin, end]) writes the same file, and kept tokens that make no sense are
    dropped for razdel's instead of breaking the export."""
    text = "Болит 👍🏻 голова. Аспирин помог."
    drug = text.index("Аспирин")
    emoji = Document("e", text, spans=[Span({"ADR"}, [(0, 5)], id="T1"),
                                       Span({"DrugName"}, [(drug, drug + 7)], id="T2")])
    for doc in (synthetic(), emoji):
        first, written = round_trip(doc, tmp_path / doc.name / "a")
        kept = first.meta["webanno_tsv3"]["sentences"]
        assert kept and all(isinstance(sentence, str) for sentence in kept)
        begins = [b for sentence in kept for b in syn.parse_token_offsets(sentence)[0]]
        ends = [e for sentence in kept for e in syn.parse_token_offsets(sentence)[1]]
        # character offsets (the emoji's UTF-16 units are not counted twice), each token's text
        assert [first.text[b:e] for b, e in zip(begins, ends)] == [
            line.split("\t")[2] for line in written.splitlines() if re.match(r"^\d+-\d+\t", line)]
        older = copy.deepcopy(first)
        older.meta["webanno_tsv3"]["sentences"] = [
            [[b, e] for b, e in zip(*syn.parse_token_offsets(sentence))] for sentence in kept]
        assert serialize(older, "x.tsv") == serialize(first, "x.tsv") == written
    # the kept tokens are the ones written, not razdel's: "голова" cut in two
    start = first.text.index("голова")
    kept[0] = kept[0].replace(f"{start}-{start + 6}", f"{start}-{start + 3} {start + 3}-{start + 6}")
    assert "\tгол\t" in serialize(first, "x.tsv") and "\tова\t" in serialize(first, "x.tsv")
    for n, broken in enumerate((["0-6 7"], ["6-0"], ["0-6", "3-9"], ["0-99999"], [[0, 6, 7]], [None], "0-6")):
        odd = copy.deepcopy(first)
        odd.meta["webanno_tsv3"]["sentences"] = broken
        again, _ = round_trip(odd, tmp_path / f"odd{n}")
        assert span_keys(again) == span_keys(odd)  # razdel's tokens, the same spans


def test_token_offsets_parse_back_and_refuse_other_shapes():
    rng = random.Random(7)
    for _ in range(2000):
        pairs = [(rng.randrange(1000), rng.randrange(1000)) for _ in range(rng.randrange(5))]
        kept = syn.token_offsets([b for b, _ in pairs], [e for _, e in pairs])
        assert syn.parse_token_offsets(kept) == ([b for b, _ in pairs], [e for _, e in pairs])
        broken = "".join(rng.choice("0123456789- x") for _ in range(rng.randrange(1, 12)))
        if not re.fullmatch(r"(0|[1-9][0-9]*)-(0|[1-9][0-9]*)( (0|[1-9][0-9]*)-(0|[1-9][0-9]*))*", broken):
            with pytest.raises(ValueError):
                syn.parse_token_offsets(broken)


def test_folder_with_several_documents(tmp_path: Path):
    a = Document("a", "Аспирин помог.", spans=[Span({"DrugName"}, [(0, 7)], id="T1")])
    b = Document("b", "Голова болит.")
    tsv3.write([a, b], tmp_path)
    assert tsv3.sniff(tmp_path) and tsv3.sniff(tmp_path / "a.tsv")
    (tmp_path / "notes.tsv").write_text("id\ttext\n", encoding="utf-8")
    result = tsv3.read(tmp_path)
    assert [d.name for d in result.documents] == ["a", "b"]
    assert span_keys(result.documents[0]) == span_keys(a)
    assert any("notes.tsv" in w for w in result.warnings)


def test_plain_labels_use_the_named_entity_layer(tmp_path: Path):
    doc = Document("d", "Аспирин помог.", spans=[Span({"DrugName"}, [(0, 7)])])
    again, written = round_trip(doc, tmp_path)
    assert written.splitlines()[1] == f"#T_SP={DEFAULT_SPAN_LAYER}|value"
    assert again.spans[0].attrs == {} and again.spans[0].labels == {"DrugName"}


def test_whitespace_and_emoji_text_is_rebuilt_exactly(tmp_path: Path):
    text = "Первая строка 👍🏻.\r\n\r\n  Вторая\tстрока\\n с отступом.\n\n\n"
    doc = Document("w", text, spans=[Span({"X"}, [(text.index("Вторая"), text.index("Вторая") + 6)])])
    again, _ = round_trip(doc, tmp_path)
    assert again.text == text


def test_crowded_token_is_cut_instead_of_ten_sub_tokens(tmp_path: Path):
    word = "Антигистаминный"
    first, _ = round_trip(Document("d", word + " препарат"), tmp_path / "a")  # keeps razdel's tokens
    first.spans = [Span({f"L{i}"}, [(i, i + 1)], id=f"T{i}") for i in range(1, 11)]
    again, written = round_trip(first, tmp_path / "b")
    assert_same(first, again)
    assert not re.search(r"^\d+-\d+\.\d\d", written, re.M)  # INCEpTION reads one digit only


def test_tokens_kept_from_reading_are_dropped_when_the_text_changes(tmp_path: Path):
    first, _ = round_trip(synthetic(), tmp_path / "a")
    first.text = "Новый текст. " + first.text
    first.spans = [Span({"X"}, [(0, 5)], id="T1")]
    first.chains, first.relations = [], []
    again, _ = round_trip(first, tmp_path / "b")
    assert_same(first, again)


def test_tsv_3_1_text_uses_java_escapes(tmp_path: Path):
    path = tmp_path / "old.tsv"
    path.write_text('#FORMAT=WebAnno TSV 3.1\n\n\n#Text=caf\\u00e9 \\"x\\"\n'
                    '1-1\t0-4\tcafé\t\n1-2\t5-8\t"x"\t\n', encoding="utf-8")
    assert tsv3.read(path).documents[0].text == 'café "x"'


# --- malformed input --------------------------------------------------------------------------------

GOOD = ("#FORMAT=WebAnno TSV 3.3\n#T_SP=de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity|value\n\n\n"
        "#Text=Аспирин помог .\n1-1\t0-7\tАспирин\tDrug\t\n1-2\t8-13\tпомог\t_\t\n1-3\t14-15\t.\t_\t\n")


def bad_file(tmp_path: Path, content: str) -> FormatError:
    path = tmp_path / "bad.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(FormatError) as err:
        tsv3.read(path)
    assert err.value.line is not None and str(path) in str(err.value)
    return err.value


def test_good_file_reads(tmp_path: Path):
    path = tmp_path / "good.tsv"
    path.write_text(GOOD, encoding="utf-8")
    doc = tsv3.read(path).documents[0]
    assert doc.text == "Аспирин помог ." and [s.labels for s in doc.spans] == [{"Drug"}]


@pytest.mark.parametrize("content, line, words", [
    ("#FORMAT=WebAnno TSV\n", 1, "header"),
    ("#FORMAT=WebAnno TSV 2.1\n", 1, "unsupported"),
    (GOOD.replace("|value\n", "|value\n#T_RL=webanno.custom.Rel|value\n"), 3, "BT_"),
    (GOOD.replace("0-7\tАспирин", "0-9\tАспирин"), 6, "does not match"),
    (GOOD.replace("14-15", "14-99"), 8, "beyond"),
    (GOOD.replace("8-13", "x-13"), 7, "offsets"),
    (GOOD[:GOOD.rindex("\t.")], 8, "fields"),
    (GOOD[:GOOD.index("1-1")], 5, "without tokens"),
    (GOOD.replace("1-3\t", "1-2.1\t"), 8, "sub-token"),
    (GOOD.replace("Drug\t", "Drug[3]\t") + "\n#Text=x\n2-1\t16-17\tx\t_\t\n", 6, None),
])
def test_malformed_files_raise_format_error_with_line(tmp_path: Path, content: str, line: int, words):
    if words is None:  # a lone [3] is fine; make sure the fixture itself is valid
        path = tmp_path / "ok.tsv"
        path.write_text(content, encoding="utf-8")
        assert tsv3.read(path).documents[0].text == "Аспирин помог .\nx"
        return
    err = bad_file(tmp_path, content)
    assert err.line == line and words in err.message


def test_offsets_splitting_an_emoji_are_refused(tmp_path: Path):
    content = "#FORMAT=WebAnno TSV 3.3\n\n\n#Text=😀a\n1-1\t0-3\t😀a\t\n1-1.1\t1-3\t\t\n"
    err = bad_file(tmp_path, content)
    assert err.line == 6


def test_dangling_relation_reference(tmp_path: Path):
    content = ("#FORMAT=WebAnno TSV 3.3\n#T_SP=webanno.custom.S|value\n"
               "#T_RL=webanno.custom.R|value|BT_webanno.custom.S\n\n\n"
               "#Text=a b\n1-1\t0-1\ta\tX\t_\t_\t\n1-2\t2-3\tb\tY\tr\t1-7\t\n")
    err = bad_file(tmp_path, content)
    assert err.line == 8 and "1-7" in err.message


def test_attributes_tsv_cannot_name_are_left_out_and_said(tmp_path: Path):
    """brat's notes, normalisations and events ("note:Lemma", "event:E1") are no WebAnno feature
    names: the export goes on without them and says so, instead of refusing every document."""
    doc = Document("d", "Аспирин помог.", spans=[Span({"X"}, [(0, 7)], {"bad name": "1", "event:E1": "Take",
                                                                       "event:E1:Neg": "", "ok": "2"})])
    assert tsv3.write([doc], tmp_path) == [
        "attributes whose names cannot be WebAnno features (bad name) left out: 1",
        "attributes whose names cannot be WebAnno features (event:…) left out: 2"]
    (back,) = tsv3.read(tmp_path / "d.tsv").documents
    assert [(s.labels, s.attrs) for s in back.spans] == [({"X"}, {"ok": "2"})]


def test_regular_files_read_in_bulk_give_what_the_line_by_line_reader_gives(tmp_path: Path):
    """Files without sub-tokens are read a sentence at a time (``RegularParser``); emoji
    (UTF-16 offsets), escaped tokens and values, stacked spans, slots, relations to a token
    without annotations and chains must come out as the line-by-line reader reads them."""
    from rdrs_gui.core.formats import _tsv3_bulk, _tsv3_read

    _, written = round_trip(synthetic(), tmp_path)
    token_relation = ("#FORMAT=WebAnno TSV 3.3\n#T_SP=webanno.custom.S|value\n"
                      "#T_RL=webanno.custom.R|value|BT_de.tudarmstadt.ukp.dkpro.core.api.segmentation.type.Token\n"
                      "\n\n#Text=a 😀 b\n1-1\t0-1\ta\tX\t_\t_\t\n1-2\t2-4\t😀\t_\t_\t_\t\n"
                      "1-3\t5-6\tb\t_\tr\t1-2\t\n")
    for text in (written, GOOD, token_relation):
        bulk = _tsv3_bulk.RegularParser(text, "f.tsv", "f")
        one_by_one = _tsv3_read.Tsv3Parser(text, "f.tsv", "f")
        expected = one_by_one.parse()
        assert bulk.parse() == expected and bulk.warnings == one_by_one.warnings
        assert tsv3.parse(text, "f.tsv", "f") == (expected, one_by_one.warnings)
    with pytest.raises(_tsv3_bulk.Irregular):  # a sub-token: left to the line-by-line reader
        _tsv3_bulk.RegularParser(GOOD.replace("1-3\t14-15\t.\t_", "1-2.1\t9-10\tо\t_"), "f.tsv", "f").parse()


_TWO_LAYERS = ("#FORMAT=WebAnno TSV 3.3\n#T_SP=webanno.custom.S|{span}\n"
               "#T_CH=de.tudarmstadt.ukp.dkpro.core.api.coref.type.CoreferenceLink|{chain}\n\n\n"
               "#Text=a b c d\n1-1\t0-1\ta\t{first}\n1-2\t2-3\tb\t{second}\n1-3\t4-5\tc\t_\t_\t_\t_\t\n"
               "1-4\t6-7\td\t{fourth}\n")


@pytest.mark.parametrize("span, chain, first, second, fourth", [
    # two stacked annotations over two tokens: read a stack position at a time
    ("value|attr", "referenceType|referenceRelation", "X[1]|Y[2]\tp[1]|q[2]\t*[1]\t*->1-1\t",
     "X[1]|Y[2]\tp[1]|q[2]\t_\t_\t", "Z\t*\t*[1]|*[2]\t*->1-2|*->2-1\t"),
    # one disambiguation id at two stack positions: read step by step
    ("value|attr", "referenceType|referenceRelation", "X[1]|X[1]\tp[1]|q[1]\t_\t_\t", "_\t_\t_\t_\t",
     "Z\t*\t_\t_\t"),
    # ... and where the order of the steps makes it an error
    ("value|attr", "referenceType|referenceRelation", "A[1]|B[2]\ta[2]|b[1]\t_\t_\t", "_\t_\t_\t_\t",
     "_\t_\t_\t_\t"),
    # the same cells under a layer whose columns come in the other order (read after the first case)
    ("attr|value", "referenceType|referenceRelation", "X[1]|Y[2]\tp[1]|q[2]\t*[1]\t*->1-1\t",
     "X[1]|Y[2]\tp[1]|q[2]\t_\t_\t", "Z\t*\t*[1]|*[2]\t*->1-2|*->2-1\t"),
    # a chain layer with a column the model has no place for (a warning), and a bad chain link
    ("value|attr", "referenceType|referenceRelation|extra", "X\tp\t*[1]\t*->1-1\tx\t", "_\t_\t_\t_\t_\t",
     "_\t_\t*[1]\t*->1-2\ty\t"),
    ("value|attr", "referenceType|referenceRelation", "X\tp\t*[1]\t*->1\t", "_\t_\t_\t_\t", "_\t_\t_\t_\t"),
    # a relation's pair of ids on a span: a bad disambiguation id
    ("value|attr", "referenceType|referenceRelation", "X[1_2]\tp\t_\t_\t", "_\t_\t_\t_\t", "_\t_\t_\t_\t"),
])
def test_cells_read_in_bulk_give_what_the_line_by_line_reader_gives(span, chain, first, second, fourth):
    """The bulk reader takes each distinct row of cells apart once per process and reads a plain
    layer a stack position at a time where that cannot differ from reading it step by step; it
    must give the document, warnings and errors the line-by-line reader gives, also on a second
    read (from what it kept)."""
    from rdrs_gui.core.formats import _tsv3_bulk, _tsv3_read

    text = _TWO_LAYERS.format(span=span, chain=chain, first=first, second=second, fourth=fourth)
    one_by_one = _tsv3_read.Tsv3Parser(text, "f.tsv", "f")
    try:
        expected: object = (one_by_one.parse(), one_by_one.warnings)
    except FormatError as err:
        expected = str(err)
    for _ in range(2):
        bulk = _tsv3_bulk.RegularParser(text, "f.tsv", "f")
        if isinstance(expected, str):
            with pytest.raises((_tsv3_bulk.Irregular, FormatError)):
                bulk.parse()
            with pytest.raises(FormatError, match=re.escape(expected)):
                tsv3.parse(text, "f.tsv", "f")
        else:
            assert (bulk.parse(), bulk.warnings) == expected
            assert tsv3.parse(text, "f.tsv", "f") == expected


def _split_by_walking(text: str, separator: str) -> list[str]:
    """What split_unescaped means, character by character: a backslash escapes the next one."""
    parts, start, i = [], 0, 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
        elif text[i] == separator:
            parts.append(text[start:i])
            i += 1
            start = i
        else:
            i += 1
    return parts + [text[start:]]


def test_split_unescaped_splits_only_at_separators_no_backslash_escapes():
    import random

    from rdrs_gui.core.formats._tsv3_syntax import split_unescaped

    rng = random.Random(7)
    for _ in range(20_000):
        text = "".join(rng.choice("a_\\|;") for _ in range(rng.randrange(12)))
        for separator in "|;":
            assert split_unescaped(text, separator) == _split_by_walking(text, separator), (text, separator)
    assert split_unescaped("Drug\\_A\\|B|C\\\\|D", "|") == ["Drug\\_A\\|B", "C\\\\", "D"]
