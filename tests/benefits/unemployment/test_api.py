"""Unemployment claims over the API: clerks register and run, citizens read their own,
nobody else's; refusals are 422 naming the field."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from tests.benefits.claims_support import career, fund, person
from tests.helpers import add_user, bearer


def test_a_claim_through_the_api(client: TestClient, database_url: str) -> None:
    claimant = person(database_url, {"county": "440106", "birth": "1988-02-02"})
    other = person(database_url, {"county": "440106", "birth": "1989-02-02"})
    career(database_url, claimant, "440106", date(2024, 1, 1),
                         date(2025, 12, 31), ("2024-01", "2025-12"))
    fund(database_url, "unemployment", "440000", 10**9)
    add_user(database_url, "clerk-gd", "clerk", "440000")
    add_user(database_url, "clerk-sc", "clerk", "510000")
    add_user(database_url, "claimant", "citizen", "440106", person_id=claimant)
    add_user(database_url, "neighbour", "citizen", "440106", person_id=other)
    clerk = bearer(client, "clerk-gd")
    body = {"person_id": claimant, "separation_reason": "contract_ended",
            "separation_date": "2025-12-31", "registration_date": "2026-01-10"}
    refused = client.post("/api/v1/unemployment/claims", headers=clerk,
                          json={**body, "separation_reason": "resigned"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "separation_reason"
    assert client.post("/api/v1/unemployment/claims", headers=bearer(client, "clerk-sc"),
                       json=body).status_code == 404, "outside the clerk's region"
    opened = client.post("/api/v1/unemployment/claims", headers=clerk, json=body)
    assert opened.status_code == 201, opened.text
    claim = opened.json()
    # 24 months paid → 2 years → 12 months; explained with the parameters' references.
    assert claim["entitlement_months"] == 12 and claim["monthly_benefit_fen"] == 207000
    assert any(p["parameter"] == "unemployment.benefit.max_months_by_years"
               for p in claim["explanation"]["parameters"])
    run = client.post("/api/v1/unemployment/runs", headers=clerk,
                      json={"province": "440000", "month": "2026-01"})
    assert run.json()["paid"] == 1
    again = client.post("/api/v1/unemployment/runs", headers=clerk,
                        json={"province": "440000", "month": "2026-01"})
    assert again.json() | {"already_paid": 1} == again.json() and again.json()["paid"] == 0
    mine = client.get("/api/v1/unemployment/claims", headers=bearer(client, "claimant")).json()
    assert [c["months_paid"] for c in mine] == [1]
    assert client.get(f"/api/v1/unemployment/claims/{claim['id']}",
                      headers=bearer(client, "neighbour")).status_code == 404
    assert client.post("/api/v1/unemployment/runs", headers=bearer(client, "claimant"),
                       json={"province": "440000", "month": "2026-01"}).status_code == 403

