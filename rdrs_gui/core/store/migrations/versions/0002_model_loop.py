"""The model loop: a data snapshot and the last activation time per model version (roll back
goes to the previously active one), a pinned evaluation set, and database-wide settings such as
the "activate when dev macro F1 improves" rule.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('model_versions') as batch:
        batch.add_column(sa.Column('snapshot', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('activated', sa.DateTime(timezone=True), nullable=True))
    op.create_table('eval_documents',
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'],
                            name=op.f('fk_eval_documents_document_id_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('document_id', name=op.f('pk_eval_documents'))
    )
    op.create_table('settings',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_settings'))
    )


def downgrade() -> None:
    op.drop_table('settings')
    op.drop_table('eval_documents')
    with op.batch_alter_table('model_versions') as batch:
        batch.drop_column('activated')
        batch.drop_column('snapshot')
