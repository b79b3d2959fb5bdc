"""Backup and restore, through the `shebao db backup` and `shebao db restore` commands: a backup
taken while the API serves writes, more writes after it, then a restore. Afterwards the
balances, the ledger's invariants and the audit chain's head are those of the backup's moment,
and every write acknowledged before the backup began is there."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from shebao.db.engine import get_engine, transaction
from shebao.ledger import service as ledger
from shebao.ledger.models import LedgerAccount, LedgerEntry
from shebao.reliability.client import ENTRIES
from shebao.reliability.harness import Live, live
from shebao.reliability.idempotency import entry_body
from shebao.reliability.report import CheckResult
from shebao.supervision import audit


def _snapshot(url: str) -> dict[str, Any]:
    with transaction(url) as db:
        chain = audit.verify(db)
        return {
            "balances": {code: fen for code, fen in db.execute(
                select(LedgerAccount.code, LedgerAccount.balance_fen))},
            "keys": set(db.scalars(select(LedgerEntry.idempotency_key))),
            "audit": (chain.count, chain.head_hash, chain.problem),
            "problems": ledger.check(db),
        }


def _shebao(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SHEBAO_DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "shebao.cli", *args], env=env,
                          capture_output=True, text=True, check=False, timeout=300)


def _post(system: Live, http: httpx.Client, keys: list[str]) -> int:
    """Post one entry per key; return how many were acknowledged."""
    acknowledged = 0
    for i, key in enumerate(keys):
        answer = http.post(ENTRIES, json=entry_body(100 + i, memo="backup check"),
                           headers=system.as_role("admin") | {"Idempotency-Key": key})
        acknowledged += answer.status_code == 201
    return acknowledged


def backup_check(backend: str, writes: int = 40, log_dir: Path | None = None) -> CheckResult:
    started = time.monotonic()
    result = CheckResult(name=f"backup/{backend}",
                         tried=f"db backup while serving, {writes} writes before and "
                               f"{writes // 2} after, db restore")
    with tempfile.TemporaryDirectory(prefix="shebao-backup-") as folder, \
            live(backend, "backup", log_dir) as system, \
            httpx.Client(base_url=system.server.base_url, timeout=30.0) as http:
        before = [f"before-{i}" for i in range(writes)]
        result.operations += _post(system, http, before)
        at_backup = _snapshot(system.url)
        file = Path(folder) / "shebao.backup"
        made = _shebao(system.url, "db", "backup", str(file))
        if made.returncode != 0:
            result.problems.append(f"db backup: {made.stderr.strip()}")
            return result
        result.operations += _post(system, http, [f"after-{i}" for i in range(writes // 2)])
        system.server.stop()
        get_engine(system.url).dispose()
        done = _shebao(system.url, "db", "restore", str(file))
        if done.returncode != 0:
            result.problems.append(f"db restore: {done.stderr.strip()}")
            return result
        restored = _snapshot(system.url)
        result.lost = len(set(before) - restored["keys"])
        result.problems += [f"after restore: {p}" for p in restored["problems"]]
        if restored["audit"] != at_backup["audit"]:
            result.problems.append(f"audit chain {restored['audit']} after restore, "
                                   f"{at_backup['audit']} at the backup")
        if restored["balances"] != at_backup["balances"]:
            result.problems.append("balances after restore differ from those at the backup")
        if restored["keys"] != at_backup["keys"]:
            result.problems.append("the restored entries are not those of the backup's moment")
        result.figures = {"backup_bytes": file.stat().st_size,
                          "audit_entries": restored["audit"][0]}
    result.seconds = time.monotonic() - started
    return result
