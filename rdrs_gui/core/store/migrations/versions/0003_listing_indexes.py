"""Indexes for the document list: per-page span/chain counts by (document, layer) and the
work-queue sort columns, so listing 100,000 documents stays interactive.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""
from __future__ import annotations

from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_spans_document_layer_status', 'spans', ['document_id', 'annotator_id', 'status'])
    op.create_index('ix_chains_document_layer', 'chains', ['document_id', 'annotator_id'])
    op.create_index('ix_documents_adr_prob', 'documents', ['adr_prob'])
    op.create_index('ix_documents_uncertainty', 'documents', ['uncertainty'])


def downgrade() -> None:
    op.drop_index('ix_documents_uncertainty', 'documents')
    op.drop_index('ix_documents_adr_prob', 'documents')
    op.drop_index('ix_chains_document_layer', 'chains')
    op.drop_index('ix_spans_document_layer_status', 'spans')
