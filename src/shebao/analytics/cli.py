"""`shebao analytics report`: the weak-point indicators of a population, as an HTML report."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

import typer


def commands(refusals_exit_2: Callable[[Any], Any]) -> typer.Typer:
    """The `analytics` group; `refusals_exit_2` turns refused input into exit code 2."""
    group = typer.Typer(no_args_is_help=True, help="Weak points measured on a population.")

    @group.command("report")
    @refusals_exit_2
    def report(
        input_dir: Annotated[str, typer.Option("--input", help="Population folder.")],
        out: Annotated[str, typer.Option(help="The report to write (.html).")],
    ) -> None:
        """Write a self-contained HTML report (charts inline) and its indicators as JSON."""
        from shebao.analytics.report import write

        found = write(input_dir, out)
        typer.echo(json.dumps({"report": out, "as_of": found["as_of"],
                               "persons": found["persons"],
                               "redistribution": found["redistribution"]}))

    return group
