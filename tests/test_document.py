"""The shared document model: multi-label folding, validation, ids."""
from rdrs_gui.core.document import (Chain, Document, Mention, Relation, Span, fold_stacked_spans,
                                    merge_stacked_spans, SUGGESTED)


def test_identical_fragments_fold_into_one_multilabel_span():
    spans = [Span({"DrugName"}, [(0, 9)], {"MedFrom": "Domestic"}, id="T1"),
             Span({"DrugBrand"}, [(0, 9)], id="T2"),
             Span({"ADR"}, [(10, 15)], id="T3")]
    merged = merge_stacked_spans(spans)
    assert [s.labels for s in merged] == [{"DrugName", "DrugBrand"}, {"ADR"}]
    assert merged[0].attrs == {"MedFrom": "Domestic"} and merged[0].id == "T1"
    assert spans[0].labels == {"DrugName"}, "inputs are not mutated"


def test_conflicting_attributes_or_origins_stay_separate():
    spans = [Span({"DrugName"}, [(0, 9)], {"ATC": "N06BX"}),
             Span({"DrugName"}, [(0, 9)], {"ATC": "N05"}),
             Span({"DrugBrand"}, [(0, 9)], origin="model:1", status=SUGGESTED, score=0.9)]
    assert len(merge_stacked_spans(spans)) == 3


def test_a_label_the_place_already_has_is_a_second_span_and_each_input_knows_its_home():
    spans = [Span({"ADR"}, [(0, 9)], id="T1"), Span({"Note"}, [(0, 9)], id="T2"),
             Span({"ADR"}, [(0, 9)], id="T3"), Span({"Note"}, [(0, 9)], id="T4")]
    merged, home = fold_stacked_spans(spans)
    assert [(s.id, s.labels) for s in merged] == [("T1", {"ADR", "Note"}), ("T3", {"ADR", "Note"})]
    assert home == [0, 0, 1, 1]


def test_fragments_are_sorted_and_discontinuity_is_known():
    span = Span({"SourceInfoDrug"}, [(14, 21), (0, 9)])
    assert span.fragments == [(0, 9), (14, 21)] and span.is_discontinuous
    assert span.covered_text("назначила мне педиатр") == "назначила педиатр"


def test_problems_name_every_structural_error():
    doc = Document("d1", "Кортексин помог",
                   spans=[Span({"DrugName"}, [(0, 9)], id="T1"), Span({"ADR"}, [(10, 99)], id="T2"),
                          Span(set(), [(0, 2)], id="T3"), Span({"X"}, [(0, 5), (3, 8)], id="T4")],
                   chains=[Chain([Mention([(0, 9)]), Mention([(0, 9)])], id="C1"), Chain([], id="C2"),
                           Chain([Mention([(0, 9)]), Mention([(10, 99)])], id="C3"),
                           Chain([Mention([(0, 3), (5, 9)]), Mention([(10, 15)])], id="C4")],
                   relations=[Relation("Link", "T1", "T9")])
    problems = "\n".join(doc.problems())
    assert "T2: fragment 10-99 outside text" in problems
    assert "T3: no label" in problems
    assert "T4: fragments overlap" in problems
    assert "C1: mention [(0, 9)] twice" in problems
    assert "C2: no mentions" in problems
    assert "unknown span 'T9'" in problems
    assert "C3 mention: fragment 10-99 outside text" in problems
    assert "C4" not in problems  # a discontinuous mention is no problem
    assert Document("ok", "abc", spans=[Span({"A"}, [(0, 3)])]).problems() == []


def test_assign_ids_keeps_existing_and_never_collides():
    doc = Document("d", "abcdef", spans=[Span({"A"}, [(0, 1)], id="T2"), Span({"B"}, [(1, 2)]),
                                         Span({"C"}, [(2, 3)])])
    doc.assign_ids()
    assert [s.id for s in doc.spans] == ["T2", "T1", "T3"]
