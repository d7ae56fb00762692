"""In the app: a corpus folder refused for one bad file can be imported again skipping only the
bad documents, from the refusal's own summary, which then lists each document left out."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton

from rdrs_gui.core.document import Document, Span
from rdrs_gui.core.formats import brat


def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    brat.write([Document(f"skip-{i}", f"Отзыв {i}: от Нурофена болел живот.",
                         spans=[Span({"DrugName"}, [(12, 20)])]) for i in range(3)], folder)
    with (folder / "skip-1.ann").open("a", encoding="utf-8") as fh:
        fh.write("#1\tAnnotatorNotes T7\tссылка в никуда\n")
    return folder


def visible_summary(window) -> QMessageBox:
    boxes = [b for b in window.findChildren(QMessageBox, "importSummary") if b.isVisible()]
    assert len(boxes) == 1
    return boxes[0]


def test_refused_folder_is_imported_again_skipping_the_bad_file(qtbot, window, tmp_path):
    before = window.list_model.total()
    window.start_import([str(corpus(tmp_path))])
    qtbot.waitUntil(lambda: window.last_import is not None, timeout=10000)
    assert window.last_import.summary is None and "skip-1.ann:2" in window.last_import.refused[0][1]
    box = visible_summary(window)
    again = box.findChild(QPushButton, "skipBadFiles")
    assert again is not None and again.text() == "Import the others, skipping bad files"
    box.grab().save(str(tmp_path / "refused.png"))

    window.last_import = None
    qtbot.mouseClick(again, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.last_import is not None, timeout=10000)
    report = window.last_import
    assert report.summary.documents == 2 and report.refused == []
    assert len(report.skipped) == 1 and "skip-1.ann:2: #1 refers to T7" in report.skipped[0]
    summary = visible_summary(window)
    summary.grab().save(str(tmp_path / "skipped.png"))
    assert "Imported 2 documents" in summary.text() and "Bad documents left out (1)" in summary.text()
    assert "skip-1.ann:2" in summary.text()
    assert summary.findChild(QPushButton, "skipBadFiles") is None     # nothing left to offer
    assert window.find_document("skip-0") is not None and window.find_document("skip-2") is not None
    assert window.find_document("skip-1") is None
    assert window.list_model.total() == before + 2


def test_a_good_import_offers_no_skipping(qtbot, window, tmp_path):
    folder = tmp_path / "good"
    brat.write([Document("fine", "Смекта помогла.", spans=[Span({"DrugName"}, [(0, 6)])])], folder)
    window.start_import([str(folder)])
    qtbot.waitUntil(lambda: window.last_import is not None, timeout=10000)
    assert window.last_import.summary.documents == 1
    assert visible_summary(window).findChild(QPushButton, "skipBadFiles") is None
