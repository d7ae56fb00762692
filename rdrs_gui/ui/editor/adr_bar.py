"""The strip above the editor that says how likely the open review reports an adverse drug
reaction: a chip with the verdict and probability, a bar, and a button that scrolls to the
sentence that drove the score (the editor highlights it).

It reads the document's meta as pre-annotation stored it: ``adr_prob``; ``adr`` (the
classifier's thresholded decision) and ``adr_sentence`` (``[start, end)``) when a classifier
gave the score — without one, the probability is the tagger's best ADR suggestion score.
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

_LIKELY, _UNLIKELY = "#b8322a", "#5b6b7a"


def verdict(meta: dict) -> tuple[str, str] | None:
    """(chip text, tooltip) for a document's meta; None when nothing scored it yet."""
    prob = meta.get("adr_prob")
    if not isinstance(prob, (int, float)) or isinstance(prob, bool) or not 0.0 <= prob <= 1.0:
        return None   # unscored, or not a probability (NaN included)
    tr = QCoreApplication.translate
    if isinstance(meta.get("adr"), bool):
        said = tr("AdrBar", "ADR report likely") if meta["adr"] else tr("AdrBar", "ADR report unlikely")
        text = f"{said} · {prob:.2f}"
        tip = tr("AdrBar", "The ADR classifier's probability that this review reports an adverse drug reaction; "
                           "the verdict uses the threshold tuned when it was trained.")
    else:
        text = tr("AdrBar", "ADR score {score}").format(score=f"{prob:.2f}")
        tip = tr("AdrBar", "The tagger's most confident ADR suggestion (no ADR classifier is active).")
    return text, tip


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

    def set_meta(self, meta: dict) -> None:
        """Show the verdict of a document's meta, or hide when it has none."""
        shown = verdict(meta)
        if shown is None:
            self.hide()
            return
        text, tip = shown
        likely = meta.get("adr") is True
        colour = _LIKELY if likely else _UNLIKELY
        self.chip.setText(text)
        self.chip.setToolTip(tip)
        self.chip.setStyleSheet(f"QLabel {{ color: white; background: {colour}; border-radius: 8px; "
                                f"padding: 1px 8px; font-weight: {'bold' if likely else 'normal'}; }}")
        self.bar.setValue(round(100 * float(meta["adr_prob"])))
        self.bar.setToolTip(tip)
        self.show_button.setVisible(isinstance(meta.get("adr_sentence"), list))
        self.show()
