"""Hand-made word features: the RDRS paper's casing/number bits, part of speech and dependency
relations from a parser.

Parsers: natasha's slovnet models (shipped in the wheel, always available offline, run in torch
by ``trainer.natasha_torch``) or stanza when Russian stanza models are installed or configured.
A parser's output is used only as features, so its known defects must not stop anything:
heads that are not a tree (self-loops, cycles, several roots — slovnet produces all three) are
repaired by ``repair_heads``; wrong POS on drug names ("кортексина" as VERB) are left alone —
the tagger learns how far to trust them, and the char-CNN sees the word itself.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Protocol, Sequence

from .tokenize import Sentence

# Universal POS tags (UD v2) and dependency relations incl. the subtypes Russian treebanks use.
# Fixed lists, so bundles need no POS/relation vocabulary and parsers are interchangeable.
UPOS = ["ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON",
        "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X"]
DEPRELS = ["acl", "acl:relcl", "advcl", "advmod", "amod", "appos", "aux", "aux:pass", "case", "cc",
           "ccomp", "clf", "compound", "conj", "cop", "csubj", "csubj:pass", "dep", "det", "discourse",
           "dislocated", "expl", "fixed", "flat", "flat:foreign", "flat:name", "goeswith", "iobj",
           "list", "mark", "nmod", "nsubj", "nsubj:pass", "nummod", "nummod:entity", "nummod:gov",
           "obj", "obl", "obl:agent", "orphan", "parataxis", "punct", "reparandum", "root",
           "vocative", "xcomp"]
# Index 0 is padding, 1 "unknown"/"no head" (the root's head), real values start at 2.
POS_INDEX = {p: i + 2 for i, p in enumerate(UPOS)}
REL_INDEX = {r: i + 2 for i, r in enumerate(DEPRELS)}
N_POS = len(UPOS) + 2
N_REL = len(DEPRELS) + 2

CASING_NAMES = ["all_upper", "all_lower", "first_upper", "has_digit", "mostly_digits",
                "all_digits", "all_latin"]
N_CASING = len(CASING_NAMES)


def casing(word: str) -> list[int]:
    """The RDRS paper's seven yes/no questions about a word (section 4.2, "common features")."""
    letters = [c for c in word if c.isalpha()]
    digits = sum(c.isdigit() for c in word)
    return [
        int(bool(letters) and all(c.isupper() for c in letters)),
        int(bool(letters) and all(c.islower() for c in letters)),
        int(word[:1].isupper()),
        int(digits > 0),
        int(digits * 2 > len(word)),
        int(bool(word) and digits == len(word)),
        int(bool(letters) and all("a" <= c.lower() <= "z" for c in letters)),
    ]


@lru_cache(maxsize=1 << 16)
def casing_row(word: str) -> tuple[int, ...]:
    """``casing`` of a word, remembered: frequent words recur in every batch."""
    return tuple(casing(word))


def rel_index(rel: str) -> int:
    """Index of a relation; an unknown subtype falls back to its universal relation."""
    return REL_INDEX.get(rel) or REL_INDEX.get(rel.split(":")[0], 1)


def repair_heads(heads: Sequence[int], rels: Sequence[str] | None = None) -> list[int]:
    """Make CoNLL-U heads (1-based, 0 = root) a tree with exactly one root.

    Out-of-range heads and self-loops become roots; each cycle is broken at its first word,
    which becomes a root; all roots but one (preferring a word labelled ``root``) are attached
    to that one. The result is what a tree-shaped feature (head POS, relation) can rely on.
    """
    n = len(heads)
    out = [h if 0 <= h <= n and h != i + 1 else 0 for i, h in enumerate(heads)]
    state = [0] * n  # 0 unseen, 1 on the current path, 2 done
    for start in range(n):
        path = []
        node = start
        while node >= 0 and state[node] == 0:
            state[node] = 1
            path.append(node)
            node = out[node] - 1
        if node >= 0 and state[node] == 1:  # walked into the current path: a cycle
            cycle = path[path.index(node):]
            out[min(cycle)] = 0
        for p in path:
            state[p] = 2
    roots = [i for i in range(n) if out[i] == 0]
    if not roots:
        return out
    main = next((i for i in roots if rels is not None and rels[i] == "root"), roots[0])
    for i in roots:
        if i != main:
            out[i] = main + 1
    return out


class Parser(Protocol):
    """What a syntax backend provides: ``(upos, heads, rels)`` per pre-tokenised sentence."""

    def parse(self, sentences: list[list[str]]) -> list[tuple[list[str], list[int], list[str]]]: ...


class StanzaParser:
    """stanza POS + dependency parsing on our own tokens (``tokenize_pretokenized``).

    ``dir`` is a stanza resources folder (its ``resources.json`` may be ``{}``); explicit model
    paths let a locally trained model be used without a resources entry. Downloads are never
    attempted; lemmas are not needed, so the identity lemmatizer stands in for a model.
    """

    def __init__(self, dir: str, pos_model_path: str | None = None, depparse_model_path: str | None = None,
                 pretrain_path: str | None = None, use_gpu: bool = False) -> None:
        import stanza

        if not (Path(dir) / "resources.json").exists():
            raise RuntimeError(f"stanza folder {dir} has no resources.json")
        kwargs: dict = {"dir": dir, "download_method": None, "tokenize_pretokenized": True,
                        "lemma_use_identity": True, "use_gpu": use_gpu, "logging_level": "WARN"}
        if pos_model_path or depparse_model_path:
            # Given models come with their pretrain file or none (None stops a resources lookup).
            kwargs.update(pos_pretrain_path=pretrain_path, depparse_pretrain_path=pretrain_path)
            if pos_model_path:
                kwargs["pos_model_path"] = pos_model_path
            if depparse_model_path:
                kwargs["depparse_model_path"] = depparse_model_path
        self.pipeline = stanza.Pipeline("ru", processors="tokenize,pos,lemma,depparse",
                                        allow_unknown_language=True, **kwargs)

    def parse(self, sentences: list[list[str]]) -> list[tuple[list[str], list[int], list[str]]]:
        out: list = [([], [], []) for _ in sentences]
        nonempty = [i for i, s in enumerate(sentences) if s]
        if not nonempty:
            return out
        doc = self.pipeline([sentences[i] for i in nonempty])
        for i, sent in zip(nonempty, doc.sentences):
            words = sent.words
            out[i] = ([w.upos or "X" for w in words], [int(w.head or 0) for w in words],
                      [w.deprel or "dep" for w in words])
        return out


def installed_stanza_dir() -> str | None:
    """A stanza resources folder with Russian depparse models, if this machine has one.

    ``RDRS_STANZA_DIR`` names one explicitly; otherwise stanza's default folder is checked.
    """
    candidates = [os.environ.get("RDRS_STANZA_DIR"), os.environ.get("STANZA_RESOURCES_DIR"),
                  str(Path.home() / "stanza_resources")]
    for cand in candidates:
        if cand and (Path(cand) / "resources.json").exists() and any((Path(cand) / "ru" / "depparse").glob("*.pt")):
            return cand
    return None


def resolve_syntax(config: dict | str | None) -> dict:
    """Turn ``"auto"``/``"natasha"``/``"stanza"``/``"none"`` or a dict into a concrete backend config.

    The resolved dict is stored in a bundle, so prediction uses the parser the model was trained with.
    """
    if config is None:
        config = "auto"
    if isinstance(config, str):
        config = {"backend": config}
    backend = config.get("backend", "auto")
    if backend == "auto":
        found = installed_stanza_dir()
        return {"backend": "stanza", "dir": found} if found else {"backend": "natasha"}
    if backend == "stanza" and not config.get("dir"):
        found = installed_stanza_dir()
        if not found:
            raise RuntimeError("syntax backend 'stanza' asked for, but no Russian stanza models are "
                               "installed; set RDRS_STANZA_DIR or use 'natasha'")
        config = {**config, "dir": found}
    if backend not in ("natasha", "stanza", "none"):
        raise ValueError(f"unknown syntax backend {backend!r}; use natasha, stanza, none or auto")
    return dict(config)


_PARSERS: dict[str, Parser] = {}


def parser_for(config: dict) -> Parser | None:
    """The (process-wide, loaded once) parser of a resolved syntax config; None for ``none``."""
    backend = config["backend"]
    if backend == "none":
        return None
    key = repr(sorted(config.items()))
    if key not in _PARSERS:
        if backend == "natasha":
            from .natasha_torch import shared_parser

            _PARSERS[key] = shared_parser()
        else:
            opts = {k: v for k, v in config.items() if k != "backend"}
            _PARSERS[key] = StanzaParser(**opts)
    return _PARSERS[key]


def annotate(sentences: list[Sentence], parser: Parser | None, states: bool = False) -> None:
    """Fill ``pos``/``heads``/``rels`` of each sentence (heads repaired into a tree), and with
    ``states`` the parser's contextual word vectors (natasha only) in ``Sentence.states``."""
    if parser is None:
        for s in sentences:
            s.pos, s.heads, s.rels = ["X"] * len(s), [0] * len(s), ["dep"] * len(s)
        return
    parsed = parser.parse([s.words for s in sentences], states=True) if states else \
        parser.parse([s.words for s in sentences])
    for s, (pos, heads, rels, *vectors) in zip(sentences, parsed):
        if len(pos) != len(s):  # a parser that re-tokenised: keep the words, drop its analysis
            pos, heads, rels = ["X"] * len(s), [0] * len(s), ["dep"] * len(s)
        s.pos, s.rels = list(pos), list(rels)
        s.heads = repair_heads(heads, rels)
        if vectors:
            s.states = vectors[0]


def syntax_ids(sentence: Sentence) -> tuple[list[int], list[int], list[int]]:
    """(POS index, relation index, head's POS index) per word, for embedding lookups."""
    pos = [POS_INDEX.get(p, 1) for p in sentence.pos or []]
    rels = [rel_index(r) for r in sentence.rels or []]
    head_pos = [pos[h - 1] if h > 0 else 1 for h in sentence.heads or []]
    return pos, rels, head_pos
