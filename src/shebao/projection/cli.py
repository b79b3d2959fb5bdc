"""`shebao project …`: population and fund projections, validation."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

import typer

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]
AsCsv = Annotated[bool, typer.Option("--csv", help="Print CSV.")]
Plot = Annotated[str | None, typer.Option(help="Write a chart: FILE.svg or FILE.png.")]
Scenario = Annotated[str, typer.Option(help="baseline, no-reform, cass-2019 …")]
LastYear = Annotated[int, typer.Option(help="Last year.")]


def commands(refusals_exit_2: Callable[[Any], Any]) -> typer.Typer:
    """The `project` command group; `refusals_exit_2` turns refused input into exit code 2."""
    group = typer.Typer(no_args_is_help=True, help="Projections: population, pension fund.")

    def emit(result: dict[str, Any], as_json: bool, as_csv: bool, plot: str | None) -> None:
        from shebao.projection import service

        if plot:
            service.write_plot(result, plot)
        if as_csv:
            typer.echo(service.to_csv(result), nl=False)
        elif as_json or not plot:
            typer.echo(json.dumps(result, ensure_ascii=False))

    @group.command("population")
    @refusals_exit_2
    def population(
        to: Annotated[int, typer.Option(help="Last year (mid-year figures).")],
        variant: Annotated[
            str, typer.Option(help="low, medium or high (WPP fertility).")
        ] = "medium",
        as_json: AsJson = False,
        as_csv: AsCsv = False,
        plot: Plot = None,
    ) -> None:
        """Population by broad age group, mid-year persons, from 2024."""
        from shebao.console import working
        from shebao.projection import service

        with working(f"population to {to}"):
            result = service.population(to, variant)
        emit(result, as_json, as_csv, plot)

    @group.command("pension")
    @refusals_exit_2
    def pension(
        scenario: Scenario,
        to: LastYear,
        as_json: AsJson = False,
        as_csv: AsCsv = False,
        plot: Plot = None,
    ) -> None:
        """The urban employee pension fund by year (money in fen) and its depletion year."""
        from shebao.console import working
        from shebao.projection import service

        with working(f"pension fund {scenario} to {to}"):
            result = service.pension(scenario, to)
        emit(result, as_json, as_csv, plot)

    @group.command("stochastic")
    @refusals_exit_2
    def stochastic(
        scenario: Scenario,
        to: LastYear,
        draws: Annotated[int, typer.Option(help="Trajectories (100–20000).")] = 5000,
        seed: Annotated[int, typer.Option(help="Random seed.")] = 2019,
    ) -> None:
        """P10/P50/P90 by year and the probability of depletion by each year (JSON)."""
        from shebao.console import working
        from shebao.projection import service

        with working(f"{draws} trajectories of {scenario} to {to}"):
            result = service.stochastic(scenario, to, draws, seed)
        typer.echo(json.dumps(result))

    @group.command("validate")
    @refusals_exit_2
    def validate(as_json: AsJson = False) -> None:
        """WPP 2024 reproduction through 2050, CASS 2019 depletion, and the calibration."""
        from shebao.projection import service

        report = service.validate()
        typer.echo(json.dumps(report) if as_json else service.validation_text(report))
        if not (report["population"]["ok"] and report["cass_2019"]["ok"]):
            raise typer.Exit(1)

    return group
