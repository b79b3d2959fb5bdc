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
from typing import Annotated, ParamSpec, TypeVar

import typer

from shebao.errors import InputError, InputErrors

app = typer.Typer(no_args_is_help=True, help="shebao: a national social security system.")
db_app = typer.Typer(no_args_is_help=True, help="The database.")
users_app = typer.Typer(no_args_is_help=True, help="Accounts.")
id_app = typer.Typer(no_args_is_help=True, help="Identity numbers and credit codes.")
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
app.add_typer(id_app, name="id")

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
                typer.echo(f"error: {error.field}: {error.reason}", err=True)
            raise typer.Exit(2) from None
        except InputError as error:
            typer.echo(f"error: {error.field}: {error.reason}", err=True)
            raise typer.Exit(2) from None

    return run


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the web pages and the API."""
    import uvicorn

    from shebao.api.app import create_app

    uvicorn.run(create_app(), host=host, port=port, log_level="info")


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
    from shebao.db.migrate import upgrade
    from shebao.demo import DEMO_LOGINS, seed_demo

    settings = get_settings()
    upgrade(settings.database_url)
    created = seed_demo(settings.database_url, persons=persons, seed=seed)
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


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())


if __name__ == "__main__":  # pragma: no cover
    main()
