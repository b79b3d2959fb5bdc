"""Migrations match the models and go down and up again, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from shebao.db.engine import get_engine
from shebao.db.migrate import alembic_config, current_revision, upgrade

LEDGER_TABLES = {"ledger_accounts", "ledger_entries", "ledger_lines"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'fresh.db'}"
        yield url
        get_engine(url).dispose()
        return
    server = os.environ.get("SHEBAO_TEST_DATABASE_URL")
    if not server:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("CI=true but SHEBAO_TEST_DATABASE_URL is not set")
        pytest.skip("SHEBAO_TEST_DATABASE_URL is not set")
    admin = create_engine(make_url(server), isolation_level="AUTOCOMMIT")
    name = f"shebao_migrate_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    yield url
    get_engine(url).dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def _run(url: str, action: str, revision: str | None = None) -> None:
    config = alembic_config(url)
    with get_engine(url).begin() as connection:
        config.attributes["connection"] = connection
        if action == "check":
            command.check(config)
        else:
            getattr(command, action)(config, revision)


def test_migrations_match_the_models_and_round_trip(empty_database: str) -> None:
    url = empty_database
    upgrade(url)
    assert current_revision(url) == "0002"
    _run(url, "check")  # no difference between the models and the migrated schema
    _run(url, "downgrade", "0001")
    assert LEDGER_TABLES.isdisjoint(inspect(get_engine(url)).get_table_names())
    upgrade(url)
    assert set(inspect(get_engine(url)).get_table_names()) >= LEDGER_TABLES
    _run(url, "check")
