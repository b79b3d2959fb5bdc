"""The supplementary pillars: personal pension accounts and enterprise annuity plans.

The money sits in the ledger (`person:personal_pension:<id>`, `person:annuity:<id>`,
`employer:annuity_plan:<employer id>`); these rows say what each entry was for, so that the
yearly cap, the tax certificate and vesting on leaving can be worked out from them.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, Float, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from shebao.db.base import Base, TimestampMixin


class PersonalPensionAccount(TimestampMixin, Base):
    """One personal pension account per person, nationwide (个人养老金账户)."""

    __tablename__ = "personal_pension_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), unique=True)
    # The province whose settlement account the money passes through (the residence then).
    province: Mapped[str] = mapped_column(String(6))
    opened_on: Mapped[date] = mapped_column(Date)


class PersonalPensionContribution(TimestampMixin, Base):
    """Money paid into a personal pension account; the year is the calendar year it was paid."""

    __tablename__ = "personal_pension_contributions"
    __table_args__ = (Index("ix_personal_pension_contributions_year", "account_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("personal_pension_accounts.id"))
    year: Mapped[int]
    paid_on: Mapped[date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    ledger_entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"))


class PersonalPensionWithdrawal(TimestampMixin, Base):
    """Money drawn on a permitted condition: the tax withheld and what was paid out."""

    __tablename__ = "personal_pension_withdrawals"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("personal_pension_accounts.id"),
                                            index=True)
    condition: Mapped[str] = mapped_column(String(16))
    withdrawn_on: Mapped[date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    tax_fen: Mapped[int] = mapped_column(BigInteger)
    paid_fen: Mapped[int] = mapped_column(BigInteger)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    ledger_entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)


class AnnuityPlan(TimestampMixin, Base):
    """An employer's enterprise annuity plan (企业年金方案): one per employer.

    `vesting` is the share of the employer credits a member keeps after 1, 2, … full years of
    membership, comma-separated (e.g. "0.25,0.5,0.75,1"); the last entry is 1.
    """

    __tablename__ = "annuity_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), unique=True)
    employer_rate: Mapped[float] = mapped_column(Float)
    employee_rate: Mapped[float] = mapped_column(Float)
    vesting: Mapped[str] = mapped_column(String(80))
    start_month: Mapped[str] = mapped_column(String(7))
    province: Mapped[str] = mapped_column(String(6))


class AnnuityMember(TimestampMixin, Base):
    """A person's membership of a plan, from their first credited month until they leave."""

    __tablename__ = "annuity_members"
    __table_args__ = (
        Index(
            "ux_annuity_members_open_plan_person", "plan_id", "person_id", unique=True,
            sqlite_where=text("left_on IS NULL"), postgresql_where=text("left_on IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("annuity_plans.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date, default=None)
    leave_reason: Mapped[str | None] = mapped_column(String(16), default=None)
    vested_employer_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)
    forfeited_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)
    forfeit_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_entries.id"), default=None
    )


class AnnuityRun(TimestampMixin, Base):
    """One month of a plan: the payroll it was priced on and the entry that credited it."""

    __tablename__ = "annuity_runs"
    __table_args__ = (UniqueConstraint("plan_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("annuity_plans.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))
    wage_source: Mapped[str] = mapped_column(String(12))  # declaration | given
    payroll_fen: Mapped[int] = mapped_column(BigInteger)
    employer_fen: Mapped[int] = mapped_column(BigInteger)
    employee_fen: Mapped[int] = mapped_column(BigInteger)
    employer_cut_fen: Mapped[int] = mapped_column(BigInteger)
    ledger_entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id"))


class AnnuityCredit(Base):
    """One member's credit in one run: the employer part (vests by the schedule) and the
    employee part (vested at once)."""

    __tablename__ = "annuity_credits"
    __table_args__ = (UniqueConstraint("run_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("annuity_runs.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("annuity_members.id"), index=True)
    wage_fen: Mapped[int] = mapped_column(BigInteger)
    employer_fen: Mapped[int] = mapped_column(BigInteger)
    employee_fen: Mapped[int] = mapped_column(BigInteger)
