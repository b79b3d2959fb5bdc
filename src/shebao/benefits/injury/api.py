"""Work-injury routes: award a recognized injury, run the month's payments, read claims."""

from __future__ import annotations

from fastapi import APIRouter

from shebao.api.deps import CurrentUser, Db, WriteDb
from shebao.benefits.injury import service
from shebao.benefits.injury.schemas import ClaimDetail, ClaimIn, ClaimOut, RunOut
from shebao.benefits.schemas import RunIn

router = APIRouter(prefix="/api/v1/injury", tags=["work injury"])


@router.post("/claims", status_code=201)
def award(data: ClaimIn, user: CurrentUser, db: WriteDb) -> ClaimDetail:
    """Award a recognized injury (clerks); the one-off part is paid at once."""
    claim = service.award(
        db, user, data.person_id, kind=data.kind, injury_date=data.injury_date,
        recognized_on=data.recognized_on, recognition_reference=data.recognition_reference,
        grade=data.grade, death_date=data.death_date,
        survivors=[service.Survivor(s.relationship, s.lone, s.person_id) for s in data.survivors],
        employer_id=data.employer_id, wage_12m_average_fen=data.wage_12m_average_fen,
    )
    db.commit()
    return ClaimDetail.of(claim)


@router.get("/claims")
def list_claims(user: CurrentUser, db: Db, person_id: int | None = None) -> list[ClaimOut]:
    return [ClaimOut.of(c) for c in service.claims(db, user, person_id=person_id)]


@router.get("/claims/{claim_id}")
def get_claim(claim_id: int, user: CurrentUser, db: Db) -> ClaimDetail:
    return ClaimDetail.of(service.claim_for(db, user, claim_id))


@router.post("/runs")
def run_month(data: RunIn, user: CurrentUser, db: WriteDb) -> RunOut:
    """Pay a province's monthly allowances and survivors' pensions; a re-run pays nobody twice."""
    found = service.run_month(db, user, data.province, data.month)
    db.commit()
    return RunOut.model_validate(found)
