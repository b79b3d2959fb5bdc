"""The set-based payroll: the common month of a batch is one ledger entry whose lines add up
to the batch's payment rows; a run killed inside a batch and run again pays each award once;
the awards that need back pay or suspension in the same batch are settled one by one; the
payment rows' references (no foreign keys) are checked set-wise. Both databases."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, insert, select

from shebao.auth.models import User
from shebao.benefits.pension import payroll
from shebao.benefits.pension.models import PayrollRun, PensionAward, PensionPayment
from shebao.db.engine import transaction
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.ledger.models import IndividualAccountLine, LedgerEntry
from tests.benefits.pension.world import (
    Desk,
    award,
    contribute,
    desk,
    fund_pool,
    retirees,
    user,
)
from tests.helpers import add_person

PROVINCE = "510000"


class Killed(Exception):
    """The process dying inside a batch."""


def _paid_in(db, month: str) -> dict[int, PensionPayment]:  # type: ignore[no-untyped-def]
    return {p.award_id: p for p in db.scalars(
        select(PensionPayment).where(PensionPayment.month == month))}


def _batch_entries(db) -> list[LedgerEntry]:  # type: ignore[no-untyped-def]
    return list(db.scalars(select(LedgerEntry).where(
        LedgerEntry.idempotency_key.like("pension-run-%")).order_by(LedgerEntry.id)))


def _in_force(db, award_id: int) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    amounts = list(db.scalars(select(payroll.PensionAmount).where(
        payroll.PensionAmount.award_id == award_id)))
    found = payroll._amount_in_force(amounts, "2026-11")
    return found.total_fen, found.account_part_fen


def _paid_through(url: str, count: int, month: str | None = "2026-10"
                  ) -> tuple[Desk, list[int], User]:
    """`count` retirees with a funded pool, paid through `month` (their back months, award by
    award): the desk, the awards' ids and the admin who runs the payroll."""
    world = desk(url)
    ids = retirees(url, count, world.employer)
    fund_pool(url)
    with transaction(url) as db:
        admin = user(db, "admin-state")
    if month is not None:
        payroll.run_payroll(url, admin, PROVINCE, month)
    return world, ids, admin


def test_one_entry_per_batch_whose_lines_are_the_payments(database_url: str) -> None:
    world, ids, admin = _paid_through(database_url, 5)
    late = add_person(database_url, "迟到", "510104", date(1963, 3, 5), 151)
    contribute(database_url, world.employer, [late], {"2021-01": 600000}, date(2021, 1, 1))
    late_award = award(database_url, late, deemed_months=200)  # back months in a batch
    with transaction(database_url, write=True) as db:
        # One account left with half its part, one emptied: the pool pays the rest.
        persons = {a.id: a.person_id for a in db.scalars(select(PensionAward))}
        for award_id, keep in ((ids[1], "half"), (ids[2], "none")):
            held = ledger.balance(db, accounts.person("pension", persons[award_id]))
            leave = _in_force(db, award_id)[1] // 2 if keep == "half" else 0
            ledger.post_in(db, ledger.PostingRequest(
                idempotency_key=f"test-withdraw-{award_id}", kind="manual",
                memo="withdrawn for the test", effective_date=date(2026, 11, 1),
                lines=[(accounts.person("pension", persons[award_id]), held - leave),
                       (accounts.settlement(PROVINCE), leave - held)],
            ), PROVINCE)
        before = {a: ledger.balance(db, accounts.person("pension", persons[a])) for a in ids}
        amounts = {a: _in_force(db, a) for a in ids}

    run = payroll.run_payroll(database_url, admin, PROVINCE, "2026-11", batch_size=2)
    assert (run.processed, run.status) == (6, "done")

    with transaction(database_url) as db:
        paid = _paid_in(db, "2026-11")
        assert set(paid) == {*ids, late_award}
        for a in ids:
            total, part = amounts[a]
            expected = min(part, before[a])
            assert (paid[a].amount_fen, paid[a].account_part_fen, paid[a].pool_part_fen) == \
                (total, expected, total - expected)
            assert ledger.balance(db, accounts.person("pension", persons[a])) == \
                before[a] - expected
        assert paid[ids[1]].account_part_fen == amounts[ids[1]][1] // 2 > 0
        assert paid[ids[2]].account_part_fen == 0
        # Batches of two awards: [1, 2], [3, 4], [5, late]; the late award's months are
        # paid one entry each, the common months of each batch share one entry.
        entries = _batch_entries(db)
        assert len(entries) == 3
        assert {paid[a].ledger_entry_id for a in ids} == {e.id for e in entries}
        assert paid[late_award].ledger_entry_id not in {e.id for e in entries}
        late_months = db.scalar(select(func.count()).select_from(PensionPayment)
                                .where(PensionPayment.award_id == late_award))
        late_entries = db.scalar(select(func.count()).select_from(LedgerEntry).where(
            LedgerEntry.idempotency_key.like(f"pension-{late_award}-%")))
        assert late_months == late_entries > 1
        for entry in entries:
            rows = [p for p in paid.values() if p.ledger_entry_id == entry.id]
            lines = dict(db.execute(
                select(ledger.LedgerAccount.code, ledger.LedgerLine.amount_fen)
                .join(ledger.LedgerLine, ledger.LedgerLine.account_id == ledger.LedgerAccount.id)
                .where(ledger.LedgerLine.entry_id == entry.id)).all())
            assert lines[accounts.settlement(PROVINCE)] == -sum(p.amount_fen for p in rows)
            assert lines.get(accounts.pool("employee_pension", PROVINCE), 0) == \
                sum(p.pool_part_fen for p in rows)
            assert lines.get(accounts.individual("pension", PROVINCE), 0) == \
                sum(p.account_part_fen for p in rows)
            person_lines = dict(db.execute(
                select(IndividualAccountLine.person_id, IndividualAccountLine.amount_fen)
                .where(IndividualAccountLine.entry_id == entry.id)).all())
            assert person_lines == {p.person_id: p.account_part_fen for p in rows
                                    if p.account_part_fen}
            assert entry.province == PROVINCE and entry.kind == "benefit"
        assert run.paid_fen >= sum(p.amount_fen for p in paid.values())
        assert ledger.check(db) == []
        assert payroll.check(db) == []
    # A new pass finds nothing unpaid and posts nothing.
    again = payroll.run_payroll(database_url, admin, PROVINCE, "2026-11", batch_size=2)
    assert again.payments == run.payments
    with transaction(database_url) as db:
        assert len(_batch_entries(db)) == 3


def test_a_run_killed_inside_a_batch_and_run_again_pays_each_award_once(
    database_url: str,
) -> None:
    _, ids, admin = _paid_through(database_url, 5)

    def die_at(count: int):  # type: ignore[no-untyped-def]
        def die(processed: int, _payments: int) -> None:
            if processed == count:
                raise Killed
        return die

    # Killed in the first batch: nothing of it is left, not even its ledger entry.
    with pytest.raises(Killed):
        payroll.run_payroll(database_url, admin, PROVINCE, "2026-11", batch_size=3,
                            on_award=die_at(2))
    with transaction(database_url) as db:
        run = db.scalar(select(PayrollRun).where(PayrollRun.month == "2026-11"))
        assert (run.processed, run.cursor_award_id, run.payments) == (0, 0, 0)
        assert _paid_in(db, "2026-11") == {} and _batch_entries(db) == []
    # Killed in the second batch: the first stays paid with its one entry.
    with pytest.raises(Killed):
        payroll.run_payroll(database_url, admin, PROVINCE, "2026-11", batch_size=3,
                            on_award=die_at(5))
    with transaction(database_url) as db:
        assert set(_paid_in(db, "2026-11")) == set(ids[:3])
        assert len(_batch_entries(db)) == 1
    done = payroll.run_payroll(database_url, admin, PROVINCE, "2026-11", batch_size=3)
    assert (done.status, done.attempts, done.processed, done.payments) == ("done", 3, 5, 5)
    with transaction(database_url) as db:
        paid = _paid_in(db, "2026-11")
        assert set(paid) == set(ids)
        entries = _batch_entries(db)
        assert len(entries) == 2
        assert [sorted(a for a, p in paid.items() if p.ledger_entry_id == e.id)
                for e in entries] == [ids[:3], ids[3:]]
        assert sum(p.amount_fen for p in paid.values()) == done.paid_fen
        assert ledger.check(db) == []
        assert payroll.check(db) == []


def test_a_batch_suspends_the_unauthenticated_and_pays_the_others(database_url: str) -> None:
    _, ids, admin = _paid_through(database_url, 3)
    with transaction(database_url, write=True) as db:
        # Awarded long ago and never authenticated: not covered for 2026-11.
        db.get(PensionAward, ids[1]).approved_on = date(2025, 10, 20)
    run = payroll.run_payroll(database_url, admin, PROVINCE, "2026-11")
    assert (run.suspended, run.payments) == (1, 2)
    with transaction(database_url) as db:
        assert set(_paid_in(db, "2026-11")) == {ids[0], ids[2]}
        found = db.get(PensionAward, ids[1])
        assert (found.status, found.suspended_from) == ("suspended", "2026-11")
        assert len(_batch_entries(db)) == 1
        assert ledger.check(db) == [] and payroll.check(db) == []


def test_the_check_finds_payment_rows_naming_what_does_not_exist(database_url: str) -> None:
    _, [award_id], admin = _paid_through(database_url, 1, None)
    payroll.run_payroll(database_url, admin, PROVINCE, "2026-11")
    with transaction(database_url, write=True) as db:
        good = db.scalar(select(PensionPayment).order_by(PensionPayment.id).limit(1))
        db.execute(insert(PensionPayment), [
            {"award_id": 999_999, "person_id": good.person_id, "month": "2026-12",
             "amount_fen": 100, "pool_part_fen": 100, "account_part_fen": 0,
             "paid_on": date(2026, 11, 27), "run_id": 999_999,
             "ledger_entry_id": 999_999},
            {"award_id": award_id, "person_id": good.person_id, "month": "2026-12",
             "amount_fen": 100, "pool_part_fen": 60, "account_part_fen": 0,
             "paid_on": date(2026, 11, 27), "run_id": None,
             "ledger_entry_id": good.ledger_entry_id},
        ])
        found = payroll.check(db)
    assert any("names award 999999, which does not exist" in p for p in found)
    assert any("names run 999999" in p for p in found)
    assert any("names ledger entry 999999" in p for p in found)
    assert any("do not add up" in p for p in found)
    assert any(f"ledger entry {good.ledger_entry_id}: credits" in p for p in found)


@pytest.mark.parametrize("size", [0, 1_000_001])
def test_a_batch_size_out_of_bounds_is_refused_and_nothing_runs(database_url: str,
                                                                  size: int) -> None:
    _, _, admin = _paid_through(database_url, 2)
    with pytest.raises(payroll.InputError) as refused:
        payroll.run_payroll(database_url, admin, PROVINCE, "2026-11", batch_size=size)
    assert refused.value.field == "batch_size" and "1,000,000" in refused.value.reason
    with transaction(database_url) as db:
        assert not _paid_in(db, "2026-11")
        assert db.scalar(select(func.count()).select_from(PayrollRun)
                         .where(PayrollRun.month == "2026-11")) == 0
