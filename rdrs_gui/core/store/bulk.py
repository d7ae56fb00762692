"""Set-based writing and reading of annotations: one INSERT ... executemany per table and one
SELECT per table per chunk of documents, never one ORM object per row. This is what makes
importing or exporting ten thousand reviews take seconds rather than minutes.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter

from sqlalchemy import ColumnElement, Connection, and_, delete, func, insert, or_, select, true
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ..document import Chain, Document, Mention, Relation, Span
from ..document_batch import DocumentBatch
from ..gc_pause import paused_gc
from .models import (ChainMention, ChainRecord, DocumentRecord, DocumentState, RelationRecord,
                     SpanAttribute, SpanFragment, SpanLabel, SpanRecord)

CHUNK = 500  # documents per SELECT ... IN (...): well under every dialect's parameter limit


@dataclass
class Layer:
    """Which annotations to read: the shared layer plus one annotator's, or every layer."""

    annotator_id: int | None = None
    all_layers: bool = False

    def clause(self, column) -> ColumnElement[bool]:  # noqa: ANN001 - an annotator_id column
        if self.all_layers:
            return true()
        if self.annotator_id is None:
            return column.is_(None)
        return or_(column.is_(None), column == self.annotator_id)


def chunks(items: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def insert_ids(session: Session, table, rows: list[dict]) -> list[int]:  # noqa: ANN001
    """Insert rows and return their new primary keys in the order of ``rows``."""
    if not rows:
        return []
    if len(rows) > 1 and _is_sqlite(session):
        # SQLite fast path: an ordered INSERT ... RETURNING is one statement per row there.
        ids = _next_ids(session, table, len(rows))
        session.execute(insert(table), [{**row, "id": i} for row, i in zip(rows, ids)])
        return ids
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(session.execute(stmt, rows).scalars())


def insert_rows(session: Session, table, rows: list[dict]) -> None:  # noqa: ANN001
    if rows:
        session.execute(insert(table), rows)


# --- fast path -------------------------------------------------------------------------------
# For the hundreds of thousands of span, label and fragment rows of a big import or export,
# SQLAlchemy's per-row parameter and result processing costs several times more than the
# database itself. These two helpers hand statements compiled by the session's own dialect
# (so the SQL stays dialect-neutral) straight to the DB-API cursor of the session's connection
# (so they run inside its transaction). A column whose type converts values for the driver
# (JSON: a dict to the dialect's JSON text or wrapper) gets the dialect's own conversion
# (``_bound``); integers, strings and floats go as they are.

def fast_insert(session: Session, table, columns: Sequence[str], rows: list[tuple]) -> None:  # noqa: ANN001
    """Insert ``rows`` (tuples in the order of ``columns``) with one executemany."""
    if not rows:
        return
    connection = session.connection()
    rows = _bound(rows, [table.c[name].type.dialect_impl(connection.dialect).bind_processor(connection.dialect)
                         for name in columns])
    compiled = insert(table).compile(dialect=connection.dialect, column_keys=list(columns))
    if compiled.positional:
        order = [columns.index(name) for name in compiled.positiontup]
        if order == list(range(len(columns))):
            data = rows
        elif len(order) == 1:
            data = [(r[order[0]],) for r in rows]
        else:
            data = list(map(itemgetter(*order), rows))
    else:
        data = [dict(zip(columns, r)) for r in rows]
    with _raw_cursor(connection, compiled.string) as cursor:
        _executemany(cursor, compiled.string, data)


def _bound(rows: list[tuple], processors: list[Callable | None]) -> list[tuple]:
    """``rows`` with each value put through its column's bind processor, where it has one."""
    for i, process in enumerate(processors):
        if process is not None:
            convert = _once_per_content(process)
            rows = [(*row[:i], convert(row[i]), *row[i + 1:]) for row in rows]
    return rows


def _once_per_content(process: Callable) -> Callable:
    """``process``, run once per distinct dict of strings: the attributes of 200,000 relations
    are a handful of distinct dicts, and encoding each as JSON took most of their insert."""
    done: dict[tuple, object] = {}

    def convert(value: object) -> object:
        if type(value) is dict and all(type(k) is str and type(v) is str for k, v in value.items()):
            key = tuple(value.items())
            converted = done.get(key)
            if converted is None:
                converted = done[key] = process(value)
            return converted
        return process(value)
    return convert


SQLITE_VARIABLES = 999  # parameters per statement every SQLite version accepts


def _executemany(cursor, statement: str, data: list) -> None:  # noqa: ANN001
    """``executemany`` as multi-row INSERTs where the driver gains by it. psycopg2's executemany
    is one round trip per row (43 s for a 10,000-review import on a local PostgreSQL): there one
    INSERT goes per thousand rows. SQLite runs one statement per row at ~3 us a row: a hundred
    rows per statement take about a third less (200,000 spans: ~0.6 -> ~0.4 s). psycopg 3
    pipelines executemany by itself."""
    head, _, values = statement.partition(" VALUES ")
    row = values.split(" RETURNING ")[0]     # nothing is fetched: the dialect's RETURNING can go
    if not (row.startswith("(") and row.endswith(")")):
        cursor.executemany(statement, data)
    elif type(cursor).__module__.startswith("psycopg2"):
        from psycopg2.extras import execute_values

        execute_values(cursor, f"{head} VALUES %s", data, template=row, page_size=1000)
    elif type(cursor).__module__ == "sqlite3" and isinstance(data[0], tuple):
        per = max(1, SQLITE_VARIABLES // len(data[0]))
        whole = len(data) - len(data) % per
        if whole:
            cursor.executemany(f"{head} VALUES {', '.join([row] * per)}",
                               [tuple(chain.from_iterable(data[i:i + per])) for i in range(0, whole, per)])
        if whole < len(data):
            cursor.executemany(f"{head} VALUES {row}", data[whole:])
    else:
        cursor.executemany(statement, data)


def fast_select(session: Session, stmt) -> list[tuple]:  # noqa: ANN001
    connection = session.connection()
    compiled = stmt.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    args = tuple(params[k] for k in compiled.positiontup) if compiled.positional else params
    with _raw_cursor(connection, compiled.string) as cursor:
        cursor.execute(compiled.string, args)
        return cursor.fetchall()


@contextmanager
def _raw_cursor(connection: Connection, statement: str) -> Iterator:
    """A DB-API cursor whose driver errors surface as SQLAlchemy's, like everywhere else."""
    cursor = connection.connection.cursor()
    try:
        yield cursor
    except connection.dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(statement, None, exc, connection.dialect.loaded_dbapi.Error) from exc
    finally:
        cursor.close()


# --- SQLite fast path ------------------------------------------------------------------------
# A write transaction on SQLite holds the database's write lock from its first statement
# (engine.WRITE_OPTION: BEGIN IMMEDIATE), so nobody else can insert until it commits: new rows
# can be given the ids SQLite itself would give them (the largest plus one, ...) and inserted
# with them, instead of being read back. Outside such a transaction a concurrent insert makes
# the primary key clash and the transaction fail; it never mixes rows up.

def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _first_new_id(session: Session, table) -> int:  # noqa: ANN001
    return (session.execute(select(func.max(table.c.id))).scalar() or 0) + 1


def _next_ids(session: Session, table, n: int) -> list[int]:  # noqa: ANN001
    first = _first_new_id(session, table)
    return list(range(first, first + n))


# The rows of a span and of a chain (see models): who owns it, its key, then its own values; a
# span's first label and fragment are columns of its row (DocumentBatch says which).
SPAN_COLUMNS = ("document_id", "annotator_id", "key", "origin", "status", "score", "label", "start_offset",
                "end_offset")
CHAIN_COLUMNS = ("document_id", "annotator_id", "key", "label", "origin", "status", "score")
RELATION_COLUMNS = ("document_id", "annotator_id", "key", "label", "head", "tail", "attrs", "origin", "status")


def _insert_owned(session: Session, model, columns: Sequence[str], rows: list[tuple],  # noqa: ANN001
                  owners: Sequence[tuple[int, int | None]]) -> Sequence[int]:
    """Insert a batch's rows ``(doc, key, *values)`` as ``(document id, annotator id, key,
    *values)`` and return their ids in order.

    On SQLite with ids given up front (see above); elsewhere a plain executemany plus one SELECT
    per chunk of documents: INSERT ... RETURNING with a guaranteed order degrades to one
    statement per row on SQLite, which is ten times slower.
    """
    if not rows:
        return []
    if _is_sqlite(session):
        first = _first_new_id(session, model.__table__)
        fast_insert(session, model.__table__, ("id", *columns),
                    [(first + n, *owners[row[0]], *row[1:]) for n, row in enumerate(rows)])
        return range(first, first + len(rows))
    data = [(*owners[row[0]], *row[1:]) for row in rows]
    fast_insert(session, model.__table__, columns, data)
    ids: dict[tuple[int, str], int] = {}
    for chunk in chunks(sorted({row[0] for row in data})):
        of_docs = _doc_filter(chunk)
        for row_id, doc_id, key in fast_select(session, select(model.id, model.document_id, model.key)
                                               .where(of_docs(model.document_id))):
            ids[(doc_id, key)] = row_id
    return [ids[(row[0], row[2])] for row in data]


@dataclass
class Counts:
    spans: int = 0
    chains: int = 0
    relations: int = 0


def insert_annotations(session: Session,
                       entries: Iterable[tuple[int, int | None, list[Span], list[Chain], list[Relation]]]
                       ) -> Counts:
    """Insert spans, chains and relations: ``(document_id, annotator_id, spans, chains, relations)``.
    Keys (``span.id`` ...) must already be set and unique per document."""
    batch = DocumentBatch()
    owners: list[tuple[int, int | None]] = []
    for doc_id, annotator_id, spans, chains, relations in entries:
        batch.add_annotations(len(owners), spans, chains, relations)
        owners.append((doc_id, annotator_id))
    return insert_batch(session, batch, owners)


def insert_batch(session: Session, batch: DocumentBatch, owners: Sequence[tuple[int, int | None]]) -> Counts:
    """Insert the annotations of a batch; ``owners[i]`` is the ``(document id, annotator id)``
    of its document ``i``. One executemany per table."""
    if owners and _is_sqlite(session) and owners == _run(*owners[0], len(owners)):
        _insert_run_sqlite(session, batch, *owners[0])
        return Counts(len(batch.spans), len(batch.chains), len(batch.relations))
    span_ids = _insert_owned(session, SpanRecord, SPAN_COLUMNS, batch.spans, owners)
    fast_insert(session, SpanLabel.__table__, ("span_id", "label"),
                [(span_ids[n], label) for n, label in batch.labels])
    fast_insert(session, SpanFragment.__table__, ("span_id", "position", "start_offset", "end_offset"),
                [(span_ids[n], position, start, end) for n, position, start, end in batch.fragments])
    fast_insert(session, SpanAttribute.__table__, ("span_id", "name", "value"),
                [(span_ids[n], name, value) for n, name, value in batch.attrs])
    chain_ids = _insert_owned(session, ChainRecord, CHAIN_COLUMNS, batch.chains, owners)
    fast_insert(session, ChainMention.__table__, ("chain_id", "mention", "position", "start_offset", "end_offset"),
                [(chain_ids[n], *rest) for n, *rest in batch.mentions])
    fast_insert(session, RelationRecord.__table__, RELATION_COLUMNS,
                [(*owners[doc], *rest) for doc, *rest in batch.relations])
    return Counts(len(batch.spans), len(batch.chains), len(batch.relations))


def delete_layer(session: Session, doc_id: int, annotator_id: int | None) -> None:
    """Remove one layer's annotations of one document (children go by ON DELETE CASCADE)."""
    for model in (RelationRecord, ChainRecord, SpanRecord):
        owner = model.annotator_id.is_(None) if annotator_id is None else model.annotator_id == annotator_id
        session.execute(delete(model).where(model.document_id == doc_id, owner))


def load_documents(session: Session, doc_ids: Sequence[int], layer: Layer,
                   statuses: Sequence[str] | None = None) -> list[Document]:
    """Documents with their annotations in ``layer``, in the order of ``doc_ids``; only spans and
    chains whose status is in ``statuses`` (all when None); relations whose ends were read."""
    out: dict[int, Document] = {}
    with paused_gc():
        for chunk in chunks(list(doc_ids)):
            out.update(_load_chunk(session, chunk, layer, statuses))
    return [out[i] for i in doc_ids if i in out]


def _doc_filter(ids: Sequence[int]) -> Callable[[ColumnElement], ColumnElement[bool]]:
    """``document_id BETWEEN lo AND hi`` when the ids are dense (an export of everything), which
    is far cheaper to compile and run than ``IN`` with hundreds of parameters; ``IN`` otherwise.
    Rows of documents in the range but not asked for are dropped by the caller."""
    lo, hi = min(ids), max(ids)
    if hi - lo < 2 * len(ids):
        return lambda column: column.between(lo, hi)
    return lambda column: column.in_(ids)


def _load_chunk(session: Session, ids: Sequence[int], layer: Layer,
                statuses: Sequence[str] | None) -> dict[int, Document]:
    D, S, C, R = DocumentRecord, SpanRecord, ChainRecord, RelationRecord
    wanted = set(ids)
    of_docs = _doc_filter(ids)
    docs = {row.id: Document(row.name, row.text, dict(row.meta or {}), status=row.status, id=row.id)
            for row in session.execute(select(D.id, D.name, D.text, D.meta, D.status).where(of_docs(D.id)))
            if row.id in wanted}
    if layer.annotator_id is not None and not layer.all_layers:
        for doc in docs.values():
            doc.status = "new"
        state_rows = session.execute(select(DocumentState.document_id, DocumentState.status).where(
            of_docs(DocumentState.document_id), DocumentState.annotator_id == layer.annotator_id))
        for doc_id, status in state_rows:
            if doc_id in docs:
                docs[doc_id].status = status

    span_where = and_(of_docs(S.document_id), layer.clause(S.annotator_id),
                      S.status.in_(statuses) if statuses is not None else true())
    span_rows = [row for row in fast_select(session, select(S.id, S.document_id, S.key, S.origin, S.status, S.score,
                                                            S.label, S.start_offset, S.end_offset)
                                            .where(span_where).order_by(S.id)) if row[1] in docs]
    # The rows beside a span's own (further labels and fragments, attributes) are few: a span
    # without any gets a fresh set, list and dict of its own.
    labels: dict[int, set[str]] = {}
    fragments: dict[int, list[tuple[int, int]]] = {}
    attrs: dict[int, dict[str, str]] = {}
    for span_id, label in fast_select(session, select(SpanLabel.span_id, SpanLabel.label)
                                      .join(S, S.id == SpanLabel.span_id).where(span_where)):
        labels.setdefault(span_id, set()).add(label)
    for span_id, start, end in fast_select(
            session, select(SpanFragment.span_id, SpanFragment.start_offset, SpanFragment.end_offset)
            .join(S, S.id == SpanFragment.span_id).where(span_where)):  # Span sorts its fragments
        fragments.setdefault(span_id, []).append((start, end))
    for span_id, name, value in fast_select(session, select(SpanAttribute.span_id, SpanAttribute.name,
                                                            SpanAttribute.value)
                                            .join(S, S.id == SpanAttribute.span_id).where(span_where)):
        attrs.setdefault(span_id, {})[name] = value
    for span_id, doc_id, key, origin, status, score, label, start, end in span_rows:
        docs[doc_id].spans.append(Span({label, *labels.get(span_id, ())}, [(start, end), *fragments.get(span_id, ())],
                                       attrs.get(span_id) or {}, origin, status, score, key))

    chain_where = and_(of_docs(C.document_id), layer.clause(C.annotator_id),
                       C.status.in_(statuses) if statuses is not None else true())
    chain_rows = [row for row in fast_select(session, select(C.id, C.document_id, C.key, C.label, C.origin,
                                                             C.status, C.score).where(chain_where).order_by(C.id))
                  if row[1] in docs]
    mentions: dict[int, dict[int, list[tuple[int, int]]]] = {row[0]: {} for row in chain_rows}
    for chain_id, mention, start, end in fast_select(
            session, select(ChainMention.chain_id, ChainMention.mention, ChainMention.start_offset,
                            ChainMention.end_offset)
            .join(C, C.id == ChainMention.chain_id).where(chain_where)):  # Chain and Mention sort themselves
        if chain_id in mentions:
            mentions[chain_id].setdefault(mention, []).append((start, end))
    for chain_id, doc_id, key, label, origin, status, score in chain_rows:
        docs[doc_id].chains.append(Chain([Mention(f) for f in mentions[chain_id].values()], label, origin,
                                         status, score, key))

    keys = {doc_id: {s.id for s in doc.spans} for doc_id, doc in docs.items()}
    dialect = session.get_bind().dialect
    decode = R.attrs.type.dialect_impl(dialect).result_processor(dialect, None)  # None: the driver decodes
    flat: dict[str, dict] = {}  # JSON text -> its dict of strings: relations share a few attribute sets
    for doc_id, key, label, head, tail, attrs, origin, status in fast_select(
            session, select(R.document_id, R.key, R.label, R.head, R.tail, R.attrs, R.origin, R.status)
            .where(of_docs(R.document_id), layer.clause(R.annotator_id)).order_by(R.id)):
        if doc_id in docs and head in keys[doc_id] and tail in keys[doc_id]:
            if decode is not None and isinstance(attrs, str):
                text, attrs = attrs, flat.get(attrs)
                if attrs is None:
                    attrs = decode(text)
                    if isinstance(attrs, dict) and all(type(v) is str for v in attrs.values()):
                        flat[text] = attrs  # copied below: no two relations share a dict
            docs[doc_id].relations.append(Relation(label, head, tail, dict(attrs or {}), origin, status, key))
    return docs


def _run(first: int, annotator_id: int | None, n: int) -> list[tuple[int, int | None]]:
    """The owners of ``n`` documents numbered from ``first``, all in one annotator's layer."""
    return [(first + i, annotator_id) for i in range(n)]


def _insert_run_sqlite(session: Session, batch: DocumentBatch, first_doc: int, annotator_id: int | None) -> None:
    """``insert_batch`` on SQLite for documents numbered from ``first_doc`` in one layer (an
    import's batch): every row goes to the database as the batch holds it. SQLite works out the
    owner of each (``?+N``: the row's index of its document, span or chain in the batch plus
    the first id) and gives new rows the ids it gives anyway (the largest plus one, in order,
    see above). The general path builds a new tuple per row for that, twice where a column
    converts its values: over a quarter of the storing process's own CPU (beside SQLite's) on
    RDRS reviews (storing an RDRS-shaped review: 300 -> 270 us, min of 3, alternating)."""
    aid = "NULL" if annotator_id is None else str(int(annotator_id))
    doc = f"?+{int(first_doc)}"
    first_span = _first_new_id(session, SpanRecord.__table__)
    _insert_as_is(session, SpanRecord.__table__, {"document_id": doc, "annotator_id": aid, **_plain(SPAN_COLUMNS[2:])},
                  batch.spans)
    span = f"?+{first_span}"
    _insert_as_is(session, SpanLabel.__table__, {"span_id": span, "label": "?"}, batch.labels)
    _insert_as_is(session, SpanFragment.__table__,
                  {"span_id": span, **_plain(("position", "start_offset", "end_offset"))}, batch.fragments)
    _insert_as_is(session, SpanAttribute.__table__, {"span_id": span, "name": "?", "value": "?"}, batch.attrs)
    first_chain = _first_new_id(session, ChainRecord.__table__)
    _insert_as_is(session, ChainRecord.__table__, {"document_id": doc, "annotator_id": aid,
                                                  **_plain(CHAIN_COLUMNS[2:])}, batch.chains)
    _insert_as_is(session, ChainMention.__table__,
                  {"chain_id": f"?+{first_chain}", **_plain(("mention", "position", "start_offset", "end_offset"))},
                  batch.mentions)
    _insert_as_is(session, RelationRecord.__table__, {"document_id": doc, "annotator_id": aid,
                                                     **_plain(RELATION_COLUMNS[2:])}, batch.relations, ("attrs",))


def _plain(columns: Sequence[str]) -> dict[str, str]:
    return dict.fromkeys(columns, "?")


def _insert_as_is(session: Session, table, values: dict[str, str], rows: list[tuple],  # noqa: ANN001
                  converted: Sequence[str] = ()) -> None:
    """Insert ``rows`` with each column's value given as SQL (``values``): ``?`` takes the row's
    next value, ``?+N`` that value plus N, anything else is a constant. The ``converted``
    columns (JSON) go through the dialect's conversion, as in ``fast_insert``; the others as
    they are (a score, int or float, is stored as REAL either way: the column's affinity)."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if converted:
        taken = [name for name, sql in values.items() if sql.startswith("?")]  # in the order of a row's values
        rows = _bound(rows, [table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
                             if name in converted else None for name in taken])
    quote = dialect.identifier_preparer.quote
    statement = (f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, values))}) "
                 f"VALUES ({', '.join(values.values())})")
    with _raw_cursor(connection, statement) as cursor:
        _executemany(cursor, statement, rows)
