"""One user action, one transaction: commits, statements and time per editor action on a real
SQLite file, against the previous way (one transaction per stored change, on the UI thread),
which the store's one-change methods still implement and which this script replays.

The review is synthetic (``--suggestions`` pending ADR suggestions over one long text). For each
action the script prints the commits and SQL statements the SQLite driver really executed
(SQLite's trace hook), the time the editor's thread spent (the session with the app's writer
queue: the change set is handed over, not written) and the time the write itself took.

    python benchmarks/unit_of_work.py [--suggestions 1000] [--runs 5]

The last line is ``accept_all_commits=<n> accept_all_statements=<n> accept_all_write_ms=<median>
previous_ms=<median> ratio=<previous / now>``.
"""
from __future__ import annotations

import argparse
import copy
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event  # noqa: E402

from rdrs_gui.core.document import ACCEPTED, DOC_PREANNOTATED, SUGGESTED, Document, Span  # noqa: E402
from rdrs_gui.core.editing import EditSession  # noqa: E402
from rdrs_gui.core.store import Store  # noqa: E402


def review(n: int) -> Document:
    text = " ".join(["сыпь"] * n)
    spans = [Span({"ADR"}, [(5 * i, 5 * i + 4)], origin="model:v1", status=SUGGESTED, score=0.5) for i in range(n)]
    return Document("bench", text, spans=spans, status=DOC_PREANNOTATED)


class Trace:
    def __init__(self, store: Store) -> None:
        self.lines: list[str] = []
        event.listen(store.engine, "checkout", lambda dbapi, *_: dbapi.set_trace_callback(self.lines.append))

    def take(self) -> tuple[int, int]:
        commits = sum(line.strip().upper() == "COMMIT" for line in self.lines)
        statements = sum(not line.strip().upper().startswith(("BEGIN", "COMMIT", "PRAGMA")) for line in self.lines)
        self.lines.clear()
        return commits, statements


def fresh(folder: Path, n: int, name: str) -> tuple[Store, int]:
    store = Store.open(folder / f"{name}.sqlite")
    return store, store.import_documents([review(n)]).document_ids[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suggestions", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    n = args.suggestions
    now_ui, now_write, before, counts = [], [], [], {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for run in range(args.runs):
            # now: the editor hands one change set to the writer queue; the writer applies it
            store, doc_id = fresh(folder, n, f"now{run}")
            queued: list = []
            session = EditSession(store, doc_id, "anna", write=queued.append)
            ids = [s.id for s in session.suggestions()]
            trace = Trace(store)
            t0 = time.perf_counter()
            inverse = session.accept_all(ids)
            now_ui.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            for changes in queued:
                store.apply_changes(doc_id, changes, "anna")
            now_write.append((time.perf_counter() - t0) * 1000)
            counts["accept all"] = trace.take()
            queued.clear()
            session.apply(inverse)
            for changes in queued:
                store.apply_changes(doc_id, changes, "anna")
            counts["undo accept all"] = trace.take()
            queued.clear()
            first = session.suggestions()[0]
            session.set_labels(first.id, {"Finding"})
            for changes in queued:
                store.apply_changes(doc_id, changes, "anna")
            counts["relabel a suggestion"] = trace.take()
            store.close()

            # before: every accepted suggestion was its own transaction, on the UI thread
            store, doc_id = fresh(folder, n, f"before{run}")
            doc = store.load_document(doc_id, "anna")
            trace = Trace(store)
            t0 = time.perf_counter()
            for span in doc.spans:
                accepted = copy.deepcopy(span)
                accepted.status = ACCEPTED
                store.update_span(doc_id, accepted)
            store.set_status(doc_id, "in progress", "anna")
            before.append((time.perf_counter() - t0) * 1000)
            counts["accept all, previous way"] = trace.take()
            store.close()
    for action, (commits, statements) in counts.items():
        print(f"{action:28s} {commits:5d} commit(s) {statements:7d} statement(s)")
    ui, write, old = (statistics.median(x) for x in (now_ui, now_write, before))
    print(f"accept all {n} visible: editor thread {ui:.1f} ms, write {write:.1f} ms (one transaction); "
          f"previous way {old:.0f} ms on the editor thread ({n + 1} transactions); medians of {args.runs}")
    commits, statements = counts["accept all"]
    print(f"accept_all_commits={commits} accept_all_statements={statements} accept_all_write_ms={write:.1f} "
          f"previous_ms={old:.0f} ratio={old / write:.1f}")


if __name__ == "__main__":
    main()
