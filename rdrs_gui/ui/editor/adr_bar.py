"""The strip above the editor that says how likely the open review reports an adverse drug
reaction: a chip with the verdict and probability, a bar, and a button that scrolls to the
sentence that drove the score (the editor highlights it).

It reads the document's meta as pre-annotation stored it. Only an ADR classifier's probability
is shown as a score (``adr_prob`` with the classifier's thresholded decision ``adr``; its
version in ``adr_source``). A tagger alone gives no score the app can stand behind — its most
confident ADR suggestion (``adr_tagger``; older databases kept it as ``adr_prob`` without
``adr``) is one span's confidence, and a review with no ADR suggestion is not "0.00" — so such a
review shows "not scored", with where the figure came from in the tooltip. The sentence
(``adr_sentence``) is evidence only where it lies in the review body (``review_text``).
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from rdrs_gui.core.review_text import in_body

_LIKELY, _UNLIKELY, _UNSCORED = "#b8322a", "#5b6b7a", "#8a8f96"


def _probability(value: object) -> float | None:
    """A probability, or None for anything else (NaN, booleans, strings, out of range)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0.0 <= value <= 1.0:
        return None
    return float(value)


def scored(meta: dict) -> bool:
    """Whether the review has an ADR score the app stands behind: a classifier's probability."""
    return _probability(meta.get("adr_prob")) is not None and isinstance(meta.get("adr"), bool)


def verdict(meta: dict) -> tuple[str, str] | None:
    """(chip text, tooltip) for a document's meta; None when no model has looked at it."""
    prob = _probability(meta.get("adr_prob"))
    source = meta.get("adr_source") if isinstance(meta.get("adr_source"), str) else ""
    if scored(meta):
        said = QCoreApplication.translate("AdrBar", "ADR report likely") if meta["adr"] else QCoreApplication.translate("AdrBar", "ADR report unlikely")
        tip = QCoreApplication.translate("AdrBar", "The ADR classifier's probability that this review reports an adverse drug reaction; "
                           "the verdict uses the threshold tuned when it was trained.")
        if source:
            tip += " " + QCoreApplication.translate("AdrBar", "Scored by: {source}.").format(source=source)
        return f"{said} · {prob:.2f}", tip
    tagger = _probability(meta.get("adr_tagger"))
    tagger = prob if tagger is None else tagger     # older databases stored the tagger's figure as adr_prob
    if tagger is None and not source:
        return None
    tip = QCoreApplication.translate("AdrBar", "Not scored: no ADR classifier has scored this review, and the tagger's suggestions "
                       "are no probability that it reports an ADR.")
    if source:
        tip += " " + QCoreApplication.translate("AdrBar", "Pre-annotated by: {source}.").format(source=source)
    if tagger is not None:
        tip += " " + QCoreApplication.translate("AdrBar", "The tagger's most confident ADR suggestion scores {score} (one span's "
                                  "confidence).").format(score=f"{tagger:.2f}")
    else:
        tip += " " + QCoreApplication.translate("AdrBar", "The tagger suggested no ADR span.")
    tip += " " + QCoreApplication.translate("AdrBar", "Model → Train ADR classifier gives reviews a score.")
    return QCoreApplication.translate("AdrBar", "ADR: not scored"), tip


def evidence(meta: dict, text: str) -> tuple[int, int] | None:
    """The classifier's sentence when it is a sentence of the review body (never a section
    header such as "TEXT"); None otherwise."""
    sentence = meta.get("adr_sentence")
    if not scored(meta) or not isinstance(sentence, list) or len(sentence) != 2:
        return None
    start, end = sentence
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)) or not in_body(text, start, end):
        return None
    return start, end


class AdrBar(QFrame):
    sentenceRequested = Signal()   # "show me the sentence that drove the score"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("adrBar")
        self.chip = QLabel(self)
        self.chip.setObjectName("adrChip")
        self.bar = QProgressBar(self)
        self.bar.setObjectName("adrProbability")
        self.bar.setRange(0, 100)
        self.bar.setTextVisible(False)
        self.bar.setFixedWidth(120)
        self.bar.setFixedHeight(8)
        self.show_button = QPushButton(self.tr("Show the sentence"), self)
        self.show_button.setObjectName("adrShowSentence")
        self.show_button.setFlat(True)
        self.show_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.show_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)   # the editor keeps the keyboard
        self.show_button.setToolTip(self.tr("Scroll to the highlighted sentence that drove the classifier's score"))
        self.show_button.clicked.connect(self.sentenceRequested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 3, 8, 3)
        layout.addWidget(self.chip)
        layout.addWidget(self.bar)
        layout.addWidget(self.show_button)
        layout.addStretch(1)
        self.hide()

    def set_meta(self, meta: dict, text: str = "") -> None:
        """Show the verdict of a document's meta (``text``: the document's, to check the
        evidence sentence against its body), or hide when it has none."""
        shown = verdict(meta)
        if shown is None:
            self.hide()
            return
        label, tip = shown
        likely = scored(meta) and meta.get("adr") is True
        colour = _LIKELY if likely else _UNLIKELY if scored(meta) else _UNSCORED
        self.chip.setText(label)
        self.chip.setToolTip(tip)
        self.chip.setStyleSheet(f"QLabel {{ color: white; background: {colour}; border-radius: 8px; "
                                f"padding: 1px 8px; font-weight: {'bold' if likely else 'normal'}; }}")
        self.bar.setVisible(scored(meta))
        if scored(meta):
            self.bar.setValue(round(100 * float(meta["adr_prob"])))
            self.bar.setToolTip(tip)
        self.show_button.setVisible(evidence(meta, text) is not None)
        self.show()
