"""F2's coder in the main window: the editor asks, the coder answers from the loaded terminologies
and the project's earlier codes."""
from __future__ import annotations

from collections.abc import Callable

from ...core.document import Span
from ..editor.coder import ask_code
from .lookups import CodeLookups


def install_coder(window) -> CodeLookups:  # noqa: ANN001 - the MainWindow (its editor and store)
    """Make F2 on a coded attribute open the coder; returns the lookups (``forget_terms`` after an import)."""
    lookups = CodeLookups(window.store)

    def asker(span: Span, name: str, current: str | None, done: Callable[[str, str | None], None]) -> None:
        session = window.editor.session
        mention = span.covered_text(session.text) if session is not None else ""

        def on_set(attribute: str, value: str | None) -> None:
            done(attribute, value)
            if value:
                lookups.coded(Span(span.labels, span.fragments, {attribute: value}), mention)
        window.coder = ask_code(window.editor, name, current, on_set, lookups.index(name), mention,
                                lookups.known(name, mention))
    window.editor.code_asker = asker
    return lookups
