"""What the supervision routes take and answer: the audit trail, scans, cases."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    recorded_at: datetime
    actor_id: int | None
    source: str
    action: str
    object_type: str
    object_id: str | None
    before: str | None
    after: str | None
    reason: str | None
    prev_hash: str
    entry_hash: str


class VerifiedOut(BaseModel):
    ok: bool
    count: int
    head_hash: str
    problem: str | None


class ScanIn(BaseModel):
    province: str = Field(pattern=r"^[0-9]{6}$")


class ScanOut(BaseModel):
    province: str
    findings: int
    new_alerts: int
    cases_opened: int
    cases_updated: int
    by_rule: dict[str, int]


class AlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    rule: str
    subject_kind: str
    subject_id: int
    scheme: str
    amount_fen: int
    evidence: dict[str, Any]
    detected_at: datetime


class NoteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    author_id: int
    text: str
    written_at: datetime


class CaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    subject_kind: str
    subject_id: int
    province: str
    scheme: str
    status: str
    risk_score: float
    amount_fen: int
    assigned_to: int | None
    opened_at: datetime
    outcome: str | None
    outcome_reason: str | None
    decided_by: int | None
    recovered_fen: int
    fine_fen: int
    ledger_entry_id: int | None


class CaseDetail(CaseOut):
    alerts: list[AlertOut]
    notes: list[NoteOut]


class AssignIn(BaseModel):
    assignee_id: int


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


class DecisionIn(BaseModel):
    outcome: Literal["cleared", "recovered", "referred"]
    reason: str = Field(max_length=500)
    recovered_fen: int = Field(default=0, ge=0)
    fine_multiple: float | None = Field(default=None, ge=0)
    received_on: date | None = None
    reference: str | None = Field(default=None, max_length=64)


class ImportOut(BaseModel):
    added: int
