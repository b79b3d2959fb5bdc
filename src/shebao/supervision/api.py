"""The audit trail for supervisors: read it, verify it. There is no route that changes it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from shebao.api.deps import CurrentUser, Db
from shebao.auth.authz import require
from shebao.supervision import audit
from shebao.supervision.models import AuditEntry
from shebao.supervision.schemas import AuditEntryOut, VerifiedOut

router = APIRouter(prefix="/api/v1/audit", tags=["supervision"])


@router.get("/entries")
def entries(
    user: CurrentUser, db: Db,
    object_type: Annotated[str | None, Query(max_length=64)] = None,
    object_id: Annotated[str | None, Query(max_length=64)] = None,
    actor_id: int | None = None,
    before_seq: Annotated[int | None, Query(ge=1, description="page back from here")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[AuditEntryOut]:
    """Entries, newest first, filtered by object or actor."""
    require(user, "audit.read")
    query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    if object_type is not None:
        query = query.where(AuditEntry.object_type == object_type)
    if object_id is not None:
        query = query.where(AuditEntry.object_id == object_id)
    if actor_id is not None:
        query = query.where(AuditEntry.actor_id == actor_id)
    if before_seq is not None:
        query = query.where(AuditEntry.seq < before_seq)
    return [AuditEntryOut.model_validate(e) for e in db.scalars(query)]


@router.get("/verify")
def verify(user: CurrentUser, db: Db) -> VerifiedOut:
    """Recompute the whole chain; the first entry altered, deleted or reordered is named."""
    require(user, "audit.read")
    result = audit.verify(db)
    return VerifiedOut(ok=result.ok, count=result.count, head_hash=result.head_hash,
                       problem=result.problem)
