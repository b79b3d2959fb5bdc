"""Personal data at rest: nothing in clear, found by blind index, and on PostgreSQL the region
wall holds against unfiltered statements."""

from __future__ import annotations

from shebao.reliability.at_rest import SCANNED, at_rest_check


def test_nothing_in_clear_and_the_wall_holds(backend: str) -> None:
    result = at_rest_check(backend, persons=20)
    assert result.problems == []
    assert (result.leaked, result.lost) == (0, 0)
    walled = 10 + 2 if backend == "postgresql" else 0  # the other county's 10, insert, read
    assert result.operations == 20 * len(SCANNED) + 20 + walled
