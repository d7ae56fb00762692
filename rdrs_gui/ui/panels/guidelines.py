"""The annotation guidelines, generated from the tag schema so that another schema file
(RuDReC, CADEC) shows its own guidelines without code changes."""
from __future__ import annotations

import functools
import html

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import QTextBrowser, QVBoxLayout, QWidget

from rdrs_gui.core.schema import Schema, bundled

from ..i18n import current_language


def _tr(text: str) -> str:
    return QCoreApplication.translate("Guidelines", text)


# Shown for attributes without a value list (lupdate reads these; the schema holds the kind).
_KINDS = (QT_TRANSLATE_NOOP("Guidelines", "code"), QT_TRANSLATE_NOOP("Guidelines", "text"),
          QT_TRANSLATE_NOOP("Guidelines", "flag"))


def guideline_text(item) -> str:  # noqa: ANN001 - a schema Tag, Group or Attribute
    """The guideline in the interface's language where the schema has it, else in English. A
    project schema stored before Russian guidelines existed borrows them from the bundled file."""
    if current_language() != "ru":
        return item.description
    return item.description_ru or _bundled_ru().get(item.description, item.description)


@functools.lru_cache(maxsize=1)
def _bundled_ru() -> dict[str, str]:
    schema = bundled("rdrs")
    return {i.description: i.description_ru for i in [*schema.tags, *schema.groups, *schema.attributes]
            if i.description_ru}


def guidelines_html(schema: Schema, current_label: str | None = None) -> str:
    """Tags grouped as in the schema, each with colour swatch, name, hotkey and description;
    then the attributes. The tag of the current span is marked so the rule at hand is easy to find."""
    groups = [g.name for g in schema.groups] or [""]
    group_text = {g.name: g for g in schema.groups}
    extra = sorted({t.group for t in schema.tags} - set(groups))
    parts = [f"<h3>{html.escape(schema.title or schema.name)}</h3>"]
    for group in groups + extra:
        tags = [t for t in schema.tags if t.group == group]
        if not tags:
            continue
        if group:
            parts.append(f"<h4>{html.escape(group)}</h4>")
            if group_text.get(group):
                parts.append(f"<p><i>{html.escape(guideline_text(group_text[group]))}</i></p>")
        parts.append("<table cellspacing='2' cellpadding='2'>")
        for tag in tags:
            marker = " ◀" if tag.name == current_label else ""
            key = f" <code>[{html.escape(tag.hotkey)}]</code>" if tag.hotkey else ""
            parts.append(
                f"<tr><td style='background:{tag.color}'>&nbsp;&nbsp;&nbsp;</td>"
                f"<td><a name='{_anchor(tag.name)}'></a><b>{html.escape(tag.name)}</b>{key}{marker}<br>"
                f"{html.escape(guideline_text(tag))}</td></tr>")
        parts.append("</table>")
    if schema.attributes:
        parts.append(f"<h4>{html.escape(QCoreApplication.translate('Guidelines', 'Attributes'))}</h4><ul>")
        for attr in schema.attributes:
            values = " / ".join(attr.values) if attr.values else _tr(attr.kind)
            on = ", ".join(attr.tags) or QCoreApplication.translate("Guidelines", "any tag")
            parts.append(f"<li><b>{html.escape(attr.name)}</b> ("
                         + html.escape(QCoreApplication.translate("Guidelines", "{values}; on {tags}").format(values=values, tags=on))
                         + f"): {html.escape(guideline_text(attr))}</li>")
        parts.append("</ul>")
    return "".join(parts)


def _anchor(tag: str) -> str:
    return "tag-" + "".join(ch if ch.isalnum() else "_" for ch in tag)


class GuidelinesPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.browser = QTextBrowser(self)
        self.browser.setOpenExternalLinks(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.browser)
        self._schema: Schema | None = None
        self._label: str | None = None

    def set_schema(self, schema: Schema) -> None:
        self._schema = schema
        self._render()

    def show_label(self, label: str | None) -> None:
        """Mark the tag of the current span, and scroll to it, without losing the reader's place otherwise."""
        if label == self._label:
            return
        self._label = label
        self._render()
        if label:
            self.browser.scrollToAnchor(_anchor(label))

    def _render(self) -> None:
        if self._schema is None:
            return
        bar = self.browser.verticalScrollBar()
        pos = bar.value()
        self.browser.setHtml(guidelines_html(self._schema, self._label))
        bar.setValue(pos)
