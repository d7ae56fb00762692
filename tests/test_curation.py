"""Curation: the automatic merge (unanimous, uncontested, majority; stacked, nested and
discontinuous spans kept tag by tag), its change set on the shared layer, and ``rdrs curate
--auto`` end to end with ``export --layer``."""
from __future__ import annotations

import json

from rdrs_gui.cli import main
from rdrs_gui.core.changes import AddSpan, DeleteSpan, SetDocumentStatus
from rdrs_gui.core.curation import MAJORITY, UNCONTESTED, auto_merge, curation_changes, document_agreement
from rdrs_gui.core.document import DOC_CURATED, DOC_DONE, DOC_IN_PROGRESS, GOLD, Chain, Document, Mention, Span
from rdrs_gui.core.formats import jsonl
from rdrs_gui.core.store import Store

TEXT = "y" * 40


def doc(name: str, *spans: Span, chains: list[Chain] | None = None, status: str = DOC_DONE) -> Document:
    return Document(name, TEXT, spans=list(spans), chains=chains or [], status=status)


def span(labels: str, *fragments: tuple[int, int], **attrs: str) -> Span:
    return Span(set(labels.split("+")), list(fragments), dict(attrs))


def keys(spans: list[Span]) -> set[tuple]:
    return {s.key() for s in spans}


def test_unanimous_keeps_exactly_the_agreed_mentions_tag_by_tag():
    a = doc("d", span("Drugname+DrugBrand", (0, 5)), span("ADR", (10, 15), (20, 25)), span("Drugname", (30, 33)),
            span("Indication", (35, 38), code="1"))
    b = doc("d", span("Drugname", (0, 5)), span("ADR", (10, 15), (20, 25)), span("ADR", (30, 33)),
            span("Indication", (35, 38), code="2"))
    merged = auto_merge([a, b])
    assert keys(merged.spans) == {(((0, 5),), ("Drugname",), ()), (((10, 15), (20, 25)), ("ADR",), ())}
    assert all(s.status == GOLD for s in merged.spans)
    assert len(merged.disagreements) == 5   # DrugBrand, Drugname and ADR at 30, both Indication codes


def test_unanimous_stacked_spans_stay_stacked():
    a = doc("d", span("Drugname+DrugBrand", (0, 5)))
    b = doc("d", span("Drugname", (0, 5)), span("DrugBrand", (0, 5)))   # the same, as two spans
    (merged,) = auto_merge([a, b]).spans
    assert merged.labels == {"Drugname", "DrugBrand"} and merged.fragments == [(0, 5)]


def test_majority_of_three():
    a = doc("d", span("ADR", (0, 3)), span("ADR", (5, 8)))
    b = doc("d", span("ADR", (0, 3)))
    c = doc("d", span("ADR", (5, 9)))
    assert keys(auto_merge([a, b, c], MAJORITY).spans) == {(((0, 3),), ("ADR",), ())}


def test_uncontested_takes_what_nobody_contradicts():
    a = doc("d", span("Drugname", (0, 10)), span("ADR", (2, 4)), span("ADR", (12, 15)), span("ADR", (20, 25)))
    b = doc("d", span("Drugname", (0, 10)), span("ADR", (21, 27)), span("Indication", (30, 33)))
    merged = auto_merge([a, b], UNCONTESTED)
    assert keys(merged.spans) == {(((0, 10),), ("Drugname",), ()), (((2, 4),), ("ADR",), ()),
                                  (((12, 15),), ("ADR",), ()), (((30, 33),), ("Indication",), ())}


def test_chains_merge_whole():
    m1, m2, m3 = Mention([(0, 2)]), Mention([(5, 7)]), Mention([(10, 12)])
    a = doc("d", chains=[Chain([m1, m2]), Chain([m3], "Context")])
    b = doc("d", chains=[Chain([m1, m2]), Chain([m3, m1], "Context")])
    (chain,) = auto_merge([a, b]).chains
    assert chain.label == "Coreference" and [m.fragments for m in chain.mentions] == [[(0, 2)], [(5, 7)]]


def test_document_agreement_mean_over_pairs():
    a, b = doc("d", span("ADR", (0, 3))), doc("d", span("ADR", (0, 3)), span("ADR", (5, 8)))
    assert document_agreement([a, b]) == 0.5
    assert document_agreement([doc("d"), doc("d")]) == 1.0


def test_change_set_keeps_what_is_there_and_takes_fresh_keys():
    shared = doc("d", Span({"ADR"}, [(0, 3)], id="T1"), Span({"Drugname"}, [(5, 8)], id="T2"))
    merged = auto_merge([doc("d", span("ADR", (0, 3)), span("ADR", (10, 12)))] * 2)
    changes = curation_changes(shared, merged, {"T": {"T1", "T2", "T7"}})
    assert changes[0] == DeleteSpan("T2")
    (added,) = [c for c in changes if isinstance(c, AddSpan)]
    assert added.span.id == "T8" and added.span.fragments == [(10, 12)]
    tagged = curation_changes(shared, merged, {"T": {"T1", "T2", "T7-ab12"}}, "-cd34")
    assert [c.span.id for c in tagged if isinstance(c, AddSpan)] == ["T8-cd34"]
    assert changes[-1] == SetDocumentStatus(DOC_CURATED)


def write_layers(tmp_path, capsys) -> str:
    db = str(tmp_path / "cur.sqlite")
    a = [doc("r1", span("Drugname+DrugBrand", (0, 5)), span("ADR", (10, 15), (20, 25)), span("ADR", (30, 33))),
         doc("r2", span("ADR", (0, 4))),
         doc("r3", span("ADR", (0, 4)))]
    b = [doc("r1", span("Drugname", (0, 5)), span("ADR", (10, 15), (20, 25))),
         doc("r2", span("Drugname", (0, 4))),
         doc("r3", span("ADR", (0, 4)), status=DOC_IN_PROGRESS)]
    with Store.open(db) as store:
        store.import_documents(a, annotator="A")
        store.import_documents(b, annotator="B")
        # imported shared data on r1 the curation replaces
        store.import_documents([Document("r1", TEXT, spans=[span("Indication", (35, 38))])])
    capsys.readouterr()
    return db


def read_curated(tmp_path, db: str, capsys) -> dict[str, Document]:
    out = tmp_path / "curated.jsonl"
    assert main(["--db", db, "export", "--format", "jsonl", "--out", str(out), "--layer", "curated"]) == 0
    capsys.readouterr()
    return {d.name: d for d in jsonl.read(out).documents}


def test_cli_curate_auto_unanimous_then_export_the_curated_layer(tmp_path, capsys):
    db = write_layers(tmp_path, capsys)
    assert main(["--db", db, "curate", "--auto", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in report["documents"]] == ["r1", "r2"]
    assert report["skipped"]["not_ready"] == 1          # r3: B has not finished it
    curated = read_curated(tmp_path, db, capsys)
    assert keys(curated["r1"].spans) == {(((0, 5),), ("Drugname",), ()), (((10, 15), (20, 25)), ("ADR",), ())}
    assert curated["r1"].status == DOC_CURATED
    assert curated["r2"].spans == [] and curated["r2"].status == DOC_CURATED
    assert curated["r3"].status != DOC_CURATED
    # the annotators' layers are untouched
    out = tmp_path / "a.jsonl"
    assert main(["--db", db, "export", "--format", "jsonl", "--out", str(out), "--layer", "A"]) == 0
    a_layer = {d.name: d for d in jsonl.read(out).documents}
    assert len(a_layer["r1"].spans) == 3 and a_layer["r1"].status == DOC_DONE
    # a second run leaves curated documents alone; --redo redoes them
    capsys.readouterr()
    assert main(["--db", db, "curate", "--auto", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["skipped"]["already_curated"] == 2


def test_cli_curate_min_agreement_and_majority(tmp_path, capsys):
    db = write_layers(tmp_path, capsys)
    assert main(["--db", db, "curate", "--auto", "--min-agreement", "0.5", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    # r1: 2 matched of max(4, 2) = 0.5; r2: 0
    assert [r["name"] for r in report["documents"]] == ["r1"] and report["skipped"]["below_agreement"] == 1
    assert main(["--db", db, "curate", "--auto", "--uncontested", "--redo", "--json"]) == 0
    capsys.readouterr()
    curated = read_curated(tmp_path, db, capsys)
    assert (((30, 33),), ("ADR",), ()) in keys(curated["r1"].spans)      # only A marked it, nobody objects
    assert curated["r2"].spans == []                                      # ADR vs Drugname on the same words


def test_cli_assign_balanced_and_by_hand(tmp_path, capsys):
    db = str(tmp_path / "assign.sqlite")
    with Store.open(db) as store:
        store.import_documents([Document(f"r{i}", TEXT) for i in range(6)])
    assert main(["--db", db, "assign", "--annotators", "A,B,C", "--per-document", "2", "--json"]) == 0
    table = json.loads(capsys.readouterr().out)
    assert all(len(who) == 2 for who in table.values()) and len(table) == 6
    with Store.open(db) as store:
        assert store.annotators_per_document() == 2
        assert sorted(len(store.queue(n)) for n in "ABC") == [4, 4, 4]
        first = store.document_ids()[0]
    assert main(["--db", db, "assign", "--to", "D", "--docs", str(first)]) == 0
    with Store.open(db) as store:
        assert store.queue("D") == [first]
    assert main(["--db", db, "assign", "--annotators", "A", "--per-document", "2"]) == 2
    capsys.readouterr()
    assert main(["--db", db, "assign", "--see-others", "on"]) == 0
    assert "see each other" in capsys.readouterr().out
    with Store.open(db) as store:
        assert store.others_visible() and store.visible_annotators("A") == ["A", "B", "C", "D"]


def test_training_takes_curated_gold_else_an_annotators_done_layer(tmp_path, capsys):
    from rdrs_gui.jobs import training
    from rdrs_gui.jobs.training import TrainingRequest

    db = write_layers(tmp_path, capsys)
    assert main(["--db", db, "curate", "--auto"]) == 0          # r1 and r2 curated; r3 done by A only
    capsys.readouterr()
    with Store.open(db) as store:
        data = training.collect(store, TrainingRequest(), tmp_path / "snap")
    assert (data.curated, data.annotator_layers, data.marked_done) == (2, 1, 3)
    rows = {d.name: d for d in jsonl.read(data.train_path).documents + jsonl.read(data.dev_path).documents}
    assert set(rows) == {"r1", "r2", "r3"}
    assert keys(rows["r1"].spans) == {(((0, 5),), ("Drugname",), ()), (((10, 15), (20, 25)), ("ADR",), ())}
    assert keys(rows["r3"].spans) == {(((0, 4),), ("ADR",), ())}       # A's layer (B's is in progress)
    assert data.snapshot(None)["annotator_layers"] == 1
    with Store.open(db) as store:     # B retrains in the app: r3, unfinished by B, comes from A's layer
        for_b = training.collect(store, TrainingRequest(annotator="B"), tmp_path / "snap-b")
    assert (for_b.annotator_layers, for_b.marked_done) == (1, 3)
