"""brat's configuration files: ``annotation.conf`` (+ ``visual.conf`` colours) to a Schema on
import, and an ``annotation.conf`` written next to an export so brat opens it without complaint.

Only what a Schema can hold is read: entity and event types become tags (a type hierarchy's
top-level type becomes the group of everything below it; ``!`` types are groups only), and
attributes become Attributes (``Value:a|b`` -> enum, none -> ``flag``). Relation and event
argument constraints have no place in a Schema and are not read.
"""
from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Iterable

from ..document import Document
from ..document_batch import DocumentBatch
from ..errors import FormatError
from ..schema import Attribute, Group, Schema, Tag, _generated_color
from ..textio import read_text

MENTION = "Mention"
_MACRO = re.compile(r"^<([A-Za-z0-9_-]+)>\s*=\s*(.*)$")
_SEPARATOR = re.compile(r"^-+$")
_BG_COLOR = re.compile(r"bgColor:#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")
# Attribute keys that encode notes, normalisations, events and brat details (see brat.py),
# not brat attributes.
RESERVED_PREFIXES = ("note:", "norm:", "norm-text:", "event:", "brat:")


def is_plain_attribute(key: str) -> bool:
    return key != "note" and not key.startswith(RESERVED_PREFIXES)


def schema_from_annotation_conf(path: str | Path) -> Schema:
    """The Schema declared by a brat ``annotation.conf`` (colours from ``visual.conf`` beside it)."""
    path = Path(path)
    section = ""
    macros: dict[str, list[str]] = {}
    types: dict[str, list[tuple[str, str, bool]]] = {"entities": [], "events": []}  # name, root, usable
    attr_specs: list[tuple[str, str, int]] = []
    stack: list[tuple[int, str]] = []
    for no, raw in enumerate(read_text(path).split("\n"), 1):
        line = raw.rstrip("\r")
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1].strip().lower()
            section = "entities" if section == "spans" else section  # brat's old name
            stack = []
            continue
        macro = _MACRO.match(stripped)
        if macro:
            macros[f"<{macro.group(1)}>"] = [v.strip() for v in macro.group(2).split("|") if v.strip()]
            continue
        if not section:
            raise FormatError(path, "a definition before any [section] header", no)
        if _SEPARATOR.match(stripped):      # a separator in brat's menus, not a type
            continue
        if section in types:
            indent = len(line) - len(line.lstrip(" \t"))
            name = _storage_name(stripped.split()[0])
            while stack and stack[-1][0] >= indent:
                stack.pop()
            stack.append((indent, name.lstrip("!")))
            types[section].append((name.lstrip("!"), stack[0][1], not name.startswith("!")))
        elif section == "attributes":
            name, spec = (stripped.split(None, 1) + [""])[:2]
            attr_specs.append((_storage_name(name), spec.strip(), no))
    entity_tags = [n for n, _, ok in types["entities"] if ok]
    event_tags = [n for n, _, ok in types["events"] if ok]
    roots = defaultdict(int)
    for name, root, _ in types["entities"] + types["events"]:
        roots[root] += 1
    groups = [r for r, count in roots.items() if count > 1]
    colors = _visual_colors(path.with_name("visual.conf"))
    tags: list[Tag] = []
    for name, root, usable in types["entities"] + types["events"]:
        if usable and name not in {t.name for t in tags}:
            tags.append(Tag(name, root if root in groups else "",
                            colors.get(name, _generated_color(len(tags)))))
    attributes = [_attribute(name, spec, macros, entity_tags, event_tags, path, no)
                  for name, spec, no in attr_specs]
    known = {t.name for t in tags}
    for attribute in attributes:
        attribute.tags = [t for t in attribute.tags if t in known]
    return Schema(path.parent.name or "brat", tags, attributes, [Group(g) for g in groups],
                  f"brat annotation.conf of {path.parent.name}")


def _storage_name(term: str) -> str:
    """``Protein_binding|GO:0005515``: brat's alternative names for one type, of which the first
    is the one .ann files use."""
    return term.split("|", 1)[0]


def _attribute(name: str, spec: str, macros: dict[str, list[str]], entity_tags: list[str],
               event_tags: list[str], path: Path, no: int) -> Attribute:
    if not name or not spec:
        raise FormatError(path, f"attribute definition needs a name and Arg:, got {name!r}", no)
    fields = {}
    for part in spec.split(","):
        key, sep, value = part.strip().partition(":")
        if not sep:
            raise FormatError(path, f"attribute {name}: expected Key:Value, got {part.strip()!r}", no)
        fields[key.strip()] = value.strip()
    targets: list[str] = []
    for target in fields.get("Arg", "").split("|"):
        for item in macros.get(target, [target]):
            targets += {"<ENTITY>": entity_tags, "<EVENT>": event_tags,
                        "<ANY>": entity_tags + event_tags}.get(item, [item])
    values = [v.strip() for v in fields.get("Value", "").split("|") if v.strip()]
    return Attribute(name, values, "enum" if values else "flag", list(dict.fromkeys(targets)))


def _visual_colors(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    colors = {}
    for line in read_text(path).split("\n"):
        fields = line.split(None, 1)
        match = _BG_COLOR.search(line)
        if match and len(fields) == 2:
            hexa = match.group(1)
            colors[fields[0]] = "#" + (hexa if len(hexa) == 6 else "".join(c * 2 for c in hexa)).lower()
    return colors


def merge_schemas(schemas: list[Schema]) -> Schema:
    """One schema from the annotation.conf files of several folders: first definition wins."""
    first = schemas[0]
    tags = {t.name: t for s in reversed(schemas) for t in s.tags}
    attributes: dict[str, Attribute] = {}
    for schema in schemas:
        for attr in schema.attributes:
            if attr.name in attributes:
                have = attributes[attr.name]
                have.values += [v for v in attr.values if v not in have.values]
                have.tags += [t for t in attr.tags if t not in have.tags]
                have.kind = "enum" if have.values else "flag"
            else:
                attributes[attr.name] = Attribute(attr.name, list(attr.values), attr.kind, list(attr.tags))
    groups = {g.name: g for s in schemas for g in s.groups}
    ordered = list(dict.fromkeys(t.name for s in schemas for t in s.tags))
    return Schema(first.name, [tags[n] for n in ordered], list(attributes.values()),
                  list(groups.values()), first.title)


class Observed:
    """The labels and attribute values documents use, gathered as they are read (from Documents
    or from the rows of a DocumentBatch: one pass over what may be 200,000 spans)."""

    def __init__(self) -> None:
        self.labels: set[str] = set()
        self.values: dict[str, set[str]] = defaultdict(set)

    def documents(self, documents: Iterable[Document]) -> None:
        for doc in documents:
            for span in doc.spans:
                self.labels.update(span.labels)
                if span.attrs:
                    for key, value in span.attrs.items():
                        self.values[key].add(value)

    def batch(self, batch: DocumentBatch) -> None:
        self.labels |= batch.label_names()
        for _, key, value in batch.attrs:
            self.values[key].add(value)


def with_observed(schema: Schema, observed: Observed) -> Schema:
    """``schema`` plus the labels and plain attributes the documents use but it does not declare."""
    schema = schema.extended(observed.labels)
    seen = {key: found for key, found in observed.values.items()
            if is_plain_attribute(key) and schema.attribute(key) is None}
    if not seen:
        return schema
    extra = [Attribute(k, sorted(v - {""}), "enum" if v - {""} else "flag") for k, v in sorted(seen.items())]
    return Schema(schema.name, list(schema.tags), list(schema.attributes) + extra,
                  list(schema.groups), schema.title, schema.version)


def conf_usage(documents: Iterable[Document]) -> dict:
    """What ``annotation.conf`` must declare for ``documents``, as plain values (sets and dicts
    of strings) that can be merged with other documents' (``conf_text``): a parallel export
    collects one per share of documents."""
    entities: set[str] = set()
    events: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    relations: dict[str, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    chains: set[str] = set()
    attrs: dict[tuple[str, str], set[str]] = defaultdict(set)  # (name, <ENTITY>|<EVENT>|<RELATION>)
    for doc in documents:
        by_id = {s.id: s for s in doc.spans}
        event_types = {k[len("event:"):]: v for s in doc.spans for k, v in s.attrs.items()
                       if k.startswith("event:") and k.count(":") == 1}
        for span in doc.spans:
            for key, value in span.attrs.items():
                if key.startswith("event:") and key.count(":") == 1:
                    events[value]
                elif key.startswith("event:") and is_plain_attribute(key.split(":", 2)[2]):
                    attrs[(key.split(":", 2)[2], "<EVENT>")].add(value)
                elif is_plain_attribute(key):
                    attrs[(key, "<ENTITY>")].add(value)
            entities |= span.labels
        for rel in doc.relations:
            tail = by_id.get(rel.tail)
            if "brat:event" in rel.attrs:
                role = rel.label.rstrip("0123456789") or rel.label
                kind = "<EVENT>" if "brat:arg" in rel.attrs else "|".join(sorted(tail.labels)) if tail else ""
                if kind:
                    events[event_types.get(rel.attrs["brat:event"], "")][role].add(kind)
                continue
            head = by_id.get(rel.head)
            if head and tail:
                relations[rel.label][0].update(head.labels)
                relations[rel.label][1].update(tail.labels)
            for key, value in rel.attrs.items():
                if is_plain_attribute(key):
                    attrs[(key, "<RELATION>")].add(value)
        chains |= {c.label for c in doc.chains}
    return {"entities": entities, "events": {k: dict(v) for k, v in events.items()},
            "relations": {k: list(v) for k, v in relations.items()}, "chains": chains, "attrs": dict(attrs)}


def conf_text(usages: Iterable[dict]) -> str:
    """The annotation.conf for the union of ``conf_usage`` results."""
    entities: set[str] = set()
    events: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    relations: dict[str, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    chains: set[str] = set()
    attrs: dict[tuple[str, str], set[str]] = defaultdict(set)
    for usage in usages:
        entities |= usage["entities"]
        for etype, roles in usage["events"].items():
            merged = events[etype]  # an event type without arguments is declared too
            for role, kinds in roles.items():
                merged[role] |= kinds
        for label, (heads, tails) in usage["relations"].items():
            relations[label][0].update(heads)
            relations[label][1].update(tails)
        chains |= usage["chains"]
        for key, values in usage["attrs"].items():
            attrs[tuple(key)] |= values
    events.pop("", None)
    entities -= set(events)
    if chains:
        entities.add(MENTION)
    lines = ["# Written by rdrs-gui from the exported annotations.", "", "[entities]", ""]
    lines += sorted(entities)
    lines += ["", "[relations]", ""]
    for label, (heads, tails) in sorted(relations.items()):
        lines.append(f"{label}\tArg1:{'|'.join(sorted(heads))}, Arg2:{'|'.join(sorted(tails))}")
    for label in sorted(chains):
        lines.append(f"{label}\tArg1:<ENTITY>, Arg2:<ENTITY>, <REL-TYPE>:symmetric-transitive")
    lines += ["", "[events]", ""]
    for etype, roles in sorted(events.items()):
        args = ", ".join(f"{role}*:{'|'.join(sorted(kinds))}" for role, kinds in sorted(roles.items()))
        lines.append(f"{etype}\t{args}".rstrip())
    lines += ["", "[attributes]", ""]
    for (name, target), values in sorted(attrs.items()):
        # brat's list takes values apart at ',' and '|' (an RDRS MedDRA term such as "Артрит,
        # аллергический", a Context "1|2"): such values stay in the .ann files, not in the list.
        unlisted = sorted(v for v in values if "," in v or "|" in v)
        if unlisted:
            lines.append(f"# {name}: {len(unlisted)} value(s) with ',' or '|' cannot be listed, "
                         f"e.g. {unlisted[0][:60]!r}")
        valued = sorted(v for v in values - set(unlisted) if v.strip())
        lines.append(f"{name}\tArg:{target}" + (f", Value:{'|'.join(valued)}" if valued else ""))
    return "\n".join(lines) + "\n"
