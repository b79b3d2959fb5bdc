"""Medical claims over the API: hospital uploads (JSON and CSV), a bad file rejected whole
with every bad row named and nothing written, retries, consent-gated insurer access."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from shebao.benefits.medical.models import MedicalClaim
from shebao.db.engine import transaction
from shebao.ledger.models import LedgerEntry
from shebao.registry.models import Person
from tests.benefits.claims_support import employer, hospital
from tests.benefits.medical.test_service import patient
from tests.helpers import add_user, bearer

HEADER = ("claim_no,identity_number,kind,admission_date,discharge_date,diagnosis,drg_group,"
          "item_code,quantity,unit_price_fen\n")


@pytest.fixture
def world(database_url: str) -> dict[str, Any]:
    person_id = patient(database_url, {"county": "440306", "birth": "1985-03-09",
                                       "sex": "female", "scheme": "employee"})
    hospital_id, hospital_employer = hospital(database_url, "440306", 2)
    other_id, other_employer = hospital(database_url, "440306", 3)
    insurer = employer(database_url, "440306", name="平安健康保险测试", industry="保险")
    add_user(database_url, "hospital", "employer", "440306", employer_id=hospital_employer)
    add_user(database_url, "other-hospital", "employer", "440306", employer_id=other_employer)
    add_user(database_url, "insurer", "employer", "440306", employer_id=insurer)
    add_user(database_url, "patient", "citizen", "440306", person_id=person_id)
    add_user(database_url, "clerk", "clerk", "440306")
    with transaction(database_url) as db:
        number = db.get(Person, person_id).identity_number
    return {"person": person_id, "hospital": hospital_id, "other": other_id,
            "insurer": insurer, "number": number}


def _csv(world: dict[str, Any], rows: list[str]) -> bytes:
    return (HEADER + "".join(r.format(n=world["number"]) + "\n" for r in rows)).encode()


def _counts(url: str) -> tuple[int, int]:
    with transaction(url) as db:
        return (db.scalar(select(func.count(MedicalClaim.id))),
                db.scalar(select(func.count(LedgerEntry.id))))


def test_csv_upload_settles_each_claim(
    client: TestClient, world: dict[str, Any], database_url: str
) -> None:
    body = _csv(world, [
        "V1,{n},outpatient,2026-07-01,2026-07-01,J06.9,,A001,2,1800",
        "V1,{n},outpatient,2026-07-01,2026-07-01,J06.9,,B001,1,4500",
        "S1,{n},inpatient,2026-06-01,2026-06-05,K35.8,GD25,B002,1,450000",
    ])
    response = client.post("/api/v1/medical/claims/csv", data={"hospital_id": world["hospital"]},
                           files={"file": ("claims.csv", body, "text/csv")},
                           headers=bearer(client, "hospital"))
    assert response.status_code == 201, response.text
    visit, stay = response.json()
    assert visit["claim_no"] == "V1" and visit["total_fen"] == 8100
    assert stay["settlement"] == "drg" and stay["drg_payment_fen"] == 1020000
    for c in (visit, stay):
        assert c["fund_fen"] + c["critical_illness_fen"] + c["assistance_fen"] + \
            c["account_fen"] + c["patient_fen"] == c["total_fen"]
    # A retry of the same file returns the same settlements and posts nothing new.
    before = _counts(database_url)
    again = client.post("/api/v1/medical/claims/csv", data={"hospital_id": world["hospital"]},
                        files={"file": ("claims.csv", body, "text/csv")},
                        headers=bearer(client, "hospital"))
    assert again.status_code == 201
    assert [c["id"] for c in again.json()] == [visit["id"], stay["id"]]
    assert _counts(database_url) == before


def test_a_bad_file_is_rejected_whole_listing_every_bad_row(
    client: TestClient, world: dict[str, Any], database_url: str
) -> None:
    before = _counts(database_url)
    body = _csv(world, [
        "V1,{n},outpatient,2026-07-01,2026-07-01,J06.9,,A001,2,1800",   # good
        "V2,{n},outpatient,2026-07-01,2026-07-01,J06.9,,Z999,1,100",    # unknown item
        "V3,{n},outpatient,2026-07-01,2026-07-01,J06.9,,A001,0,1800",   # zero quantity
        "V4,11010519491231002X,outpatient,2026-07-01,2026-07-01,J06.9,,A001,1,1800",
        "V5,{n},outpatient,2026-07-01,2026-07-01,J06.9,XX99,A001,1,1800",  # DRG outpatient
        "V6,{n},inpatient,2026-07-09,2026-07-01,K35.8,,A002,1,5000",    # discharge < admission
        "V7,{n},outpatient,2026-07-01,2026-07-01,J06.9,,A001,1,abc",    # price not a number
        "V1,{n},inpatient,2026-07-01,2026-07-01,J06.9,,A003,1,2500",    # V1's kind differs
        "V8,{n},outpatient",                                            # short row
    ])
    response = client.post("/api/v1/medical/claims/csv", data={"hospital_id": world["hospital"]},
                           files={"file": ("claims.csv", body, "text/csv")},
                           headers=bearer(client, "hospital"))
    assert response.status_code == 422, response.text
    errors = {(e["line"], e["field"]) for e in response.json()["errors"]}
    assert errors == {(3, "item_code"), (4, "quantity"), (5, "identity_number"),
                      (6, "drg_group"), (7, "discharge_date"), (8, "unit_price_fen"),
                      (9, "kind"), (10, "row")}
    assert _counts(database_url) == before


def test_json_retry_and_a_changed_claim_under_the_same_number(
    client: TestClient, world: dict[str, Any], database_url: str
) -> None:
    claim = {"claim_no": "J1", "identity_number": world["number"], "kind": "outpatient",
             "admission_date": "2026-07-01", "discharge_date": "2026-07-01",
             "diagnosis": "J06.9", "items": [{"item_code": "A001", "quantity": 2,
                                             "unit_price_fen": 1800}]}
    hospital_user = bearer(client, "hospital")
    first = client.post("/api/v1/medical/claims", headers=hospital_user,
                        json={"hospital_id": world["hospital"], "claims": [claim]})
    assert first.status_code == 201, first.text
    again = client.post("/api/v1/medical/claims", headers=hospital_user,
                        json={"hospital_id": world["hospital"], "claims": [claim]})
    assert again.json()[0]["id"] == first.json()[0]["id"]
    claim["items"][0]["quantity"] = 3
    changed = client.post("/api/v1/medical/claims", headers=hospital_user,
                          json={"hospital_id": world["hospital"], "claims": [claim]})
    assert changed.status_code == 422
    assert changed.json()["errors"][0]["field"] == "claims.0.claim_no"
    # Another hospital can neither submit for this one nor read its claims.
    other = bearer(client, "other-hospital")
    assert client.post("/api/v1/medical/claims", headers=other,
                       json={"hospital_id": world["hospital"], "claims": [claim]}
                       ).status_code == 404
    claim_id = first.json()[0]["id"]
    assert client.get(f"/api/v1/medical/claims/{claim_id}", headers=other).status_code == 404
    # The patient reads their explanation of benefits; the clerk of the region lists it.
    eob = client.get(f"/api/v1/medical/claims/{claim_id}", headers=bearer(client, "patient"))
    assert eob.status_code == 200 and eob.json()["explanation"]["steps"]
    listed = client.get("/api/v1/medical/claims", headers=bearer(client, "clerk")).json()
    assert [c["id"] for c in listed] == [claim_id]


def test_an_insurer_reads_the_final_share_only_with_consent(
    client: TestClient, world: dict[str, Any]
) -> None:
    claim = {"claim_no": "J1", "identity_number": world["number"], "kind": "inpatient",
             "admission_date": "2026-06-01", "discharge_date": "2026-06-05",
             "diagnosis": "K35.8", "items": [{"item_code": "B002", "quantity": 1,
                                             "unit_price_fen": 450000}]}
    settled = client.post("/api/v1/medical/claims", headers=bearer(client, "hospital"),
                          json={"hospital_id": world["hospital"], "claims": [claim]}).json()[0]
    insurer, patient = bearer(client, "insurer"), bearer(client, "patient")
    url = f"/api/v1/medical/insurer/claims/{settled['id']}"
    assert client.get(url, headers=insurer).status_code == 404
    consent = f"/api/v1/medical/persons/{world['person']}/consents"
    granted = client.put(consent, headers=patient,
                         json={"insurer_employer_id": world["insurer"], "granted": True})
    assert granted.status_code == 200, granted.text
    seen = client.get(url, headers=insurer)
    assert seen.status_code == 200
    assert seen.json()["patient_fen"] == settled["patient_fen"]
    assert "person_id" not in seen.json() and "identity_number" not in seen.json()
    client.put(consent, headers=patient,
               json={"insurer_employer_id": world["insurer"], "granted": False})
    assert client.get(url, headers=insurer).status_code == 404
