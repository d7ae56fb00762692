"""Encodings users actually have: UTF-8, UTF-8 with BOM, cp1251; anything else refused clearly."""
import pytest

from rdrs_gui.core.errors import FormatError
from rdrs_gui.core.textio import atomic_write_text, read_text

REVIEW = "Принимала Кортексин, ёжик в голове прошёл.\r\nЪ и щ тоже на месте."


@pytest.mark.parametrize("raw", [REVIEW.encode("utf-8"), b"\xef\xbb\xbf" + REVIEW.encode("utf-8"),
                                 REVIEW.encode("cp1251")])
def test_known_encodings_decode_with_newlines_kept(tmp_path, raw):
    path = tmp_path / "r.txt"
    path.write_bytes(raw)
    assert read_text(path) == REVIEW


def test_binary_garbage_is_refused(tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(FormatError, match="x.txt: binary data"):
        read_text(path)


def test_undecodable_text_names_the_line(tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes(b"first line\nsecond \x98\x98\x98\x81\x81\x81\x98 line\n")
    with pytest.raises(FormatError, match=r"x.txt:2: not valid UTF-8 or cp1251"):
        read_text(path)


def test_atomic_write_leaves_no_temporary_files(tmp_path):
    atomic_write_text(tmp_path / "out" / "a.txt", "текст")
    assert (tmp_path / "out" / "a.txt").read_text(encoding="utf-8") == "текст"
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["a.txt"]
