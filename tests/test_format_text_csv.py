"""Raw reviews from .txt files and CSV/TSV tables: encodings, delimiters, headers, bad input."""
from __future__ import annotations

import csv
import random

import pytest

from rdrs_gui.core.document import Document, Span
from rdrs_gui.core.errors import FormatError
from rdrs_gui.core.formats import csv_text, plain_text

REVIEW = "Принимала Кортексин, ёжик в голове прошёл.\r\nЪ и щ тоже на месте."
GARBAGE = bytes(b or 1 for b in random.Random(5).randbytes(3000))


# --- plain text ----------------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251"])
def test_text_file_is_one_document_in_any_known_encoding(tmp_path, encoding):
    path = tmp_path / "отзыв 1.txt"
    path.write_bytes(REVIEW.encode(encoding))
    assert plain_text.sniff(path)
    result = plain_text.read(path)
    assert [(d.name, d.text) for d in result.documents] == [("отзыв 1", REVIEW)]


def test_text_folder_reads_nested_files_and_skips_empty_ones(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "a.txt").write_text("Первый отзыв", encoding="utf-8")
    (tmp_path / "b" / "c.TXT").write_bytes("Второй отзыв".encode("cp1251"))
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("не отзыв", encoding="utf-8")
    assert plain_text.sniff(tmp_path)
    result = plain_text.read(tmp_path)
    assert [(d.name, d.text) for d in result.documents] == [("a", "Первый отзыв"), ("b/c", "Второй отзыв")]
    assert len(result.warnings) == 1 and "empty.txt: empty" in result.warnings[0]


def test_text_round_trip_with_unsafe_names(tmp_path):
    docs = [Document("a", "Текст А\n"), Document("../../escape", "Текст Б"), Document("A", "дубль"),
            Document("sub/x:y", "Текст В", spans=[Span({"ADR"}, [(0, 5)])])]
    out = tmp_path / "out"
    assert plain_text.write(docs, out) == ["annotations left out (plain text holds the text only): 1"]
    written = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.txt"))
    assert written == ["A-2.txt", "a.txt", "escape.txt", "sub/x_y.txt"]
    back = {d.name: d.text for d in plain_text.read(out).documents}
    assert back == {"a": "Текст А\n", "escape": "Текст Б", "A-2": "дубль", "sub/x_y": "Текст В"}


def test_bad_text_input_is_refused(tmp_path):
    garbage = tmp_path / "g.txt"
    garbage.write_bytes(GARBAGE)
    with pytest.raises(FormatError, match=r"g.txt:\d+: not valid UTF-8 or cp1251"):
        plain_text.read(garbage)
    binary = tmp_path / "b.txt"
    binary.write_bytes(b"\x00\x01" * 100)
    with pytest.raises(FormatError, match="binary data"):
        plain_text.read(binary)
    (tmp_path / "none").mkdir()
    with pytest.raises(FormatError, match="no .txt files"):
        plain_text.read(tmp_path / "none")
    empty = tmp_path / "e.txt"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(FormatError, match="every file is empty"):
        plain_text.read(empty)


# --- CSV -----------------------------------------------------------------------------------------

def _csv(tmp_path, content: str, encoding: str = "utf-8", name: str = "t.csv"):
    path = tmp_path / name
    path.write_bytes(content.encode(encoding))
    return path


def test_comma_csv_with_header_quotes_and_multiline_fields(tmp_path):
    path = _csv(tmp_path, 'id,text,stars\r\n'
                          'r1,"Хорошо, помогло.\r\nВторая строка, с запятой",5\r\n'
                          'r2,"Сказал ""не пей""",1\r\n')
    assert csv_text.sniff(path)
    result = csv_text.read(path)
    assert [(d.name, d.text, d.meta) for d in result.documents] == [
        ("r1", "Хорошо, помогло.\r\nВторая строка, с запятой", {"fields": {"stars": "5"}}),
        ("r2", 'Сказал "не пей"', {"fields": {"stars": "1"}})]


def test_semicolon_csv_in_cp1251_with_russian_header(tmp_path):
    path = _csv(tmp_path, "номер;отзыв\n7;Ёлочные игрушки ни при чём, а ношпа помогла\n8;Не помогло\n", "cp1251")
    docs = csv_text.read(path).documents
    assert [(d.name, d.text) for d in docs] == [("7", "Ёлочные игрушки ни при чём, а ношпа помогла"),
                                                 ("8", "Не помогло")]


def test_excel_unicode_text_export(tmp_path):
    """Excel's "Save as Unicode Text": tab-separated UTF-16 with a byte order mark."""
    path = tmp_path / "reviews.txt"
    path.write_bytes("id\treview\r\n1\tНурофен помог, голова прошла\r\n".encode("utf-16"))
    docs = csv_text.read(path).documents
    assert [(d.name, d.text) for d in docs] == [("1", "Нурофен помог, голова прошла")]


def test_tsv_without_header_takes_the_longest_column(tmp_path):
    path = _csv(tmp_path, "1\tДлинный текст отзыва о препарате\t0\n2\tЕщё один длинный отзыв, с запятой\t1\n",
                name="t.tsv")
    docs = csv_text.read(path).documents
    assert [(d.name, d.text, d.meta) for d in docs] == [
        ("t-1", "Длинный текст отзыва о препарате", {"fields": {"column1": "1", "column3": "0"}}),
        ("t-2", "Ещё один длинный отзыв, с запятой", {"fields": {"column1": "2", "column3": "1"}})]


def test_header_recognised_by_numbers_below_it(tmp_path):
    path = _csv(tmp_path, "упоминание,код\nголовная боль,10019211\nсыпь,10037844\n")
    docs = csv_text.read(path).documents
    assert [(d.text, d.meta["fields"]["код"]) for d in docs] == [("головная боль", "10019211"), ("сыпь", "10037844")]


def test_one_review_per_line_with_commas_stays_whole(tmp_path):
    lines = ["Пил, пил, не помогло.", "Отличное средство", "Купила, попробовала, довольна, но дорого, очень."]
    docs = csv_text.read(_csv(tmp_path, "\n".join(lines) + "\n")).documents
    assert [d.text for d in docs] == lines


def test_huge_field_and_duplicate_ids(tmp_path):
    huge = "очень длинный отзыв " * 20000  # 400k characters, past the csv module's default limit
    path = _csv(tmp_path, f'id,review\nx,"{huge}"\nx,второй\n,третий\ny,\n')
    result = csv_text.read(path)
    assert [(d.name, len(d.text)) for d in result.documents] == [("x", len(huge)), ("x-2", 6), ("t-3", 6)]
    assert any("id 'x' used before" in w for w in result.warnings)
    assert any("1 row(s) with an empty text column skipped" in w for w in result.warnings)


def test_csv_round_trip(tmp_path):
    docs = [Document("a1", "Текст, с запятой;\nи \"кавычками\"\tи табом"), Document("b", "второй")]
    out = tmp_path / "o.csv"
    assert csv_text.write(docs, out) == []
    with out.open(newline="", encoding="utf-8") as fh:
        assert next(csv.reader(fh)) == ["id", "text"]
    assert [(d.name, d.text) for d in csv_text.read(out).documents] == [(d.name, d.text) for d in docs]
    losses = csv_text.write([Document("c", "x", meta={"fields": {"label": "1"}},
                                      spans=[Span({"ADR"}, [(0, 1)])])], out)
    assert sorted(losses) == ["annotations left out (CSV holds the text only): 1",
                              "documents whose other imported columns were left out: 1"]


@pytest.mark.parametrize("content,message", [
    (GARBAGE, r"t.csv:\d+: not valid UTF-8 or cp1251"),
    (b"\x00\x00binary", "binary data"),
    (b"   \n\n", "the file is empty"),
    (b"id,text\n", "no rows below the header"),
    (b"id,text\n1,\n2,  \n", "no review text found in column 'text'"),
    (b",,,\n,,,\n", "no rows with any text"),
], ids=["garbage", "binary", "empty", "header only", "empty texts", "only delimiters"])
def test_bad_csv_is_refused(tmp_path, content, message):
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    with pytest.raises(FormatError, match=message):
        csv_text.read(path)


def test_real_ruadrect_tsv(shared_data):
    path = shared_data / "ruadrect" / "task2_ru_train.tsv"
    if not path.exists():
        pytest.skip(f"{path} not found")
    with path.open(encoding="utf-8", newline="") as fh:
        header, *rows = csv.reader(fh, delimiter="\t")  # the file quotes tweets CSV-style
    assert header == ["tweet_id", "tweet", "label"]
    docs = csv_text.read(path).documents
    assert len(docs) == len(rows) == 6090
    assert [(d.name, d.text, d.meta["fields"]["label"]) for d in docs] == [tuple(r) for r in rows]
