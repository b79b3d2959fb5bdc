"""Declaration, bill, payment and record shapes; money in integer fen, months YYYY-MM."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from shebao.policy.formulas.periods import format_month, parse_month


def _month(value: str) -> str:
    return format_month(parse_month(value))


Month = Annotated[str, AfterValidator(_month), Field(examples=["2025-07"])]


class DeclarationRowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    identity_number: str = Field(max_length=32)
    wage_fen: int = Field(ge=0, le=10**12)


class DeclarationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    employer_id: int
    month: Month
    lines: list[DeclarationRowIn] = Field(min_length=1, max_length=200_000)


class BillLineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    person_id: int
    scheme: str
    payer: str
    destination: str
    base_fen: int
    rate: float
    relief_factor: float
    amount_fen: int


class BillOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    payer_kind: str
    employer_id: int | None
    person_id: int | None
    month: str
    province: str
    due_date: date
    deferred_until: date | None
    amount_fen: int
    status: str
    late_fee_if_paid_today_fen: int = 0


class BillDetail(BillOut):
    lines: list[BillLineOut]


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    paid_on: date
    amount_fen: int = Field(ge=0, le=10**15)


class PaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    bill_id: int
    paid_on: date
    amount_fen: int
    late_fee_fen: int
    days_late: int
    ledger_entry_id: int
    reversed_at: datetime | None = None
    reversal_entry_id: int | None = None
    reversal_reason: str | None = None


class ReversalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=400)


class DeferralIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    until: date
    reason: str = Field(min_length=1, max_length=400)


class FlexibleBillingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    month: Month
    region: str = Field(pattern=r"^\d{6}$")


class RecordMonthOut(BaseModel):
    month: str
    payer: str
    base_fen: int
    amounts: dict[str, int]
    paid: bool


class RecordOut(BaseModel):
    person_id: int
    contribution_months: int
    pension_account_fen: int
    medical_account_fen: int
    months: list[RecordMonthOut]


class ResidentContributionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: int
    year: int = Field(ge=2009, le=2100)
    tier_fen: int = Field(gt=0, le=10**9)
    paid_on: date


class ResidentContributionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: int
    year: int
    province: str
    tier_fen: int
    subsidy_fen: int
    paid_on: date
    ledger_entry_id: int


class InterestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=2016, le=2100)
    region: str = Field(default="000000", pattern=r"^\d{6}$")


class InterestOut(BaseModel):
    year: int
    accounts_credited: int
