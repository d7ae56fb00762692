"""What the coder needs from the database, read once and kept: a ``TermIndex`` per loaded
terminology, and the codes the project already gave each mention (by its lemma key)."""
from __future__ import annotations

import threading
from collections import Counter, defaultdict

from sqlalchemy.exc import SQLAlchemyError

from ...core.document import Span
from ...core.errors import RdrsError
from ...core.normalise.coding_stats import codes
from ...core.normalise.lemmas import lemma_key
from ...core.normalise.lookup import TermIndex
from ...core.normalise.precode import PreCoder
from ...core.normalise.suggest import Suggestion
from ...core.store import Store
from ...core.terminology import ATTRIBUTE_KIND


class CodeLookups:
    def __init__(self, store: Store, project: str = "default"):
        self.store = store
        self.project = project
        self._indexes: dict[str, tuple[int, TermIndex | None]] = {}   # kind -> (terms, index)
        self._known: dict[str, dict[str, Counter[str]]] | None = None
        self._lock = threading.Lock()
        self._coder: PreCoder | None = None

    def warm(self) -> None:
        """Build the indexes of the loaded terminologies and learn the code suggester off the UI
        thread (a MedDRA release takes seconds to lemmatise), so the first F2 does not wait."""
        kinds = self.store.term_counts()
        attributes = [a for a, kind in ATTRIBUTE_KIND.items() if kind in kinds]

        def build() -> None:
            try:
                for attribute in attributes:
                    self.index(attribute)
                self.learn()
            except (RdrsError, SQLAlchemyError, RuntimeError):
                # The database went away (the window closed), or the interpreter is shutting down
                # under this daemon thread (an import then raises RuntimeError): F2 builds what it
                # needs itself.
                pass
        threading.Thread(target=build, name="term-index", daemon=True).start()

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

    def learn(self) -> None:
        """Learn the code suggester from the project's coded mentions (seconds on a large
        project: the warming thread does it)."""
        coder = PreCoder.learn(self.store, self.store.project_schema(self.project), self.project)
        with self._lock:
            self._coder = coder

    def suggested(self, attribute: str, mention: str) -> list[Suggestion]:
        """The learnt top 5 codes with scores (none until the suggester is learnt)."""
        coder = self._coder
        if coder is None or attribute not in coder.suggesters:
            return []
        return coder.suggesters[attribute][1].suggest([mention])[0]


def _key(mention: str) -> str:
    """Lemmas in any order: "болела голова" and "голова болела" are one mention."""
    return " ".join(sorted(lemma_key(mention).split()))
