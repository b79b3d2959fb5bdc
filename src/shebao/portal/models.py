"""Appeals and complaints, requests to correct a record, and notices to a person.

An appeal contests one decision (an award amount, a refused claim, an assistance decision) and a
complaint the service itself; each has a response deadline from the policy parameters
(service.yaml), a status and, once decided, an outcome that a notice tells the person.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shebao.db.base import Base, TimestampMixin

KINDS = ("appeal", "complaint")
# What an appeal contests: the decision's domain; `other` for a complaint about the service.
SUBJECTS = ("pension_award", "claim", "assistance", "contribution", "transfer", "other")
APPEAL_STATUSES = ("submitted", "in_review", "upheld", "partly_upheld", "dismissed")
OPEN_APPEAL = APPEAL_STATUSES[:2]
OUTCOMES = APPEAL_STATUSES[2:]
# The first three are applied to the registry when corrected; the others are corrected by the
# clerk through their own domain (a missing contribution month, an employment spell).
CORRECTION_FIELDS = ("name", "phone", "hukou_region", "contributions", "employment", "other")
CORRECTION_STATUSES = ("submitted", "corrected", "refused")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Appeal(TimestampMixin, Base):
    """An appeal against a decision, or a complaint; answered by `due_on`."""

    __tablename__ = "appeals"
    __table_args__ = (
        CheckConstraint(_one_of("kind", KINDS), name="kind"),
        CheckConstraint(_one_of("subject", SUBJECTS), name="subject"),
        CheckConstraint(_one_of("status", APPEAL_STATUSES), name="status"),
        Index("ix_appeals_region_status", "region_code", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    # The office that answers: the person's region of record when it was filed.
    region_code: Mapped[str] = mapped_column(String(6))
    kind: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(20))
    # The contested decision as the person knows it (an application or claim number).
    subject_ref: Mapped[str | None] = mapped_column(String(64), default=None)
    text: Mapped[str] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(14), default="submitted")
    filed_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    filed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[str | None] = mapped_column(String(2000), default=None)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class CorrectionRequest(TimestampMixin, Base):
    """A person's request to correct a field of their record, answered by `due_on`."""

    __tablename__ = "correction_requests"
    __table_args__ = (
        CheckConstraint(_one_of("field", CORRECTION_FIELDS), name="field"),
        CheckConstraint(_one_of("status", CORRECTION_STATUSES), name="status"),
        Index("ix_correction_requests_region_status", "region_code", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(6))
    field: Mapped[str] = mapped_column(String(20))
    requested_value: Mapped[str] = mapped_column(String(500))
    reason: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(10), default="submitted")
    filed_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    filed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    response: Mapped[str | None] = mapped_column(String(1000), default=None)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class Notice(TimestampMixin, Base):
    """A message to one person: a decision on their appeal or correction, or office news."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    # A message key of web/i18n (so the notice reads in the person's language) and its detail.
    topic: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(String(2000))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
