"""The bank test (after Jepsen's): concurrent clients move money over the API while the API
worker is killed with SIGKILL at random moments and started again; every client retries its
request, with the same idempotency key and body, until it is answered.

Afterwards, from the database itself: every entry balances to the fen and every cached balance
equals its lines (`ledger.check`); every acknowledged posting and payment exists exactly once;
and every pool and settlement account equals its opening balance plus a replay of the
acknowledged operations — nothing lost, nothing posted twice, nothing posted unasked.

Operations: receipts (cash for a pool arrives at the province's bank), transfers between a
province's pools, payments of the employers' open contribution bills, and transfers of a
person's record to the other province (apply, approve, move the funds, receive: four requests,
each retried until answered; an application whose answer was lost is found in the queue).
"""

from __future__ import annotations

import asyncio
import random
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, or_, select

from shebao.auth.service import operator
from shebao.contributions import service as contributions
from shebao.contributions.models import Bill, Payment
from shebao.db.engine import transaction
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.ledger.models import LedgerAccount, LedgerEntry
from shebao.registry.models import EmploymentSpell
from shebao.reliability.client import ENTRIES, until_answered
from shebao.reliability.harness import Live, live
from shebao.reliability.report import CheckResult
from shebao.reliability.server import Server
from shebao.reliability.world import COUNTIES, OpenBill, World
from shebao.transfers.models import Transfer
from shebao.transfers.service import POOL_SCHEME

GRACE_S = 60.0
"""How long an operation in flight when the run ends may keep retrying before it is in doubt."""
POSTGRES_CLUSTER = ("15", "main")
"""The Debian cluster `pg_ctlcluster` stops and starts in the soak run (PostgreSQL 15)."""


@dataclass
class Operation:
    kind: str  # receipt | transfer | payment
    username: str
    path: str
    body: dict[str, Any]
    key: str | None = None
    lines: list[tuple[str, int]] = field(default_factory=list)
    bill: OpenBill | None = None
    answer: dict[str, Any] | None = None
    status: int | None = None


@dataclass
class Movement:
    """A person's record moved to the other province; `transfer` is its answer once received."""

    person_id: int
    source: str
    destination: str
    transfer: dict[str, Any] | None = None
    problem: str | None = None


@dataclass
class BankRun:
    backend: str
    seconds: float
    clients: int
    kills: int = 0
    postgres_restarts: int = 0
    operations: list[Operation] = field(default_factory=list)
    movements: list[Movement] = field(default_factory=list)
    server_errors: int = 0
    attempts: int = 0


def _ledger_operation(rng: random.Random, world: World, admin: str, key: str) -> Operation:
    province = rng.choice(sorted(COUNTIES))
    pools = world.pools(province)
    amount = rng.randint(1, 100_000)
    if rng.random() < 0.5:
        kind, lines = "receipt", [(accounts.settlement(province), amount),
                                  (rng.choice(pools), -amount)]
    else:
        source, target = rng.sample(pools, 2)
        kind, lines = "transfer", [(source, amount), (target, -amount)]
    body = {"kind": kind, "memo": f"reliability {kind}", "effective_date": "2025-07-15",
            "lines": [{"account": a, "amount_fen": f} for a, f in lines]}
    return Operation(kind, admin, ENTRIES, body, key=key, lines=lines)


def _payment(world: World, bill: OpenBill) -> Operation:
    clerk = world.users[("clerk", bill.province)]
    body = {"paid_on": bill.paid_on.isoformat(), "amount_fen": bill.amount_fen}
    return Operation("payment", clerk, f"/api/v1/contributions/bills/{bill.id}/payments", body,
                     bill=bill)


async def _move(http: httpx.AsyncClient, run: BankRun, system: Live, movement: Movement,
                deadline: float) -> None:
    """Apply, approve, move the funds and receive, each step retried until answered."""
    run.movements.append(movement)
    source = system.as_role("clerk", movement.source)
    target = system.as_role("clerk", movement.destination)
    body = {"person_id": movement.person_id, "destination_province": movement.destination}
    applied = await until_answered(http, "POST", "/api/v1/transfers", deadline,
                                   headers=source, json=body)
    run.server_errors += applied.server_errors
    if applied.status == 201:
        transfer_id = applied.body["id"]
    else:  # the first try was applied and its answer lost: it is in the source's queue
        queue = await until_answered(http, "GET", "/api/v1/transfers", deadline, headers=source)
        run.server_errors += queue.server_errors
        found = [t["id"] for t in queue.body or [] if t["person_id"] == movement.person_id]
        if applied.status != 422 or len(found) != 1:
            movement.problem = f"application answered {applied.status}, queue holds {found}"
            return
        transfer_id = found[0]
    for step, headers in (("approve", source), ("move-funds", source), ("receive", target)):
        answer = await until_answered(http, "POST", f"/api/v1/transfers/{transfer_id}/{step}",
                                      deadline, headers=headers)
        run.server_errors += answer.server_errors
        if answer.status != 200:
            movement.problem = f"{step} of transfer {transfer_id} answered {answer.status}"
            return
    movement.transfer = answer.body


async def _client(
    number: int, run: BankRun, system: Live, bills: list[OpenBill], movers: list[Movement],
    stop_at: float, seed: int,
) -> None:
    rng = random.Random(seed * 1000 + number)
    world, headers = system.world, system.headers
    admin = world.users[("admin", "440000")]
    async with httpx.AsyncClient(base_url=system.server.base_url, timeout=10.0) as http:
        i = 0
        while time.monotonic() < stop_at:
            i += 1
            if movers and rng.random() < 0.1:
                await _move(http, run, system, movers.pop(), stop_at + GRACE_S)
                continue
            if bills and rng.random() < 0.3:
                op = _payment(world, bills.pop())
            else:
                op = _ledger_operation(rng, world, admin, f"bank-{number}-{i}")
            run.operations.append(op)
            extra = {"Idempotency-Key": op.key} if op.key else {}
            answer = await until_answered(http, "POST", op.path, stop_at + GRACE_S,
                                          headers=headers[op.username] | extra, json=op.body)
            run.attempts += answer.attempts
            run.server_errors += answer.server_errors
            op.status, op.answer = answer.status, answer.body


def _restart_postgres() -> None:
    version, cluster = POSTGRES_CLUSTER
    # Without systemd (containers, CI) pg_ctlcluster must not hand over to systemctl.
    control = ["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster]
    subprocess.run([*control, "stop", "-m", "immediate"], check=True)
    subprocess.run([*control, "start"], check=True)


async def _chaos(run: BankRun, server: Server, stop_at: float, rng: random.Random,
                 pause: tuple[float, float], restart_postgres: bool) -> None:
    """Kill the API worker (or, in the soak run, PostgreSQL) at random moments until stop_at."""
    while time.monotonic() < stop_at:
        await asyncio.sleep(rng.uniform(*pause))
        if time.monotonic() >= stop_at:
            break
        if restart_postgres and rng.random() < 0.2:
            await asyncio.to_thread(_restart_postgres)
            run.postgres_restarts += 1
            continue
        server.kill()
        run.kills += 1
        await asyncio.to_thread(server.start)


def _records_to_move(url: str, world: World) -> list[Movement]:
    """The staff of each province's second employer, their bills paid before the run (so the
    source holds a record), to move to the other province during it."""
    movers: list[Movement] = []
    provinces = sorted(COUNTIES)
    for source, destination in zip(provinces, reversed(provinces), strict=True):
        employer = world.employers[source][1]
        with transaction(url, write=True) as db:
            for bill in world.bills:
                if bill.employer_id == employer:
                    contributions.pay(db, operator(), bill.id, bill.paid_on, bill.amount_fen)
            staff = db.scalars(select(EmploymentSpell.person_id)
                               .where(EmploymentSpell.employer_id == employer))
            movers += [Movement(person, source, destination) for person in staff]
    return movers


def _opening(url: str) -> dict[str, int]:
    """The balances of every pool and settlement account before the run: what it replays onto."""
    with transaction(url) as db:
        return dict(db.execute(
            select(LedgerAccount.code, LedgerAccount.balance_fen).where(or_(
                LedgerAccount.code.like("pool:%"), LedgerAccount.code.like("settlement:%")))
        ).all())


def _apply(balances: Counter[str], lines: list[tuple[str, int]]) -> None:
    """Replay lines (debit > 0) onto balances kept in each account's normal sense."""
    for code, amount in lines:
        debit_normal = accounts.parse(code).normal_side is accounts.Side.debit
        balances[code] += amount if debit_normal else -amount


def verify(url: str, run: BankRun, opening: dict[str, int]) -> CheckResult:
    """Compare what the clients were told with what the database holds."""
    result = CheckResult(
        name=f"bank/{run.backend}",
        tried=f"{run.clients} clients, {run.seconds:.0f} s, {run.kills} kill -9 of the API"
              + (f", {run.postgres_restarts} PostgreSQL stops" if run.postgres_restarts else ""),
        operations=len(run.operations) + len(run.movements), server_errors=run.server_errors,
    )
    expected = Counter(opening)
    with transaction(url) as db:
        result.problems.extend(ledger.check(db))
        keys = Counter(dict(db.execute(
            select(LedgerEntry.idempotency_key, func.count())
            .where(LedgerEntry.idempotency_key.like("bank-%"))
            .group_by(LedgerEntry.idempotency_key)).all()))
        paid = Counter(dict(db.execute(
            select(Payment.bill_id, func.count()).group_by(Payment.bill_id)
            .where(Payment.bill_id.in_([op.bill.id for op in run.operations if op.bill]))
        ).all()))
        transfer_keys = Counter(dict(db.execute(
            select(LedgerEntry.idempotency_key, func.count())
            .where(LedgerEntry.idempotency_key.like("transfer-%"))
            .group_by(LedgerEntry.idempotency_key)).all()))
        in_doubt = 0
        for op in run.operations:
            if op.status is None:
                in_doubt += 1
                continue
            if op.status not in (200, 201):
                result.problems.append(f"{op.kind} refused with {op.status}: {op.answer}")
                continue
            if op.key is not None:
                stored = keys.pop(op.key, 0)
                if stored == 0:
                    result.lost += 1
                result.duplicated += max(0, stored - 1)
                _apply(expected, op.lines)
                continue
            assert op.bill is not None
            stored = paid.pop(op.bill.id, 0)
            if stored == 0:
                result.lost += 1
            result.duplicated += max(0, stored - 1)
            bill = db.get_one(Bill, op.bill.id)
            fee, _ = contributions.late_fee_on(bill, op.bill.paid_on)
            _apply(expected, contributions.payment_lines(db, bill, fee)[0])
        for movement in run.movements:
            if movement.problem:
                result.problems.append(f"person {movement.person_id}: {movement.problem}")
                continue
            assert movement.transfer is not None
            done = movement.transfer
            for side in ("source", "destination"):
                stored = transfer_keys.pop(f"transfer-{done['id']}-{side}", 0)
                result.lost += stored == 0 and done["total_fen"] > 0
                result.duplicated += max(0, stored - 1)
            _apply(expected, [(accounts.pool(POOL_SCHEME, movement.source), done["pool_fen"]),
                              (accounts.pool(POOL_SCHEME, movement.destination),
                               -done["pool_fen"])])
        applications = Counter(db.scalars(select(Transfer.person_id)))
        result.duplicated += sum(n - 1 for n in applications.values() if n > 1)
        result.duplicated += sum(transfer_keys.values())
        for code, fen in db.execute(select(LedgerAccount.code, LedgerAccount.balance_fen)
                                    .where(LedgerAccount.code.like("transit:%"))):
            if fen:
                result.problems.append(f"{code} holds {fen} fen after every transfer ended")
        # Whatever is left was posted without an acknowledgement: allowed only for the
        # requests still in doubt when the run ended.
        unasked = sum(keys.values()) + sum(paid.values())
        if unasked > in_doubt:
            result.duplicated += unasked - in_doubt
        if in_doubt:
            result.problems.append(f"{in_doubt} operation(s) never answered within {GRACE_S} s")
        for code, want in sorted(expected.items()):
            held = ledger.balance(db, code)
            if held != want:
                result.problems.append(f"{code}: balance {held} fen, replay says {want} fen")
        result.figures = {"kills": run.kills, "attempts": run.attempts,
                          "transfers": sum(m.transfer is not None for m in run.movements),
                          "acknowledged": sum(op.status in (200, 201) for op in run.operations),
                          "entries": ledger.totals(db).entries}
    return result


def bank_test(backend: str, seconds: float = 30.0, clients: int = 8, *, seed: int = 2026,
              kill_pause: tuple[float, float] = (0.5, 2.5), restart_postgres: bool = False,
              log_dir: Path | None = None) -> CheckResult:
    """Run the bank test on a scratch database of `backend` for `seconds`."""
    started = time.monotonic()
    rng = random.Random(seed)
    with live(backend, "bank", log_dir) as system:
        movers = _records_to_move(system.url, system.world)
        opening = _opening(system.url)
        run = BankRun(backend, seconds, clients)
        moving = {e for p in COUNTIES for e in system.world.employers[p][1:2]}
        bills = [b for b in system.world.bills if b.employer_id not in moving]
        rng.shuffle(bills)
        stop_at = time.monotonic() + seconds

        async def everything() -> None:
            await asyncio.gather(
                _chaos(run, system.server, stop_at, rng, kill_pause, restart_postgres),
                *(_client(n, run, system, bills, movers, stop_at, seed)
                  for n in range(clients)))

        asyncio.run(everything())
        system.server.stop()
        result = verify(system.url, run, opening)
    result.seconds = time.monotonic() - started
    return result
