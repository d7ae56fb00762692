"""The ADR score is honest: a tagger alone leaves a review "not scored" (shown so, sorted as
unknown, with where any figure came from in the tooltip), a classifier's probability is a
score, and the evidence sentence is one of the review body, never a section header.

Pre-annotation runs the real batch path (``jobs.preannotate``) with scripted in-process
workers (exact, known answers); the window, its ADR strip and its document list are real."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from gui_support import loop_window
from rdrs_gui.core.document import Document
from rdrs_gui.core.review_text import review_body
from rdrs_gui.core.store import Store
from rdrs_gui.jobs.preannotate import preannotate
from trainer.classifier.data import make_units
from trainer.classifier.predict import text_scores

# Laid out as the RDRS json import gives it (URL, TITLE, TEXT, RATING, NOTE lines); written
# for this test.
STOMACH = ("http://otzovik.com/review_1.html\nTITLE\nОтзыв: Омепразол - так себе\nTEXT\n"
           "Пила омепразол месяц. При частом приёме начинает болеть желудок. Больше не куплю.\n"
           "RATING\n2\nNOTE\n")
CALM = ("http://otzovik.com/review_2.html\nTITLE\nОтзыв: Витамин С - нормально\nTEXT\n"
        "Пью витамин С зимой. Простужаюсь реже.\nRATING\n5\nNOTE\n")


class Worker:
    """An in-process model worker with scripted answers (the client's interface)."""

    def __init__(self, kind: str, version: str, answer) -> None:  # noqa: ANN001 - a function of the request
        self.info = {"kind": kind, "version": version}
        self.model_dir = Path(version)
        self.answer = answer
        self.starts = 1
        self.requests: list[dict] = []

    def start(self) -> dict:
        return self.info

    def predict(self, documents: list[dict], timeout: float | None = None) -> list[dict]:
        self.requests += documents
        return [self.answer(d) for d in documents]


def drug_names_only(document: dict) -> dict:
    """A tagger that never learnt ADR (ADR F1 0.000 on the demo): drug names only."""
    text = document["text"]
    m = re.search(r"[Оо]мепразол|[Вв]итамин С", text)
    return {"spans": [{"labels": ["DrugName"], "fragments": [[m.start(), m.end()]], "score": 0.9}], "uncertainty": 0.1}


def classifier(document: dict) -> dict:
    """A classifier that says the calm review is unlikely, with a body sentence as evidence."""
    a, b = document["evidence"]
    return {"adr_prob": 0.12, "adr": False, "top_sentence": {"start": a, "end": a + 20}}


@pytest.fixture
def store(tmp_path):
    s = Store.open(tmp_path / "adr.sqlite")
    s.import_documents([Document("stomach", STOMACH), Document("calm", CALM)], annotator="anna")
    yield s
    s.close()


def test_a_tagger_alone_leaves_a_review_not_scored_and_unknown_in_the_adr_queue(store, qtbot, tmp_path):
    ids = {store.load_document(i).name: i for i in store.document_ids()}
    tagger = Worker("tagger", "tagger-v1", drug_names_only)
    run = preannotate(store, {"tagger": tagger}, [ids["stomach"]], annotator="anna")
    assert run.error is None and run.documents == 1
    meta = store.document_meta(ids["stomach"])
    assert "adr_prob" not in meta and meta["adr_source"] == "tagger tagger-v1"    # not "0.00"
    run = preannotate(store, {"tagger": tagger, "classifier": Worker("classifier", "clf-3", classifier)},
                      [ids["calm"]], annotator="anna")
    assert run.error is None
    assert store.document_meta(ids["calm"])["adr_source"] == "classifier clf-3"
    # every worker was told where the review body is: evidence may only come from there
    body = review_body(CALM)
    assert tagger.requests[-1]["evidence"] == list(body) and CALM[body[0]:].startswith("Пью витамин")

    window = loop_window(qtbot, store, tmp_path / "config")
    window.resize(1366, 768)
    assert window.open_document(ids["stomach"])
    bar = window.adr_bar
    assert bar.isVisible() and bar.chip.text() == "ADR: not scored" and not bar.bar.isVisible()
    assert "tagger tagger-v1" in bar.chip.toolTip() and "no ADR span" in bar.chip.toolTip()
    assert not bar.show_button.isVisible() and window.editor._state.focus is None

    assert window.open_document(ids["calm"])
    assert bar.chip.text() == "ADR report unlikely · 0.12" and "classifier clf-3" in bar.chip.toolTip()
    assert bar.show_button.isVisible()
    start, end = window.editor._state.focus
    assert body[0] <= start < end <= body[1]

    # most likely ADR first: the scored review, then the one nobody scored (unknown, not 0.00)
    window.loop.actions["model.sort_adr"].trigger()
    model = window.list_model
    model.wait()
    names = [model.row_data(r).name for r in range(model.rowCount())]
    assert names == ["calm", "stomach"]
    column = next(c for c in range(model.columnCount()) if model.headerData(c, Qt.Orientation.Horizontal) == "ADR")
    row = names.index("stomach")
    assert model.data(model.index(row, column)) in ("", "–")
    assert "not scored" in model.data(model.index(row, column), Qt.ItemDataRole.ToolTipRole)     # the row's tooltip
    window.close()


def test_the_strip_follows_a_batch_that_scores_the_open_review(store, qtbot, tmp_path):
    ids = {store.load_document(i).name: i for i in store.document_ids()}
    tagger = Worker("tagger", "tagger-v1", drug_names_only)
    preannotate(store, {"tagger": tagger}, [ids["stomach"]], annotator="anna")
    window = loop_window(qtbot, store, tmp_path / "config")
    assert window.open_document(ids["stomach"]) and window.adr_bar.chip.text() == "ADR: not scored"
    preannotate(store, {"tagger": tagger, "classifier": Worker("classifier", "clf-3", classifier)},
                [ids["stomach"]], annotator="anna")
    window.loop._documents_changed([ids["stomach"]])      # what the batch's "stored" signal runs
    assert window.adr_bar.chip.text() == "ADR report unlikely · 0.12"
    assert window.adr_bar.show_button.isVisible() and window.editor._state.focus is not None
    window.close()


def test_a_classifier_sentence_outside_the_body_is_not_shown(store, qtbot, tmp_path):
    """Databases scored before the fix hold "TEXT" as the sentence: not offered as evidence."""
    ids = {store.load_document(i).name: i for i in store.document_ids()}
    header = STOMACH.index("TEXT")
    for key, value in (("adr_prob", 0.7), ("adr", True), ("adr_sentence", [header, header + 4]),
                       ("adr_source", "classifier clf-1")):
        store.set_meta(ids["stomach"], key, value)
    window = loop_window(qtbot, store, tmp_path / "config")
    assert window.open_document(ids["stomach"])
    assert window.adr_bar.chip.text() == "ADR report likely · 0.70"
    assert not window.adr_bar.show_button.isVisible() and window.editor._state.focus is None
    window.close()


def test_the_classifier_picks_its_evidence_inside_the_body():
    """With its logits peaking on the header line "TEXT", the top sentence is still a body one."""
    units = make_units([STOMACH], 200)
    sentences = [(u.sentence.starts[a], u.sentence.ends[b - 1]) for u in units for a, b in u.bounds]
    assert (STOMACH.index("TEXT"), STOMACH.index("TEXT") + 4) in sentences
    logits = [5.0 if STOMACH[s:e] == "TEXT" else 2.0 if "желудок" in STOMACH[s:e] else -1.0 for s, e in sentences]
    outputs, k = [], 0
    for u in units:
        outputs.append((0.3, np.array(logits[k:k + len(u.bounds)])))
        k += len(u.bounds)
    unbounded = text_scores([STOMACH], units, outputs, 0.5)[0].top_sentence
    assert unbounded["text"] == "TEXT"                           # what the app showed before
    top = text_scores([STOMACH], units, outputs, 0.5, [list(review_body(STOMACH))])[0].top_sentence
    assert top["text"] == "При частом приёме начинает болеть желудок."
