"""`shebao db backup FILE` and `shebao db restore FILE`: the whole database to one file and
back, while the system runs.

PostgreSQL: pg_dump's custom format (one consistent snapshot, taken without stopping writers)
and pg_restore --clean into the configured database. SQLite: the sqlite3 backup API, page by
page under the database's own locks, into a file, and from it back over the live database.
What a backup holds is exactly the writes committed before it began.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

from shebao.db.engine import get_engine
from shebao.errors import InputError


class BackupFailed(RuntimeError):
    """pg_dump or pg_restore failed: its own message."""


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise InputError("database", "an in-memory SQLite database cannot be backed up")
    return Path(parsed.database)


def _libpq(url: str) -> str:
    """The URL as pg_dump and pg_restore take it (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupFailed(f"{command[0]} is not installed (Debian: postgresql-client)")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupFailed(f"{command[0]} failed: {done.stderr.strip()}")


def backup(url: str, file: Path) -> None:
    """Write the database at `url` to `file` (replaced if it exists)."""
    if file.is_dir():
        raise InputError("file", f"{file} is a folder")
    if not file.parent.is_dir():
        raise InputError("file", f"the folder {file.parent} does not exist")
    path = _sqlite_path(url)
    if path is None:
        _run(["pg_dump", "--format=custom", f"--file={file}", _libpq(url)])
        return
    with closing(sqlite3.connect(path)) as source, closing(sqlite3.connect(file)) as target:
        source.backup(target)


def restore(url: str, file: Path) -> None:
    """Replace the database at `url` with the backup in `file`."""
    if not file.is_file():
        raise InputError("file", f"{file} does not exist")
    get_engine(url).dispose()  # no pooled connection keeps the old data in view
    path = _sqlite_path(url)
    if path is None:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              f"--dbname={_libpq(url)}", str(file)])
        return
    with closing(sqlite3.connect(file)) as source:
        try:
            intact = source.execute("PRAGMA quick_check").fetchone() == ("ok",)
        except sqlite3.DatabaseError:
            intact = False
        if not intact:
            raise InputError("file", f"{file} is not an intact SQLite database")
        with closing(sqlite3.connect(path)) as target:
            source.backup(target)
