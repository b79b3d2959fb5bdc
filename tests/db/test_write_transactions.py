"""Write transactions: BEGIN IMMEDIATE on SQLite, an ordinary transaction elsewhere."""

from __future__ import annotations

from sqlalchemy import event, text

from shebao.db.engine import get_engine, transaction


def test_a_write_transaction_begins_immediate_on_sqlite_and_reads_stay_deferred(
    database_url: str,
) -> None:
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    engine = get_engine(database_url)
    event.listen(engine, "before_cursor_execute", record)
    try:
        with transaction(database_url, write=True) as db:
            assert db.execute(text("SELECT 1")).scalar() == 1
        with transaction(database_url) as db:
            assert db.execute(text("SELECT 2")).scalar() == 2
    finally:
        event.remove(engine, "before_cursor_execute", record)
    begins = [s for s in seen if s.startswith("BEGIN")]
    if engine.dialect.name == "sqlite":
        assert begins == ["BEGIN IMMEDIATE", "BEGIN"]
    else:
        assert begins == []  # psycopg begins implicitly; services lock rows themselves
