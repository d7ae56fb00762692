"""RDRS JSON (sagteam): the format the RDRS corpus is published in.

A file holds a list of documents ``{text_id, text, entities, relations, meta}`` (or one such
document as a bare object, as in the corpus's ``sample_doc.json``). The full annotation layer is
``meta.objects.MedEntity``; the top-level ``entities`` is only a copy of the entities that take part
in relations, so it is read only when ``meta.objects.MedEntity`` is absent.

Mapping to the document model:

- every entity ``tag`` is mapped through the schema: a tag or alias becomes a label
  (``Medication:MedTypeDrugname`` -> ``DrugName``); a tag that spells a schema enum attribute and
  value (``Medication:MedFromDomestic``) becomes that attribute on the span; any other tag is kept
  as a label verbatim, so nothing is dropped;
- ``MedEntityType``/``MedType``/``DisType`` are derived from the tags and not stored (kept as
  attributes only when they disagree with the tags); ``entity_id``, ``xmiID``, ``copy`` and the
  derived ``text`` are not stored either; every other field (codes, ``MedFrom``, ``MedMaker``,
  ``medform_standart``, ``source_group``, ``Context``, ...) becomes an attribute; list values
  (``Context``) are joined with ``|``;
- several ``spans`` are one discontinuous span; entities over identical fragments fold into one
  multi-label span (``fold_stacked_spans``; the same tag twice stays two spans);
- ``meta.coreference`` clusters become chains of kind (label) ``Coreference``; ``meta.context``
  clusters become chains of kind ``Context`` (the corpus links every mention of one review context
  with them): two layers, so one mention can be in a chain of each; any other ``meta`` key holding
  ``{mentions, clusters}`` is a chain kind of that name (how the writer keeps other kinds);
- ``relations`` become relations between the spans their two entities were folded into, labelled
  with ``relation_type``; ``relation_class`` (1 = related, 0 = a negative pair) is an attribute;
- ``meta.meta`` (file name, annotator, corpus) is kept in ``Document.meta["rdrs_meta"]``; the token
  layer ``meta.sentences`` is not kept (it is derived from the text by the authors' tokenizer).

``write`` unfolds each span into one entity per label, with the tag, ``MedEntityType`` and
``MedType``/``DisType`` rebuilt from the schema, so ``read(write(docs))`` gives the same spans and
chains. Like the brat writer it leaves rejected suggestions out. What the format cannot hold is
reported in the returned list: review states, discontinuous chain mentions (written as their outer
extent).
"""
from __future__ import annotations

import json
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from ..document import (CONTEXT, COREFERENCE, REJECTED, Chain, Document, Mention, Relation, Span,
                        fold_stacked_spans, unstack)
from ..errors import FormatError
from ..schema import Schema, bundled
from ..textio import atomic_write_text, read_text
from .base import STOP, ReadResult

NAME = "rdrs-json"
DESCRIPTION = "RDRS JSON (sagteam): reviews with multi-tag entities, relations and coreference"
OUTPUT = "file"

LIST_SEPARATOR = "|"
# Fields that are structure, identifiers or derived from the tags, not attributes of the span.
_NOT_ATTRIBUTES = {"spans", "text", "tag", "entity_id", "xmiID", "copy"}
_TYPE_FIELDS = ("MedEntityType", "MedType", "DisType")
_LIST_FIELDS = {"Context"}
_SUBTYPE = re.compile(r"^([A-Z][a-z]*Type)(.+)$")
_SNIFF_BYTES = 65536
# ``meta`` keys that are not chain layers; any other key may hold a chain kind of its name.
_META_KEYS = {"meta", "raw", "sentences", "objects", "coreference", "context"}


@lru_cache(maxsize=1)
def _default_schema() -> Schema:
    return bundled("rdrs")


def sniff(path: str | Path) -> bool:
    path = Path(path)
    if not path.is_file() or path.suffix.lower() != ".json":
        return False
    try:
        with path.open("rb") as fh:
            head = fh.read(_SNIFF_BYTES).decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    except OSError:
        return False
    return head[:1] in ("[", "{") and '"text_id"' in head and ('"entities"' in head or '"meta"' in head)


def read(path: str | Path, schema: Schema | None = None, on_error: str = STOP) -> ReadResult:
    """A JSON list of documents; ``on_error="skip"`` lists a bad document in ``skipped`` and goes on."""
    path = Path(path)
    schema = schema or _default_schema()
    data = _load_json(path)
    if isinstance(data, dict) and "text" in data:
        data = [data]
    if not isinstance(data, list):
        raise FormatError(path, "expected a JSON list of RDRS documents ({text_id, text, entities, ...})")
    result = ReadResult()
    for index, raw in enumerate(data):
        warnings: list[str] = []
        try:
            result.documents.append(_read_document(raw, index, path, schema, warnings))
        except FormatError as exc:
            result.skip(exc, on_error)
            continue
        result.warnings += warnings
    return result


def write(documents: Iterable[Document], out: str | Path, schema: Schema | None = None) -> list[str]:
    """Write the documents as one RDRS JSON list; returns what the format could not keep."""
    schema = schema or _default_schema()
    losses: Counter[str] = Counter()
    payload = [_document_json(doc, schema, losses) for doc in documents]
    atomic_write_text(out, json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
    return [f"{what}: {count}" for what, count in losses.items() if count]


# --- reading -------------------------------------------------------------------------------------

def _load_json(path: Path) -> object:
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(path, f"not valid JSON: {exc.msg.removesuffix(' at')} (column {exc.colno})",
                          exc.lineno) from None
    except RecursionError:
        raise FormatError(path, "JSON nested too deeply") from None


class _Where:
    """Builds error messages that say which document and entity is wrong."""

    def __init__(self, path: Path, index: int, text_id: object):
        self.path = path
        self.prefix = f"document {index + 1}" + (f" (text_id {text_id})" if text_id is not None else "")

    def error(self, message: str) -> FormatError:
        return FormatError(self.path, f"{self.prefix}: {message}")

    def note(self, message: str) -> str:
        return f"{self.path}: {self.prefix}: {message}"


def _read_document(raw: object, index: int, path: Path, schema: Schema, warnings: list[str]) -> Document:
    if not isinstance(raw, dict):
        raise FormatError(path, f"document {index + 1}: expected an object, got {type(raw).__name__}")
    where = _Where(path, index, raw.get("text_id"))
    text = raw.get("text")
    if not isinstance(text, str):
        raise where.error("'text' must be a string")
    meta = raw.get("meta", {})
    if not isinstance(meta, dict):
        raise where.error("'meta' must be an object")
    name = str(raw["text_id"]) if raw.get("text_id") not in (None, "") else f"{path.stem}-{index + 1}"
    doc = Document(name=name, text=text)
    if isinstance(meta.get("meta"), dict) and meta["meta"]:
        doc.meta["rdrs_meta"] = meta["meta"]
    if isinstance(meta.get("raw"), str) and meta["raw"] != text:
        doc.meta["raw"] = meta["raw"]

    objects = meta.get("objects")
    if isinstance(objects, dict) and "MedEntity" in objects:
        entities = _entity_list(objects["MedEntity"], where, "meta.objects.MedEntity")
    else:
        entities = _entity_list(raw.get("entities", []), where, "entities")
    raw_spans: list[Span] = []
    entity_ids: dict[object, int] = {}
    for j, entity in enumerate(entities):
        span = _entity_span(entity, j, text, schema, where, warnings)
        if span is None:
            continue
        span.id = str(len(raw_spans))
        if isinstance(entity.get("entity_id"), (int, str)):
            entity_ids.setdefault(entity["entity_id"], len(raw_spans))
        raw_spans.append(span)
    doc.spans, folded = _fold(raw_spans)
    doc.assign_ids()
    doc.relations = _relations(raw.get("relations", []), entity_ids, folded, doc.spans, schema, where,
                               warnings)

    coref = meta["coreference"] if "coreference" in meta else raw.get("coreference")
    doc.chains = _chains(coref, COREFERENCE, len(text), where, warnings)
    doc.chains += _chains(meta.get("context"), CONTEXT, len(text), where, warnings)
    for key, value in meta.items():
        if key not in _META_KEYS and isinstance(value, dict) and {"mentions", "clusters"} <= value.keys():
            doc.chains += _chains(value, key, len(text), where, warnings)
    doc.assign_ids()
    problems = doc.problems()
    if problems:
        raise where.error(problems[0])
    return doc


def _entity_list(value: object, where: _Where, field_name: str) -> list:
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return value
    raise where.error(f"'{field_name}' must be a list or an object of entities")


def _entity_span(entity: object, j: int, text: str, schema: Schema, where: _Where,
                 warnings: list[str]) -> Span | None:
    if not isinstance(entity, dict):
        raise where.error(f"entity {j + 1}: expected an object")
    fragments = _fragments(entity.get("spans"), j, len(text), where, warnings)
    if not fragments:
        warnings.append(where.note(f"entity {j + 1} has no non-empty span; skipped"))
        return None
    tags = entity.get("tag", [])
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise where.error(f"entity {j + 1}: 'tag' must be a list of strings")
    labels: set[str] = set()
    tag_attrs: dict[str, str] = {}
    for tag in tags:
        label = schema.canonical(tag)
        attribute = None if label else _tag_attribute(schema, tag)
        if attribute:
            tag_attrs[attribute[0]] = attribute[1]
        else:
            labels.add(label or tag)
    if not labels:
        fallback = _label_from_fields(entity, schema)
        if fallback is None:
            warnings.append(where.note(f"entity {j + 1} has no tag; skipped"))
            return None
        labels.add(fallback)
    attrs = _field_attrs(entity, labels, schema)
    for key, value in tag_attrs.items():
        if key in attrs and attrs[key] != value:
            warnings.append(where.note(f"entity {j + 1}: field {key}={attrs[key]!r} disagrees with its tag; "
                                       f"the tag's {value!r} is kept"))
        attrs[key] = value
    span = Span(labels, fragments, attrs)
    given = entity.get("text")
    if isinstance(given, str) and given != span.covered_text(text):
        warnings.append(where.note(f"entity {j + 1}: its text {given!r} differs from the text at its "
                                   f"offsets {span.covered_text(text)!r}"))
    return span


def _fragments(spans: object, j: int, n: int, where: _Where, warnings: list[str]) -> list[tuple[int, int]]:
    if not isinstance(spans, list) or not spans:
        raise where.error(f"entity {j + 1}: 'spans' must be a non-empty list of {{begin, end}}")
    out = []
    for part in spans:
        begin = part.get("begin") if isinstance(part, dict) else None
        end = part.get("end") if isinstance(part, dict) else None
        if not _is_int(begin) or not _is_int(end):
            raise where.error(f"entity {j + 1}: each span needs integer 'begin' and 'end', got {part!r}")
        if not 0 <= begin <= end <= n:
            raise where.error(f"entity {j + 1}: span {begin}-{end} is outside the text (length {n})")
        if begin == end:
            warnings.append(where.note(f"entity {j + 1}: empty span at {begin} ignored"))
            continue
        out.append((begin, end))
    return out


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _tag_attribute(schema: Schema, tag: str) -> tuple[str, str] | None:
    """``Group:AttrValue`` for a schema enum attribute, e.g. ``Medication:MedFromDomestic``."""
    _, sep, rest = tag.partition(":")
    if not sep:
        return None
    for attribute in schema.attributes:
        if attribute.kind == "enum" and rest.startswith(attribute.name):
            value = rest[len(attribute.name):]
            if value in attribute.values:
                return attribute.name, value
    return None


def _label_from_fields(entity: dict, schema: Schema) -> str | None:
    """The label an untagged entity's ``MedEntityType``/``MedType``/``DisType`` fields spell."""
    group = entity.get("MedEntityType")
    if not isinstance(group, str) or not group:
        return None
    for field_name in ("MedType", "DisType"):
        subtype = entity.get(field_name)
        if isinstance(subtype, str) and subtype:
            tag = f"{group}:{field_name}{subtype}"
            return schema.canonical(tag) or tag
    return schema.canonical(group) or group


def _field_attrs(entity: dict, labels: set[str], schema: Schema) -> dict[str, str]:
    expected = [_type_fields(label, schema)[1] for label in labels]
    attrs: dict[str, str] = {}
    for key, value in entity.items():
        if key in _NOT_ATTRIBUTES or value is None:
            continue
        if key in _TYPE_FIELDS and any(fields.get(key) == value for fields in expected):
            continue
        if isinstance(value, list):
            if not value:
                continue
            value = LIST_SEPARATOR.join(str(v) for v in value)
        elif isinstance(value, dict):
            value = json.dumps(value, ensure_ascii=False)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        attrs[key] = str(value)
    return attrs


def _fold(spans: list[Span]) -> tuple[list[Span], dict[str, Span]]:
    """Fold stacked entities; return the folded spans and which folded span each entity went to."""
    merged, home = fold_stacked_spans(spans)
    folded = {span.id: merged[i] for span, i in zip(spans, home)}
    for span in merged:
        span.id = ""
    return merged, folded


def _relations(raw: object, entity_ids: dict[object, int], folded: dict[str, Span], spans: list[Span],
               schema: Schema, where: _Where, warnings: list[str]) -> list[Relation]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise where.error("'relations' must be a list")
    out = []
    skipped = 0
    for k, rel in enumerate(raw):
        if not isinstance(rel, dict):
            raise where.error(f"relation {k + 1}: expected an object")
        ends = [_relation_end(rel.get(side), entity_ids, folded, spans, schema)
                for side in ("first_entity", "second_entity")]
        if None in ends:
            skipped += 1
            continue
        attrs = {key: str(value) for key, value in rel.items()
                 if key not in ("first_entity", "second_entity", "relation_type") and value is not None}
        out.append(Relation(str(rel.get("relation_type", "Relation")), ends[0].id, ends[1].id, attrs))
    if skipped:
        warnings.append(where.note(f"{skipped} relation(s) refer to no entity of the document; skipped"))
    return out


def _relation_end(entity: object, entity_ids: dict[object, int], folded: dict[str, Span],
                  spans: list[Span], schema: Schema) -> Span | None:
    if not isinstance(entity, dict):
        return None
    fragments = None
    places = entity.get("spans")
    if isinstance(places, list) and all(isinstance(p, dict) and _is_int(p.get("begin")) and _is_int(p.get("end"))
                                        for p in places):
        fragments = sorted((p["begin"], p["end"]) for p in places)
    entity_id = entity.get("entity_id")
    index = entity_ids.get(entity_id) if isinstance(entity_id, (int, str)) else None
    if index is not None:
        span = folded.get(str(index))
        if span is not None and (fragments is None or span.fragments == fragments):
            return span
    tags = entity.get("tag") if isinstance(entity.get("tag"), list) else []
    wanted = {schema.canonical(t) or t for t in tags if isinstance(t, str)}
    candidates = [s for s in spans if s.fragments == fragments]
    return next((s for s in candidates if s.labels & wanted), candidates[0] if candidates else None)


def _chains(raw: object, label: str, n: int, where: _Where, warnings: list[str]) -> list[Chain]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, dict):
        raise where.error(f"'{label.lower()}' must be an object {{mentions, clusters}}")
    mentions = raw.get("mentions", [])
    clusters = raw.get("clusters", [])
    if not isinstance(mentions, list) or not isinstance(clusters, list):
        raise where.error(f"{label.lower()}: 'mentions' and 'clusters' must be lists")
    places = []
    for m, mention in enumerate(mentions):
        start = mention.get("startPos") if isinstance(mention, dict) else None
        end = mention.get("endPos") if isinstance(mention, dict) else None
        if not _is_int(start) or not _is_int(end):
            raise where.error(f"{label.lower()} mention {m}: needs integer 'startPos' and 'endPos'")
        if not 0 <= start < end <= n:
            raise where.error(f"{label.lower()} mention {m}: {start}-{end} is outside the text (length {n}) or empty")
        places.append((start, end))
    chains = []
    used: set[tuple[int, int]] = set()
    for c, cluster in enumerate(clusters):
        if not isinstance(cluster, list) or not all(_is_int(i) and 0 <= i < len(places) for i in cluster):
            raise where.error(f"{label.lower()} cluster {c}: must list indices of its {len(places)} mentions")
        members = list(dict.fromkeys(places[i] for i in cluster))
        if len(members) < len(cluster):
            warnings.append(where.note(f"{label.lower()} cluster {c} lists one mention twice; kept once"))
        if not members:
            continue
        used.update(members)
        chains.append(Chain([Mention([place]) for place in members], label=label))
    orphans = len(set(places) - used)
    if orphans:
        warnings.append(where.note(f"{orphans} {label.lower()} mention(s) belong to no cluster; ignored"))
    return chains


# --- writing -------------------------------------------------------------------------------------

def _type_fields(label: str, schema: Schema) -> tuple[str, dict[str, str]]:
    """The RDRS tag for ``label`` and the ``MedEntityType``/``MedType``/``DisType`` it implies."""
    tag = schema.tag(label)
    name = label
    group = ""
    if tag is not None:
        name = next((a for a in tag.aliases if ":" in a), tag.name)
        group = tag.group
    head, sep, rest = name.partition(":")
    fields = {"MedEntityType": head if sep else (group or name)}
    match = _SUBTYPE.match(rest) if sep else None
    if match:
        fields[match.group(1)] = match.group(2)
    return name, fields


def _attribute_tag(schema: Schema, key: str, value: str) -> str | None:
    """The ``Group:AttrValue`` tag that spells an enum attribute (``Medication:MedFromDomestic``)."""
    attribute = schema.attribute(key)
    if attribute is None or attribute.kind != "enum" or value not in attribute.values:
        return None
    owner = schema.tag(attribute.tags[0]) if attribute.tags else None
    group = owner.group if owner is not None and owner.group else "Medication"
    return f"{group}:{key}{value}"


def _entities(span: Span, text: str, schema: Schema, first_id: int) -> list[dict]:
    """One RDRS entity per label of ``span``; attributes go to the labels the schema gives them to."""
    labels = [label for label, _ in unstack(span)]
    entities = []
    for offset, label in enumerate(labels):
        tag, fields = _type_fields(label, schema)
        entity: dict = {"spans": [{"begin": s, "end": e} for s, e in span.fragments],
                        "text": span.covered_text(text), **fields, "Context": []}
        tags = [tag]
        for key, value in span.attrs.items():
            if key in _NOT_ATTRIBUTES:
                continue  # an attribute from another format must not overwrite the entity's structure
            attribute = schema.attribute(key)
            owners = attribute.tags if attribute is not None else []
            if owners and label not in owners and any(lab in owners for lab in labels):
                continue
            entity[key] = [v for v in value.split(LIST_SEPARATOR) if v] if key in _LIST_FIELDS else value
            attr_tag = _attribute_tag(schema, key, value)
            if attr_tag is not None:
                tags.append(attr_tag)
        entity["tag"] = tags
        entity["entity_id"] = first_id + offset
        entities.append(entity)
    return entities


def _document_json(doc: Document, schema: Schema, losses: Counter[str]) -> dict:
    spans = [s for s in doc.spans if s.status != REJECTED]
    losses["rejected suggestions left out"] += len(doc.spans) - len(spans)
    losses["unreviewed suggestions written as plain annotations"] += sum(not s.is_human for s in spans)
    entities: list[dict] = []
    by_span: dict[str, list[dict]] = {}
    for span in spans:
        losses["attributes named like RDRS structure fields left out"] += sum(k in _NOT_ATTRIBUTES for k in span.attrs)
        written = _entities(span, doc.text, schema, len(entities))
        if span.id:
            by_span[span.id] = written
        entities.extend(written)
    relations = []
    for rel in doc.relations:
        if rel.head not in by_span or rel.tail not in by_span:
            losses["relations whose span was not written left out"] += 1
            continue
        record = {"first_entity": _relation_entity(by_span[rel.head], rel.label),
                  "second_entity": _relation_entity(by_span[rel.tail], rel.label),
                  "relation_type": rel.label}
        for key, value in rel.attrs.items():
            record[key] = int(value) if key == "relation_class" and value.lstrip("-").isdigit() else value
        relations.append(record)
    chains = [c for c in doc.chains if c.status != REJECTED]
    losses["rejected chains left out"] += len(doc.chains) - len(chains)
    losses["chains of kinds named like RDRS meta fields written as coreference"] += sum(
        c.label.lower() in _META_KEYS and c.label not in (COREFERENCE, CONTEXT) for c in chains)
    losses["discontinuous chain mentions written as their outer extent"] += sum(
        len(m.fragments) > 1 for c in chains for m in c.mentions)
    meta: dict = {"meta": doc.meta.get("rdrs_meta", {})}
    if "raw" in doc.meta:
        meta["raw"] = doc.meta["raw"]
    meta["objects"] = {"MedEntity": entities}
    other = {c.label for c in chains if c.label not in (COREFERENCE, CONTEXT) and c.label.lower() not in _META_KEYS}
    meta["coreference"] = _clusters([c for c in chains if c.label != CONTEXT and c.label not in other])
    meta["context"] = _clusters([c for c in chains if c.label == CONTEXT])
    for kind in sorted(other):
        meta[kind] = _clusters([c for c in chains if c.label == kind])
    return {"text_id": doc.name, "text": doc.text,
            "entities": {str(e["entity_id"]): e for e in entities},
            "relations": relations, "meta": meta}


def _relation_entity(entities: list[dict], relation_type: str) -> dict:
    """The entity of a folded span that the relation type names.

    Types name their ends by tag (``ADR_Medication:MedTypeDrugname``) or by subtype
    (``ADR_Drugname``), joined with ``_``.
    """
    names = set(relation_type.split("_"))
    for entity in entities:
        own = {entity["tag"][0], entity.get("MedType"), entity.get("DisType"), entity.get("MedEntityType")}
        if own & names:
            return entity
    return entities[0]


def _clusters(chains: list[Chain]) -> dict:
    mentions: list[dict] = []
    index: dict[tuple[int, int], int] = {}
    clusters = []
    for chain in chains:
        cluster = []
        for mention in chain.mentions:
            place = (mention.start, mention.end)
            if place not in index:
                index[place] = len(mentions)
                mentions.append({"startPos": place[0], "endPos": place[1]})
            if index[place] not in cluster:
                cluster.append(index[place])
        if cluster:
            clusters.append(cluster)
    return {"mentions": mentions, "clusters": clusters}
