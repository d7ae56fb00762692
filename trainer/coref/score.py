"""Score response chains against key chains, document by document, with the CoNLL-2012 metrics."""
from __future__ import annotations

from typing import Iterable

from rdrs_gui.core.document import Document

from trainer.metrics import coref_scores


def partition(doc: Document) -> list[list[tuple]]:
    """The chains of ``doc`` as lists of mention identities (their fragments)."""
    return [[m.key() for m in chain.mentions] for chain in doc.chains]


def doc_id(doc: Document) -> tuple[str, str]:
    return doc.name, str(doc.meta.get("conll_part", "000"))


def score_documents(key: Iterable[Document], response: Iterable[Document]) -> tuple[dict, list[str]]:
    """Scores of ``response`` against ``key`` matched by document name and part, plus warnings.

    As in the reference scorer, every key document counts (one missing from the response
    scores as if nothing was predicted) and response documents not in the key are ignored.
    """
    by_id = {doc_id(d): d for d in response}
    pairs, warnings = [], []
    key_ids = set()
    for doc in key:
        key_ids.add(doc_id(doc))
        other = by_id.get(doc_id(doc))
        if other is None:
            warnings.append(f"document {doc.name!r} part {doc_id(doc)[1]} has no response")
        pairs.append((partition(doc), partition(other) if other else []))
    extra = [name for name, part in by_id if (name, part) not in key_ids]
    if extra:
        warnings.append(f"{len(extra)} response document(s) not in the key, ignored (e.g. {extra[0]!r})")
    return coref_scores(pairs), warnings


def as_json(scores: dict) -> dict:
    """The JSON shape of ``score`` and ``eval``: lists [recall, precision, f1] in 0..1."""
    out = {k: [float(x) for x in v] for k, v in scores.items() if isinstance(v, tuple)}
    out["avg_f1"] = float(scores["avg_f1"])
    out["documents"] = scores["documents"]
    return out
