"""Agreement as the RDRS paper measures it: hand-computed cases for the four flag combinations
(stacked, discontinuous, nested, one-sided and empty documents), the maximum matching, chains,
attributes, and the same figures through the store and ``rdrs agreement --json``."""
from __future__ import annotations

import json

import pytest

from rdrs_gui.cli import main
from rdrs_gui.core.agreement import FLAG_KEYS, agreement, documents_by_agreement, matched, max_matching, mentions
from rdrs_gui.core.document import DOC_DONE, DOC_IN_PROGRESS, SUGGESTED, Chain, Document, Mention, Span
from rdrs_gui.core.store import Store

TEXT = "x" * 40


def doc(name: str, *spans: Span, chains: list[Chain] | None = None, status: str = DOC_DONE) -> Document:
    return Document(name, TEXT, spans=list(spans), chains=chains or [], status=status)


def span(labels: str, *fragments: tuple[int, int], **attrs: str) -> Span:
    return Span(set(labels.split("+")), list(fragments), dict(attrs))


def corpus() -> tuple[list[Document], list[Document]]:
    """Annotators A and B; expected values per document (ss_ts, ss_ti, si_ts, si_ti) below."""
    a = [
        doc("stacked", span("Drugname+DrugBrand", (0, 5))),                 # 1/2  1    1/2  1
        doc("discontinuous", span("ADR", (10, 15), (20, 25))),              # 0    0    1/2  1/2
        doc("nested", span("ADR", (0, 10)), span("ADR", (11, 13))),         # 0    0    1    1
        doc("one-sided", span("Drugname", (0, 3))),                         # 0    0    0    0
        doc("empty"),                                                       # skipped
        doc("only A done", span("ADR", (0, 3))),                            # not in B's done
    ]
    b = [
        doc("stacked", span("Drugname", (0, 5))),
        doc("discontinuous", span("ADR", (10, 15)), span("ADR", (20, 25))),
        doc("nested", span("ADR", (8, 12)), span("ADR", (9, 10))),
        doc("one-sided"),
        doc("empty"),
        doc("only A done", span("ADR", (0, 3)), status=DOC_IN_PROGRESS),
    ]
    return a, b


EXPECTED = {"span_strict_tag_strict": (0.5 + 0 + 0 + 0) / 4,
            "span_strict_tag_ignored": (1 + 0 + 0 + 0) / 4,
            "span_intersection_tag_strict": (0.5 + 0.5 + 1 + 0) / 4,
            "span_intersection_tag_ignored": (1 + 0.5 + 1 + 0) / 4}


def layers_of(a: list[Document], b: list[Document]) -> dict:
    for i, d in enumerate(a):
        d.id = i + 1
    for i, d in enumerate(b):
        d.id = i + 1
    return {"A": {d.id: d for d in a if d.status == DOC_DONE}, "B": {d.id: d for d in b if d.status == DOC_DONE}}


def test_four_flag_combinations_by_hand():
    result = agreement(layers_of(*corpus()))
    (pair,) = result["pairs"]
    assert (pair["a"], pair["b"], pair["documents"]) == ("A", "B", 4)   # "empty" skipped, "only A done" out
    assert pair["documents_done"] == 5
    for key, value in EXPECTED.items():
        assert pair[key] == pytest.approx(value), key
        assert result["average"][key] == pytest.approx(value)


def test_per_tag_by_hand():
    per_tag = agreement(layers_of(*corpus()))["pairs"][0]["per_tag"]
    assert per_tag["Drugname"] == {"documents": 2, "span_strict_tag_strict": 0.5, "span_intersection_tag_strict": 0.5}
    assert per_tag["DrugBrand"] == {"documents": 1, "span_strict_tag_strict": 0.0, "span_intersection_tag_strict": 0.0}
    assert per_tag["ADR"]["documents"] == 2
    assert per_tag["ADR"]["span_strict_tag_strict"] == 0.0
    assert per_tag["ADR"]["span_intersection_tag_strict"] == pytest.approx((0.5 + 1) / 2)


def test_matching_is_maximal_not_greedy():
    # A's [0,10) overlaps both of B's; A's [11,13) only B's [8,12): greedy takes [8,12) for the
    # first and leaves the second unmatched; the maximum matching pairs both.
    a = mentions([span("ADR", (0, 10)), span("ADR", (11, 13))])
    b = mentions([span("ADR", (8, 12)), span("ADR", (9, 10))])
    assert matched(a, b, span_strict=False) == 2
    assert max_matching([[0, 1], [0]], 2) == 2
    assert max_matching([[0], [0], [0, 1, 2], [2]], 3) == 3
    assert max_matching([[], [1]], 2) == 1


def test_tag_ignored_counts_identical_fragments_once_and_tags_must_match_when_strict():
    a = doc("d", span("Drugname", (0, 4)), span("DrugBrand", (0, 4)))   # two spans, same words
    b = doc("d", span("Drugform", (0, 4)))
    a.id = b.id = 1
    pair = agreement({"A": {1: a}, "B": {1: b}})["pairs"][0]
    assert pair["span_strict_tag_strict"] == 0.0
    assert pair["span_intersection_tag_strict"] == 0.0
    assert pair["span_strict_tag_ignored"] == 1.0          # one mention each: {0-4} and {0-4}
    assert pair["span_intersection_tag_ignored"] == 1.0


def test_discontinuous_spans_match_by_shared_characters_not_by_their_gap():
    a = mentions([span("ADR", (0, 3), (10, 12))])
    b = mentions([span("ADR", (4, 9))])          # sits in A's gap: no shared character
    assert matched(a, b, span_strict=False) == 0
    c = mentions([span("ADR", (2, 5))])
    assert matched(a, c, span_strict=False) == 1


def test_suggestions_do_not_count():
    a = doc("d", span("ADR", (0, 3)))
    b = doc("d", Span({"ADR"}, [(0, 3)], status=SUGGESTED))
    a.id = b.id = 1
    pair = agreement({"A": {1: a}, "B": {1: b}})["pairs"][0]
    assert pair["documents"] == 1 and pair["span_strict_tag_strict"] == 0.0


def test_no_shared_document_gives_null_scores():
    a, b = doc("d1", span("ADR", (0, 3))), doc("d2", span("ADR", (0, 3)))
    a.id, b.id = 1, 2
    result = agreement({"A": {1: a}, "B": {2: b}})
    pair = result["pairs"][0]
    assert pair["documents"] == 0 and all(pair[k] is None for k in FLAG_KEYS)
    assert result["average"]["pairs"] == 0 and result["average"]["span_strict_tag_strict"] is None


def test_three_annotators_average_over_pairs():
    a, b, c = doc("d", span("ADR", (0, 3))), doc("d", span("ADR", (0, 3))), doc("d", span("ADR", (0, 4)))
    for d in (a, b, c):
        d.id = 1
    result = agreement({"A": {1: a}, "B": {1: b}, "C": {1: c}})
    assert [(p["a"], p["b"], p["span_strict_tag_strict"]) for p in result["pairs"]] == [
        ("A", "B", 1.0), ("A", "C", 0.0), ("B", "C", 0.0)]
    assert result["average"]["span_strict_tag_strict"] == pytest.approx(1 / 3)
    assert result["average"]["span_intersection_tag_strict"] == 1.0


def test_chains_scored_with_the_coref_scorer():
    m1, m2, m3 = Mention([(0, 2)]), Mention([(5, 7)]), Mention([(10, 12)])
    a = doc("d", chains=[Chain([m1, m2, m3])])
    b = doc("d", chains=[Chain([m1, m2]), Chain([m3])])
    a.id = b.id = 1
    chains = agreement({"A": {1: a}, "B": {1: b}})["pairs"][0]["chains"]["Coreference"]
    # MUC: recall (3-2)/(3-1) = 1/2, precision 1/1: F1 = 2/3
    assert chains["documents"] == 1
    assert chains["muc"] == pytest.approx(2 / 3)
    # B³: recall per mention of A's chain 2/3, 2/3, 1/3 -> 5/9; precision 1
    assert chains["b_cubed"] == pytest.approx(2 * (5 / 9) / (1 + 5 / 9))
    same = agreement({"A": {1: a}, "B": {1: a}})["pairs"][0]["chains"]["Coreference"]
    assert (same["muc"], same["b_cubed"], same["ceaf_e"], same["average"]) == (1.0, 1.0, 1.0, 1.0)


def test_attributes_share_of_matched_mentions_with_equal_values():
    a = doc("d", span("ADR", (0, 3), MedDRA="100"), span("ADR", (5, 8), MedDRA="200"), span("ADR", (10, 12)))
    b = doc("d", span("ADR", (0, 3), MedDRA="100"), span("ADR", (5, 8), MedDRA="201"))
    a.id = b.id = 1
    attrs = agreement({"A": {1: a}, "B": {1: b}})["pairs"][0]["attributes"]
    assert attrs["matched"] == 2 and attrs["agreement"] == 0.5
    assert attrs["per_attribute"] == {"MedDRA": {"matched": 2, "agreement": 0.5}}


def test_documents_by_agreement_least_first():
    layers = layers_of(*corpus())
    rows = documents_by_agreement(layers["A"], layers["B"], "span_intersection_tag_ignored")
    assert rows == [(4, 0.0), (2, 0.5), (1, 1.0), (3, 1.0), (5, None)]


def store_with(tmp_path, a: list[Document], b: list[Document]) -> str:
    db = str(tmp_path / "team.sqlite")
    with Store.open(db) as store:
        store.import_documents(a, annotator="A")
        store.import_documents(b, annotator="B")
    return db


def test_store_layers_and_cli_json(tmp_path, capsys):
    a, b = corpus()
    db = store_with(tmp_path, a, b)
    with Store.open(db) as store:
        store.import_documents([doc("stacked", span("ADR", (30, 33)))])   # shared gold is nobody's layer
        layers = store.done_layers()
    assert sorted(layers) == ["A", "B"] and len(layers["A"]) == 6 and len(layers["B"]) == 5
    code = main(["--db", db, "agreement", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    (pair,) = out["pairs"]
    assert set(pair) >= {"a", "b", "documents", *FLAG_KEYS, "per_tag", "chains"}
    assert pair["documents"] == 4
    for key, value in EXPECTED.items():
        assert pair[key] == pytest.approx(value)
        assert out["average"][key] == pytest.approx(value)
    code = main(["--db", db, "agreement", "--annotators", "A,Nobody"])
    assert code == 2 and "Nobody" in capsys.readouterr().err


def test_cli_import_annotator_layers_are_done(tmp_path, capsys):
    from rdrs_gui.core.formats import jsonl

    a, b = corpus()
    db = str(tmp_path / "cli.sqlite")
    for name, docs in (("A", a), ("B", b)):
        for d in docs:
            d.status = "new"    # a per-annotator export says nothing of review states
        path = tmp_path / f"{name}.jsonl"
        jsonl.write(docs, path)
        assert main(["--db", db, "import", str(path), "--annotator", name]) == 0
    capsys.readouterr()
    assert main(["--db", db, "agreement", "--json"]) == 0
    pair = json.loads(capsys.readouterr().out)["pairs"][0]
    assert pair["documents"] == 5   # every document done by both now, "only A done" included
    assert pair["span_strict_tag_strict"] == pytest.approx((0.5 + 0 + 0 + 0 + 1) / 5)


def brute_force_matching(a: list, b: list, fits) -> int:  # noqa: ANN001
    """The largest one-to-one matching by trying every assignment (small sets only)."""
    best = 0

    def extend(i: int, used: frozenset, size: int) -> None:
        nonlocal best
        if size + (len(a) - i) <= best:
            return
        if i == len(a):
            best = max(best, size)
            return
        for j, y in enumerate(b):
            if j not in used and fits(a[i], y):
                extend(i + 1, used | {j}, size + 1)
        extend(i + 1, used, size)

    extend(0, frozenset(), 0)
    return best


def test_matching_equals_brute_force_on_random_documents():
    import random

    rng = random.Random(11)

    def chars(fragments) -> set[int]:  # noqa: ANN001
        return {c for s, e in fragments for c in range(s, e)}

    def random_spans() -> list[Span]:
        spans = []
        for _ in range(rng.randint(0, 7)):
            start = rng.randrange(0, 30)
            frags = [(start, start + rng.randint(1, 4))]
            if rng.random() < 0.3:
                gap = frags[0][1] + rng.randint(1, 3)
                frags.append((gap, gap + rng.randint(1, 3)))
            spans.append(Span(set(rng.sample(["ADR", "Drugname", "DrugBrand"], rng.randint(1, 2))), frags))
        return spans

    for _ in range(300):
        sa, sb = random_spans(), random_spans()
        for tag_strict in (True, False):
            a, b = sorted(mentions(sa, tag_strict)), sorted(mentions(sb, tag_strict))
            loose = brute_force_matching(a, b, lambda x, y: x[0] == y[0] and bool(chars(x[1]) & chars(y[1])))
            strict = brute_force_matching(a, b, lambda x, y: x == y)
            assert matched(set(a), set(b), span_strict=False) == loose
            assert matched(set(a), set(b), span_strict=True) == strict
