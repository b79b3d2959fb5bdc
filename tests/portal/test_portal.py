"""Appeals and complaints (deadline, status, outcome, notice), corrections applied through the
registry, my data to download, and the portal pages in both languages and both modes."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from shebao.db.engine import transaction
from shebao.policy import Policy
from shebao.portal.models import Appeal, CorrectionRequest, Notice
from shebao.registry.models import Person, PersonChange
from tests.benefits.pension.test_pages import _csrf
from tests.helpers import TwoCounties, add_user, bearer, two_counties
from tests.web.test_pages import _login


@pytest.fixture
def world(database_url: str) -> TwoCounties:
    found = two_counties(database_url)
    add_user(database_url, "clerk2-jinjiang", "clerk", "510104")
    add_user(database_url, "clerk-wuhou", "clerk", "510107")
    return found


def _count(url: str, model: type) -> int:
    with transaction(url) as db:
        return int(db.scalar(select(func.count(model.id))))


def test_an_appeal_is_due_by_the_parameter_days_and_its_outcome_is_a_notice(
    client: TestClient, world: TwoCounties, database_url: str
) -> None:
    liu = bearer(client, "citizen-liu")
    body = {"person_id": world.jinjiang_person, "kind": "appeal", "subject": "pension_award",
            "subject_ref": "application 12", "text": "The award leaves out my years at the mill."}
    made = client.post("/api/v1/appeals", headers=liu, json=body)
    assert made.status_code == 201, made.text
    appeal = made.json()
    days = int(Policy.at(date.today()).value("service.appeal_response_days"))
    assert days == 60  # Administrative Reconsideration Law (2023) art. 62
    assert appeal["due_on"] == str(date.today() + timedelta(days=days))
    assert appeal["status"] == "submitted"

    # Another district's clerk cannot see it; the filer cannot decide what they filed.
    wuhou = bearer(client, "clerk-wuhou")
    assert client.get("/api/v1/appeals", headers=wuhou).json() == []
    clerk = bearer(client, "clerk-jinjiang")
    queue = client.get("/api/v1/appeals", headers=clerk, params={"open_only": True}).json()
    assert [a["id"] for a in queue] == [appeal["id"]]
    short = client.post(f"/api/v1/appeals/{appeal['id']}/decision", headers=clerk,
                        json={"outcome": "upheld", "text": "ok"})
    assert short.status_code == 422 and "outcome_text" in short.text
    decided = client.post(f"/api/v1/appeals/{appeal['id']}/decision", headers=clerk, json={
        "outcome": "partly_upheld", "text": "Two of the mill years are proven; award recomputed."})
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "partly_upheld"
    again = client.post(f"/api/v1/appeals/{appeal['id']}/decision", headers=clerk,
                        json={"outcome": "dismissed", "text": "changed my mind entirely"})
    assert again.status_code == 422 and "already decided" in again.text

    notices = client.get(f"/api/v1/persons/{world.jinjiang_person}/notices", headers=liu).json()
    assert [n["topic"] for n in notices] == ["notice_appeal_decided"]
    assert "mill years" in notices[0]["detail"]


def test_refused_appeals_name_the_field_and_store_nothing(
    client: TestClient, world: TwoCounties, database_url: str
) -> None:
    liu = bearer(client, "citizen-liu")
    base = {"person_id": world.jinjiang_person, "kind": "appeal", "subject": "claim",
            "text": "The hospital stay was refused."}
    for change, field in (({"kind": "plea"}, "kind"), ({"subject": "weather"}, "subject"),
                          ({"subject": "other"}, "subject"), ({"subject": "assistance"}, "subject"),
                          ({"text": "no"}, "text")):
        refused = client.post("/api/v1/appeals", headers=liu, json=base | change)
        assert refused.status_code == 422, refused.text
        assert field in refused.text
    other = client.post("/api/v1/appeals", headers=liu,
                        json=base | {"person_id": world.wuhou_person})
    assert other.status_code == 404
    assert _count(database_url, Appeal) == 0


def test_a_clerk_files_for_a_citizen_and_a_second_clerk_decides(
    client: TestClient, world: TwoCounties, database_url: str
) -> None:
    clerk = bearer(client, "clerk-jinjiang")
    made = client.post("/api/v1/appeals", headers=clerk, json={
        "person_id": world.jinjiang_person, "kind": "complaint", "subject": "other",
        "text": "Waited three hours at the counter."}).json()
    days = int(Policy.at(date.today()).value("service.complaint_response_days"))
    assert made["due_on"] == str(date.today() + timedelta(days=days))
    own = client.post(f"/api/v1/appeals/{made['id']}/decision", headers=clerk,
                      json={"outcome": "upheld", "text": "Counter staffing was short."})
    assert own.status_code == 422 and "another clerk" in own.text
    second = bearer(client, "clerk2-jinjiang")
    review = client.post(f"/api/v1/appeals/{made['id']}/decision", headers=second,
                         json={"outcome": "in_review"})
    assert review.json()["status"] == "in_review"


def test_a_correction_changes_the_registry_with_its_history(
    client: TestClient, world: TwoCounties, database_url: str
) -> None:
    liu = bearer(client, "citizen-liu")
    bad = client.post("/api/v1/corrections", headers=liu, json={
        "person_id": world.jinjiang_person, "field": "phone", "requested_value": "call me",
        "reason": "my number changed last year"})
    assert bad.status_code == 422 and "requested_value" in bad.text
    made = client.post("/api/v1/corrections", headers=liu, json={
        "person_id": world.jinjiang_person, "field": "phone", "requested_value": "13900001111",
        "reason": "my number changed last year"})
    assert made.status_code == 201, made.text
    clerk = bearer(client, "clerk-jinjiang")
    done = client.post(f"/api/v1/corrections/{made.json()['id']}/decision", headers=clerk,
                       json={"corrected": True, "response": "Checked against the phone bill."})
    assert done.json()["status"] == "corrected"
    with transaction(database_url) as db:
        assert db.get(Person, world.jinjiang_person).phone == "13900001111"
        change = db.scalar(select(PersonChange).where(PersonChange.field == "phone"))
        assert change is not None and change.reason == f"correction request {made.json()['id']}"
        assert db.scalar(select(func.count(Notice.id))) == 1
    data = client.get(f"/api/v1/persons/{world.jinjiang_person}/data", headers=liu).json()
    assert data["person"]["identity_number_masked"].startswith("510104********")
    assert "identity_number" not in data["person"]
    assert data["corrections"][0]["status"] == "corrected"
    assert _count(database_url, CorrectionRequest) == 1


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("mode", ["standard", "elder"])
def test_portal_pages_in_each_language_and_mode(
    client: TestClient, world: TwoCounties, lang: str, mode: str
) -> None:
    _login(client, "citizen-liu")
    client.cookies.set("shebao_lang", lang)
    client.get(f"/mode/{mode}")
    client.cookies.set("shebao_mode", mode)
    home = client.get("/portal")
    assert home.status_code == 200
    assert f'class="mode-{mode}"' in home.text
    assert ("投诉与复议" if lang == "zh" else "Complaints and appeals") in home.text
    # Elder mode: five services in view, the rest behind "more services".
    assert ('data-testid="more-services"' in home.text) == (mode == "elder")
    for path in ("/portal/appeals", "/portal/data", "/portal/notices", "/portal/estimate"):
        assert client.get(path).status_code == 200, path


def test_mode_switch_is_remembered_in_a_cookie(client: TestClient) -> None:
    answer = client.get("/mode/elder", follow_redirects=False)
    assert answer.status_code == 303 and "shebao_mode=elder" in answer.headers["set-cookie"]
    assert "shebao_mode" not in client.get("/mode/giant", follow_redirects=False).headers.get(
        "set-cookie", "")


def test_portal_forms_file_and_download(client: TestClient, world: TwoCounties,
                                        database_url: str) -> None:
    _login(client, "citizen-liu")
    page = client.get("/portal/appeals").text
    refused = client.post("/portal/appeals", data={
        "csrf_token": _csrf(page), "kind": "appeal", "subject": "claim", "text": "short"})
    assert refused.status_code == 422 and "text" in refused.text
    assert _count(database_url, Appeal) == 0
    filed = client.post("/portal/appeals", data={
        "csrf_token": _csrf(page), "kind": "appeal", "subject": "claim",
        "text": "The outpatient claim was refused wrongly."}, follow_redirects=True)
    assert filed.status_code == 200 and 'data-status="submitted"' in filed.text
    no_token = client.post("/portal/corrections", data={
        "field": "name", "requested_value": "刘淑芳", "reason": "misspelt at registration"})
    assert no_token.status_code == 403
    page = client.get("/portal/data").text
    made = client.post("/portal/corrections", data={
        "csrf_token": _csrf(page), "field": "name", "requested_value": "刘淑芳",
        "reason": "misspelt at registration"}, follow_redirects=True)
    assert made.status_code == 200 and "刘淑芳" in made.text
    download = client.get("/portal/data.json")
    assert "attachment" in download.headers["content-disposition"]
    assert json.loads(download.text)["appeals"][0]["subject"] == "claim"


def test_the_estimate_compares_a_later_month_and_refuses_an_early_one_short_of_minimum(
    client: TestClient, database_url: str
) -> None:
    from tests.benefits.pension.world import contribute, desk
    from tests.helpers import add_person

    world = desk(database_url)
    person = add_person(database_url, "孙建华", "510104", date(1975, 2, 5), 181)
    contribute(database_url, world.employer, [person], {"2020-12": 600000}, date(2020, 12, 1))
    add_user(database_url, "citizen-sun", "citizen", "510104", person_id=person)
    _login(client, "citizen-sun")
    later = client.get("/portal/estimate", params={"offset": 12}).text
    statutory = later.split('data-testid="statutory-month">')[1][:7]
    chosen = later.split('data-testid="chosen-month">')[1][:7]
    assert int(chosen[:4]) * 12 + int(chosen[5:]) == int(statutory[:4]) * 12 + int(
        statutory[5:]) + 12
    assert 'data-testid="difference"' in later and 'data-testid="pillars"' in later
    early = client.get("/portal/estimate", params={"offset": -12})
    assert early.status_code == 200 and "retirement_month" in early.text  # minimum not met
    assert client.get("/portal/estimate", params={"offset": 99}).status_code == 422


def test_a_decision_is_an_unread_notice_until_read(
    client: TestClient, world: TwoCounties, database_url: str
) -> None:
    clerk = bearer(client, "clerk-jinjiang")
    made = client.post("/api/v1/corrections", headers=clerk, json={
        "person_id": world.jinjiang_person, "field": "employment",
        "requested_value": "锦江小学 1985-2017", "reason": "the school years are missing"}).json()
    second = bearer(client, "clerk2-jinjiang")
    client.post(f"/api/v1/corrections/{made['id']}/decision", headers=second, json={
        "corrected": False, "response": "No record of the school in the archive."}
    ).raise_for_status()
    _login(client, "citizen-liu")
    assert 'data-testid="unread"' in client.get("/portal").text
    page = client.get("/portal/notices").text
    assert "No record of the school" in page and 'data-unread="1"' in page
    with transaction(database_url) as db:
        notice_id = db.scalar(select(Notice.id))
    assert client.post(f"/portal/notices/{notice_id + 1}/read",
                       data={"csrf_token": _csrf(page)}).status_code == 404
    client.post(f"/portal/notices/{notice_id}/read", data={"csrf_token": _csrf(page)})
    assert 'data-testid="unread"' not in client.get("/portal").text
