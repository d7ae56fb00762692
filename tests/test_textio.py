"""Encodings users actually have: UTF-8, UTF-8 with BOM, cp1251, UTF-16 with BOM (Excel's "Unicode
Text"); anything else refused clearly."""
import pytest

from rdrs_gui.core.errors import FormatError
from rdrs_gui.core.textio import atomic_write_files, atomic_write_text, read_text

REVIEW = "Принимала Кортексин, ёжик в голове прошёл.\r\nЪ и щ тоже на месте."


@pytest.mark.parametrize("raw", [REVIEW.encode("utf-8"), b"\xef\xbb\xbf" + REVIEW.encode("utf-8"),
                                 REVIEW.encode("cp1251"), REVIEW.encode("utf-16"),
                                 b"\xfe\xff" + REVIEW.encode("utf-16-be")])
def test_known_encodings_decode_with_newlines_kept(tmp_path, raw):
    path = tmp_path / "r.txt"
    path.write_bytes(raw)
    assert read_text(path) == REVIEW


def test_binary_garbage_is_refused(tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(FormatError, match="x.txt: binary data"):
        read_text(path)


def test_utf16_without_its_byte_order_mark_is_named(tmp_path):
    path = tmp_path / "x.txt"
    path.write_bytes("Review 1: headache".encode("utf-16-le"))
    with pytest.raises(FormatError, match="x.txt: UTF-16 text without a byte order mark; save it as UTF-8"):
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


def test_many_files_into_a_new_folder_arrive_together(tmp_path):
    atomic_write_files(tmp_path / "export", [("a.txt", "текст"), ("sub/b.ann", b"T1\tADR 0 5\n")])
    assert (tmp_path / "export" / "a.txt").read_text(encoding="utf-8") == "текст"
    assert (tmp_path / "export" / "sub" / "b.ann").read_bytes() == b"T1\tADR 0 5\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export"]  # the staging folder is gone


def test_many_files_into_a_folder_with_files_replace_only_theirs(tmp_path):
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "a.txt").write_text("old", encoding="utf-8")
    (tmp_path / "export" / "keep.txt").write_text("mine", encoding="utf-8")
    atomic_write_files(tmp_path / "export", [("a.txt", "new")])
    assert sorted(p.name for p in (tmp_path / "export").iterdir()) == ["a.txt", "keep.txt"]
    assert (tmp_path / "export" / "a.txt").read_text(encoding="utf-8") == "new"


@pytest.mark.parametrize("existing", [False, True])
def test_a_failure_half_way_leaves_the_folder_as_it_was(tmp_path, existing):
    out = tmp_path / "export"
    if existing:
        out.mkdir()
        (out / "a.txt").write_text("old", encoding="utf-8")

    def files():
        yield "a.txt", "new"
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        atomic_write_files(out, files())
    assert sorted(p.name for p in tmp_path.iterdir()) == (["export"] if existing else [])
    if existing:
        assert [p.name for p in out.iterdir()] == ["a.txt"]
        assert (out / "a.txt").read_text(encoding="utf-8") == "old"
