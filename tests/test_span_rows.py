"""A span's first label and fragment live in its own row (revision 0007); further labels and
fragments in span_labels / span_fragments. Whatever the mix, a span reads back as written, and
a database written before the change is moved over without losing anything."""
from __future__ import annotations

import sqlite3

from alembic import command
from sqlalchemy import text

from rdrs_gui.core.document import Document, Span
from rdrs_gui.core.store import Store
from rdrs_gui.core.store.engine import alembic_config, make_engine, to_url, upgrade

TEXT = "Пила Нурофен Экспресс, потом болела голова и тошнило."
SPANS = [
    Span({"DrugName"}, [(5, 12)], {"MedFrom": "Foreign"}),
    Span({"DrugName", "DrugBrand"}, [(5, 21)]),                        # stacked tags
    Span({"ADR"}, [(38, 44), (23, 29)]),                                # discontinuous, out of order
    Span({"ADR", "NegatedADR", "Note"}, [(45, 52), (23, 29), (30, 37)]),
]


def keys(spans: list[Span]) -> list[tuple]:
    return sorted(s.key() for s in spans)


def rows(path, sql: str) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def test_spans_with_any_number_of_labels_and_fragments_read_back_as_written(tmp_path):
    path = tmp_path / "db.sqlite"
    with Store.open(path) as store:
        (doc_id,) = store.import_documents([Document("r", TEXT, spans=[Span(set(s.labels), list(s.fragments),
                                                                            dict(s.attrs)) for s in SPANS])]).document_ids
        assert keys(store.load_document(doc_id).spans) == keys(SPANS)
    assert rows(path, "SELECT count(*) FROM span_labels") == [(3,)], "only labels after the first have a row"
    assert rows(path, "SELECT count(*) FROM span_fragments") == [(3,)], "only fragments after the first"
    assert rows(path, "SELECT label, start_offset, end_offset FROM spans ORDER BY id") == [
        ("DrugName", 5, 12), ("DrugBrand", 5, 21), ("ADR", 23, 29), ("ADR", 23, 29)]


def test_an_edited_span_keeps_exactly_its_new_labels_and_fragments(tmp_path):
    with Store.open(tmp_path / "db.sqlite") as store:
        (doc_id,) = store.import_documents([Document("r", TEXT, spans=[Span({"ADR", "Note"}, [(23, 29), (38, 44)])])
                                            ]).document_ids
        (span,) = store.load_document(doc_id).spans
        for labels, fragments in [({"Note"}, [(38, 44)]), ({"ADR", "DrugName", "Note"}, [(0, 4), (45, 52)]),
                                  ({"Indication"}, [(30, 37), (38, 44)])]:
            store.update_span(doc_id, Span(labels, fragments, id=span.id))
            (stored,) = store.load_document(doc_id).spans
            assert (stored.labels, stored.fragments) == (labels, sorted(fragments))


def test_the_document_list_finds_a_label_whichever_place_it_has(tmp_path):
    with Store.open(tmp_path / "db.sqlite") as store:
        store.import_documents([Document("stacked", TEXT, spans=[Span({"DrugBrand", "DrugName"}, [(5, 21)])]),
                                Document("plain", TEXT, spans=[Span({"DrugName"}, [(5, 12)])]),
                                Document("none", TEXT)])
        assert [r.name for r in store.list_documents(label="DrugName")] == ["stacked", "plain"]
        assert [r.name for r in store.list_documents(label="DrugBrand")] == ["stacked"]
        assert store.list_documents(label="ADR") == []


def test_a_database_of_the_previous_revision_is_moved_over_and_back(database_url):
    url = to_url(database_url)
    engine = make_engine(url)
    upgrade(engine, "0006")
    with engine.begin() as conn:   # the 0006 layout: every label and fragment in its own row
        run = conn.exec_driver_sql
        run("INSERT INTO projects (id, name, schema_json, created) VALUES "
            "(1, 'default', '{\"name\": \"x\", \"tags\": []}', '2026-01-01 00:00:00')")
        conn.execute(text("INSERT INTO documents (id, project_id, name, text, meta, length, status, created, "
                          "search_text) VALUES (1, 1, 'r', :text, '{}', :n, 'done', '2026-01-01 00:00:00', :text)"),
                     {"text": TEXT, "n": len(TEXT)})
        for i, span in enumerate(SPANS, 1):
            run(f"INSERT INTO spans (id, document_id, key, origin, status) VALUES ({i}, 1, 'T{i}', 'human', 'gold')")
            for label in span.labels:
                run(f"INSERT INTO span_labels VALUES ({i}, '{label}')")
            for position, (start, end) in enumerate(span.fragments):
                run(f"INSERT INTO span_fragments VALUES ({i}, {position}, {start}, {end})")
            for name, value in span.attrs.items():
                run(f"INSERT INTO span_attributes VALUES ({i}, '{name}', '{value}')")
    engine.dispose()
    with Store.open(url) as store:
        assert keys(store.load_document(1).spans) == keys(SPANS)
        assert [r.name for r in store.list_documents(label="NegatedADR")] == ["r"]
        assert count(store.engine, "span_labels") == count(store.engine, "span_fragments") == 3

    engine = make_engine(url)      # and back: every label and fragment in its own row again
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0006")
    with engine.connect() as conn:
        fragments = conn.exec_driver_sql("SELECT span_id, position, start_offset, end_offset FROM span_fragments")
        assert sorted(map(tuple, fragments)) == sorted(
            (i, p, s, e) for i, span in enumerate(SPANS, 1) for p, (s, e) in enumerate(span.fragments))
    assert count(engine, "span_labels") == sum(len(s.labels) for s in SPANS)
    engine.dispose()


def count(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
