"""Large appends on PostgreSQL: a million rows loaded into a fresh table, joined to its parent.

Rows written into a table with indexes cost an index entry each, at a random place of every
index: for the month-end's million contribution rows that was four times the rows themselves
(benchmarks/README.md). A table created in the same transaction has no indexes to keep: the
rows go in bare, each index is then built once, sorted (`CREATE INDEX`), and the table joins
its parent by inheritance (`ALTER TABLE ... INHERIT`). Every query of the parent reads it from
then on; nothing else changes for readers or for writers of the parent.

All of it happens in the caller's transaction: if it rolls back, the table never existed. The
child gets the parent's indexes and row triggers as they are at the time (an index added to
the parent later must be added to its children: `children()` lists them). Uniqueness holds
within each table, so a load must never split what must be unique across tables: a bill's
contribution rows are all in one table, written with their bill.

The caller needs to own the parent (the month-end is a batch job run as the database owner,
not a staff request under the row-level wall).
"""

from __future__ import annotations

import re
from typing import Any

_INDEX = re.compile(r"^CREATE (UNIQUE )?INDEX (\S+) ON (\S+) (.*)$")
_TRIGGER = re.compile(r"^CREATE TRIGGER (\S+) (.*) ON (\S+) (.*)$")


def create_child(cursor: Any, parent: str, tag: str) -> str:
    """A fresh table shaped like `parent` (columns, defaults, checks), without indexes, named
    `<parent>_<tag>_x<transaction id>` (unique for ever, also after the tables are emptied);
    its name."""
    if not re.fullmatch(r"[a-z_]+", parent) or not re.fullmatch(r"[a-z0-9_]+", tag):
        raise ValueError(f"not a plain table name or tag: {parent!r}, {tag!r}")
    cursor.execute("SELECT pg_current_xact_id()::text")
    child = f"{parent}_{tag}_x{cursor.fetchone()[0]}"
    cursor.execute(f"CREATE TABLE {child} (LIKE {parent} INCLUDING DEFAULTS "
                   "INCLUDING CONSTRAINTS)")
    return child


def attach_child(cursor: Any, parent: str, child: str) -> None:
    """Give `child` (loaded) the parent's indexes, built once each, and row triggers; then
    make it one of the parent's tables."""
    build_indexes(cursor, parent, child)
    cursor.execute("SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t "
                   "JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relname = %s "
                   "AND NOT t.tgisinternal ORDER BY t.tgname", (parent,))
    for (definition,) in cursor.fetchall():
        found = _TRIGGER.match(definition)
        if found is None:
            raise RuntimeError(f"cannot read the trigger definition {definition!r}")
        name, timing, _, rest = found.groups()
        cursor.execute(f"CREATE TRIGGER {name} {timing} ON {child} {rest}")
    cursor.execute(f"ALTER TABLE {child} INHERIT {parent}")


def build_indexes(cursor: Any, parent: str, table: str) -> None:
    """Build on `table` each index `parent` has, in one sorted pass each."""
    cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
    cursor.execute("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                   "AND tablename = %s ORDER BY indexname", (parent,))
    for n, (definition,) in enumerate(cursor.fetchall()):
        found = _INDEX.match(definition)
        if found is None:
            raise RuntimeError(f"cannot read the index definition {definition!r}")
        unique, _, _, rest = found.groups()
        cursor.execute(f"CREATE {unique or ''}INDEX {table}_{n} ON {table} {rest}")


def children(cursor: Any, parent: str) -> list[str]:
    """The tables loaded under `parent`, oldest first."""
    cursor.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                   "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s "
                   "ORDER BY c.oid", (parent,))
    return [row[0] for row in cursor.fetchall()]
