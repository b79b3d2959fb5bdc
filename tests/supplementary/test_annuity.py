"""Enterprise annuities over the API, on SQLite and PostgreSQL.

The Shenzhen factory (tests/registry/world.py) sets up a plan for 陈丽 and a colleague: limits on
the rates and the vesting schedule, months credited from given and from declared wages, and
the unvested employer credits going back to the plan when 陈丽 resigns.
"""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from shebao.db.engine import transaction
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.registry.models import Person
from tests.helpers import add_person, add_user, bearer
from tests.registry.world import World, build

API = "/api/v1/supplementary/annuity-plans"
PLAN = {"employer_rate": 0.08, "employee_rate": 0.04, "vesting": [0.25, 0.5, 0.75, 1.0],
        "start_month": "2025-01"}


@pytest.fixture
def world(database_url: str) -> World:
    built = build(database_url)
    add_user(database_url, "citizen-chen", "citizen", "440306", person_id=built.worker)
    return built


def _employ(client: TestClient, world: World, person: int) -> int:
    made = client.post("/api/v1/employment", headers=bearer(client, "clerk-baoan"), json={
        "person_id": person, "employer_id": world.factory, "start_date": "2025-01-01",
        "monthly_wage_fen": 800000,
    })
    assert made.status_code == 201, made.text
    return int(made.json()["spell"]["id"])


def _totals(url: str) -> tuple[int, int]:
    with transaction(url) as db:
        found = ledger.totals(db)
        return found.entries, found.lines


def _balance(url: str, code: str) -> int:
    with transaction(url) as db:
        return ledger.balance(db, code)


@pytest.mark.parametrize(("change", "field"), [
    ({"employer_rate": 0.09}, "employer_rate"),
    ({"employee_rate": 0.05}, "employee_rate"),
    ({"vesting": [0.1] * 8 + [1.0]}, "vesting"),
    ({"vesting": [0.5, 0.9]}, "vesting"),
    ({"vesting": [0.5, 0.4, 1.0]}, "vesting"),
    ({"start_month": "2017-12"}, "start_month"),
])
def test_a_plan_outside_the_limits_is_refused(
    client: TestClient, world: World, change: dict[str, object], field: str
) -> None:
    employer = bearer(client, "employer-factory")
    refused = client.post(API, headers=employer,
                          json={"employer_id": world.factory, **PLAN, **change})
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == field
    assert client.get(f"{API}/{world.factory}", headers=employer).status_code == 422


def test_months_credited_and_vesting_on_leaving(
    client: TestClient, world: World, database_url: str
) -> None:
    colleague = add_person(database_url, "黄强", "440306", date(1970, 2, 3), 35)
    spell = _employ(client, world, world.worker)
    _employ(client, world, colleague)
    employer = bearer(client, "employer-factory")
    assert client.post(API, headers=bearer(client, "citizen-chen"),
                       json={"employer_id": world.factory, **PLAN}).status_code == 403
    plan = client.post(API, headers=employer, json={"employer_id": world.factory, **PLAN})
    assert plan.status_code == 201, plan.text
    again = client.post(API, headers=employer, json={"employer_id": world.factory, **PLAN})
    assert again.json()["errors"][0]["field"] == "employer_id"

    # January, given wages 30,000 and 10,000 RMB: payroll 4,000,000 fen. Employer 8% =
    # 320,000 split 3:1 → 240,000 / 80,000; employee 4% = 160,000 → 120,000 / 40,000. The
    # average employer credit is 160,000; 5 × that = 800,000 cuts nobody.
    runs = f"{API}/{world.factory}/runs"
    january = {"month": "2025-01", "wages": [
        {"person_id": world.worker, "wage_fen": 3000000},
        {"person_id": colleague, "wage_fen": 1000000}]}
    first = client.post(runs, headers=employer, json=january)
    assert first.status_code == 201, first.text
    assert (first.json()["payroll_fen"], first.json()["employer_fen"],
            first.json()["employee_fen"], first.json()["employer_cut_fen"]) == (
        4000000, 320000, 160000, 0)
    before = _totals(database_url)
    retried = client.post(runs, headers=employer, json=january)
    assert retried.status_code == 201 and retried.json()["replayed"] is True
    assert _totals(database_url) == before
    stranger = client.post(runs, headers=employer, json={"month": "2025-02", "wages": [
        {"person_id": world.rider, "wage_fen": 100}]})
    assert stranger.json()["errors"][0]["field"] == "wages.0.person_id"
    undeclared = client.post(runs, headers=employer, json={"month": "2025-02"})
    assert undeclared.status_code == 422
    assert undeclared.json()["errors"][0]["field"] == "wages"
    assert _totals(database_url) == before

    # February from the declaration: 8,000 and 6,000 RMB, payroll 1,400,000 fen. Employer
    # 112,000 → 64,000 / 48,000; employee 56,000 → 32,000 / 24,000.
    with transaction(database_url) as db:
        numbers = {p: db.get(Person, p).identity_number for p in (world.worker, colleague)}
    declared = client.post("/api/v1/contributions/declarations", headers=employer, json={
        "employer_id": world.factory, "month": "2025-02", "lines": [
            {"identity_number": numbers[world.worker], "wage_fen": 800000},
            {"identity_number": numbers[colleague], "wage_fen": 600000}]})
    assert declared.status_code == 201, declared.text
    february = client.post(runs, headers=employer, json={"month": "2025-02"})
    assert february.status_code == 201, february.text
    assert (february.json()["wage_source"], february.json()["employer_fen"],
            february.json()["employee_fen"]) == ("declaration", 112000, 56000)
    worker_code = accounts.person("annuity", world.worker)
    assert _balance(database_url, worker_code) == 240000 + 120000 + 64000 + 32000

    # Still employed: leaving is refused until the employment ends.
    leavers = f"{API}/{world.factory}/leavers"
    early = client.post(leavers, headers=employer, json={
        "person_id": world.worker, "left_on": "2026-03-15", "reason": "resignation"})
    assert early.json()["errors"][0]["field"] == "left_on"
    ended = client.post(f"/api/v1/employment/{spell}/end", headers=bearer(client, "clerk-baoan"),
                        json={"end_date": "2026-03-15", "reason": "resigned"})
    assert ended.status_code == 200, ended.text
    # Joined 2025-01-01, left 2026-03-15: one full year, 25% of the employer's 304,000 vests
    # (76,000); 228,000 goes back to the plan.
    left = client.post(leavers, headers=employer, json={
        "person_id": world.worker, "left_on": "2026-03-15", "reason": "resignation"})
    assert left.status_code == 200, left.text
    assert (left.json()["employer_credited_fen"], left.json()["vested_employer_fen"],
            left.json()["forfeited_fen"]) == (304000, 76000, 228000)
    assert _balance(database_url, worker_code) == 456000 - 228000
    assert _balance(database_url, accounts.annuity_plan(world.factory)) == 228000
    twice = client.post(leavers, headers=employer, json={
        "person_id": world.worker, "left_on": "2026-03-15", "reason": "resignation"})
    assert twice.json()["errors"][0]["field"] == "person_id"

    mine = client.get(f"/api/v1/supplementary/annuities/{world.worker}",
                      headers=bearer(client, "citizen-chen"))
    assert mine.status_code == 200, mine.text
    assert mine.json()["balance_fen"] == 228000
    assert mine.json()["memberships"][0]["left_on"] == "2026-03-15"
    shown = client.get(f"{API}/{world.factory}", headers=bearer(client, "clerk-guangdong"))
    assert shown.json()["account_fen"] == 228000 and shown.json()["open_members"] == 1
    assert [r["month"] for r in shown.json()["runs"]] == ["2025-02", "2025-01"]
    assert client.get(f"{API}/{world.factory}",
                      headers=bearer(client, "supervisor-sichuan")).status_code == 404
    with transaction(database_url) as db:
        assert ledger.check(db) == []


def test_retirement_vests_in_full(client: TestClient, world: World, database_url: str) -> None:
    spell = _employ(client, world, world.worker)
    employer = bearer(client, "employer-factory")
    assert client.post(API, headers=employer,
                       json={"employer_id": world.factory, **PLAN}).status_code == 201
    made = client.post(f"{API}/{world.factory}/runs", headers=employer, json={
        "month": "2025-03", "wages": [{"person_id": world.worker, "wage_fen": 1000000}]})
    assert made.status_code == 201, made.text
    client.post(f"/api/v1/employment/{spell}/end", headers=bearer(client, "clerk-baoan"),
                json={"end_date": "2025-06-30", "reason": "retired"})
    left = client.post(f"{API}/{world.factory}/leavers", headers=employer, json={
        "person_id": world.worker, "left_on": "2025-06-30", "reason": "retirement"})
    assert left.status_code == 200, left.text
    # 8% of 1,000,000 = 80,000, all of it the member's although not a year has passed.
    assert (left.json()["vested_employer_fen"], left.json()["forfeited_fen"]) == (80000, 0)
    assert _balance(database_url, accounts.person("annuity", world.worker)) == 120000
    with transaction(database_url) as db:
        assert ledger.check(db) == []
