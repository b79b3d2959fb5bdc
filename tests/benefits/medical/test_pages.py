"""The claims pages: a citizen's claims and explanation of benefits, a hospital's CSV upload
with CSRF and whole-file rejection, the clerk's list."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.benefits.medical.test_api import HEADER, _counts, world  # noqa: F401
from tests.helpers import PASSWORD


def _login(client: TestClient, username: str) -> str:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.post("/login", data={"username": username, "password": PASSWORD,
                                "csrf_token": token})
    home = client.get("/")
    found = re.search(r'name="csrf_token" value="([^"]+)"', home.text)
    return found.group(1) if found else ""


def _upload(client: TestClient, token: str, text: str) -> Any:
    return client.post("/claims/upload", data={"csrf_token": token},
                       files={"file": ("claims.csv", text.encode(), "text/csv")},
                       follow_redirects=False)


def test_hospital_uploads_then_the_patient_reads_the_explanation(
    client: TestClient, world: dict[str, Any], database_url: str  # noqa: F811
) -> None:
    token = _login(client, "hospital")
    page = client.get("/claims")
    assert "claim_no,identity_number" in page.text
    before = _counts(database_url)
    bad = HEADER + f"B1,{world['number']},outpatient,2026-07-01,2026-07-01,J06.9,,Z999,1,100\n"
    rejected = _upload(client, token, bad)
    assert rejected.status_code == 422 and 'data-testid="upload-errors"' in rejected.text
    assert "Z999" in rejected.text and _counts(database_url) == before
    assert _upload(client, "", bad).status_code == 303, "no CSRF token, no upload"
    good = HEADER + f"V1,{world['number']},outpatient,2026-07-01,2026-07-01,J06.9,,A001,2,1800\n"
    accepted = _upload(client, token, good)
    assert accepted.status_code == 200 and "V1" in accepted.text
    client.cookies.clear()
    _login(client, "patient")
    mine = client.get("/claims")
    assert 'data-testid="medical-claims"' in mine.text
    link = re.search(r'href="(/claims/medical/\d+)"', mine.text).group(1)
    eob = client.get(link)
    assert eob.status_code == 200 and 'data-testid="patient-share"' in eob.text
    assert "medical_claims.catalogue.item_class" in eob.text
    client.cookies.clear()
    _login(client, "other-hospital")
    assert client.get(link).status_code == 404


def test_the_clerk_lists_the_regions_claims(
    client: TestClient, world: dict[str, Any]  # noqa: F811
) -> None:
    _login(client, "clerk")
    page = client.get("/claims")
    assert page.status_code == 200
    for section in ("unemployment-claims", "injury-claims", "medical-claims"):
        assert f'data-testid="{section}"' in page.text
