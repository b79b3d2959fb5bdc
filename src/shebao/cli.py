"""The `shebao` command: serve, demo, database, accounts and identifier checks.

Bad input ends with one line on standard error naming the field and the reason, and exit
code 2; never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Literal, ParamSpec, TypeVar

import typer

from shebao.analytics.cli import commands as analytics_commands
from shebao.assistance.cli import commands as assistance_commands
from shebao.batch.cli import batch_commands, population_commands
from shebao.benefits.pension.cli import commands as pension_commands
from shebao.errors import InputError, InputErrors
from shebao.pooling.cli import commands as pooling_commands
from shebao.projection.cli import commands as projection_commands
from shebao.supervision.cli import commands as audit_commands
from shebao.supervision.cli import fraud_commands
from shebao.transfers.cli import commands as transfer_commands

app = typer.Typer(no_args_is_help=True, help="shebao: a national social security system.")
db_app = typer.Typer(no_args_is_help=True, help="The database.")
users_app = typer.Typer(no_args_is_help=True, help="Accounts.")
id_app = typer.Typer(no_args_is_help=True, help="Identity numbers and credit codes.")
policy_app = typer.Typer(no_args_is_help=True, help="Parameters: values, history, checks.")
contributions_app = typer.Typer(no_args_is_help=True, help="Declarations, bills, payments.")
ledger_app = typer.Typer(no_args_is_help=True, help="The ledger: balances and invariant checks.")
app.add_typer(db_app, name="db")
app.add_typer(policy_app, name="policy")
app.add_typer(contributions_app, name="contributions")
app.add_typer(users_app, name="users")
app.add_typer(id_app, name="id")
app.add_typer(ledger_app, name="ledger")

P = ParamSpec("P")
R = TypeVar("R")


def refusals_exit_2(command: Callable[P, R]) -> Callable[P, R]:
    """Turn refused input into a one-line message and exit code 2."""

    @wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except InputErrors as errors:
            for error in errors.errors:
                typer.echo(f"error: {error}", err=True)
            raise typer.Exit(2) from None
        except InputError as error:
            typer.echo(f"error: {error.field}: {error.reason}", err=True)
            raise typer.Exit(2) from None

    return run


app.add_typer(pension_commands(refusals_exit_2), name="benefits")
app.add_typer(audit_commands(refusals_exit_2), name="audit")
app.add_typer(fraud_commands(refusals_exit_2), name="fraud")
app.add_typer(pooling_commands(refusals_exit_2), name="pooling")
app.add_typer(transfer_commands(refusals_exit_2), name="transfers")
app.add_typer(assistance_commands(refusals_exit_2), name="assistance")
app.add_typer(projection_commands(refusals_exit_2), name="project")
app.add_typer(population_commands(refusals_exit_2), name="population")
app.add_typer(batch_commands(refusals_exit_2), name="batch")
app.add_typer(analytics_commands(refusals_exit_2), name="analytics")


@app.command()
@refusals_exit_2
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Worker processes (each builds its own app).")
    ] = 1,
    access_log: Annotated[bool, typer.Option(help="Log every request.")] = True,
) -> None:
    """Serve the web pages and the API."""
    import uvicorn

    if workers > 1:
        # Each process calls the factory, opens its own pool and listens on its own socket.
        from shebao.api.workers import serve_workers

        try:
            serve_workers(host, port, workers, access_log)
        except OSError as refused:
            raise InputError("port", f"cannot listen on {host}:{port}: {refused.strerror}") \
                from None
        return
    from shebao.api.app import create_app

    uvicorn.run(create_app(), host=host, port=port, log_level="info", access_log=access_log)


@app.command()
@refusals_exit_2
def demo(
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8000,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Only create and seed the database, then exit.")
    ] = False,
    persons: Annotated[int, typer.Option(help="Size of the synthetic population.")] = 3000,
    seed: Annotated[int, typer.Option(help="Random seed of the synthetic population.")] = 2021,
) -> None:
    """Create, migrate and seed the demo database, print the demo logins, and serve."""
    os.environ["SHEBAO_DEMO"] = "1"
    from shebao.config import get_settings

    get_settings.cache_clear()
    from rich.progress import Progress

    from shebao.db.migrate import upgrade
    from shebao.demo import DEMO_LOGINS, seed_demo

    settings = get_settings()
    upgrade(settings.database_url)
    with Progress(transient=True) as bar:
        task = bar.add_task("seeding the demo", total=None)

        def step(what: str, done: int, total: int) -> None:
            bar.update(task, description=what, completed=done, total=total)

        created = seed_demo(settings.database_url, persons=persons, seed=seed, progress=step)
    typer.echo(
        f"database: {settings.database_url} "
        + (f"(seeded: {created.persons} persons, {created.employers} employers)" if created
           else "(already seeded)")
    )
    typer.echo("demo logins (password: demo):")
    for username, description in DEMO_LOGINS.items():
        typer.echo(f"  {username:<11} {description}")
    if not no_serve:
        typer.echo(f"open http://127.0.0.1:{port}/")
        serve(host="127.0.0.1", port=port)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply migrations to the database named by SHEBAO_DATABASE_URL."""
    from shebao.db.migrate import current_revision, upgrade

    upgrade(revision=revision)
    typer.echo(f"database at revision {current_revision()}")


def _backup_step(step: Literal["backup", "restore"], file: Path) -> None:
    """`backup` or `restore` of the configured database; a failure is exit code 1."""
    from shebao.config import get_settings
    from shebao.db import backup as backups

    try:
        getattr(backups, step)(get_settings().database_url, file)
    except backups.BackupFailed as failed:
        typer.echo(f"error: {failed}", err=True)
        raise typer.Exit(1) from None


@db_app.command("backup")
@refusals_exit_2
def db_backup(file: Annotated[Path, typer.Argument(help="The backup file to write.")]) -> None:
    """Back up the database (pg_dump, or SQLite's backup API) while it serves."""
    _backup_step("backup", file)
    typer.echo(f"backed up to {file} ({file.stat().st_size} bytes)")


@db_app.command("restore")
@refusals_exit_2
def db_restore(file: Annotated[Path, typer.Argument(help="A file `db backup` wrote.")]) -> None:
    """Replace the database with a backup (stop the API workers first)."""
    _backup_step("restore", file)
    typer.echo(f"restored from {file}")


@users_app.command("create")
@refusals_exit_2
def users_create(
    username: Annotated[str, typer.Argument()],
    role: Annotated[str, typer.Option(help="citizen, employer, clerk, supervisor, analyst, admin")],
    region: Annotated[str, typer.Option(help="Region code the account serves (000000: nation).")],
    display_name: Annotated[str | None, typer.Option()] = None,
    person_id: Annotated[int | None, typer.Option()] = None,
    employer_id: Annotated[int | None, typer.Option()] = None,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Create an account (the password is asked for, never echoed)."""
    from shebao.auth.service import create_user
    from shebao.db.engine import transaction

    with transaction() as session:
        user = create_user(
            session, username=username, password=password, role=role, region_code=region,
            display_name=display_name, person_id=person_id, employer_id=employer_id,
        )
        typer.echo(f"created {user.role} account {user.username!r} for region {user.region_code}")


@id_app.command("check")
@refusals_exit_2
def id_check(value: Annotated[str, typer.Argument(help="Identity number or credit code.")]) -> None:
    """Decode an identity number or a unified social credit code; exit 2 if it is invalid."""
    from shebao.registry.identifiers import describe

    typer.echo(json.dumps(describe(value), ensure_ascii=False, indent=2))


def _read_json(source: str) -> object:
    text = sys.stdin.read() if source == "-" else _read_file(source)
    try:
        return json.loads(text)
    except json.JSONDecodeError as bad:
        raise InputError("input", f"not valid JSON: {bad.msg} at line {bad.lineno}") from None


def _read_file(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as missing:
        raise InputError("input", f"cannot read {path}: {missing.strerror}") from None


@app.command()
@refusals_exit_2
def calc(
    rule: Annotated[str, typer.Argument(help="retirement, pension, contribution, unemployment, "
                                         "injury, transfer or central-adjustment")],
    input_file: Annotated[str, typer.Option("--input", "-i", help="JSON file; - reads stdin")],
    explain: Annotated[bool, typer.Option(help="Include the explanation.")] = True,
) -> None:
    """Compute one rule on one JSON case and print the JSON result."""
    from shebao.calc.service import calculate

    result = calculate(rule, _read_json(input_file))
    if not explain:
        result.pop("explanation")
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2))


@policy_app.command("show")
@refusals_exit_2
def policy_show(
    name: Annotated[str, typer.Argument(help="Parameter, e.g. employee_pension.employer_rate")],
    date: Annotated[str | None, typer.Option(help="Date (YYYY-MM-DD); default today.")] = None,
    region: Annotated[str | None, typer.Option(help="Region code, e.g. 440106.")] = None,
    scenario: Annotated[str | None, typer.Option(help="Scenario, e.g. no-reform.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """A parameter's value in force, its unit and legal reference, and its whole history."""
    from shebao.policy import describe_parameter

    described = describe_parameter(name, date, region, scenario=scenario)
    if as_json:
        typer.echo(json.dumps(described, ensure_ascii=False, indent=2, default=str))
        return
    typer.echo(f"{described['name']} ({described['unit']}): {described['description']}")
    typer.echo(
        f"in force on {described['date']}"
        + (f" in {described['region']}" if described["region"] else "")
        + f": {described['value']}  [{described['source']}, from {described['effective_from']}]"
    )
    typer.echo(f"reference: {described['reference']}")
    for bound in described["bounds"]:
        typer.echo(f"national bound from {bound['from'] or 'always'}: "
                   f"min {bound['min']}, max {bound['max']}")
    typer.echo("history:")
    for row in described["history"]:
        until = f" to {row['effective_to']}" if row["effective_to"] else ""
        typer.echo(f"  {row['effective_from']}{until}  {row['value']}  [{row['source']}]  "
                   f"{row['reference']}")


@policy_app.command("check")
def policy_check(
    directory: Annotated[str, typer.Argument(help="A province's override folder, e.g. 440000/")],
) -> None:
    """Validate a province's override files against the national bounds before submitting."""
    from shebao.policy import check_region_dir

    problems = check_region_dir(directory)
    for problem in problems:
        typer.echo(f"error: {problem}", err=True)
    if problems:
        raise typer.Exit(2)
    typer.echo(f"{directory}: every value is inside its national bound")


@ledger_app.command("check")
def ledger_check() -> None:
    """Verify every ledger invariant, and the pension payment rows against their entries (a
    table without foreign keys); print each breach and exit 1 when there is any."""
    from shebao.benefits.pension import payroll
    from shebao.db.engine import transaction
    from shebao.ledger.service import check, totals

    with transaction() as session:
        problems = check(session) + payroll.check(session)
        counted = totals(session)
    for problem in problems:
        typer.echo(f"breach: {problem}", err=True)
    if problems:
        typer.echo(f"{len(problems)} breach(es) in {counted.entries} entries, "
                   f"{counted.accounts} accounts", err=True)
        raise typer.Exit(1)
    typer.echo(f"ledger ok: {counted.entries} entries, {counted.lines} lines, "
               f"{counted.accounts} accounts checked, {counted.individual_lines} individual "
               "account lines")


@ledger_app.command("balance")
@refusals_exit_2
def ledger_balance(
    account: Annotated[str, typer.Argument(help="Account code, e.g. pool:employee_pension:440000")],
) -> None:
    """An account's balance, in fen and in yuan, in its normal sense."""
    from shebao.db.engine import transaction
    from shebao.ledger.accounts import parse
    from shebao.ledger.schemas import yuan
    from shebao.ledger.service import balance

    spec = parse(account)
    with transaction() as session:
        fen = balance(session, spec.code)
    typer.echo(f"{spec.code}: {fen} fen ({yuan(fen)} yuan), {spec.kind.name}, "
               f"{spec.normal_side.value}-normal")


@contributions_app.command("declare")
@refusals_exit_2
def contributions_declare(
    file: Annotated[str, typer.Argument(help="CSV: identity_number,wage_fen")],
    employer: Annotated[str, typer.Option(help="The employer's unified social credit code.")],
    month: Annotated[str, typer.Option(help="YYYY-MM")],
) -> None:
    """Declare an employer's wages for a month and bill them; a bad row rejects the file."""
    from sqlalchemy import select

    from shebao.auth.service import operator
    from shebao.console import working
    from shebao.contributions.service import declare, read_csv
    from shebao.db.engine import transaction
    from shebao.registry.identifiers import parse_credit_code
    from shebao.registry.models import Employer

    code = parse_credit_code(employer, field="employer").code
    with working(f"declaration {month}") as step:
        step("reading the file")
        rows = read_csv(_read_file(file))
        step(f"checking and billing {len(rows)} rows")
        with transaction(write=True) as db:
            found = db.scalar(select(Employer.id).where(Employer.credit_code == code))
            if found is None:
                raise InputError("employer", f"no employer with credit code {code}")
            bill = declare(db, operator(), found, month, rows, "csv")
    typer.echo(f"declared {len(rows)} persons for {month}: bill {bill.id}, "
               f"{bill.amount_fen} fen due {bill.due_date}")


@contributions_app.command("month-end")
@refusals_exit_2
def contributions_month_end(
    file: Annotated[str, typer.Argument(
        help="CSV: employer_credit_code,identity_number,wage_fen (every employer's staff)")],
    month: Annotated[str, typer.Option(help="YYYY-MM")],
    paid_on: Annotated[str | None, typer.Option(
        help="YYYY-MM-DD: pay every bill on this day (the funds' receipts); else bills stay "
             "open")] = None,
) -> None:
    """Declare, bill (and pay) a month for many employers at once: the month-end bulk path
    (PostgreSQL). A bad row rejects the file; nothing is written by halves."""
    from datetime import date

    from shebao.auth.service import operator
    from shebao.console import working
    from shebao.contributions import bulk
    from shebao.db.engine import transaction

    try:
        day = date.fromisoformat(paid_on) if paid_on is not None else None
    except ValueError:
        raise InputError("paid_on", f"{paid_on!r} is not a date (YYYY-MM-DD)") from None
    with working(f"month-end {month}") as step:
        step("reading the file")
        text = _read_file(file)
        step("checking, billing and posting")
        with transaction(write=True) as db:
            try:
                result = bulk.run_month_file(db, operator(), month, text, paid_on=day)
            except bulk.UnsupportedDatabase as refused:
                raise InputError("database", str(refused)) from None
    typer.echo(f"{month}: {result.declarations:,} declarations, {result.contribution_rows:,} "
               f"persons, {result.billed_fen:,} fen billed; {result.paid_bills:,} bills paid "
               f"({result.late_fee_fen:,} fen of late fees), {result.ledger_entries:,} ledger "
               "entries")


@contributions_app.command("bill")
@refusals_exit_2
def contributions_bill(
    month: Annotated[str, typer.Option(help="YYYY-MM")],
    region: Annotated[str, typer.Option(help="Region code (000000: the nation).")] = "000000",
) -> None:
    """Bill the month for every enrolled flexible worker in a region not yet billed."""
    from shebao.auth.service import operator
    from shebao.contributions.service import bill_flexible_workers
    from shebao.db.engine import transaction

    with transaction(write=True) as db:
        made = bill_flexible_workers(db, operator(), month, region)
        total = sum(b.amount_fen for b in made)
        typer.echo(f"billed {len(made)} flexible workers for {month}: {total} fen")


def main() -> None:  # pragma: no cover - console entry point
    from shebao.supervision import audit

    audit.set_process_context("cli")
    sys.exit(app())


if __name__ == "__main__":  # pragma: no cover
    main()
