"""Corpus statistics (RDRS paper, Table 7 columns): synthetic cases, and ``rdrs stats`` on the
real RDRS documents checked against counts computed here straight from their JSON."""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from rdrs_gui.cli import main
from rdrs_gui.core import stats
from rdrs_gui.core.document import ACCEPTED, REJECTED, SUGGESTED, Chain, Document, Mention, Span
from rdrs_gui.core.schema import bundled


def test_counts_on_synthetic_documents():
    text = "Какой-то сироп «Доктор Мом» (10 мл) — и кашель прошёл!"
    docs = [
        Document("a", text, spans=[
            Span({"DrugName", "DrugBrand"}, [(16, 26)]),            # two labels, two words
            Span({"Dosage"}, [(29, 34)]),                          # "10 мл": two words
            Span({"DrugForm"}, [(0, 8), (9, 14)]),                 # discontinuous: "Какой-то" + "сироп"
            Span({"ADR"}, [(40, 46)], status=SUGGESTED, origin="model:v1"),
            Span({"Indication"}, [(40, 46)], status=REJECTED, origin="model:v1"),
            Span({"Indication"}, [(40, 53)], status=ACCEPTED, origin="model:v1"),
        ], chains=[Chain([Mention([(16, 26)]), Mention([(9, 14)])])]),
        Document("b", "Доктор Мом не помог.", spans=[Span({"DrugName"}, [(0, 10)])]),
        Document("c", "Пусто."),
    ]
    figures = stats.compute(docs)
    assert (figures["documents"], figures["spans"], figures["suggestions"], figures["chains"]) == (3, 5, 1, 1)
    tags = figures["tags"]
    assert tags["DrugName"] == {"mentions": 2, "words": 4, "documents": 2}
    assert tags["DrugBrand"] == {"mentions": 1, "words": 2, "documents": 1}
    assert tags["Dosage"] == {"mentions": 1, "words": 2, "documents": 1}
    assert tags["DrugForm"] == {"mentions": 1, "words": 2, "documents": 1}
    assert tags["Indication"] == {"mentions": 1, "words": 2, "documents": 1}
    assert "ADR" not in tags
    assert list(tags)[0] == "DrugName"  # most frequent first
    table = stats.format_table(figures)
    assert "DrugName" in table.splitlines()[-len(tags)]


def test_word_counting():
    assert stats.count_words("Какой-то COVID-19, 2 раза в день; «Нурофен»...") == 7
    assert stats.count_words(" — ... !") == 0


# --- rdrs stats on the real RDRS documents -------------------------------------------------------

# Entity fields that are structure or type (derived from the tags), not attributes: two entities
# over the same fragments fold into one span unless an attribute differs (merge_stacked_spans).
STRUCTURE = {"spans", "text", "tag", "entity_id", "xmiID", "copy", "MedEntityType", "MedType", "DisType"}
WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


def corpus_files(rdrs_json: Path) -> list[Path]:
    """The corpus files of the folder: those holding a list of RDRS documents."""
    if not rdrs_json.parent.is_dir():
        pytest.skip(f"{rdrs_json.parent} is absent")
    return [p for p in sorted(rdrs_json.parent.glob("*.json"))
            if isinstance(json.loads(p.read_text(encoding="utf-8")), list)]


def expected_figures(files: list[Path]) -> dict:
    schema = bundled("rdrs")
    attribute_tag = re.compile(r"^[A-Za-z]+:(%s)(%s)$" % (
        "|".join(a.name for a in schema.attributes if a.kind == "enum"),
        "|".join(v for a in schema.attributes for v in a.values)))
    n_docs = n_spans = n_chains = n_relations = 0
    mentions, words, covered = Counter(), Counter(), Counter()
    for path in files:
        for raw in json.loads(path.read_text(encoding="utf-8")):
            n_docs += 1
            entities = raw["meta"]["objects"]["MedEntity"]
            entities = list(entities.values()) if isinstance(entities, dict) else entities
            spans: list[tuple[tuple, set, dict]] = []  # fragments, labels, attributes
            for entity in entities:
                fragments = tuple(sorted((p["begin"], p["end"]) for p in entity["spans"] if p["begin"] < p["end"]))
                labels = {schema.canonical(t) for t in entity["tag"] if schema.canonical(t)}
                assert all(schema.canonical(t) or attribute_tag.match(t) for t in entity["tag"]), entity["tag"]
                attrs = {k: json.dumps(v, ensure_ascii=False) for k, v in entity.items()
                         if k not in STRUCTURE and v not in (None, [])}
                for other_fragments, other_labels, other_attrs in spans:
                    if other_fragments == fragments and all(other_attrs.get(k, v) == v for k, v in attrs.items()):
                        other_labels |= labels
                        other_attrs.update(attrs)
                        break
                else:
                    spans.append((fragments, labels, attrs))
            n_spans += len(spans)
            tags_here = set()
            for fragments, labels, _ in spans:
                n_words = sum(len(WORD.findall(raw["text"][s:e])) for s, e in fragments)
                for label in labels:
                    mentions[label] += 1
                    words[label] += n_words
                    tags_here.add(label)
            covered.update(tags_here)
            for key in ("coreference", "context"):
                n_chains += sum(1 for cluster in (raw["meta"].get(key) or {}).get("clusters", []) if cluster)
            n_relations += len(raw["relations"])
    return {"documents": n_docs, "spans": n_spans, "suggestions": 0, "chains": n_chains,
            "relations": n_relations,
            "tags": {t: {"mentions": mentions[t], "words": words[t], "documents": covered[t]} for t in mentions}}


def test_rdrs_stats_match_counts_from_the_json(rdrs_json, tmp_path, capsys):
    pytest.importorskip("rdrs_gui.core.formats.rdrs_json")
    files = corpus_files(rdrs_json)
    db = tmp_path / "rdrs.sqlite"
    assert main(["--db", str(db), "import", "--format", "rdrs-json", *map(str, files)]) == 0
    capsys.readouterr()
    assert main(["--db", str(db), "stats", "--json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    expected = expected_figures(files)
    assert figures["documents"] == expected["documents"] >= 49
    assert {k: figures[k] for k in ("spans", "suggestions", "chains", "relations")} == \
        {k: expected[k] for k in ("spans", "suggestions", "chains", "relations")}
    assert figures["tags"] == expected["tags"]
    # The same figures straight from the files, without a database.
    assert main(["--db", str(tmp_path / "unused.sqlite"), "stats", "--json", "--format", "rdrs-json",
                 *map(str, files)]) == 0
    assert json.loads(capsys.readouterr().out) == figures
