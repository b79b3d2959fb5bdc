"""Declarations of wages, the bills priced from them, and the payments that settle them.

Money enters the funds only when it is paid: a bill is a claim, a payment posts to the ledger
(cash basis, as individual accounts are credited for contributions actually received).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ColumnElement,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shebao.db.base import Base, TimestampMixin, utcnow
from shebao.ledger import movements


class Declaration(TimestampMixin, Base):
    """An employer's monthly declaration of the wages of its staff (the wages are on the
    bill's contribution rows)."""

    __tablename__ = "declarations"
    __table_args__ = (UniqueConstraint("employer_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    source: Mapped[str] = mapped_column(String(8))  # api | csv | bulk
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    line_count: Mapped[int]
    total_wage_fen: Mapped[int] = mapped_column(BigInteger)


SHARES: tuple[tuple[str, str, str], ...] = (
    ("pension_pool_fen", "employee_pension", "pooled_fund"),
    ("pension_account_fen", "employee_pension", "individual_account"),
    ("medical_pool_fen", "employee_medical", "pooled_fund"),
    ("medical_employer_account_fen", "employee_medical", "individual_account"),
    ("medical_account_fen", "employee_medical", "individual_account"),
    ("unemployment_employer_fen", "unemployment", "pooled_fund"),
    ("unemployment_employee_fen", "unemployment", "pooled_fund"),
    ("injury_fen", "work_injury", "pooled_fund"),
)
"""The amount columns of a contribution row: (column, scheme, destination), in the order
`policy.billing.monthly_bill` gives an employee's lines. A flexible worker's two pension
lines (payer `person`) use the first two."""

def covers(scheme: str) -> ColumnElement[bool]:
    """True for a contribution row that carries `scheme` (one of its shares is not zero):
    how benefits count the months a person contributed to a scheme."""
    return or_(*(getattr(Contribution, column) != 0
                 for column, share_scheme, _ in SHARES if share_scheme == scheme))


PERSONAL_ACCOUNT_OF_SCHEME = {"employee_pension": "pension", "employee_medical": "medical"}
"""The individual account that a scheme's account share credits."""
ACCOUNT_COLUMNS: dict[str, tuple[str, ...]] = {
    account: tuple(c for c, s, d in SHARES
                   if d == "individual_account" and PERSONAL_ACCOUNT_OF_SCHEME[s] == account)
    for account in dict.fromkeys(PERSONAL_ACCOUNT_OF_SCHEME.values())
}
"""The contribution columns each individual account receives."""


def share_column(scheme: str, payer: str, destination: str) -> str:
    """The contribution row's column for one of `monthly_bill`'s lines."""
    if scheme == "employee_medical" and destination == "individual_account":
        return "medical_employer_account_fen" if payer == "employer" else "medical_account_fen"
    if scheme == "unemployment":
        return f"unemployment_{payer}_fen"
    for column, share_scheme, share_destination in SHARES:
        if (share_scheme, share_destination) == (scheme, destination):
            return column
    raise ValueError(f"no contribution column for {scheme}/{payer}/{destination}")


@dataclass(frozen=True)
class BillLine:
    """One person's share of one scheme on a bill, as the bill and the record show it: the
    row's amount with the rate and relief factor the bill was priced at."""

    person_id: int
    scheme: str
    payer: str
    destination: str
    base_fen: int
    rate: float
    relief_factor: float
    amount_fen: int


class Bill(TimestampMixin, Base):
    """What one payer owes for one month: an employer for its staff, or a flexible worker."""

    __tablename__ = "bills"

    id: Mapped[int] = mapped_column(primary_key=True)
    payer_kind: Mapped[str] = mapped_column(String(8))  # employer | person
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employers.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    declaration_id: Mapped[int | None] = mapped_column(ForeignKey("declarations.id"))
    month: Mapped[str] = mapped_column(String(7), index=True)
    province: Mapped[str] = mapped_column(String(6))  # the pooled funds it pays into
    due_date: Mapped[date] = mapped_column(Date)
    # A deferral (2020, 2022) moves the date from which late fees run.
    deferred_until: Mapped[date | None] = mapped_column(Date, default=None)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | paid
    # The terms the bill was priced at, the same for all its persons: per line of
    # monthly_bill, [column, scheme, payer, destination, rate, relief factor].
    terms: Mapped[list[list[Any]]] = mapped_column(JSON, default=list)

    rows: Mapped[list[Contribution]] = relationship(
        primaryjoin="Bill.id == foreign(Contribution.bill_id)",
        order_by="Contribution.person_id", viewonly=True,
    )
    payments: Mapped[list[Payment]] = relationship(back_populates="bill", order_by="Payment.id")

    @property
    def lines(self) -> list[BillLine]:
        """Every person's non-zero shares, person by person in the order of the terms."""
        return [
            BillLine(row.person_id, scheme, payer, destination, row.base_fen, rate, relief,
                     getattr(row, column))
            for row in self.rows
            for column, scheme, payer, destination, rate, relief in self.terms
            if getattr(row, column)
        ]


class Contribution(Base):
    """One person on one bill: the declared wage, the base, and every share in fen.

    One row per (bill, person) whatever the schemes: a month for a million employees is a
    million rows. No foreign keys on purpose — the month-end path writes them by the million
    and PostgreSQL checks a foreign key row by row; rows are written only with their bill, for
    persons checked against the registry in the same transaction.

    Never changed or deleted (triggers refuse it, migration 0012): once a bill is paid, its
    rows are its persons' individual-account credits (`payment_movements`).
    """

    __tablename__ = "contributions"
    __table_args__ = (Index("ix_contributions_person_id", "person_id"),)

    bill_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    person_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    wage_fen: Mapped[int] = mapped_column(BigInteger)
    base_fen: Mapped[int] = mapped_column(BigInteger)
    pension_pool_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    pension_account_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    medical_pool_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    medical_employer_account_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    medical_account_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    unemployment_employer_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    unemployment_employee_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    injury_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class Payment(Base):
    """A bill paid in full, with the late fee due on the day, and its ledger entry.

    A payment is never edited or deleted: a returned or misapplied payment is reversed (its
    ledger entry mirrored), and the bill can be paid again. A bill has at most one payment
    that is not reversed.
    """

    __tablename__ = "payments"
    __table_args__ = (
        Index(
            "uq_payments_bill_id_unreversed", "bill_id", unique=True,
            sqlite_where=text("reversed_at IS NULL"),
            postgresql_where=text("reversed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id"), index=True)
    paid_on: Mapped[date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    late_fee_fen: Mapped[int] = mapped_column(BigInteger)
    days_late: Mapped[int]
    # both entries are looked up by id: their person movements are the bill's rows
    ledger_entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reversed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    reversal_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_entries.id"), default=None, index=True
    )
    reversal_reason: Mapped[str | None] = mapped_column(String(500), default=None)

    bill: Mapped[Bill] = relationship(back_populates="payments")


def account_share(account: str) -> Any:
    """A contribution row's credit to one individual account: the sum of its columns."""
    table = Contribution.__table__
    columns = [table.c[column] for column in ACCOUNT_COLUMNS[account]]
    total = columns[0]
    for column in columns[1:]:
        total = total + column
    return total


def payment_movements() -> list[Any]:
    """The persons' movements of contribution payments, registered with the ledger.

    A payment's entry credits each person of the paid bill with the account shares of their
    contribution row; the reversal of that payment (`payments.reversal_entry_id`) debits the
    same rows. Nothing is copied: the rows (never changed) and the payment's links (set once)
    are the movements.
    """
    payments, rows = Payment.__table__, Contribution.__table__
    parts = []
    for account in ACCOUNT_COLUMNS:
        share = account_share(account)
        for entry, sign in ((payments.c.ledger_entry_id, -1), (payments.c.reversal_entry_id, 1)):
            parts.append(
                select(entry.label("entry_id"), rows.c.person_id,
                       literal(account).label("account"),
                       (share if sign > 0 else -share).label("amount_fen"))
                .join(rows, rows.c.bill_id == payments.c.bill_id)
                .where(entry.is_not(None), share != 0))
    return parts


movements.register("contribution payments", payment_movements)


class ResidentContribution(Base):
    """A resident's yearly pension contribution at a chosen tier, with the local subsidy."""

    __tablename__ = "resident_contributions"
    __table_args__ = (UniqueConstraint("person_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    year: Mapped[int]
    province: Mapped[str] = mapped_column(String(6))
    tier_fen: Mapped[int] = mapped_column(BigInteger)
    subsidy_fen: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[date] = mapped_column(Date)
    ledger_entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"))
