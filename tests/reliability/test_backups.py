"""`shebao db backup` while serving, more writes, `shebao db restore`: the backup's moment back."""

from __future__ import annotations

from shebao.reliability.backups import backup_check


def test_a_restore_brings_back_the_backups_moment(backend: str) -> None:
    result = backup_check(backend, writes=10)
    assert result.problems == []
    assert result.lost == 0 and result.operations == 15
