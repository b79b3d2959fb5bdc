"""The reliability table and its closing JSON line."""

from __future__ import annotations

import json

from shebao.reliability.report import CheckResult, summary_line, table


def test_the_table_lists_every_check_and_the_line_sums_them() -> None:
    results = [CheckResult("bank/sqlite", "4 clients", operations=10),
               CheckResult("authz/sqlite", "probes", operations=5, leaked=1,
                           problems=["GET /x let citizen in"])]
    shown = table(results)
    assert "bank/sqlite" in shown and "authz/sqlite" in shown
    assert "problem in authz/sqlite: GET /x let citizen in" in shown
    assert not results[1].ok and results[0].ok
    assert json.loads(summary_line(results)) == {
        "checks": 2, "operations": 15, "lost": 0, "duplicated": 0, "leaked": 1,
        "server_errors": 0}
