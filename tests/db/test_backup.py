"""Backup and restore refuse bad files by name (the round trip: tests/reliability)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shebao.db.backup import backup, restore
from shebao.errors import InputError


def test_bad_files_are_refused_naming_the_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shebao.db'}"
    with pytest.raises(InputError, match="does not exist"):
        restore(url, tmp_path / "missing.backup")
    with pytest.raises(InputError, match="does not exist"):
        backup(url, tmp_path / "no-such-folder" / "x.backup")
    (tmp_path / "junk.backup").write_bytes(b"not a database")
    with pytest.raises(InputError) as refused:
        restore(url, tmp_path / "junk.backup")
    assert refused.value.field == "file"
