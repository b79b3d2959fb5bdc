"""The CLI's progress display leaves the command's own output alone."""

from __future__ import annotations

import pytest

from shebao.console import working


def test_progress_goes_to_stderr_and_leaves_stdout_clean(capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    with working("projection") as step:
        step("year 2030")
        print('{"ok": true}')
    assert capsys.readouterr().out == '{"ok": true}\n'
