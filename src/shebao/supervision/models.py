"""Supervision's tables: the audit trail, alerts of the detection rules, cases.

The audit trail: one append-only, hash-chained row per write and per sensitive read.

`seq` numbers the entries 1, 2, 3, … without gaps (assigned under the chain head's lock at
commit), so a deleted entry shows as a gap and a reordered one as a broken link. `entry_hash`
= SHA-256(previous entry's hash ‖ the entry's canonical JSON); the first entry links to 64
zeros. The migration installs triggers that refuse UPDATE and DELETE on the entries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shebao.db.base import Base, utcnow

BigSeq = BigInteger().with_variant(Integer, "sqlite")


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_object", "object_type", "object_id"),)

    seq: Mapped[int] = mapped_column(BigSeq, primary_key=True, autoincrement=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[int | None] = mapped_column(Integer, default=None)
    source: Mapped[str] = mapped_column(String(16))  # api | web | cli | system
    action: Mapped[str] = mapped_column(String(16))  # insert | update | delete | read | run
    object_type: Mapped[str] = mapped_column(String(64))  # a table, or a domain's object
    object_id: Mapped[str | None] = mapped_column(String(64), default=None)
    # canonical JSON of the values before and after (None when there is no such side)
    before: Mapped[str | None] = mapped_column(Text, default=None)
    after: Mapped[str | None] = mapped_column(Text, default=None)
    reason: Mapped[str | None] = mapped_column(String(500), default=None)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's head (one row): the lock every sealing transaction takes, and where the
    next entry links. A cache of the last entry, never trusted by `verify`."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigSeq)
    entry_hash: Mapped[str] = mapped_column(String(64))


ALERT_RULES = (
    "pension_after_death", "paid_by_two_provinces", "exclusive_schemes",
    "unemployment_while_employed", "ghost_employee", "dibao_undeclared_income",
    "duplicate_claim", "impossible_claim",
    "outlier_billing", "split_admission", "under_declaration",
)
SUBJECTS = ("person", "employer", "hospital")
CASE_STATUSES = ("open", "investigating", "closed")
OUTCOMES = ("cleared", "recovered", "referred")


class Alert(Base):
    """One finding of one detection rule, with its evidence; found once (its key is unique),
    however often the rules run."""

    __tablename__ = "supervision_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(160), unique=True)
    subject_kind: Mapped[str] = mapped_column(String(12))
    subject_id: Mapped[int] = mapped_column(Integer)
    province: Mapped[str] = mapped_column(String(6), index=True)
    scheme: Mapped[str] = mapped_column(String(24))  # the fund a recovery returns to
    amount_fen: Mapped[int] = mapped_column(BigInteger)  # money at stake (0 when none is known)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    detected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    case_id: Mapped[int] = mapped_column(ForeignKey("supervision_cases.id"), index=True)


class Case(Base):
    """Alerts about one subject and fund, investigated together; a person decides the outcome."""

    __tablename__ = "supervision_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(12))
    subject_id: Mapped[int] = mapped_column(Integer)
    province: Mapped[str] = mapped_column(String(6), index=True)
    scheme: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    risk_score: Mapped[float] = mapped_column(Float, default=0.0)
    amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    outcome: Mapped[str | None] = mapped_column(String(12), default=None)
    outcome_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    recovered_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    fine_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    ledger_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"),
                                                        default=None)

    alerts: Mapped[list[Alert]] = relationship(order_by="Alert.id", lazy="selectin")
    notes: Mapped[list[CaseNote]] = relationship(order_by="CaseNote.id", lazy="selectin")


class CaseNote(Base):
    __tablename__ = "supervision_case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("supervision_cases.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(String(2000))
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ExternalWage(Base):
    """A wage reported outside shebao (tax records), imported from a file, for the
    under-declaration rule."""

    __tablename__ = "supervision_external_wages"
    __table_args__ = (UniqueConstraint("person_id", "employer_id", "month", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"))
    month: Mapped[str] = mapped_column(String(7))
    wage_fen: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(32))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
