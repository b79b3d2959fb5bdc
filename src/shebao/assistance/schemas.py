"""Assistance shapes: money in integer fen (monthly), months YYYY-MM."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shebao.contributions.schemas import Month

Amount = int | None
DECLARED_FIELDS = ("members", "deposits_fen", "vehicles", "properties", "hardship",
                   "requested_fen", "disability_grade", "veteran_certificate", "guardian")


class MemberIncome(BaseModel):
    """One member's monthly income by source; a missing line is listed when the application
    is returned."""

    model_config = ConfigDict(extra="forbid")

    person_id: int
    wages_fen: Amount = None
    pension_fen: Amount = None
    unemployment_fen: Amount = None
    other_fen: Amount = None


class Declaration(BaseModel):
    """What a household declares (every field optional here: the service lists what its
    programme needs and is missing)."""

    model_config = ConfigDict(extra="forbid")

    members: list[MemberIncome] | None = None
    deposits_fen: Amount = None
    vehicles: Amount = None
    properties: Amount = None
    hardship: str | None = Field(default=None, max_length=300)
    requested_fen: Amount = None
    disability_grade: int | None = None
    veteran_certificate: str | None = Field(default=None, max_length=64)
    guardian: str | None = Field(default=None, max_length=64)

    def declared(self) -> dict[str, Any]:
        return self.model_dump(include=set(DECLARED_FIELDS), exclude_none=True)


class ApplicationIn(Declaration):
    household_id: int
    programme: Literal["dibao", "near_dibao", "extreme_poverty", "temporary", "orphan",
                       "disability_living", "disability_care", "old_age", "veteran"]
    area: Literal["urban", "rural"]
    applied_on: date | None = None
    person_id: int | None = None


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    approve: bool
    reason: str = Field(max_length=500)
    basis: Literal["assessed", "declared"] = "assessed"
    first_month: Month | None = None


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["explained", "confirmed"]
    note: str = Field(max_length=500)


class AdjustIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["continue", "adjust", "stop"]
    reason: str = Field(max_length=500)
    basis: Literal["assessed", "declared"] = "assessed"


class AppealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grounds: str = Field(max_length=500)


class AppealDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    upheld: bool
    reason: str = Field(max_length=500)


class ImportIn(BaseModel):
    """A register's file: CSV text with the header identity_number,reference,value_fen."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["vehicle", "property", "deposit"]
    region_code: str = Field(pattern=r"^\d{6}$")
    source: str = Field(max_length=120)
    as_of: date
    csv: str = Field(max_length=20_000_000)


class FundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    province: str = Field(pattern=r"^\d{6}$")
    amount_fen: int
    reference: str = Field(pattern=r"^[A-Za-z0-9._-]{1,40}$")


class DiscrepancyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: int | None
    source: str
    field: str
    declared: str
    recorded: str
    detail: str
    status: str
    note: str | None


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    kind: str
    detail: str
    actor_id: int | None
    at: datetime


class PaymentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    month: str
    amount_fen: int
    ledger_entry_id: int


class ApplicationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    household_id: int
    person_id: int | None
    programme: str
    region_code: str
    province: str
    area: str
    applied_on: date
    status: str
    household_size: int
    declared_amount_fen: int
    assessed_amount_fen: int
    monthly_amount_fen: int
    basis: str | None
    decision_reason: str | None
    first_month: str | None
    last_month: str | None
    next_review: date | None
    review_flagged: bool
    appeal_open: bool


class ApplicationDetail(ApplicationOut):
    declared: dict[str, Any]
    assessment: dict[str, Any]
    discrepancies: list[DiscrepancyOut]
    events: list[EventOut]
    payments: list[PaymentOut]


class ImportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    region_code: str
    source: str
    as_of: date
    rows: int


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    month: str
    province: str
    paid: int
    already_paid: int
    amount_fen: int
    flagged_for_review: int
