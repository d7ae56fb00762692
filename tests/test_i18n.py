"""The Russian interface (issue 16 item 6): every collected string has a Russian text whose
placeholders exist, the catalogue compiles to a .qm and also works without one, the language
follows the system locale unless chosen in the settings, and the main screens rendered in
Russian show no English source string."""
from __future__ import annotations

import re
import shutil

import pytest
from PySide6.QtCore import QCoreApplication, QLocale
from PySide6.QtWidgets import (QAbstractButton, QApplication, QComboBox, QDockWidget, QGroupBox, QLabel,
                               QLineEdit, QMenu, QMessageBox, QTableWidget, QWidget)

from gui_support import demo_store, isolated_settings
from rdrs_gui.core.schema import bundled
from rdrs_gui.ui import i18n
from rdrs_gui.ui.main_window import MainWindow

PLACEHOLDER = re.compile(r"\{(\w*)[^{}]*\}")


@pytest.fixture(scope="module")
def catalogue() -> list[i18n.Message]:
    return [m for m in i18n.read_ts(i18n.ts_path("ru")) if not m.obsolete]


@pytest.fixture
def russian(qapp, tmp_path):
    """The app in Russian from a freshly built .qm (the packaged path); English again afterwards."""
    if i18n._tool("lrelease") is None:
        pytest.skip("pyside6-lrelease is not installed")
    qm = i18n.build_qm("ru", tmp_path)
    assert qm.is_file() and qm.stat().st_size > 1000
    assert i18n.install(qapp, "ru", qm_folder=tmp_path) == "ru"
    yield
    i18n.install(qapp, "en")


def test_every_collected_string_has_a_russian_text(catalogue):
    assert len(catalogue) > 300
    untranslated = [(m.context, m.source) for m in catalogue if not m.finished or not (m.translation or any(m.forms))]
    assert untranslated == []


def test_the_catalogue_holds_every_string_the_code_wraps(tmp_path, monkeypatch):
    """lupdate over the code finds nothing the committed .ts lacks (a new string without Russian fails)."""
    if i18n._tool("lupdate") is None:
        pytest.skip("pyside6-lupdate is not installed")
    copy = tmp_path / "rdrs_gui_ru.ts"
    shutil.copy(i18n.ts_path("ru"), copy)
    monkeypatch.setattr(i18n, "ts_path", lambda language: copy)
    i18n.update("ru")
    missing = [(m.context, m.source) for m in i18n.missing("ru")]
    assert missing == [], "run `python -m rdrs_gui.ui.i18n update` and translate these (see i18n.py)"


def test_russian_texts_keep_the_placeholders_and_markup(catalogue):
    for m in catalogue:
        for text in (m.forms if m.numerus else [m.translation]):
            # a placeholder the source does not fill would raise KeyError at run time
            assert set(PLACEHOLDER.findall(text)) <= set(PLACEHOLDER.findall(m.source)), (m.source, text)
            assert text.count("<b>") == m.source.count("<b>") and text.count("\n") == m.source.count("\n"), text
            if "&" in m.source and re.search(r"&\w", m.source):
                assert re.search(r"&\w", text), f"menu mnemonic lost: {text}"


def test_without_a_qm_the_ts_is_read_directly(qapp, tmp_path):
    translator = i18n.Translator()
    assert translator.load_language("ru", qm_folder=tmp_path)          # no .qm there
    assert translator.origin.endswith(".ts")
    assert translator.translate("MainWindow", "Interface language") == "Язык интерфейса"
    assert translator.translate("NoSuchContext", "Interface language") is None     # left to other catalogues


def test_qt_own_texts_stay_translated_or_english_never_blank(qapp, russian):
    """Key names and standard buttons come from Qt's catalogue; ours must not blank them."""
    from PySide6.QtGui import QKeySequence

    assert QKeySequence("Shift+Tab").toString(QKeySequence.SequenceFormat.NativeText) in ("Shift+Tab", "Shift+Tab")
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "Отмена"
    assert QCoreApplication.translate("QShortcut", "Return") != ""


def test_inherited_self_tr_finds_the_base_class_text(qapp, russian):
    from rdrs_gui.ui.panels.suggestions import SuggestionsPanel

    class Variant(SuggestionsPanel):   # runtime context "Variant", the .ts says "SuggestionsPanel"
        pass

    panel = Variant(lambda *_: None)
    assert panel.accept_button.text() == "Принять"


def test_the_language_follows_the_system_locale_unless_chosen():
    assert i18n.resolve_language("", QLocale(QLocale.Language.Russian, QLocale.Country.Russia)) == "ru"
    assert i18n.resolve_language("", QLocale(QLocale.Language.German, QLocale.Country.Germany)) == "en"
    assert i18n.resolve_language("en", QLocale(QLocale.Language.Russian, QLocale.Country.Russia)) == "en"
    assert i18n.resolve_language("ru", QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)) == "ru"


def test_the_language_is_switched_in_the_view_menu(qtbot, tmp_path):
    settings = isolated_settings(tmp_path / "config")
    store = demo_store(tmp_path / "demo.sqlite")
    window = MainWindow(store, "anna", settings)
    qtbot.addWidget(window)
    choice = next(a for a in window.language_menu.actions() if a.data() == "ru")
    choice.trigger()
    assert settings.language == "ru" and choice.isChecked()
    box = window.findChild(QMessageBox)
    assert box is not None and "next start" in box.text()
    window.close()
    store.close()


def _visible_texts(root: QWidget) -> list[tuple[str, str]]:
    """(where, text) for what a user reads: labels, buttons, menus and their actions, group and
    dock titles, table headers, combo items, placeholders, tooltips, window titles."""
    out: list[tuple[str, str]] = []
    widgets = [root, *root.findChildren(QWidget)]
    for w in widgets:
        name = f"{type(w).__name__}:{w.objectName()}"
        if w.isWindow() and w.windowTitle():
            out.append((name + " title", w.windowTitle()))
        if isinstance(w, (QLabel, QAbstractButton)):
            out.append((name, w.text()))
        if isinstance(w, QGroupBox):
            out.append((name, w.title()))
        if isinstance(w, QDockWidget):
            out.append((name, w.windowTitle()))
        if isinstance(w, QLineEdit):
            out.append((name, w.placeholderText()))
        if isinstance(w, QComboBox):
            out += [(name, w.itemText(i)) for i in range(w.count())]
        if isinstance(w, QTableWidget):
            out += [(name, w.horizontalHeaderItem(c).text()) for c in range(w.columnCount())
                    if w.horizontalHeaderItem(c) is not None]
        if isinstance(w, QMenu):
            out.append((name, w.title()))
        if w.toolTip():
            out.append((name + " tip", w.toolTip()))
        for action in w.actions():
            out += [(f"action {action.objectName()}", action.text()), (f"action {action.objectName()} tip",
                                                                      action.toolTip())]
    return [(where, text) for where, text in out if text]


def test_main_screens_in_russian_show_no_english_source_string(qtbot, tmp_path, russian, catalogue):
    tags = set(bundled("rdrs").tag_names)                     # tag names are data, shown as they are
    english = {m.source.replace("&", "") for m in catalogue
               if not m.numerus and m.translation and m.translation != m.source and m.source not in tags}
    store = demo_store(tmp_path / "demo.sqlite")
    window = MainWindow(store, "anna", isolated_settings(tmp_path / "config"))
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    window.list_model.wait()
    window.open_document(window.find_document("demo-06"))
    window.editor.select_span(window.session.suggestions()[0].id)
    window.export_documents()
    window.edit_shortcuts()
    window.show_cheat_sheet()
    window.loop.show_jobs()
    window.loop.show_registry()
    window.loop.show_preannotate()
    qtbot.wait(50)
    screens = [window, *[w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not window]]
    texts = [(where, text) for screen in screens for where, text in _visible_texts(screen)]
    assert len(texts) > 200
    left_english = sorted({(where, text) for where, text in texts if text.replace("&", "") in english})
    assert left_english == []
    # and the Russian is really there: menus, docks, the editor's panels
    titles = {a.text().replace("&", "") for a in window.menuBar().actions()}
    assert {"Файл", "Правка", "Разметка", "Вид", "Справка", "Модель"} <= titles
    assert window.docks["documents"].windowTitle() == "Документы"
    assert QCoreApplication.translate("Status", "done") == "готово"
    window.close()
    store.close()


_SETTERS = {"setText", "setToolTip", "setWindowTitle", "setPlaceholderText", "showMessage", "addItem", "addAction",
            "addMenu", "setFormat", "setTitle", "setHorizontalHeaderLabels", "setLabelText", "setSuffix", "setPrefix",
            "addButton", "setStatusTip", "warning", "critical", "information", "question", "getText", "getItem",
            "getOpenFileNames", "getExistingDirectory", "getSaveFileName", "drawText", "addTab", "addRow", "QLabel",
            "QPushButton", "QCheckBox", "QGroupBox", "QAction", "QMenu", "QMessageBox", "QDockWidget", "QToolBar",
            "QRadioButton", "QProgressDialog", "QListWidgetItem", "QTableWidgetItem", "QTreeWidgetItem"}


def _literal(node) -> str | None:  # noqa: ANN001 - an ast node
    import ast

    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    if isinstance(node, (ast.List, ast.Tuple)):
        return " ".join(_literal(e) or "" for e in node.elts)
    return None


def test_no_english_literal_reaches_a_qt_text_setter_unwrapped():
    """A sweep of the UI code: every literal with words that goes straight into a label, button,
    menu, message or title must come through tr()/translate (markup and the app's name aside)."""
    import ast

    found = []
    for path in sorted((i18n.ROOT / "rdrs_gui" / "ui").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name not in _SETTERS:
                continue
            for arg in node.args:
                text = _literal(arg)
                words = re.sub(r"<[^>]*>|&\w+;|rdrs-gui", "", text or "")
                if re.fullmatch(r"[a-z0-9_.:/-]+", words):
                    continue            # an identifier passed as data (addItem(text, "span_strict"))
                if re.search(r"[A-Za-z]{3,}", words):
                    found.append(f"{path.relative_to(i18n.ROOT)}:{node.lineno}: {text[:60]!r}")
    assert found == []


def test_job_messages_from_the_qt_free_job_layer_are_shown_in_russian(qapp, russian):
    from rdrs_gui.ui.loop.jobs_panel import job_message

    said = job_message("training on 45 documents: 7 marked done + 38 with imported gold annotations "
                       "(40 to learn from, 5 held out for dev)")
    assert said.startswith("обучение на документах: 45") and "38" in said and "training" not in said
    assert job_message("the process failed; finished: v3, dev macro F1 0.512, activated") == \
        "the process failed; готово: v3, macro F1 на dev 0.512, активирована"     # unknown parts kept as they are
    i18n.install(qapp, "en")
    assert job_message("finished: v3, dev macro F1 0.512") == "finished: v3, dev macro F1 0.512"


@pytest.mark.slow   # starts the app as a process, twice
def test_the_app_starts_in_the_language_given_and_remembers_it(tmp_path):
    """The real entry point, in its own process: --language ru renders a different (Russian) window
    than --language en, and the choice is written to the settings for the next start."""
    import os
    import subprocess
    import sys

    from PySide6.QtGui import QImage

    def shot(language: str) -> QImage:
        out = tmp_path / f"{language}.png"
        subprocess.run([sys.executable, "-m", "rdrs_gui.ui.app", "--db", str(tmp_path / "demo.sqlite"),
                        "--config-dir", str(tmp_path / "config"), "--demo", "--annotator", "anna", "--open",
                        "demo-02", "--screenshot", str(out), "--language", language],
                       check=True, cwd=i18n.ROOT, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"}, timeout=120)
        settings = (tmp_path / "config").rglob("*.ini")
        assert any(f"language={language}" in f.read_text(encoding="utf-8") for f in settings)
        return QImage(str(out))

    russian, english = shot("ru"), shot("en")
    assert russian.size() == english.size() and russian.width() == 1500
    assert russian != english                      # same window, same document: only the language differs
