"""Emergency relief measures over the API (administrators)."""

from __future__ import annotations

from fastapi import APIRouter

from shebao.api.deps import CurrentUser, Db, WriteDb
from shebao.relief import service
from shebao.relief.schemas import DecisionIn, MeasureIn, MeasureOut

router = APIRouter(prefix="/api/v1/relief-measures", tags=["relief"])


@router.get("")
def list_measures(user: CurrentUser, db: Db) -> list[MeasureOut]:
    return [MeasureOut.model_validate(m) for m in service.measures(db, user)]


@router.post("", status_code=201)
def draft(data: MeasureIn, user: CurrentUser, db: WriteDb) -> MeasureOut:
    """Draft a measure; its cost to each fund is computed and shown before anyone enacts it."""
    measure = service.draft(db, user, data.name, data.steps)
    db.commit()
    return MeasureOut.model_validate(measure)


@router.post("/{measure_id}/decision")
def decide(measure_id: int, data: DecisionIn, user: CurrentUser, db: WriteDb) -> MeasureOut:
    """Enact or reject a draft: a second administrator (maker-checker)."""
    measure = service.decide(db, user, measure_id, enact=data.enact, reason=data.reason)
    db.commit()
    return MeasureOut.model_validate(measure)
