"""Ledger tables: accounts with cached balances, journal entries, and their lines.

A line's `amount_fen` is signed: a debit is positive, a credit negative, so an entry balances
when its lines sum to zero. An account's cached `balance_fen` is kept in its normal sense
(a credit-normal fund holding 100 yuan has balance 10000): sign × sum of its lines, where sign
is +1 for debit-normal and -1 for credit-normal accounts. Entries and lines are never updated
or deleted (the migration installs triggers that refuse it); corrections are reversals.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shebao.db.base import Base, TimestampMixin, utcnow

# Entries and lines outgrow 32-bit ids at national scale; SQLite's rowid is already 64-bit and
# autoincrements only when declared INTEGER.
BigId = BigInteger().with_variant(Integer, "sqlite")


class LedgerAccount(TimestampMixin, Base):
    __tablename__ = "ledger_accounts"
    __table_args__ = (
        CheckConstraint("allow_negative OR balance_fen >= 0", name="no_negative_balance"),
        CheckConstraint("normal_side IN ('debit', 'credit')", name="normal_side"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(96), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    normal_side: Mapped[str] = mapped_column(String(6))
    allow_negative: Mapped[bool] = mapped_column(Boolean)
    # sign × sum(lines.amount_fen), updated in the same transaction as every posting
    balance_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    # how many lines touch the account: a version number for the cached balance
    line_count: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def sign(self) -> int:
        return 1 if self.normal_side == "debit" else -1


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    # sha256 of the canonical JSON of the request: same key, different body is refused
    request_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    memo: Mapped[str] = mapped_column(String(500), default="")
    effective_date: Mapped[date] = mapped_column(Date)
    posted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # a reversal names the entry it reverses; unique, so an entry is reversed at most once
    reverses_entry_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("ledger_entries.id"), unique=True, default=None
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    # the province whose control accounts carry the entry's person lines (None: it has none)
    province: Mapped[str | None] = mapped_column(String(6), default=None)

    lines: Mapped[list[LedgerLine]] = relationship(
        back_populates="entry", order_by="LedgerLine.id", lazy="selectin"
    )


class LedgerLine(Base):
    __tablename__ = "ledger_lines"
    __table_args__ = (
        CheckConstraint("amount_fen <> 0", name="nonzero_amount"),
        Index("ix_ledger_lines_account_id_id", "account_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entry_id: Mapped[int] = mapped_column(BigId, ForeignKey("ledger_entries.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)  # debit > 0, credit < 0

    entry: Mapped[LedgerEntry] = relationship(back_populates="lines")
    account: Mapped[LedgerAccount] = relationship(lazy="joined")


class IndividualAccountLine(Base):
    """The subsidiary ledger: one person's movement on one individual account in one entry.

    The general ledger holds one control line per (entry, account kind) on the entry's
    province's `individual:<account>:<province>` account; the person lines of the entry sum to
    it exactly. A person's balance is their movements' sum, kept in
    `individual_account_balances` by every posting that moves the account. No foreign keys
    on purpose: a month-end run writes millions of these rows, and PostgreSQL checks a
    foreign key one row at a time; `check` verifies the references set-wise instead.
    Append-only, like the ledger's lines.
    """

    __tablename__ = "individual_account_lines"
    __table_args__ = (
        CheckConstraint("amount_fen <> 0", name="nonzero_amount"),
        Index("ix_individual_account_lines_person", "person_id", "account", "entry_id"),
    )

    entry_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    # pension, medical, ...: compared bytewise (collation "C" on PostgreSQL), which keeps the
    # two indexes cheap to build when a month-end run adds millions of lines
    account: Mapped[str] = mapped_column(
        String(16).with_variant(String(16, collation="C"), "postgresql"), primary_key=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)  # debit > 0, credit < 0


class IndividualAccountBalance(Base):
    """What one person's individual accounts hold (fen, normal sense: −Σ movements), one
    column per kind of account (`accounts.PERSONAL_ACCOUNTS`), kept by every posting that
    moves them, in the same transaction.

    Without it every read of a balance — the payroll's account part, an overdraft check, a
    rights record — sums the person's whole history (a worker's account has a contribution
    row a month for decades). The upsert that keeps it is also the overdraft check: a debit
    updates the row under its lock and is refused if the result is below zero. One row per
    person, not per account: a month's contributions credit both the pension and the medical
    account of a million persons, and one row is half the writes. `ledger.check` verifies
    every value against the movements.
    """

    __tablename__ = "individual_account_balances"
    # room on each page, so that updating a million balances rewrites them in place (HOT)
    __table_args__: ClassVar[dict[str, Any]] = {"postgresql_with": {"fillfactor": 70}}

    person_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    pension_fen: Mapped[int] = mapped_column(BigInteger, server_default="0")
    resident_pension_fen: Mapped[int] = mapped_column(BigInteger, server_default="0")
    medical_fen: Mapped[int] = mapped_column(BigInteger, server_default="0")
    personal_pension_fen: Mapped[int] = mapped_column(BigInteger, server_default="0")
    annuity_fen: Mapped[int] = mapped_column(BigInteger, server_default="0")


def kept_balance(account: str) -> Any:
    """The column of `individual_account_balances` that keeps `account` (e.g. "pension")."""
    return IndividualAccountBalance.__table__.c[f"{account}_fen"]
