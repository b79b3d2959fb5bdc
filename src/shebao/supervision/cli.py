"""`shebao audit …`: verify the trail, sign checkpoints, make the signing key."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer


def commands(refusals_exit_2: Callable[[Any], Any]) -> typer.Typer:
    """The `audit` command group; `refusals_exit_2` turns refused input into exit code 2."""
    group = typer.Typer(no_args_is_help=True,
                        help="The audit trail: verify it, sign checkpoints of it.")

    @group.command("verify")
    @refusals_exit_2
    def verify(
        checkpoint: Annotated[Path | None, typer.Option(
            help="A signed checkpoint file: also detects a trail cut short since.")] = None,
        public_key: Annotated[Path | None, typer.Option(
            help="The public key that signed the checkpoint (default: KEY.pub next to "
                 "SHEBAO_AUDIT_KEY).")] = None,
    ) -> None:
        """Recompute the hash chain; exit 1 naming the first altered, deleted or reordered
        entry."""
        from shebao.config import get_settings
        from shebao.db.engine import transaction
        from shebao.supervision import audit

        point = None
        if checkpoint is not None:
            key = public_key or _key_path().with_name(_key_path().name + ".pub")
            point = audit.read_checkpoint(checkpoint, key)
        with transaction(get_settings().database_url) as db:
            result = audit.verify(db, point)
        if not result.ok:
            typer.echo(f"audit trail broken: {result.problem}", err=True)
            raise typer.Exit(1)
        against = f", checkpoint of {point.made_at} at entry {point.seq} holds" if point else ""
        typer.echo(f"audit trail ok: {result.count} entries, head {result.head_hash}{against}")

    @group.command("checkpoint")
    @refusals_exit_2
    def checkpoint(
        out: Annotated[Path, typer.Option(help="Where to write the signed checkpoint (keep it "
                                                "outside the database's machine).")],
    ) -> None:
        """Sign the chain head (count, hash, time) with the key in SHEBAO_AUDIT_KEY."""
        from shebao.config import get_settings
        from shebao.db.engine import transaction
        from shebao.supervision import audit

        with transaction(get_settings().database_url) as db:
            point = audit.checkpoint(db, _key_path())
        audit.write_checkpoint(point, out)
        typer.echo(f"checkpoint: entry {point.seq}, head {point.entry_hash} → {out}")

    @group.command("keygen")
    @refusals_exit_2
    def keygen() -> None:
        """Make the Ed25519 signing key at SHEBAO_AUDIT_KEY (and its public key, KEY.pub)."""
        from shebao.supervision import audit

        public = audit.make_key(_key_path())
        typer.echo(f"signing key {_key_path()} (keep it off the database server); "
                   f"public key {public}")

    return group


def _key_path() -> Path:
    """The signing key: SHEBAO_AUDIT_KEY, or var/audit-signing-key.pem for the demo."""
    from shebao.config import get_settings

    return Path(os.environ.get("SHEBAO_AUDIT_KEY")
                or get_settings().data_dir / "audit-signing-key.pem")


def fraud_commands(refusals_exit_2: Callable[[Any], Any]) -> typer.Typer:
    """The `fraud` command group: scans and the evaluation of the rules."""
    group = typer.Typer(no_args_is_help=True, help="Fraud detection: scan, evaluate.")

    @group.command("scan")
    @refusals_exit_2
    def scan(
        province: Annotated[str, typer.Option(help="Province code, e.g. 510000.")],
        username: Annotated[str, typer.Option(help="The supervisor who runs the scan.")],
    ) -> None:
        """Run every detection rule over a province; new findings become alerts in cases."""
        from sqlalchemy import select

        from shebao.auth.models import User
        from shebao.config import get_settings
        from shebao.db.engine import transaction
        from shebao.errors import InputError
        from shebao.supervision import service

        with transaction(get_settings().database_url, write=True) as db:
            user = db.scalar(select(User).where(User.username == username))
            if user is None:
                raise InputError("username", f"no account {username!r}")
            result = service.scan(db, user, province)
        typer.echo(f"{result.findings} findings, {result.new_alerts} new alerts, "
                   f"{result.cases_opened} cases opened, {result.cases_updated} updated")
        for rule, count in sorted(result.by_rule.items()):
            typer.echo(f"  {rule}: {count}")

    @group.command("evaluate")
    @refusals_exit_2
    def evaluate(
        persons: Annotated[int, typer.Option(min=1000, max=5_000_000,
                                             help="Persons to generate.")] = 100_000,
        seed: Annotated[int, typer.Option(help="Seed of the generator.")] = 1,
        rate: Annotated[float, typer.Option(min=0.001, max=0.1,
                                            help="Share of each kind of fraud injected.")] = 0.01,
        as_json: Annotated[bool, typer.Option("--json", help="End with one JSON line.")] = False,
    ) -> None:
        """Generate a population with known frauds, scan it, print each rule's precision and
        recall (a fresh SQLite database in a temporary folder)."""
        import json
        import tempfile
        import time

        from shebao.auth.service import create_user
        from shebao.db.engine import get_engine, transaction
        from shebao.db.migrate import upgrade
        from shebao.supervision import evaluate as evaluation

        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/fraud-evaluation.db"
            upgrade(url)
            with transaction(url, write=True) as db:
                supervisor = create_user(db, username="evaluation", password="evaluation-only!",
                                         role="supervisor", region_code="000000")
            started = time.perf_counter()
            typer.echo(f"generating {persons:,} persons (seed {seed}, {rate:.1%} of each fraud)…")
            truth = evaluation.generate(url, persons, seed, rate)
            generated = time.perf_counter()
            typer.echo(f"generated in {generated - started:.1f} s; scanning…")
            scores = evaluation.evaluate(url, truth, supervisor)
            typer.echo(f"scanned in {time.perf_counter() - generated:.1f} s\n")
            get_engine(url).dispose()
        typer.echo(f"{'rule':<30}{'injected':>9}{'flagged':>9}{'precision':>11}{'recall':>8}")
        for rule, score in scores.items():
            typer.echo(f"{rule:<30}{score.injected:>9}{score.flagged:>9}"
                       f"{score.precision:>11.3f}{score.recall:>8.3f}")
        if as_json:
            typer.echo(json.dumps({"rules": {rule: {
                "precision": round(s.precision, 4), "recall": round(s.recall, 4),
                "injected": s.injected, "flagged": s.flagged} for rule, s in scores.items()}}))

    return group
