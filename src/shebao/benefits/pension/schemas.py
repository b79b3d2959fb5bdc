"""Pension request and response shapes; money in integer fen, months YYYY-MM."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shebao.contributions.schemas import Month


class ApplicationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: int
    scheme: Literal["employee", "resident"] = "employee"
    # The month chosen (flexible early or late retirement); the statutory month if omitted.
    retirement_month: Month | None = None
    # A woman's old-law category: 55 (staff) or 50 (worker); men are 60.
    original_age_years: Literal[50, 55, 60] | None = None
    deemed_months: int = Field(default=0, ge=0, le=600)
    deemed_basis: str | None = Field(default=None, max_length=200)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=500)


class RejectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)


class ApplicationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: int
    scheme: str
    channel: str
    status: str
    original_age_years: int | None
    retirement_month: str
    statutory_month: str | None
    deemed_months: int
    deemed_basis: str | None
    province: str | None
    contribution_months: int | None
    average_index: float | None
    account_balance_fen: int | None
    basic_fen: int | None
    account_part_fen: int | None
    transitional_fen: int | None
    total_fen: int | None
    explanation: dict[str, Any] | None
    created_by: int | None
    submitted_by: int | None
    submitted_at: datetime | None
    decided_by: int | None
    decided_at: datetime | None
    decision_reason: str | None


class AwardOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    application_id: int
    person_id: int
    scheme: str
    province: str
    first_month: str
    contribution_months: int
    status: str
    suspended_from: str | None
    stopped_reason: str | None
    approved_on: date


class AmountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    effective_month: str
    total_fen: int
    account_part_fen: int
    reason: str
    explanation: dict[str, Any] | None


class PaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    month: str
    amount_fen: int
    pool_part_fen: int
    account_part_fen: int
    paid_on: date
    run_id: int | None
    ledger_entry_id: int


class EstimateOut(BaseModel):
    statutory_month: str | None
    retirement_month: str
    contribution_months: int
    average_index: float | None
    account_balance_fen: int
    basic_fen: int
    account_part_fen: int
    transitional_fen: int
    total_fen: int
    explanation: dict[str, Any]


class MyPensionOut(BaseModel):
    """Before retirement an estimate from the record; after, the award and its payments."""

    person_id: int
    award: AwardOut | None
    amounts: list[AmountOut]
    payments: list[PaymentOut]
    next_authentication_due: str | None
    estimate: EstimateOut | None
    estimate_refused: str | None
    applications: list[ApplicationOut]


class AuthenticationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: Literal["online", "desk", "proxy"]
    on: date | None = None
    proxy_name: str | None = Field(default=None, max_length=64)
    proxy_relationship: str | None = Field(default=None, max_length=24)


class AuthenticationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: int
    channel: str
    authenticated_on: date
    recorded_by: int | None
    proxy_relationship: str | None


class AuthenticatedOut(BaseModel):
    authentication: AuthenticationOut
    resumed: bool
    arrears: list[PaymentOut]


class PayrollIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    province: str = Field(min_length=6, max_length=6)
    month: Month
    batch_size: int = Field(default=500, ge=1, le=1_000_000)


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    run_id: int
    province: str
    month: str
    status: str
    processed: int
    payments: int
    paid_fen: int
    suspended: int
    attempts: int


class IndexationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    province: str = Field(min_length=6, max_length=6)
    year: int = Field(ge=2016, le=2100)
    effective_month: Month | None = None


class IndexationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    province: str
    year: int
    effective_month: str
    indexed: int
    increase_fen: int


class OverpaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    payment_id: int
    award_id: int
    person_id: int
    amount_fen: int
    recovered_fen: int
    status: str


class RecoveryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount_fen: int = Field(gt=0, le=10**12)
    received_on: date
    reference: str = Field(min_length=1, max_length=64)
