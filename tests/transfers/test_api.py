"""Transfers over the API and on the pages: the citizen applies and follows, refusals are 422
and change nothing, staff outside the flow get 404, clerks of each side take their step,
supervisors see overdue transfers."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from shebao.db.engine import transaction
from shebao.transfers.models import Transfer
from tests.benefits.pension.test_pages import _csrf
from tests.helpers import add_user, bearer
from tests.transfers.world import FIRST_HALF, migrant, staff, work
from tests.web.test_pages import _login


def test_citizen_applies_and_follows_clerks_move_it(client: TestClient,
                                                     database_url: str) -> None:
    url = database_url
    staff(url)
    add_user(url, "clerk-jinjiang", "clerk", "510104")
    person = migrant(url)
    work(url, person, "440106", "MA1A2B3C4", FIRST_HALF)
    wang = bearer(client, "citizen-wang")

    refused = client.post("/api/v1/transfers", headers=wang,
                          json={"person_id": person, "destination_province": "510100"})
    assert refused.status_code == 422 and "not a province" in refused.text
    with transaction(url) as db:
        assert db.scalar(select(func.count(Transfer.id))) == 0

    made = client.post("/api/v1/transfers", headers=wang, json={
        "person_id": person, "destination_province": "510000", "destination_region": "511324"})
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["status"], body["channel"], body["source_province"]) == (
        "applied", "online", "440000")
    assert date.fromisoformat(body["due_on"]) > date.today() and not body["overdue"]
    transfer = body["id"]
    again = client.post("/api/v1/transfers", headers=wang,
                        json={"person_id": person, "destination_province": "330000"})
    assert again.status_code == 422 and "already in flight" in again.text

    place = client.get(f"/api/v1/transfers/benefit-place?person_id={person}", headers=wang)
    assert place.json()["province"] == "510000" and place.json()["rule"] == 4

    # A district clerk in Chengdu takes no part in it yet; Guangdong's clerk approves.
    jinjiang = bearer(client, "clerk-jinjiang")
    assert client.get(f"/api/v1/transfers/{transfer}", headers=jinjiang).status_code == 404
    sichuan = bearer(client, "clerk-sichuan")
    early = client.post(f"/api/v1/transfers/{transfer}/approve", headers=sichuan)
    assert early.status_code == 404
    guangdong = bearer(client, "clerk-guangdong")
    approved = client.post(f"/api/v1/transfers/{transfer}/approve", headers=guangdong).json()
    assert approved["status"] == "approved_at_source" and len(approved["months"]) == 6
    assert approved["pool_fen"] == (sum(FIRST_HALF.values()) * 12 + 50) // 100
    moved = client.post(f"/api/v1/transfers/{transfer}/move-funds", headers=guangdong).json()
    assert moved["status"] == "funds_moved"
    assert client.post(f"/api/v1/transfers/{transfer}/receive",
                       headers=guangdong).status_code == 404
    done = client.post(f"/api/v1/transfers/{transfer}/receive", headers=sichuan).json()
    assert done["status"] == "received"
    assert client.post(f"/api/v1/transfers/{transfer}/complete",
                       headers=sichuan).json()["status"] == "received"

    # The citizen's page shows the transfer and the benefit place, now Sichuan by rule 1.
    _login(client, "citizen-wang")
    page = client.get("/transfers")
    assert page.status_code == 200 and 'data-status="received"' in page.text
    assert 'data-province="510000"' in page.text
    bad = client.post("/transfers/apply", data={"destination_province": "440100",
                                                "csrf_token": _csrf(page.text)})
    assert bad.status_code == 422 and "not a province" in bad.text


def test_overdue_transfers_are_listed_for_supervisors(client: TestClient,
                                                      database_url: str) -> None:
    url = database_url
    staff(url)
    person = migrant(url)
    work(url, person, "440106", "MA1A2B3C4", FIRST_HALF)
    # Sichuan's desk takes the newcomer's application (it reaches the destination); a desk that
    # reaches neither the person nor the destination does not see the person.
    add_user(url, "clerk-jinjiang", "clerk", "510104")
    outside = client.post("/api/v1/transfers", headers=bearer(client, "clerk-jinjiang"),
                          json={"person_id": person, "destination_province": "510000"})
    assert outside.status_code == 404
    made = client.post("/api/v1/transfers", headers=bearer(client, "clerk-sichuan"),
                       json={"person_id": person, "destination_province": "510000"}).json()
    assert made["channel"] == "desk"
    supervisor = bearer(client, "supervisor-sichuan")
    assert client.get("/api/v1/transfers/overdue", headers=supervisor).json() == []
    with transaction(url) as db:  # the target passed: applied a month ago
        found = db.get(Transfer, made["id"])
        found.applied_on = date.today() - timedelta(days=40)
        found.due_on = date.today() - timedelta(days=19)
    late = client.get("/api/v1/transfers/overdue", headers=supervisor).json()
    assert [t["id"] for t in late] == [made["id"]] and late[0]["overdue"]
    assert client.get("/api/v1/transfers/overdue",
                      headers=bearer(client, "clerk-sichuan")).status_code == 403
    _login(client, "supervisor-sichuan")
    page = client.get("/transfers/overdue")
    assert page.status_code == 200 and f'data-testid="transfer-{made["id"]}"' in page.text
