"""How far normalisation has got (the RDRS paper's Table 7 code columns and its top-20 ATC figure):
the coded share of each tag's mentions, the most frequent MedDRA PTs, ATC codes and ATC groups."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from ..document import HUMAN_STATUSES, Document
from ..schema import Schema, bundled
from ..terminology import ATTRIBUTE_KIND

TOP = 20
ATC_GROUP = 3   # A10: the therapeutic subgroup (ATC level 2)


def codes(attrs: dict[str, str]) -> dict[str, list[str]]:
    """The codes of a span per coding attribute; several codes are separated by ';'."""
    return {name: [c.strip() for c in value.split(";") if c.strip()]
            for name, value in attrs.items() if name in ATTRIBUTE_KIND and value and value.strip()}


class CodingTally:
    """Counts documents one at a time (statistics read a corpus once, in chunks)."""

    def __init__(self, schema: Schema | None = None) -> None:
        # which tags each coding attribute codes: a DrugName's ATC code on a span that is also a
        # DrugBrand codes the DrugName only
        schema = schema or bundled("rdrs")
        self.applies = {a.name: set(a.tags) for a in schema.attributes if a.name in ATTRIBUTE_KIND}
        self.mentions: Counter[str] = Counter()
        self.coded: Counter[str] = Counter()
        self.by_attribute: dict[str, Counter[str]] = {"MedDRA": Counter(), "ATC": Counter()}

    def add(self, doc: Document) -> None:
        for span in doc.spans:
            if span.status not in HUMAN_STATUSES:
                continue
            found = codes(span.attrs)
            for label in span.labels:
                self.mentions[label] += 1
                self.coded[label] += any(self._codes(name, label) for name in found)
            for name, values in found.items():
                if name in self.by_attribute:
                    self.by_attribute[name].update(values)

    def _codes(self, attribute: str, label: str) -> bool:
        tags = self.applies.get(attribute)
        return not tags or label in tags

    def result(self) -> dict:
        """``{"tags": {tag: {"mentions", "coded", "share"}}, "meddra": [[code, n]...], "atc": [...],
        "atc_groups": [...]}`` over human spans, most frequent first (top 20)."""
        mentions, coded = self.mentions, self.coded
        groups: Counter[str] = Counter()
        for code, n in self.by_attribute["ATC"].items():
            groups[code[:ATC_GROUP]] += n
        shown = set().union(*self.applies.values()) if self.applies else set()
        tags = [t for t in mentions if t in shown or coded[t]]
        return {"tags": {t: {"mentions": mentions[t], "coded": coded[t], "share": round(coded[t] / mentions[t], 4)}
                         for t in sorted(tags, key=lambda t: (-mentions[t], t))},
                "meddra": [[c, n] for c, n in self.by_attribute["MedDRA"].most_common(TOP)],
                "atc": [[c, n] for c, n in self.by_attribute["ATC"].most_common(TOP)],
                "atc_groups": [[c, n] for c, n in groups.most_common(TOP)]}


def compute(documents: Iterable[Document]) -> dict:
    tally = CodingTally()
    for doc in documents:
        tally.add(doc)
    return tally.result()
