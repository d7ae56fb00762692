"""Normalisation: the paper's grouping on cases computed by hand, the lemma key, code suggestion
ranking, and the ``rdrs normalise`` commands on real files."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from rdrs_gui.cli import main
from rdrs_gui.core.document import Document, Span
from rdrs_gui.core.normalise import grouping, mednorm
from rdrs_gui.core.normalise.lemmas import lemma_key
from rdrs_gui.core.normalise.suggest import CodeSuggester, accuracy
from rdrs_gui.core.store import Store


# Ratcliff/Obershelp ratio = 2·M / (|a| + |b|), M the matched characters:
#   abcdefghij ~ abcdefghiy: M = 9 ("abcdefghi")             -> 18/20 = 0.9
#   abcdefghij ~ abcdefghyy: M = 8 ("abcdefgh")              -> 16/20 = 0.8
#   abcdefghiy ~ abcdefghyy: M = 9 ("abcdefgh" + "y")        -> 18/20 = 0.9
#   xbcdefghij ~ abcdefghij: M = 9 ("bcdefghij") -> 0.9;  ~ abcdefghiy: M = 8 -> 0.8;  ~ abcdefghyy: M = 7 -> 0.7
def test_a_mention_joins_the_group_whose_mean_similarity_exceeds_the_threshold():
    assert grouping.similarity("abcdefghij", "abcdefghiy") == pytest.approx(0.9)
    groups = grouping.group([("abcdefghij", 1), ("abcdefghiy", 2), ("abcdefghyy", 3), ("xbcdefghij", 4)])
    # abcdefghyy: mean (0.8 + 0.9) / 2 = 0.85 > 0.8 joins; xbcdefghij: mean (0.9 + 0.8 + 0.7) / 3 = 0.8,
    # not above 0.8, so it starts a group although its best single similarity is 0.9
    assert [g.items for g in groups] == [[1, 2, 3], [4]]
    lower = grouping.group([("abcdefghij", 1), ("abcdefghiy", 2), ("abcdefghyy", 3), ("xbcdefghij", 4)], 0.79)
    assert [g.items for g in lower] == [[1, 2, 3, 4]], "the threshold is tunable"


def test_the_first_mention_of_two_exactly_at_the_threshold_stays_alone():
    # abcde ~ abcdf: M = 4 -> 8/10 = 0.8, not above 0.8
    assert [g.items for g in grouping.group([("abcde", 1), ("abcdf", 2)])] == [[1], [2]]


def test_a_group_is_named_by_its_most_frequent_mention_and_case_is_ignored():
    groups = grouping.group([("Тошноты", "a"), ("тошнота", "b"), ("ТОШНОТА", "c"), ("сыпь", "d")])
    # тошноты ~ тошнота: M = 6 ("тошнот") -> 12/14 = 0.857
    assert [(g.name, g.size, g.items) for g in groups] == [("тошнота", 3, ["a", "b", "c"]), ("сыпь", 1, ["d"])]


def test_lemma_key_drops_case_inflection_and_function_words():
    assert lemma_key("Болела ГОЛОВА") == lemma_key("болит голова") == "болеть голова"
    assert lemma_key("у меня ёлка") == "елка"
    assert lemma_key("и") == "и", "a mention of function words alone keeps them"
    assert lemma_key("Severe headache") == "severe headache", "other scripts pass through"


TRAIN = [("болит голова", "10019211"), ("головная боль", "10019211"), ("боль в голове", "10019211"),
         ("головные боли", "10019211"), ("тошнота", "10028813"), ("тошнило", "10028813"),
         ("подташнивание", "10028813"), ("сыпь", "10037844"), ("сыпь на коже", "10037844"),
         ("высыпания", "10037844")]


def test_exact_lemma_match_ranks_first_then_the_classifier():
    suggester = CodeSuggester().fit(TRAIN)
    (exact,), = [suggester.suggest(["Болела голова"], top=1)[0]]
    assert exact.code == "10019211" and exact.score > 0.9, "'болеть голова' is a coded key"
    ranked = suggester.suggest(["сильная головная боль", "подташнивает", "мелкая сыпь"])
    assert [r[0].code for r in ranked] == ["10019211", "10028813", "10037844"]
    assert all(len(r) == 3 and [s.score for s in r] == sorted((s.score for s in r), reverse=True) for r in ranked)
    assert all(s.score < 0.9 for r in ranked for s in r), "no exact key: only the classifier scores"


def test_a_key_coded_two_ways_offers_both_most_frequent_first():
    suggester = CodeSuggester().fit(TRAIN + [("слабость", "A"), ("слабость", "B"), ("слабость", "B")])
    ranked = suggester.suggest(["Слабость"])[0]
    assert [s.code for s in ranked[:2]] == ["B", "A"] and ranked[0].score > ranked[1].score > 0.9


def test_one_code_or_none_learnt():
    assert CodeSuggester().fit([]).suggest(["что-то"]) == [[]]
    assert [s.code for s in CodeSuggester().fit([("сыпь", "X")]).suggest(["зуд"])[0]] == ["X"]


def test_accuracy_counts_hits_at_one_and_five():
    suggester = CodeSuggester().fit(TRAIN)
    scores = accuracy(suggester, [("головная боль", "10019211"), ("головная боль", "10028813"),
                                  ("головная боль", "99")])
    assert scores == {"acc1": pytest.approx(1 / 3), "acc5": pytest.approx(2 / 3), "n": 3}


def mednorm_csv(path, rows):
    path.write_text("mention,tag,pt code,fold id\n" + "".join(f"{m},{t},{c},1\n" for m, t, c in rows),
                    encoding="utf-8")
    return path


def test_cli_eval_learns_per_tag_and_prints_json(tmp_path, capsys):
    train = mednorm_csv(tmp_path / "train.csv", [(m, "ADR", c) for m, c in TRAIN] + [("тошнота", "Indication", "I")])
    test = mednorm_csv(tmp_path / "test.csv", [("головная боль", "ADR", "10019211"), ("тошнота", "ADR", "10028813"),
                                               ("тошнота", "Indication", "I"), ("сыпь", "ADR", "10028813")])
    assert main(["normalise", "eval", "--train", str(train), "--test", str(test), "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"acc1": 0.75, "acc5": 1.0, "n": 4}


def test_cli_eval_names_a_bad_csv_line(tmp_path, capsys):
    good = mednorm_csv(tmp_path / "good.csv", TRAIN and [("сыпь", "ADR", "1")])
    bad = tmp_path / "bad.csv"
    bad.write_text("mention,tag,pt code,fold id\nсыпь,ADR,,1\n", encoding="utf-8")
    assert main(["normalise", "eval", "--train", str(good), "--test", str(bad)]) == 2
    assert f"{bad}:2: empty mention or code" in capsys.readouterr().err
    nohead = tmp_path / "nohead.csv"
    nohead.write_text("сыпь,ADR,1,1\n", encoding="utf-8")
    with pytest.raises(Exception, match=r"nohead.csv:1: header lacks mention, tag, pt code"):
        mednorm.read(nohead)


def test_cli_group_lists_groups_with_codes_and_documents(tmp_path, capsys):
    db = tmp_path / "g.sqlite"
    with Store.open(db) as store:
        store.import_documents([
            Document("r1", "Болела голова и тошнота.", spans=[Span({"ADR"}, [(0, 13)], {"MedDRA": "10019211"}),
                                                             Span({"ADR"}, [(16, 23)])]),
            Document("r2", "Голова болела сильно.", spans=[Span({"ADR"}, [(0, 13)])]),
            Document("r3", "болела голова", spans=[Span({"ADR"}, [(0, 13)]), Span({"Indication"}, [(0, 6)])]),
        ])
    assert main(["--db", str(db), "normalise", "group", "--tag", "ADR", "--json"]) == 0
    groups = json.loads(capsys.readouterr().out)
    assert [(g["name"], g["size"], g["codes"]) for g in groups] == [
        ("болела голова", 2, ["10019211"]), ("тошнота", 1, []), ("голова болела", 1, [])]
    assert [(m["document"], m["span"]) for m in groups[0]["members"]] == [("r1", "T1"), ("r3", "T1")]


def test_stats_count_coded_shares_and_top_codes(tmp_path, capsys):
    text = "Нурофен и Метформин, болела голова."
    docs = [Document("a", text, spans=[
        Span({"DrugName", "DrugBrand"}, [(0, 7)], {"ATC": "M01AE01"}),
        Span({"DrugName"}, [(10, 19)], {"ATC": "A10BA02"}),
        Span({"ADR"}, [(21, 34)], {"MedDRA": "10019211;10019198"}),
        Span({"ADR"}, [(28, 34)], status="suggested", attrs={"MedDRA": "1"})]),
        Document("b", text, spans=[Span({"DrugName"}, [(10, 19)], {"ATC": "A10BA02"}), Span({"ADR"}, [(21, 34)])])]
    db = tmp_path / "s.sqlite"
    with Store.open(db) as store:
        store.import_documents(docs)
    assert main(["--db", str(db), "stats", "--json"]) == 0
    coding = json.loads(capsys.readouterr().out)["coding"]
    assert coding["tags"] == {"DrugName": {"mentions": 3, "coded": 3, "share": 1.0},
                              "ADR": {"mentions": 2, "coded": 1, "share": 0.5}}, \
        "DrugBrand has no code attribute and nothing coded; the suggestion is not counted"
    assert coding["atc"] == [["A10BA02", 2], ["M01AE01", 1]]
    assert coding["atc_groups"] == [["A10", 2], ["M01", 1]]
    assert coding["meddra"] == [["10019211", 1], ["10019198", 1]]
    assert main(["--db", str(db), "stats"]) == 0
    assert "coded share: DrugName 3/3 (100%), ADR 1/2 (50%)" in capsys.readouterr().out


def test_coding_a_group_is_one_transaction_and_undoes_exactly(tmp_path):
    from rdrs_gui.core.normalise.group_coding import apply_group_edit, code_group
    text = "Болела голова. Тошнота."
    with Store.open(tmp_path / "c.sqlite") as store:
        ids = store.import_documents([
            Document("r1", text, spans=[Span({"ADR"}, [(0, 13)], {"MedDRA": "1"}), Span({"ADR"}, [(15, 22)])]),
            Document("r2", text, spans=[Span({"ADR"}, [(0, 13)]),
                                        Span({"ADR"}, [(15, 22)], origin="model:v", status="suggested")]),
        ], annotator="anna").document_ids

        def codes() -> list[tuple[str, str, str | None]]:
            docs = [store.load_document(i, "anna") for i in ids]
            return [(doc.name, s.status, s.attrs.get("MedDRA"))
                    for doc in docs for s in sorted(doc.spans, key=lambda s: (s.fragments, s.status))]
        before = codes()
        undo = code_group(store, [(ids[0], "T1"), (ids[1], "T1"), (ids[1], "T2")], "MedDRA", "10019211", "anna")
        assert codes() == [("r1", "gold", "10019211"), ("r1", "gold", None), ("r2", "gold", "10019211"),
                           ("r2", "accepted", "10019211"), ("r2", "rejected", None)], \
            "a suggestion is rejected and an accepted copy carries the code, as in the editor"
        redo = apply_group_edit(store, undo, "anna")
        assert codes() == before
        apply_group_edit(store, redo, "anna")
        assert [c[2] for c in codes()].count("10019211") == 3


def test_brat_writes_a_code_only_on_the_stacked_tag_it_belongs_to():
    from rdrs_gui.core.formats._brat_write import ann_lines
    doc = Document("d", "Нурофен помог.", spans=[
        Span({"DrugName", "DrugBrand"}, [(0, 7)], {"ATC": "M01AE01", "Note": "x"}, id="T1")])
    lines = ann_lines(doc)
    tids = {line.split("\t")[1].split()[0]: line.split("\t")[0] for line in lines if line.startswith("T")}
    attributes = [line.split("\t")[1] for line in lines if line.startswith("A")]
    assert f"ATC {tids['DrugName']} M01AE01" in attributes
    assert not any(a.startswith("ATC") and tids["DrugBrand"] in a.split() for a in attributes), \
        "the DrugName's ATC code is not written onto the DrugBrand"
    assert any(a.startswith("Note") and tids["DrugBrand"] in a.split() for a in attributes), \
        "an attribute of no particular tag stays on both"


class FirstWordWorker:
    """A scripted tagger: the first word of every text is an ADR suggestion."""

    info = {"version": "v1", "kind": "tagger"}
    starts = 1
    model_dir = Path("v1")

    def start(self) -> dict:
        return self.info

    def predict(self, documents: list[dict], timeout: float | None = None) -> list[dict]:
        return [{"name": d["name"], "spans": [{"labels": ["ADR"], "fragments": [[0, d["text"].index(" ")]],
                                               "score": 0.9}]} for d in documents]


def test_preannotation_codes_its_suggestions_and_never_a_human_span(tmp_path):
    from test_terminology import release

    from rdrs_gui.core import terminology
    from rdrs_gui.jobs.preannotate import preannotate
    with Store.open(tmp_path / "p.sqlite") as store:
        ids = store.import_documents([
            Document("gold", "Тошнило весь день.", spans=[Span({"ADR"}, [(0, 7)], {"MedDRA": "10028813"})]),
            Document("raw1", "Тошнило после еды."),
            Document("raw2", "Подташнивание было."),
            Document("raw3", "Сонливость была."),
            Document("human", "Рвало утром.", spans=[Span({"ADR"}, [(0, 5)], {"MedDRA": "X"})]),
        ], annotator="anna").document_ids
        store.import_terms("meddra", terminology.read_meddra(release(tmp_path / "meddra")))
        preannotate(store, {"tagger": FirstWordWorker()}, ids[1:], annotator="anna")
        got = {store.load_document(i, "anna").name: [(s.status, s.attrs) for s in store.load_document(i, "anna").spans]
               for i in ids[1:]}
    assert got["raw1"] == [("suggested", {"MedDRA": "10028813"})], "learnt from the coded 'Тошнило'"
    assert got["raw2"] == [("suggested", {"MedDRA": "10028813"})], "an LLT name gives its PT"
    assert got["raw3"][0][1]["MedDRA"] in {"10028813", "X"}, "no match: the classifier's best guess"
    assert got["human"] == [("gold", {"MedDRA": "X"})], "a human's span and code stay as they were"


def test_cli_suggest_ranks_codes_for_uncoded_mentions(tmp_path, capsys):
    db = tmp_path / "s.sqlite"
    with Store.open(db) as store:
        store.import_documents([Document("r1", "Болела голова.", spans=[Span({"ADR"}, [(0, 13)], {"MedDRA": "H"})]),
                                Document("r2", "Тошнота весь день.", spans=[Span({"ADR"}, [(0, 7)], {"MedDRA": "N"})]),
                                Document("r3", "Голова болела, тошнота.", spans=[Span({"ADR"}, [(0, 13)]),
                                                                             Span({"ADR"}, [(15, 22)])])])
    assert main(["--db", str(db), "normalise", "suggest", "--tag", "ADR", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["document"], r["text"], r["suggestions"][0]["code"]) for r in rows] == [
        ("r3", "Голова болела", "H"), ("r3", "тошнота", "N")]
    assert [r["suggestions"][0]["score"] > 0.9 for r in rows] == [False, True], \
        "'тошнота' is a coded key; 'голова болела' only resembles 'болела голова' (word order counts)"
    assert all(len(r["suggestions"]) == 2 for r in rows)
    assert main(["--db", str(db), "normalise", "suggest", "--tag", "Dosage"]) == 2
    assert "nothing to learn Dosage codes from" in capsys.readouterr().err
