"""Run Alembic migrations programmatically: the same scripts serve SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from shebao.config import get_settings
from shebao.db.engine import get_engine


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("shebao.db") / "migrations"))
    url = url or get_settings().database_url
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@contextmanager
def migration_connection(url: str) -> Iterator[Connection]:
    """A connection in one transaction for running migrations.

    On SQLite, batch mode changes a table by copying it and dropping the original, which rows
    of other tables still reference; SQLite's advice is to switch foreign keys off for the
    rebuild (outside the transaction: the pragma is ignored inside one) and to check every
    reference before committing. PostgreSQL alters tables in place and needs none of this.
    """
    engine = get_engine(url)
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with connection.begin():
                yield connection
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if broken:
                        raise RuntimeError(f"migration left broken references: {broken[:5]}")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Bring the database at `url` (default: the configured one) up to `revision`."""
    url = url or get_settings().database_url
    config = alembic_config(url)
    with migration_connection(url) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(url: str, revision: str) -> None:
    """Take the database at `url` back to `revision` (for tests of the migrations)."""
    config = alembic_config(url)
    with migration_connection(url) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revision(url: str | None = None) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with get_engine(url).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
