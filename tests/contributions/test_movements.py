"""A paid bill's contribution rows are its persons' account movements, by reference.

On SQLite and PostgreSQL: a payment copies nothing into the sub-ledger, yet the persons'
balances and statements show it; a reversal of the payment debits the same rows; the ledger
refuses to reverse a payment's entry without the payment; the rows are append-only; and
`ledger.check` finds a row of a paid bill changed or deleted behind the trigger's back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from shebao.auth.models import User
from shebao.contributions import service
from shebao.contributions.models import Contribution
from shebao.db.engine import transaction
from shebao.errors import InputError
from shebao.ledger import service as ledger
from shebao.ledger.models import IndividualAccountLine
from shebao.registry.identifiers import make_credit_code
from shebao.registry.models import Person
from shebao.registry.schemas import EmploymentStart
from shebao.registry.service import start_employment
from tests.helpers import add_employer, add_person, add_user

PAID_ON = date(2025, 7, 31)


@dataclass(frozen=True)
class Paid:
    bill_id: int
    payment_id: int
    entry_id: int
    persons: tuple[int, int]
    shares: dict[tuple[int, str], int]
    """(person, account) → what the bill's rows credit the account, in fen."""


def _admin(db: Session) -> User:
    user = db.scalar(select(User).where(User.username == "admin-state"))
    assert user is not None
    return user


def _paid_bill(url: str) -> Paid:
    """A Shenzhen factory declares July 2025 for two employees and pays on the due day."""
    chen = add_person(url, "陈丽", "440306", date(1985, 3, 9), 22)
    li = add_person(url, "李娜", "440306", date(1992, 8, 2), 24)
    firm = add_employer(url, make_credit_code("440306", "MA5F3K2L8"), "440306",
                        name="深圳市宝安精密电子有限公司", injury_class=3, size="medium")
    add_user(url, "admin-state", "admin", "000000")
    with transaction(url, write=True) as db:
        admin = _admin(db)
        for person in (chen, li):
            start_employment(db, admin, EmploymentStart(
                person_id=person, employer_id=firm, start_date=date(2019, 1, 1),
                monthly_wage_fen=800_000))
    with transaction(url, write=True) as db:
        admin = _admin(db)
        numbers = [db.get_one(Person, p).identity_number for p in (chen, li)]
        bill = service.declare(db, admin, firm, "2025-07", [
            service.DeclaredRow(1, numbers[0], 800_000),
            service.DeclaredRow(2, numbers[1], 1_234_567)], "api")
        payment = service.pay(db, admin, bill.id, PAID_ON, bill.amount_fen)
        shares = {(row.person_id, account): sum(getattr(row, c) for c in columns)
                  for row in bill.rows for account, columns in service.ACCOUNT_COLUMNS.items()}
        return Paid(bill.id, payment.id, payment.ledger_entry_id, (chen, li), shares)


def _balances(url: str, paid: Paid) -> dict[tuple[int, str], int]:
    with transaction(url) as db:
        return {key: ledger.balance(db, f"person:{key[1]}:{key[0]}") for key in paid.shares}


def test_a_paid_bill_s_rows_are_its_persons_movements(database_url: str) -> None:
    paid = _paid_bill(database_url)
    assert all(amount > 0 for amount in paid.shares.values())
    assert _balances(database_url, paid) == paid.shares
    with transaction(database_url) as db:
        # nothing was copied: the sub-ledger holds no line of the payment
        assert db.scalar(select(func.count()).select_from(IndividualAccountLine)) == 0
        for (person, account), amount in paid.shares.items():
            shown = ledger.statement(db, f"person:{account}:{person}")
            assert shown.opened and shown.balance_fen == amount
            assert [(x.entry_id, x.amount_fen, x.side) for x in shown.lines] == [
                (paid.entry_id, amount, "credit")]
        control = ledger.balance(db, "individual:pension:440000")
        assert control == sum(a for (_, account), a in paid.shares.items() if account == "pension")
        assert ledger.check(db) == []
        # the entry as its poster saw it, read back from the rows
        lines = ledger._result(db, db.get_one(ledger.LedgerEntry, paid.entry_id), True).lines
        assert {(x.account, x.amount_fen) for x in lines if x.account.startswith("person:")} == {
            (f"person:{account}:{person}", -amount)
            for (person, account), amount in paid.shares.items()}


def test_a_reversed_payment_debits_the_same_rows(database_url: str) -> None:
    paid = _paid_bill(database_url)
    with transaction(database_url, write=True) as db:
        reversed_payment = service.reverse_payment(db, _admin(db), paid.payment_id,
                                                   "returned by the bank")
        reversal = reversed_payment.reversal_entry_id
        assert reversal is not None and reversed_payment.reversed_at is not None
    assert _balances(database_url, paid) == dict.fromkeys(paid.shares, 0)
    with transaction(database_url) as db:
        person, account = next(iter(paid.shares))
        shown = ledger.statement(db, f"person:{account}:{person}")
        assert [(x.entry_id, x.amount_fen) for x in shown.lines] == [
            (reversal, -paid.shares[(person, account)]),
            (paid.entry_id, paid.shares[(person, account)])]
        assert db.scalar(select(func.count()).select_from(IndividualAccountLine)) == 0
        assert ledger.check(db) == []
    # paid again: a new entry, the same rows credited once more
    with transaction(database_url, write=True) as db:
        bill = service.bill_for(db, _admin(db), paid.bill_id, "contribution.pay")
        again = service.pay(db, _admin(db), paid.bill_id, PAID_ON, bill.amount_fen)
        assert again.ledger_entry_id not in (paid.entry_id, reversal)
    assert _balances(database_url, paid) == paid.shares
    with transaction(database_url) as db:
        assert ledger.check(db) == []


def test_a_payment_s_entry_is_reversed_only_through_the_payment(database_url: str) -> None:
    paid = _paid_bill(database_url)
    with pytest.raises(InputError) as refused, \
            transaction(database_url, write=True) as db:
        ledger.reverse(db, paid.entry_id, "manual-undo", "by hand")
    assert refused.value.field == "entry_id"
    assert "contribution payments" in refused.value.reason
    assert _balances(database_url, paid) == paid.shares


def test_contribution_rows_are_append_only(database_url: str) -> None:
    paid = _paid_bill(database_url)
    for statement in ("UPDATE contributions SET pension_account_fen = pension_account_fen + 1",
                      "DELETE FROM contributions", "DELETE FROM payments",
                      "UPDATE payments SET ledger_entry_id = ledger_entry_id + 1"):
        with pytest.raises(DBAPIError, match="never"), transaction(database_url) as db:
            db.execute(text(statement))
    assert _balances(database_url, paid) == paid.shares


class _Undo(Exception):
    """Rolls the forced change back."""


@pytest.mark.parametrize(("change", "person_index", "found"), [
    ("UPDATE contributions SET pension_account_fen = pension_account_fen + 100 "
     "WHERE person_id = :person", 0, "its pension person lines sum to {sum} fen"),
    ("DELETE FROM contributions WHERE person_id = :person", 1,
     "its pension person lines sum to {sum} fen"),
])
def test_check_finds_a_paid_bill_s_row_changed_behind_the_trigger(
    database_url: str, change: str, person_index: int, found: str
) -> None:
    paid = _paid_bill(database_url)
    person = paid.persons[person_index]
    total = sum(a for (_, account), a in paid.shares.items() if account == "pension")
    expected = -(total + 100) if change.startswith("UPDATE") else -(
        total - paid.shares[(person, "pension")])
    with pytest.raises(_Undo), transaction(database_url) as db:
        if db.get_bind().dialect.name == "postgresql":
            db.execute(text("ALTER TABLE contributions DISABLE TRIGGER contributions_append_only"))
        else:
            db.execute(text("DROP TRIGGER contributions_no_update"))
            db.execute(text("DROP TRIGGER contributions_no_delete"))
        db.execute(text(change), {"person": person})
        problems = ledger.check(db)
        assert (f"entry {paid.entry_id}: {found.format(sum=expected)}, its control line to "
                f"{-total} fen") in problems
        raise _Undo
    with transaction(database_url) as db:
        assert ledger.check(db) == []
        assert db.scalar(select(func.count()).select_from(Contribution)) == 2
