"""Opening a database: a file path or any SQLAlchemy URL, SQLite tuned for a desktop app, and the
schema brought to the newest Alembic revision so an older database keeps working after an update.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from ..errors import StoreError
from .location import default_db_path, shown_url

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 10_000
CONNECT_TIMEOUT_S = 10
_TIMEOUT_BACKENDS = {"postgresql", "mysql", "mariadb"}   # whose drivers take ``connect_timeout``
# Execution option marking a transaction that will write (see _tune_sqlite).
WRITE_OPTION = "rdrs_write"


def to_url(url_or_path: str | Path | None) -> str:
    """A SQLAlchemy URL for a file path (made absolute, folder created) or a URL given as is."""
    if url_or_path is None:
        url_or_path = default_db_path()
    text = str(url_or_path)
    if "://" in text:
        return text
    path = Path(text).expanduser().resolve()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the database folder: {exc.strerror or exc}") from None
    return f"sqlite:///{path}"


def database_file(url_or_path: str | Path | None) -> Path | None:
    """The SQLite file a path or URL names (None for a server or an in-memory database)."""
    try:
        url = make_url(to_url(url_or_path))
    except (ArgumentError, ValueError):
        return None   # opening it says what is wrong
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def shown_engine_url(engine: Engine) -> str:
    """The engine's URL as a message may show it (``location.shown_url``)."""
    return shown_url(engine.url.render_as_string(hide_password=False))


def require_existing(url_or_path: str | Path | None) -> None:
    """Refuse a database file that is not there (before ``to_url`` would create its folder): for
    commands that only work on a database, a typo'd path would otherwise look like an empty one."""
    text = str(url_or_path if url_or_path is not None else default_db_path())
    path = database_file(text) if "://" in text else Path(text).expanduser()
    if path is not None and not path.exists():
        raise StoreError(f"{path}: no database there (check the path; rdrs import creates one)")


def make_engine(url: str, write_ahead_log: bool = True) -> Engine:
    """An engine for ``url``; ``write_ahead_log=False`` (SQLite only) keeps a rollback journal
    instead of a WAL: see ``_tune_sqlite``."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:   # ValueError: a port that is no number
        raise StoreError(f"{shown_url(url)}: not a database path or SQLAlchemy URL ({exc})") from None
    if parsed.get_backend_name() != "sqlite":
        # A server that accepts the connection and never answers would otherwise hang the app.
        timeout = {"connect_timeout": CONNECT_TIMEOUT_S} if parsed.get_backend_name() in _TIMEOUT_BACKENDS else {}
        try:
            return create_engine(parsed, pool_pre_ping=True, connect_args=timeout)
        except (SQLAlchemyError, ImportError) as exc:
            raise StoreError(f"{shown_url(url)}: cannot connect: {exc}") from None
    memory = parsed.database in (None, "", ":memory:")
    engine = create_engine(parsed, poolclass=StaticPool if memory else None,
                           connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})
    _tune_sqlite(engine, write_ahead_log)
    return engine


def _tune_sqlite(engine: Engine, write_ahead_log: bool) -> None:
    """SQLite-only connection setup: WAL (readers never block the writer), foreign keys,
    busy timeout, a 32 MiB page cache (big imports and exports), Unicode-aware lower() for
    case-insensitive Cyrillic search, and real transactions (pysqlite otherwise commits DDL
    implicitly and starts transactions late).

    Without ``write_ahead_log`` the database keeps a rollback journal: for a file that one
    process creates and fills in one transaction (the CLI's import into a new database), whose
    new pages then go to the file once instead of to the log and then the file (10,000 reviews:
    ~0.25 s less). Transactions stay atomic; the next ordinary open turns the log back on."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # noqa: ANN001 - DB-API object
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL" if write_ahead_log else "PRAGMA journal_mode=DELETE")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA cache_size=-32768")
        cursor.close()
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # noqa: ANN001
        # A write transaction takes the write lock up front (waiting up to the busy timeout), so
        # it cannot fail half-way because another process wrote between its reads and writes.
        immediate = connection.get_execution_options().get(WRITE_OPTION)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def alembic_config(engine_or_url: Engine | str | None = None) -> Config:
    """Alembic configuration pointing at the migrations shipped inside the package."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if isinstance(engine_or_url, str):
        cfg.set_main_option("sqlalchemy.url", engine_or_url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


_REVISION = re.compile(r"^(down_revision|revision)\s*=\s*(None|'[^']*'|\"[^\"]*\")\s*$", re.M)


def _shipped_head() -> str | None:
    """The newest migration's id, read from the files without Alembic (importing Alembic costs
    half a second at every ``rdrs`` start); None when the files do not say it plainly."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = dict(m.groups() for m in _REVISION.finditer(path.read_text(encoding="utf-8")))
        if "revision" not in found or "down_revision" not in found:
            return None
        revisions.add(found["revision"].strip("'\""))
        parents.add(found["down_revision"].strip("'\""))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _at_head(engine: Engine) -> bool:
    """Whether the database already has the newest schema (the usual case), by one query."""
    head = _shipped_head()
    if head is None:
        return False
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
    except SQLAlchemyError:
        return False


def _create_fresh(engine: Engine) -> bool:
    """Create the newest schema in an empty database straight from the models and stamp it
    with the head revision (Alembic's own recipe for a new database), without importing Alembic
    (half a second at every start on a new database, e.g. each ``rdrs import --db new.sqlite``).
    False (nothing done) when the database has any table or the head cannot be read plainly.
    tests/test_migrations.py checks that this schema equals the migrations' one."""
    head = _shipped_head()
    if head is None:
        return False
    from sqlalchemy import inspect

    from .models import Base

    with engine.connect() as connection, connection.execution_options(**{WRITE_OPTION: True}).begin():
        if inspect(connection).get_table_names():
            return False
        Base.metadata.create_all(connection)
        connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                                "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"))
        connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:head)"), {"head": head})
    return True


def _foreign_tables(connection) -> list[str]:  # noqa: ANN001 - a Connection
    """The tables of a database without a schema revision: none in a new database; some in
    another program's (a typo'd path to its file), which is refused, not filled with ours."""
    from sqlalchemy import inspect

    return sorted(t for t in inspect(connection).get_table_names() if t != "alembic_version")


def _refuse_foreign(engine: Engine, tables: list[str]) -> None:
    """Refuse another program's database; SQLite's journal goes back to the rollback journal
    the connection switched it from."""
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            raw.cursor().execute("PRAGMA journal_mode=DELETE")
        except engine.dialect.dbapi.Error:
            pass   # the other program has the file open: its journal stays, the refusal below matters
        finally:
            raw.close()
    raise StoreError(f"{shown_engine_url(engine)}: not an rdrs-gui database (it holds "
                     f"other tables: {', '.join(tables[:5])}{', …' if len(tables) > 5 else ''}); open an rdrs-gui "
                     "database or give a new file name")


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema in one transaction; refuse a database from a newer release,
    and another program's (``_foreign_tables``)."""
    if revision == "head" and (_at_head(engine) or _create_fresh(engine)):
        return
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = alembic_config()
    script = ScriptDirectory.from_config(cfg)
    with engine.connect() as connection, connection.execution_options(**{WRITE_OPTION: True}).begin():
        current = MigrationContext.configure(connection).get_current_revision()
        foreign = _foreign_tables(connection) if current is None else []
        if current is not None and current not in {r.revision for r in script.walk_revisions()}:
            raise StoreError(f"{shown_engine_url(engine)}: database revision "
                             f"{current} is newer than this program; update rdrs-gui")
        if not foreign and not (revision == "head" and current == script.get_current_head()):
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
    if foreign:
        _refuse_foreign(engine, foreign)
