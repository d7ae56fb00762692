"""The document list at 100,000 documents: indexes for per-page span/chain counts by
(document, layer) and the work-queue sort columns, and a lower-cased search column.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('documents') as batch:
        batch.add_column(sa.Column('search_text', sa.Text(), nullable=True))
    bind = op.get_bind()
    documents = sa.table('documents', sa.column('id', sa.Integer), sa.column('name', sa.String),
                         sa.column('text', sa.Text), sa.column('search_text', sa.Text))
    rows = bind.execute(sa.select(documents.c.id, documents.c.name, documents.c.text)).all()
    if rows:
        bind.execute(sa.update(documents).where(documents.c.id == sa.bindparam('doc_id'))
                     .values(search_text=sa.bindparam('value')),
                     [{'doc_id': r.id, 'value': f"{r.name}\n{r.text}".lower()} for r in rows])
    op.create_index('ix_spans_document_layer_status', 'spans', ['document_id', 'annotator_id', 'status'])
    op.create_index('ix_chains_document_layer', 'chains', ['document_id', 'annotator_id'])
    op.create_index('ix_documents_adr_prob', 'documents', ['adr_prob'])
    op.create_index('ix_documents_uncertainty', 'documents', ['uncertainty'])


def downgrade() -> None:
    op.drop_index('ix_documents_uncertainty', 'documents')
    op.drop_index('ix_documents_adr_prob', 'documents')
    op.drop_index('ix_chains_document_layer', 'chains')
    op.drop_index('ix_spans_document_layer_status', 'spans')
    with op.batch_alter_table('documents') as batch:
        batch.drop_column('search_text')
