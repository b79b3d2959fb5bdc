"""Run Alembic migrations programmatically: the same scripts serve SQLite and PostgreSQL."""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config

from shebao.config import get_settings
from shebao.db.engine import get_engine


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("shebao.db") / "migrations"))
    url = url or get_settings().database_url
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Bring the database at `url` (default: the configured one) up to `revision`."""
    url = url or get_settings().database_url
    config = alembic_config(url)
    with get_engine(url).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(url: str | None = None) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with get_engine(url).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
