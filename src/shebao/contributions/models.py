"""Declarations of wages, the bills priced from them, and the payments that settle them.

Money enters the funds only when it is paid: a bill is a claim, a payment posts to the ledger
(cash basis, as individual accounts are credited for contributions actually received).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shebao.db.base import Base, TimestampMixin, utcnow


class Declaration(TimestampMixin, Base):
    """An employer's monthly declaration of the wages of its staff."""

    __tablename__ = "declarations"
    __table_args__ = (UniqueConstraint("employer_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    source: Mapped[str] = mapped_column(String(8))  # api | csv
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    line_count: Mapped[int]
    total_wage_fen: Mapped[int] = mapped_column(BigInteger)

    lines: Mapped[list[DeclarationLine]] = relationship(
        back_populates="declaration", cascade="all, delete-orphan"
    )


class DeclarationLine(Base):
    __tablename__ = "declaration_lines"
    __table_args__ = (UniqueConstraint("declaration_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declarations.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    wage_fen: Mapped[int] = mapped_column(BigInteger)

    declaration: Mapped[Declaration] = relationship(back_populates="lines")


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

    lines: Mapped[list[BillLine]] = relationship(
        back_populates="bill", cascade="all, delete-orphan", order_by="BillLine.id"
    )
    payments: Mapped[list[Payment]] = relationship(back_populates="bill", order_by="Payment.id")


class BillLine(Base):
    __tablename__ = "bill_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    scheme: Mapped[str] = mapped_column(String(24))
    payer: Mapped[str] = mapped_column(String(8))  # employer | employee | person
    destination: Mapped[str] = mapped_column(String(20))  # pooled_fund | individual_account
    base_fen: Mapped[int] = mapped_column(BigInteger)
    rate: Mapped[float] = mapped_column(Float)
    relief_factor: Mapped[float] = mapped_column(Float)
    amount_fen: Mapped[int] = mapped_column(BigInteger)

    bill: Mapped[Bill] = relationship(back_populates="lines")


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
    ledger_entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reversed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    reversal_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_entries.id"), default=None
    )
    reversal_reason: Mapped[str | None] = mapped_column(String(500), default=None)

    bill: Mapped[Bill] = relationship(back_populates="payments")


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
