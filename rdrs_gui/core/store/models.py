"""Tables of the store (SQLAlchemy 2.x ORM). Every schema change needs an Alembic revision in
``migrations/versions``; tests/test_migrations.py checks that the models and the migrations agree.

Layers: annotations whose ``annotator_id`` is NULL form the shared layer (imported gold or curated
data that every annotator sees); the others belong to one annotator. Span, chain and relation
``key``s are unique per document across all layers, so an id the editor holds is unambiguous.
Column types stay dialect-neutral (SQLite by default, PostgreSQL for a team server).
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, MetaData, String,
                        Text, UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


# Named constraints let later migrations alter SQLite tables (batch mode) deterministically.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


_CASCADE = {"ondelete": "CASCADE"}


class Project(Base):
    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    schema_json: Mapped[str] = mapped_column(Text)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Annotator(Base):
    __tablename__ = "annotators"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class DocumentRecord(Base):
    """A review. ``status`` is the shared layer's review state; ``adr_prob`` and ``uncertainty``
    mirror the same meta keys as columns so the work queue can be sorted by them in SQL."""

    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_project_name", "project_id", "name"),
                      Index("ix_documents_adr_prob", "adr_prob"),
                      Index("ix_documents_uncertainty", "uncertainty"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", **_CASCADE))
    name: Mapped[str] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    meta: Mapped[dict] = mapped_column(JSON, default=dict)
    source: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    length: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32), default="new")
    adr_prob: Mapped[float | None] = mapped_column(Float, nullable=True)
    uncertainty: Mapped[float | None] = mapped_column(Float, nullable=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Lower-cased name and text, so free-text search is a plain LIKE in the database engine
    # instead of a Python lower() per row (100k documents: ~0.6 s -> well under 0.1 s).
    search_text: Mapped[str | None] = mapped_column(Text, nullable=True)


def search_text(name: str, text: str) -> str:
    """What the document list's free-text search looks in."""
    return f"{name}\n{text}".lower()


class DocumentState(Base):
    """Review state of one document for one named annotator (the shared layer's is on documents)."""

    __tablename__ = "document_states"
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", **_CASCADE), primary_key=True)
    annotator_id: Mapped[int] = mapped_column(ForeignKey("annotators.id", **_CASCADE), primary_key=True)
    status: Mapped[str] = mapped_column(String(32))
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SpanRecord(Base):
    __tablename__ = "spans"
    __table_args__ = (UniqueConstraint("document_id", "key", name="uq_spans_document_key"),
                      Index("ix_spans_document_layer_status", "document_id", "annotator_id", "status"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", **_CASCADE))
    annotator_id: Mapped[int | None] = mapped_column(ForeignKey("annotators.id", **_CASCADE), nullable=True)
    key: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(32))
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    # A span's first label (in sorted order) and first fragment live in its row; span_labels and
    # span_fragments hold only the others. Most spans have one of each: a row per label and per
    # fragment tripled the rows a 10,000-review import writes and an export reads.
    label: Mapped[str] = mapped_column(String(200), server_default="")
    start_offset: Mapped[int] = mapped_column(Integer, server_default="0")
    end_offset: Mapped[int] = mapped_column(Integer, server_default="0")


class SpanLabel(Base):
    """A span's labels after its first (``SpanRecord.label``): DrugBrand stacked on DrugName."""

    __tablename__ = "span_labels"
    __table_args__ = (Index("ix_span_labels_label", "label"),)
    span_id: Mapped[int] = mapped_column(ForeignKey("spans.id", **_CASCADE), primary_key=True)
    label: Mapped[str] = mapped_column(String(200), primary_key=True)


class SpanFragment(Base):
    """A discontinuous span's fragments after its first (``SpanRecord.start_offset``...),
    ``position`` 1, 2... in order."""

    __tablename__ = "span_fragments"
    span_id: Mapped[int] = mapped_column(ForeignKey("spans.id", **_CASCADE), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    start_offset: Mapped[int] = mapped_column(Integer)
    end_offset: Mapped[int] = mapped_column(Integer)


class SpanAttribute(Base):
    __tablename__ = "span_attributes"
    span_id: Mapped[int] = mapped_column(ForeignKey("spans.id", **_CASCADE), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ChainRecord(Base):
    __tablename__ = "chains"
    __table_args__ = (UniqueConstraint("document_id", "key", name="uq_chains_document_key"),
                      Index("ix_chains_document_layer", "document_id", "annotator_id"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", **_CASCADE))
    annotator_id: Mapped[int | None] = mapped_column(ForeignKey("annotators.id", **_CASCADE), nullable=True)
    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    origin: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(32))
    score: Mapped[float | None] = mapped_column(Float, nullable=True)


class ChainMention(Base):
    """One row per fragment of a mention: ``mention`` orders mentions, ``position`` fragments."""

    __tablename__ = "chain_mentions"
    chain_id: Mapped[int] = mapped_column(ForeignKey("chains.id", **_CASCADE), primary_key=True)
    mention: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    start_offset: Mapped[int] = mapped_column(Integer)
    end_offset: Mapped[int] = mapped_column(Integer)


class RelationRecord(Base):
    """A link between two spans of the same document, addressed by span key."""

    __tablename__ = "relations"
    __table_args__ = (UniqueConstraint("document_id", "key", name="uq_relations_document_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", **_CASCADE))
    annotator_id: Mapped[int | None] = mapped_column(ForeignKey("annotators.id", **_CASCADE), nullable=True)
    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    head: Mapped[str] = mapped_column(String(64))
    tail: Mapped[str] = mapped_column(String(64))
    attrs: Mapped[dict] = mapped_column(JSON, default=dict)
    origin: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(32))


class ModelVersion(Base):
    __tablename__ = "model_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(Text)
    version: Mapped[str] = mapped_column(String(200), unique=True)
    metrics: Mapped[dict] = mapped_column(JSON, default=dict)
    documents: Mapped[list] = mapped_column(JSON, default=list)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    device: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    # Which documents (train / dev / evaluation ids, the training file's hash) made this model.
    snapshot: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # Last time this version was made active: "roll back" returns to the one active before.
    activated: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class EvalDocument(Base):
    """The pinned evaluation set: documents every model is scored on and none is trained on."""

    __tablename__ = "eval_documents"
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", **_CASCADE), primary_key=True)


class Setting(Base):
    """Database-wide settings shared by the GUI and the CLI (e.g. the auto-activation rule)."""

    __tablename__ = "settings"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[object] = mapped_column(JSON, nullable=True)


class Job(Base):
    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    args: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(32), default="queued")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    log_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    message: Mapped[str] = mapped_column(Text, default="")
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TermRecord(Base):
    """One entry of a terminology the user imported (MedDRA, ICD-10, ATC); ``parent`` is the code
    one level up (LLT → PT → HLT → HLGT → SOC, ATC by level), so hierarchies are kept."""

    __tablename__ = "terms"
    __table_args__ = (UniqueConstraint("kind", "level", "code"), Index("ix_terms_kind_code", "kind", "code"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    parent: Mapped[str | None] = mapped_column(String(64), nullable=True)


class LayerVersion(Base):
    """A counter per document layer, raised by every write to it, and the client that wrote
    last: an app sees that a document changed under it (a curator merged it) and reloads it.
    ``annotator_id`` 0 is the shared layer (no foreign key: a key column cannot be NULL)."""

    __tablename__ = "layer_versions"
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", **_CASCADE), primary_key=True)
    annotator_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(Integer, default=0)
    writer: Mapped[str] = mapped_column(String(64), default="")
