"""Assistance over HTTP: a citizen applies for their household online (an incomplete form is
returned listing what is missing), a caseworker resolves the discrepancy and decides on the
case page, a clerk of another county sees nothing, bad input is 422 naming the field."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from shebao.assistance.models import AssistanceApplication
from shebao.db.engine import transaction
from tests.assistance.test_service import CASES, _build
from tests.benefits.medical.test_pages import _login
from tests.helpers import add_user, bearer


@pytest.fixture
def world(database_url: str) -> dict[str, Any]:
    household_id, ids = _build(database_url, CASES[0])  # concealed wages on record
    add_user(database_url, "farmer", "citizen", "511321", person_id=ids[0])
    add_user(database_url, "caseworker", "clerk", "511321")
    add_user(database_url, "other-clerk", "clerk", "510104")
    return {"household_id": household_id, "ids": ids}


def _count(url: str) -> int:
    with transaction(url) as db:
        return int(db.scalar(select(func.count(AssistanceApplication.id))))


def test_citizen_applies_caseworker_resolves_and_decides(
        client: TestClient, world: dict[str, Any], database_url: str) -> None:
    token = _login(client, "farmer")
    form = client.get("/assistance/apply")
    assert form.status_code == 200 and "赵一" in form.text
    ids = world["ids"]
    partial = {"csrf_token": token, "programme": "dibao", "area": "rural",
               f"wages_fen_{ids[0]}": "1200", f"other_fen_{ids[0]}": "1000"}
    returned = client.post("/assistance/apply", data=partial)
    assert returned.status_code == 422
    assert f"members[{ids[0]}].pension_fen" in returned.text and "deposits_fen" in returned.text
    assert _count(database_url) == 0
    full = {**partial, "deposits_fen": "0", "vehicles": "0", "properties": "1",
            **{f"{k}_{pid}": "0" for pid in ids for k in
               ("wages_fen", "pension_fen", "unemployment_fen", "other_fen")
               if f"{k}_{pid}" not in partial}}
    filed = client.post("/assistance/apply", data=full, follow_redirects=False)
    assert filed.status_code == 303
    case_url = filed.headers["location"]
    mine = client.get(case_url)
    assert 'data-testid="case-status"' in mine.text and "contributions" in mine.text
    assert "/discrepancies/" not in mine.text, "citizens do not resolve discrepancies"

    client.cookies.clear()
    token = _login(client, "caseworker")
    queue = client.get("/assistance")
    assert case_url in queue.text and 'data-testid="assistance-discrepancies"' in queue.text
    page = client.get(case_url)
    action = re.search(r'action="(/assistance/\d+/discrepancies/\d+)"', page.text).group(1)
    no_reason = client.post(case_url + "/decide", data={"csrf_token": token,
                                                        "decision": "refuse", "reason": "x"})
    assert no_reason.status_code == 422 and "discrepancies" in no_reason.text
    assert client.post(action, data={"csrf_token": token, "status": "confirmed",
                                     "note": "employer payroll seen"},
                       follow_redirects=False).status_code == 303
    refused = client.post(case_url + "/decide", data={
        "csrf_token": token, "decision": "refuse", "basis": "assessed",
        "reason": "wages of 2,400 a month on record"}, follow_redirects=False)
    assert refused.status_code == 303
    assert "wages of 2,400 a month on record" in client.get(case_url).text
    assert client.post(case_url + "/decide", data={"decision": "refuse", "reason": "again"}
                       ).status_code == 403, "no CSRF token, no decision"


def test_api_scope_and_bad_input(client: TestClient, world: dict[str, Any]) -> None:
    staff = bearer(client, "caseworker")
    body = {"household_id": world["household_id"], "programme": "dibao", "area": "rural",
            "deposits_fen": 0, "vehicles": 0, "properties": 1,
            "members": [{"person_id": pid, "wages_fen": 0, "pension_fen": 0,
                         "unemployment_fen": 0, "other_fen": 50000} for pid in world["ids"]]}
    bad = client.post("/api/v1/assistance/applications", json={**body, "area": "suburban"},
                      headers=staff)
    assert bad.status_code == 422 and "area" in bad.text
    negative = client.post("/api/v1/assistance/applications", json={**body, "vehicles": -1},
                           headers=staff)
    assert negative.status_code == 422 and "vehicles" in negative.text
    made = client.post("/api/v1/assistance/applications", json=body, headers=staff)
    assert made.status_code == 201, made.text
    case = made.json()
    assert case["status"] == "pending" and case["discrepancies"]
    other = bearer(client, "other-clerk")
    assert client.get(f"/api/v1/assistance/applications/{case['id']}",
                      headers=other).status_code == 404
    assert client.get("/api/v1/assistance/applications", headers=other).json() == []
    citizen = bearer(client, "farmer")
    assert client.post("/api/v1/assistance/imports", headers=citizen, json={
        "kind": "vehicle", "region_code": "511321", "source": "x", "as_of": "2026-10-01",
        "csv": "identity_number,reference,value_fen\n"}).status_code == 403
    listed = client.get("/api/v1/assistance/discrepancies", headers=staff).json()
    assert {d["source"] for d in listed} == {"contributions"}
