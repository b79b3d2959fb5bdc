"""Pension routes: a citizen applies online, the desk's maker-checker over HTTP (422 naming the
field), my pension before and after, authenticate now, the payroll route and its refusals."""

from __future__ import annotations

from datetime import date

from fastapi.testclient import TestClient

from tests.benefits.pension.world import contribute, desk, fund_pool
from tests.helpers import add_person, add_user, bearer


def test_apply_online_approve_at_the_desk_and_see_my_pension(
    client: TestClient, database_url: str
) -> None:
    world = desk(database_url)
    person = add_person(database_url, "孙建华", "510104", date(1963, 2, 5), 181)
    contribute(database_url, world.employer, [person], {"2020-12": 600000}, date(2020, 12, 1))
    fund_pool(database_url)
    add_user(database_url, "citizen-sun", "citizen", "510104", person_id=person)
    citizen = bearer(client, "citizen-sun")
    maker = bearer(client, "clerk-jinjiang")
    checker = bearer(client, "clerk-chengdu")

    before = client.get(f"/api/v1/pensions/persons/{person}", headers=citizen)
    assert before.status_code == 200, before.text
    assert before.json()["award"] is None
    assert before.json()["estimate"]["statutory_month"] == "2023-02"
    assert before.json()["estimate"]["explanation"]["short_of_minimum"]["needed"] == 180

    # Online, deemed service cannot be claimed: a clerk records it from the personnel file.
    refused = client.post("/api/v1/pensions/applications", headers=citizen,
                          json={"person_id": person, "deemed_months": 200})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "deemed_months"
    made = client.post("/api/v1/pensions/applications", headers=maker,
                       json={"person_id": person, "deemed_months": 200,
                             "deemed_basis": "state enterprise 1980-1997"})
    assert made.status_code == 201, made.text
    app_id = made.json()["id"]
    submitted = client.post(f"/api/v1/pensions/applications/{app_id}/submit", headers=maker)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "submitted"
    assert submitted.json()["total_fen"] > 0

    queue = client.get("/api/v1/pensions/applications", headers=checker).json()
    assert [a["id"] for a in queue] == [app_id]
    own = client.post(f"/api/v1/pensions/applications/{app_id}/approve", headers=maker,
                      json={})
    assert own.status_code == 422
    assert own.json()["errors"][0]["field"] == "application_id"
    assert client.post(f"/api/v1/pensions/applications/{app_id}/approve", headers=citizen,
                       json={}).status_code == 403
    ok = client.post(f"/api/v1/pensions/applications/{app_id}/approve", headers=checker,
                     json={"reason": "record and personnel file agree"})
    assert ok.status_code == 200, ok.text
    assert ok.json()["first_month"] == "2023-03"

    assert client.post("/api/v1/pensions/payroll", headers=citizen,
                       json={"province": "510000", "month": "2026-11"}).status_code == 403
    wrong = client.post("/api/v1/pensions/payroll", headers=maker,
                        json={"province": "440000", "month": "2026-11"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "province"
    county = client.post("/api/v1/pensions/payroll", headers=checker,
                         json={"province": "510104", "month": "2026-11"})
    assert county.status_code == 422
    add_user(database_url, "clerk-sichuan", "clerk", "510000")
    run = client.post("/api/v1/pensions/payroll", headers=bearer(client, "clerk-sichuan"),
                      json={"province": "510000", "month": "2026-11"})
    assert run.status_code == 200, run.text
    assert run.json()["payments"] == 45  # 2023-03 .. 2026-11

    after = client.get(f"/api/v1/pensions/persons/{person}", headers=citizen).json()
    assert after["award"]["status"] == "payment" and len(after["payments"]) == 45
    assert after["next_authentication_due"] is not None
    now = client.post(f"/api/v1/pensions/persons/{person}/authentications", headers=citizen,
                      json={"channel": "online"})
    assert now.status_code == 201, now.text
    assert now.json()["authentication"]["channel"] == "online"
    desk_only = client.post(f"/api/v1/pensions/persons/{person}/authentications",
                            headers=citizen, json={"channel": "desk"})
    assert desk_only.status_code == 422
    assert desk_only.json()["errors"][0]["field"] == "channel"
    listed = client.get(f"/api/v1/pensions/persons/{person}/authentications", headers=maker)
    assert [a["channel"] for a in listed.json()] == ["online"]
