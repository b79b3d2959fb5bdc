"""Unemployment claims and the monthly payments made on them."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shebao.db.base import Base, TimestampMixin


class UnemploymentClaim(TimestampMixin, Base):
    """A registered unemployed person's claim: entitlement fixed at registration, paid monthly.

    `status`: active (being paid), exhausted (every month paid), stopped (re-employed or
    deceased: the unused months carry over to a later claim).
    """

    __tablename__ = "unemployment_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    province: Mapped[str] = mapped_column(String(6), index=True)  # the fund that pays
    region_code: Mapped[str] = mapped_column(String(6))  # where the person registered
    separation_reason: Mapped[str] = mapped_column(String(32))
    separation_date: Mapped[date] = mapped_column(Date)
    registration_date: Mapped[date] = mapped_column(Date)
    contribution_months: Mapped[int]  # counted for this claim
    carried_over_months: Mapped[int]  # unused months of the previous claim
    entitlement_months: Mapped[int]
    continued_to_retirement: Mapped[bool] = mapped_column(default=False)
    monthly_benefit_fen: Mapped[int] = mapped_column(BigInteger)
    monthly_medical_fen: Mapped[int] = mapped_column(BigInteger)
    first_month: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    last_month: Mapped[str] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(12), default="active", index=True)
    stopped_month: Mapped[str | None] = mapped_column(String(7), default=None)
    stopped_reason: Mapped[str | None] = mapped_column(String(200), default=None)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)

    payments: Mapped[list[UnemploymentPayment]] = relationship(
        back_populates="claim", order_by="UnemploymentPayment.month", lazy="selectin"
    )


class UnemploymentPayment(Base):
    """One month of benefit and the medical contributions paid for it: one ledger entry."""

    __tablename__ = "unemployment_payments"
    __table_args__ = (UniqueConstraint("claim_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("unemployment_claims.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))
    benefit_fen: Mapped[int] = mapped_column(BigInteger)
    medical_fen: Mapped[int] = mapped_column(BigInteger)
    ledger_entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"))

    claim: Mapped[UnemploymentClaim] = relationship(back_populates="payments")
