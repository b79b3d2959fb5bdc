"""Work-injury awards over the API: a clerk awards, the worker reads their own."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from tests.benefits.claims_support import career, fund, person
from tests.helpers import add_user, bearer


def test_an_award_through_the_api(client: TestClient, database_url: str) -> None:
    worker = person(database_url, {"county": "440106", "birth": "1988-02-02"})
    employer_id = career(database_url, worker, "440106", date(2025, 1, 1), None,
                         ("2025-01", "2025-10"))
    fund(database_url, "work_injury", "440000", 10**10)
    add_user(database_url, "clerk-gd", "clerk", "440000")
    add_user(database_url, "worker", "citizen", "440106", person_id=worker)
    body = {"person_id": worker, "kind": "disability", "grade": 10,
            "injury_date": "2025-11-03", "recognized_on": "2026-01-05",
            "recognition_reference": "穗人社工认〔2026〕3号", "employer_id": employer_id}
    assert client.post("/api/v1/injury/claims", headers=bearer(client, "worker"),
                       json=body).status_code == 403
    award = client.post("/api/v1/injury/claims", headers=bearer(client, "clerk-gd"), json=body)
    assert award.status_code == 201, award.text
    # Wage 800,000 inside 60–300% of 900,375; grade 10: 7 × 800,000 = 5,600,000 at once.
    assert award.json()["one_off_fen"] == 5600000 and award.json()["paid_fen"] == 5600000
    assert award.json()["explanation"]["steps"][1]["result"] == 5600000
    mine = client.get("/api/v1/injury/claims", headers=bearer(client, "worker")).json()
    assert [c["kind"] for c in mine] == ["disability"]
    bad = client.post("/api/v1/injury/claims", headers=bearer(client, "clerk-gd"),
                      json={**body, "grade": 11})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "grade"
