"""Request and response bodies of the portal's API: appeals, corrections, notices."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field


class AppealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: int
    kind: str = Field(max_length=10, description="appeal (against a decision) or complaint")
    subject: str = Field(max_length=20, description="pension_award, claim, assistance, "
                                                    "contribution, transfer or other")
    text: str = Field(max_length=2000)
    subject_ref: str | None = Field(default=None, max_length=64)


class AppealOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: int
    kind: str
    subject: str
    subject_ref: str | None
    text: str
    status: str
    filed_on: date
    due_on: date
    outcome: str | None
    decided_at: datetime | None


class AppealDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: str = Field(max_length=14, description="in_review, upheld, partly_upheld or "
                                                    "dismissed")
    text: str = Field(default="", max_length=2000)


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: int
    field: str = Field(max_length=20)
    requested_value: str = Field(max_length=500)
    reason: str = Field(max_length=1000)


class CorrectionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: int
    field: str
    requested_value: str
    status: str
    filed_on: date
    due_on: date
    response: str | None


class CorrectionDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    corrected: bool
    response: str = Field(max_length=1000)


class NoticeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    topic: str
    detail: str
    created_at: datetime
    read_at: datetime | None
