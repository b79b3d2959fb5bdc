"""Pension applications, awards and their effective-dated amounts, payroll runs and payments,
survival authentications and overpayments.

An award is never edited after approval: indexation adds a `PensionAmount` row effective from
a month; the payroll reads the amount in force for each month it pays. A payment row is unique
per (award, month), so no month is ever paid twice, whatever happens to a run.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shebao.db.base import Base, TimestampMixin, utcnow
from shebao.ledger.models import BigId

APPLICATION_STATUSES = ("draft", "submitted", "approved", "rejected")
AWARD_STATUSES = ("payment", "suspended", "stopped")
PENSION_SCHEMES = ("employee", "resident")
AUTH_CHANNELS = ("online", "desk", "proxy")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class PensionApplication(TimestampMixin, Base):
    """A retirement application, opened at the desk or online, with the award it computes.

    Maker-checker: whoever submitted (and so computed) it may not approve or reject it.
    """

    __tablename__ = "pension_applications"
    __table_args__ = (
        CheckConstraint(_one_of("status", APPLICATION_STATUSES), name="status"),
        CheckConstraint(_one_of("scheme", PENSION_SCHEMES), name="scheme"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    scheme: Mapped[str] = mapped_column(String(12))
    channel: Mapped[str] = mapped_column(String(8))  # desk | online
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    # Old-law age category (60 men, 55 women staff, 50 women workers) for employee pensions.
    original_age_years: Mapped[int | None] = mapped_column(default=None)
    retirement_month: Mapped[str] = mapped_column(String(7))  # chosen; statutory by default
    statutory_month: Mapped[str | None] = mapped_column(String(7), default=None)
    deemed_months: Mapped[int] = mapped_column(default=0)
    deemed_basis: Mapped[str | None] = mapped_column(String(200), default=None)
    province: Mapped[str | None] = mapped_column(String(6), default=None)
    # The computed award (filled in when submitted).
    contribution_months: Mapped[int | None] = mapped_column(default=None)
    average_index: Mapped[float | None] = mapped_column(Float, default=None)
    account_balance_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)
    basic_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)
    account_part_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)
    transitional_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)
    total_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)
    explanation: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    decision_reason: Mapped[str | None] = mapped_column(String(500), default=None)


class PensionAward(TimestampMixin, Base):
    """An approved pension: who, which scheme and province pays it, from which month."""

    __tablename__ = "pension_awards"
    __table_args__ = (
        UniqueConstraint("person_id", "scheme"),
        CheckConstraint(_one_of("status", AWARD_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("pension_applications.id"),
                                                unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    scheme: Mapped[str] = mapped_column(String(12))
    province: Mapped[str] = mapped_column(String(6), index=True)
    first_month: Mapped[str] = mapped_column(String(7))  # the month after retirement
    contribution_months: Mapped[int]
    status: Mapped[str] = mapped_column(String(12), default="payment")
    suspended_from: Mapped[str | None] = mapped_column(String(7), default=None)
    stopped_reason: Mapped[str | None] = mapped_column(String(200), default=None)
    approved_on: Mapped[date] = mapped_column(Date)


class PensionAmount(Base):
    """The monthly amount of an award from `effective_month` on: the award, then indexations."""

    __tablename__ = "pension_amounts"
    __table_args__ = (UniqueConstraint("award_id", "effective_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("pension_awards.id"), index=True)
    effective_month: Mapped[str] = mapped_column(String(7))
    total_fen: Mapped[int] = mapped_column(BigInteger)
    # The part the individual account pays while it lasts; the pooled fund pays the rest.
    account_part_fen: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(24))  # award | indexation
    explanation: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)


class PayrollRun(Base):
    """One province's payroll for one month; `processed` is its progress, kept per batch."""

    __tablename__ = "pension_payroll_runs"
    __table_args__ = (UniqueConstraint("province", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    province: Mapped[str] = mapped_column(String(6))
    month: Mapped[str] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(12), default="running")  # running | done
    cursor_award_id: Mapped[int] = mapped_column(default=0)
    processed: Mapped[int] = mapped_column(default=0)
    payments: Mapped[int] = mapped_column(default=0)
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    suspended: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class PensionPayment(Base):
    """One month of one award, paid once: the pooled and account parts and the ledger entry.

    The payroll writes these by the million (a batch's rows at once, sharing the batch's
    ledger entry), so the table carries only what reads need: the primary key and the unique
    (award, month), which also serves every read by award. No foreign keys on purpose:
    PostgreSQL checks a foreign key one row at a time; `payroll.check` verifies the awards,
    persons, runs and ledger entries the rows name, set-wise.
    """

    __tablename__ = "pension_payments"
    __table_args__ = (UniqueConstraint("award_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int]
    person_id: Mapped[int]
    month: Mapped[str] = mapped_column(String(7))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    pool_part_fen: Mapped[int] = mapped_column(BigInteger)
    account_part_fen: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[date] = mapped_column(Date)
    run_id: Mapped[int | None] = mapped_column(default=None)
    ledger_entry_id: Mapped[int] = mapped_column(BigId)


class SurvivalAuthentication(Base):
    """A pensioner shown to be alive: online self-service, at the desk, or by a family proxy."""

    __tablename__ = "pension_authentications"
    __table_args__ = (
        CheckConstraint(_one_of("channel", AUTH_CHANNELS), name="channel"),
        # a person's last authentication read from the index alone (the payroll reads it for
        # every pensioner each month)
        Index("ix_pension_authentications_person_id_on", "person_id", "authenticated_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    channel: Mapped[str] = mapped_column(String(8))
    authenticated_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    proxy_name: Mapped[str | None] = mapped_column(String(64), default=None)
    proxy_relationship: Mapped[str | None] = mapped_column(String(24), default=None)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Overpayment(Base):
    """A month paid after the pensioner's death: a receivable until recovered."""

    __tablename__ = "pension_overpayments"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("pension_payments.id"), unique=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("pension_awards.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    recovered_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | recovered
    receivable_entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"))
    detected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
