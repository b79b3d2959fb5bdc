"""Unemployment routes: register a claim, run a month's payments, read claims."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from shebao.api.deps import CurrentUser, Db, WriteDb
from shebao.benefits.schemas import RunIn
from shebao.benefits.unemployment import service
from shebao.benefits.unemployment.schemas import ClaimDetail, ClaimIn, ClaimOut, RunOut

router = APIRouter(prefix="/api/v1/unemployment", tags=["unemployment"])


@router.post("/claims", status_code=201)
def open_claim(data: ClaimIn, user: CurrentUser, db: WriteDb) -> ClaimDetail:
    """Register a claim (clerks): refused, naming the condition, unless every one is met."""
    claim = service.open_claim(
        db, user, data.person_id, separation_reason=data.separation_reason,
        separation_date=data.separation_date, registration_date=data.registration_date,
        region_code=data.region_code, original_retirement_age=data.original_retirement_age,
    )
    db.commit()
    return ClaimDetail.of(claim)


@router.get("/claims")
def list_claims(
    user: CurrentUser, db: Db, person_id: int | None = None,
    status: Annotated[str | None, Query(pattern="^(active|exhausted|stopped)$")] = None,
) -> list[ClaimOut]:
    return [ClaimOut.of(c) for c in service.claims(db, user, person_id=person_id, status=status)]


@router.get("/claims/{claim_id}")
def get_claim(claim_id: int, user: CurrentUser, db: Db) -> ClaimDetail:
    return ClaimDetail.of(service.claim_for(db, user, claim_id))


@router.post("/runs")
def run_month(data: RunIn, user: CurrentUser, db: WriteDb) -> RunOut:
    """Pay a province's claims for a month (clerks); a re-run pays nobody twice."""
    found = service.run_month(db, user, data.province, data.month)
    db.commit()
    return RunOut.model_validate(found)
