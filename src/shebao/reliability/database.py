"""Throw-away databases for the checks: a SQLite file, or a PostgreSQL database of its own
(`shebao_rel_<random>`, dropped afterwards) so that nothing collides with other users of the
server."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from shebao.db.engine import get_engine
from shebao.db.migrate import upgrade

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def postgres_admin_url() -> str:
    """The server to create databases on: SHEBAO_TEST_DATABASE_URL when set, else loopback."""
    return os.environ.get("SHEBAO_TEST_DATABASE_URL") or DEFAULT_POSTGRES


def postgres_available() -> bool:
    try:
        engine = create_engine(postgres_admin_url(), connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except Exception:  # any failure to connect means: not available
        return False
    return True


@contextmanager
def scratch_database(backend: str, directory: Path | None = None) -> Iterator[str]:
    """A migrated, empty database on `backend` ("sqlite" or "postgresql"), removed on exit."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="shebao-rel-", dir=directory) as folder:
            url = f"sqlite:///{Path(folder) / 'shebao.db'}"
            upgrade(url)
            try:
                yield url
            finally:
                get_engine(url).dispose()
        return
    admin_url = make_url(postgres_admin_url())
    name = f"shebao_rel_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        get_engine(url).dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
