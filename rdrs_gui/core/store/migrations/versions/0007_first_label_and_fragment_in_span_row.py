"""A span's first label and first fragment move into its row; span_labels and span_fragments
keep only the others (most spans have one of each: a big import wrote three rows per span).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (no table rebuild: rebuilding spans would cascade-delete its child rows).
    op.add_column('spans', sa.Column('label', sa.String(length=200), server_default='', nullable=False))
    op.add_column('spans', sa.Column('start_offset', sa.Integer(), server_default='0', nullable=False))
    op.add_column('spans', sa.Column('end_offset', sa.Integer(), server_default='0', nullable=False))
    # Any one label may be the row's: readers take the row's label and the remaining rows together.
    op.execute("UPDATE spans SET label = COALESCE((SELECT MIN(l.label) FROM span_labels l "
               "WHERE l.span_id = spans.id), '')")
    op.execute("DELETE FROM span_labels WHERE label = (SELECT s.label FROM spans s WHERE s.id = span_labels.span_id)")
    op.execute("UPDATE spans SET "
               "start_offset = COALESCE((SELECT f.start_offset FROM span_fragments f "
               "WHERE f.span_id = spans.id AND f.position = 0), 0), "
               "end_offset = COALESCE((SELECT f.end_offset FROM span_fragments f "
               "WHERE f.span_id = spans.id AND f.position = 0), 0)")
    op.execute("DELETE FROM span_fragments WHERE position = 0")


def downgrade() -> None:
    op.execute("INSERT INTO span_labels (span_id, label) SELECT id, label FROM spans WHERE label <> ''")
    op.execute("INSERT INTO span_fragments (span_id, position, start_offset, end_offset) "
               "SELECT id, 0, start_offset, end_offset FROM spans WHERE end_offset > start_offset")
    for column in ('end_offset', 'start_offset', 'label'):
        op.drop_column('spans', column)   # SQLite >= 3.35 drops in place (no rebuild, no cascade)
