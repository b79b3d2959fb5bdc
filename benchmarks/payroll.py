"""The monthly pension payroll on PostgreSQL: 1,000,000 pensioners paid for one month through
`run_payroll`, against a plain COPY of as many payment rows into one table.

The script makes a database of its own (on the server of SHEBAO_BENCH_DATABASE_URL, else
SHEBAO_TEST_DATABASE_URL, else postgresql://postgres@127.0.0.1:5432/test), migrates it and
seeds, untimed, with COPY: one million pensioners of Sichuan (valid, distinct identity
numbers, made with numpy as in monthly_bulk.py) with an approved application, an award from
2026-10, its amount (lognormal around 3,000 yuan; the account part a balance over the divisor),
a survival authentication within the year (0.5% have none since an award of 2024: the payroll
suspends them), and individual pension account balances in the sub-ledger — one opening line
a person (or, with `--history-entries N`, N lines in N entries, as a career's months of
contributions would leave), posted through `ledger.post` with the lines copied from a table
(an `IndividualSource`); 10% hold nothing (the pooled fund pays all) and many hold less than a
year of their part. The pooled fund is topped up by a fiscal subsidy. Then, untimed, October's
payroll runs through `run_payroll` (so every award has its history, as in any month but the
first), and the tables are vacuumed and analysed, as autovacuum would. Then, timed:

- **payroll**: `benefits.pension.payroll.run_payroll` for Sichuan, 2026-11, in batches of
  10,000 awards (one transaction each: the batch read set-wise, one ledger entry, the payment
  rows), every commit included;
- **copy**: a plain binary COPY of as many rows with the columns of `pension_payments` into
  one fresh table without indexes, and its commit (three times; the median counts); for scale,
  the same COPY into a table shaped like `pension_payments` with its indexes, and the kept
  balances' share alone: every pensioner's account that holds something, 1 fen less, in one
  UPDATE (rolled back) — together a floor under any payroll that writes its payments and keeps
  the balances — and the two again, split over two sessions at once (both cores).

Verified afterwards: `ledger.check` and `payroll.check` find nothing; every award in payment
has exactly one payment for the month, the suspended none; the total paid is the sum of the
amounts in force. It prints the figures and the payroll's profile by phase; the database is
dropped at the end, also on failure. The last line is JSON:
{"seconds", "copy_seconds", "ratio", ...}.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import uuid
from datetime import date

import numpy as np
import psycopg
from monthly_bulk import (
    copy_identity,
    copy_text,
    counties,
    identity_numbers,
    load,
    with_own_database,
)
from sqlalchemy import text
from sqlalchemy.engine import make_url

PROVINCE = "510000"
HISTORY = "2026-10"
MONTH = "2026-11"
SEED = 20261127
EPOCH = np.datetime64("2000-01-01")  # binary COPY dates count days from here
UNAUTHENTICATED = 0.005
EMPTY_ACCOUNTS = 0.10


def plain_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def seed(url: str, pensioners: int, history_entries: int = 1) -> dict[str, int]:
    """Persons, applications, awards, amounts, authentications, opening balances; the
    pooled fund; the admin who runs the payroll. Returns what the run should find."""
    from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, select

    from shebao.auth.service import create_user
    from shebao.db.engine import transaction
    from shebao.ledger import accounts
    from shebao.ledger import service as ledger

    rng = np.random.default_rng(SEED)
    places = np.array([c for c in counties() if c.startswith("51")])
    person_id = np.arange(1, pensioners + 1, dtype=np.int64)
    region = places[rng.integers(0, len(places), pensioners)].astype(np.int64)
    sequence = (person_id - 1) % 1000
    birth = np.datetime64("1955-01-01") + ((person_id - 1) // 1000) * 3  # distinct per 1000
    numbers = identity_numbers(region, birth, sequence)
    sex = np.where(sequence % 2 == 1, "male", "female")
    now = "2026-09-30 00:00:00+00"
    people = [f"{i}\t{copy_identity(n)}\t退休{i}\t{s}\t{b}\t{r}\t{r}\tactive\t{now}\n"
              for i, n, s, b, r in zip(person_id.tolist(), numbers, sex.tolist(),
                                       birth.astype(str).tolist(), region.astype(str).tolist(),
                                       strict=True)]

    total = np.rint(rng.lognormal(np.log(300_000), 0.35, pensioners)).astype(np.int64)
    part = (total * rng.uniform(0.05, 0.25, pensioners)).astype(np.int64) + 1
    months_left = rng.uniform(0, 150, pensioners)
    balance = np.where(rng.random(pensioners) < EMPTY_ACCOUNTS, 0,
                       (part * months_left).astype(np.int64))
    silent = rng.random(pensioners) < UNAUTHENTICATED
    approved = np.where(silent, "2024-03-20", "2026-09-20")
    authenticated = (np.datetime64("2026-01-01")
                     + rng.integers(0, 300, pensioners)).astype(str)
    contribution_months = rng.integers(180, 480, pensioners)
    applications = [
        f"{i}\t{i}\temployee\tdesk\tapproved\t2026-09\t0\t{PROVINCE}\t{m}\t{t}\t{p}\t{now}\n"
        for i, m, t, p in zip(person_id.tolist(), contribution_months.tolist(),
                              total.tolist(), part.tolist(), strict=True)]
    awards = [
        f"{i}\t{i}\t{i}\temployee\t{PROVINCE}\t{HISTORY}\t{m}\tpayment\t{a}\t{now}\n"
        for i, m, a in zip(person_id.tolist(), contribution_months.tolist(), approved.tolist(),
                           strict=True)]
    amounts = [f"{i}\t{HISTORY}\t{t}\t{p}\taward\t{now}\n"
               for i, t, p in zip(person_id.tolist(), total.tolist(), part.tolist(),
                                  strict=True)]
    checks = [f"{i}\tonline\t{d}\t{now}\n"
              for i, d in zip(person_id[~silent].tolist(), authenticated[~silent].tolist(),
                              strict=True)]
    held = balance > 0
    # Each balance brought in as `history_entries` credits, as many movements as a person has
    # months of contributions (part k: an equal share, the remainder on the first parts).
    shares = [balance[held] // history_entries + (k < balance[held] % history_entries)
              for k in range(history_entries)]
    openings = [f"{i}\tpension\t{-b}\t{k}\n"
                for k, share in enumerate(shares)
                for i, b in zip(person_id[held].tolist(), share.tolist(), strict=True) if b]

    with psycopg.connect(plain_url(url)) as connection:
        copy_text(connection, "COPY persons (id, identity_number_sealed, identity_number_index, "
                              "identity_number_masked, name, sex, birth_date, "
                              "hukou_region, residence_region, status, created_at) FROM STDIN",
                  people)
        copy_text(connection, "COPY pension_applications (id, person_id, scheme, channel, "
                              "status, retirement_month, deemed_months, province, "
                              "contribution_months, total_fen, account_part_fen, created_at) "
                              "FROM STDIN", applications)
        copy_text(connection, "COPY pension_awards (id, application_id, person_id, scheme, "
                              "province, first_month, contribution_months, status, approved_on, "
                              "created_at) FROM STDIN", awards)
        copy_text(connection, "COPY pension_amounts (award_id, effective_month, total_fen, "
                              "account_part_fen, reason, recorded_at) FROM STDIN", amounts)
        copy_text(connection, "COPY pension_authentications (person_id, channel, "
                              "authenticated_on, recorded_at) FROM STDIN", checks)
        connection.execute("CREATE TABLE seed_openings (person_id int4, account text, "
                           "amount_fen int8, part int4)")
        copy_text(connection, "COPY seed_openings FROM STDIN", openings)
        for table in ("persons", "pension_applications", "pension_awards"):
            connection.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), %s)",
                               (pensioners,))
    with psycopg.connect(plain_url(url), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")

    openings_table = Table("seed_openings", MetaData(), Column("person_id", Integer),
                           Column("account", String), Column("amount_fen", BigInteger),
                           Column("part", Integer))
    with transaction(url, write=True) as db:
        create_user(db, username="payroll", password="payroll run 2026", role="admin",
                    region_code="000000")
        ledger.post(db, ledger.PostingRequest(
            idempotency_key="bench-fiscal-subsidy", kind="subsidy", memo="pension pool top-up",
            effective_date=date(2026, 9, 30),
            lines=[(accounts.fiscal_subsidy(PROVINCE), 10**15),
                   (accounts.pool("employee_pension", PROVINCE), -10**15)]))
        for k, share in enumerate(shares):
            ledger.post(db, ledger.PostingRequest(
                idempotency_key=f"bench-opening-balances-{k}", kind="opening",
                province=PROVINCE, memo="individual pension accounts brought in",
                effective_date=date(2026, 9, 30),
                lines=[(accounts.settlement(PROVINCE), int(share.sum()))],
            ), individual=ledger.IndividualSource(
                reference=f"seed_openings:{k}",
                select=select(openings_table.c.person_id, openings_table.c.account,
                              openings_table.c.amount_fen)
                .where(openings_table.c.part == k),
                totals={"pension": -int(share.sum())}))
        db.execute(text("DROP TABLE seed_openings"))
    with psycopg.connect(plain_url(url), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    return {"payable": int((~silent).sum()), "suspended": int(silent.sum()),
            "accounts_held": int(held.sum())}


def run(url: str, month: str, batch_size: int) -> tuple[float, object]:
    from sqlalchemy import select

    from shebao.auth.models import User
    from shebao.benefits.pension.payroll import run_payroll
    from shebao.db.engine import transaction

    with transaction(url) as db:
        user = db.scalar(select(User).where(User.username == "payroll"))
        db.expunge(user)
    started = time.perf_counter()
    result = run_payroll(url, user, PROVINCE, month, batch_size=batch_size)
    return time.perf_counter() - started, result


PAYMENT_COLUMNS = [("id", ">i4"), ("award_id", ">i4"), ("person_id", ">i4"),
                   ("month", MONTH.encode()), ("amount_fen", ">i8"), ("pool_part_fen", ">i8"),
                   ("account_part_fen", ">i8"), ("paid_on", ">i4"), ("run_id", ">i4"),
                   ("ledger_entry_id", ">i8")]


def payment_rows(count: int) -> np.ndarray:
    """`count` rows shaped like pension_payments, encoded for a binary COPY."""
    from shebao.contributions.bulk import _binary

    rng = np.random.default_rng(SEED + 1)
    ids = np.arange(10**7, 10**7 + count, dtype=np.int64)
    amount = np.rint(rng.lognormal(np.log(300_000), 0.35, count)).astype(np.int64)
    part = amount // 8
    paid_on = (np.datetime64("2026-11-27") - EPOCH).astype(np.int64)
    return _binary(PAYMENT_COLUMNS, {
        "id": ids, "award_id": ids, "person_id": ids, "amount_fen": amount,
        "pool_part_fen": amount - part, "account_part_fen": part,
        "paid_on": np.full(count, paid_on), "run_id": np.ones(count, dtype=np.int64),
        "ledger_entry_id": ids // 10_000,
    })


def run_copy(url: str, rows: np.ndarray, like: str | None = None) -> float:
    """A plain binary COPY of `rows` into one fresh table (created untimed: bare, or `LIKE`
    pension_payments with its indexes), and commit."""
    from shebao.contributions.bulk import _HEADER, _TRAILER

    table = f"copy_{uuid.uuid4().hex[:8]}"
    columns = ("id int4, award_id int4, person_id int4, month varchar(7), amount_fen int8, "
               "pool_part_fen int8, account_part_fen int8, paid_on date, run_id int4, "
               "ledger_entry_id int8")
    with psycopg.connect(plain_url(url)) as connection:
        connection.execute(f"CREATE TABLE {table} ({like or columns})")
        connection.commit()
        started = time.perf_counter()
        with connection.cursor() as cursor, cursor.copy(
                f"COPY {table} ({', '.join(c for c, _ in PAYMENT_COLUMNS)}) "
                "FROM STDIN (FORMAT BINARY)") as copy:
            copy.write(_HEADER)
            copy.write(rows.tobytes())
            copy.write(_TRAILER)
        connection.commit()
        seconds = time.perf_counter() - started
        count = connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        assert count == len(rows), count
        connection.execute(f"DROP TABLE {table}")
        connection.commit()
    return seconds


def debit_every_account(url: str) -> tuple[int, float]:
    """What keeping the balances costs by itself: every pensioner's individual pension account
    that holds something, 1 fen less, in one UPDATE, rolled back (the payroll makes the same
    change through its batch entries). Returns the rows and the seconds."""
    with psycopg.connect(plain_url(url)) as connection:
        started = time.perf_counter()
        debited = connection.execute(
            "UPDATE individual_account_balances SET pension_fen = pension_fen - 1 "
            "WHERE pension_fen > 0").rowcount
        seconds = time.perf_counter() - started
        connection.rollback()
    return debited, seconds


def floor_on_both_cores(url: str, rows: np.ndarray) -> float:
    """The same floor with the work split over two sessions at once, as a payroll using both
    cores would: each copies half the rows into one table shaped like `pension_payments` (its
    indexes kept) and commits, then debits half the accounts (rolled back). Wall seconds."""
    import threading

    from shebao.contributions.bulk import _HEADER, _TRAILER

    table = f"copy_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(plain_url(url), autocommit=True) as connection:
        connection.execute(
            f"CREATE TABLE {table} (LIKE pension_payments INCLUDING DEFAULTS INCLUDING INDEXES)")
    start = threading.Barrier(3)
    failures: list[BaseException] = []

    def half(part: int) -> None:
        try:
            with psycopg.connect(plain_url(url)) as connection:
                start.wait()
                with connection.cursor() as cursor, cursor.copy(
                        f"COPY {table} ({', '.join(c for c, _ in PAYMENT_COLUMNS)}) "
                        "FROM STDIN (FORMAT BINARY)") as copy:
                    copy.write(_HEADER)
                    copy.write(rows[part::2].tobytes())
                    copy.write(_TRAILER)
                connection.commit()
                connection.execute(
                    "UPDATE individual_account_balances SET pension_fen = pension_fen - 1 "
                    "WHERE pension_fen > 0 AND person_id %% 2 = %s", (part,))
                connection.rollback()
        except BaseException as failed:  # reported by the caller, after both have ended
            failures.append(failed)

    workers = [threading.Thread(target=half, args=(part,)) for part in (0, 1)]
    for worker in workers:
        worker.start()
    start.wait()
    started = time.perf_counter()
    for worker in workers:
        worker.join()
    seconds = time.perf_counter() - started
    with psycopg.connect(plain_url(url), autocommit=True) as connection:
        count = connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        connection.execute(f"DROP TABLE {table}")
    if failures:
        raise failures[0]
    assert count == len(rows), count
    return seconds


def verify(url: str, result: object, expected: dict[str, int]) -> list[str]:
    """Exactly one payment per award in payment, none for the suspended, the total paid the
    sum of the amounts in force; the ledger's and the payroll's checks."""
    from shebao.benefits.pension import payroll
    from shebao.db.engine import transaction
    from shebao.ledger import service as ledger

    problems: list[str] = []
    with transaction(url) as db:
        paid, total, wrong = db.execute(text("""
            SELECT count(*), COALESCE(sum(p.amount_fen), 0),
                   count(*) FILTER (WHERE p.amount_fen <> a.total_fen)
            FROM pension_payments p
            JOIN pension_amounts a ON a.award_id = p.award_id
             AND a.effective_month = (SELECT max(effective_month) FROM pension_amounts x
                                      WHERE x.award_id = p.award_id
                                        AND x.effective_month <= p.month)
            WHERE p.month = :month"""), {"month": MONTH}).one()
        unpaid = db.scalar(text(
            "SELECT count(*) FROM pension_awards w WHERE w.status = 'payment' AND NOT EXISTS "
            "(SELECT 1 FROM pension_payments p WHERE p.award_id = w.id AND p.month = :month)"),
            {"month": MONTH})
        suspended = db.scalar(text(
            "SELECT count(*) FROM pension_awards WHERE status = 'suspended'"))
        if paid != expected["payable"]:
            problems.append(f"{paid} payments for {MONTH}, {expected['payable']} expected")
        if unpaid or suspended != expected["suspended"]:
            problems.append(f"{unpaid} awards in payment unpaid, {suspended} suspended "
                            f"({expected['suspended']} expected)")
        if wrong or total != result.paid_fen:
            problems.append(f"{wrong} payments differ from their amount; {total} fen paid, "
                            f"the run counted {result.paid_fen}")
        problems += ledger.check(db)
        problems += payroll.check(db)
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pensioners", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--history-entries", type=int, default=1,
                        help="movements per account balance (a career's months of history)")
    parser.add_argument("--skip-check", action="store_true",
                        help="skip the checks at the end (ledger.check reads every account)")
    args = parser.parse_args()
    return with_own_database(lambda url: measure(url, args))


def measure(url: str, args: argparse.Namespace) -> int:
    from shebao.db.migrate import upgrade

    started = time.perf_counter()
    upgrade(url)
    expected = seed(url, args.pensioners, args.history_entries)
    seed_seconds = time.perf_counter() - started
    print(f"seeded in {seed_seconds:.1f} s (not timed): {args.pensioners:,} pensioners of "
          f"{PROVINCE}, {expected['accounts_held']:,} with an account balance (of "
          f"{args.history_entries} movements each), "
          f"{expected['suspended']:,} without an authentication")
    history_seconds, history = run(url, HISTORY, args.batch_size)
    with psycopg.connect(plain_url(url), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
    print(f"{HISTORY} paid first (not timed): {history.payments:,} payments in "
          f"{history_seconds:.1f} s")

    print(f"load average before the payroll: {load()}")
    seconds, result = run(url, MONTH, args.batch_size)
    print(f"payroll {PROVINCE} {MONTH}: {seconds:.2f} s, {result.processed:,} awards, "
          f"{result.payments:,} payments, {result.paid_fen / 100:,.2f} yuan, "
          f"{result.suspended:,} suspended, batches of {args.batch_size:,}")
    print("  profile:")
    for phase, spent in result.seconds.items():
        print(f"    {phase:<54} {spent:7.2f} s")

    print(f"load average before the COPY runs: {load()}")
    rows = payment_rows(result.payments)
    copies = [run_copy(url, rows) for _ in range(3)]
    copy_seconds = statistics.median(copies)
    print(f"plain COPY of {result.payments:,} payment rows into one fresh table: "
          f"{', '.join(f'{c:.3f}' for c in copies)} s; median {copy_seconds:.3f} s")
    ratio = seconds / copy_seconds
    print(f"ratio payroll / COPY: {ratio:.1f} (goal ≤ 4: {'met' if ratio <= 4 else 'NOT met'})")
    indexed = run_copy(url, rows, "LIKE pension_payments INCLUDING DEFAULTS INCLUDING INDEXES")
    print(f"for scale: the same COPY into a table shaped like pension_payments, with its "
          f"indexes: {indexed:.2f} s (payroll / that: {seconds / indexed:.1f})")
    debited, debit_seconds = debit_every_account(url)
    print(f"for scale: the kept balances alone, {debited:,} pensioners' accounts 1 fen less "
          f"in one UPDATE (rolled back): {debit_seconds:.2f} s; with the indexed COPY, "
          f"{(indexed + debit_seconds) / copy_seconds:.1f} x the plain COPY")
    both_cores = floor_on_both_cores(url, rows)
    print(f"for scale: the same two, split over two sessions at once: {both_cores:.2f} s = "
          f"{both_cores / copy_seconds:.1f} x the plain COPY")

    problems: list[str] = []
    check_seconds = None
    if not args.skip_check:
        began = time.perf_counter()
        problems = verify(url, result, expected)
        check_seconds = time.perf_counter() - began
        print(f"checks (payments, ledger.check, payroll.check): {len(problems)} problems in "
              f"{check_seconds:.1f} s")
        for problem in problems[:10]:
            print(f"  {problem}")
    print(f"load average at the end: {load()}")
    print(json.dumps({
        "seconds": round(seconds, 3), "copy_seconds": round(copy_seconds, 3),
        "ratio": round(ratio, 2), "indexed_copy_seconds": round(indexed, 2),
        "balances_update_seconds": round(debit_seconds, 2),
        "floor_on_both_cores_seconds": round(both_cores, 2),
        "pensioners": args.pensioners, "payments": result.payments,
        "suspended": result.suspended, "batch_size": args.batch_size,
        "history_entries": args.history_entries,
        "seed_seconds": round(seed_seconds, 1), "history_seconds": round(history_seconds, 1),
        "problems": len(problems) if check_seconds is not None else None,
        "profile": {k: round(v, 2) for k, v in result.seconds.items()},
        "load_average": load(),
    }))
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
