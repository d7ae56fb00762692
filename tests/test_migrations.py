"""Alembic migrations: a new or older database is brought to head on open, and the ORM models
never drift from the migrations."""
from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from rdrs_gui.core.document import Document, Span
from rdrs_gui.core.errors import StoreError
from rdrs_gui.core.store import Store
from rdrs_gui.core.store.engine import alembic_config, head_revision, make_engine, to_url, upgrade
from rdrs_gui.core.store.models import Base

FIRST = "0001"


def revision_of(store: Store) -> str | None:
    with store.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_a_new_database_is_created_at_head(tmp_path):
    with Store.open(tmp_path / "new.sqlite") as store:
        assert revision_of(store) == head_revision()
        tables = set(inspect(store.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_an_empty_file_is_upgraded(tmp_path):
    path = tmp_path / "empty.sqlite"
    path.write_bytes(b"")
    with Store.open(path) as store:
        assert revision_of(store) == head_revision()
        store.import_documents([Document("d", "текст", spans=[Span({"ADR"}, [(0, 5)])])])
        assert store.count_documents() == 1


def test_a_database_at_the_first_revision_is_upgraded_and_keeps_its_data(tmp_path):
    path = tmp_path / "old.sqlite"
    engine = make_engine(to_url(path))
    upgrade(engine, FIRST)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO projects (id, name, schema_json, created) "
                             "VALUES (1, 'default', '{\"name\": \"x\", \"tags\": [{\"name\": \"ADR\"}]}', "
                             "'2024-01-01 00:00:00')")
        conn.exec_driver_sql("INSERT INTO documents (id, project_id, name, text, meta, length, status, created) "
                             "VALUES (1, 1, 'old', 'старый отзыв', '{}', 12, 'done', '2024-01-01 00:00:00')")
    engine.dispose()
    with Store.open(path) as store:
        assert revision_of(store) == head_revision()
        (row,) = store.list_documents()
        assert (row.name, row.status) == ("old", "done")
        assert store.project_schema().tag_names == ["ADR"]
        assert [r.name for r in store.list_documents(search="СТАРЫЙ")] == ["old"], \
            "revision 0003 fills the search column of existing documents"
        store.add_span(row.id, Span({"ADR"}, [(0, 6)]))
        assert store.load_document(row.id).spans[0].covered_text("старый отзыв") == "старый"


def test_models_match_the_migrations(tmp_path):
    with Store.open(tmp_path / "cmp.sqlite") as store, store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def _schema_of(engine) -> dict:
    """Every table's columns, keys, indexes and constraints, in a comparable form."""
    found = inspect(engine)
    out = {}
    for table in found.get_table_names():
        out[table] = {
            "columns": sorted((c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                              for c in found.get_columns(table)),
            "pk": found.get_pk_constraint(table),
            "fks": sorted(str(sorted(fk.items())) for fk in found.get_foreign_keys(table)),
            "indexes": sorted(str(sorted(ix.items())) for ix in found.get_indexes(table)),
            "unique": sorted(str(sorted(uq.items())) for uq in found.get_unique_constraints(table)),
        }
    return out


def test_a_new_database_made_from_the_models_equals_one_made_by_the_migrations(tmp_path):
    """A new database skips Alembic (the models' create_all, stamped at head); the result must
    be the schema the migrations build, table by table, and later migrations must apply to it."""
    from rdrs_gui.core.store.engine import _create_fresh

    fresh = make_engine(to_url(tmp_path / "fresh.sqlite"))
    assert _create_fresh(fresh)
    assert not _create_fresh(fresh), "a database with tables is left to Alembic"
    migrated = make_engine(to_url(tmp_path / "migrated.sqlite"))
    upgrade(migrated, FIRST)
    upgrade(migrated)
    try:
        assert _schema_of(fresh) == _schema_of(migrated)
        with fresh.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == head_revision()
    finally:
        fresh.dispose()
        migrated.dispose()


def test_downgrade_to_base_and_back(tmp_path):
    path = tmp_path / "down.sqlite"
    Store.open(path).close()
    engine = make_engine(to_url(path))
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    with Store.open(path) as store:
        assert revision_of(store) == head_revision()


def test_a_database_from_a_newer_release_is_refused(tmp_path):
    path = tmp_path / "future.sqlite"
    Store.open(path).close()
    engine = make_engine(to_url(path))
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'ffff9999'")
    engine.dispose()
    with pytest.raises(StoreError, match="newer than this program"):
        Store.open(path)



def test_another_programs_sqlite_file_is_refused_and_left_as_it_was(tmp_path):
    """A typo'd --db pointing at another program's database used to get our tables added to it."""
    import sqlite3

    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (x)")
        conn.execute("INSERT INTO notes VALUES (1)")
    conn.close()
    with pytest.raises(StoreError, match=r"not an rdrs-gui database \(it holds other tables: notes\)"):
        Store.open(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("notes",)]
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    conn.close()

def test_the_quick_head_check_agrees_with_alembic(tmp_path):
    """``rdrs`` skips importing Alembic when the database is at the head the files name; that
    shortcut must name the same head as Alembic itself, and an older database still upgrades."""
    from rdrs_gui.core.store.engine import _at_head, _shipped_head

    assert _shipped_head() == head_revision()
    url = to_url(tmp_path / "old.sqlite")
    engine = make_engine(url)
    upgrade(engine, FIRST)
    assert not _at_head(engine)
    upgrade(engine)
    assert _at_head(engine)
    engine.dispose()


def test_revision_0004_takes_tagger_figures_out_of_the_adr_score(tmp_path):
    """A tagger's best ADR span score stored as adr_prob (before 0004) is no score: the review
    sorts as unknown afterwards; a classifier's probability (with its verdict) is kept."""
    path = tmp_path / "scores.sqlite"
    engine = make_engine(to_url(path))
    upgrade(engine, "0003")
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO projects (id, name, schema_json, created) "
                             "VALUES (1, 'default', '{\"name\": \"x\", \"tags\": [{\"name\": \"ADR\"}]}', "
                             "'2024-01-01 00:00:00')")
        for doc_id, meta, prob in ((1, '{"adr_prob": 0.0, "adr": null}', 0.0),
                                   (2, '{"adr_prob": 0.9, "adr": true, "adr_sentence": [0, 3]}', 0.9),
                                   (3, '{}', None)):
            conn.exec_driver_sql("INSERT INTO documents (id, project_id, name, text, meta, length, status, created, "
                                 "adr_prob) VALUES (?, 1, ?, 'текст', ?, 5, 'new', '2024-01-01 00:00:00', ?)",
                                 (doc_id, f"d{doc_id}", meta, prob))
    engine.dispose()
    with Store.open(path) as store:
        assert revision_of(store) == head_revision()
        assert store.document_meta(1) == {"adr_tagger": 0.0}
        assert store.document_meta(2)["adr_prob"] == 0.9
        rows = store.list_documents(order_by="adr_prob", descending=True)
        assert [(r.name, r.adr_prob) for r in rows][:1] == [("d2", 0.9)]
        assert {r.name: r.adr_prob for r in rows}["d1"] is None


def test_another_programs_database_it_holds_open_is_still_refused_cleanly(tmp_path):
    """Its journal cannot be switched back while that program reads it: the refusal stays one message."""
    import sqlite3

    path = tmp_path / "other.db"
    other = sqlite3.connect(path)
    other.execute("PRAGMA journal_mode=WAL")
    other.execute("CREATE TABLE notes (x)")
    other.commit()
    other.execute("BEGIN")
    other.execute("SELECT * FROM notes").fetchall()
    try:
        with pytest.raises(StoreError, match="not an rdrs-gui database"):
            Store.open(path)
    finally:
        other.close()
