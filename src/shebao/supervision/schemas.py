"""What the audit trail's routes answer."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


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
