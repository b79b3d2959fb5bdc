"""The payroll: killed midway and run again it pays everyone exactly once; suspension without
authentication and arrears on it; death → overpayment → recovery; the account paying its part
until it is exhausted. Both databases; the ledger's check stays clean."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from shebao.benefits.pension import payroll
from shebao.benefits.pension.models import (
    Overpayment,
    PayrollRun,
    PensionAward,
    PensionPayment,
)
from shebao.contributions import service as contributions
from shebao.db.engine import transaction
from shebao.errors import InputError
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.registry.schemas import DeathRecord
from shebao.registry.service import record_death
from tests.benefits.pension.world import award, contribute, desk, fund_pool, retirees, user
from tests.helpers import add_person


class Killed(Exception):
    """The process dying midway through a run."""


def _months(first: str, last: str) -> int:
    fy, fm = map(int, first.split("-"))
    ly, lm = map(int, last.split("-"))
    return (ly * 12 + lm) - (fy * 12 + fm) + 1


def test_a_run_killed_midway_and_run_again_pays_everyone_exactly_once(
    database_url: str,
) -> None:
    world = desk(database_url)
    ids = retirees(database_url, 5, world.employer)
    fund_pool(database_url)
    with transaction(database_url) as db:
        admin = user(db, "admin-state")

    def die_after_three(processed: int, _payments: int) -> None:
        if processed == 3:
            raise Killed

    with pytest.raises(Killed):
        payroll.run_payroll(database_url, admin, "510000", "2026-11", batch_size=2,
                            on_award=die_after_three)
    with transaction(database_url) as db:
        run = db.scalar(select(PayrollRun))
        # The first batch (two pensioners) was committed; the third died with its batch.
        assert (run.status, run.processed, run.cursor_award_id) == ("running", 2, ids[1])
        assert {p for (p,) in db.execute(select(PensionPayment.award_id).distinct())} == \
            set(ids[:2])
    done = payroll.run_payroll(database_url, admin, "510000", "2026-11", batch_size=2)
    assert (done.status, done.attempts) == ("done", 2)
    again = payroll.run_payroll(database_url, admin, "510000", "2026-11", batch_size=2)
    assert (again.payments, again.attempts) == (done.payments, 3)  # nothing more to pay
    with transaction(database_url) as db:
        per_award = dict(db.execute(
            select(PensionPayment.award_id, func.count(PensionPayment.id))
            .group_by(PensionPayment.award_id)).all())
        awards = {a.id: a for a in db.scalars(select(PensionAward))}
        for award_id in ids:
            assert per_award[award_id] == _months(awards[award_id].first_month, "2026-11")
        duplicates = db.execute(
            select(PensionPayment.award_id, PensionPayment.month)
            .group_by(PensionPayment.award_id, PensionPayment.month)
            .having(func.count() > 1)).all()
        assert duplicates == []
        entries = db.scalar(select(func.count()).select_from(ledger.LedgerEntry).where(
            ledger.LedgerEntry.kind == "benefit"))
        assert entries == sum(per_award.values())
        assert ledger.check(db) == []


def test_suspended_without_authentication_then_paid_arrears(database_url: str) -> None:
    world = desk(database_url)
    [award_id] = retirees(database_url, 1, world.employer)
    fund_pool(database_url)
    with transaction(database_url, write=True) as db:
        found = db.get(PensionAward, award_id)
        found.approved_on = date(2024, 3, 20)  # awarded then; never authenticated since
        person = found.person_id
        first_month = found.first_month
        admin = user(db, "admin-state")
    run = payroll.run_payroll(database_url, admin, "510000", "2026-11")
    # Covered to 2025-02 (12 months from 2024-03, grace 0); suspended from 2025-03.
    assert run.suspended == 1
    with transaction(database_url) as db:
        found = db.get(PensionAward, award_id)
        assert (found.status, found.suspended_from) == ("suspended", "2025-03")
        paid = {p.month for p in payroll.payments_of(db, admin, person)}
        assert max(paid) == "2025-02" and len(paid) == _months(first_month, "2025-02")
    with transaction(database_url, write=True) as db:
        clerk = user(db, "clerk-jinjiang")
        with pytest.raises(InputError) as bad:
            payroll.authenticate(db, clerk, person, "proxy", proxy_name="")
        assert bad.value.field == "proxy_name"
        done = payroll.authenticate(db, clerk, person, "proxy", proxy_name="张小红",
                                    proxy_relationship="daughter")
        assert done.resumed and len(done.arrears) == _months("2025-03", "2026-11")
        assert db.get(PensionAward, award_id).status == "payment"
        assert done.authentication.channel == "proxy"
        assert done.authentication.recorded_by == clerk.id
    # The next pass finds nothing unpaid (a run's counters add up over its passes).
    assert payroll.run_payroll(database_url, admin, "510000", "2026-11").payments == run.payments
    with transaction(database_url) as db:
        months = [p.month for p in payroll.payments_of(db, admin, person)]
        assert len(months) == len(set(months)) == _months(first_month, "2026-11")
        assert ledger.check(db) == []


def test_death_stops_payment_and_overpayments_are_recovered(database_url: str) -> None:
    world = desk(database_url)
    [award_id] = retirees(database_url, 1, world.employer)
    fund_pool(database_url)
    with transaction(database_url) as db:
        admin = user(db, "admin-state")
        person = db.get(PensionAward, award_id).person_id
    payroll.run_payroll(database_url, admin, "510000", "2026-11")
    with transaction(database_url, write=True) as db:
        record_death(db, user(db, "clerk-jinjiang"), person,
                     DeathRecord(death_date=date(2026, 8, 15), reason="hospital certificate"))
    # The death is caught at the next run, even when this month was already paid.
    payroll.run_payroll(database_url, admin, "510000", "2026-11")
    with transaction(database_url, write=True) as db:
        found = db.get(PensionAward, award_id)
        assert found.status == "stopped" and "2026-08-15" in found.stopped_reason
        owed = list(db.scalars(select(Overpayment).order_by(Overpayment.id)))
        months = [db.get(PensionPayment, o.payment_id).month for o in owed]
        assert months == ["2026-09", "2026-10", "2026-11"]
        total = sum(o.amount_fen for o in owed)
        receivable = accounts.pensioner_receivable(person)
        assert ledger.balance(db, receivable) == total
        clerk = user(db, "clerk-jinjiang")
        with pytest.raises(InputError) as refused:
            payroll.authenticate(db, clerk, person, "desk")
        assert refused.value.field == "person_id"
        first = owed[0]
        with pytest.raises(InputError) as too_much:
            payroll.recover(db, clerk, first.id, first.amount_fen + 1, date(2026, 11, 20), "b1")
        assert too_much.value.field == "amount_fen"
        for i, o in enumerate(owed):
            payroll.recover(db, clerk, o.id, o.amount_fen, date(2026, 11, 20), f"bank-{i}")
            # The same receipt again is the same recovery.
            payroll.recover(db, clerk, o.id, o.amount_fen, date(2026, 11, 20), f"bank-{i}")
        assert all(o.status == "recovered" for o in owed)
        assert ledger.balance(db, receivable) == 0
        assert ledger.check(db) == []


def test_the_account_pays_its_part_until_exhausted_then_the_pool_pays_all(
    database_url: str,
) -> None:
    world = desk(database_url)
    person = add_person(database_url, "赵志刚", "510104", date(1963, 6, 5), 171)
    # A high month and a floor month; the high month's payment is later returned (reversed),
    # so the account holds far less than the award's account part was priced on.
    payments = contribute(database_url, world.employer, [person],
                          {"2020-11": 1800000, "2020-12": 372600}, date(2020, 11, 1))
    award_id = award(database_url, person, deemed_months=200)
    fund_pool(database_url)
    with transaction(database_url, write=True) as db:
        admin = user(db, "admin-state")
        contributions.reverse_payment(db, admin, payments[0], "returned by the bank")
        left = ledger.balance(db, accounts.person("pension", person))
        part = payroll._amount_in_force(  # the award's account part
            list(db.scalars(select(payroll.PensionAmount).where(
                payroll.PensionAmount.award_id == award_id))), "2099-12").account_part_fen
        assert 0 < left < part * 40
    payroll.run_payroll(database_url, admin, "510000", "2026-11")
    with transaction(database_url) as db:
        paid = sorted(payroll.payments_of(db, admin, person), key=lambda p: p.month)
        assert sum(p.account_part_fen for p in paid) == left
        assert ledger.balance(db, accounts.person("pension", person)) == 0
        whole = [p for p in paid if p.account_part_fen == part]
        assert paid[len(whole)].account_part_fen == left - part * len(whole)
        assert all(p.account_part_fen == 0 for p in paid[len(whole) + 1:])
        assert all(p.pool_part_fen + p.account_part_fen == p.amount_fen for p in paid)
        assert ledger.check(db) == []
