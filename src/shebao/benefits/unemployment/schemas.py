"""Unemployment claim shapes: money in integer fen, months YYYY-MM."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shebao.benefits.unemployment import service
from shebao.benefits.unemployment.models import UnemploymentClaim


class ClaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: int
    separation_reason: str = Field(max_length=32, examples=["contract_ended"])
    separation_date: date
    registration_date: date
    region_code: str | None = Field(default=None, pattern=r"^\d{6}$")
    original_retirement_age: Literal[60, 55, 50] | None = None


class ClaimOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: int
    province: str
    region_code: str
    separation_reason: str
    separation_date: date
    registration_date: date
    contribution_months: int
    carried_over_months: int
    entitlement_months: int
    continued_to_retirement: bool
    monthly_benefit_fen: int
    monthly_medical_fen: int
    first_month: str
    last_month: str
    status: str
    stopped_month: str | None
    stopped_reason: str | None
    months_paid: int = 0
    months_left: int = 0

    @staticmethod
    def of(claim: UnemploymentClaim) -> ClaimOut:
        return ClaimOut.model_validate(claim).model_copy(update=service.summary(claim))


class PaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    month: str
    benefit_fen: int
    medical_fen: int
    ledger_entry_id: int


class ClaimDetail(ClaimOut):
    payments: list[PaymentOut]
    explanation: dict[str, Any]

    @staticmethod
    def of(claim: UnemploymentClaim) -> ClaimDetail:  # type: ignore[override]
        return ClaimDetail.model_validate(claim).model_copy(update=service.summary(claim))


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    month: str
    province: str
    paid: int
    already_paid: int
    stopped: int
    benefit_fen: int
    medical_fen: int
