"""`shebao benefits payroll` and `index`: a run with its summary line, refusals with exit 2."""

from __future__ import annotations

from typer.testing import CliRunner

from shebao.cli import app
from tests.benefits.pension.world import desk, fund_pool, retirees
from tests.test_cli import configured  # noqa: F401  (fixture)

runner = CliRunner()


def test_payroll_and_index_from_the_command_line(configured: str) -> None:  # noqa: F811
    world = desk(configured)
    retirees(configured, 2, world.employer)
    fund_pool(configured)
    bad = runner.invoke(app, ["benefits", "payroll", "--province", "510100", "--month",
                              "2026-11"])
    assert bad.exit_code == 2 and "error: province:" in bad.stderr
    future = runner.invoke(app, ["benefits", "payroll", "--province", "510000", "--month",
                                 "2099-01"])
    assert future.exit_code == 2 and "error: month:" in future.stderr
    index = runner.invoke(app, ["benefits", "index", "--province", "510000", "--year", "2025"])
    assert index.exit_code == 0, index.output
    assert "2 pensions" in index.stdout
    done = runner.invoke(app, ["benefits", "payroll", "--province", "510000", "--month",
                               "2026-11", "--batch-size", "1"])
    assert done.exit_code == 0, done.output
    assert "done, 2 pensioners" in done.stdout
