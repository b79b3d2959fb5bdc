"""Registry over the API: scope by region, masking, and refusals that name the field."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from shebao.registry.identifiers import make_resident_id
from tests.helpers import bearer, two_counties


@pytest.fixture
def world(database_url: str):  # type: ignore[no-untyped-def]
    return two_counties(database_url)


def test_county_clerk_cannot_read_or_change_another_county(client: TestClient, world) -> None:
    clerk = bearer(client, "clerk-jinjiang")
    own = client.get(f"/api/v1/persons/{world.jinjiang_person}", headers=clerk)
    assert own.status_code == 200
    other = client.get(f"/api/v1/persons/{world.wuhou_person}", headers=clerk)
    assert other.status_code == 404
    change = client.patch(
        f"/api/v1/persons/{world.wuhou_person}", json={"name": "改名"}, headers=clerk
    )
    assert change.status_code == 404
    # The refused change changed nothing: the province supervisor still sees the old name.
    supervisor = bearer(client, "supervisor-sichuan")
    seen = client.get(f"/api/v1/persons/{world.wuhou_person}", headers=supervisor)
    assert seen.status_code == 200 and seen.json()["name"] == "张伟"
    # A person id that does not exist answers exactly like one out of reach.
    assert client.get("/api/v1/persons/999999", headers=clerk).json() == other.json()


def test_clerk_changes_a_person_in_their_county(client: TestClient, world) -> None:
    clerk = bearer(client, "clerk-jinjiang")
    response = client.patch(
        f"/api/v1/persons/{world.jinjiang_person}", json={"phone": "13800000000"}, headers=clerk
    )
    assert response.status_code == 200


def test_search_sees_only_the_clerks_county(client: TestClient, world) -> None:
    found = client.get("/api/v1/persons", headers=bearer(client, "clerk-jinjiang")).json()
    assert [p["id"] for p in found] == [world.jinjiang_person]
    wide = client.get("/api/v1/persons", headers=bearer(client, "supervisor-sichuan")).json()
    assert {p["id"] for p in wide} == {world.jinjiang_person, world.wuhou_person}


def test_identity_numbers_leave_the_server_masked(client: TestClient, world) -> None:
    body = client.get(
        f"/api/v1/persons/{world.jinjiang_person}", headers=bearer(client, "clerk-jinjiang")
    ).json()
    assert "identity_number" not in body
    assert body["identity_number_masked"].count("*") == 8


def test_supervisor_reads_but_may_not_write(client: TestClient, world) -> None:
    supervisor = bearer(client, "supervisor-sichuan")
    response = client.patch(
        f"/api/v1/persons/{world.wuhou_person}", json={"name": "x"}, headers=supervisor
    )
    assert response.status_code == 403


def test_citizen_sees_only_their_own_record(client: TestClient, world) -> None:
    citizen = bearer(client, "citizen-liu")
    own = client.get(f"/api/v1/persons/{world.jinjiang_person}", headers=citizen)
    assert own.status_code == 200
    other = client.get(f"/api/v1/persons/{world.wuhou_person}", headers=citizen)
    assert other.status_code == 404


def test_analyst_sees_no_personal_records(client: TestClient, world) -> None:
    analyst = bearer(client, "analyst")
    assert client.get(f"/api/v1/persons/{world.wuhou_person}", headers=analyst).status_code == 403


def test_register_person_reads_sex_and_birth_date_from_the_number(
    client: TestClient, world
) -> None:
    number = make_resident_id("510104", __import__("datetime").date(1999, 12, 31), 123)
    response = client.post(
        "/api/v1/persons",
        json={"identity_number": number, "name": "新人", "hukou_region": "510104",
              "residence_region": "510104"},
        headers=bearer(client, "clerk-jinjiang"),
    )
    assert response.status_code == 201, response.text
    assert response.json()["sex"] == "male"
    assert response.json()["birth_date"] == "1999-12-31"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"identity_number": "11010519491231002Y"}, "identity_number"),
        ({"identity_number": "110105194902300021"}, "identity_number"),
        ({"hukou_region": "999999"}, "hukou_region"),
        ({"residence_region": "51010"}, "residence_region"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_registrations_are_refused_naming_the_field(
    client: TestClient, world, payload: dict[str, str], field: str
) -> None:
    good = {"identity_number": "11010519491231002X", "name": "王", "hukou_region": "510104",
            "residence_region": "510104"}
    clerk = bearer(client, "clerk-jinjiang")
    response = client.post("/api/v1/persons", json={**good, **payload}, headers=clerk)
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert response.json()["errors"][0]["reason"]
    # Nothing was registered.
    assert len(client.get("/api/v1/persons", headers=clerk).json()) == 1


def test_duplicates_and_out_of_region_registrations_are_refused(client: TestClient, world) -> None:
    clerk = bearer(client, "clerk-jinjiang")
    person = {"identity_number": "11010519491231002X", "name": "王", "hukou_region": "511324",
              "residence_region": "510104"}
    assert client.post("/api/v1/persons", json=person, headers=clerk).status_code == 201
    again = client.post("/api/v1/persons", json=person, headers=clerk)
    assert again.status_code == 422
    assert again.json()["errors"][0]["field"] == "identity_number"
    elsewhere = {**person, "identity_number": make_resident_id(
        "510107", __import__("datetime").date(2000, 1, 1), 11), "residence_region": "510107"}
    refused = client.post("/api/v1/persons", json=elsewhere, headers=clerk)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "residence_region"


def test_requests_without_sign_in_are_refused(client: TestClient, world) -> None:
    assert client.get(f"/api/v1/persons/{world.jinjiang_person}").status_code == 401
    bad = client.get("/api/v1/persons", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


def test_regions_and_identifier_checks(client: TestClient) -> None:
    assert len(client.get("/api/v1/regions").json()) == 31
    chengdu = client.get("/api/v1/regions/510100").json()
    assert chengdu["parent_code"] == "510000"
    assert client.get("/api/v1/regions/5101").status_code == 422
    decoded = client.post("/api/v1/identifiers/check", json={"value": "11010519491231002X"})
    assert decoded.json()["birth_date"] == "1949-12-31"
    refused = client.post("/api/v1/identifiers/check", json={"value": "11010519491231002Y"})
    assert refused.status_code == 422
