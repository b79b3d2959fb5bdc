"""Supervisors' routes: the audit trail (read, verify — no route changes it), scans, cases."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from sqlalchemy import select

from shebao.api.deps import CurrentUser, Db, WriteDb
from shebao.api.uploads import read_text
from shebao.auth.authz import require
from shebao.supervision import audit, service
from shebao.supervision.models import AuditEntry
from shebao.supervision.schemas import (
    AssignIn,
    AuditEntryOut,
    CaseDetail,
    CaseOut,
    DecisionIn,
    ImportOut,
    NoteIn,
    ScanIn,
    ScanOut,
    VerifiedOut,
)

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


cases_router = APIRouter(prefix="/api/v1/supervision", tags=["supervision"])


@cases_router.post("/scan")
def scan(data: ScanIn, user: CurrentUser, db: WriteDb) -> ScanOut:
    """Run every detection rule over a province; new findings become alerts in cases."""
    result = service.scan(db, user, data.province)
    db.commit()
    return ScanOut(**dataclasses.asdict(result))


@cases_router.get("/cases")
def list_cases(user: CurrentUser, db: Db, province: str,
               status: Literal["open", "investigating", "closed"] | None = None) -> list[CaseOut]:
    return [CaseOut.model_validate(c) for c in service.cases(db, user, province, status)]


@cases_router.get("/cases/{case_id}")
def get_case(case_id: int, user: CurrentUser, db: Db) -> CaseDetail:
    return CaseDetail.model_validate(service.case_for(db, user, case_id))


@cases_router.post("/cases/{case_id}/assign")
def assign(case_id: int, data: AssignIn, user: CurrentUser, db: WriteDb) -> CaseDetail:
    case = service.assign(db, user, case_id, data.assignee_id)
    db.commit()
    return CaseDetail.model_validate(case)


@cases_router.post("/cases/{case_id}/notes", status_code=201)
def add_note(case_id: int, data: NoteIn, user: CurrentUser, db: WriteDb) -> CaseDetail:
    service.add_note(db, user, case_id, data.text)
    db.commit()
    return CaseDetail.model_validate(service.case_for(db, user, case_id))


@cases_router.post("/cases/{case_id}/decision")
def decide(case_id: int, data: DecisionIn, user: CurrentUser, db: WriteDb) -> CaseDetail:
    """Close a case: cleared, recovered (money and fine posted to the ledger) or referred."""
    case = service.decide(db, user, case_id, **data.model_dump())
    db.commit()
    return CaseDetail.model_validate(case)


@cases_router.post("/external-wages", status_code=201)
async def import_external_wages(
    user: CurrentUser, db: WriteDb, source: Annotated[str, Form(max_length=32)],
    file: Annotated[UploadFile, File(description=",".join(service.EXTERNAL_COLUMNS))],
) -> ImportOut:
    """Wages reported outside shebao (tax records); any bad row refuses the file, listing all."""
    added = service.import_external_wages(db, user, await read_text(file), source)
    db.commit()
    return ImportOut(added=added)
