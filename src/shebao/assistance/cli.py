"""`shebao assistance …`: identification error rates, register imports, flags and the month's
payments."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer


def commands(refusals_exit_2: Callable[[Any], Any]) -> typer.Typer:
    """The `assistance` command group; `refusals_exit_2` turns refused input into exit code 2."""
    group = typer.Typer(no_args_is_help=True,
                        help="Social assistance: identification quality, registers, payments.")

    @group.command("evaluate")
    @refusals_exit_2
    def evaluate(
        households: Annotated[int, typer.Option(help="Synthetic applicant households.")] = 100_000,
        seed: Annotated[int, typer.Option(help="Random seed: the same seed, the same figures.")]
        = 2021,
        as_json: Annotated[bool, typer.Option("--json", help="Only the JSON line.")] = False,
    ) -> None:
        """Inclusion and exclusion error rates of the means test alone and with cross-checks."""
        from shebao.assistance.evaluation import evaluate as run
        from shebao.errors import InputError

        if households < 1:
            raise InputError("households", "must be at least 1")
        found = run(households, seed, date.today())
        if not as_json:
            typer.echo(f"{found['households']:,} households, {found['truly_eligible']:,} truly "
                       f"eligible, {found['concealing']:,} concealing")
            for name in ("means_test", "with_cross_checks"):
                rates = found[name]
                typer.echo(f"{name:>18}: inclusion error {rates['inclusion_error']:.2%}, "
                           f"exclusion error {rates['exclusion_error']:.2%}")
        typer.echo(json.dumps({k: found[k] for k in
                               ("households", "means_test", "with_cross_checks")}))

    @group.command("import")
    @refusals_exit_2
    def import_file(
        kind: Annotated[str, typer.Option(help="vehicle, property or deposit")],
        region: Annotated[str, typer.Option(help="Region the file covers, e.g. 511300.")],
        source: Annotated[str, typer.Option(help="The register that supplied the file.")],
        as_of: Annotated[str, typer.Option(help="YYYY-MM-DD the file describes.")],
        path: Annotated[Path, typer.Argument(help="CSV: identity_number,reference,value_fen")],
    ) -> None:
        """Import a register's file; one bad row rejects the file, listing every bad row."""
        from shebao.assistance import service
        from shebao.auth.service import operator
        from shebao.config import get_settings
        from shebao.db.engine import transaction
        from shebao.errors import InputError

        try:
            day = date.fromisoformat(as_of)
        except ValueError:
            raise InputError("as_of", "must be a date YYYY-MM-DD") from None
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as bad:
            raise InputError("path", f"cannot read the file as UTF-8 text: {bad}") from None
        with transaction(get_settings().database_url, write=True) as db:
            found = service.import_file(db, operator(), kind, region, source, day, text)
            typer.echo(f"imported {found.rows} {kind} records for {region} (file {found.id})")

    @group.command("pay")
    @refusals_exit_2
    def pay(
        province: Annotated[str, typer.Option(help="Province code, e.g. 510000.")],
        month: Annotated[str, typer.Option(help="YYYY-MM")],
    ) -> None:
        """Flag changed circumstances, then pay the province's cases for the month, each once."""
        from shebao.assistance import service
        from shebao.auth.service import operator
        from shebao.config import get_settings
        from shebao.db.engine import transaction

        with transaction(get_settings().database_url, write=True) as db:
            flagged = service.flag_changes(db, operator())
            run = service.run_month(db, operator(), province, month)
        typer.echo(json.dumps({"flagged": flagged, "paid": run.paid,
                               "already_paid": run.already_paid, "amount_fen": run.amount_fen}))

    return group
