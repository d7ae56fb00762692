"""Details of the current span: its text and fragments, its labels (stack or remove one) and the
attributes the schema allows for those labels (MedFrom, MedMaker; ATC, MKB10, MedDRA codes).

Every change goes through the editor's undo stack and is saved at once. A code typed into a
field is saved with every keystroke, so what is on screen is in the database even if the app is
killed mid-word; one burst of typing is one undo step.
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtWidgets import (QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QSizePolicy, QVBoxLayout, QWidget)

from rdrs_gui.core.document import SUGGESTED, Span
from rdrs_gui.core.errors import RdrsError
from rdrs_gui.core.schema import Attribute

from ..i18n import status_text
from .base import Execute, SessionPanel

NONE = "—"
TYPING_PAUSE_MS = 1000  # a pause this long ends one undo step of typing


def applicable_attributes(attributes: list[Attribute], span: Span, typing: str | None = None) -> list[Attribute]:
    """Schema attributes for the span's labels, then any attribute the span carries that the
    schema does not declare (kept and editable, never hidden), and the one being typed into
    (``typing``) even while it is empty: its field must not vanish under the user's keystrokes."""
    out = [a for a in attributes if not a.tags or set(a.tags) & span.labels]
    known = {a.name for a in attributes}
    extra = set(span.attrs) | ({typing} if typing else set())
    out += [Attribute(name, kind="text",
                      description=QCoreApplication.translate("SpanDetailsPanel", "Not in the schema; kept as imported."))
            for name in sorted(extra) if name not in known]
    return out


class SpanDetailsPanel(SessionPanel):
    def __init__(self, execute: Execute, parent: QWidget | None = None) -> None:
        super().__init__(execute, parent)
        self.span_id = ""
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.info = QLabel(self)
        self.info.setWordWrap(True)
        self.chips = QHBoxLayout()
        self.chips.setSpacing(4)
        self.add_label = QComboBox(self)
        self.add_label.setToolTip(self.tr("Stack another label on this span"))
        self.add_label.activated.connect(self._add_label)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.info)
        layout.addLayout(self.chips)
        layout.addWidget(self.add_label)
        layout.addLayout(self.form)
        layout.addStretch(1)
        self._fields: dict[str, QComboBox | QLineEdit] = {}
        self._form_key: tuple = ()
        self._burst: tuple[str, str] | None = None   # (span id, attribute) being typed into
        self._pause = QTimer(self)
        self._pause.setSingleShot(True)
        self._pause.setInterval(TYPING_PAUSE_MS)
        self._pause.timeout.connect(self.flush)
        self.refresh()

    def show_span(self, span_id: str) -> None:
        if span_id != self.span_id:
            self.flush()
            self.span_id = span_id
            self.refresh()

    def current_span(self) -> Span | None:
        return self.session.span(self.span_id) if self.session and self.span_id else None

    def refresh(self) -> None:
        span = self.current_span()
        enabled = span is not None and self.schema is not None
        self.add_label.setVisible(enabled)
        if not enabled:
            self.title.setText(self.tr("<i>No span selected.</i> Select text and press a tag's key, or click a span."))
            self.info.setText("")
            self._set_chips(None)
            self._build_form(None)
            return
        text = self.session.text
        covered = " … ".join(text[s:e] for s, e in span.fragments)
        places = ", ".join(f"{s}–{e}" for s, e in span.fragments)
        where = (self.tr("discontinuous, characters {places}") if span.is_discontinuous
                 else self.tr("characters {places}")).format(places=places)
        self.title.setText(f"<b>«{_escape(covered)}»</b><br><small>{_escape(where)}</small>")
        if span.status == SUGGESTED:
            if span.score is None:
                self.info.setText(self.tr("Suggestion from {origin}. Accept (Enter) or reject (X).").format(
                    origin=span.origin))
            else:
                self.info.setText(self.tr("Suggestion from {origin}, score {score}. Accept (Enter) or reject (X).")
                                  .format(origin=span.origin, score=f"{span.score:.2f}"))
        else:
            self.info.setText(self.tr("{status}, by {origin}").format(status=status_text(span.status),
                                                                       origin=span.origin))
        self._set_chips(span)
        self.add_label.clear()
        self.add_label.addItem(self.tr("Add label…"), None)
        for tag in self.schema.tags:
            if tag.name not in span.labels:
                key = f"  [{tag.hotkey}]" if tag.hotkey else ""
                self.add_label.addItem(f"{tag.name}{key}", tag.name)
        self._build_form(span)

    def _set_chips(self, span: Span | None) -> None:
        while self.chips.count():
            widget = self.chips.takeAt(0).widget()
            if widget is not None:
                widget.setParent(None)  # gone from findChild at once, not at the next event loop
                widget.deleteLater()
        if span is None:
            return
        for label in sorted(span.labels):
            tag = self.schema.tag(label) if self.schema else None
            color = tag.color if tag else "#888888"
            chip = QPushButton(f"{label}  ✕", self)
            chip.setObjectName(f"chip-{label}")
            chip.setToolTip((self.tr("Remove the label {label}") if len(span.labels) > 1
                             else self.tr("Remove the label {label} (deletes the span)")).format(label=label))
            # Colour and the label's name together: never hue alone.
            chip.setStyleSheet(f"QPushButton {{ border: 1px solid #555; border-left: 8px solid {color};"
                               f" border-radius: 3px; padding: 2px 6px; }}")
            chip.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
            chip.clicked.connect(lambda _=False, lab=label: self._remove_label(lab))
            self.chips.addWidget(chip)
        self.chips.addStretch(1)

    def _build_form(self, span: Span | None) -> None:
        typing = next((name for name, field in self._fields.items() if field.hasFocus()), None)
        attrs = applicable_attributes(self.schema.attributes, span, typing) if span and self.schema else []
        # Keyed by the fields, not the span id: a suggestion edited here becomes a human copy with a
        # new id, and the field being typed into must survive that.
        key = (span is None, tuple((a.name, a.kind, tuple(a.values)) for a in attrs))
        if key != self._form_key:
            self._form_key = key
            while self.form.rowCount():   # taken, deleted later: a field may be inside its own signal
                row = self.form.takeRow(0)
                for item in (row.labelItem, row.fieldItem):
                    if item is not None and item.widget() is not None:
                        item.widget().setParent(None)
                        item.widget().deleteLater()
            self._fields.clear()
            for attr in attrs:
                self.form.addRow(attr.name, self._make_field(attr))
        for name, field in self._fields.items():
            value = span.attrs.get(name, "") if span else ""
            if isinstance(field, QComboBox):
                if field.findText(value) < 0 and value:
                    field.addItem(value)
                field.blockSignals(True)
                field.setCurrentIndex(max(field.findText(value or NONE), 0))
                field.blockSignals(False)
            elif not field.hasFocus() and field.text() != value:
                field.setText(value)

    def _make_field(self, attr: Attribute) -> QWidget:
        if attr.kind == "enum":
            field: QComboBox | QLineEdit = QComboBox(self)
            field.addItems([NONE, *attr.values])
            field.activated.connect(lambda _i, n=attr.name, f=field: self._set_attr(n, f.currentText()))
        else:
            field = QLineEdit(self)
            field.setPlaceholderText(self.tr("code") if attr.kind == "code" else "")
            field.editingFinished.connect(self.flush)
            field.textEdited.connect(lambda text, n=attr.name: self._typed(n, text))
        field.setObjectName(f"attr-{attr.name}")
        field.setToolTip(attr.description)
        self._fields[attr.name] = field
        return field

    def _typed(self, name: str, text: str) -> None:
        """Save this keystroke; the first one of a burst is the undo step, the rest amend it
        (undo restores the span as it was before the burst, redo its value after it)."""
        span = self.current_span()
        if span is None:
            return
        value = text.strip()
        self._pause.start()
        if self._burst == (span.id, name):
            if span.attrs.get(name, "") != value:
                try:
                    self.session.set_attr(span.id, name, value or None)
                except RdrsError as exc:
                    self.info.setText(self.tr("Could not save {name}: {error}").format(name=name, error=exc))
            return
        self._set_attr(name, value)
        self._burst = (self.span_id, name)  # the edit may have given the span a new id

    def flush(self) -> None:
        """End the current burst of typing: the next keystroke starts a new undo step."""
        self._pause.stop()
        self._burst = None

    def _set_attr(self, name: str, value: str) -> None:
        span = self.current_span()
        if span is None:
            return
        value = "" if value == NONE else value
        if span.attrs.get(name, "") == value:
            return
        span_id = span.id
        self.execute(self.tr("Set {name}").format(name=name), lambda: self.session.set_attr(span_id, name, value or None))

    def _add_label(self, index: int) -> None:
        label = self.add_label.itemData(index)
        span = self.current_span()
        if label and span is not None:
            span_id = span.id
            self.execute(self.tr("Add label {label}").format(label=label), lambda: self.session.add_label(span_id, label))

    def _remove_label(self, label: str) -> None:
        span = self.current_span()
        if span is not None:
            span_id = span.id
            self.execute(self.tr("Remove label {label}").format(label=label),
                         lambda: self.session.remove_label(span_id, label))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
