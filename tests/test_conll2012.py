"""CoNLL-2012 reader/writer and ``python -m trainer coref score``."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from rdrs_gui.core.document import Chain, Document, Mention
from rdrs_gui.core.errors import FormatError
from trainer.coref import conll2012
from trainer.coref.cli import main as coref_main

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
