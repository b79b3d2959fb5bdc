"""A migrant worker's career across three provinces, moved twice: every contribution month and
every fen is kept, none counted twice (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from shebao.benefits.pension.service import paid_record
from shebao.contributions.models import Bill, Contribution
from shebao.db.engine import transaction
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.ledger.models import LedgerEntry
from shebao.registry.models import Person
from shebao.transfers import service
from tests.benefits.pension.world import user
from tests.transfers.world import (
    FIRST_HALF,
    GUANGDONG,
    SECOND_HALF,
    SICHUAN,
    ZHEJIANG,
    migrant,
    staff,
    work,
)


def _paid(url: str, person_id: int, columns: str, province: str | None = None) -> int:
    """Σ of shares (columns joined by +) of the person's paid contribution rows (in one
    province if given)."""
    total = sum(getattr(Contribution, column) for column in columns.split("+"))
    with transaction(url) as db:
        query = (select(func.coalesce(func.sum(total), 0))
                 .join(Bill, Bill.id == Contribution.bill_id)
                 .where(Contribution.person_id == person_id, Bill.status == "paid"))
        if province:
            query = query.where(Bill.province == province)
        return int(db.scalar(query) or 0)


MEDICAL = "medical_account_fen+medical_employer_account_fen"


def _move(url: str, person_id: int, destination: str, region: str, clerk: str,
          on: date) -> int:
    """Apply (the citizen online), approve at the source, complete: the transfer's id."""
    with transaction(url, write=True) as db:
        made = service.apply(db, user(db, "citizen-wang"),
                             service.ApplicationInput(person_id, destination, region), on)
        assert (made.status, made.channel) == ("applied", "online")
        transfer_id = made.id
    with transaction(url, write=True) as db:
        service.approve(db, user(db, clerk), transfer_id, on)
    with transaction(url) as db:
        admin = user(db, "admin-state")
    assert service.complete(url, admin, transfer_id, on) == "received"
    return transfer_id


def _pool(fen_of_months: dict[str, int]) -> int:
    """12% of Σ bases, rounded half up once (the rule's single rounding point)."""
    return (sum(fen_of_months.values()) * 12 + 50) // 100


def test_three_provinces_two_moves_keep_every_month_and_every_fen(database_url: str) -> None:
    url = database_url
    staff(url)
    person = migrant(url)
    work(url, person, "440106", "MA1A2B3C4", FIRST_HALF)
    paid_pension = _paid(url, person, "pension_account_fen")
    paid_medical = _paid(url, person, MEDICAL)
    first = _move(url, person, ZHEJIANG, ZHEJIANG, "clerk-guangdong", date(2021, 7, 1))
    work(url, person, "330000", "MA7D8E6F5", SECOND_HALF)
    second = _move(url, person, SICHUAN, "511324", "clerk-zhejiang", date(2022, 1, 10))

    pension_total = _paid(url, person, "pension_account_fen")
    medical_total = _paid(url, person, MEDICAL)
    with transaction(url) as db:
        one, two = db.get(service.Transfer, first), db.get(service.Transfer, second)
        # Months: the first move carried Guangdong's six, the second all twelve; none twice.
        assert one.months == sorted(FIRST_HALF)
        assert two.months == sorted(FIRST_HALF | SECOND_HALF)
        held = service.held_months(db, person)
        assert {h.held_by for h in held.values()} == {SICHUAN}
        assert len(held) == 12 and len(paid_record(db, person).months) == 12
        # Pooled part: 12% of the bases the source held, Guangdong's six passed on by Zhejiang.
        assert one.pool_fen == _pool(FIRST_HALF)
        assert two.pool_fen == _pool(FIRST_HALF | SECOND_HALF)
        # Individual accounts in full: everything paid, with nothing left behind at a source.
        assert one.pension_account_fen == paid_pension
        assert one.medical_account_fen == paid_medical
        assert two.pension_account_fen == pension_total
        assert two.medical_account_fen == medical_total
        for kind, total in (("pension", pension_total), ("medical", medical_total)):
            code = accounts.person(kind, person)
            assert ledger.balance(db, code) == total
            assert ledger.person_balance_in(db, code, SICHUAN) == total
            assert ledger.person_balance_in(db, code, GUANGDONG) == 0
            assert ledger.person_balance_in(db, code, ZHEJIANG) == 0
        # Pooled funds: each source's contributions less what moved on; Sichuan got all 12%.
        pools = {p: ledger.balance(db, accounts.pool("employee_pension", p))
                 for p in (GUANGDONG, ZHEJIANG, SICHUAN)}
        assert pools[GUANGDONG] == _paid(url, person, "pension_pool_fen", GUANGDONG) - one.pool_fen
        assert pools[ZHEJIANG] == (_paid(url, person, "pension_pool_fen", ZHEJIANG)
                                   + one.pool_fen - two.pool_fen)
        assert pools[SICHUAN] == two.pool_fen
        for pair in ("440000-330000", "330000-510000"):
            assert ledger.balance(db, accounts.transit(pair)) == 0
        # The record is now kept in the hukou county: the pension is paid in Sichuan (rule 1).
        assert db.get(Person, person).residence_region == "511324"
        place = service.benefit_place(db, db.get(Person, person), on=date(2022, 1, 10))
        assert (place["province"], place["rule"]) == (SICHUAN, 1)
        keys = set(db.scalars(select(LedgerEntry.idempotency_key)
                              .where(LedgerEntry.kind == "transfer")))
        assert keys == {f"transfer-{t}-{side}" for t in (first, second)
                        for side in ("source", "destination")}
        assert ledger.check(db) == []
