"""Shared fixtures: every database test runs on SQLite, and on PostgreSQL when
SHEBAO_TEST_DATABASE_URL names a server. Under CI=true a missing server fails the run.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from shebao.api.app import create_app
from shebao.config import Settings
from shebao.db.engine import get_engine
from shebao.db.migrate import upgrade
from shebao.db.models import Base
from shebao.registry.sealed import KEY_ENV, new_key_text

# The test session's data key (sealed personal data, registry/sealed.py): in the environment, so
# servers the tests start as subprocesses hold the same one.
os.environ.setdefault(KEY_ENV, new_key_text())

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
POSTGRES_URL = os.environ.get("SHEBAO_TEST_DATABASE_URL")


def _backends() -> list[object]:
    postgres_marks = [pytest.mark.postgres]
    if not POSTGRES_URL and not IN_CI:
        postgres_marks.append(pytest.mark.skip(reason="SHEBAO_TEST_DATABASE_URL is not set"))
    return ["sqlite", pytest.param("postgresql", marks=postgres_marks)]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    get_engine(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of its own for this test session, migrated once, dropped at the end."""
    if not POSTGRES_URL:
        pytest.fail("CI=true but SHEBAO_TEST_DATABASE_URL is not set: PostgreSQL tests must run")
    admin_url = make_url(POSTGRES_URL)
    name = f"shebao_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    get_engine(url).dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=_backends())
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "shebao.db"
        shutil.copy(sqlite_template, path)
        url = f"sqlite:///{path}"
        yield url
        get_engine(url).dispose()
        return
    yield emptied(request.getfixturevalue("postgres_database"))


def emptied(url: str) -> str:
    """The session's PostgreSQL database with every table emptied, for one test (and the
    tables a bulk load added under a model's table dropped: they are data, not schema)."""
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with get_engine(url).begin() as connection:
        loaded = connection.execute(text("SELECT inhrelid::regclass::text FROM pg_inherits"))
        for (table,) in loaded.all():
            connection.execute(text(f'DROP TABLE "{table}"'))
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    return url


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret_key="test-secret", demo_mode=True)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many PostgreSQL and browser tests ran, so CI output shows they did."""
    for marker, label in (("postgres", "PostgreSQL"), ("browser", "browser")):
        outcomes: dict[str, int] = {}
        names: list[str] = []
        for outcome in ("passed", "failed", "skipped", "error"):
            for report in terminalreporter.stats.get(outcome, []):
                if report.when != "call" and outcome == "passed":
                    continue
                if marker in getattr(report, "keywords", {}):
                    outcomes[outcome] = outcomes.get(outcome, 0) + 1
                    if outcome == "passed" and marker == "browser":
                        names.append(report.nodeid.rsplit("::", 1)[-1])
        summary = ", ".join(f"{n} {o}" for o, n in outcomes.items()) or "none collected"
        terminalreporter.write_line(f"{label} tests: {summary}")
        if names:
            terminalreporter.write_line(f"  {', '.join(names)}")
