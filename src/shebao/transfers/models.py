"""Transfers of a person's pension and medical records from one province to another.

The money is in the ledger: the source's entry moves the individual accounts and the pooled
part into the transit account `transit:<source>-<destination>`, the destination's entry takes
it out again (docs/transfers.md). A transfer row says where the flow stands, what moved and
which contribution months went with the record.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from shebao.db.base import Base, TimestampMixin
from shebao.ledger import accounts

STATUSES = ("applied", "approved_at_source", "funds_moved", "received")
IN_FLIGHT = STATUSES[:-1]
CHANNELS = ("online", "desk")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Transfer(TimestampMixin, Base):
    """One transfer of a person's records; at most one in flight per person (partial index)."""

    __tablename__ = "transfers"
    __table_args__ = (
        CheckConstraint(_one_of("status", STATUSES), name="status"),
        CheckConstraint(_one_of("channel", CHANNELS), name="channel"),
        Index("uq_transfers_person_in_flight", "person_id", unique=True,
              sqlite_where=text("status <> 'received'"),
              postgresql_where=text("status <> 'received'")),
        Index("ix_transfers_status_due_on", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    source_province: Mapped[str] = mapped_column(String(6), index=True)
    destination_province: Mapped[str] = mapped_column(String(6), index=True)
    # The office that keeps the record after the transfer (the person's new residence region).
    destination_region: Mapped[str] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(20), default="applied")
    channel: Mapped[str] = mapped_column(String(8))
    applied_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)  # the service target: working days after applying
    applied_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    approved_on: Mapped[date | None] = mapped_column(Date, default=None)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    funds_moved_on: Mapped[date | None] = mapped_column(Date, default=None)
    received_on: Mapped[date | None] = mapped_column(Date, default=None)
    received_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    # Computed by the source at approval from the person's own record (fen).
    pool_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    pension_account_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    medical_account_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    # The contribution months that go with the record ("YYYY-MM", ascending).
    months: Mapped[list[str]] = mapped_column(JSON, default=list)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_entries.id"), default=None)
    destination_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_entries.id"), default=None)

    @property
    def transit_account(self) -> str:
        """The named account holding the money between the source's and destination's entries."""
        return accounts.transit(f"{self.source_province}-{self.destination_province}")

    @property
    def total_fen(self) -> int:
        return self.pool_fen + self.pension_account_fen + self.medical_account_fen
