"""The one-key coder F2 opens on a coded attribute (MedDRA, ATC, МКБ-10): type Russian or English,
see ranked terms with their place in the hierarchy, Enter picks. Codes this project already gave
the same mention (by lemmas) come first, then the learnt suggester's top 5 with scores (while the
query is the mention itself). A code not in any loaded terminology is flagged and
needs a second Enter; Ctrl+Enter adds the current code and stays open (several codes, joined
with ';')."""
from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from ...core.normalise.lookup import TermIndex
from ...core.normalise.suggest import Suggestion

CODE_ROLE = Qt.ItemDataRole.UserRole


class CodeDialog(QDialog):
    """Pick one or more codes for ``name``; ``value()`` is the result ('' removes the code)."""

    def __init__(self, parent: QWidget | None, name: str, current: str | None, index: TermIndex | None,
                 mention: str = "", known: Sequence[str] = (), suggested: Sequence[Suggestion] = ()):
        super().__init__(parent)
        self.setObjectName("codeDialog")
        self.setWindowTitle(self.tr("Code {name}").format(name=name))
        self.index = index
        self.mention = mention
        self.known = list(dict.fromkeys(known))
        self.suggested = [s for s in suggested if s.code not in self.known]
        self.codes = [c for c in (current or "").split(";") if c.strip()]
        self._flagged = ""
        self.query = QLineEdit(self)
        self.query.setObjectName("codeQuery")
        self.query.setPlaceholderText(self.tr("Type a term or a code (Russian or English)"))
        self.list = QListWidget(self)
        self.list.setObjectName("codeMatches")
        self.chosen = QLabel(self)
        self.chosen.setObjectName("codeChosen")
        self.status = QLabel(self)
        self.status.setObjectName("codeStatus")
        self.status.setWordWrap(True)
        layout = QVBoxLayout(self)
        for widget in (self.chosen, self.query, self.list, self.status):
            layout.addWidget(widget)
        self.resize(620, 420)
        self.query.textChanged.connect(self._refill)
        self.list.itemActivated.connect(lambda item: self._pick(item.data(CODE_ROLE), close=True))
        self.query.installEventFilter(self)
        if index is None:
            self.status.setText(self.tr("No terminology of this kind is loaded (rdrs terminology import): "
                                        "codes cannot be checked."))
        self._show_chosen()
        self.query.setText(mention)
        self.query.selectAll()

    # -- result -----------------------------------------------------------------------------
    def value(self) -> str:
        return ";".join(self.codes)

    # -- list -------------------------------------------------------------------------------
    def _refill(self, text: str) -> None:
        self.list.clear()
        self._flagged = ""
        rows: list[tuple[str, str]] = []
        about_mention = text.strip() in ("", self.mention.strip())   # typed something else: search only
        for code in self.known if about_mention else ():
            rows.append((code, self.tr("used for this mention before") + " · " + self._describe(code)))
        for suggestion in self.suggested if about_mention else ():
            rows.append((suggestion.code, self.tr("suggested, score {score:.2f}").format(score=suggestion.score)
                         + " · " + self._describe(suggestion.code)))
        offered = set(self.known) | {s.code for s in self.suggested} if about_mention else set()
        if self.index is not None:
            for match in self.index.search(text):
                if match.term.code not in offered:
                    rows.append((match.term.code, self._describe(match.term.code, match.term.level)))
        for code, description in rows:
            item = QListWidgetItem(f"{code}   {description}", self.list)
            item.setData(CODE_ROLE, code)
        if self.list.count():
            self.list.setCurrentRow(0)

    def _describe(self, code: str, level: str | None = None) -> str:
        if self.index is None:
            return ""
        path = self.index.path(code)
        if level == "LLT" and path and path[0].level != "LLT":
            path = [t for t in self.index.terms if t.code == code and t.level == "LLT"][:1] + path
        return " → ".join(f"{t.level} {t.name}" if t.level else t.name for t in path) or self.tr("not in the loaded "
                                                                                                   "terminology")

    # -- keys -------------------------------------------------------------------------------
    def eventFilter(self, obj, event) -> bool:  # noqa: ANN001, N802 - Qt override
        if obj is self.query and isinstance(event, QKeyEvent) and event.type() == QKeyEvent.Type.KeyPress:
            key = event.key()
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_PageUp):
                self.list.keyPressEvent(event)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                add = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
                self._enter(close=not add)
                return True
        return super().eventFilter(obj, event)

    def _enter(self, close: bool) -> None:
        item = self.list.currentItem()
        if item is not None:
            self._pick(item.data(CODE_ROLE), close)
            return
        typed = self.query.text().strip()
        if not typed:
            if close:
                self.accept()      # nothing typed: keep what was chosen ('' removes the code)
            return
        if self.index is not None and typed not in self.index and self._flagged != typed:
            self._flagged = typed
            self.status.setText(self.tr("{code} is not in the loaded terminology. Enter again to keep it anyway.")
                                .format(code=typed))
            return
        self._pick(typed, close)

    def _pick(self, code: str, close: bool) -> None:
        if code not in self.codes:
            self.codes = ([*self.codes, code] if not close or self._adding else [code])
        if close:
            self.accept()
            return
        self._adding = True
        self._show_chosen()
        self.query.clear()

    _adding = False

    def _show_chosen(self) -> None:
        self.chosen.setText(self.tr("Codes: {codes}").format(codes=", ".join(self.codes) or "—"))


def ask_code(parent: QWidget, name: str, current: str | None, on_set: Callable[[str, str | None], None],
             index: TermIndex | None, mention: str, known: Sequence[str],
             suggested: Sequence[Suggestion] = ()) -> CodeDialog:
    """Open the coder (non-blocking); on Enter, ``on_set(name, codes or None)``."""
    dialog = CodeDialog(parent, name, current, index, mention, known, suggested)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.accepted.connect(lambda: on_set(name, dialog.value() or None))
    dialog.open()
    return dialog
