"""Medical routes: hospitals, claim submission (JSON or CSV), claims and their explanation of
benefits, assistance flags, insurers' consent and the insurer's view of a final share."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile

from shebao.api.deps import CurrentUser, Db, WriteDb
from shebao.api.uploads import read_text
from shebao.benefits.medical import service
from shebao.benefits.medical.schemas import (
    ClaimDetail,
    ClaimOut,
    ConsentIn,
    ConsentOut,
    HospitalIn,
    HospitalOut,
    InsurerViewOut,
    RecipientIn,
    SubmissionIn,
)
from shebao.errors import InputError

router = APIRouter(prefix="/api/v1/medical", tags=["medical claims"])


@router.post("/hospitals", status_code=201)
def register_hospital(data: HospitalIn, user: CurrentUser, db: WriteDb) -> HospitalOut:
    hospital = service.register_hospital(db, user, code=data.code, name=data.name,
                                         level=data.level, employer_id=data.employer_id)
    db.commit()
    return HospitalOut.model_validate(hospital)


@router.get("/hospitals")
def list_hospitals(user: CurrentUser, db: Db) -> list[HospitalOut]:
    return [HospitalOut.model_validate(h) for h in service.hospitals(db, user)]


def _rows(data: SubmissionIn) -> list[service.ClaimRow]:
    return [
        service.ClaimRow(
            None, f"claims.{i}.", c.claim_no, c.identity_number, c.kind, c.admission_date,
            c.discharge_date, c.diagnosis, c.drg_group,
            [service.ItemRow(None, f"claims.{i}.items.{j}.", it.item_code, it.quantity,
                             it.unit_price_fen) for j, it in enumerate(c.items)],
        )
        for i, c in enumerate(data.claims)
    ]


@router.post("/claims", status_code=201)
def submit(data: SubmissionIn, user: CurrentUser, db: WriteDb) -> list[ClaimOut]:
    """Submit claims (the hospital's accounts); any bad claim rejects the whole submission."""
    settled = service.submit(db, user, data.hospital_id, _rows(data))
    db.commit()
    return [ClaimOut.model_validate(c) for c in settled]


@router.post("/claims/csv", status_code=201)
async def submit_csv(
    user: CurrentUser, db: WriteDb, hospital_id: Annotated[int, Form()],
    file: Annotated[UploadFile, File(description=",".join(service.CSV_HEADER))],
) -> list[ClaimOut]:
    """Upload claims, one line per billed item; any bad row rejects the file, listing all."""
    text = await read_text(file)
    rows, unread = service.read_csv(text)
    settled = service.submit(db, user, hospital_id, rows, unread)
    db.commit()
    return [ClaimOut.model_validate(c) for c in settled]


@router.get("/claims")
def list_claims(
    user: CurrentUser, db: Db, hospital_id: int | None = None, person_id: int | None = None
) -> list[ClaimOut]:
    found = service.claims(db, user, hospital_id=hospital_id, person_id=person_id)
    return [ClaimOut.model_validate(c) for c in found]


@router.get("/claims/{claim_id}")
def get_claim(claim_id: int, user: CurrentUser, db: Db) -> ClaimDetail:
    """A claim with its explanation of benefits: each layer, its formula and parameters."""
    return ClaimDetail.model_validate(service.claim_for(db, user, claim_id))


@router.put("/persons/{person_id}/assistance")
def set_recipient(person_id: int, data: RecipientIn, user: CurrentUser, db: WriteDb) -> dict:
    """Flag (or clear) an assistance recipient for the medical-assistance layer (clerks)."""
    found = service.set_recipient(db, user, person_id, data.kind, data.since)
    db.commit()
    return {"person_id": person_id, "kind": found.kind if found and not found.until else None}


@router.put("/persons/{person_id}/consents")
def set_consent(person_id: int, data: ConsentIn, user: CurrentUser, db: WriteDb) -> ConsentOut:
    """The patient grants or revokes an insurer's access to their final shares."""
    found = service.set_consent(db, user, person_id, data.insurer_employer_id, data.granted)
    if found is None:
        raise InputError("granted", "there is no consent to this insurer to revoke")
    db.commit()
    return ConsentOut.model_validate(found)


@router.get("/insurer/claims/{claim_id}")
def insurer_view(claim_id: int, user: CurrentUser, db: Db) -> InsurerViewOut:
    """An insurer reads a claim's final patient share, only with the patient's consent."""
    return InsurerViewOut.model_validate(service.insurer_view(db, user, claim_id))
