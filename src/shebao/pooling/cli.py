"""`shebao pooling …`: a central adjustment year from a provinces table (printed, or posted
with --post) and the 2020 reproduction beside the published figure."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer


def _yuan(fen: int) -> str:
    return f"{fen / 100:>22,.2f}"


def _table(result: dict[str, Any]) -> None:
    typer.echo(f"{'province':<8} {'remittance (yuan)':>22} {'allocation (yuan)':>22} "
               f"{'net (yuan)':>22}")
    for p in result["provinces"]:
        typer.echo(f"{p['region']:<8} {_yuan(p['remittance_fen'])} {_yuan(p['allocation_fen'])} "
                   f"{_yuan(p['net_fen'])}")
    nets = sum(p["net_fen"] for p in result["provinces"])
    typer.echo(f"fund {result['fund_fen']} fen; per retiree {result['per_retiree_fen']:.2f} fen;"
               f" Σ nets {nets} fen")


def commands(refusals_exit_2: Callable[[Any], Any]) -> typer.Typer:
    """The `pooling` command group; `refusals_exit_2` turns refused input into exit code 2."""
    group = typer.Typer(no_args_is_help=True, help="Pooling: the central adjustment fund.")

    @group.command("central-adjustment")
    @refusals_exit_2
    def central_adjustment(
        year: Annotated[int, typer.Option(help="The year, 2018–2021 (later years need a rate "
                                               "in the JSON).")],
        input_file: Annotated[str, typer.Option("--input", "-i",
                                                help="provinces.csv or the rule's JSON")],
        post: Annotated[bool, typer.Option(help="Post the nets in the ledger (once).")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """Remittance, allocation and net per province; the nets sum to zero to the fen."""
        from shebao.auth.service import operator
        from shebao.db.engine import transaction
        from shebao.errors import InputError
        from shebao.pooling import service

        try:
            text = Path(input_file).read_text(encoding="utf-8")
        except OSError as missing:
            raise InputError("input", f"cannot read {input_file}: {missing.strerror}") from None
        payload = service.parse_input(text, input_file, year)
        result = service.compute(payload)
        if as_json:
            typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
        else:
            _table(result)
        if post:
            with transaction(write=True) as db:
                done = service.post_year(db, operator(), payload, Path(input_file).name)
                typer.echo(f"posted {done.year}: {sum(1 for p in done.provinces if p.net_fen)} "
                           "entries")

    @group.command("reproduce-2020")
    @refusals_exit_2
    def reproduce_2020(
        write_input: Annotated[str | None, typer.Option(
            help="Also write the estimated input as the rule's JSON to this file.")] = None,
    ) -> None:
        """2020 from the bundled provinces table, beside the published RMB 176.7–176.8 bn."""
        from shebao.pooling import service

        found = service.reproduce_2020()
        _table(found.result)
        low, high = service.PUBLISHED_2020_NET_FEN
        typer.echo(f"net transfer between provinces, 2020: {found.net_fen / 1e11:,.1f} bn yuan "
                   f"(reproduced) vs {low / 1e11:,.1f}–{high / 1e11:,.1f} bn (published); gap "
                   f"{found.gap_fen[0] / 1e11:+,.1f} to {found.gap_fen[1] / 1e11:+,.1f} bn")
        typer.echo("proxies:")
        for proxy in found.proxies:
            typer.echo(f"  - {proxy}")
        typer.echo("why the gap:")
        for reason in found.explanation:
            typer.echo(f"  - {reason}")
        if write_input:
            Path(write_input).write_text(json.dumps(found.payload, indent=2), encoding="utf-8")

    return group
