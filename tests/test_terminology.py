"""Terminologies: a hand-written MedDRA ASCII release (Russian edition) and ICD-10/ATC CSV tables
are read with their hierarchy, stored in one transaction, and a malformed file is refused with its
file and line while the stored terms stay as they were."""
from __future__ import annotations

from pathlib import Path

import pytest

from rdrs_gui.cli import main
from rdrs_gui.core import terminology
from rdrs_gui.core.errors import FormatError
from rdrs_gui.core.store import Store

# pt_code$pt_name$null$pt_soc_code$... ; llt_code$llt_name$pt_code$...$llt_currency$...
PT = ("10028813$Тошнота$$10017947$$$$$$$$\n"
      "10019211$Головная боль$$10029205$$$$$$$$\n")
LLT = ("10028813$Тошнота$10028813$$$$$$$Y$$\n"
       "10028822$Подташнивание$10028813$$$$$$$Y$$\n"
       "10019211$Головная боль$10019211$$$$$$$Y$$\n"
       "10019198$Боль в голове$10019211$$$$$$$Y$$\n")
# pt$hlt$hlgt$soc$pt_name$hlt_name$hlgt_name$soc_name$soc_abbrev$null$pt_soc_code$primary_soc_fg$
MDHIER = ("10028813$10028817$10017977$10017947$Тошнота$Симптомы тошноты и рвоты$"
          "Желудочно-кишечные признаки и симптомы$Желудочно-кишечные нарушения$Gastr$$10017947$Y$\n")
SOC = "10017947$Желудочно-кишечные нарушения$Gastr$$$$$$$$\n"


def release(folder: Path, **files: str) -> Path:
    folder.mkdir()
    contents = {"llt.asc": LLT, "pt.asc": PT, "mdhier.asc": MDHIER, "soc.asc": SOC}
    contents.update({name.replace("_", "."): text for name, text in files.items()})
    for name, text in contents.items():
        if text is not None:
            (folder / name).write_text(text, encoding="utf-8")
    return folder


def by_level(terms: list[terminology.Term]) -> dict[tuple[str, str], terminology.Term]:
    return {(t.level, t.code): t for t in terms}


def test_a_meddra_release_keeps_llt_pt_hlt_hlgt_soc(tmp_path):
    terms = by_level(terminology.read_meddra(release(tmp_path / "meddra")))
    assert terms["LLT", "10028822"] == terminology.Term("meddra", "LLT", "10028822", "Подташнивание", "10028813")
    assert terms["PT", "10028813"].parent == "10028817", "the PT hangs under its primary HLT from mdhier.asc"
    assert terms["HLT", "10028817"] == terminology.Term("meddra", "HLT", "10028817", "Симптомы тошноты и рвоты",
                                                         "10017977")
    assert terms["HLGT", "10017977"].parent == "10017947"
    assert terms["SOC", "10017947"].name == "Желудочно-кишечные нарушения"
    assert terms["PT", "10019211"].parent == "10029205", "without an mdhier row the PT's SOC comes from pt.asc"
    assert len(terms) == 4 + 2 + 3


def test_without_mdhier_every_pt_hangs_under_its_soc(tmp_path):
    terms = by_level(terminology.read_meddra(release(tmp_path / "meddra", mdhier_asc=None)))
    assert terms["PT", "10028813"].parent == "10017947"
    assert not any(level in ("HLT", "HLGT") for level, _ in terms)


@pytest.mark.parametrize("files, where, words", [
    ({"pt_asc": PT + "10000001$Слишком мало полей\n"}, "pt.asc:3", "at least 4"),
    ({"llt_asc": LLT + "x1$Не код$10028813$$$$$$$Y$$\n"}, "llt.asc:5", "numeric"),
    ({"llt_asc": "10099999$Сирота$10000000$$$$$$$Y$$\n"}, "llt.asc:1", "pt.asc does not have"),
    ({"pt_asc": "10028813$$$10017947$$\n"}, "pt.asc:1", "no name"),
    ({"llt_asc": None}, "llt.asc", "missing"),
    ({"llt_asc": ""}, "llt.asc", "no entries"),                      # all LLTs would be lost
    ({"pt_asc": PT + "10028813$Тошнота снова$$10017947$$$$$$$$\n"}, "pt.asc:3", "second time (first on line 1)"),
    ({"llt_asc": LLT + "١٠٠٢٨٨١٣$Цифры$10028813$$$$$$$Y$$\n"}, "llt.asc:5", "numeric"),   # Arabic-Indic digits
])
def test_a_malformed_release_names_file_and_line(tmp_path, files, where, words):
    folder = release(tmp_path / "meddra", **files)
    with pytest.raises(FormatError) as caught:
        terminology.read_meddra(folder)
    message = str(caught.value)
    assert f"{folder / where.split(':')[0]}" in message and where in message.replace(str(folder) + "/", "")
    assert words in message
    assert "\n" not in message


ATC_CSV = ("code,name,parent\n"
           "A,Пищеварительный тракт и обмен веществ,\n"
           "A10,Препараты для лечения сахарного диабета,A\n"
           "A10B,Гипогликемические препараты кроме инсулинов,\n"
           "A10BA02,Метформин,A10B\n")


def test_atc_csv_levels_and_parents(tmp_path):
    path = tmp_path / "atc.csv"
    path.write_text(ATC_CSV, encoding="utf-8")
    terms = {t.code: t for t in terminology.read_table(path, "atc")}
    assert [(t.level, t.parent) for t in terms.values()] == [("1", None), ("2", "A"), ("3", "A10"), ("5", "A10B")], \
        "a missing parent is the nearest shorter code of the table"


@pytest.mark.parametrize("text, line, words", [
    ("A00,Холера\nA00.0\n", 2, "code,name"),
    ("A00,Холера,Z99\n", 1, "parent 'Z99'"),
    ("code,name\nA00,Холера,A,extra\n", 2, "code,name"),
    ("A00,Холера\nA01,Тиф\nA00,Холера снова\n", 3, "second time (first on line 1)"),
    ('A00,"Холера\nA01,Тиф\n', 1, "runs over several lines"),          # a quote never closed
])
def test_a_malformed_table_names_its_line(tmp_path, text, line, words):
    path = tmp_path / "icd.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FormatError) as caught:
        terminology.read_table(path, "icd10")
    assert f"{path}:{line}:" in str(caught.value) and words in str(caught.value)


def test_cli_import_stores_terms_and_a_bad_file_changes_nothing(tmp_path, capsys):
    db = tmp_path / "t.sqlite"
    folder = release(tmp_path / "meddra")
    assert main(["--db", str(db), "terminology", "import", "--kind", "meddra", str(folder)]) == 0
    assert "imported 9 meddra terms" in capsys.readouterr().out
    bad = release(tmp_path / "bad", pt_asc=PT + "10000001$Мало\n")
    assert main(["--db", str(db), "terminology", "import", "--kind", "meddra", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "pt.asc:3" in err and err.count("\n") == 1
    icd = tmp_path / "icd.csv"
    icd.write_text("A00,Холера\nA00.0,Холера классическая,A00\n", encoding="utf-8")
    assert main(["--db", str(db), "terminology", "import", "--kind", "icd10", str(icd)]) == 0
    with Store.open(db) as store:
        assert store.term_counts() == {"meddra": 9, "icd10": 2}
        assert [(t.level, t.name) for t in store.term_path("meddra", "10028822")] == [
            ("LLT", "Подташнивание"), ("PT", "Тошнота"), ("HLT", "Симптомы тошноты и рвоты"),
            ("HLGT", "Желудочно-кишечные признаки и симптомы"), ("SOC", "Желудочно-кишечные нарушения")]
        assert [t.level for t in store.term_path("meddra", "10028813")][0] == "PT", \
            "a PT's own LLT (same code) starts at the PT"
        assert store.known_code("icd10", "A00.0") and not store.known_code("icd10", "B00")
        assert store.term_path("icd10", "A00.0")[1].name == "Холера"


def test_meddra_files_that_cannot_be_decoded_or_read(tmp_path):
    folder = release(tmp_path / "meddra")
    (folder / "llt.asc").write_bytes("10028813$Тошнота$10028813$$$$$$$Y$$\n".encode("cp1251") + b"\x98\n")
    with pytest.raises(FormatError, match="llt.asc: not UTF-8 or cp1251 text"):
        terminology.read_meddra(folder)
    (folder / "llt.asc").write_bytes(LLT.encode("utf-16"))                      # Notepad's "Unicode"
    assert len(terminology.read_meddra(folder)) == 9
    (folder / "llt.asc").unlink()
    (folder / "llt.asc").mkdir()              # a folder where the file should be
    with pytest.raises(FormatError, match="llt.asc"):
        terminology.read_meddra(folder)


def test_a_quote_never_closed_past_the_csv_modules_field_limit(tmp_path):
    import csv

    path = tmp_path / "icd.csv"
    path.write_text('A00,"Холера\n' + "x" * 140_000 + "\n", encoding="utf-8")
    default = csv.field_size_limit(131072)      # as Python starts (the text importer raises it)
    try:
        with pytest.raises(FormatError, match=r"icd.csv:1: not a readable CSV: field larger than field limit"):
            terminology.read_table(path, "icd10")
    finally:
        csv.field_size_limit(default)
