"""Alembic environment: uses the connection handed over by shebao.db.migrate when present."""

from __future__ import annotations

from alembic import context

from shebao.db.migrate import migration_connection
from shebao.db.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_with(connection)
        return
    with migration_connection(config.get_main_option("sqlalchemy.url")) as fresh:
        _run_with(fresh)


def _run_with(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
