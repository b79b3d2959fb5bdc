"""Personal pension and enterprise annuity shapes; money in integer fen, months YYYY-MM."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shebao.contributions.schemas import Month

Key = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
            description="Chosen by the caller; a retry with the same key posts nothing new")


class PersonalPensionOpen(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: int
    opened_on: date


class ContributionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount_fen: int = Field(gt=0, le=10**12)
    paid_on: date
    idempotency_key: str = Key


class ContributionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    year: int
    paid_on: date
    amount_fen: int
    ledger_entry_id: int
    replayed: bool = False


class WithdrawalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    condition: str = Field(max_length=16, examples=["retirement"])
    withdrawn_on: date
    idempotency_key: str = Key
    amount_fen: int | None = Field(default=None, gt=0, le=10**14,
                                   description="Omit to draw the whole balance")
    original_retirement_age: int | None = Field(
        default=None, description="For a woman drawing on retirement: 50 (worker) or 55 (staff)"
    )


class WithdrawalOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    condition: str
    withdrawn_on: date
    amount_fen: int
    tax_fen: int
    paid_fen: int
    ledger_entry_id: int
    replayed: bool = False


class PersonalPensionOut(BaseModel):
    person_id: int
    province: str
    opened_on: date
    balance_fen: int
    paid_by_year: dict[int, int]
    contributions: list[ContributionOut]
    withdrawals: list[WithdrawalOut]


class CertificateOut(BaseModel):
    person_id: int
    year: int
    contributed_fen: int
    deductible_fen: int
    excess_fen: int
    marginal_tax_rate: float
    tax_saving_fen: int
    explanation: list[dict[str, Any]]
    parameters: list[dict[str, Any]]


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    employer_id: int
    employer_rate: float = Field(examples=[0.08])
    employee_rate: float = Field(examples=[0.04])
    vesting: list[float] = Field(max_length=40, examples=[[0.25, 0.5, 0.75, 1.0]],
                                 description="Share vested after 1, 2, … full years")
    start_month: Month


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    month: str
    wage_source: str
    payroll_fen: int
    employer_fen: int
    employee_fen: int
    employer_cut_fen: int
    ledger_entry_id: int
    replayed: bool = False


class PlanOut(BaseModel):
    employer_id: int
    employer_rate: float
    employee_rate: float
    vesting: list[float]
    start_month: str
    province: str
    account_fen: int
    open_members: int
    runs: list[RunOut]


class WageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: int
    wage_fen: int = Field(ge=0, le=10**12)


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    month: Month
    wages: list[WageIn] | None = Field(
        default=None, max_length=200_000,
        description="Omit to use the month's declared wages",
    )


class LeaveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: int
    left_on: date
    reason: str = Field(max_length=16, examples=["resignation"])


class MemberOut(BaseModel):
    plan_employer_id: int
    joined_on: date
    left_on: date | None
    leave_reason: str | None
    employer_credited_fen: int
    employee_credited_fen: int
    vested_employer_fen: int | None
    forfeited_fen: int | None


class AnnuityOut(BaseModel):
    person_id: int
    balance_fen: int
    memberships: list[MemberOut]
