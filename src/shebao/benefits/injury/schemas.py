"""Work-injury claim shapes: money in integer fen."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shebao.benefits.injury import service
from shebao.benefits.injury.models import InjuryClaim


class SurvivorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    relationship: Literal["spouse", "other"]
    lone: bool = False
    person_id: int | None = None


class ClaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: int
    kind: Literal["disability", "death"]
    injury_date: date
    recognized_on: date
    recognition_reference: str = Field(min_length=1, max_length=64)
    grade: int | None = Field(default=None, ge=1, le=10)
    death_date: date | None = None
    survivors: list[SurvivorIn] = Field(default_factory=list, max_length=20)
    employer_id: int | None = None
    wage_12m_average_fen: int | None = Field(default=None, ge=0, le=10**10)


class SurvivorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    relationship: str = Field(validation_alias="relationship_")
    lone: bool
    person_id: int | None
    monthly_pension_fen: int


class PaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    period: str
    amount_fen: int
    ledger_entry_id: int


class ClaimOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: int
    employer_id: int | None
    province: str
    kind: str
    injury_date: date
    recognized_on: date
    recognition_reference: str
    grade: int | None
    death_date: date | None
    wage_12m_average_fen: int
    own_wage_fen: int
    one_off_fen: int
    monthly_fund_fen: int
    monthly_employer_fen: int
    first_month: str | None
    status: str
    paid_fen: int = 0
    months_paid: int = 0

    @staticmethod
    def of(claim: InjuryClaim) -> ClaimOut:
        return ClaimOut.model_validate(claim).model_copy(update=service.paid_total(claim))


class ClaimDetail(ClaimOut):
    survivors: list[SurvivorOut]
    payments: list[PaymentOut]
    explanation: dict[str, Any]

    @staticmethod
    def of(claim: InjuryClaim) -> ClaimDetail:  # type: ignore[override]
        return ClaimDetail.model_validate(claim).model_copy(update=service.paid_total(claim))


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    month: str
    province: str
    paid: int
    already_paid: int
    amount_fen: int
