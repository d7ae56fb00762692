"""RuCoCo JSON: one news text per file, ``{text, entities: [[[start, end], ...], ...], includes}``.

Each entity (a list of its mentions' character spans) becomes a coreference chain. ``includes[i]``
lists the entities that entity ``i`` is the "parent" of (split antecedents: "Tom" and "Sid" in
"they"); chains have no such link in the document model, so it is kept in
``Document.meta["includes"]`` as ``[[parent mentions, [child mentions, ...]], ...]``, each chain
named by its mentions' ``[start, end]`` pairs, which survive renumbering and reordering of chains.

``read`` takes a ``.json`` file, a folder of them, or the corpus archive (``.tar.gz``/``.tgz``),
whose members are read in memory: nothing is extracted, so member paths cannot escape anywhere.
``write`` writes a folder with one ``<name>.json`` per document, or a single file when ``out`` ends
with ``.json`` and there is one document. The format has no discontinuous mentions (written as
their outer extent), no entity spans and no review states; rejected chains are left out, and what
could not be kept is reported in the returned list.
"""
from __future__ import annotations

import json
import re
import tarfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from functools import partial
from lzma import LZMAError
from pathlib import Path, PurePosixPath

from ..document import HUMAN_STATUSES, REJECTED, Chain, Document, Mention
from ..errors import FormatError
from ..textio import atomic_write_text, decode, read_text
from .base import STOP, ReadResult

NAME = "rucoco"
DESCRIPTION = "RuCoCo coreference JSON: a file, a folder of files, or the .tar.gz archive"
OUTPUT = "dir"

LABEL = "Coreference"
INCLUDES = "includes"
MAX_MEMBER_BYTES = 64 * 1024 * 1024
_ARCHIVE_ERRORS = (OSError, tarfile.TarError, EOFError, zlib.error, LZMAError)  # what a damaged archive raises
_ARCHIVE_SUFFIXES = (".tar.gz", ".tgz")
_SNIFF_BYTES = 65536
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def sniff(path: str | Path) -> bool:
    path = Path(path)
    try:
        if path.is_dir():
            first = next(path.rglob("*.json"), None)
            return first is not None and _looks_like_rucoco(first.read_bytes()[:_SNIFF_BYTES])
        if path.is_file() and path.suffix.lower() == ".json":
            with path.open("rb") as fh:
                return _looks_like_rucoco(fh.read(_SNIFF_BYTES))
        if path.is_file() and _is_archive(path):
            with tarfile.open(path, "r:*") as archive:
                for member in archive:
                    if member.isfile() and member.name.endswith(".json"):
                        handle = archive.extractfile(member)
                        return handle is not None and _looks_like_rucoco(handle.read(_SNIFF_BYTES))
    except _ARCHIVE_ERRORS:
        return False
    return False


def read(path: str | Path, on_error: str = STOP) -> ReadResult:
    """One JSON document, a folder of them, or a tar archive of them; in a folder or archive,
    ``on_error="skip"`` leaves a bad document out and lists it instead of refusing them all."""
    path = Path(path)
    result = ReadResult()

    def add(where: str | Path, text: Callable[[], str], name: str) -> None:
        try:
            result.documents.append(_document(_load(where, text()), where, name))
        except FormatError as exc:
            result.skip(exc, on_error)

    if path.is_dir():
        files = sorted(p for p in path.rglob("*.json") if p.is_file())
        if not files:
            raise FormatError(path, "no .json files in this folder")
        for file in files:
            add(file, partial(read_text, file), file.stem)
    elif _is_archive(path):
        for name, text in _archive_members(path):
            add(f"{path}!{name}", partial(str, text), PurePosixPath(name).stem)
        if not result.documents and not result.skipped:
            raise FormatError(path, "no .json documents in this archive")
    else:
        result.documents.append(_document(_load(path, read_text(path)), path, path.stem))
    return result


def write(documents: Iterable[Document], out: str | Path) -> list[str]:
    """Write one JSON file per document (or ``out`` itself for one document and a ``.json`` name);
    returns what the format could not keep."""
    out = Path(out)
    documents = list(documents)
    losses: Counter[str] = Counter()
    if out.suffix.lower() == ".json" and len(documents) == 1:
        atomic_write_text(out, _document_json(documents[0], losses))
    else:
        if out.exists() and not out.is_dir():
            raise FormatError(out, "RuCoCo export of several documents needs a folder, and this is a file")
        used: set[str] = set()
        for doc in documents:
            stem = _UNSAFE_NAME.sub("_", doc.name).strip(". ") or "document"
            name, n = stem, 1
            while name.lower() in used:
                n += 1
                name = f"{stem}-{n}"
            used.add(name.lower())
            atomic_write_text(out / f"{name}.json", _document_json(doc, losses))
    return [f"{what}: {count}" for what, count in losses.items() if count]


# --- reading -------------------------------------------------------------------------------------

def _is_archive(path: Path) -> bool:
    return path.name.lower().endswith(_ARCHIVE_SUFFIXES)


def _looks_like_rucoco(head: bytes) -> bool:
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    return (text.startswith("{") and '"entities"' in text and '"text"' in text and '"text_id"' not in text
            and ('"includes"' in text or text.rstrip().endswith("}")))


def _archive_members(path: Path) -> Iterable[tuple[str, str]]:
    """Yield ``(member name, decoded text)`` for each regular ``.json`` member, in archive order."""
    try:
        with tarfile.open(path, "r:*") as archive:
            for member in archive:
                if not member.isfile() or not member.name.endswith(".json"):
                    continue
                if PurePosixPath(member.name).name.startswith("._"):
                    continue  # macOS resource forks that tar on a Mac adds
                if member.size > MAX_MEMBER_BYTES:
                    raise FormatError(f"{path}!{member.name}", f"member too large ({member.size} bytes)")
                handle = archive.extractfile(member)
                if handle is None:
                    continue
                yield member.name, decode(handle.read(), f"{path}!{member.name}")
    except _ARCHIVE_ERRORS as exc:
        why = "not a tar archive (plain, gzip, bzip2 or xz), or a damaged one" if isinstance(exc, tarfile.ReadError) \
            else " ".join(str(exc).split())
        raise FormatError(path, f"cannot read the archive: {why}") from None


def _load(where: str | Path, text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(where, f"not valid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from None
    except RecursionError:
        raise FormatError(where, "JSON nested too deeply") from None


def _document(data: object, where: str | Path, name: str) -> Document:
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise FormatError(where, "expected a RuCoCo object {text, entities, includes}")
    text = data["text"]
    entities = data.get("entities", [])
    if not isinstance(entities, list):
        raise FormatError(where, "'entities' must be a list of entities, each a list of [start, end]")
    chains = []
    for i, entity in enumerate(entities):
        if not isinstance(entity, list):
            raise FormatError(where, f"entity {i}: must be a list of [start, end] mentions")
        places = [_mention(m, i, len(text), where) for m in entity]
        places = list(dict.fromkeys(places))
        if not places:
            raise FormatError(where, f"entity {i}: has no mentions")
        chains.append(Chain([Mention([p]) for p in places], label=LABEL))
    includes = data.get("includes", [])
    if not isinstance(includes, list) or not all(isinstance(x, list) for x in includes):
        raise FormatError(where, "'includes' must be a list of lists of entity numbers")
    doc = Document(name=name, text=text, chains=chains)
    links = []
    for parent, children in enumerate(includes):
        if not children:
            continue
        if parent >= len(chains) or not all(_is_int(c) and 0 <= c < len(chains) for c in children):
            raise FormatError(where, f"includes[{parent}]: refers to an entity that does not exist")
        links.append([_places(chains[parent]), [_places(chains[c]) for c in children]])
    if links:
        doc.meta[INCLUDES] = links
    doc.assign_ids()
    return doc


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _mention(raw: object, i: int, n: int, where: str | Path) -> tuple[int, int]:
    if not (isinstance(raw, list) and len(raw) == 2 and all(_is_int(x) for x in raw)):
        raise FormatError(where, f"entity {i}: mention {raw!r} is not [start, end]")
    start, end = raw
    if not 0 <= start < end <= n:
        raise FormatError(where, f"entity {i}: mention {start}-{end} is outside the text (length {n}) or empty")
    return start, end


def _places(chain: Chain) -> list[list[int]]:
    return [[m.start, m.end] for m in chain.mentions]


# --- writing -------------------------------------------------------------------------------------

def _document_json(doc: Document, losses: Counter[str]) -> str:
    chains = [c for c in doc.chains if c.mentions and c.status != REJECTED]
    losses["rejected chains left out"] += sum(c.status == REJECTED for c in doc.chains)
    losses["unreviewed chains written as plain annotations"] += sum(c.status not in HUMAN_STATUSES for c in chains)
    losses["discontinuous mentions written as their outer extent"] += sum(
        len(m.fragments) > 1 for c in chains for m in c.mentions)
    losses["entity spans left out (the format holds coreference only)"] += len(doc.spans)
    losses["relations left out"] += len(doc.relations)
    entities = [_places(c) for c in chains]
    index = {json.dumps(places): i for i, places in enumerate(entities)}
    includes: list[list[int]] = [[] for _ in chains]
    for link in doc.meta.get(INCLUDES, []):
        try:
            parent, children = link
            parent_i = index[json.dumps(parent)]
            child_is = [index[json.dumps(child)] for child in children]
        except (KeyError, TypeError, ValueError):
            losses["split-antecedent links to chains edited since import left out"] += 1
            continue
        includes[parent_i] += [c for c in child_is if c not in includes[parent_i]]
    return json.dumps({"entities": entities, "includes": includes, "text": doc.text}, ensure_ascii=False) + "\n"
