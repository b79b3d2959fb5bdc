"""Contribution payments over the API on PostgreSQL, against pgbench's TPC-B on the same server.

What runs:

1. A fresh database of its own (`shebao_bench_<random>`), migrated with shebao's migrations,
   seeded with what payments need: employers in all 31 provinces (one county each), one
   employee per employer with an open employment spell and the four employee schemes, and
   monthly declarations priced into bills (one person, one bill) — 24,000 open bills by
   default. The bulk of the bills is written with one executemany per table, priced by the
   same `policy.billing.monthly_bill` that `contributions.service.declare` calls; one employer
   per province declares its first month through `declare` itself, and the script stops if
   that bill's lines differ from the bulk pricing for the same wage. A national clerk account
   and its bearer token are made with the auth service. Seeding is timed apart.
2. `shebao serve` (uvicorn, `--workers`) as a subprocess on a free loopback port, pointed at
   that database; the script waits for /health.
3. `--clients` concurrent clients (asyncio, one keep-alive HTTP/1.1 connection each) take
   bills from one queue (month by month, employers interleaved, so concurrent payments touch
   different persons) and POST `/api/v1/contributions/bills/{id}/payments` with the due date
   and the bill's amount, for `--seconds`. A short warm-up (not counted) comes first.
   postings_per_s = 201 answers / elapsed seconds; any other answer is an error and printed.
4. pgbench TPC-B (its built-in script) in a scratch database on the same server:
   `pgbench -i -s 10`, then `pgbench -c 16 -j 2 -T 20`.
5. Checks: `ledger.service.check` finds no breach; every 201 payment exists once, with its
   ledger entry, and no other payment exists. The scratch databases are dropped, even on
   failure.

The last line printed is JSON:
{"postings_per_s", "pgbench_tps", "ratio", then "errors", "clients", "seconds", "workers", ...}.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVER = "127.0.0.1"
ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SCHEMES = ("employee_pension", "employee_medical", "unemployment", "work_injury")
MONTHS_FROM = (2025, 1)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def say(text: str) -> None:
    print(text, flush=True)


# =========================================================================== databases


def _libpq(url: str) -> dict[str, object]:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return {"host": parsed.host or SERVER, "port": parsed.port or 5432,
            "user": parsed.username or "postgres", "dbname": parsed.database or "postgres"}


def create_database(admin_url: str, name: str) -> str:
    import psycopg

    with closing(psycopg.connect(**_libpq(admin_url), autocommit=True)) as conn:  # type: ignore[arg-type]
        conn.execute(f'CREATE DATABASE "{name}"')
    from sqlalchemy.engine import make_url

    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, name: str) -> None:
    import psycopg

    with closing(psycopg.connect(**_libpq(admin_url), autocommit=True)) as conn:  # type: ignore[arg-type]
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# =========================================================================== seeding


@dataclass
class Seed:
    token: str
    bills: list[tuple[int, str, int]]  # (bill id, due date, amount fen), in payment order
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)


def _months(count: int) -> list[str]:
    year, month = MONTHS_FROM
    out = []
    for _ in range(count):
        out.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def seed(url: str, employers: int, months: int) -> Seed:
    import numpy as np
    from sqlalchemy import insert, select

    from shebao.auth.service import create_user, start_session
    from shebao.contributions import service as contributions
    from shebao.contributions.models import SHARES, Bill, Contribution, Declaration, share_column
    from shebao.db.engine import get_engine, transaction
    from shebao.errors import InputError
    from shebao.policy import PROVINCE_CODES, Policy
    from shebao.policy.billing import monthly_bill
    from shebao.policy.formulas.periods import parse_month
    from shebao.registry.identifiers import make_credit_code, make_resident_id
    from shebao.registry.models import (
        Employer,
        EmploymentSpell,
        Enrollment,
        Person,
        identity_columns,
    )
    from shebao.registry.regions import counties_of, get_region

    started = time.perf_counter()
    # The region table lists counties for Guangdong and Sichuan only; elsewhere the employer
    # is registered at the province itself.
    county = {p: (counties_of(p) or [get_region(p)])[0].code for p in PROVINCE_CODES}
    month_list = _months(months)
    provinces = []
    for province in PROVINCE_CODES:
        try:  # a province whose parameters cannot price a bill (no average wage) is left out
            for month in month_list:
                monthly_bill(Policy.at(contributions.month_bounds(month)[0], county[province]),
                             parse_month(month), county[province], np.array([800000]))
        except InputError as missing:
            say(f"  {province} left out: {missing.reason}")
            continue
        provinces.append(province)
    rng = np.random.default_rng(20260101)
    wages = (rng.lognormal(np.log(8000), 0.35, employers) * 100).astype(np.int64)
    region_of = [county[provinces[i % len(provinces)]] for i in range(employers)]
    with transaction(url, write=True) as db:
        clerk = create_user(db, username="bench-clerk", password=secrets.token_urlsafe(16),
                            role="clerk", region_code="000000", display_name="benchmark clerk")
        token = start_session(db, clerk, "bearer").token
        employer_ids = list(db.scalars(insert(Employer).returning(
            Employer.id, sort_by_parameter_order=True), [
            {"credit_code": make_credit_code(region_of[i], f"{i:09d}"),
             "name": f"基准测试企业{i}", "region_code": region_of[i], "industry": "批发和零售",
             "injury_class": 1, "size": "small", "is_public_body": False,
             "category": "enterprise"}
            for i in range(employers)
        ]))
        births = [date.fromordinal(date(1970, 1, 1).toordinal() + i // 500)
                  for i in range(employers)]
        numbers = [make_resident_id(region_of[i], births[i], (i % 500) * 2 + 1)
                   for i in range(employers)]
        person_ids = list(db.scalars(insert(Person).returning(
            Person.id, sort_by_parameter_order=True), [
            {**identity_columns(numbers[i]), "name": f"职工{i}", "sex": "male",
             "birth_date": births[i],
             "hukou_region": region_of[i], "residence_region": region_of[i]}
            for i in range(employers)
        ]))
        db.execute(insert(EmploymentSpell), [
            {"person_id": person_ids[i], "employer_id": employer_ids[i],
             "category": "enterprise_employee", "start_date": date(2020, 1, 1),
             "end_date": None, "end_reason": None, "monthly_wage_fen": int(wages[i])}
            for i in range(employers)
        ])
        db.execute(insert(Enrollment), [
            {"person_id": person_ids[i], "scheme": scheme, "category": "enterprise_employee",
             "region_code": region_of[i], "employer_id": employer_ids[i],
             "start_date": date(2020, 1, 1), "end_date": None, "end_reason": None}
            for i in range(employers) for scheme in SCHEMES
        ])
    registry_seconds = time.perf_counter() - started

    # One employer per province declares the first month through the service; the rest is
    # priced in bulk the same way and must agree with it.
    sample = set(range(min(len(provinces), employers)))
    with transaction(url, write=True) as db:
        operator = db.get(type(clerk), clerk.id)
        assert operator is not None
        service_bills = {
            i: contributions.declare(db, operator, employer_ids[i], month_list[0], [
                contributions.DeclaredRow(1, numbers[i], int(wages[i]))], "api").id
            for i in sorted(sample)
        }
    engine = get_engine(url)
    made = 0
    lines_made = 0
    with transaction(url, write=True) as db:
        for month in month_list:
            first, last = contributions.month_bounds(month)
            number = parse_month(month)
            priced_rows: list[tuple[int, dict[str, object], list[dict[str, object]]]] = []
            for province in provinces:
                region = county[province]
                who = [i for i in range(employers) if region_of[i] == region]
                if not who:
                    continue
                priced = monthly_bill(Policy.at(first, region), number, region,
                                      wages[who], injury_class=1, enterprise_size="small",
                                      public_body=False)
                terms = [[share_column(line.scheme, line.payer, line.destination), line.scheme,
                          line.payer, line.destination, line.rate,
                          float(line.relief_factor[0])] for line in priced.lines]
                for k, i in enumerate(who):
                    row: dict[str, object] = {
                        "person_id": person_ids[i], "wage_fen": int(wages[i]),
                        "base_fen": int(priced.base_fen[k]),
                        **{column: 0 for column, _, _ in SHARES}}
                    for term, line in zip(terms, priced.lines, strict=True):
                        row[term[0]] += int(line.amount_fen[k])  # type: ignore[operator]
                    bill = {"payer_kind": "employer", "employer_id": employer_ids[i],
                            "person_id": None, "month": month, "province": province,
                            "due_date": last, "terms": terms, "status": "open",
                            "amount_fen": sum(int(line.amount_fen[k]) for line in priced.lines)}
                    priced_rows.append((i, bill, [row]))
            if month == month_list[0]:
                _compare(db, priced_rows, service_bills)
                priced_rows = [r for r in priced_rows if r[0] not in sample]
            declaration_ids = list(db.scalars(insert(Declaration).returning(
                Declaration.id, sort_by_parameter_order=True), [
                {"employer_id": employer_ids[i], "month": month, "source": "api",
                 "submitted_by": clerk.id, "line_count": 1, "total_wage_fen": int(wages[i])}
                for i, _, _ in priced_rows
            ]))
            bill_ids = list(db.scalars(insert(Bill).returning(
                Bill.id, sort_by_parameter_order=True), [
                {**bill, "declaration_id": d}
                for d, (_, bill, _) in zip(declaration_ids, priced_rows, strict=True)
            ]))
            lines = [{"bill_id": b, **row}
                     for b, (_, _, rows) in zip(bill_ids, priced_rows, strict=True)
                     for row in rows]
            db.execute(insert(Contribution), lines)
            made += len(bill_ids)
            lines_made += len(lines)
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        bills = [(int(b), d.isoformat(), int(a)) for b, d, a in conn.execute(
            select(Bill.id, Bill.due_date, Bill.amount_fen)
            .where(Bill.status == "open").order_by(Bill.month, Bill.employer_id))]
    engine.dispose()
    return Seed(token=token, bills=bills, seconds=time.perf_counter() - started, counts={
        "employers": employers, "persons": employers, "enrollments": employers * len(SCHEMES),
        "bills_by_service": len(service_bills), "bills_in_bulk": made,
        "contribution_rows_in_bulk": lines_made, "provinces": len(provinces),
        "registry_seconds": round(registry_seconds, 2),
    })


def _compare(db: object, priced: list, service_bills: dict[int, int]) -> None:
    """Stop unless each bill `declare` made has the row and terms the bulk pricing gives."""
    from shebao.contributions.models import Bill

    by_employer = {i: (bill, rows) for i, bill, rows in priced}
    for i, bill_id in service_bills.items():
        bill = db.get(Bill, bill_id)  # type: ignore[attr-defined]
        expected_bill, rows = by_employer[i]
        made = [{key: getattr(row, key) for key in rows[0]} for row in bill.rows]
        if (made != rows or bill.amount_fen != expected_bill["amount_fen"]
                or bill.terms != expected_bill["terms"]):
            raise SystemExit(f"bulk pricing differs from declare() for bill {bill_id}")


# =========================================================================== the server


def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind((SERVER, 0))
        return int(sock.getsockname()[1])


def start_server(url: str, workers: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    import httpx

    port = free_port()
    env = {**os.environ, "SHEBAO_DATABASE_URL": url}
    env.pop("SHEBAO_DEMO", None)
    shebao = Path(sys.executable).with_name("shebao")
    command = [str(shebao), "serve", "--host", SERVER, "--port", str(port),
               "--workers", str(workers), "--no-access-log"]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    base = f"http://{SERVER}:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"shebao serve exited with {process.returncode}: "
                             f"{log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop_server(process)
    raise SystemExit("shebao serve did not answer /health within 60 s")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy() -> float:
    """Core-seconds the whole machine has worked since boot (user, nice, system, irq, softirq:
    not idle, waiting on disk or stolen by the host): server, database and clients alike."""
    ticks = [int(field) for field in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6]) / os.sysconf("SC_CLK_TCK")


def group_cpu(pgid: int) -> dict[int, float]:
    """CPU seconds used so far by each live process of a process group (the server)."""
    used = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == pgid:
                    used[int(entry.name)] = _cpu_seconds(int(entry.name))
            except OSError:
                continue
    return used


def backends_cpu(admin_url: str, database: str) -> dict[int, float]:
    """CPU seconds used so far by each PostgreSQL backend serving `database`."""
    import psycopg

    with closing(psycopg.connect(**_libpq(admin_url), autocommit=True)) as conn:  # type: ignore[arg-type]
        pids = [row[0] for row in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (database,))]
    return {pid: _cpu_seconds(pid) for pid in pids}


def backends_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU of the backends alive at the end since `before` (a backend that closed meanwhile is
    not counted: the pools keep theirs open, so this is a slight undercount at most)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


# =========================================================================== the load


CpuReadings = tuple[dict[int, float], dict[int, float]]
"""CPU seconds so far of the server's processes and of the database's backends, by pid."""


@dataclass
class Load:
    paid: dict[int, int] = field(default_factory=dict)  # bill id -> payment id (201s)
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0
    counted: int = 0
    # CPU seconds after the warm-up: the server's processes, the backends (by pid)
    cpu_before: CpuReadings = ({}, {})


class _Connection:
    """One keep-alive HTTP/1.1 connection: a few lines over asyncio streams, so that the
    clients, on the same two cores as the server, cost little CPU (httpx costs several
    milliseconds a request here)."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port = host, port
        self.head = (f"Host: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
                     "Content-Type: application/json\r\nAccept: application/json\r\n")
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes, method: str = "POST") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(f"{method} {path} HTTP/1.1\r\n{self.head}Content-Length: {len(body)}"
                          "\r\n\r\n".encode() + body)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in
                   (line.partition(":") for line in lines[1:] if line)}
        if "content-length" not in headers:
            raise ConnectionError(f"answer without Content-Length: {headers}")
        data = await self.reader.readexactly(int(headers["content-length"]))
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, data

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def _load(base: str, token: str, bills: list[tuple[int, str, int]], clients: int,
                seconds: float, cpu: Callable[[], CpuReadings]) -> Load:
    host, port = base.removeprefix("http://").split(":")
    result = Load()
    queue = iter(bills)

    async def client(stop_at: float, budget: list[int]) -> None:
        http = _Connection(host, int(port), token)
        try:
            while time.monotonic() < stop_at and budget[0] > 0 and len(result.errors) < 20:
                bill = next(queue, None)
                if bill is None:
                    return
                budget[0] -= 1
                bill_id, due, amount = bill
                body = json.dumps({"paid_on": due, "amount_fen": amount}).encode()
                began = time.perf_counter()
                try:
                    status, data = await asyncio.wait_for(http.post(
                        f"/api/v1/contributions/bills/{bill_id}/payments", body), 60)
                except (OSError, ConnectionError, TimeoutError, asyncio.IncompleteReadError,
                        ValueError) as failed:
                    result.errors.append(f"bill {bill_id}: {type(failed).__name__} {failed}")
                    await http.close()
                    continue
                result.latencies.append(time.perf_counter() - began)
                if status == 201:
                    result.paid[bill_id] = int(json.loads(data)["id"])
                else:
                    result.errors.append(f"bill {bill_id}: {status} {data[:300]!r}")
        finally:
            await http.close()

    # Warm-up: every client two payments, not counted in the rate.
    await asyncio.gather(*(client(time.monotonic() + 60, [2]) for _ in range(clients)))
    warm = len(result.paid)
    result.latencies.clear()
    result.cpu_before = cpu()
    budget = [len(bills)]
    began = time.perf_counter()
    stop_at = time.monotonic() + seconds
    await asyncio.gather(*(client(stop_at, budget) for _ in range(clients)))
    result.elapsed = time.perf_counter() - began
    result.counted = len(result.paid) - warm
    return result


async def _load_me(base: str, token: str, clients: int, seconds: float,
                   cpu: Callable[[], CpuReadings]
                   ) -> tuple[int, float, CpuReadings, float]:
    """The app's cheapest authenticated request (GET /api/v1/me: the bearer token looked up,
    the user answered) from as many clients: what serving a request costs before any payment
    work. Returns the 200 answers, the seconds, the CPU readings at the start and the
    machine's busy core-seconds meanwhile."""
    host, port = base.removeprefix("http://").split(":")
    answered = [0]

    async def client(stop_at: float) -> None:
        http = _Connection(host, int(port), token)
        try:
            while time.monotonic() < stop_at:
                status, _ = await http.post("/api/v1/me", b"", method="GET")
                answered[0] += status == 200
        finally:
            await http.close()

    await asyncio.gather(*(client(time.monotonic() + 1) for _ in range(clients)))
    answered[0] = 0
    before, busy = cpu(), machine_busy()
    began = time.perf_counter()
    await asyncio.gather(*(client(time.monotonic() + seconds) for _ in range(clients)))
    return answered[0], time.perf_counter() - began, before, machine_busy() - busy


# =========================================================================== pgbench


def pgbench(admin_url: str, scale: int, clients: int, seconds: int) -> tuple[float, str]:
    binary = shutil.which("pgbench")
    if binary is None:
        raise SystemExit("pgbench is missing: `make bench` installs it (postgresql-client)")
    name = f"shebao_pgbench_{secrets.token_hex(4)}"
    conn = _libpq(admin_url)
    common = ["-h", str(conn["host"]), "-p", str(conn["port"]), "-U", str(conn["user"])]
    create_database(admin_url, name)
    try:
        began = time.perf_counter()
        subprocess.run([binary, *common, "-i", "-q", "-s", str(scale), name], check=True,
                       capture_output=True, timeout=600)
        say(f"pgbench: initialised scale {scale} in {time.perf_counter() - began:.1f} s "
            f"(not timed)")
        run = subprocess.run(
            [binary, *common, "-c", str(clients), "-j", "2", "-T", str(seconds), name],
            check=True, capture_output=True, text=True, timeout=seconds + 300)
    finally:
        drop_database(admin_url, name)
    found = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", run.stdout)
    if found is None:
        raise SystemExit(f"cannot read pgbench's tps:\n{run.stdout}\n{run.stderr}")
    latency = re.search(r"latency average = ([0-9.]+) ms", run.stdout)
    return float(found.group(1)), (latency.group(1) if latency else "?")


# =========================================================================== the floor


SEAL_VALUES = {
    "heads": """ARRAY[
        '{"action":"insert","actor_id":' || :actor::integer || ',"after":"{\\"idempotency_key\\":'
        || '\\"contribution-payment-' || :bill::integer || '\\",\\"kind\\":\\"contribution\\",'
        || '\\"province\\":\\"' || :province::text || '\\"}","object_type":"ledger_entries","seq":',
        '{"action":"insert","after":"{\\"rows\\":[' || repeat('{\\"account_id\\":1,'
        || '\\"amount_fen\\":-100000,\\"entry_id\\":' || :entry::bigint || '},', 7)
        || ']}","object_type":"ledger_lines","seq":',
        '{"action":"insert","after":"{\\"amount_fen\\":' || :total::bigint || ',\\"bill_id\\":'
        || :bill::integer || ',\\"ledger_entry_id\\":' || :entry::bigint
        || '}","object_type":"payments","seq":',
        '{"action":"update","after":"{\\"rows\\":[' || repeat('{\\"account_id\\":1,'
        || '\\"new_balance\\":100000,\\"new_count\\":2},', 7)
        || ']}","object_type":"ledger_accounts","seq":',
        '{"action":"update","after":"{\\"paid_bill\\":' || :bill::integer
        || ',\\"status\\":\\"paid\\"}","object_type":"bills","seq":']""",
    "tails": "ARRAY[" + ", ".join(["',\"source\":\"api\"}'"] * 5) + "]",
    "actions": "ARRAY['insert', 'insert', 'insert', 'update', 'update']",
    "object_types": "ARRAY['ledger_entries', 'ledger_lines', 'payments', 'ledger_accounts', "
                    "'bills']",
    "object_ids": "ARRAY[NULL, NULL, NULL, NULL, NULL]",
    "befores": "ARRAY[NULL, NULL, NULL, NULL, NULL]",
    "reasons": "ARRAY[NULL, NULL, NULL, NULL, NULL]",
    "head_id": "1", "recorded_at": "now()", "actor_id": ":actor::integer", "source": "'api'",
}
SEAL_VALUES["afters"] = SEAL_VALUES["heads"]
"""The values of `audit._SEAL` in payment.sql, as pgbench expressions: the five entries a payment
writes (entry, lines, payment row, balances, bill), their texts about as long as the server's."""


def payment_script() -> str:
    """payment.sql with the audit trail's own statement put in at "@seal"."""
    from shebao.supervision.audit import _SEAL

    seal = re.sub(r"(?<!:):(\w+)", lambda bind: SEAL_VALUES[bind.group(1)], _SEAL.text)
    script = (ROOT / "benchmarks/payment.sql").read_text()
    return script.replace("-- @seal\n", seal.strip() + ";\n")


def database_floor(admin_url: str, url: str, name: str, seeded: Seed, paid: dict[int, int],
                   clients: int, per_client: int
                   ) -> tuple[float, float, list[tuple[float, str]]]:
    """pgbench running a payment's own statements (`payment.sql`) on the bills the API load
    left open, from as many clients: the payments a second the database alone could take, the
    machine's busy core-seconds a payment, and the mean latency a statement, slowest first."""
    import hashlib

    import psycopg

    binary = shutil.which("pgbench")
    if binary is None:
        raise SystemExit("pgbench is missing: `make bench` installs it (postgresql-client)")
    left = [bill_id for bill_id, _, _ in seeded.bills if bill_id not in paid]
    per_client = min(per_client, len(left) // clients)
    with closing(psycopg.connect(**_libpq(url), autocommit=True)) as conn:  # type: ignore[arg-type]
        conn.execute("CREATE TABLE floor_bills (n bigint PRIMARY KEY, bill_id integer)")
        with conn.cursor().copy("COPY floor_bills (n, bill_id) FROM STDIN") as copy:
            for n, bill_id in enumerate(left, 1):
                copy.write_row((n, bill_id))
        conn.execute("CREATE SEQUENCE floor_next; GRANT SELECT ON floor_bills TO PUBLIC")
        actor = conn.execute("SELECT user_id FROM auth_sessions WHERE token_hash = %s",
                             (hashlib.sha256(seeded.token.encode()).hexdigest(),)).fetchone()
        conn.execute("VACUUM ANALYZE")
    assert actor is not None
    conn_args = _libpq(admin_url)
    script = Path(tempfile.mkdtemp()) / "payment.sql"
    script.write_text(payment_script())
    busy = machine_busy()
    run = subprocess.run(
        [binary, "-h", str(conn_args["host"]), "-p", str(conn_args["port"]), "-U",
         str(conn_args["user"]), "-n", "-M", "prepared", "-r", "-c", str(clients), "-j", "2",
         "-t", str(per_client), "-f", str(script),
         "-D", f"token={hashlib.sha256(seeded.token.encode()).hexdigest()}",
         "-D", f"actor={actor[0]}", name],
        capture_output=True, text=True, timeout=900)
    busy = machine_busy() - busy
    shutil.rmtree(script.parent)
    found = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", run.stdout)
    if run.returncode != 0 or found is None:
        raise SystemExit(f"the payment floor's pgbench failed:\n{run.stdout[-3000:]}\n"
                         f"{run.stderr[-3000:]}")
    statements = []
    for line in run.stdout.split("statement latencies in milliseconds")[-1].splitlines()[1:]:
        parts = line.split(None, 2)
        if len(parts) == 3 and re.fullmatch(r"[0-9.]+", parts[0]):
            statements.append((float(parts[0]), parts[2][:90]))
    return float(found.group(1)), busy / (per_client * clients), sorted(statements, reverse=True)


# =========================================================================== checks


def verify(url: str, paid: dict[int, int]) -> list[str]:
    from sqlalchemy import func, select

    from shebao.contributions.models import Bill, Payment
    from shebao.db.engine import get_engine, transaction
    from shebao.ledger.models import LedgerEntry
    from shebao.ledger.service import check, totals

    problems: list[str] = []
    with transaction(url) as db:
        breaches = check(db)
        problems += [f"ledger: {b}" for b in breaches[:20]]
        counted = totals(db)
        rows = db.execute(select(Payment.id, Payment.bill_id, Payment.ledger_entry_id)).all()
        by_bill: dict[int, list[int]] = {}
        for payment_id, bill_id, _ in rows:
            by_bill.setdefault(bill_id, []).append(payment_id)
        for bill_id, payment_id in paid.items():
            if by_bill.get(bill_id) != [payment_id]:
                problems.append(f"bill {bill_id}: answered payment {payment_id}, stored "
                                f"{by_bill.get(bill_id)}")
        # The seeding paid nothing: every stored payment is one the clients were told of.
        extra = set(by_bill) - set(paid)
        if extra:
            problems.append(f"{len(extra)} payments stored that no client was answered")
        entries = db.scalar(select(func.count()).select_from(LedgerEntry).where(
            LedgerEntry.idempotency_key.like("contribution-payment-%")))
        if entries != len(rows):
            problems.append(f"{entries} payment ledger entries for {len(rows)} payments")
        linked = db.scalar(select(func.count()).select_from(Payment).join(
            LedgerEntry, LedgerEntry.id == Payment.ledger_entry_id))
        if linked != len(rows):
            problems.append(f"{len(rows) - (linked or 0)} payments without their ledger entry")
        paid_bills = db.scalar(select(func.count()).select_from(Bill).where(
            Bill.status == "paid"))
        if paid_bills != len(rows):
            problems.append(f"{paid_bills} bills marked paid for {len(rows)} payments")
    get_engine(url).dispose()
    say(f"checks: ledger.check over {counted.entries} entries, {counted.lines} lines, "
        f"{counted.accounts} accounts: {len(breaches)} breach(es); "
        f"{len(rows)} payments stored for {len(paid)} answered 201")
    return problems


# =========================================================================== main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--employers", type=int, default=4000)
    parser.add_argument("--months", type=int, default=6)
    parser.add_argument("--pgbench-scale", type=int, default=10)
    parser.add_argument("--pgbench-seconds", type=int, default=20)
    parser.add_argument("--no-pgbench", action="store_true", help="the postings half only")
    parser.add_argument("--floor-seconds", type=float, default=10.0,
                        help="seconds of GET /api/v1/me after the payments (0: no floors)")
    parser.add_argument("--floor-payments", type=int, default=600,
                        help="payments a client in the database's floor (payment.sql)")
    parser.add_argument("--admin-url", default=os.environ.get("SHEBAO_BENCH_ADMIN_URL",
                                                              ADMIN_URL))
    args = parser.parse_args()
    if not 1 <= args.clients <= 256 or not 1 <= args.seconds <= 600:
        raise SystemExit("--clients 1..256 and --seconds 1..600")

    say(f"load average at start: {load_average()} ({os.cpu_count()} cores)")
    name = f"shebao_bench_{secrets.token_hex(4)}"
    process = None
    me_per_s = me_cpu = floor_tps = floor_cpu = 0.0
    try:
        url = create_database(args.admin_url, name)
        from shebao.db.migrate import upgrade

        began = time.perf_counter()
        upgrade(url)
        say(f"database {name}: migrated in {time.perf_counter() - began:.1f} s")
        seeded = seed(url, args.employers, args.months)
        say(f"seeded in {seeded.seconds:.1f} s (not timed): {len(seeded.bills)} open bills, "
            + ", ".join(f"{k} {v}" for k, v in seeded.counts.items()))
        with tempfile.TemporaryDirectory() as tmp:
            log = Path(tmp) / "serve.log"
            process, base = start_server(url, args.workers, log)
            say(f"shebao serve --workers {args.workers} on {base}")
            server_pid = process.pid

            def readings() -> CpuReadings:
                return group_cpu(server_pid), backends_cpu(args.admin_url, name)

            cpu_before = os.times()
            load = asyncio.run(_load(base, seeded.token, seeded.bills, args.clients,
                                     args.seconds, readings))
            cpu = os.times()
            client_cpu = (cpu.user - cpu_before.user) + (cpu.system - cpu_before.system)
            after = group_cpu(process.pid)
            # Per process: a worker that got most of the connections shows here.
            by_process = sorted((used - load.cpu_before[0].get(pid, 0.0)
                                 for pid, used in after.items()), reverse=True)
            server_cpu = sum(by_process)
            database_cpu = backends_delta(load.cpu_before[1],
                                          backends_cpu(args.admin_url, name))
            if args.floor_seconds:
                me, me_seconds, me_before, me_busy = asyncio.run(_load_me(
                    base, seeded.token, args.clients, args.floor_seconds, readings))
                me_server = sum(used - me_before[0].get(pid, 0.0)
                                for pid, used in group_cpu(process.pid).items())
                me_database = backends_delta(me_before[1], backends_cpu(args.admin_url, name))
                me_per_s, me_cpu = me / me_seconds, me_busy / max(me, 1)
                say(f"the app's floor, GET /api/v1/me (token looked up, user answered) from "
                    f"{args.clients} clients: {me_per_s:.1f} /s; CPU a request: server "
                    f"{me_server / max(me, 1) * 1000:.2f} ms, PostgreSQL "
                    f"{me_database / max(me, 1) * 1000:.2f} ms, the machine "
                    f"{me_cpu * 1000:.2f} ms")
            stop_server(process)
            process = None
            tail = log.read_text(errors="replace").strip().splitlines()[-5:]
        postings_per_s = load.counted / load.elapsed if load.elapsed else 0.0
        lat = sorted(load.latencies) or [0.0]
        say(f"postings: {load.counted} payments answered 201 in {load.elapsed:.2f} s from "
            f"{args.clients} clients = {postings_per_s:.1f} /s; latency median "
            f"{lat[len(lat) // 2] * 1000:.1f} ms, p99 {lat[int(len(lat) * 0.99)] * 1000:.1f} ms;"
            f" errors {len(load.errors)}")
        if load.counted:
            say(f"CPU a payment: server (uvicorn workers) {server_cpu / load.counted * 1000:.1f}"
                f" ms, PostgreSQL backends {database_cpu / load.counted * 1000:.1f} ms, clients "
                f"{client_cpu / load.counted * 1000:.1f} ms ("
                f"{server_cpu:.1f} s, {database_cpu:.1f} s, {client_cpu:.1f} s in all); "
                f"server CPU by process: {', '.join(f'{used:.1f} s' for used in by_process)}")
        say(f"load average after the postings: {load_average()}")
        for error in load.errors[:20]:
            say(f"  error: {error}")
        if load.errors:
            say("server log tail:\n  " + "\n  ".join(tail))
        problems = verify(url, load.paid)
        for problem in problems:
            say(f"  breach: {problem}")
        if args.floor_seconds:
            floor_tps, floor_cpu, slowest = database_floor(
                args.admin_url, url, name, seeded, load.paid, args.clients, args.floor_payments)
            say(f"the database's floor, a payment's statements (benchmarks/payment.sql) by "
                f"pgbench -M prepared from {args.clients} clients: {floor_tps:.1f} payments/s,"
                f" the machine's CPU a payment {floor_cpu * 1000:.2f} ms; slowest statements "
                f"(mean ms): "
                + "; ".join(f"{ms:.3f} {sql}" for ms, sql in slowest[:6]))

        tps, latency = (0.0, "-")
        if not args.no_pgbench:
            tps, latency = pgbench(args.admin_url, args.pgbench_scale, args.clients,
                                   args.pgbench_seconds)
            say(f"pgbench TPC-B: -c {args.clients} -j 2 -T {args.pgbench_seconds}, scale "
                f"{args.pgbench_scale}: {tps:.1f} tps, latency average {latency} ms")
            say(f"load average after pgbench: {load_average()}")
    finally:
        if process is not None:
            stop_server(process)
        try:
            from shebao.db.engine import get_engine

            get_engine(f"{args.admin_url.rsplit('/', 1)[0]}/{name}").dispose()
        except Exception:  # cleaning up; the drop below is what matters
            pass
        drop_database(args.admin_url, name)
        say(f"dropped {name}")
    ratio = postings_per_s / tps if tps else 0.0
    say(f"ratio postings/s to pgbench tps: {ratio:.3f} (goal ≥ 0.2)")
    # A payment over the API costs the machine at least what GET /me costs it plus what its
    # statements cost it (the token lookup, in both, counted twice: a fraction of a ms), and
    # goes no faster than its statements alone do.
    bound = 0.0
    if me_cpu and floor_cpu:
        bound = min((os.cpu_count() or 1) / (me_cpu + floor_cpu), floor_tps)
    if bound and tps:
        say(f"floors together: at most {bound:.1f} payments/s = ratio {bound / tps:.3f} for "
            f"any payment over this API ({os.cpu_count()} cores / ({me_cpu * 1000:.2f} + "
            f"{floor_cpu * 1000:.2f}) ms; the statements alone: ratio {floor_tps / tps:.3f})")
    print(json.dumps({
        "postings_per_s": round(postings_per_s, 1), "pgbench_tps": round(tps, 1),
        "ratio": round(ratio, 3), "errors": len(load.errors) + len(problems),
        "clients": args.clients, "seconds": round(load.elapsed, 2), "workers": args.workers,
        "payments": load.counted, "load_average": load_average(),
        "me_per_s": round(me_per_s, 1), "floor_payments_per_s": round(floor_tps, 1),
        "floors_bound_ratio": round(bound / tps, 3) if bound and tps else None,
    }))
    if load.errors or problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
