"""Migrations: 0001 databases holding rows upgrade to head and back, on SQLite and PostgreSQL,
and the migrated schema matches the models."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from shebao.db.engine import get_engine
from shebao.db.migrate import alembic_config, current_revision, downgrade, upgrade
from shebao.db.models import Base
from tests.conftest import POSTGRES_URL, _backends


@pytest.fixture(params=_backends())
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrate.db'}"
        yield url
        get_engine(url).dispose()
        return
    if not POSTGRES_URL:
        pytest.fail("CI=true but SHEBAO_TEST_DATABASE_URL is not set")
    admin_url = make_url(POSTGRES_URL)
    name = f"shebao_migrate_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    yield url
    get_engine(url).dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_rows_of_0001_survive_the_registry_migration(empty_url: str) -> None:
    upgrade(empty_url, "0001")
    with get_engine(empty_url).begin() as connection:
        connection.execute(text(
            "INSERT INTO employers (id, credit_code, name, region_code, industry, injury_class,"
            " size, is_public_body, created_at) VALUES (1, '91440306MA5F3K2L8X', '学校',"
            " '440306', '教育', 1, 'small', TRUE, '2026-01-01')"
        ))
        connection.execute(text(
            "INSERT INTO persons (id, identity_number, name, sex, birth_date, hukou_region,"
            " residence_region, status, created_at) VALUES (1, '11010519491231002X', '王',"
            " 'female', '1949-12-31', '110105', '110105', 'active', '2026-01-01')"
        ))
        connection.execute(text(
            "INSERT INTO users (username, display_name, password_hash, role, region_code,"
            " employer_id, person_id, is_active, is_demo, created_at) VALUES ('hr', 'hr', 'x',"
            " 'employer', '440306', 1, 1, TRUE, FALSE, '2026-01-01')"
        ))
    upgrade(empty_url)
    with get_engine(empty_url).connect() as connection:
        row = connection.execute(
            text("SELECT category, legal_representative_person_id FROM employers")
        ).one()
        assert tuple(row) == ("public_institution", None)
        assert connection.execute(text("SELECT employer_id FROM users")).scalar() == 1
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    downgrade(empty_url, "0001")
    with get_engine(empty_url).connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM employers")).scalar() == 1
    upgrade(empty_url)


LEDGER_TABLES = {"ledger_accounts", "ledger_entries", "ledger_lines"}


def _check(url: str) -> None:
    """Alembic finds no difference between the models and the migrated schema."""
    config = alembic_config(url)
    with get_engine(url).begin() as connection:
        config.attributes["connection"] = connection
        command.check(config)


def test_migrations_match_the_models_and_round_trip(empty_url: str) -> None:
    upgrade(empty_url)
    assert current_revision(empty_url) == "0006"
    _check(empty_url)
    downgrade(empty_url, "0001")
    assert LEDGER_TABLES.isdisjoint(inspect(get_engine(empty_url)).get_table_names())
    upgrade(empty_url)
    assert set(inspect(get_engine(empty_url)).get_table_names()) >= LEDGER_TABLES
    _check(empty_url)
