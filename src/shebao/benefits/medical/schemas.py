"""Medical claim shapes: money in integer fen; a claim's shares add up to its total."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class HospitalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=16)
    name: str = Field(min_length=1, max_length=128)
    level: Literal[1, 2, 3]
    employer_id: int


class HospitalOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    level: int
    region_code: str
    employer_id: int


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_code: str = Field(max_length=16)
    quantity: int
    unit_price_fen: int


class ClaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    claim_no: str = Field(max_length=32)
    identity_number: str = Field(max_length=32)
    kind: Literal["outpatient", "inpatient"]
    admission_date: date
    discharge_date: date
    diagnosis: str = Field(max_length=16, examples=["K35.8"])
    drg_group: str | None = Field(default=None, max_length=8)
    items: list[ItemIn] = Field(min_length=1, max_length=500)


class SubmissionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hospital_id: int
    claims: list[ClaimIn] = Field(min_length=1, max_length=5000)


class LineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    line_no: int
    item_code: str
    item_class: str
    quantity: int
    unit_price_fen: int
    amount_fen: int
    over_standard_fen: int


class ClaimOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    hospital_id: int
    claim_no: str
    person_id: int
    scheme: str
    province: str
    kind: str
    admission_date: date
    discharge_date: date
    diagnosis: str
    drg_group: str | None
    settlement: str
    total_fen: int
    class_a_fen: int
    class_b_fen: int
    class_c_fen: int
    in_range_fen: int
    deductible_used_fen: int
    fund_fen: int
    critical_illness_fen: int
    assistance_fen: int
    account_fen: int
    patient_fen: int
    drg_payment_fen: int | None
    hospital_fund_fen: int


class ClaimDetail(ClaimOut):
    lines: list[LineOut]
    explanation: dict[str, Any]


class RecipientIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["dibao", "extreme_poverty", "low_income"] | None
    since: date | None = None


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    insurer_employer_id: int
    granted: bool


class ConsentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    person_id: int
    insurer_employer_id: int
    granted_on: date
    revoked_on: date | None


class InsurerViewOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    claim_id: int
    hospital: str
    kind: str
    discharge_date: date
    total_fen: int
    class_c_fen: int
    patient_fen: int
