"""Assistance routes: apply, read, resolve discrepancies, decide, review, adjust, appeal,
import registers' files, fund and pay."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from shebao.api.deps import CurrentUser, Db, WriteDb
from shebao.assistance import service
from shebao.assistance.schemas import (
    AdjustIn,
    AppealDecisionIn,
    AppealIn,
    ApplicationDetail,
    ApplicationIn,
    ApplicationOut,
    DecisionIn,
    Declaration,
    DiscrepancyOut,
    FundIn,
    ImportIn,
    ImportOut,
    ResolveIn,
    RunOut,
)
from shebao.benefits.schemas import RunIn

router = APIRouter(prefix="/api/v1/assistance", tags=["assistance"])


@router.post("/applications", status_code=201)
def apply(data: ApplicationIn, user: CurrentUser, db: WriteDb) -> ApplicationDetail:
    """File an application; an incomplete one is returned (422) listing every missing field."""
    app = service.apply(db, user, data.household_id, data.programme, data.declared(),
                        area=data.area, applied_on=data.applied_on, person_id=data.person_id)
    db.commit()
    return ApplicationDetail.model_validate(app)


@router.get("/applications")
def list_applications(
    user: CurrentUser, db: Db, household_id: int | None = None,
    status: Annotated[str | None, Query(pattern="^(pending|approved|refused|stopped)$")] = None,
) -> list[ApplicationOut]:
    found = service.applications(db, user, status=status, household_id=household_id)
    return [ApplicationOut.model_validate(a) for a in found]


@router.get("/applications/{app_id}")
def get_application(app_id: int, user: CurrentUser, db: Db) -> ApplicationDetail:
    return ApplicationDetail.model_validate(service.application_for(db, user, app_id))


@router.get("/discrepancies")
def discrepancies(user: CurrentUser, db: Db) -> list[DiscrepancyOut]:
    """Every open discrepancy in the caseworker's region, with its source."""
    return [DiscrepancyOut.model_validate(d) for d in service.open_discrepancies(db, user)]


@router.get("/reviews")
def reviews(user: CurrentUser, db: Db) -> list[ApplicationOut]:
    """Cases due for their periodic review or flagged by a change of circumstances."""
    return [ApplicationOut.model_validate(a) for a in service.reviews_due(db, user)]


@router.post("/discrepancies/{discrepancy_id}")
def resolve(discrepancy_id: int, data: ResolveIn, user: CurrentUser,
            db: WriteDb) -> DiscrepancyOut:
    found = service.resolve_discrepancy(db, user, discrepancy_id, data.status, data.note)
    db.commit()
    return DiscrepancyOut.model_validate(found)


@router.post("/applications/{app_id}/decision")
def decide(app_id: int, data: DecisionIn, user: CurrentUser, db: WriteDb) -> ApplicationDetail:
    app = service.decide(db, user, app_id, data.approve, data.reason, data.basis,
                         data.first_month)
    db.commit()
    return ApplicationDetail.model_validate(app)


@router.post("/applications/{app_id}/review")
def review(app_id: int, data: Declaration, user: CurrentUser, db: WriteDb) -> ApplicationDetail:
    app = service.review(db, user, app_id, data.declared())
    db.commit()
    return ApplicationDetail.model_validate(app)


@router.post("/applications/{app_id}/adjustment")
def adjust(app_id: int, data: AdjustIn, user: CurrentUser, db: WriteDb) -> ApplicationDetail:
    app = service.adjust(db, user, app_id, data.action, data.reason, data.basis)
    db.commit()
    return ApplicationDetail.model_validate(app)


@router.post("/applications/{app_id}/appeal")
def appeal(app_id: int, data: AppealIn, user: CurrentUser, db: WriteDb) -> ApplicationDetail:
    app = service.appeal(db, user, app_id, data.grounds)
    db.commit()
    return ApplicationDetail.model_validate(app)


@router.post("/applications/{app_id}/appeal/decision")
def decide_appeal(app_id: int, data: AppealDecisionIn, user: CurrentUser,
                  db: WriteDb) -> ApplicationDetail:
    app = service.decide_appeal(db, user, app_id, data.upheld, data.reason)
    db.commit()
    return ApplicationDetail.model_validate(app)


@router.post("/imports", status_code=201)
def import_file(data: ImportIn, user: CurrentUser, db: WriteDb) -> ImportOut:
    """A register's CSV; one bad row rejects the whole file (422 listing every bad row)."""
    found = service.import_file(db, user, data.kind, data.region_code, data.source, data.as_of,
                                data.csv)
    db.commit()
    return ImportOut.model_validate(found)


@router.post("/flags")
def flag(user: CurrentUser, db: WriteDb) -> dict[str, int]:
    """Flag the region's cases whose circumstances changed; nothing is stopped."""
    flagged = service.flag_changes(db, user)
    db.commit()
    return {"flagged": flagged}


@router.post("/fund")
def fund(data: FundIn, user: CurrentUser, db: WriteDb) -> dict[str, int]:
    """The province's finance allocates money to its assistance fund."""
    entry = service.fund(db, user, data.province, data.amount_fen, data.reference)
    db.commit()
    return {"ledger_entry_id": entry}


@router.post("/runs")
def run_month(data: RunIn, user: CurrentUser, db: WriteDb) -> RunOut:
    """Pay a province's cases for a month; a re-run pays nobody twice."""
    found = service.run_month(db, user, data.province, data.month)
    db.commit()
    return RunOut.model_validate(found)
