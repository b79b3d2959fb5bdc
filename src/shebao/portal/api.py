"""Portal routes: appeals and complaints with their deadlines, correction requests, notices
and a person's data to take away."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from shebao.api.deps import CurrentUser, Db, WriteDb
from shebao.portal import service
from shebao.portal.schemas import (
    AppealDecisionIn,
    AppealIn,
    AppealOut,
    CorrectionDecisionIn,
    CorrectionIn,
    CorrectionOut,
    NoticeOut,
)

router = APIRouter(prefix="/api/v1", tags=["portal"])


@router.post("/appeals", status_code=201)
def file_appeal(data: AppealIn, user: CurrentUser, db: WriteDb) -> AppealOut:
    """Appeal a decision or complain; the answer is due within the parameters' days."""
    made = service.file_appeal(db, user, service.AppealInput(**data.model_dump()))
    db.commit()
    return AppealOut.model_validate(made)


@router.get("/appeals")
def list_appeals(user: CurrentUser, db: Db, open_only: bool = False) -> list[AppealOut]:
    """A citizen's own; staff the region's, open ones first by deadline."""
    return [AppealOut.model_validate(a) for a in service.appeals(db, user, open_only=open_only)]


@router.post("/appeals/{appeal_id}/decision")
def decide_appeal(
    appeal_id: int, data: AppealDecisionIn, user: CurrentUser, db: WriteDb
) -> AppealOut:
    """Start the review, or decide it (a clerk other than the one who filed it)."""
    if data.outcome == "in_review":
        found = service.start_review(db, user, appeal_id)
    else:
        found = service.decide_appeal(db, user, appeal_id, data.outcome, data.text)
    db.commit()
    return AppealOut.model_validate(found)


@router.post("/corrections", status_code=201)
def request_correction(data: CorrectionIn, user: CurrentUser, db: WriteDb) -> CorrectionOut:
    made = service.request_correction(db, user, data.person_id, data.field,
                                      data.requested_value, data.reason)
    db.commit()
    return CorrectionOut.model_validate(made)


@router.post("/corrections/{request_id}/decision")
def decide_correction(
    request_id: int, data: CorrectionDecisionIn, user: CurrentUser, db: WriteDb
) -> CorrectionOut:
    found = service.decide_correction(db, user, request_id, data.corrected, data.response)
    db.commit()
    return CorrectionOut.model_validate(found)


@router.get("/persons/{person_id}/notices")
def notices(person_id: int, user: CurrentUser, db: Db) -> list[NoticeOut]:
    return [NoticeOut.model_validate(n) for n in service.notices(db, user, person_id)]


@router.get("/persons/{person_id}/data")
def my_data(person_id: int, user: CurrentUser, db: Db) -> dict[str, Any]:
    """Everything kept on the person (identity number masked), as one document."""
    return service.my_data(db, user, person_id)
