"""Social assistance: applications (which become cases), the discrepancies the cross-checks
find, imported external records, events (decisions, notices, flags, appeals) and payments.

An application is for a household (dibao, near-dibao, extreme poverty, temporary assistance)
or for one member (the welfare allowances). Declared means are kept as declared; the means
the records show are kept beside them, so a caseworker sees both and decides on one.
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
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shebao.db.base import Base, TimestampMixin, utcnow

PROGRAMMES = (
    "dibao", "near_dibao", "extreme_poverty", "temporary", "orphan", "disability_living",
    "disability_care", "old_age", "veteran",
)
HOUSEHOLD_PROGRAMMES = ("dibao", "near_dibao", "extreme_poverty", "temporary")
# pending: waiting for a caseworker; approved: paid monthly (or once, temporary); refused;
# stopped (after approval, with notice). An incomplete application is returned, not stored.
STATUSES = ("pending", "approved", "refused", "stopped")
DISCREPANCY_STATUSES = ("open", "explained", "confirmed")
EXTERNAL_KINDS = ("vehicle", "property", "deposit")
EVENT_KINDS = ("submitted", "decision", "flag", "review", "notice", "appeal",
               "appeal_decision", "adjustment")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class AssistanceApplication(TimestampMixin, Base):
    """One application for one programme; once approved it is the case that is paid."""

    __tablename__ = "assistance_applications"
    __table_args__ = (
        CheckConstraint(_one_of("programme", PROGRAMMES), name="programme"),
        CheckConstraint(_one_of("status", STATUSES), name="status"),
        CheckConstraint(_one_of("area", ("urban", "rural")), name="area"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    # The member a welfare allowance is for; None for a household programme.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), default=None)
    programme: Mapped[str] = mapped_column(String(20))
    region_code: Mapped[str] = mapped_column(String(6), index=True)  # the household's county
    province: Mapped[str] = mapped_column(String(6), index=True)  # whose fund pays
    area: Mapped[str] = mapped_column(String(5))  # urban | rural: which standard applies
    applied_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), index=True)
    household_size: Mapped[int] = mapped_column(default=0)
    # What the household declared: per-member income lines and assets (fen, monthly).
    declared: Mapped[dict[str, Any]] = mapped_column(JSON)
    # What shebao's records and imported files show, and the means tests on both.
    assessment: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    declared_amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    assessed_amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    # The caseworker's decision: the amount paid each month (or once), and why.
    monthly_amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    basis: Mapped[str | None] = mapped_column(String(10), default=None)  # declared | assessed
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    decision_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    first_month: Mapped[str | None] = mapped_column(String(7), default=None)
    last_month: Mapped[str | None] = mapped_column(String(7), default=None)  # set when stopped
    next_review: Mapped[date | None] = mapped_column(Date, default=None)
    review_flagged: Mapped[bool] = mapped_column(default=False)
    appeal_open: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)

    discrepancies: Mapped[list[Discrepancy]] = relationship(
        back_populates="application", order_by="Discrepancy.id", lazy="selectin")
    events: Mapped[list[AssistanceEvent]] = relationship(
        order_by="AssistanceEvent.id", lazy="selectin")
    payments: Mapped[list[AssistancePayment]] = relationship(
        order_by="AssistancePayment.month", lazy="selectin")


class Discrepancy(Base):
    """A difference between a declaration and a record, with the record it came from."""

    __tablename__ = "assistance_discrepancies"
    __table_args__ = (
        CheckConstraint(_one_of("status", DISCREPANCY_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("assistance_applications.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), default=None)
    source: Mapped[str] = mapped_column(String(40))  # e.g. contributions, external:vehicle
    field: Mapped[str] = mapped_column(String(40))
    declared: Mapped[str] = mapped_column(String(120))
    recorded: Mapped[str] = mapped_column(String(120))
    detail: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(10), default="open")
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    note: Mapped[str | None] = mapped_column(String(500), default=None)
    found_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    application: Mapped[AssistanceApplication] = relationship(back_populates="discrepancies")


class ExternalImport(Base):
    """One accepted file of external records (vehicles, property or deposits) for a region."""

    __tablename__ = "assistance_imports"
    __table_args__ = (CheckConstraint(_one_of("kind", EXTERNAL_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    region_code: Mapped[str] = mapped_column(String(6), index=True)  # the region it covers
    source: Mapped[str] = mapped_column(String(120))  # the registry that supplied it
    as_of: Mapped[date] = mapped_column(Date)
    rows: Mapped[int]
    imported_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ExternalRecord(Base):
    """One row of an imported file: a person's vehicle, dwelling or deposit balance."""

    __tablename__ = "assistance_external_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("assistance_imports.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    reference: Mapped[str] = mapped_column(String(64))  # plate, deed or account number
    value_fen: Mapped[int] = mapped_column(BigInteger)


class AssistanceEvent(Base):
    """Everything that happens to an application, with who did it and why: the audit trail
    of decisions, notices sent, flags raised, reviews and appeals."""

    __tablename__ = "assistance_events"
    __table_args__ = (CheckConstraint(_one_of("kind", EVENT_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("assistance_applications.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AssistancePayment(Base):
    """One month's payment of a case (or a temporary payment): one ledger entry."""

    __tablename__ = "assistance_payments"
    __table_args__ = (UniqueConstraint("application_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("assistance_applications.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    ledger_entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"))
