"""Alembic environment. The app passes its open connection in ``config.attributes``; the
``alembic`` command line (for writing new revisions) uses ``sqlalchemy.url`` from alembic.ini."""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from rdrs_gui.core.store.models import Base

config = context.config


def _run(connection) -> None:  # noqa: ANN001 - SQLAlchemy connection
    context.configure(connection=connection, target_metadata=Base.metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    with create_engine(config.get_main_option("sqlalchemy.url")).begin() as own:
        _run(own)
