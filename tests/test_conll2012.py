"""CoNLL-2012 reader/writer and ``python -m trainer coref score``."""
from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction as F
from pathlib import Path

import pytest

from coref_cases_support import CASES, DATA, ORIGINALS, files, part
from rdrs_gui.core.document import Chain, Document, Mention
from rdrs_gui.core.errors import FormatError
from trainer.coref import conll2012
from trainer.coref.cli import main as coref_main
from trainer.coref.score import partition, score_conll
from trainer.metrics import coref_scores

# Two sentences, "Врач назначил мне кортексин ." and "Он помог мне .": chain 1 = кортексин / Он,
# chain 2 = "Врач назначил мне" (a singleton), chain 3 = мне / мне, nested in chain 2's mention.
KEY = """#begin document (review_1); part 000
review_1\t0\t0\tВрач\t_\t_\t_\t_\t_\t_\t(2
review_1\t0\t1\tназначил\t_\t_\t_\t_\t_\t_\t-
review_1\t0\t2\tмне\t_\t_\t_\t_\t_\t_\t(3)|2)
review_1\t0\t3\tкортексин\t_\t_\t_\t_\t_\t_\t(1)
review_1\t0\t4\t.\t_\t_\t_\t_\t_\t_\t-

review_1\t0\t0\tОн\t_\t_\t_\t_\t_\t_\t(1)
review_1\t0\t1\tпомог\t_\t_\t_\t_\t_\t_\t-
review_1\t0\t2\tмне\t_\t_\t_\t_\t_\t_\t(3)
review_1\t0\t3\t.\t_\t_\t_\t_\t_\t_\t-

#end document
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def mentions_text(doc: Document) -> list[list[str]]:
    return sorted([doc.text[m.start:m.end] for m in c.mentions] for c in doc.chains)


def test_read_builds_text_and_character_chains(tmp_path):
    [doc] = conll2012.read(write(tmp_path, "k.conll", KEY))
    assert doc.name == "review_1" and doc.meta["conll_part"] == "000"
    assert doc.text == "Врач назначил мне кортексин .\nОн помог мне ."
    assert mentions_text(doc) == [["Врач назначил мне"], ["кортексин", "Он"], ["мне", "мне"]]
    assert doc.problems() == []


def test_round_trip(tmp_path):
    docs = conll2012.read(write(tmp_path, "k.conll", KEY))
    out = tmp_path / "again.conll"
    conll2012.write(docs, out)
    again = conll2012.read(out)
    assert [d.text for d in again] == [d.text for d in docs]
    assert [sorted(c.key() for c in d.chains) for d in again] == [sorted(c.key() for c in d.chains) for d in docs]


def test_write_other_documents_snaps_mentions_to_tokens(tmp_path):
    text = "Принимала Ноотропил-форте две недели. Он не помог."
    doc = Document("r2", text, chains=[Chain([Mention([(10, 19)]), Mention([(38, 40)])])])
    out = tmp_path / "o.conll"
    conll2012.write([doc], out)
    [back] = conll2012.read(out)
    # razdel keeps "Ноотропил-форте" as one word: the mention grows to the whole token
    assert mentions_text(back) == [["Ноотропил-форте", "Он"]]


@pytest.mark.parametrize("body,message", [
    ("d\t0\t0\tслово\t_\t_\t_\t_\t_\t_\t(1\n#end document\n", "never closes"),
    ("d\t0\t0\tслово\t_\t_\t_\t_\t_\t_\t1)\n#end document\n", "never opened"),
    ("d\t0\t0\tслово\t_\t_\t_\t_\t_\t_\t(x)\n#end document\n", "bad coreference cell"),
    ("d\t0\t0\tслово\n#end document\n", "at least 5 columns"),
    ("d\t0\t0\tслово\t_\t_\t_\t_\t_\t_\t-\n", "no '#end document'"),
])
def test_bad_files_raise_format_error_with_line(tmp_path, body, message):
    path = write(tmp_path, "bad.conll", "#begin document (d); part 000\n" + body)
    with pytest.raises(FormatError, match=message) as info:
        conll2012.read(path)
    assert info.value.line is not None


def test_rucoco_sample_conll_matches_its_json(shared_data):
    sample = shared_data / "rucoco" / "samples"
    for conll in sorted(sample.glob("*.conll")):
        [doc] = conll2012.read(conll)
        data = json.loads((conll.with_suffix(".json")).read_text(encoding="utf-8"))
        from_json = sorted([data["text"][s:e].replace(" ", "") for s, e in chain] for chain in data["entities"])
        from_conll = sorted([t.replace(" ", "") for t in chain] for chain in mentions_text(doc))
        assert from_conll == from_json


# The reference scorer's TC-A-4 as files: key {a} {bc} {def}, response {a} {bcx} {dy} {z}.
def _conll(name: str, cells: list[str]) -> str:
    lines = [f"#begin document ({name}); part 000"]
    lines += [f"{name}\t0\t{i}\tw{i}\t_\t_\t_\t_\t_\t_\t{c}" for i, c in enumerate(cells)]
    return "\n".join(lines + ["", "#end document", ""])


def test_score_cli_on_reference_case(tmp_path, capsys):
    # tokens: a b c d e f x y z
    key = _conll("tc", ["(0)", "(1)", "(1)", "(2)", "(2)", "(2)", "-", "-", "-"])
    resp = _conll("tc", ["(0)", "(1)", "(1)", "(2)", "-", "-", "(1)", "(2)", "(3)"])
    code = coref_main(["score", "--key", str(write(tmp_path, "k", key)),
                       "--response", str(write(tmp_path, "r", resp)), "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert out["muc"] == pytest.approx([1 / 3, 1 / 3, 1 / 3])
    assert out["bcub"] == pytest.approx([5 / 9, 17 / 42, 2 * (5 / 9) * (17 / 42) / (5 / 9 + 17 / 42)])
    assert out["ceafm"] == pytest.approx([4 / 6, 4 / 7, 8 / 13])
    assert out["ceafe"][:2] == pytest.approx([11 / 15, 11 / 20])
    assert out["avg_f1"] == pytest.approx((out["muc"][2] + out["bcub"][2] + out["ceafe"][2]) / 3)


def test_score_cli_reports_bad_file(tmp_path, capsys):
    bad = write(tmp_path, "bad", "#begin document (d); part 000\nd\t0\t0\tw\t_\t(1\n#end document\n")
    assert coref_main(["score", "--key", str(bad), "--response", str(bad), "--json"]) == 1
    assert "never closes" in capsys.readouterr().err


# The reference scorer's own files (tests/data/conll2012_scorer): mentions are token positions.

def _expected(want: dict) -> dict:
    return {name: [float(x) for x in values] for name, values in want.items()}


@pytest.mark.parametrize("case,key,response,expected", CASES, ids=[c[0] for c in CASES])
def test_reference_files_score_as_the_reference_scorer(case, key, response, expected, capsys):
    key_file, response_file = files(case)
    assert coref_main(["score", "--key", str(key_file), "--response", str(response_file), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for name, want in _expected(expected).items():
        assert out[name] == pytest.approx(want, abs=1e-9), (case, name)


@pytest.mark.parametrize("case,expected", ORIGINALS, ids=[c[0] for c in ORIGINALS])
def test_the_reference_files_tc_o_score_as_the_reference_scorer(case, expected, capsys):
    key_file, response_file = files(case)
    assert "(1(2" in key_file.read_text(encoding="utf-8")  # two openings in one cell, no "|"
    assert coref_main(["score", "--key", str(key_file), "--response", str(response_file), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for name, want in _expected(expected).items():
        assert out[name] == pytest.approx(want, abs=1e-9), (case, name)


def test_every_reference_file_is_a_case():
    used = {path.name for case, *_ in CASES + ORIGINALS for path in files(case)}
    assert used == {path.name for path in DATA.glob("TC-*")}


# The reference repository's other test files (tests/data/conll2012_scorer/more, byte for byte),
# with what its scorer v8.01 printed for each pair when run on them here: counts as n / d, F1 as a
# percentage cut (not rounded) to two decimals.
MORE = json.loads((DATA / "more" / "reference_scores.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", MORE, ids=[c["response"] for c in MORE])
def test_more_reference_files_score_as_the_reference_scorer(case, capsys):
    key, response = DATA / "more" / case["key"], DATA / "more" / case["response"]
    assert coref_main(["score", "--key", str(key), "--response", str(response), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for name, printed in case["reference"].items():
        (nr, dr), (np_, dp) = printed["recall"], printed["precision"]
        assert out[name][:2] == pytest.approx([nr / dr if dr else 0, np_ / dp if dp else 0], abs=1e-9), name
        assert printed["f1_printed"] - 1e-6 <= out[name][2] * 100 < printed["f1_printed"] + 0.01 + 1e-6, name


def test_more_reference_files_are_all_scored():
    used = {case[side] for case in MORE for side in ("key", "response")}
    assert used == {p.relative_to(DATA / "more").as_posix() for p in (DATA / "more").rglob("*")
                    if p.is_file() and p.name != "reference_scores.json"}


def test_a_file_of_two_columns_is_scored_but_not_read_as_text():
    """The reference's test/0000 file: document and coreference columns, no words."""
    two = DATA / "more" / "0000" / "system.conll"
    [doc] = conll2012.read_tokens(two)
    assert doc.chains and all(word is None for sentence in doc.sentences for word in sentence)
    with pytest.raises(FormatError, match="2 columns"):
        conll2012.read(two)


# Cells read as the reference scorer v8.01 reads them. The figures are what its scorer.pl
# printed for these very files, run here (benchmarks/coref_scorer_vs_reference.py compares the
# two scorers on any files); before, our reader went left to right and disagreed on all three.
READING_CASES = [
    # A key mention (token 3) in two response chains: the chain whose number comes up first
    # keeps it, and chain 5 comes up first (its opening on token 0), not chain 6 (complete first).
    ("response-chains-in-reference-order", ["-", "(1)", "-", "(1)"], ["(5", "(6)", "5)", "(5)|(6)"],
     {"mentions": (1, F(2, 3)), "muc": (0, 0, 0), "bcub": (F(1, 2), F(1, 2)), "ceafm": (F(1, 2), F(1, 3)),
      "ceafe": (F(2, 3), F(1, 3)), "blanc": (0, 0, 0)}),
    # The same in the key: the last key chain holding a mention wins for MUC and B-cubed.
    ("key-chains-in-reference-order", ["(5", "(6)", "5)", "(5)|(6)"], ["-", "(1)", "-", "(1)"],
     {"mentions": (F(2, 3), 1), "muc": (F(1, 2), 1), "bcub": (F(1, 2), 1), "ceafm": (F(1, 2), 1),
      "ceafe": (F(1, 2), 1), "blanc": (F(1, 4), F(1, 2), F(1, 3))}),
    # "1)|(1": the opening is read first, so the key holds (1, 1) and (0, 2), not (0, 1) and (1, 2).
    ("opening-before-closing", ["(1", "1)|(1", "1)"], ["(1", "1)|(2", "2)"],
     {"mentions": (0, 0, 0), "muc": (0, 0, 0), "bcub": (0, 0, 0), "ceafm": (0, 0, 0), "ceafe": (0, 0, 0)}),
]


@pytest.mark.parametrize("case,key,response,expected", READING_CASES, ids=[c[0] for c in READING_CASES])
def test_cells_are_read_as_the_reference_scorer_reads_them(tmp_path, capsys, case, key, response, expected):
    key_file, response_file = write(tmp_path, "k", _conll("m", key)), write(tmp_path, "r", _conll("m", response))
    assert coref_main(["score", "--key", str(key_file), "--response", str(response_file), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for name, want in expected.items():
        assert out[name][:len(want)] == pytest.approx([float(x) for x in want], abs=1e-9), (case, name)


def test_documents_pair_by_their_whole_begin_line(tmp_path, capsys):
    """A trailing space makes another document for the reference scorer: the key's document has
    no response and scores zero, and the warning says why."""
    key = _conll("d", ["(1)", "(1)"]).replace("part 000\n", "part 000 \n")
    key_file, response_file = write(tmp_path, "k", key), write(tmp_path, "r", _conll("d", ["(1)", "(1)"]))
    assert coref_main(["score", "--key", str(key_file), "--response", str(response_file), "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["muc"] == [0, 0, 0]
    assert "differs only in spaces" in captured.err
    assert coref_main(["score", "--key", str(key_file), "--response", str(key_file), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["muc"] == [1, 1, 1]


def test_reference_files_spell_the_letter_transcriptions():
    """Each file holds its case's chains as TestCases.README writes them, so the files test
    what the reference's letter cases describe."""
    for case, key_letters, response_letters, _ in CASES:
        key_file, response_file = files(case)
        [key_doc] = conll2012.read_tokens(key_file)
        [response_doc] = conll2012.read_tokens(response_file)
        named = _names(key_doc, {})
        assert _chains(key_doc, named) == _sorted(part(key_letters)), case
        assert _chains(response_doc, _names(response_doc, named)) == _sorted(part(response_letters)), case


def _names(doc: conll2012.TokenDocument, key: dict) -> dict:
    """Mention -> letter: the word of its first token without digits (a1 a2 -> a), capitalised
    where the key has that letter on other tokens (TC-A-5/6's overlapping B)."""
    words = [w for sentence in doc.sentences for w in sentence]
    out = {}
    for chain in doc.chains.values():
        for first, last in chain:
            word = words[first]
            letter = word.rstrip("0123456789") if len(word) > 1 else word
            taken = next((span for span, name in key.items() if name == letter), None)
            out[first, last] = letter.upper() if taken not in (None, (first, last)) else letter
    return out


def _chains(doc: conll2012.TokenDocument, names: dict) -> list[list[str]]:
    return _sorted([[names[m] for m in chain] for chain in doc.chains.values()])


def _sorted(chains: list[list[str]]) -> list[list[str]]:
    return sorted(sorted(chain) for chain in chains)


def test_case_a3_words_differ_but_positions_match():
    # TC-A-3's response writes x, y, z where the key has 'jnk': laying both out as text and
    # comparing character offsets gave MUC 0.333 / 0.2; the reference (and we) give 1.0 / 0.6.
    key_file, response_file = files("A3")
    [key] = conll2012.read_tokens(key_file)
    [response] = conll2012.read_tokens(response_file)
    assert key.sentences != response.sentences
    by_tokens, _ = score_conll([key], [response])
    assert by_tokens["muc"] == pytest.approx((1.0, 0.6, 0.75))
    # the same files as Documents (text from their own words) no longer line up by offsets
    [key_text], [response_text] = conll2012.read(key_file), conll2012.read(response_file)
    by_offsets = coref_scores([(partition(key_text), partition(response_text))])
    assert by_offsets["muc"][1] < 0.6


def test_score_cli_subprocess_on_reference_file():
    key_file, response_file = files("A3")
    done = subprocess.run([sys.executable, "-m", "trainer", "coref", "score", "--key", str(key_file),
                           "--response", str(response_file), "--json"],
                          capture_output=True, text=True, timeout=120, check=True)
    out = json.loads(done.stdout)
    assert out["muc"] == pytest.approx([1.0, 0.6, 0.75])
    assert out["ceafe"][:2] == pytest.approx([0.88571, 0.66429], abs=1e-5)  # CorefMetricTestConfig.pm
    assert done.stderr == ""


def test_score_warns_when_token_counts_differ(tmp_path, capsys):
    key_file, _ = files("A1")
    short = write(tmp_path, "short", "#begin document (LuoTestCase);\n"
                  "test1\t0\t0\ta1\t(0)\ntest1\t0\t1\ta2\t-\n#end document\n")
    assert coref_main(["score", "--key", str(key_file), "--response", str(short), "--json"]) == 0
    assert "the key has 20 tokens, the response 2" in capsys.readouterr().err


def test_other_formats_are_scored_by_character_offsets():
    text = "Принимала кортексин. Он помог."
    key = Document("r", text, chains=[Chain([Mention([(10, 19)]), Mention([(21, 23)])])])
    same = Document("r", text, chains=[Chain([Mention([(10, 19)]), Mention([(21, 23)])])])
    shifted = Document("r", text, chains=[Chain([Mention([(10, 18)]), Mention([(21, 23)])])])
    assert coref_scores([(partition(key), partition(same))])["muc"] == pytest.approx((1, 1, 1))
    assert coref_scores([(partition(key), partition(shifted))])["muc"] == pytest.approx((0, 0, 0))
