"""One engine per database URL and one transaction per service call.

SQLite runs in WAL mode with foreign keys on and a busy timeout, so the embedded default
behaves like a real database for concurrent readers and a single writer.

A transaction that will write after it has read (a ledger posting checks balances, then moves
money) asks for a write transaction: on SQLite it starts with BEGIN IMMEDIATE, taking the
database's one write lock before its first read, so two writers queue on the busy timeout
instead of one failing with "database is locked" when it upgrades a read. On PostgreSQL a write
transaction is an ordinary one; services lock the rows they change (SELECT ... FOR UPDATE).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from shebao.config import get_settings
from shebao.supervision import audit  # noqa: F401  (its session events trace every write)

WRITE_OPTION = "shebao_write"
"""Execution option marking a connection whose transactions will write (BEGIN IMMEDIATE)."""


def _prepare_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # Let SQLAlchemy issue BEGIN itself so that writers can use BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        if connection.get_execution_options().get(WRITE_OPTION):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.exec_driver_sql("BEGIN")


@dataclass(frozen=True)
class _Database:
    """An engine and the two sessionmakers bound to it: cached and evicted together, so that a
    URL never has two pools (one behind `get_engine`, another behind an older sessionmaker)."""

    engine: Engine
    reading: sessionmaker[Session]
    writing: sessionmaker[Session]


CACHED_DATABASES = 8
"""Databases a process keeps engines for; the least recently used beyond that is disposed."""

_databases: OrderedDict[str, _Database] = OrderedDict()
_databases_lock = threading.Lock()


def get_engine(url: str | None = None) -> Engine:
    """The engine for `url`, default the configured database; one per URL per process."""
    return _database(url or get_settings().database_url).engine


def get_sessionmaker(url: str | None = None, *, write: bool = False) -> sessionmaker[Session]:
    """Sessions for `url`; `write=True` sessions begin write transactions (see above)."""
    database = _database(url or get_settings().database_url)
    return database.writing if write else database.reading


def _database(url: str) -> _Database:
    with _databases_lock:
        database = _databases.get(url)
        if database is not None:
            _databases.move_to_end(url)
            return database
        engine = _new_engine(url)
        writing = engine.execution_options(**{WRITE_OPTION: True})
        database = _databases[url] = _Database(
            engine, sessionmaker(bind=engine, expire_on_commit=False),
            sessionmaker(bind=writing, expire_on_commit=False))
        if len(_databases) > CACHED_DATABASES:
            _, evicted = _databases.popitem(last=False)
            # Closes the idle connections; one still checked out is closed when returned.
            evicted.engine.dispose()
        return database


def _new_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        _prepare_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=20)


@contextmanager
def transaction(url: str | None = None, *, write: bool = False) -> Iterator[Session]:
    """One database transaction: commit when the block ends, roll back if it raises.

    `write=True` for a transaction that reads and then writes what it read (on SQLite it
    begins with BEGIN IMMEDIATE).
    """
    session = get_sessionmaker(url, write=write)()
    try:
        with session.begin():
            yield session
    finally:
        session.close()
