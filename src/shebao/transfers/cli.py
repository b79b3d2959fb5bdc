"""`shebao transfers …`: finish approved transfers that were interrupted, and list overdue ones."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer


def commands(refusals_exit_2: Callable[[Any], Any]) -> typer.Typer:
    """The `transfers` command group; `refusals_exit_2` turns refused input into exit code 2."""
    group = typer.Typer(no_args_is_help=True, help="Transfers between provinces.")

    @group.command("complete")
    @refusals_exit_2
    def complete(
        transfer_id: Annotated[int | None, typer.Argument(
            help="One transfer; all approved transfers still in flight if omitted.")] = None,
    ) -> None:
        """Run the remaining steps of approved transfers, each once (safe to repeat)."""
        from sqlalchemy import select

        from shebao.auth.service import operator
        from shebao.db.engine import transaction
        from shebao.transfers import service
        from shebao.transfers.models import Transfer

        if transfer_id is None:
            with transaction() as db:
                ids = list(db.scalars(select(Transfer.id).where(
                    Transfer.status.in_(tuple(service.STEPS))).order_by(Transfer.id)))
        else:
            ids = [transfer_id]
        for one in ids:
            typer.echo(f"transfer {one}: {service.complete(None, operator(), one)}")

    @group.command("overdue")
    def overdue() -> None:
        """Transfers in flight past the service target, nationwide."""
        from shebao.auth.service import operator
        from shebao.db.engine import transaction
        from shebao.transfers import service

        with transaction() as db:
            for t in service.overdue(db, operator()):
                typer.echo(f"transfer {t.id}: person {t.person_id} {t.source_province} → "
                           f"{t.destination_province}, {t.status}, due {t.due_on}")

    return group
