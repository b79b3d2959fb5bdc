"""Employment and enrollment over the API: the scheme rules, auto-enrollment, and ends."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.helpers import bearer
from tests.registry.world import World, build


@pytest.fixture
def world(database_url: str) -> World:
    return build(database_url)


def _enrollments(client: TestClient, person: int, headers: dict[str, str]) -> list[dict]:
    response = client.get(f"/api/v1/persons/{person}/enrollments", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _enroll(client: TestClient, headers: dict[str, str], **body: object):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/enrollments", json=body, headers=headers)


def test_employee_and_resident_pension_are_never_both_open(client: TestClient, world) -> None:
    clerk = bearer(client, "clerk-jinjiang")
    resident = _enroll(client, clerk, person_id=world.teacher, scheme="resident_pension",
                       category="resident", region_code="510104", start_date="2020-01-01")
    assert resident.status_code == 201, resident.text
    employee = _enroll(client, clerk, person_id=world.teacher, scheme="employee_pension",
                       category="flexible", region_code="510104", start_date="2024-01-01")
    assert employee.status_code == 422
    assert [e["field"] for e in employee.json()["errors"]] == ["scheme"]
    assert len(_enrollments(client, world.teacher, clerk)) == 1
    # Once the resident pension has ended, the employee pension may start the next day.
    ended = client.post(f"/api/v1/enrollments/{resident.json()['id']}/end",
                        json={"end_date": "2023-12-31"}, headers=clerk)
    assert ended.status_code == 200 and ended.json()["end_date"] == "2023-12-31"
    again = _enroll(client, clerk, person_id=world.teacher, scheme="employee_pension",
                    category="flexible", region_code="510104", start_date="2024-01-01")
    assert again.status_code == 201, again.text


def test_employee_and_resident_medical_are_never_both_open(client: TestClient, world) -> None:
    clerk = bearer(client, "clerk-jinjiang")
    assert _enroll(client, clerk, person_id=world.teacher, scheme="employee_medical",
                   category="flexible", region_code="510104",
                   start_date="2020-01-01").status_code == 201
    refused = _enroll(client, clerk, person_id=world.teacher, scheme="resident_medical",
                      category="resident", region_code="510104", start_date="2021-01-01")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "scheme"
    twice = _enroll(client, clerk, person_id=world.teacher, scheme="employee_medical",
                    category="flexible", region_code="510104", start_date="2022-01-01")
    assert twice.status_code == 422 and twice.json()["errors"][0]["field"] == "scheme"


def test_platform_worker_is_enrolled_where_they_work_without_a_hukou_condition(
    client: TestClient, world
) -> None:
    clerk = bearer(client, "clerk-tianhe")
    started = client.post(
        "/api/v1/employment",
        json={"person_id": world.rider, "employer_id": world.platform, "category": "platform",
              "start_date": "2023-03-01", "monthly_wage_fen": 780000},
        headers=clerk,
    )
    assert started.status_code == 201, started.text
    auto = started.json()["enrollments"]
    assert [(e["scheme"], e["region_code"], e["employer_id"]) for e in auto] == [
        ("work_injury", "440106", world.platform)
    ]
    # Pension as a platform worker in Guangzhou, though his hukou is in Sichuan (511324).
    pension = _enroll(client, clerk, person_id=world.rider, scheme="employee_pension",
                      category="platform", region_code="440106", start_date="2023-03-01")
    assert pension.status_code == 201, pension.text
    schemes = {e["scheme"] for e in _enrollments(client, world.rider, clerk)}
    assert schemes == {"work_injury", "employee_pension"}


def test_resident_enrols_only_where_hukou_or_residence_is(client: TestClient, world) -> None:
    clerk = bearer(client, "clerk-guangdong")
    elsewhere = _enroll(client, clerk, person_id=world.rider, scheme="resident_medical",
                        category="resident", region_code="440305", start_date="2024-01-01")
    assert elsewhere.status_code == 422
    assert elsewhere.json()["errors"][0]["field"] == "region_code"
    at_home = _enroll(client, clerk, person_id=world.rider, scheme="resident_medical",
                      category="resident", region_code="440106", start_date="2024-01-01")
    assert at_home.status_code == 201, at_home.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scheme": "unemployment", "category": "flexible"}, "category"),
        ({"scheme": "work_injury", "category": "platform"}, "employer_id"),
        ({"scheme": "resident_pension", "category": "flexible"}, "category"),
        ({"scheme": "employee_pension", "category": "enterprise_employee"}, "employer_id"),
        ({"scheme": "employee_pension", "category": "flexible", "employer_id": "platform"},
         "employer_id"),
        ({"scheme": "pension", "category": "flexible"}, "scheme"),
        ({"scheme": "employee_pension", "category": "flexible", "start_date": "1980-01-01"},
         "start_date"),
        ({"scheme": "employee_pension", "category": "flexible", "region_code": "44010"},
         "region_code"),
    ],
)
def test_enrollment_rules_name_the_field_and_change_nothing(
    client: TestClient, world, body: dict[str, object], field: str
) -> None:
    clerk = bearer(client, "clerk-tianhe")
    if body.get("employer_id") == "platform":
        body = {**body, "employer_id": world.platform}
    full = {"person_id": world.rider, "region_code": "440106", "start_date": "2024-01-01", **body}
    response = client.post("/api/v1/enrollments", json=full, headers=clerk)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert _enrollments(client, world.rider, clerk) == []


def test_an_employee_enrols_where_the_employer_is_and_only_while_working_there(
    client: TestClient, world
) -> None:
    clerk = bearer(client, "clerk-guangdong")
    not_working = _enroll(client, clerk, person_id=world.worker, scheme="unemployment",
                          category="enterprise_employee", region_code="440306",
                          employer_id=world.factory, start_date="2024-01-01")
    assert not_working.status_code == 422
    assert not_working.json()["errors"][0]["field"] == "employer_id"
    started = client.post(
        "/api/v1/employment",
        json={"person_id": world.worker, "employer_id": world.factory, "start_date": "2010-06-01",
              "monthly_wage_fen": 650000, "enroll": False},
        headers=clerk,
    )
    assert started.status_code == 201 and started.json()["enrollments"] == []
    other_province = _enroll(client, clerk, person_id=world.worker, scheme="unemployment",
                             category="enterprise_employee", region_code="510104",
                             employer_id=world.factory, start_date="2024-01-01")
    assert other_province.status_code == 422
    assert other_province.json()["errors"][0]["field"] == "region_code"
    assert _enroll(client, clerk, person_id=world.worker, scheme="unemployment",
                   category="enterprise_employee", region_code="440306",
                   employer_id=world.factory, start_date="2024-01-01").status_code == 201


def test_employment_enrols_the_employee_schemes_and_resident_schemes_give_way(
    client: TestClient, world
) -> None:
    clerk = bearer(client, "clerk-baoan")
    resident = _enroll(client, clerk, person_id=world.worker, scheme="resident_medical",
                       category="resident", region_code="440306", start_date="2005-01-01")
    assert resident.status_code == 201
    started = client.post(
        "/api/v1/employment",
        json={"person_id": world.worker, "employer_id": world.factory, "start_date": "2010-06-01",
              "monthly_wage_fen": 650000},
        headers=clerk,
    )
    assert started.status_code == 201, started.text
    assert {e["scheme"] for e in started.json()["enrollments"]} == {
        "employee_pension", "employee_medical", "unemployment", "work_injury"
    }
    rows = {e["scheme"]: e for e in _enrollments(client, world.worker, clerk)}
    assert rows["resident_medical"]["end_date"] == "2010-05-31"
    assert rows["resident_medical"]["end_reason"] == "employee_scheme"
    # A second spell at the same employer while the first is open is refused.
    again = client.post(
        "/api/v1/employment",
        json={"person_id": world.worker, "employer_id": world.factory, "start_date": "2012-01-01",
              "monthly_wage_fen": 700000},
        headers=clerk,
    )
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "start_date"
    # Ending the employment ends what it carried.
    spell = started.json()["spell"]["id"]
    ended = client.post(f"/api/v1/employment/{spell}/end",
                        json={"end_date": "2020-12-31", "reason": "resigned"}, headers=clerk)
    assert ended.status_code == 200 and ended.json()["end_reason"] == "resigned"
    for row in _enrollments(client, world.worker, clerk):
        if row["employer_id"] == world.factory:
            assert row["end_date"] == "2020-12-31"
    twice = client.post(f"/api/v1/employment/{spell}/end", json={"end_date": "2021-01-31"},
                        headers=clerk)
    assert twice.status_code == 422 and twice.json()["errors"][0]["field"] == "end_date"


def test_worker_category_must_suit_the_employer(client: TestClient, world) -> None:
    clerk = bearer(client, "clerk-tianhe")
    response = client.post(
        "/api/v1/employment",
        json={"person_id": world.rider, "employer_id": world.platform,
              "category": "public_institution", "start_date": "2023-03-01",
              "monthly_wage_fen": 1},
        headers=clerk,
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "category"
    listed = client.get(f"/api/v1/employers/{world.platform}/employment", headers=clerk)
    assert listed.json() == []


def test_deceased_person_cannot_be_enrolled_or_employed(client: TestClient, world) -> None:
    clerk = bearer(client, "clerk-tianhe")
    death = client.post(f"/api/v1/persons/{world.rider}/death", json={"death_date": "2025-02-03"},
                        headers=clerk)
    assert death.status_code == 200 and death.json()["status"] == "deceased"
    refused = _enroll(client, clerk, person_id=world.rider, scheme="employee_pension",
                      category="flexible", region_code="440106", start_date="2024-01-01")
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "person_id"
    employed = client.post(
        "/api/v1/employment",
        json={"person_id": world.rider, "employer_id": world.platform, "category": "platform",
              "start_date": "2024-01-01", "monthly_wage_fen": 1},
        headers=clerk,
    )
    assert employed.status_code == 422 and employed.json()["errors"][0]["field"] == "person_id"
    assert _enrollments(client, world.rider, clerk) == []


def test_death_ends_enrollments_spells_and_memberships_on_the_death_date(
    client: TestClient, world
) -> None:
    clerk = bearer(client, "clerk-baoan")
    started = client.post(
        "/api/v1/employment",
        json={"person_id": world.worker, "employer_id": world.factory, "start_date": "2010-06-01",
              "monthly_wage_fen": 650000},
        headers=clerk,
    )
    assert started.status_code == 201
    household = client.post(
        "/api/v1/households",
        json={"region_code": "440306", "head_person_id": world.worker, "start_date": "2009-01-01"},
        headers=clerk,
    )
    assert household.status_code == 201
    too_early = client.post(f"/api/v1/persons/{world.worker}/death",
                            json={"death_date": "2010-01-01"}, headers=clerk)
    assert too_early.status_code == 422 and too_early.json()["errors"][0]["field"] == "death_date"
    future = client.post(f"/api/v1/persons/{world.worker}/death",
                         json={"death_date": "2999-01-01"}, headers=clerk)
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "death_date"
    death = client.post(f"/api/v1/persons/{world.worker}/death",
                        json={"death_date": "2025-03-01", "reason": "death certificate"},
                        headers=clerk)
    assert death.status_code == 200, death.text
    assert death.json()["death_date"] == "2025-03-01"
    enrollments = _enrollments(client, world.worker, clerk)
    assert len(enrollments) == 4
    assert all(e["end_date"] == "2025-03-01" and e["end_reason"] == "death" for e in enrollments)
    spells = client.get(f"/api/v1/persons/{world.worker}/employment", headers=clerk).json()
    assert [(s["end_date"], s["end_reason"]) for s in spells] == [("2025-03-01", "death")]
    members = client.get(f"/api/v1/households/{household.json()['id']}", headers=clerk).json()
    assert members["members"][0]["end_date"] == "2025-03-01"
    history = client.get(f"/api/v1/persons/{world.worker}/history", headers=clerk).json()
    assert {(h["field"], h["new_value"]) for h in history} == {
        ("status", "deceased"), ("death_date", "2025-03-01")
    }
    again = client.post(f"/api/v1/persons/{world.worker}/death",
                        json={"death_date": "2025-03-02"}, headers=clerk)
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "death_date"
