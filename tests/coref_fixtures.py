"""Synthetic reviews with coreference chains (written for these tests): a drug named twice, and
another drug taken up again by the pronoun "он". Tiny coreference model settings for training
through ``rdrs train --kind coref`` or the app in seconds."""
from __future__ import annotations

from rdrs_gui.core.document import DOC_DONE, Chain, Document, Mention

DRUGS = ["Кортексин", "Ноотропил", "Глицин", "Афобазол", "Пантогам", "Фенибут", "Мексидол", "Персен"]
TINY_COREF = {"lstm_hidden": 16, "ffnn_hidden": 24, "pair_dim": 12, "width_dim": 8, "distance_dim": 8,
              "max_span_width": 4, "dropout": 0.0, "lstm_window": 16}


def chained_review(i: int, status: str = DOC_DONE) -> Document:
    """Review ``i`` with its two gold chains, marked done (a human finished it)."""
    a, b = DRUGS[i % len(DRUGS)], DRUGS[(i + 3) % len(DRUGS)]
    text = f"Врач назначил мне {a}. {a} я пила две недели. Потом купила {b}, но он не помог."
    first = text.index(a)
    second = text.index(a, first + 1)
    b_at = text.index(b)
    he = text.index(" он ") + 1
    chains = [Chain([Mention([(first, first + len(a))]), Mention([(second, second + len(a))])]),
              Chain([Mention([(b_at, b_at + len(b))]), Mention([(he, he + 2)])])]
    return Document(f"chained-{i}", text, chains=chains, status=status)


def coref_options(epochs: int = 12) -> list[str]:
    """``rdrs train --kind coref`` arguments for a tiny model that learns the synthetic chains."""
    import json

    return ["--epochs", str(epochs), "--lr", "0.01", *[f"--option={k}={json.dumps(v)}" for k, v in TINY_COREF.items()]]
