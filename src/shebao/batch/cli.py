"""`shebao population generate` and `shebao batch RUN`: the synthetic population and batch runs."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

import typer

from shebao.batch.runs import RUNS

RUNS_HELP = {
    "contributions": "The month's contribution bill of every contributing person.",
    "payroll": "The month's pension payroll, with each later year's indexation.",
    "authentication": "Pensioners whose survival authentication lapses by the month's end.",
    "fraud": "The supervision rules that run on one person's row, against planted truth.",
}


def population_commands(refusals_exit_2: Callable[[Any], Any]) -> typer.Typer:
    """The `population` group; `refusals_exit_2` turns refused input into exit code 2."""
    group = typer.Typer(no_args_is_help=True, help="Synthetic populations (Parquet by province).")

    @group.command("generate")
    @refusals_exit_2
    def generate(
        out: Annotated[str, typer.Option(help="Folder to create (must not hold files).")],
        persons: Annotated[int, typer.Option(help="Number of persons.")] = 1_000_000,
        seed: Annotated[int, typer.Option(help="Random seed: the same seed, the same files.")] = 1,
        as_of: Annotated[str | None, typer.Option(help="Month described (YYYY-MM).")] = None,
    ) -> None:
        """Generate N persons, written as persons/province=<code>/part-0.parquet under OUT."""
        from shebao.batch import population

        manifest = population.generate(persons, seed, out, as_of)
        typer.echo(json.dumps({k: v for k, v in manifest.items() if k != "partitions"}))

    return group


def batch_commands(refusals_exit_2: Callable[[Any], Any]) -> typer.Typer:
    """The `batch` group: one command a run, the same options for each."""
    group = typer.Typer(no_args_is_help=True, help="Batch runs over a population in Parquet.")

    def command(name: str) -> None:
        @group.command(name, help=RUNS_HELP[name])
        @refusals_exit_2
        def run(
            input_dir: Annotated[str, typer.Option("--input", help="Population folder.")],
            month: Annotated[str, typer.Option(help="Month to run (YYYY-MM).")],
            out: Annotated[str, typer.Option(help="Output folder (created; must be empty).")],
            engine: Annotated[str, typer.Option(help="local or dask.")] = "local",
            scheduler: Annotated[str | None, typer.Option(
                help="Dask scheduler address (tcp://…); none starts a local cluster.")] = None,
            workers: Annotated[int, typer.Option(help="Workers of a local Dask cluster.")] = 2,
            scenario: Annotated[str | None, typer.Option(
                help="A reform's parameters (policy/scenarios), e.g. no-reform.")] = None,
        ) -> None:
            from shebao.batch import engines

            summary = engines.run(name, input_dir, month, out, engine=engine,
                                  scheduler=scheduler, workers=workers, scenario=scenario)
            typer.echo(json.dumps({k: v for k, v in summary.items() if k != "by_province"},
                                  sort_keys=True))

    for name in RUNS:
        command(name)
    return group
