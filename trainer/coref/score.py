"""Score response chains against key chains, document by document, with the CoNLL-2012 metrics.

CoNLL-2012 files are scored by token position: a mention is its document and first and last
token, as in the reference scorer v8.01, so a response may carry other words than its key.
Documents of any other format (RuCoCo, JSON ...) are scored by character offsets: ``partition``
gives their chains with each mention as its fragments.
"""
from __future__ import annotations

from typing import Iterable

from rdrs_gui.core.document import Document

from trainer.coref.conll2012 import TokenDocument
from trainer.metrics import coref_scores


def partition(doc: Document) -> list[list[tuple]]:
    """The chains of ``doc`` as lists of mention identities (their fragments)."""
    return [[m.key() for m in chain.mentions] for chain in doc.chains]


def token_partition(doc: TokenDocument) -> list[list[tuple[int, int]]]:
    """The chains of a CoNLL-2012 document as lists of (first token, last token)."""
    return [list(mentions) for mentions in doc.chains.values()]


def score_conll(key: Iterable[TokenDocument], response: Iterable[TokenDocument]) -> tuple[dict, list[str]]:
    """Scores of CoNLL-2012 ``response`` documents against ``key`` ones, plus warnings.

    As in the reference scorer, a key document is paired with the response document whose
    ``#begin document`` line is the same to the last character (a trailing space makes another
    document: a warning says so), a document that appears twice counts once (the last one),
    every key document counts (one missing from the response scores as if nothing was
    predicted) and response documents not in the key are ignored.
    """
    key = list(key)
    keys = {doc.header: doc for doc in key}
    by_header = {doc.header: doc for doc in response}
    by_name = {(doc.name, doc.part): doc for doc in by_header.values()}
    pairs, warnings = [], []
    if len(keys) < len(key):
        warnings.append(f"{len(key) - len(keys)} key document(s) repeat an earlier one's '#begin document' line: "
                        "the last of each counts")
    for header, doc in keys.items():
        other = by_header.get(header)
        if other is None:
            near = by_name.get((doc.name, doc.part))
            hint = (f" (the response's line differs only in spaces: {near.header!r} vs {header!r}, "
                    "another document for the reference scorer)") if near is not None else ""
            warnings.append(f"document {doc.name!r} part {doc.part} has no response{hint}")
        elif other.n_tokens != doc.n_tokens:
            warnings.append(f"document {doc.name!r} part {doc.part}: the key has {doc.n_tokens} tokens, "
                            f"the response {other.n_tokens} (mentions are matched by token position)")
        pairs.append((token_partition(doc), token_partition(other) if other else []))
    extra = [doc.name for header, doc in by_header.items() if header not in keys]
    if extra:
        warnings.append(f"{len(extra)} response document(s) not in the key, ignored (e.g. {extra[0]!r})")
    return coref_scores(pairs), warnings


def as_json(scores: dict) -> dict:
    """The JSON shape of ``score`` and ``eval``: lists [recall, precision, f1] in 0..1."""
    out = {k: [float(x) for x in v] for k, v in scores.items() if isinstance(v, tuple)}
    out["avg_f1"] = float(scores["avg_f1"])
    out["documents"] = scores["documents"]
    return out
