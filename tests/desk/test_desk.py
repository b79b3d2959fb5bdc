"""The service desk: masked search, a reveal only with a reason (kept in the audit trail),
filing on a citizen's behalf with a receipt, the printable statement, the appeals queue."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from shebao.db.engine import transaction
from shebao.portal.models import Appeal
from shebao.supervision.models import AuditEntry
from tests.benefits.pension.test_pages import _csrf
from tests.helpers import TwoCounties, add_user, two_counties
from tests.web.test_pages import _login


@pytest.fixture
def world(database_url: str) -> TwoCounties:
    found = two_counties(database_url)
    add_user(database_url, "clerk2-jinjiang", "clerk", "510104")
    return found


def test_search_is_masked_and_a_reveal_needs_a_reason_that_is_audited(
    client: TestClient, world: TwoCounties, database_url: str
) -> None:
    _login(client, "clerk-jinjiang")
    found = client.get("/desk", params={"q": "刘"}).text
    assert "510104********" in found and "张伟" not in found
    card = client.get(f"/desk/persons/{world.jinjiang_person}").text
    assert "510104********" in card
    refused = client.post(f"/desk/persons/{world.jinjiang_person}/reveal",
                          data={"csrf_token": _csrf(card), "reason": "x"})
    assert refused.status_code == 422 and "reason" in refused.text
    with transaction(database_url) as db:
        assert db.scalar(select(AuditEntry.seq).where(
            AuditEntry.object_type == "persons.identity_number")) is None
    shown = client.post(f"/desk/persons/{world.jinjiang_person}/reveal",
                        data={"csrf_token": _csrf(card), "reason": "caller verifying identity"})
    assert shown.status_code == 200 and "********" not in shown.text.split(
        'data-testid="identity-number">')[1][:20]
    with transaction(database_url) as db:
        entry = db.scalar(select(AuditEntry).where(
            AuditEntry.object_type == "persons.identity_number"))
        assert entry is not None and "caller verifying identity" in (entry.reason or "")
    assert client.get(f"/desk/persons/{world.wuhou_person}").status_code == 404


def test_file_on_behalf_gives_a_receipt_and_the_second_clerk_decides(
    client: TestClient, world: TwoCounties, database_url: str
) -> None:
    _login(client, "clerk-jinjiang")
    card = client.get(f"/desk/persons/{world.jinjiang_person}").text
    receipt = client.post(f"/desk/persons/{world.jinjiang_person}/appeals", data={
        "csrf_token": _csrf(card), "kind": "appeal", "subject": "claim",
        "text": "The outpatient claim was refused wrongly."})
    assert receipt.status_code == 200 and 'data-testid="receipt"' in receipt.text
    statement = client.get(f"/desk/persons/{world.jinjiang_person}/statement")
    assert statement.status_code == 200 and "data-print" in statement.text
    queue = client.get("/desk/appeals").text
    assert "由您代办" in queue  # the filer sees it, but may not decide it

    client.post("/logout", data={"csrf_token": _csrf(queue)})
    _login(client, "clerk2-jinjiang")
    queue = client.get("/desk/appeals").text
    with transaction(database_url) as db:
        appeal_id = db.scalar(select(Appeal.id))
    decided = client.post(f"/desk/appeals/{appeal_id}/decide", data={
        "csrf_token": _csrf(queue), "outcome": "upheld",
        "text": "The claim met the outpatient rules."}, follow_redirects=False)
    assert decided.status_code == 303
    with transaction(database_url) as db:
        assert db.get(Appeal, appeal_id).status == "upheld"


def test_roles_without_the_desk_are_sent_elsewhere(client: TestClient,
                                                   world: TwoCounties) -> None:
    _login(client, "analyst")
    assert client.get("/desk").status_code == 403
    client.cookies.clear()
    _login(client, "citizen-liu")
    assert client.get("/desk", follow_redirects=False).headers["location"] == "/portal"


def test_register_at_the_counter_names_the_bad_field_and_stores_nothing(
    client: TestClient, world: TwoCounties, database_url: str
) -> None:
    from shebao.registry.identifiers import make_resident_id
    from shebao.registry.models import Person

    _login(client, "clerk-jinjiang")
    page = client.get("/desk").text
    number = make_resident_id("510104", date(1990, 3, 4), 17)
    wrong_check_digit = number[:-1] + ("1" if number[-1] != "1" else "2")
    form = {"csrf_token": _csrf(page), "identity_number": wrong_check_digit, "name": "王芳",
            "hukou_region": "510104", "residence_region": "510104"}
    bad = client.post("/desk/persons", data=form)
    assert bad.status_code == 422 and "identity_number" in bad.text
    with transaction(database_url) as db:
        assert db.scalar(select(Person.id).where(Person.name == "王芳")) is None
    made = client.post("/desk/persons", data=form | {"identity_number": number},
                       follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"].startswith("/desk/persons/")


def test_a_correction_is_decided_from_the_queue(
    client: TestClient, world: TwoCounties, database_url: str
) -> None:
    from shebao.portal.models import CorrectionRequest
    from shebao.registry.models import Person

    _login(client, "citizen-liu")
    page = client.get("/portal/data").text
    client.post("/portal/corrections", data={
        "csrf_token": _csrf(page), "field": "name", "requested_value": "刘淑芳",
        "reason": "misspelt when registered"}).raise_for_status()
    client.cookies.clear()
    _login(client, "clerk-jinjiang")
    queue = client.get("/desk/appeals").text
    assert 'data-correction="' in queue and "刘淑芳" in queue
    with transaction(database_url) as db:
        request_id = db.scalar(select(CorrectionRequest.id))
    no_reason = client.post(f"/desk/corrections/{request_id}/decide", data={
        "csrf_token": _csrf(queue), "decision": "correct", "response": ""})
    assert no_reason.status_code == 422 and "response" in no_reason.text
    done = client.post(f"/desk/corrections/{request_id}/decide", data={
        "csrf_token": _csrf(queue), "decision": "correct",
        "response": "Checked against the hukou booklet."}, follow_redirects=False)
    assert done.status_code == 303
    with transaction(database_url) as db:
        assert db.get(Person, world.jinjiang_person).name == "刘淑芳"
