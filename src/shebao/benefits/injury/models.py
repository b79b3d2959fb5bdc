"""Work-injury claims: disability awards and death benefits, and what has been paid on them."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shebao.db.base import Base, TimestampMixin


class InjuryClaim(TimestampMixin, Base):
    """A recognized work injury (工伤认定) with its award.

    `kind` is disability (a grade 1–10 from the labour-capacity appraisal) or death. Monthly
    amounts the fund pays: the disability allowance of grades 1–4, or the survivors' pensions.
    The allowance of grades 5–6 is the employer's (no job arranged) and is recorded, not paid.
    """

    __tablename__ = "injury_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employers.id"), default=None)
    province: Mapped[str] = mapped_column(String(6), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # disability | death
    injury_date: Mapped[date] = mapped_column(Date)
    recognition_reference: Mapped[str] = mapped_column(String(64))
    recognized_on: Mapped[date] = mapped_column(Date)
    grade: Mapped[int | None] = mapped_column(default=None)
    death_date: Mapped[date | None] = mapped_column(Date, default=None)
    wage_12m_average_fen: Mapped[int] = mapped_column(BigInteger)
    own_wage_fen: Mapped[int] = mapped_column(BigInteger)
    one_off_fen: Mapped[int] = mapped_column(BigInteger)  # subsidy, or funeral + death grant
    monthly_fund_fen: Mapped[int] = mapped_column(BigInteger)  # paid monthly by the fund
    monthly_employer_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    first_month: Mapped[str | None] = mapped_column(String(7), default=None)
    status: Mapped[str] = mapped_column(String(12), default="awarded")
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)

    survivors: Mapped[list[InjurySurvivor]] = relationship(
        back_populates="claim", order_by="InjurySurvivor.id", cascade="all, delete-orphan"
    )
    payments: Mapped[list[InjuryPayment]] = relationship(
        back_populates="claim", order_by="InjuryPayment.id", lazy="selectin"
    )


class InjurySurvivor(Base):
    """A dependant of a worker who died of a work injury, and their monthly pension."""

    __tablename__ = "injury_survivors"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("injury_claims.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), default=None)
    relationship_: Mapped[str] = mapped_column("relationship", String(8))  # spouse | other
    lone: Mapped[bool] = mapped_column(default=False)  # a lone elder or an orphan
    monthly_pension_fen: Mapped[int] = mapped_column(BigInteger)

    claim: Mapped[InjuryClaim] = relationship(back_populates="survivors")


class InjuryPayment(Base):
    """One payment from the work-injury fund: the one-off award, or one month's amounts."""

    __tablename__ = "injury_payments"
    __table_args__ = (UniqueConstraint("claim_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("injury_claims.id"), index=True)
    period: Mapped[str] = mapped_column(String(8))  # "one-off" or YYYY-MM
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    ledger_entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"))

    claim: Mapped[InjuryClaim] = relationship(back_populates="payments")
