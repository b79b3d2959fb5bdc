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
