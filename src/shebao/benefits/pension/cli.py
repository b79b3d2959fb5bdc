"""`shebao benefits …`: the monthly pension payroll (with a Rich progress bar) and indexation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer


def commands(refusals_exit_2: Callable[[Any], Any]) -> typer.Typer:
    """The `benefits` command group; `refusals_exit_2` turns refused input into exit code 2."""
    group = typer.Typer(no_args_is_help=True, help="Benefits: the pension payroll, indexation.")

    @group.command("payroll")
    @refusals_exit_2
    def payroll(
        province: Annotated[str, typer.Option(help="Province code, e.g. 510000.")],
        month: Annotated[str, typer.Option(help="YYYY-MM")],
        batch_size: Annotated[int, typer.Option(help="Pensioners per transaction.")] = 500,
    ) -> None:
        """Pay a province's pensioners for a month, each once; a killed run resumes."""
        from rich.progress import Progress
        from sqlalchemy import func, select

        from shebao.auth.service import operator
        from shebao.benefits.pension import payroll as service
        from shebao.benefits.pension.models import PensionAward
        from shebao.config import get_settings
        from shebao.db.engine import transaction

        url = get_settings().database_url
        with transaction(url) as db:
            total = db.scalar(select(func.count(PensionAward.id)).where(
                PensionAward.province == province, PensionAward.status.in_(service.PAYABLE)))
        with Progress(transient=True) as bar:
            task = bar.add_task(f"payroll {province} {month}", total=total or None)

            def step(processed: int, payments: int) -> None:
                bar.update(task, completed=processed,
                           description=f"payroll {province} {month}: {payments} payments")

            done = service.run_payroll(url, operator(), province, month, batch_size=batch_size,
                                       on_award=step)
        typer.echo(f"payroll {done.province} {done.month}: {done.status}, {done.processed} "
                   f"pensioners, {done.payments} payments, {done.paid_fen} fen, "
                   f"{done.suspended} suspended (pass {done.attempts})")

    @group.command("index")
    @refusals_exit_2
    def index(
        province: Annotated[str, typer.Option(help="Province code, e.g. 510000.")],
        year: Annotated[int, typer.Option(help="The year of the increase.")],
    ) -> None:
        """Apply the year's pension increase from January, as new amounts (once)."""
        from shebao.auth.service import operator
        from shebao.benefits.pension import payroll as service
        from shebao.db.engine import transaction

        with transaction(write=True) as db:
            done = service.index_pensions(db, operator(), province, year)
        typer.echo(f"indexation {done.year} in {done.province} from {done.effective_month}: "
                   f"{done.indexed} pensions, +{done.increase_fen} fen a month in all")

    return group
