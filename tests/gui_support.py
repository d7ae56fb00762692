"""Helpers shared by the main-window tests: isolated settings, real stores, Cyrillic typing."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from rdrs_gui.core.document import Document, Span, model_origin
from rdrs_gui.core.formats import read
from rdrs_gui.core.store import Store
from rdrs_gui.ui import settings as app_settings

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo" / "demo.jsonl"


def isolated_settings(folder: Path) -> app_settings.AppSettings:
    """Point every QSettings of the test process at ``folder`` (never the user's settings)."""
    app_settings.configure(folder)
    return app_settings.AppSettings()


def loop_window(qtbot, store: Store, config: Path, **training):  # noqa: ANN001, ANN201 - qtbot, MainWindow
    """A shown main window for ``anna`` on ``store``, its document list loaded, whose model loop
    trains with ``training`` (tiny epochs and budgets in tests). The ``window`` fixture of
    conftest.py is this window on the demo project."""
    from rdrs_gui.ui.main_window import MainWindow

    window = MainWindow(store, "anna", isolated_settings(config))
    window.loop.controller.training_overrides.update(training)
    qtbot.addWidget(window)
    window.show()
    window.list_model.wait()
    return window


def preannotate_from_dialog(qtbot, loop, scope: str = "unlabelled", timeout: int = 180_000):  # noqa: ANN001, ANN201
    """Start a batch pre-annotation from the dialog as a user does; the run's result when it ends."""
    dialog = loop.show_preannotate()
    dialog.radios[scope].setChecked(True)
    with qtbot.waitSignal(loop.controller.preannotateFinished, timeout=timeout) as done:
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    return done.args[0]


def demo_store(path: Path, annotator: str | None = "anna") -> Store:
    store = Store.open(path)
    store.import_documents(read(DEMO).documents, annotator=annotator)
    return store


def synthetic_documents(n: int) -> list[Document]:
    """``n`` short reviews with predictable names, ADR scores, labels and suggestions."""
    docs = []
    for i in range(n):
        text = f"Отзыв {i}: пила таблетки, болела голова."
        spans = [Span({"DrugForm"}, [(text.index("таблетки"), text.index("таблетки") + 8)])]
        if i % 3 == 0:
            spans.append(Span({"ADR"}, [(text.index("болела"), text.index("голова") + 6)]))
        if i % 2 == 0:
            spans.append(Span({"Indication"}, [(text.index("голова"), text.index("голова") + 6)],
                              origin=model_origin("t"), status="suggested", score=0.5))
        status = ("new", "in progress", "done", "curated", "pre-annotated")[i % 5]
        docs.append(Document(f"doc-{i:03d}", text, meta={"adr_prob": (i * 37 % 100) / 100}, spans=spans,
                             status=status))
    return docs


def type_text(widget: QWidget, text: str) -> None:
    """Type any text, Cyrillic included (qtbot.keyClicks aborts on non-ASCII)."""
    for ch in text:
        QTest.sendKeyEvent(QTest.KeyAction.Click, widget, Qt.Key.Key_unknown, ch, Qt.KeyboardModifier.NoModifier)
