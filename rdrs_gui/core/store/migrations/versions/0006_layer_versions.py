"""A version counter per document layer and its last writer, so two people on one shared
database see when a document changed under them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'layer_versions',
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('annotator_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('writer', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id'],
                                name=op.f('fk_layer_versions_document_id_documents'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('document_id', 'annotator_id', name=op.f('pk_layer_versions')),
    )


def downgrade() -> None:
    op.drop_table('layer_versions')
