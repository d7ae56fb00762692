"""CoNLL-2012 coreference files: the exchange format of the reference scorer and of RuCoCo.

A file holds documents between ``#begin document (NAME); part NNN`` and ``#end document``;
one token per line, a blank line between sentences, the word in column 4 and the coreference
brackets in the last column: ``(12`` opens a mention of chain 12, ``12)`` closes it, ``(12)``
is a one-token mention, several go together with ``|`` and ``-`` (or ``_``) means none. Columns
are tab-separated, or space-separated in a line without tabs; a line of two columns (document,
coreference: the reference's own test/0000 file) has no word and is only for scoring. The
reference scans a space-separated line whole for brackets; we read its last column only.

``read_tokens`` gives each document's chains as token positions (first and last token index in
the document), which is how the reference scorer identifies a mention: scoring compares these,
so a response may carry other words than its key. Cells are read as the reference scorer v8.01
reads them (``_brackets``), which decides which chain keeps a mention two chains share, and
documents are matched by their whole ``#begin document`` line, as there. ``read`` makes a
``Document`` whose text is the tokens joined by spaces, sentences by newlines, and whose chains
carry character offsets into that text; ``meta["conll_part"]`` keeps the part.
Writing tokenises the text (whitespace only when it came from this format, so a read-write
round trip gives the same tokens; razdel words otherwise) and snaps every mention to the tokens
it overlaps.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from rdrs_gui.core.document import Chain, Document, Mention
from rdrs_gui.core.errors import FormatError
from rdrs_gui.core.textio import atomic_write_text, read_text

_BEGIN = re.compile(r"^#\s*begin document ?(.*)$")
_END = re.compile(r"^#\s*end document")
_NAME_PART = re.compile(r"^\((.*)\);\s*part\s+(\S+)$")
# A coreference cell's pieces, in the order the reference scorer v8.01 takes them out of it:
# split antecedents "(1+2)" (dropped), one-token mentions "(12)", openings "(12", closings "12)".
_SPLIT_ANTECEDENT = re.compile(r"\(\d+\+\d\)")
_ONE_TOKEN = re.compile(r"\((\d+)\)")
_OPENING = re.compile(r"\((\d+)")
_CLOSING = re.compile(r"(\d+)\)")
_SEPARATORS = "|-_ \t"  # what may be left of a cell once its pieces are out
TOKENIZED = "conll_tokenized"  # meta flag: the text is whitespace-separated tokens


TokenSpan = tuple[int, int]  # first and last token index in the document


@dataclass
class TokenDocument:
    """One CoNLL-2012 document as tokens: ``chains`` maps the file's chain number to every
    mention of it as written, in file order (a repeated mention stays repeated: the scorer
    decides what a repeat means); the chains in the reference scorer's order (see ``_brackets``).
    ``header`` is the ``#begin document`` line after ``begin document ``, as written: the
    reference scorer pairs key and response documents by it."""

    name: str
    part: str
    sentences: list[list[str | None]]  # the words; None on the lines of 2 columns (no word)
    chains: dict[str, list[TokenSpan]]
    header: str = ""

    @property
    def n_tokens(self) -> int:
        return sum(map(len, self.sentences))


def read(path: str | Path) -> list[Document]:
    """All documents of a CoNLL-2012 file; a ``FormatError`` names the line of any defect."""
    docs = read_tokens(path)
    if any(word is None for doc in docs for sentence in doc.sentences for word in sentence):
        raise FormatError(path, "its token lines have 2 columns (document and coreference) and no words: "
                                "such a file can be scored (python -m trainer coref score), not read as text")
    return [_document(doc) for doc in docs]


def read_tokens(path: str | Path) -> list[TokenDocument]:
    """All documents of a CoNLL-2012 file with chains as token positions."""
    path = Path(path)
    lines = read_text(path).splitlines()
    docs: list[TokenDocument] = []
    i = 0
    while i < len(lines):
        match = _BEGIN.match(lines[i])
        if not match:
            if lines[i].strip() and not lines[i].startswith("#"):
                raise FormatError(path, "token line outside '#begin document' ... '#end document'", i + 1)
            i += 1
            continue
        name, part = _name_part(match.group(1).strip())
        doc, i = _read_document(path, lines, i + 1, name, part)
        doc.header = match.group(1)
        docs.append(doc)
    return docs


def _name_part(header: str) -> tuple[str, str]:
    match = _NAME_PART.match(header)
    if match:
        return match.group(1), match.group(2)
    return header, "000"


def _read_document(path: Path, lines: list[str], i: int, name: str, part: str) -> tuple[TokenDocument, int]:
    sentences: list[list[str]] = [[]]
    spans: dict[str, list[TokenSpan]] = {}  # chain number -> mentions
    open_at: dict[str, list[int]] = {}
    n_tokens = 0
    begin_line = i
    while i < len(lines):
        line = lines[i]
        if _END.match(line):
            break
        if _BEGIN.match(line):
            raise FormatError(path, f"document {name!r} has no '#end document'", i + 1)
        if not line.strip():
            if sentences[-1]:
                sentences.append([])
            i += 1
            continue
        if line.startswith("#"):
            i += 1
            continue
        cols = line.split("\t") if "\t" in line else line.split()
        if len(cols) < 5 and len(cols) != 2:
            raise FormatError(path, f"expected at least 5 columns (or 2: document and coreference), "
                                    f"found {len(cols)}", i + 1)
        sentences[-1].append(cols[3] if len(cols) >= 5 else None)
        _brackets(path, i + 1, cols[-1].strip(), n_tokens, spans, open_at)
        n_tokens += 1
        i += 1
    else:
        raise FormatError(path, f"document {name!r} has no '#end document'", begin_line)
    unclosed = [c for c, starts in open_at.items() if starts]
    if unclosed:
        raise FormatError(path, f"document {name!r}: mention of chain {unclosed[0]} never closes", i + 1)
    return TokenDocument(name, part, [s for s in sentences if s], spans), i + 1


def _document(doc: TokenDocument) -> Document:
    """Text laid out from the words, chains as character offsets (a mention written twice in a
    chain counts once)."""
    text, starts, ends = _layout(doc.sentences)
    chains = [Chain([Mention([(starts[a], ends[b])]) for a, b in dict.fromkeys(mentions)], id=f"C{number}")
              for number, mentions in doc.chains.items()]
    out = Document(name=doc.name, text=text, meta={"conll_part": doc.part, TOKENIZED: True}, chains=chains)
    out.sort()
    return out


def _brackets(path: Path, line_no: int, cell: str, token: int,
              spans: dict[str, list[tuple[int, int]]], open_at: dict[str, list[int]]) -> None:
    """Read one token's coreference cell as the reference scorer v8.01 does: its pieces are
    taken out of the cell kind by kind, leftmost first (split antecedents, dropped; one-token
    mentions; openings; closings), so ``1)|(1`` opens a mention before closing one, and ``(1(2``
    needs no ``|``. A chain takes its place in ``spans`` where its number first comes up in that
    order (the reference's entity order: when two chains share a mention, it decides which one
    keeps it). Chain numbers are the strings written (``01`` is not ``1``), as there."""
    if cell in ("-", "_", ""):
        return
    rest = _take_all(_SPLIT_ANTECEDENT, cell, [])
    singles: list[str] = []
    rest = _take_all(_ONE_TOKEN, rest, singles)
    opening: list[str] = []
    rest = _take_all(_OPENING, rest, opening)
    closing: list[str] = []
    rest = _take_all(_CLOSING, rest, closing)
    if rest == cell or rest.strip(_SEPARATORS):  # nothing taken out, or something else left
        raise FormatError(path, f"bad coreference cell {cell!r} (expected e.g. (12, 12), (12) or -)", line_no)
    for number in singles:
        spans.setdefault(number, []).append((token, token))
    for number in opening:
        spans.setdefault(number, [])
        open_at.setdefault(number, []).append(token)
    for number in closing:
        if not open_at.get(number):
            raise FormatError(path, f"mention of chain {number} closes but never opened", line_no)
        spans.setdefault(number, []).append((open_at[number].pop(), token))


def _take_all(pattern: re.Pattern, cell: str, numbers: list[str]) -> str:
    """``cell`` without every match of ``pattern``, each taken out leftmost first (the reference's
    ``while ($cell =~ s/...//)``: taking one out can join the text around it into another);
    the numbers they held appended to ``numbers``."""
    while True:
        match = pattern.search(cell)
        if match is None:
            return cell
        if match.groups():
            numbers.append(match.group(1))
        cell = cell[:match.start()] + cell[match.end():]


def _layout(sentences: list[list[str]]) -> tuple[str, list[int], list[int]]:
    parts: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    for s_i, sentence in enumerate(sentences):
        for w_i, word in enumerate(sentence):
            if w_i or s_i:
                parts.append(" " if w_i else "\n")
                pos += 1
            starts.append(pos)
            parts.append(word)
            pos += len(word)
            ends.append(pos)
    return "".join(parts), starts, ends


# ---------------------------------------------------------------------------------------------
# Writing


def tokens(doc: Document) -> list[list[tuple[int, int, str]]]:
    """Sentences of ``(start, end, word)``: whitespace tokens for text read from CoNLL (lines
    are sentences), razdel sentences and words for any other text."""
    if doc.meta.get(TOKENIZED):
        out = []
        for line in re.finditer(r"[^\n]+", doc.text):
            words = [(line.start() + m.start(), line.start() + m.end(), m.group())
                     for m in re.finditer(r"\S+", line.group())]
            if words:
                out.append(words)
        return out
    from trainer.tokenize import sentences

    return [list(zip(s.starts, s.ends, s.words)) for s in sentences(doc.text, max_words=10**9)]


def _token_span(starts: list[int], ends: list[int], start: int, end: int) -> tuple[int, int] | None:
    """First and last token overlapping ``[start, end)``, or None when no token does."""
    first = next((k for k, e in enumerate(ends) if e > start), None)
    if first is None or starts[first] >= end:
        return None
    last = first
    while last + 1 < len(starts) and starts[last + 1] < end:
        last += 1
    return first, last


def dumps(documents: Iterable[Document]) -> str:
    """The CoNLL-2012 text of ``documents`` (11 columns, as RuCoCo ships them)."""
    out: list[str] = []
    for doc in documents:
        sents = tokens(doc)
        flat = [t for s in sents for t in s]
        starts, ends = [t[0] for t in flat], [t[1] for t in flat]
        cells: list[list[str]] = [[] for _ in flat]
        for number, chain in enumerate(doc.chains):
            seen = set()
            for mention in chain.mentions:
                span = _token_span(starts, ends, mention.start, mention.end)
                if span is None or span in seen:
                    continue
                seen.add(span)
                a, b = span
                if a == b:
                    cells[a].append(f"({number})")
                else:
                    cells[a].append(f"({number}")
                    cells[b].append(f"{number})")
        part = doc.meta.get("conll_part", "000")
        out.append(f"#begin document ({doc.name}); part {part}")
        k = 0
        for sentence in sents:
            for w_i, (_, _, word) in enumerate(sentence):
                coref = "|".join(_order(cells[k])) or "-"
                out.append("\t".join([doc.name, str(int(part)) if part.isdigit() else part, str(w_i),
                                      word, *["_"] * 6, coref]))
                k += 1
            out.append("")
        out.append("#end document")
    return "\n".join(out) + "\n"


def _order(cell: list[str]) -> list[str]:
    """Closings, then one-token mentions, then openings: a reader that goes left to right
    closes a mention of chain N before it opens the next one on the same token. (The reference
    scorer, and ``read``, open first: two mentions of one chain that share a token, one ending
    and one starting there, cannot be written so that it reads them back; no order can.)"""
    return sorted(cell, key=lambda c: 0 if not c.startswith("(") else 1 if c.endswith(")") else 2)


def write(documents: Iterable[Document], out: str | Path) -> None:
    atomic_write_text(Path(out), dumps(documents))
