"""The engine cache: one pool per database URL, whatever was evicted before."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from shebao.db.engine import CACHED_DATABASES, get_engine, get_sessionmaker, transaction


def test_an_evicted_database_comes_back_with_one_pool_for_engine_and_sessions(
    tmp_path: Path,
) -> None:
    urls = [f"sqlite:///{tmp_path / f'db{i}.sqlite'}" for i in range(CACHED_DATABASES + 1)]
    first = get_engine(urls[0])
    with transaction(urls[0], write=True) as db:
        db.execute(text("CREATE TABLE t (x INTEGER)"))
    for url in urls[1:]:  # one more database than the cache keeps: the first is evicted
        with transaction(url) as db:
            db.execute(text("SELECT 1"))
    again = get_engine(urls[0])
    assert again is not first
    for write in (False, True):
        with get_sessionmaker(urls[0], write=write)() as session:
            # Sessions and get_engine share one pool: an event or a dispose on the engine
            # reaches the sessions' connections too.
            assert session.get_bind().pool is again.pool
    assert first.pool.checkedin() == 0, "the evicted engine's idle connections were closed"
    with transaction(urls[0]) as db:
        assert db.execute(text("SELECT count(*) FROM t")).scalar() == 0
