"""Only a classifier's probability is an ADR score: databases pre-annotated by a tagger alone
kept its most confident ADR span score as ``adr_prob`` (and 0.0 for a review with no ADR
suggestion), which sorted those reviews as if scored. Such values (no boolean ``adr`` verdict
beside them) move to ``meta.adr_tagger``, and the sort column is cleared.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_CHUNK = 1000


def upgrade() -> None:
    bind = op.get_bind()
    documents = sa.table('documents', sa.column('id', sa.Integer), sa.column('meta', sa.JSON),
                         sa.column('adr_prob', sa.Float))
    rows = bind.execute(sa.select(documents.c.id, documents.c.meta).where(documents.c.adr_prob.is_not(None))).all()
    changes = []
    for row in rows:
        meta = dict(row.meta or {})
        if isinstance(meta.get('adr'), bool):
            continue                      # a classifier's verdict: a real score
        for key in ('adr', 'adr_sentence'):
            if meta.get(key) is None:
                meta.pop(key, None)
        tagger = meta.pop('adr_prob', None)
        if tagger is not None:
            meta['adr_tagger'] = tagger
        changes.append({'doc_id': row.id, 'new_meta': meta})
    statement = (sa.update(documents).where(documents.c.id == sa.bindparam('doc_id'))
                 .values(meta=sa.bindparam('new_meta', type_=sa.JSON), adr_prob=None))
    for start in range(0, len(changes), _CHUNK):
        bind.execute(statement, changes[start:start + _CHUNK])


def downgrade() -> None:
    """Nothing to undo: the tagger's figure stays in ``meta.adr_tagger``, where 0003 ignores it."""
