"""Tag schemas are data (``resources/schemas/*.json``): tags, groups, attributes, colours,
hotkeys and one-line guidelines. Loading validates the file and says exactly what is wrong.

A corpus whose labels are not in the schema extends it (``Schema.extended``): labels are
never dropped on import.
"""
from __future__ import annotations

import colorsys
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable

from .errors import SchemaError
from .textio import read_text

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "resources" / "schemas"
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass
class Tag:
    name: str
    group: str = ""
    color: str = "#888888"
    hotkey: str = ""
    aliases: list[str] = field(default_factory=list)
    description: str = ""
    description_ru: str = ""   # the guideline in Russian, for the Russian interface


@dataclass
class Attribute:
    """A span attribute: an enumeration (``values``), a free code (``kind == "code"``) or free
    text, or a ``"flag"`` that is either present (value ``""``) or absent (brat binary attributes)."""

    name: str
    values: list[str] = field(default_factory=list)
    kind: str = "enum"
    tags: list[str] = field(default_factory=list)
    description: str = ""
    description_ru: str = ""


@dataclass
class Group:
    name: str
    description: str = ""
    description_ru: str = ""


@dataclass
class Schema:
    name: str
    tags: list[Tag]
    attributes: list[Attribute] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    title: str = ""
    version: int = 1

    def __post_init__(self) -> None:
        self._by_name = {t.name: t for t in self.tags}
        self._by_alias = {a.lower(): t.name for t in self.tags for a in [t.name, *t.aliases]}

    @property
    def tag_names(self) -> list[str]:
        return [t.name for t in self.tags]

    def tag(self, name: str) -> Tag | None:
        return self._by_name.get(name)

    def canonical(self, label: str) -> str | None:
        """The schema's tag for ``label`` (its name or an alias, any case), or None."""
        return self._by_alias.get(label.lower())

    def attribute(self, name: str) -> Attribute | None:
        return next((a for a in self.attributes if a.name == name), None)

    def extended(self, labels: Iterable[str]) -> "Schema":
        """A copy with a tag added for every label this schema does not know (generated colour)."""
        missing = sorted({lab for lab in labels if self.canonical(lab) is None})
        if not missing:
            return self
        tags = list(self.tags) + [Tag(name=lab, group="", color=_generated_color(len(self.tags) + i),
                                      description="Label found in imported data.")
                                  for i, lab in enumerate(missing)]
        return Schema(self.name, tags, list(self.attributes), list(self.groups), self.title, self.version)

    def to_dict(self) -> dict:
        return {"name": self.name, "title": self.title, "version": self.version,
                "groups": [asdict(g) for g in self.groups],
                "attributes": [asdict(a) for a in self.attributes],
                "tags": [asdict(t) for t in self.tags]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1)

    @classmethod
    def from_dict(cls, data: object, source: str = "schema") -> "Schema":
        return _parse(data, source)

    @classmethod
    def load(cls, path_or_name: str | Path) -> "Schema":
        """Load a schema file, or a bundled one by name (``"rdrs"``, ``"rudrec"``)."""
        path = Path(path_or_name)
        if not path.exists() and (SCHEMA_DIR / f"{path_or_name}.json").exists():
            path = SCHEMA_DIR / f"{path_or_name}.json"
        try:
            data = json.loads(read_text(path))
        except json.JSONDecodeError as exc:
            raise SchemaError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from None
        except Exception as exc:  # FormatError for unreadable files
            raise SchemaError(str(exc)) from None
        return _parse(data, str(path))

    @classmethod
    def from_labels(cls, name: str, labels: Iterable[str]) -> "Schema":
        """A schema for a corpus that came without one (e.g. brat without annotation.conf)."""
        return cls(name, []).extended(labels)


def bundled(name: str = "rdrs") -> Schema:
    return Schema.load(SCHEMA_DIR / f"{name}.json")


def _generated_color(i: int) -> str:
    # Golden-angle hues stay distinct for any number of generated tags.
    r, g, b = colorsys.hls_to_rgb((i * 0.618033988749895) % 1.0, 0.55, 0.6)
    return f"#{int(r * 255):02x}{int(g * 255):02x}{int(b * 255):02x}"


def _parse(data: object, source: str) -> Schema:
    def fail(msg: str) -> SchemaError:
        return SchemaError(f"{source}: {msg}")

    if not isinstance(data, dict):
        raise fail("the top level must be a JSON object")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise fail("'name' must be a non-empty string")
    raw_tags = data.get("tags")
    if not isinstance(raw_tags, list) or not raw_tags:
        raise fail("'tags' must be a non-empty list")
    tags: list[Tag] = []
    seen_names: set[str] = set()
    seen_aliases: dict[str, str] = {}
    seen_hotkeys: dict[str, str] = {}
    for i, raw in enumerate(raw_tags):
        if not isinstance(raw, dict):
            raise fail(f"tags[{i}] must be an object")
        unknown = set(raw) - {"name", "group", "color", "hotkey", "aliases", "description", "description_ru"}
        if unknown:
            raise fail(f"tags[{i}]: unknown field(s) {', '.join(sorted(unknown))}")
        tag_name = raw.get("name")
        if not isinstance(tag_name, str) or not tag_name.strip():
            raise fail(f"tags[{i}]: 'name' must be a non-empty string")
        if tag_name in seen_names:
            raise fail(f"tag {tag_name!r} is defined twice")
        seen_names.add(tag_name)
        color = raw.get("color", _generated_color(i))
        if not isinstance(color, str) or not _COLOR.match(color):
            raise fail(f"tag {tag_name!r}: color must look like #rrggbb, got {color!r}")
        hotkey = raw.get("hotkey", "")
        if not isinstance(hotkey, str):
            raise fail(f"tag {tag_name!r}: hotkey must be a string")
        if hotkey:
            if hotkey.lower() in seen_hotkeys:
                raise fail(f"tag {tag_name!r}: hotkey {hotkey!r} is already used by {seen_hotkeys[hotkey.lower()]!r}")
            seen_hotkeys[hotkey.lower()] = tag_name
        aliases = raw.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise fail(f"tag {tag_name!r}: aliases must be a list of strings")
        for alias in [tag_name, *aliases]:
            owner = seen_aliases.get(alias.lower())
            if owner is not None and owner != tag_name:
                raise fail(f"tag {tag_name!r}: alias {alias!r} already names {owner!r}")
            seen_aliases[alias.lower()] = tag_name
        tags.append(Tag(tag_name, str(raw.get("group", "")), color, hotkey, list(aliases),
                        str(raw.get("description", "")), str(raw.get("description_ru", ""))))
    groups = []
    for i, raw in enumerate(data.get("groups", [])):
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise fail(f"groups[{i}] must be an object with a 'name'")
        groups.append(Group(raw["name"], str(raw.get("description", "")), str(raw.get("description_ru", ""))))
    group_names = {g.name for g in groups}
    for tag in tags:
        if tag.group and groups and tag.group not in group_names:
            raise fail(f"tag {tag.name!r}: unknown group {tag.group!r}")
    attributes = []
    for i, raw in enumerate(data.get("attributes", [])):
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise fail(f"attributes[{i}] must be an object with a 'name'")
        kind = raw.get("kind", "enum")
        if kind not in ("enum", "code", "text", "flag"):
            raise fail(f"attribute {raw['name']!r}: kind must be enum, code, text or flag")
        values = raw.get("values", [])
        if kind == "enum" and (not isinstance(values, list) or not values):
            raise fail(f"attribute {raw['name']!r}: an enum attribute needs a list of 'values'")
        for tag_name in raw.get("tags", []):
            if tag_name not in seen_names:
                raise fail(f"attribute {raw['name']!r}: unknown tag {tag_name!r}")
        attributes.append(Attribute(raw["name"], list(values), kind, list(raw.get("tags", [])),
                                    str(raw.get("description", "")), str(raw.get("description_ru", ""))))
    version = data.get("version", 1)
    if not isinstance(version, int):
        raise fail("'version' must be an integer")
    return Schema(name, tags, attributes, groups, str(data.get("title", "")), version)
