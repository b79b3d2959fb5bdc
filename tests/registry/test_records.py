"""Persons' history, near-duplicates, households, employers, and who reaches what."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from shebao.db.engine import transaction
from shebao.registry.identifiers import make_credit_code, make_resident_id
from shebao.registry.models import (
    DuplicateReview,
    EmploymentSpell,
    Enrollment,
    Household,
    HouseholdMember,
    Person,
    PersonChange,
)
from tests.helpers import bearer
from tests.registry.world import World, build


@pytest.fixture
def world(database_url: str) -> World:
    return build(database_url)


def _counts(url: str) -> dict[str, int]:
    from sqlalchemy import func, select

    with transaction(url) as db:
        return {
            model.__tablename__: db.scalar(select(func.count()).select_from(model)) or 0
            for model in (Person, PersonChange, DuplicateReview, Household, HouseholdMember,
                          EmploymentSpell, Enrollment)
        }


# --- near-duplicates -----------------------------------------------------------------------


def test_near_duplicate_registers_both_and_queues_a_review(
    client: TestClient, world, database_url: str
) -> None:
    clerk = bearer(client, "clerk-jinjiang")
    # Same name and birth date as 刘淑芬 of Jinjiang, a different identity number.
    number = make_resident_id("510104", date(1962, 7, 21), 44)
    response = client.post(
        "/api/v1/persons",
        json={"identity_number": number, "name": "刘淑芬", "hukou_region": "510104",
              "residence_region": "510104"},
        headers=clerk,
    )
    assert response.status_code == 201, response.text
    new_id = response.json()["id"]
    assert len(response.json()["duplicate_review_ids"]) == 1
    # Both records exist: nothing was merged.
    assert client.get(f"/api/v1/persons/{new_id}", headers=clerk).status_code == 200
    older = client.get(f"/api/v1/persons/{world.teacher}", headers=clerk).json()
    assert older["status"] == "active"
    reviews = client.get("/api/v1/reviews", headers=clerk).json()
    assert [(r["person"]["id"], r["candidate"]["id"]) for r in reviews] == [(new_id, world.teacher)]
    assert "identity_number" not in reviews[0]["person"]
    assert reviews[0]["candidate"]["identity_number_masked"].count("*") == 8
    # The supervisor sees the queue but may not decide.
    supervisor = bearer(client, "supervisor-sichuan")
    assert len(client.get("/api/v1/reviews", headers=supervisor).json()) == 1
    review = reviews[0]["id"]
    assert client.post(f"/api/v1/reviews/{review}/resolve", json={"status": "distinct"},
                       headers=supervisor).status_code == 403
    decided = client.post(f"/api/v1/reviews/{review}/resolve",
                          json={"status": "distinct", "note": "two different women"},
                          headers=clerk)
    assert decided.status_code == 200 and decided.json()["status"] == "distinct"
    assert client.get("/api/v1/reviews", headers=clerk).json() == []
    again = client.post(f"/api/v1/reviews/{review}/resolve", json={"status": "same_person"},
                        headers=clerk)
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "status"
    assert _counts(database_url)["persons"] == 5


def test_same_person_retires_the_newer_record(client: TestClient, world) -> None:
    clerk = bearer(client, "clerk-jinjiang")
    number = make_resident_id("511324", date(1962, 7, 21), 46)
    new = client.post(
        "/api/v1/persons",
        json={"identity_number": number, "name": "刘淑芬", "hukou_region": "511324",
              "residence_region": "510104"},
        headers=clerk,
    ).json()
    review = new["duplicate_review_ids"][0]
    decided = client.post(f"/api/v1/reviews/{review}/resolve", json={"status": "same_person"},
                          headers=clerk)
    assert decided.status_code == 200, decided.text
    retired = client.get(f"/api/v1/persons/{new['id']}", headers=clerk).json()
    assert retired["status"] == "duplicate"
    refused = client.post(
        "/api/v1/enrollments",
        json={"person_id": new["id"], "scheme": "resident_pension", "category": "resident",
              "region_code": "510104", "start_date": "2024-01-01"},
        headers=clerk,
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "person_id"


def test_different_county_or_birth_date_is_no_near_duplicate(client: TestClient, world) -> None:
    clerk = bearer(client, "clerk-chengdu")
    for county, birth, sequence in (("510107", date(1962, 7, 21), 48),
                                    ("510104", date(1962, 7, 22), 50)):
        response = client.post(
            "/api/v1/persons",
            json={"identity_number": make_resident_id(county, birth, sequence), "name": "刘淑芬",
                  "hukou_region": county, "residence_region": county},
            headers=clerk,
        )
        assert response.status_code == 201 and response.json()["duplicate_review_ids"] == []


# --- history -------------------------------------------------------------------------------


def test_update_writes_one_history_row_per_changed_field(
    client: TestClient, world, database_url: str
) -> None:
    clerk = bearer(client, "clerk-jinjiang")
    changed = client.patch(
        f"/api/v1/persons/{world.teacher}",
        json={"name": "刘淑芳", "phone": "13800000000", "residence_region": "510104",
              "effective_date": "2024-05-01", "reason": "name corrected from the hukou book"},
        headers=clerk,
    )
    assert changed.status_code == 200, changed.text
    history = client.get(f"/api/v1/persons/{world.teacher}/history", headers=clerk).json()
    assert [(h["field"], h["old_value"], h["new_value"]) for h in history] == [
        ("name", "刘淑芬", "刘淑芳"), ("phone", None, "13800000000")
    ]
    assert {h["effective_date"] for h in history} == {"2024-05-01"}
    assert all(h["actor_user_id"] and h["reason"] for h in history)
    # The citizen reads her own history.
    own = client.get(f"/api/v1/persons/{world.teacher}/history",
                     headers=bearer(client, "citizen-liu"))
    assert own.status_code == 200 and len(own.json()) == 2
    # The same values again change nothing; a future date is refused and changes nothing.
    client.patch(f"/api/v1/persons/{world.teacher}", json={"name": "刘淑芳"}, headers=clerk)
    before = _counts(database_url)
    future = client.patch(f"/api/v1/persons/{world.teacher}",
                          json={"name": "X", "effective_date": "2999-01-01"}, headers=clerk)
    assert future.status_code == 422
    assert future.json()["errors"][0]["field"] == "effective_date"
    assert _counts(database_url) == before
    assert client.get(f"/api/v1/persons/{world.teacher}", headers=clerk).json()["name"] == "刘淑芳"


def test_person_as_of_undoes_later_changes(client: TestClient, world, database_url: str) -> None:
    from shebao.auth.models import User
    from shebao.registry.service import person_as_of

    clerk = bearer(client, "clerk-chengdu")
    client.patch(f"/api/v1/persons/{world.teacher}",
                 json={"residence_region": "510107", "effective_date": "2023-01-01"},
                 headers=clerk)
    with transaction(database_url) as db:
        from sqlalchemy import select

        user = db.scalar(select(User).where(User.username == "clerk-chengdu"))
        assert person_as_of(db, user, world.teacher, date(2022, 12, 31))["residence_region"] == (
            "510104"
        )
        assert person_as_of(db, user, world.teacher, date(2023, 1, 1))["residence_region"] == (
            "510107"
        )


# --- households ----------------------------------------------------------------------------


def test_household_members_and_one_household_at_a_time(client: TestClient, world) -> None:
    clerk = bearer(client, "clerk-chengdu")
    made = client.post(
        "/api/v1/households",
        json={"region_code": "510104", "head_person_id": world.teacher,
              "start_date": "1990-01-01", "address": "锦江区某街道"},
        headers=clerk,
    )
    assert made.status_code == 201, made.text
    household = made.json()["id"]
    second_head = client.post(f"/api/v1/households/{household}/members",
                              json={"person_id": world.wuhou, "relationship": "head",
                                    "start_date": "2000-01-01"}, headers=clerk)
    assert second_head.status_code == 422
    assert second_head.json()["errors"][0]["field"] == "relationship"
    added = client.post(f"/api/v1/households/{household}/members",
                        json={"person_id": world.wuhou, "relationship": "child",
                              "start_date": "2000-01-01"}, headers=clerk)
    assert added.status_code == 201
    members = added.json()["members"]
    assert [m["relationship"] for m in members] == ["head", "child"]
    # In one household at a time: a second household for the child is refused...
    elsewhere = client.post(
        "/api/v1/households",
        json={"region_code": "510107", "head_person_id": world.wuhou, "start_date": "2010-01-01"},
        headers=clerk,
    )
    assert elsewhere.status_code == 422
    assert elsewhere.json()["errors"][0]["field"] == "head_person_id"
    # ...until the membership ends.
    child = members[1]["id"]
    ended = client.post(f"/api/v1/households/{household}/members/{child}/end",
                        json={"end_date": "2009-12-31", "reason": "moved_out"}, headers=clerk)
    assert ended.status_code == 200
    assert client.post(
        "/api/v1/households",
        json={"region_code": "510107", "head_person_id": world.wuhou, "start_date": "2010-01-01"},
        headers=clerk,
    ).status_code == 201
    # The citizen sees her own household; the household of a date in the past is found too.
    citizen = bearer(client, "citizen-liu")
    own = client.get(f"/api/v1/persons/{world.teacher}/household", headers=citizen)
    assert own.status_code == 200 and own.json()["id"] == household
    past = client.get(f"/api/v1/persons/{world.wuhou}/household?on=2005-06-01", headers=clerk)
    assert past.json()["id"] == household
    assert client.get(f"/api/v1/households/{household}", headers=citizen).status_code == 200
    assert client.get(f"/api/v1/persons/{world.wuhou}/household",
                      headers=citizen).status_code == 404


# --- employers -----------------------------------------------------------------------------


def test_register_employer_reads_the_risk_class_and_checks_the_code(
    client: TestClient, world, database_url: str
) -> None:
    clerk = bearer(client, "clerk-jinjiang")
    good = {"credit_code": make_credit_code("510104", "MA7K9X3W2"), "name": "锦江建筑有限公司",
            "region_code": "510104", "industry": "建筑施工", "size": "small",
            "legal_representative_person_id": world.teacher}
    made = client.post("/api/v1/employers", json=good, headers=clerk)
    assert made.status_code == 201, made.text
    assert made.json()["injury_class"] == 6 and made.json()["category"] == "enterprise"
    assert made.json()["legal_representative_person_id"] == world.teacher
    assert "credit_code" not in made.json() and "*" in made.json()["credit_code_masked"]
    again = client.post("/api/v1/employers", json=good, headers=clerk)
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "credit_code"
    listed = client.get("/api/v1/employers", headers=clerk).json()
    assert {e["name"] for e in listed} == {"成都市锦江区实验学校", "锦江建筑有限公司"}
    # The legal representative must be within reach, like any record.
    other = {**good, "credit_code": make_credit_code("510104", "MA7K9X3W3"),
             "legal_representative_person_id": world.wuhou}
    assert client.post("/api/v1/employers", json=other, headers=clerk).status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"credit_code": "91510104MA7K9X3W2X"}, "credit_code"),
        ({"region_code": "510107"}, "region_code"),
        ({"industry": "航天"}, "injury_class"),
        ({"category": "charity"}, "category"),
        ({"size": "huge"}, "size"),
        ({"injury_class": 9}, "injury_class"),
    ],
)
def test_bad_employers_are_refused_naming_the_field(
    client: TestClient, world, change: dict[str, object], field: str
) -> None:
    clerk = bearer(client, "clerk-jinjiang")
    good = {"credit_code": make_credit_code("510104", "MA7K9X3W2"), "name": "锦江建筑有限公司",
            "region_code": "510104", "industry": "建筑施工", "size": "small"}
    response = client.post("/api/v1/employers", json={**good, **change}, headers=clerk)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert len(client.get("/api/v1/employers", headers=clerk).json()) == 1


# --- the employer's reach ------------------------------------------------------------------


def test_employer_sees_its_own_employees_only(client: TestClient, world) -> None:
    clerk = bearer(client, "clerk-guangdong")
    employer = bearer(client, "employer-factory")
    assert client.get(f"/api/v1/persons/{world.worker}", headers=employer).status_code == 404
    started = client.post(
        "/api/v1/employment",
        json={"person_id": world.worker, "employer_id": world.factory, "start_date": "2010-06-01",
              "monthly_wage_fen": 650000},
        headers=clerk,
    ).json()
    client.post(
        "/api/v1/employment",
        json={"person_id": world.rider, "employer_id": world.platform, "category": "platform",
              "start_date": "2023-03-01", "monthly_wage_fen": 780000},
        headers=clerk,
    )
    assert client.get(f"/api/v1/persons/{world.worker}", headers=employer).status_code == 200
    assert client.get(f"/api/v1/persons/{world.rider}", headers=employer).status_code == 404
    found = client.get("/api/v1/persons", headers=employer).json()
    assert [p["id"] for p in found] == [world.worker]
    assert len(client.get(f"/api/v1/persons/{world.worker}/enrollments",
                          headers=employer).json()) == 4
    assert len(client.get(f"/api/v1/employers/{world.factory}/employment",
                          headers=employer).json()) == 1
    assert client.get(f"/api/v1/employers/{world.platform}/employment",
                      headers=employer).status_code == 404
    assert client.get(f"/api/v1/persons/{world.rider}/employment",
                      headers=employer).status_code == 404
    # Employers declare; they do not register employment or read personal history.
    assert client.post(f"/api/v1/employment/{started['spell']['id']}/end",
                       json={"end_date": "2024-01-31"}, headers=employer).status_code == 403
    assert client.get(f"/api/v1/persons/{world.worker}/history",
                      headers=employer).status_code == 403
    # Once the employment has ended, the person is out of the employer's reach.
    client.post(f"/api/v1/employment/{started['spell']['id']}/end",
                json={"end_date": "2024-01-31"}, headers=clerk)
    assert client.get(f"/api/v1/persons/{world.worker}", headers=employer).status_code == 404
    assert client.get("/api/v1/persons", headers=employer).json() == []


# --- out of reach: 404 on every route ------------------------------------------------------


def test_clerk_out_of_county_gets_404_on_every_route(
    client: TestClient, world, database_url: str
) -> None:
    """Records in Wuhou (510107), made by the Chengdu city clerk; the Jinjiang clerk tries each."""
    city = bearer(client, "clerk-chengdu")
    household = client.post(
        "/api/v1/households",
        json={"region_code": "510107", "head_person_id": world.wuhou, "start_date": "2000-01-01"},
        headers=city,
    ).json()
    member = household["members"][0]["id"]
    started = client.post(
        "/api/v1/employment",
        json={"person_id": world.wuhou, "employer_id": world.wuhou_firm,
              "start_date": "2015-01-01", "monthly_wage_fen": 500000},
        headers=city,
    ).json()
    spell = started["spell"]["id"]
    enrollment = started["enrollments"][0]["id"]
    twin = client.post(
        "/api/v1/persons",
        json={"identity_number": make_resident_id("510107", date(1980, 1, 5), 33), "name": "张伟",
              "hukou_region": "510107", "residence_region": "510107"},
        headers=city,
    ).json()
    review = twin["duplicate_review_ids"][0]
    before = _counts(database_url)

    clerk = bearer(client, "clerk-jinjiang")
    w, h, e = world.wuhou, household["id"], world.wuhou_firm
    attempts = [
        ("get", f"/api/v1/persons/{w}/history", None),
        ("post", f"/api/v1/persons/{w}/death", {"death_date": "2024-01-01"}),
        ("post", "/api/v1/households",
         {"region_code": "510104", "head_person_id": w, "start_date": "2020-01-01"}),
        ("get", f"/api/v1/households/{h}", None),
        ("post", f"/api/v1/households/{h}/members",
         {"person_id": world.teacher, "relationship": "other", "start_date": "2020-01-01"}),
        ("post", f"/api/v1/households/{h}/members/{member}/end", {"end_date": "2020-01-01"}),
        ("get", f"/api/v1/persons/{w}/household", None),
        ("get", f"/api/v1/employers/{e}", None),
        ("get", f"/api/v1/employers/{e}/employment", None),
        ("post", "/api/v1/employment", {"person_id": w, "employer_id": world.school,
                                        "category": "public_institution",
                                        "start_date": "2020-01-01", "monthly_wage_fen": 1}),
        ("post", "/api/v1/employment", {"person_id": world.teacher, "employer_id": e,
                                        "start_date": "2020-01-01", "monthly_wage_fen": 1}),
        ("post", f"/api/v1/employment/{spell}/end", {"end_date": "2020-01-01"}),
        ("get", f"/api/v1/persons/{w}/employment", None),
        ("post", "/api/v1/enrollments", {"person_id": w, "scheme": "resident_medical",
                                         "category": "resident", "region_code": "510104",
                                         "start_date": "2020-01-01"}),
        ("post", f"/api/v1/enrollments/{enrollment}/end", {"end_date": "2020-01-01"}),
        ("get", f"/api/v1/persons/{w}/enrollments", None),
        ("post", f"/api/v1/reviews/{review}/resolve", {"status": "distinct"}),
    ]
    for method, path, body in attempts:
        response = client.request(method, path, json=body, headers=clerk)
        assert response.status_code == 404, (path, response.text)
        assert response.json() == {"detail": "not found"}, path
    assert client.get("/api/v1/reviews", headers=clerk).json() == []
    assert e not in {x["id"] for x in client.get("/api/v1/employers", headers=clerk).json()}
    assert _counts(database_url) == before


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/households", {"region_code": "510104", "head_person_id": "teacher",
                                "start_date": "2020-13-01"}, "start_date"),
        ("/api/v1/households", {"region_code": "510107", "head_person_id": "teacher",
                                "start_date": "2020-01-01"}, "region_code"),
        ("/api/v1/households", {"region_code": "510104", "head_person_id": "teacher",
                                "start_date": "1950-01-01"}, "start_date"),
        ("/api/v1/employment", {"person_id": "teacher", "employer_id": "school",
                                "category": "public_institution", "start_date": "2020-01-01",
                                "monthly_wage_fen": -5}, "monthly_wage_fen"),
        ("/api/v1/employment", {"person_id": "teacher", "employer_id": "school",
                                "category": "public_institution", "start_date": "1970-01-01",
                                "monthly_wage_fen": 5}, "start_date"),
        ("/api/v1/employment", {"person_id": "teacher", "employer_id": "school",
                                "category": "gig", "start_date": "2020-01-01",
                                "monthly_wage_fen": 5}, "category"),
        ("/api/v1/enrollments", {"person_id": "teacher", "scheme": "resident_pension",
                                 "category": "resident", "region_code": "510104",
                                 "start_date": "2020-01-01", "extra": 1}, "extra"),
        ("/api/v1/persons/teacher/death", {"death_date": "yesterday"}, "death_date"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(
    client: TestClient, world, database_url: str, path: str, body: dict[str, object], field: str
) -> None:
    ids = {"teacher": world.teacher, "school": world.school}
    body = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    path = path.replace("teacher", str(world.teacher))
    before = _counts(database_url)
    response = client.post(path, json=body, headers=bearer(client, "clerk-jinjiang"))
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert response.json()["errors"][0]["reason"]
    assert _counts(database_url) == before
