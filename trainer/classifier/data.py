"""Labelled texts for the ADR classifier, and the word units the model reads.

Input files: RuADReCT-style TSV (``id<TAB>text<TAB>label``, header optional) or native JSONL
with a ``label`` (top level or in ``meta``). Labels are 1 (reports an adverse drug reaction)
or 0; for prediction the label may be absent.

A text becomes razdel sentences (parsed one by one: the parser was trained on sentences), and
the sentences are joined into *units* of at most ``max_words`` words — a tweet is one unit, a
long review several. The model reads a unit as one sequence, so a reaction and the drug it
follows can sit in different sentences; per-sentence scores for "the sentence that drove the
score" come from pooling inside each sentence of the unit.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rdrs_gui.core.errors import FormatError
from rdrs_gui.core.textio import read_text

from .. import features as feats
from ..tokenize import Sentence, sentences as split_sentences

JSONL_SUFFIXES = (".jsonl", ".ndjson")
_TRUE = {"1", "true", "yes", "adr"}
_FALSE = {"0", "false", "no", "noadr"}
_ID_HEADERS = {"id", "tweet_id", "text_id", "name"}


@dataclass
class Example:
    """One text to classify; ``label`` is None when the file carries none."""

    id: str
    text: str
    label: int | None = None


@dataclass
class Unit:
    """Consecutive sentences of one text read as a single sequence.

    ``sentence`` holds all words (offsets into the text, heads renumbered across the unit);
    ``bounds`` gives each original sentence as a ``(first word, last word + 1)`` range;
    ``lemmas`` (one per word) are filled by ``annotate_units``.
    """

    text_index: int
    sentence: Sentence
    bounds: list[tuple[int, int]] = field(default_factory=list)
    lemmas: list[str] = field(default_factory=list)


def parse_label(raw: object) -> int | None:
    """0/1 from the spellings files use (1, "1", true, "ADR"); None when it is none of them."""
    if isinstance(raw, bool):
        return int(raw)
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return int(raw)
    text = str(raw).strip().lower()
    if text in _TRUE:
        return 1
    if text in _FALSE:
        return 0
    return None


def read_examples(path: str | Path, require_labels: bool = True) -> list[Example]:
    """Examples from a TSV or JSONL file; bad lines raise ``FormatError`` naming the line."""
    path = Path(path)
    if not path.is_file():
        raise FormatError(path, "no such file")
    text = read_text(path)
    if path.suffix.lower() in JSONL_SUFFIXES or text.lstrip().startswith("{"):
        examples = _read_jsonl(path, text, require_labels)
    else:
        examples = _read_tsv(path, text, require_labels)
    if not examples:
        raise FormatError(path, "no texts found")
    return examples


def _read_tsv(path: Path, text: str, require_labels: bool) -> list[Example]:
    out = []
    for number, line in enumerate(text.split("\n"), 1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 2:
            raise FormatError(path, "expected id<TAB>text<TAB>label", number)
        if number == 1 and (fields[-1].strip().lower() == "label" or fields[0].strip().lower() in _ID_HEADERS):
            continue  # header
        label = parse_label(fields[-1]) if len(fields) >= 3 else None
        if label is None:
            if require_labels:
                raise FormatError(path, f"label {fields[-1][:20]!r} is not 0 or 1", number)
            out.append(Example(fields[0], "\t".join(fields[1:])))
        else:
            out.append(Example(fields[0], "\t".join(fields[1:-1]), label))
    return out


def _read_jsonl(path: Path, text: str, require_labels: bool) -> list[Example]:
    out = []
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise FormatError(path, f"not valid JSON ({exc.msg} at column {exc.colno})", number) from None
        if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
            raise FormatError(path, "each line must be an object with a string 'text'", number)
        meta = obj.get("meta") if isinstance(obj.get("meta"), dict) else {}
        raw = obj["label"] if "label" in obj else meta.get("label")
        label = parse_label(raw) if raw is not None else None
        if raw is not None and label is None:
            raise FormatError(path, f"label {raw!r} is not 0 or 1", number)
        if label is None and require_labels:
            raise FormatError(path, "no 'label' (top level or in 'meta')", number)
        out.append(Example(str(obj.get("id", obj.get("name", number))), obj["text"], label))
    return out


def make_units(texts: list[str], max_words: int, sentence_words: int = 100) -> list[Unit]:
    """Units of every text, in text order; a text without words gets none."""
    units: list[Unit] = []
    for index, text in enumerate(texts):
        current: list[Sentence] = []
        size = 0
        for s in split_sentences(text, max_words=min(sentence_words, max_words)):
            if current and size + len(s) > max_words:
                units.append(Unit(index, *_join(current)))
                current, size = [], 0
            current.append(s)
            size += len(s)
        if current:
            units.append(Unit(index, *_join(current)))
    return units


def annotate_units(units: list[Unit], syntax: dict) -> None:
    """Parse each sentence of each unit on its own, then copy POS, heads (shifted to unit
    positions) and relations into the unit, and lemmatise its words."""
    pieces = [_slice(u.sentence, a, b) for u in units for a, b in u.bounds]
    feats.annotate([p for p in pieces if len(p)], feats.parser_for(syntax))
    k = 0
    for unit in units:
        s = unit.sentence
        s.pos, s.heads, s.rels = [], [], []
        for a, b in unit.bounds:
            piece = pieces[k]
            k += 1
            s.pos += piece.pos or []
            s.heads += [h + a if h > 0 else 0 for h in piece.heads or []]
            s.rels += piece.rels or []
        unit.lemmas = [lemma(w, p) for w, p in zip(s.words, s.pos)]


def _join(sents: list[Sentence]) -> tuple[Sentence, list[tuple[int, int]]]:
    words, starts, ends, bounds = [], [], [], []
    for s in sents:
        bounds.append((len(words), len(words) + len(s)))
        words += s.words
        starts += s.starts
        ends += s.ends
    return Sentence(words, starts, ends), bounds


def _slice(s: Sentence, a: int, b: int) -> Sentence:
    return Sentence(s.words[a:b], s.starts[a:b], s.ends[a:b])


# pymorphy3 part-of-speech names that agree with each universal POS tag.
_UPOS_TO_OPENCORPORA = {
    "NOUN": {"NOUN"}, "PROPN": {"NOUN"}, "VERB": {"VERB", "INFN", "PRTF", "PRTS", "GRND"},
    "AUX": {"VERB", "INFN"}, "ADJ": {"ADJF", "ADJS", "COMP", "PRTF", "PRTS"}, "ADV": {"ADVB", "COMP", "PRED"},
    "PRON": {"NPRO"}, "DET": {"ADJF", "NPRO"}, "NUM": {"NUMR", "NUMB"},
}


@lru_cache(maxsize=1)
def _morph():
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=200_000)
def lemma(word: str, upos: str = "X") -> str:
    """Dictionary form of a word, preferring the pymorphy3 reading that agrees with the parser's
    POS. natasha's own lemmatizer needs pymorphy2, which is broken on this Python (NOTES.md)."""
    low = word.lower()
    if not any(c.isalpha() for c in low):
        return low
    parses = _morph().parse(low)
    wanted = _UPOS_TO_OPENCORPORA.get(upos)
    best = next((p for p in parses if wanted and p.tag.POS in wanted), parses[0] if parses else None)
    return best.normal_form if best is not None else low
