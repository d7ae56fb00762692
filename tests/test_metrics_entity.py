"""Entity metrics: conlleval chunk semantics checked against seqeval (its default mode is the
conlleval one) on random tag sequences, plus small cases worked out by hand."""
from __future__ import annotations

import random

import pytest
from seqeval.metrics import classification_report, f1_score, precision_score, recall_score
from seqeval.metrics.sequence_labeling import get_entities

from trainer.metrics import chunks, conlleval_prf, partial_span_prf, span_prf

TYPES = ["ADR", "DrugName", "BNE-Pos"]


def random_tags(rng: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.4:
            out.append("O")
        else:
            out.append(f"{rng.choice('BI')}-{rng.choice(TYPES)}")  # I- may start a chunk
    return out


def test_chunks_match_seqeval_on_random_sequences():
    rng = random.Random(1)
    for _ in range(2000):
        tags = random_tags(rng, rng.randint(0, 12))
        ours = [(t, s, e - 1) for t, s, e in chunks(tags)]
        assert ours == get_entities(tags), tags


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_scores_match_seqeval_on_random_corpora():
    rng = random.Random(2)
    for _ in range(120):
        gold, pred = [], []
        for _ in range(rng.randint(1, 6)):
            n = rng.randint(1, 10)
            gold.append(random_tags(rng, n))
            # predictions: mostly copies with noise, so there are hits and misses
            pred.append([t if rng.random() < 0.6 else rng.choice(random_tags(rng, 1) + ["O"])
                         for t in gold[-1]])
        ours = conlleval_prf(gold, pred)
        if not any(chunks(s) for s in gold + pred):
            assert ours["micro"]["f1"] == 0
            continue
        assert ours["micro"]["f1"] == pytest.approx(f1_score(gold, pred))
        assert ours["micro"]["p"] == pytest.approx(precision_score(gold, pred))
        assert ours["micro"]["r"] == pytest.approx(recall_score(gold, pred))
        report = classification_report(gold, pred, output_dict=True, zero_division=0)
        assert set(report) - {"micro avg", "macro avg", "weighted avg"} == set(ours["per_tag"])
        for tag, row in ours["per_tag"].items():
            assert row["p"] == pytest.approx(report[tag]["precision"])
            assert row["r"] == pytest.approx(report[tag]["recall"])
            assert row["f1"] == pytest.approx(report[tag]["f1-score"])
            assert row["support"] == report[tag]["support"]
        assert ours["macro_f1"] == pytest.approx(report["macro avg"]["f1-score"])


def test_hand_computed_case():
    gold = [["B-ADR", "I-ADR", "O", "B-DrugName"], ["O", "B-ADR", "O"]]
    pred = [["B-ADR", "I-ADR", "O", "B-ADR"], ["O", "I-ADR", "I-ADR"]]
    # gold chunks: ADR 0-1, DrugName 3, ADR(s2) 1; pred: ADR 0-1, ADR 3, ADR(s2) 1-2 (I- start)
    out = conlleval_prf(gold, pred)
    assert out["per_tag"]["ADR"] == pytest.approx({"p": 1 / 3, "r": 1 / 2, "f1": 0.4, "support": 2})
    assert out["per_tag"]["DrugName"] == {"p": 0.0, "r": 0.0, "f1": 0.0, "support": 1}
    assert out["micro"] == pytest.approx({"p": 1 / 3, "r": 1 / 3, "f1": 1 / 3, "support": 3})
    assert out["macro_f1"] == pytest.approx(0.2)


def test_i_after_other_type_starts_new_chunk():
    assert chunks(["B-ADR", "I-DrugName", "I-DrugName"]) == [("ADR", 0, 1), ("DrugName", 1, 3)]
    assert chunks(["I-ADR", "O", "I-ADR", "I-ADR"]) == [("ADR", 0, 1), ("ADR", 2, 4)]
    assert chunks(["B-BNE-Pos", "I-BNE-Pos"]) == [("BNE-Pos", 0, 2)]


def test_iobes_tags():
    assert chunks(["S-ADR", "B-ADR", "E-ADR", "O"]) == [("ADR", 0, 1), ("ADR", 1, 3)]


def test_explicit_tag_list_sets_macro_average():
    out = conlleval_prf([["B-ADR"]], [["B-ADR"]], tags=["ADR", "Dosage"])
    assert out["per_tag"]["Dosage"]["support"] == 0
    assert out["macro_f1"] == pytest.approx(0.5)


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="not a BIO"):
        chunks(["ADR"])
    with pytest.raises(ValueError, match="lengths differ"):
        conlleval_prf([["O"]], [["O", "O"]])


def test_span_prf_agrees_with_conlleval_on_contiguous_spans():
    rng = random.Random(4)
    for _ in range(100):
        gold = [random_tags(rng, rng.randint(1, 9)) for _ in range(3)]
        pred = [random_tags(rng, len(g)) for g in gold]
        g_sets = [{(t, ((s, e),)) for t, s, e in chunks(g)} for g in gold]
        p_sets = [{(t, ((s, e),)) for t, s, e in chunks(p)} for p in pred]
        assert span_prf(g_sets, p_sets) == conlleval_prf(gold, pred)


def test_span_prf_discontinuous_needs_every_fragment():
    gold = [{("ADR", ((0, 5), (10, 15))), ("DrugName", ((20, 27),))}]
    pred = [{("ADR", ((0, 5),)), ("DrugName", ((20, 27),))}]
    out = span_prf(gold, pred)
    assert out["per_tag"]["ADR"]["f1"] == 0
    assert out["micro"]["f1"] == pytest.approx(0.5)


def test_partial_overlap_hand_computed():
    # "сильная головная боль и тошнота": gold ADR 8-21 ("головная боль") and 24-31 ("тошнота");
    # predicted ADR 0-14 overlaps the first, ADR 22-23 overlaps nothing; DrugName 40-45 vs
    # predicted ADR 40-45 has the wrong tag.
    gold = [{("ADR", ((8, 21),)), ("ADR", ((24, 31),)), ("DrugName", ((40, 45),))}]
    pred = [{("ADR", ((0, 14),)), ("ADR", ((22, 23),)), ("ADR", ((40, 45),))}]
    out = partial_span_prf(gold, pred)
    assert out["per_tag"]["ADR"] == pytest.approx({"p": 1 / 3, "r": 1 / 2, "f1": 0.4, "support": 2})
    assert out["per_tag"]["DrugName"]["r"] == 0
    assert out["micro"]["p"] == pytest.approx(1 / 3) and out["micro"]["r"] == pytest.approx(1 / 3)
    # touching spans (end == start) do not overlap; a long prediction recalls both gold spans
    assert partial_span_prf([{("ADR", ((0, 5),))}], [{("ADR", ((5, 9),))}])["micro"]["f1"] == 0
    both = partial_span_prf([{("ADR", ((0, 5),)), ("ADR", ((6, 9),))}], [{("ADR", ((0, 9),))}])
    assert both["micro"] == pytest.approx({"p": 1.0, "r": 1.0, "f1": 1.0, "support": 2})


def test_partial_is_never_below_exact():
    rng = random.Random(9)
    for _ in range(200):
        def spans():
            return {(rng.choice(TYPES), ((s, s + rng.randint(1, 6)),))
                    for s in rng.sample(range(40), rng.randint(0, 5))}
        gold, pred = [spans() for _ in range(3)], [spans() for _ in range(3)]
        assert partial_span_prf(gold, pred)["micro"]["f1"] >= span_prf(gold, pred)["micro"]["f1"] - 1e-12
