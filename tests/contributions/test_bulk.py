"""The month-end bulk path against the services, row for row, on two identical databases.

One database declares and pays every employer's month through `service.declare` and
`service.pay`; the other runs the same rows through `bulk.run_month`. Bills (with their
terms), contribution rows, declarations, payments, ledger entries (keys, request hashes,
provinces), ledger lines, the persons' sub-ledger lines and balances must be equal — ids
included, since both start from fresh sequences and the bulk path allocates in the services'
order. Two months: July 2025 paid on time, and March 2020 (relief for small and
medium firms, the employer's medical share to the account) paid ten days late.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select, text

from shebao.auth.models import User
from shebao.contributions import bulk, service
from shebao.contributions.models import Bill
from shebao.db import loads
from shebao.db.engine import transaction
from shebao.errors import InputErrors
from shebao.ledger import service as ledger
from shebao.registry.identifiers import make_resident_id
from shebao.registry.models import Employer, EmploymentSpell, Enrollment, Person
from shebao.reliability.database import scratch_database
from shebao.supervision import audit
from tests.helpers import add_person, add_user
from tests.registry.world import build

MONTHS = (("2025-07", date(2025, 7, 20)), ("2020-03", date(2020, 4, 10)))
EMPLOYEE_SCHEMES = ("employee_pension", "employee_medical", "unemployment", "work_injury")
COUNTIES = ("440306", "440106", "510104", "510107")


def _postgres_only(url: str) -> None:
    if not url.startswith("postgresql"):
        pytest.skip("the bulk path runs on PostgreSQL only (COPY, sequences); "
                    "SQLite refuses it, see test_sqlite_is_refused")


@pytest.fixture
def second_database(database_url: str) -> Iterator[str]:
    """A second, freshly migrated PostgreSQL database, dropped afterwards."""
    _postgres_only(database_url)
    with scratch_database("postgresql") as url:
        yield url


def _world(url: str) -> list[tuple[int, int, int]]:
    """The registry and the declared rows (employer, person, wage), identical on every call."""
    world = build(url)
    add_user(url, "national-admin", "admin", "000000")
    employers = [world.factory, world.platform, world.school, world.wuhou_firm]
    persons = [world.rider, world.worker, world.teacher, world.wuhou]
    for i in range(36):
        persons.append(add_person(url, f"职工{i}", COUNTIES[i % 4],
                                  date(1970 + i % 30, 1 + i % 12, 1 + i % 27), 100 + i))
    rows: list[tuple[int, int, int]] = []
    with transaction(url) as db:
        for i, person in enumerate(persons):
            employer = employers[i % 4]
            # wages below the floor, ordinary, above the cap, zero
            wage = (0, 150_000, 800_000, 1_234_567, 9_000_000)[i % 5]
            _employ(db, person, employer, wage, skip=("unemployment",) if i % 7 == 3 else ())
            rows.append((employer, person, wage))
            if i % 6 == 0:  # a second job: two employers declare the same person
                other = employers[(i + 1) % 4]
                _employ(db, person, other, 300_000, skip=EMPLOYEE_SCHEMES[1:3])
                rows.append((other, person, 300_000))
        # Enrolled in nothing: declared, billed nothing.
        idle = persons[-1]
        db.execute(Enrollment.__table__.delete().where(Enrollment.person_id == idle))
    # Declaration order within an employer: not the person order.
    return sorted(rows, key=lambda r: (r[0], -r[1]))


def _employ(db, person: int, employer: int, wage: int, skip: tuple[str, ...] = ()) -> None:  # type: ignore[no-untyped-def]
    start = date(2019, 1, 1)
    db.add(EmploymentSpell(person_id=person, employer_id=employer, category="enterprise_employee",
                           start_date=start, monthly_wage_fen=max(wage, 1)))
    region = db.scalar(text("SELECT region_code FROM employers WHERE id = :id"), {"id": employer})
    for scheme in EMPLOYEE_SCHEMES:
        if scheme in skip:
            continue
        if scheme != "work_injury" and db.scalar(select(Enrollment.id).where(
                Enrollment.person_id == person, Enrollment.scheme == scheme)):
            continue
        db.add(Enrollment(person_id=person, scheme=scheme, category="enterprise_employee",
                          region_code=region, employer_id=employer, start_date=start))
    db.flush()


def _admin(db) -> User:  # type: ignore[no-untyped-def]
    return db.scalar(select(User).where(User.username == "national-admin"))


def _through_services(url: str, rows: list[tuple[int, int, int]]) -> None:
    for month, paid_on in MONTHS:
        for employer in sorted({r[0] for r in rows}):
            with transaction(url, write=True) as db:
                user = _admin(db)
                declared = [
                    service.DeclaredRow(i + 1, db.get(Person, p).identity_number, w)
                    for i, (_, p, w) in enumerate(r for r in rows if r[0] == employer)
                ]
                bill = service.declare(db, user, employer, month, declared, "api")
                if bill.amount_fen:
                    fee, _ = service.late_fee_on(bill, paid_on)
                    service.pay(db, user, bill.id, paid_on, bill.amount_fen + fee)


def _through_bulk(url: str, rows: list[tuple[int, int, int]]) -> list[bulk.BulkResult]:
    results = []
    for month, paid_on in MONTHS:
        with transaction(url, write=True) as db:
            results.append(bulk.run_month(db, _admin(db), month, [r[0] for r in rows],
                                          [r[1] for r in rows], [r[2] for r in rows],
                                          paid_on=paid_on))
    return results


SNAPSHOT = {
    "declarations": "SELECT id, employer_id, month, submitted_by, line_count, total_wage_fen "
                    "FROM declarations ORDER BY id",
    "bills": "SELECT id, payer_kind, employer_id, person_id, declaration_id, month, province, "
             "due_date, deferred_until, amount_fen, status, terms::text FROM bills ORDER BY id",
    "contributions": "SELECT * FROM contributions ORDER BY bill_id, person_id",
    "individual_account_lines": "SELECT entry_id, person_id, account, amount_fen "
                                "FROM individual_account_lines "
                                "ORDER BY entry_id, person_id, account",
    "payments": "SELECT id, bill_id, paid_on, amount_fen, late_fee_fen, days_late, "
                "ledger_entry_id FROM payments ORDER BY id",
    "ledger_entries": "SELECT id, idempotency_key, request_hash, kind, memo, effective_date, "
                      "reverses_entry_id, actor_id, province FROM ledger_entries ORDER BY id",
    "ledger_lines": "SELECT l.id, l.entry_id, a.code, l.amount_fen FROM ledger_lines l "
                    "JOIN ledger_accounts a ON a.id = l.account_id ORDER BY l.id",
    "ledger_accounts": "SELECT code, kind, normal_side, allow_negative, balance_fen, line_count "
                       "FROM ledger_accounts ORDER BY code",
    "individual_account_balances": "SELECT * FROM individual_account_balances "
                                   "ORDER BY person_id",
}


def _snapshot(url: str) -> dict[str, list[tuple[object, ...]]]:
    with transaction(url) as db:
        found = {name: [tuple(r) for r in db.execute(text(query))]
                 for name, query in SNAPSHOT.items()}
        rows = ledger.movements()
        found["movements"] = [tuple(r) for r in db.execute(
            select(rows.c.entry_id, rows.c.person_id, rows.c.account, rows.c.amount_fen)
            .order_by(rows.c.entry_id, rows.c.person_id, rows.c.account))]
        return found


def test_bulk_writes_what_the_services_write(database_url: str, second_database: str) -> None:
    rows = _world(database_url)
    assert _world(second_database) == rows
    _through_services(database_url, rows)
    results = _through_bulk(second_database, rows)

    expected, got = _snapshot(database_url), _snapshot(second_database)
    for table in [*SNAPSHOT, "movements"]:
        assert got[table] == expected[table], table
    assert len(expected["contributions"]) == 2 * len(rows)
    assert len(expected["movements"]) > 50
    assert len(expected["ledger_entries"]) >= 6
    assert any(r[4] > 0 for r in expected["payments"]), "the late month carries a fee"
    assert results[0].bills == 4 and results[0].contribution_rows == len(rows)
    assert results[0].billed_fen == sum(r[9] for r in expected["bills"] if r[5] == "2025-07")
    for url in (database_url, second_database):
        with transaction(url) as db:
            assert ledger.check(db) == []
            assert audit.verify(db).ok
    with transaction(second_database) as db:  # COPY is unseen by the session: one entry a run
        runs = db.execute(text("SELECT object_id, after FROM audit_entries "
                               "WHERE action = 'run' ORDER BY seq")).all()
    assert [month for month, _ in runs] == [month for month, _ in MONTHS]
    assert json.loads(runs[0][1])["contribution_rows"] == len(rows)


def test_a_retry_through_the_services_replays(database_url: str) -> None:
    _postgres_only(database_url)
    rows = _world(database_url)
    _through_bulk(database_url, rows[:20])
    with transaction(database_url, write=True) as db:
        user = _admin(db)
        before = ledger.totals(db)
        for bill in db.scalars(select(Bill).where(Bill.amount_fen > 0).order_by(Bill.id)):
            paid_on = dict(MONTHS)[bill.month]
            fee, _ = service.late_fee_on(bill, paid_on)
            payment = service.pay(db, user, bill.id, paid_on, bill.amount_fen + fee)
            assert payment.id == bill.payments[0].id
            lines, individual = service.payment_lines(db, bill, fee)
            again = ledger.post(db, ledger.PostingRequest(
                idempotency_key=f"contribution-payment-{bill.id}", kind="contribution",
                memo=f"bill {bill.id}, {bill.month}", effective_date=paid_on,
                lines=lines, province=bill.province,
            ), actor_id=user.id, individual=individual)
            assert again.replayed and again.entry_id == payment.ledger_entry_id
        assert ledger.totals(db) == before
        assert ledger.check(db) == []


def _counts(url: str) -> dict[str, int]:
    with transaction(url) as db:
        return {t: db.scalar(text(f"SELECT count(*) FROM {t}")) for t in SNAPSHOT}


def test_a_bad_row_refuses_the_whole_run(database_url: str) -> None:
    _postgres_only(database_url)
    rows = _world(database_url)
    before = _counts(database_url)
    bad = [*rows, (rows[0][0], 999_999, 500_000), (rows[1][0], rows[1][1], 10)]
    with transaction(database_url, write=True) as db, pytest.raises(InputErrors) as refused:
        bulk.run_month(db, _admin(db), "2025-07", [r[0] for r in bad], [r[1] for r in bad],
                       [r[2] for r in bad], paid_on=date(2025, 7, 20))
    found = {(e.line, e.field, e.reason) for e in refused.value.errors}
    assert found == {(len(rows) + 1, "person_id", "is not registered"),
                     (len(rows) + 2, "person_id", "also declared on line 2")}
    assert _counts(database_url) == before


def _not_working_there(url: str, rows: list[tuple[int, int, int]]) -> tuple[int, int, int]:
    """A row declaring, for the first row's employer, a registered person who has no
    employment spell there."""
    employer = rows[0][0]
    with transaction(url) as db:
        working = set(db.scalars(select(EmploymentSpell.person_id)
                                 .where(EmploymentSpell.employer_id == employer)))
    return employer, next(r[1] for r in rows if r[1] not in working), 500_000


def test_a_person_not_working_there_is_refused(database_url: str) -> None:
    _postgres_only(database_url)
    rows = _world(database_url)
    bad = [*rows, _not_working_there(database_url, rows)]
    with transaction(database_url, write=True) as db, pytest.raises(InputErrors) as refused:
        bulk.run_month(db, _admin(db), "2025-07", [r[0] for r in bad], [r[1] for r in bad],
                       [r[2] for r in bad], paid_on=date(2025, 7, 20))
    assert [(e.line, e.field, e.reason) for e in refused.value.errors] == [
        (len(bad), "person_id", "has no employment at this employer in the month")]


def test_the_month_is_a_table_of_its_own(database_url: str) -> None:
    """The rows went into a fresh table, indexed after loading, that is one of the
    contribution tables: read through `contributions`, indexed and append-only like it."""
    _postgres_only(database_url)
    rows = _world(database_url)
    _through_bulk(database_url, rows[:20])
    with transaction(database_url, write=True) as db:
        cursor = db.connection().connection.driver_connection.cursor()
        tables = loads.children(cursor, "contributions")
        assert [t.split("_b")[0] for t in tables] == ["contributions_m2025_07",
                                                      "contributions_m2020_03"]
        for table in tables:
            assert db.scalar(text(f"SELECT count(*) FROM {table}")) == 20
            indexes = db.scalars(text("SELECT indexdef FROM pg_indexes WHERE tablename = "
                                      ":t ORDER BY indexname"), {"t": table}).all()
            assert [i.split(" USING ")[1] for i in indexes] == [
                "btree (person_id)", "btree (bill_id, person_id)"]
        assert db.scalar(text("SELECT count(*) FROM ONLY contributions")) == 0
        assert db.scalar(text("SELECT count(*) FROM contributions")) == 40
    with pytest.raises(Exception, match="never changed"), \
            transaction(database_url, write=True) as db:
        db.execute(text("UPDATE contributions SET wage_fen = 1"))


def test_a_failure_half_way_leaves_nothing(database_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _postgres_only(database_url)
    rows = _world(database_url)
    before = _counts(database_url)

    def fail(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("the connection dropped")

    # Declarations, bills and contribution rows are written by then; the ledger is not.
    monkeypatch.setattr(bulk, "_post", fail)
    with pytest.raises(RuntimeError), transaction(database_url, write=True) as db:
        bulk.run_month(db, _admin(db), "2025-07", [r[0] for r in rows], [r[1] for r in rows],
                       [r[2] for r in rows], paid_on=date(2025, 7, 20))
    assert _counts(database_url) == before
    with transaction(database_url) as db:  # the month's fresh table went with the rest
        assert db.scalar(text("SELECT count(*) FROM pg_class "
                              "WHERE relname LIKE 'contributions_m%'")) == 0


def test_sqlite_is_refused(tmp_path: Path, sqlite_template: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'refuses.db'}"
    shutil.copy(sqlite_template, tmp_path / "refuses.db")
    with transaction(database_url, write=True) as db, pytest.raises(bulk.UnsupportedDatabase,
                                                                     match="PostgreSQL only"):
        bulk.run_month(db, None, "2025-07", [1], [1], [100])  # type: ignore[arg-type]


def test_from_a_staging_table(database_url: str) -> None:
    _postgres_only(database_url)
    rows = _world(database_url)
    with transaction(database_url, write=True) as db:
        db.execute(text("CREATE TEMPORARY TABLE staged (id serial, employer_id int, "
                        "person_id int, wage_fen bigint)"))
        db.execute(text("INSERT INTO staged (employer_id, person_id, wage_fen) "
                        "VALUES (:e, :p, :w)"), [{"e": e, "p": p, "w": w} for e, p, w in rows])
        result = bulk.run_month_from_table(db, _admin(db), "2025-07", "staged",
                                           paid_on=date(2025, 7, 20))
        assert result.contribution_rows == len(rows) and result.bills == 4
        assert result.paid_bills == 4 and ledger.check(db) == []
        lines = db.execute(text("SELECT person_id, wage_fen FROM contributions")).all()
    assert sorted(lines) == sorted((p, w) for _, p, w in rows)


def test_both_ways_of_reading_enrollments_agree(database_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A small run reads the enrollments of its persons, a large one every enrollment in
    force; the rows' masks are the same either way."""
    _postgres_only(database_url)
    rows = _world(database_url)
    employer = np.array([r[0] for r in rows] + [rows[0][0]], dtype=np.int64)
    person = np.array([r[1] for r in rows] + [999_999], dtype=np.int64)
    found = []
    for limit in (bulk.FILTERED_READ_LIMIT, 0):
        monkeypatch.setattr(bulk, "FILTERED_READ_LIMIT", limit)
        with transaction(database_url) as db:
            cursor = db.connection().connection.driver_connection.cursor()
            known, employed, mask = bulk._registry(
                cursor, np.unique(employer), employer, person, date(2025, 7, 1),
                date(2025, 7, 31))
            found.append((known.tolist(), employed.tolist(), mask.tolist()))
    assert found[0] == found[1]
    known, employed, mask = found[0]
    assert known[-1] is False and employed[-1] is False and mask[-1] == 0
    assert all(known[:-1]) and all(employed[:-1])
    assert set(mask[:-1]) <= set(range(16)) and max(mask) == 15


def _month_file(url: str, rows: list[tuple[int, int, int]]) -> str:
    """The rows as a month-end file: the employers' credit codes and the persons' numbers."""
    with transaction(url) as db:
        lines = [f"{db.get(Employer, e).credit_code},{db.get(Person, p).identity_number},{w}"
                 for e, p, w in rows]
    return "\n".join(["employer_credit_code,identity_number,wage_fen", *lines]) + "\n"


def test_a_month_end_file_runs_like_its_rows(database_url: str, second_database: str) -> None:
    rows = _world(database_url)
    assert _world(second_database) == rows
    month, paid_on = MONTHS[0]
    with transaction(database_url, write=True) as db:
        by_file = bulk.run_month_file(db, _admin(db), month, _month_file(database_url, rows),
                                      paid_on=paid_on)
    by_rows = _through_bulk(second_database, rows)[0]
    assert dataclasses.replace(by_file, seconds={}) == dataclasses.replace(by_rows, seconds={})
    expected, got = _snapshot(second_database), _snapshot(database_url)
    assert got["contributions"] == [r for r in expected["contributions"]
                                    if r[0] in {b[0] for b in got["bills"]}]


def test_a_bad_month_end_file_names_its_lines(database_url: str) -> None:
    _postgres_only(database_url)
    rows = _world(database_url)
    text = _month_file(database_url, rows[:3])
    header, first, second, third = text.splitlines()
    code, number, _ = first.split(",")
    other = make_resident_id("440306", date(1990, 1, 1), 7)  # valid, never registered
    bad = "\n".join([
        header, first, second, third,
        f"{code},{number},12",                  # line 5: the same person again
        f"{code},{other},100",                  # line 6: not registered
        f"91440300MA5XXXXXX0,{number},100",     # line 7: a malformed credit code
        f"{code},110101199001011235,100",       # line 8: a wrong check character
        f"{code},{number},-5",                  # line 9: not a whole number of fen
        "a,b",                                  # line 10: two columns
    ]) + "\n"
    before = _counts(database_url)
    with transaction(database_url, write=True) as db, pytest.raises(InputErrors) as refused:
        bulk.run_month_file(db, _admin(db), "2025-07", bad, paid_on=date(2025, 7, 20))
    found = [(e.line, e.field) for e in refused.value.errors]
    assert found == [(5, "identity_number"), (6, "identity_number"),
                     (7, "employer_credit_code"), (8, "identity_number"), (9, "wage_fen"),
                     (10, "lines")]
    assert refused.value.errors[0].reason == "also declared on line 2"
    assert refused.value.errors[1].reason == "is not registered"
    assert _counts(database_url) == before


def test_a_run_refusal_names_the_file_line_and_column(database_url: str) -> None:
    _postgres_only(database_url)
    rows = _world(database_url)
    text = _month_file(database_url, [rows[0], _not_working_there(database_url, rows)])
    with transaction(database_url, write=True) as db, pytest.raises(InputErrors) as refused:
        bulk.run_month_file(db, _admin(db), "2025-07", text)
    assert [(e.line, e.field, e.reason) for e in refused.value.errors] == [
        (3, "identity_number", "has no employment at this employer in the month")]


def test_the_command_line_runs_a_month_end_file(database_url: str, tmp_path: Path,
                                                monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from shebao.cli import app
    from shebao.config import get_settings

    is_postgres = database_url.startswith("postgresql")
    rows = _world(database_url) if is_postgres else [(1, 1, 100)]
    file = tmp_path / "july.csv"
    file.write_text(_month_file(database_url, rows) if is_postgres else
                    "employer_credit_code,identity_number,wage_fen\n")
    monkeypatch.setenv("SHEBAO_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        ran = CliRunner().invoke(app, ["contributions", "month-end", str(file), "--month",
                                       "2025-07", "--paid-on", "2025-07-20"])
    finally:
        get_settings.cache_clear()
    if not is_postgres:
        assert ran.exit_code == 2
        assert "PostgreSQL only" in ran.output
        return
    assert ran.exit_code == 0, ran.output
    assert f"{len(rows)} persons" in ran.output and "4 bills paid" in ran.output
    with transaction(database_url) as db:
        assert ledger.check(db) == []


def test_two_runs_of_a_month_in_one_transaction(database_url: str) -> None:
    """Each run's rows get a table of their own, named by its first bill."""
    _postgres_only(database_url)
    rows = _world(database_url)
    employers = sorted({r[0] for r in rows})
    with transaction(database_url, write=True) as db:
        for half in (employers[:2], employers[2:]):
            mine = [r for r in rows if r[0] in half]
            bulk.run_month(db, _admin(db), "2025-07", [r[0] for r in mine],
                           [r[1] for r in mine], [r[2] for r in mine], paid_on=date(2025, 7, 20))
    with transaction(database_url) as db:
        cursor = db.connection().connection.driver_connection.cursor()
        assert len(loads.children(cursor, "contributions")) == 2
        assert db.scalar(text("SELECT count(*) FROM contributions")) == len(rows)
        assert ledger.check(db) == []
