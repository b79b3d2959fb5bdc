"""Central adjustment routes: the years posted, and posting a year (administrators)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from shebao.api.deps import CurrentUser, Db, WriteDb
from shebao.pooling import service
from shebao.pooling.schemas import YearOut

router = APIRouter(prefix="/api/v1/pooling", tags=["pooling"])


@router.get("/central-adjustment")
def years(user: CurrentUser, db: Db) -> list[YearOut]:
    """Every posted year, newest first, with each province's figures and net."""
    return [YearOut.model_validate(y) for y in service.years(db, user)]


@router.post("/central-adjustment", status_code=201)
def post_year(payload: dict[str, Any], user: CurrentUser, db: WriteDb) -> YearOut:
    """Compute a year from the `central-adjustment` rule's JSON and post its nets (once)."""
    done = service.post_year(db, user, payload, "api")
    db.commit()
    return YearOut.model_validate(done)
