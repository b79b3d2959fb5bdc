"""A month-end run on PostgreSQL: 1,000,000 employees declared, billed and paid by the bulk path,
against a plain COPY of as many declaration rows into one table.

The script makes a database of its own (on the server of SHEBAO_BENCH_DATABASE_URL, else
SHEBAO_TEST_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/test), migrates it and
seeds, untimed: a few thousand employers across the counties of regions.csv (sizes skewed,
work-injury classes 1..8, some public bodies), one million persons with valid and distinct
identity numbers (made with numpy: region, birth date, sequence, MOD 11-2 check character),
an employment spell each and the employee enrollments (5% without unemployment, 2% without
work injury), all with COPY. Then, timed:

- **bulk**: `contributions.bulk.run_month` for 2025-07, every employer's staff declared at the
  wage of their spell, every bill paid on the due day — declarations, bills, contribution
  rows, payments, one ledger entry per bill with its control lines (the persons' movements
  are the paid bills' contribution rows, by reference), control balances — and the commit;
- **copy**: a plain binary COPY of the same 1,000,000 (employer_id, person_id, wage_fen) rows
  into one fresh table, and its commit (three times; the median counts).

It prints the figures, the bulk path's profile by phase, and the result of `ledger.check`;
the database is dropped at the end, also on failure. The last line is JSON:
{"seconds", "copy_seconds", "ratio", ...}.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import psycopg
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
MONTH = "2025-07"
PAID_ON = date(2025, 7, 31)
SEED = 20250731
WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
CHECK = np.array(list("10X98765432"))


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def counties() -> list[str]:
    import csv

    with open(ROOT / "src/shebao/data/regions.csv", encoding="utf-8") as handle:
        return [row["code"] for row in csv.DictReader(handle) if row["level"] == "county"]


def identity_numbers(region: np.ndarray, birth: np.ndarray, sequence: np.ndarray) -> list[str]:
    """18-character resident identity numbers, vectorized: region (int), birth (datetime64[D]),
    sequence 0..999; the check character by ISO 7064 MOD 11-2."""
    ymd = birth.astype("datetime64[D]").astype(str)
    ymd_int = np.char.replace(ymd, "-", "").astype(np.int64)
    first17 = (region.astype(np.int64) * 10**11 + ymd_int * 1000 + sequence).astype(np.int64)
    digits = (first17[:, None] // 10 ** np.arange(16, -1, -1, dtype=np.int64)) % 10
    check = CHECK[(digits @ WEIGHTS) % 11]
    return [f"{a:017d}{c}" for a, c in zip(first17.tolist(), check.tolist(), strict=True)]


def copy_identity(number: str) -> str:
    """An identity number's three stored columns (sealed number, blind index, masked form),
    tab-separated, for COPY into persons."""
    from shebao.registry.models import identity_columns

    return "\t".join(identity_columns(number, sealed=True).values())


def copy_text(connection: psycopg.Connection, statement: str, lines: list[str]) -> None:
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for start in range(0, len(lines), 200_000):
            copy.write("".join(lines[start:start + 200_000]))


def seed(url: str, employees: int, employers: int) -> dict[str, np.ndarray]:
    """The registry: employers, persons, spells, enrollments; returns the month's rows."""
    from shebao.auth.service import create_user
    from shebao.db.engine import transaction
    from shebao.registry.identifiers import make_credit_code

    rng = np.random.default_rng(SEED)
    places = np.array(counties())
    employer_county = places[rng.integers(0, len(places), employers)]
    size_weight = rng.pareto(1.1, employers) + 1.0
    size_weight /= size_weight.sum()
    employer_of = rng.choice(employers, employees, p=size_weight) + 1
    staff = np.bincount(employer_of, minlength=employers + 1)[1:]
    size = np.select([staff < 20, staff < 100, staff < 300], ["micro", "small", "medium"],
                     "large")
    injury = rng.integers(1, 9, employers)
    public = rng.random(employers) < 0.05
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    now = "2025-06-30 00:00:00+00"
    employer_lines = []
    for e in range(employers):
        organization = "".join(alphabet[(e // 31**i) % 31] for i in range(8)) + "0"
        code = make_credit_code(str(employer_county[e]), "MA" + organization[:7])
        employer_lines.append(
            f"{e + 1}\t{code}\t单位{e + 1}\t{employer_county[e]}\t制造业\t{injury[e]}\t{size[e]}"
            f"\t{bool(public[e])}\t{'public_institution' if public[e] else 'enterprise'}\t{now}\n")

    person_id = np.arange(1, employees + 1, dtype=np.int64)
    region = employer_county[employer_of - 1].astype(np.int64)
    sequence = (person_id - 1) % 1000
    birth = np.datetime64("1965-01-01") + ((person_id - 1) // 1000) * 13  # distinct per 1000
    numbers = identity_numbers(region, birth, sequence)
    sex = np.where(sequence % 2 == 1, "male", "female")
    births = birth.astype(str)
    regions = region.astype(str)
    person_lines = [
        f"{i}\t{copy_identity(n)}\t职工{i}\t{s}\t{b}\t{r}\t{r}\tactive\t{now}\n"
        for i, n, s, b, r in zip(person_id.tolist(), numbers, sex.tolist(), births.tolist(),
                                 regions.tolist(), strict=True)
    ]
    wage = np.rint(rng.lognormal(np.log(800_000), 0.6, employees)).astype(np.int64)
    spell_lines = [
        f"{p}\t{e}\tenterprise_employee\t2024-01-01\t{w}\t{now}\n"
        for p, e, w in zip(person_id.tolist(), employer_of.tolist(), wage.tolist(), strict=True)
    ]
    no_unemployment = rng.random(employees) < 0.05
    no_injury = rng.random(employees) < 0.02
    enrollment_lines = []
    for scheme, skip in (("employee_pension", None), ("employee_medical", None),
                         ("unemployment", no_unemployment), ("work_injury", no_injury)):
        keep = np.ones(employees, dtype=bool) if skip is None else ~skip
        enrollment_lines.extend(
            f"{p}\t{scheme}\tenterprise_employee\t{r}\t{e}\t2024-01-01\t{now}\n"
            for p, r, e in zip(person_id[keep].tolist(), regions[keep].tolist(),
                               employer_of[keep].tolist(), strict=True)
        )

    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain) as connection:
        copy_text(connection, "COPY employers (id, credit_code, name, region_code, industry, "
                              "injury_class, size, is_public_body, category, created_at) "
                              "FROM STDIN", employer_lines)
        copy_text(connection, "COPY persons (id, identity_number_sealed, identity_number_index, "
                              "identity_number_masked, name, sex, birth_date, "
                              "hukou_region, residence_region, status, created_at) FROM STDIN",
                  person_lines)
        copy_text(connection, "COPY employment_spells (person_id, employer_id, category, "
                              "start_date, monthly_wage_fen, created_at) FROM STDIN",
                  spell_lines)
        copy_text(connection, "COPY enrollments (person_id, scheme, category, region_code, "
                              "employer_id, start_date, created_at) FROM STDIN",
                  enrollment_lines)
        connection.execute("SELECT setval('employers_id_seq', %s)", (employers,))
        connection.execute("SELECT setval('persons_id_seq', %s)", (employees,))
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    with transaction(url) as db:
        create_user(db, username="month-end", password="month-end run 2025", role="admin",
                    region_code="000000")
    return {"employer_id": employer_of, "person_id": person_id, "wage_fen": wage,
            "staff": staff}


def run_bulk(url: str, rows: dict[str, np.ndarray]) -> tuple[float, object, float]:
    from sqlalchemy import select

    from shebao.auth.models import User
    from shebao.contributions import bulk
    from shebao.db.engine import transaction

    started = time.perf_counter()
    with transaction(url, write=True) as db:
        user = db.scalar(select(User).where(User.username == "month-end"))
        result = bulk.run_month(db, user, MONTH, rows["employer_id"], rows["person_id"],
                                rows["wage_fen"], paid_on=PAID_ON)
        before_commit = time.perf_counter()
    finished = time.perf_counter()
    return finished - started, result, finished - before_commit


def run_copy(url: str, rows: dict[str, np.ndarray], times: int = 1) -> float:
    """A plain binary COPY of the rows (`times` over) into one fresh table (created untimed),
    and commit."""
    from shebao.contributions.bulk import _HEADER, _TRAILER, _binary

    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    table = f"copy_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(plain) as connection:
        connection.execute(f"CREATE TABLE {table} (employer_id int4, person_id int4, "
                           "wage_fen int8)")
        connection.commit()
        started = time.perf_counter()
        payload = _binary([("employer_id", ">i4"), ("person_id", ">i4"), ("wage_fen", ">i8")],
                          {k: np.tile(rows[k], times)
                           for k in ("employer_id", "person_id", "wage_fen")})
        with connection.cursor() as cursor, cursor.copy(
                f"COPY {table} FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(_HEADER)
            copy.write(payload.tobytes())
            copy.write(_TRAILER)
        connection.commit()
        seconds = time.perf_counter() - started
        count = connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        assert count == times * len(rows["person_id"]), count
        connection.execute(f"DROP TABLE {table}")
        connection.commit()
    return seconds


def decompose(url: str, table: str) -> dict[str, float]:
    """The rows of `table` the run wrote (in every table under it), copied again into fresh
    tables shaped like it: without indexes; with its indexes, kept row by row; and without
    indexes, then indexed once loaded (the bulk path's way, `db.loads`). Compared with the
    run's own phase this splits its cost into rows and index entries."""
    from shebao.db import loads

    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    found: dict[str, float] = {}
    with psycopg.connect(plain) as connection:
        data = bytearray()
        with connection.cursor() as cursor, cursor.copy(
                f"COPY (SELECT * FROM {table}) TO STDOUT (FORMAT BINARY)") as copy:
            for block in copy:
                data += block
        for label, like, then_index in (
                ("no indexes", "INCLUDING DEFAULTS", False),
                (f"{table}' indexes kept row by row", "INCLUDING DEFAULTS INCLUDING INDEXES",
                 False),
                ("no indexes, then its indexes built", "INCLUDING DEFAULTS", True)):
            connection.execute(f"CREATE TABLE scratch (LIKE {table} {like})")
            connection.commit()
            started = time.perf_counter()
            with connection.cursor() as cursor:
                with cursor.copy("COPY scratch FROM STDIN (FORMAT BINARY)") as copy:
                    copy.write(bytes(data))
                if then_index:
                    loads.build_indexes(cursor, table, "scratch")
            connection.commit()
            found[label] = time.perf_counter() - started
            connection.execute("DROP TABLE scratch")
            connection.commit()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=1_000_000)
    parser.add_argument("--employers", type=int, default=3_000)
    parser.add_argument("--no-decompose", action="store_true",
                        help="skip copying the run's big tables again without indexes")
    parser.add_argument("--skip-check", action="store_true",
                        help="skip ledger.check at the end (it reads every account)")
    args = parser.parse_args()
    return with_own_database(lambda url: measure(url, args))


def with_own_database(work: Callable[[str], int]) -> int:
    """`work(url)` on a fresh database of the benchmark server (SHEBAO_BENCH_DATABASE_URL, else
    SHEBAO_TEST_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/test), dropped at the
    end, also on failure or SIGTERM."""
    server = (os.environ.get("SHEBAO_BENCH_DATABASE_URL")
              or os.environ.get("SHEBAO_TEST_DATABASE_URL")
              or "postgresql://postgres@127.0.0.1:5432/test")
    admin_url = make_url(server)
    if admin_url.drivername == "postgresql":
        admin_url = admin_url.set(drivername="postgresql+psycopg")
    name = f"shebao_bench_{uuid.uuid4().hex[:10]}"
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    print(f"load average at start: {load()} ({os.cpu_count()} cores)")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still drop the database
    try:
        return work(url)
    finally:
        from shebao.db.engine import get_engine

        get_engine(url).dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        print(f"dropped database {name}", file=sys.stderr)


def measure(url: str, args: argparse.Namespace) -> int:
    from shebao.db.engine import transaction
    from shebao.db.migrate import upgrade
    from shebao.ledger import service as ledger

    started = time.perf_counter()
    upgrade(url)
    rows = seed(url, args.employees, args.employers)
    seed_seconds = time.perf_counter() - started
    staff = rows["staff"]
    print(f"seeded in {seed_seconds:.1f} s (not timed): {args.employers:,} employers "
          f"(staff min {staff.min()}, median {int(np.median(staff))}, max {staff.max()}), "
          f"{args.employees:,} persons, spells and enrollments")
    print(f"load average before the bulk run: {load()}")

    seconds, result, commit = run_bulk(url, rows)
    print(f"bulk path, {MONTH}, declared, billed and paid: {seconds:.2f} s "
          f"(commit {commit:.2f} s)")
    print(f"  {result.declarations:,} declarations, {result.bills:,} bills, "
          f"{result.contribution_rows:,} contribution rows, "
          f"{result.billed_fen / 100:,.2f} yuan billed")
    print(f"  {result.paid_bills:,} payments, {result.ledger_entries:,} ledger entries, "
          f"{result.ledger_lines:,} ledger lines, {result.individual_lines:,} person movements "
          "(contribution rows, by reference), "
          f"{result.accounts_touched:,} accounts, "
          f"{result.unpaid_zero_bills} bills of 0 fen left open")
    print("  profile:")
    for phase, spent in result.seconds.items():
        print(f"    {phase:<42} {spent:7.2f} s")
    print(f"    {'commit':<42} {commit:7.2f} s")

    print(f"load average before the COPY runs: {load()}")
    copies = [run_copy(url, rows) for _ in range(3)]
    copy_seconds = statistics.median(copies)
    print(f"plain COPY of {args.employees:,} rows into one fresh table: "
          f"{', '.join(f'{c:.3f}' for c in copies)} s; median {copy_seconds:.3f} s")
    ratio = seconds / copy_seconds
    print(f"ratio bulk / COPY: {ratio:.1f} (goal ≤ 4: {'met' if ratio <= 4 else 'NOT met'})")
    written = (result.contribution_rows + result.ledger_lines + result.declarations
               + result.bills + result.paid_bills + result.ledger_entries)
    times = max(1, round(written / args.employees))
    volume_seconds = run_copy(url, rows, times)
    print(f"for scale: the bulk path wrote {written:,} rows (contribution rows, ledger lines, "
          f"entries, bills, declarations, payments); a plain COPY of {times} x "
          f"{args.employees:,} rows into one fresh table takes {volume_seconds:.2f} s "
          f"(bulk / that: {seconds / volume_seconds:.1f})")

    own_rows: dict[str, float] = {}
    if not args.no_decompose:
        phase = "write contribution rows (COPY, then index)"
        print(f"contributions again (the run's phase took "
              f"{result.seconds.get(phase, 0.0):.2f} s):")
        own_rows = decompose(url, "contributions")
        for label, spent in own_rows.items():
            print(f"  COPY into a fresh table, {label}: {spent:.2f} s")
        floor = own_rows["no indexes, then its indexes built"]
        print(f"the run's own output alone (its contribution rows, bare then indexed) takes "
              f"{floor:.2f} s = {floor / copy_seconds:.1f} x the plain COPY; "
              f"bulk / that: {seconds / floor:.1f}")

    check_seconds = None
    problems: list[str] = []
    if not args.skip_check:
        began = time.perf_counter()
        with transaction(url) as db:
            problems = ledger.check(db)
            totals = ledger.totals(db)
        check_seconds = time.perf_counter() - began
        print(f"ledger.check: {len(problems)} problems in {check_seconds:.1f} s "
              f"({totals.entries:,} entries, {totals.lines:,} lines, {totals.accounts:,} "
              "accounts)")
        for problem in problems[:10]:
            print(f"  {problem}")
    print(f"load average at the end: {load()}")
    print(json.dumps({
        "seconds": round(seconds, 3), "copy_seconds": round(copy_seconds, 3),
        "ratio": round(ratio, 2), "volume_copy_seconds": round(volume_seconds, 2),
        "rows_written": written, "employees": args.employees, "employers": args.employers,
        "contribution_rows": result.contribution_rows, "ledger_lines": result.ledger_lines,
        "individual_lines": result.individual_lines, "accounts": result.accounts_touched,
        "seed_seconds": round(seed_seconds, 1),
        "own_rows_seconds": {k: round(v, 2) for k, v in own_rows.items()},
        "ledger_problems": len(problems) if check_seconds is not None else None,
        "profile": {k: round(v, 2) for k, v in result.seconds.items()},
        "load_average": load(),
    }))
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
