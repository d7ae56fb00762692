"""Reading WebAnno TSV 3 files of the regular shape a sentence at a time.

Most files (INCEpTION's, and ours) number sentences from 1 and tokens 1-1, 1-2, ... without
sub-tokens: ``RegularParser`` reads those with whole-list string operations instead of the
line-by-line loop of ``Tsv3Parser``, where most of the time of an import went. It gives exactly
what ``Tsv3Parser`` gives; a file of any other shape raises ``Irregular`` (and a bad one a
FormatError), and ``webanno_tsv3.parse`` then reads it line by line, which also words any error.
"""
from __future__ import annotations

import json
import operator
from collections.abc import Sequence
from pathlib import Path

from . import _tsv3_syntax as syn
from ._tsv3_read import Tsv3Parser, _Unit


class Irregular(Exception):
    """The file is not of the regular shape that ``RegularParser`` reads."""


_NUMBERS = ["0"]  # str(i) at index i, grown on demand


def _token_ids(sentence: int, count: int) -> str:
    """``1-1<TAB>1-2<TAB>...``: the ids of a sentence's ``count`` tokens when it has no sub-tokens."""
    while len(_NUMBERS) <= count:
        _NUMBERS.append(str(len(_NUMBERS)))
    prefix = f"{sentence}-"
    return prefix + ("\t" + prefix).join(_NUMBERS[1:count + 1])


class RegularParser(Tsv3Parser):
    """The same reader for files of the shape INCEpTION and our writer produce (sentences numbered
    from 1, tokens 1-1, 1-2, ... without sub-tokens, rows ending in one or no tab), a sentence at a
    time with whole-list string operations instead of line by line: most of the time of an import
    went into the per-line loop. Tokens without annotations get no ``_Unit`` unless a reference
    names them. Anything else, including any error, raises ``Irregular`` or FormatError, and
    ``parse`` then leaves the file to the line-by-line reader, which words the error."""

    def __init__(self, text: str, path: str | Path, name: str):
        super().__init__(text, path, name)
        # per sentence: the tokens' begins, ends, first line, and [begin, end] pairs (UTF-16)
        self.tokens: list[tuple[tuple[int, ...], tuple[int, ...], int, list[list[int]]]] = []

    def _read_body(self, index: int) -> list[str]:
        text: list[str] = []
        length = 0
        lines = self.lines
        ncols = sum(len(layer.columns) for layer in self.layers)
        self.null_cells = [syn.NULL_COLUMN] * ncols
        empty_rows = ("\t".join(self.null_cells) + "\t", "\t".join(self.null_cells))
        while index < len(lines):
            if not lines[index]:
                index += 1
                continue
            first = index
            sentence_text: list[str] = []
            sentence_id = ""
            while index < len(lines) and lines[index][:1] == "#":
                line = lines[index]
                if line.startswith("#Text="):
                    sentence_text.append(syn.unescape_text(line[6:], self.minor) + "\n")
                elif line.startswith("#Sentence.id="):
                    sentence_id = syn.unescape_text(line[13:], self.minor)
                index += 1
            try:
                stop = lines.index("", index)
            except ValueError:
                stop = len(lines)
            if index == first or stop == index:  # tokens without a header, a header without tokens
                raise Irregular
            try:
                ids, offsets, shown, rest = zip(*[line.split("\t", 3) for line in lines[index:stop]])
            except ValueError:  # a row with too few fields
                raise Irregular from None
            count = stop - index
            if "\t".join(ids) != _token_ids(len(self.tokens) + 1, count):
                raise Irregular
            if not "".join(offsets).replace("-", "").isdecimal():
                raise Irregular
            try:  # "0-6", "7-15" -> [[0, 6], [7, 15]]: JSON reads numbers much faster than int()
                pairs = json.loads("[[" + "],[".join(offsets).replace("-", ",") + "]]")
            except ValueError:  # e.g. "1--2", or a leading zero
                raise Irregular from None
            if list(map(len, pairs)).count(2) != count:
                raise Irregular  # an offset field without one dash, or with two
            begins, ends = zip(*pairs)
            if not all(map(operator.le, begins, ends)) or not all(map(operator.ge, begins[1:], ends)):
                raise Irregular  # a token that ends before it begins, or overlaps the one before
            length, current = self._place_sentence(text, length, sentence_text, begins[0], index + 1)
            if ends[-1] > length:
                raise Irregular
            start, chunk, cps = current
            if len(cps) == len(chunk) + 1:  # no surrogate pairs: UTF-16 offsets index the chunk
                actual = [chunk[b - start:e - start] for b, e in zip(begins, ends)]
                if actual != list(shown) and any(a != s and s != syn.escape_text(a)
                                                 for a, s in zip(actual, shown)):
                    raise Irregular
            else:
                for i in range(count):
                    self._check_token_text(shown[i], current, begins[i], ends[i], index + 1 + i)
            for i, cells in enumerate(rest):
                if cells not in empty_rows:
                    fields = lines[index + i].split("\t")
                    if len(fields) < 3 + ncols:
                        raise Irregular
                    if fields[3:3 + ncols] != self.null_cells:
                        self._read_row(self._unit(ids[i], begins[i], ends[i], index + 1 + i), fields)
            self.sentence_ids.append(sentence_id)
            self.tokens.append((begins, ends, index + 1, pairs))
            index = stop
        return text

    def _check_units(self, cp: Sequence[int]) -> None:
        if cp[-1] != len(cp) - 1:  # the text has surrogate pairs
            for begins, ends, _, _ in self.tokens:
                if min(cp[b] for b in begins) < 0 or min(cp[e] for e in ends) < 0:
                    raise Irregular

    def _sentence_offsets(self, cp: Sequence[int]) -> list[list[list[int]]]:
        if cp[-1] == len(cp) - 1:  # the text has no surrogate pairs: the offsets read are the offsets
            return [pairs for _, _, _, pairs in self.tokens]
        return [[[cp[b], cp[e]] for b, e in zip(begins, ends)] for begins, ends, _, _ in self.tokens]

    def _find_unit(self, unit_id: str) -> _Unit | None:
        """A token without annotations gets its unit when a reference names it."""
        unit = self.units.get(unit_id)
        if unit is None:
            sentence, _, token = unit_id.partition("-")
            if not (sentence.isdecimal() and token.isdecimal() and f"{int(sentence)}-{int(token)}" == unit_id):
                return None
            s, t = int(sentence) - 1, int(token) - 1
            if 0 <= s < len(self.tokens) and 0 <= t < len(self.tokens[s][0]):
                begins, ends, line, _ = self.tokens[s]
                unit = self.units[unit_id] = _Unit(unit_id, begins[t], ends[t], line + t)
        return unit
