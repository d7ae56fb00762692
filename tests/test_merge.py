"""The suggestion-merging rules as a pure function: no database, no Qt."""
from __future__ import annotations

from rdrs_gui.core.document import (ACCEPTED, DOC_IN_PROGRESS, DOC_NEW, GOLD, REJECTED, SUGGESTED, Chain, Mention,
                                    Span)
from rdrs_gui.core.merge import becomes_preannotated, has_human_work, merge_chains, merge_spans

DRUG, RASH, FEVER = (14, 21), (67, 71), (43, 54)


def suggestion(labels, place, key, **kw) -> Span:
    return Span(set(labels), [place], origin="model:v1", status=SUGGESTED, id=key, **kw)


def test_human_spans_and_rejections_block_their_labels_only():
    standing = [Span({"DrugName"}, [DRUG], status=GOLD, id="T1"),
                Span({"ADR"}, [RASH], status=REJECTED, origin="model:v0", id="T2")]
    out = merge_spans(standing, [], [Span({"DrugName", "DrugClass"}, [DRUG]), Span({"ADR"}, [RASH]),
                                     Span({"ADR", "Indication"}, [RASH])], "model:v2", {"T1", "T2"})
    assert [(sorted(s.labels), s.fragments) for s in out.added] == [(["DrugClass"], [DRUG]),
                                                                     (["Indication"], [RASH])]
    assert all(s.status == SUGGESTED and s.origin == "model:v2" for s in out.added)
    assert (out.kept, out.dropped) == ([], [])


def test_a_duplicate_within_one_run_is_dropped():
    out = merge_spans([], [], [Span({"ADR"}, [RASH], score=0.9), Span({"ADR"}, [RASH], score=0.4)], "model:v1", set())
    assert [(s.labels, s.score) for s in out.added] == [({"ADR"}, 0.9)]


def test_the_same_pending_suggestion_keeps_its_key_and_takes_the_new_score_and_origin():
    pending = [suggestion({"ADR"}, RASH, "T4", score=0.5), suggestion({"Indication"}, FEVER, "T5")]
    out = merge_spans([], pending, [Span({"ADR"}, [RASH], score=0.8), Span({"DrugName"}, [DRUG])],
                      "model:v2", {"T4", "T5"})
    assert [(s.id, s.score, s.origin) for s in out.kept] == [("T4", 0.8, "model:v2")]
    assert out.dropped == ["T5"]
    assert [s.id for s in out.added] == ["T6"]     # above every key, the dropped one's too


def test_other_attributes_make_another_suggestion():
    pending = [suggestion({"DrugName"}, DRUG, "T1", attrs={"MedFrom": "Domestic"})]
    out = merge_spans([], pending, [Span({"DrugName"}, [DRUG], {"MedFrom": "Foreign"})], "model:v2", {"T1"})
    assert (out.kept, out.dropped, [s.attrs for s in out.added]) == ([], ["T1"], [{"MedFrom": "Foreign"}])


def test_new_keys_go_above_keys_of_other_layers():
    out = merge_spans([], [], [Span({"ADR"}, [RASH])], "model:v1", {"T1", "T9", "C3", "Tx"})
    assert [s.id for s in out.added] == ["T10"]


def test_no_run_of_a_kind_leaves_its_pending_suggestions_alone():
    pending = [suggestion({"ADR"}, RASH, "T1")]
    assert merge_spans([], pending, None, "model:v2", {"T1"}).dropped == []
    chain = Chain([Mention([DRUG])], status=SUGGESTED, id="C1")
    assert merge_chains([], [chain], None, "model:v2", {"C1"}).dropped == []


def test_chains_human_and_rejected_win_and_the_same_pending_chain_is_kept():
    human = Chain([Mention([DRUG]), Mention([RASH])], status=ACCEPTED, id="C1")
    rejected = Chain([Mention([DRUG]), Mention([FEVER])], status=REJECTED, id="C2")
    pending = Chain([Mention([RASH]), Mention([FEVER])], status=SUGGESTED, id="C3", score=0.2)
    incoming = [Chain([Mention([DRUG]), Mention([RASH])]), Chain([Mention([DRUG]), Mention([FEVER])]),
                Chain([Mention([RASH]), Mention([FEVER])], score=0.7),
                Chain([Mention([RASH]), Mention([FEVER])], label="Context")]
    out = merge_chains([human, rejected], [pending], incoming, "model:c2", {"C1", "C2", "C3"})
    assert [(c.id, c.score, c.origin) for c in out.kept] == [("C3", 0.7, "model:c2")]
    assert [(c.label, c.id) for c in out.added] == [("Context", "C4")]
    assert out.dropped == []


def test_review_state_follows_human_work():
    human = [Span({"ADR"}, [RASH], status=ACCEPTED)]
    assert has_human_work(human, []) and not has_human_work([suggestion({"ADR"}, RASH, "T1")], [])
    assert becomes_preannotated(DOC_NEW, 3, human_work=False)
    assert not becomes_preannotated(DOC_NEW, 3, human_work=True)
    assert not becomes_preannotated(DOC_NEW, 0, human_work=False)
    assert not becomes_preannotated(DOC_IN_PROGRESS, 3, human_work=False)
