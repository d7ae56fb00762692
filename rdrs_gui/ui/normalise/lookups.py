"""What the coder needs from the database, read once and kept: a ``TermIndex`` per loaded
terminology, and the codes the project already gave each mention (by its lemma key)."""
from __future__ import annotations

import threading
from collections import Counter, defaultdict

from ...core.document import Span
from ...core.normalise.coding_stats import codes
from ...core.normalise.lemmas import lemma_key
from ...core.normalise.lookup import TermIndex
from ...core.store import Store
from ...core.terminology import ATTRIBUTE_KIND


class CodeLookups:
    def __init__(self, store: Store, project: str = "default"):
        self.store = store
        self.project = project
        self._indexes: dict[str, tuple[int, TermIndex | None]] = {}   # kind -> (terms, index)
        self._known: dict[str, dict[str, Counter[str]]] | None = None
        self._lock = threading.Lock()

    def warm(self) -> None:
        """Build the indexes of the loaded terminologies off the UI thread (a MedDRA release takes
        seconds to lemmatise), so the first F2 does not wait for it."""
        kinds = self.store.term_counts()
        if kinds:
            attributes = [a for a, kind in ATTRIBUTE_KIND.items() if kind in kinds]
            threading.Thread(target=lambda: [self.index(a) for a in attributes], name="term-index",
                             daemon=True).start()

    def index(self, attribute: str) -> TermIndex | None:
        """The loaded terminology the attribute codes with (None if none is loaded)."""
        kind = ATTRIBUTE_KIND.get(attribute)
        if kind is None:
            return None
        with self._lock:      # the warming thread may be building it: wait, never build twice
            count = self.store.term_counts().get(kind, 0)
            if self._indexes.get(kind, (None,))[0] != count:    # new, or re-imported meanwhile
                terms = self.store.terms(kind)
                self._indexes[kind] = (len(terms), TermIndex(terms) if terms else None)
            return self._indexes[kind][1]

    def known(self, attribute: str, mention: str) -> list[str]:
        """Codes the project's human spans with the same lemmas (any order) carry, most frequent first."""
        if self._known is None:
            self._known = defaultdict(lambda: defaultdict(Counter))
            for doc in self.store.iter_documents(project=self.project, all_layers=True):
                for span in doc.spans:
                    self._remember(span, span.covered_text(doc.text))
        return [c for c, _ in self._known[attribute][_key(mention)].most_common()]

    def coded(self, span: Span, mention: str) -> None:
        """A code was just given in the editor: offer it next time too."""
        if self._known is not None:
            self._remember(span, mention)

    def _remember(self, span: Span, mention: str) -> None:
        found = codes(span.attrs)
        if found:
            key = _key(mention)
            for name, values in found.items():
                self._known[name][key].update(values)



def _key(mention: str) -> str:
    """Lemmas in any order: "болела голова" and "голова болела" are one mention."""
    return " ".join(sorted(lemma_key(mention).split()))
