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
