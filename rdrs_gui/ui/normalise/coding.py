"""F2's coder in the main window (the editor asks, the coder answers from the loaded terminologies
and the project's earlier codes), and the Annotate menu's normalisation view."""
from __future__ import annotations

from collections.abc import Callable

from ...core.document import Span
from ..editor.coder import ask_code
from .lookups import CodeLookups


def install_coder(window) -> CodeLookups:  # noqa: ANN001 - the MainWindow (its editor and store)
    """Make F2 on a coded attribute open the coder; returns the lookups."""
    lookups = CodeLookups(window.store)

    def asker(span: Span, name: str, current: str | None, done: Callable[[str, str | None], None]) -> None:
        session = window.editor.session
        mention = span.covered_text(session.text) if session is not None else ""

        def on_set(attribute: str, value: str | None) -> None:
            done(attribute, value)
            if value:
                lookups.coded(Span(span.labels, span.fragments, {attribute: value}), mention)
        window.coder = ask_code(window.editor, name, current, on_set, lookups.index(name), mention,
                                lookups.known(name, mention), lookups.suggested(name, mention))
    window.editor.code_asker = asker
    install_normalisation_view(window, lookups)
    lookups.warm()
    return lookups


def install_normalisation_view(window, lookups: CodeLookups) -> None:  # noqa: ANN001 - the MainWindow
    """Annotate ▸ Normalisation… opens (and raises) the normalisation view."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtGui import QAction

    from .view import NormalisationView

    def show() -> NormalisationView:
        view = getattr(window, "normalisation", None)
        if view is None:
            view = window.normalisation = NormalisationView(window, lookups)
            view.regroup()
        view.show()
        view.raise_()
        view.activateWindow()
        return view
    action = QAction(QCoreApplication.translate("Normalisation", "Normalisation…"), window)
    action.setObjectName("showNormalisation")
    action.triggered.connect(show)
    window.menus["&Annotate"].addAction(action)
    window.show_normalisation = show
    terms = QAction(QCoreApplication.translate("Normalisation", "Import terminology…"), window)
    terms.setObjectName("importTerminology")
    terms.triggered.connect(lambda: import_terminology(window))
    window.menus["&Annotate"].addAction(terms)


def import_terminology(window, kind: str | None = None, path: str | None = None) -> int | None:  # noqa: ANN001
    """Annotate ▸ Import terminology…: a MedDRA ASCII folder or an ICD-10 / ATC CSV, checked in
    full before anything is stored; returns the number of terms stored (None if cancelled or refused)."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

    from ...core import terminology
    from ...core.errors import RdrsError

    title = QCoreApplication.translate("Normalisation", "Import terminology")
    choices = {QCoreApplication.translate("Normalisation", "MedDRA (ASCII release folder)"): terminology.MEDDRA,
               QCoreApplication.translate("Normalisation", "ICD-10 (CSV: code,name,parent)"): terminology.ICD10,
               QCoreApplication.translate("Normalisation", "ATC (CSV: code,name,parent)"): terminology.ATC}
    if kind is None:
        label, ok = QInputDialog.getItem(window, title, QCoreApplication.translate("Normalisation", "Terminology:"),
                                         list(choices), 0, False)
        if not ok:
            return None
        kind = choices[label]
    if path is None:
        if kind == terminology.MEDDRA:
            path = QFileDialog.getExistingDirectory(
                window, QCoreApplication.translate("Normalisation", "MedDRA ASCII folder"))
        else:
            path = QFileDialog.getOpenFileName(window, QCoreApplication.translate("Normalisation", "Terminology table"),
                                               "", QCoreApplication.translate("Normalisation", "CSV (*.csv)"))[0]
        if not path:
            return None
    try:
        count = window.store.import_terms(kind, terminology.read(kind, path))
    except RdrsError as exc:
        QMessageBox.warning(window, title, str(exc))
        return None
    window.statusBar().showMessage(QCoreApplication.translate("Normalisation", "Imported {count} {kind} terms.")
                                   .format(count=count, kind=kind), 10000)
    window.code_lookups.warm()
    return count
