"""Terminologies the user imports (MedDRA, ICD-10, ATC) for coding mentions: one row per term with
its parent code, so hierarchies are kept.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'terms',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('level', sa.String(length=16), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('parent', sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_terms')),
        sa.UniqueConstraint('kind', 'level', 'code', name=op.f('uq_terms_kind')),
    )
    op.create_index('ix_terms_kind_code', 'terms', ['kind', 'code'])


def downgrade() -> None:
    op.drop_index('ix_terms_kind_code', 'terms')
    op.drop_table('terms')
