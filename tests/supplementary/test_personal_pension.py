"""Personal pensions over the API, on SQLite and PostgreSQL.

The world (tests/registry/world.py): 陈丽 works at a Shenzhen factory and is insured there; 刘淑芬,
a retired teacher in Chengdu born 1962-07; 王建军, a rider in Guangzhou, insured nowhere yet;
and, added here, a resident of Mianyang (not a pilot city).
"""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from shebao.db.engine import transaction
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from tests.helpers import add_person, add_user, bearer
from tests.registry.world import World, build

API = "/api/v1/supplementary/personal-pensions"


@pytest.fixture
def world(database_url: str) -> World:
    built = build(database_url)
    add_user(database_url, "citizen-chen", "citizen", "440306", person_id=built.worker)
    add_user(database_url, "clerk-sichuan", "clerk", "510000")
    return built


def _enroll(client: TestClient, clerk: str, person: int, scheme: str, category: str,
            region: str, start: str) -> None:
    made = client.post("/api/v1/enrollments", headers=bearer(client, clerk), json={
        "person_id": person, "scheme": scheme, "category": category, "region_code": region,
        "start_date": start,
    })
    assert made.status_code == 201, made.text


def _employ_worker(client: TestClient, world: World) -> None:
    made = client.post("/api/v1/employment", headers=bearer(client, "clerk-baoan"), json={
        "person_id": world.worker, "employer_id": world.factory, "start_date": "2024-01-01",
        "monthly_wage_fen": 800000,
    })
    assert made.status_code == 201, made.text


def _open(client: TestClient, headers: dict[str, str], person: int, on: str) -> object:
    return client.post(API, json={"person_id": person, "opened_on": on}, headers=headers)


def _pay(client: TestClient, headers: dict[str, str], person: int, amount: int, on: str,
         key: str) -> object:
    return client.post(f"{API}/{person}/contributions", headers=headers,
                       json={"amount_fen": amount, "paid_on": on, "idempotency_key": key})


def _totals(url: str) -> tuple[int, int]:
    with transaction(url) as db:
        found = ledger.totals(db)
        return found.entries, found.lines


def test_contributions_within_the_yearly_cap_and_the_certificate(
    client: TestClient, world: World, database_url: str
) -> None:
    _employ_worker(client, world)
    me = bearer(client, "citizen-chen")
    opened = _open(client, me, world.worker, "2025-01-10")
    assert opened.status_code == 201, opened.text
    assert opened.json()["province"] == "440000"
    assert opened.json()["balance_fen"] == 0

    first = _pay(client, me, world.worker, 800000, "2025-03-01", "march-2025")
    assert first.status_code == 201, first.text
    assert first.json()["replayed"] is False
    before = _totals(database_url)
    again = _pay(client, me, world.worker, 800000, "2025-03-01", "march-2025")
    assert again.status_code == 201 and again.json()["replayed"] is True
    assert again.json()["ledger_entry_id"] == first.json()["ledger_entry_id"]
    assert _totals(database_url) == before
    changed = _pay(client, me, world.worker, 700000, "2025-03-01", "march-2025")
    assert changed.status_code == 422
    assert changed.json()["errors"][0]["field"] == "idempotency_key"

    # 800,000 paid of the 1,200,000 cap: 500,000 more is refused, 400,000 is the room left.
    over = _pay(client, me, world.worker, 500000, "2025-11-01", "november-2025")
    assert over.status_code == 422
    error = over.json()["errors"][0]
    assert error["field"] == "amount_fen"
    assert "400000 fen left" in error["reason"]
    assert _totals(database_url) == before
    assert _pay(client, me, world.worker, 400000, "2025-11-01", "november-2025").status_code == 201
    # A new calendar year has its own cap.
    assert _pay(client, me, world.worker, 100000, "2026-01-05", "january-2026").status_code == 201

    mine = client.get(f"{API}/{world.worker}", headers=me).json()
    assert mine["balance_fen"] == 1300000
    assert mine["paid_by_year"] == {"2025": 1200000, "2026": 100000}
    # 1,200,000 deductible at 20%: 240,000 fen of tax saved.
    cert = client.get(f"{API}/{world.worker}/certificates/2025",
                      params={"marginal_tax_rate": 0.2}, headers=me)
    assert cert.status_code == 200, cert.text
    body = cert.json()
    assert (body["contributed_fen"], body["deductible_fen"], body["excess_fen"],
            body["tax_saving_fen"]) == (1200000, 1200000, 0, 240000)
    assert body["parameters"][0]["parameter"] == "third_pillar.personal_pension.annual_cap"
    unpriced = client.get(f"{API}/{world.worker}/certificates/2025", headers=me)
    assert unpriced.status_code == 422
    assert unpriced.json()["errors"][0]["field"] == "marginal_tax_rate"
    with transaction(database_url) as db:
        assert ledger.balance(db, accounts.person("personal_pension", world.worker)) == 1300000
        assert ledger.balance(db, accounts.settlement("440000")) == 1300000
        assert ledger.check(db) == []


def test_who_may_open_an_account_and_when(
    client: TestClient, world: World, database_url: str
) -> None:
    clerk = bearer(client, "clerk-guangdong")
    # The rider is insured in no basic pension.
    refused = _open(client, clerk, world.rider, "2025-02-01")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "person_id"
    _employ_worker(client, world)
    early = _open(client, clerk, world.worker, "2022-06-01")
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "opened_on"
    # Shenzhen was a pilot city: opening in early 2024 is allowed; a second account is not.
    assert _open(client, clerk, world.worker, "2024-03-01").status_code == 201
    twice = _open(client, clerk, world.worker, "2025-03-01")
    assert twice.status_code == 422 and "one per person" in twice.json()["errors"][0]["reason"]

    # Mianyang was not a pilot city: its residents could open only from 2024-12-15.
    mianyang = add_person(database_url, "赵敏", "510703", date(1988, 4, 2), 14)
    _enroll(client, "clerk-sichuan", mianyang, "resident_pension", "resident", "510703",
            "2020-01-01")
    sichuan = bearer(client, "clerk-sichuan")
    pilot = _open(client, sichuan, mianyang, "2023-06-01")
    assert pilot.status_code == 422
    assert "pilot" in pilot.json()["errors"][0]["reason"]
    assert _open(client, sichuan, mianyang, "2024-12-15").status_code == 201

    # Employers see nothing of personal pensions; other regions' clerks find nothing.
    assert client.get(f"{API}/{world.worker}",
                      headers=bearer(client, "employer-factory")).status_code == 403
    assert client.get(f"{API}/{world.worker}",
                      headers=bearer(client, "clerk-jinjiang")).status_code == 404


def test_withdrawal_only_on_a_permitted_condition(
    client: TestClient, world: World, database_url: str
) -> None:
    _enroll(client, "clerk-sichuan", world.teacher, "resident_pension", "resident", "510104",
            "2015-01-01")
    clerk = bearer(client, "clerk-sichuan")
    assert _open(client, clerk, world.teacher, "2025-01-02").status_code == 201
    assert _pay(client, clerk, world.teacher, 1000000, "2025-02-01", "t-1").status_code == 201
    url = f"{API}/{world.teacher}/withdrawals"

    def draw(headers: dict[str, str], key: str, **body: object) -> object:
        return client.post(url, headers=headers, json={
            "withdrawn_on": "2025-06-01", "idempotency_key": key, **body})

    assert draw(bearer(client, "citizen-liu"), "w", condition="retirement").status_code == 403
    unknown = draw(clerk, "w", condition="illness")
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "condition"
    unsaid = draw(clerk, "w", condition="retirement")
    assert unsaid.json()["errors"][0]["field"] == "original_retirement_age"
    too_much = draw(clerk, "w", condition="retirement", original_retirement_age=55,
                    amount_fen=1000001)
    assert too_much.json()["errors"][0]["field"] == "amount_fen"
    # Born 1962-07, a woman on staff: 55 in 2017-07, before the 2025 reform. 3% of 1,000,000
    # is withheld: 30,000 to the tax payable, 970,000 paid out.
    drawn = draw(clerk, "w", condition="retirement", original_retirement_age=55)
    assert drawn.status_code == 201, drawn.text
    assert (drawn.json()["tax_fen"], drawn.json()["paid_fen"]) == (30000, 970000)
    before = _totals(database_url)
    replay = draw(clerk, "w", condition="retirement", original_retirement_age=55)
    assert replay.json()["replayed"] is True and _totals(database_url) == before
    with transaction(database_url) as db:
        assert ledger.balance(db, accounts.person("personal_pension", world.teacher)) == 0
        assert ledger.balance(db, accounts.tax_payable("510000")) == 30000
        assert ledger.balance(db, accounts.settlement("510000")) == 30000
        assert ledger.check(db) == []


def test_before_retirement_only_incapacity_or_emigration(
    client: TestClient, world: World, database_url: str
) -> None:
    _employ_worker(client, world)
    clerk = bearer(client, "clerk-guangdong")
    assert _open(client, clerk, world.worker, "2025-01-02").status_code == 201
    assert _pay(client, clerk, world.worker, 123455, "2025-02-01", "c-1").status_code == 201
    url = f"{API}/{world.worker}/withdrawals"
    # Born 1985-03, a woman worker: 50 plus the reform's full 60-month delay, so 2040-03.
    early = client.post(url, headers=clerk, json={
        "condition": "retirement", "withdrawn_on": "2025-06-01", "idempotency_key": "w-1",
        "original_retirement_age": 50})
    assert early.status_code == 422
    assert early.json()["errors"][0]["field"] == "condition"
    assert "2040-03" in early.json()["errors"][0]["reason"]
    # Total loss of work capacity: 123,455 × 3% = 3,703.65 → 3,704 withheld.
    drawn = client.post(url, headers=clerk, json={
        "condition": "disability", "withdrawn_on": "2025-06-01", "idempotency_key": "w-2"})
    assert drawn.status_code == 201, drawn.text
    assert (drawn.json()["tax_fen"], drawn.json()["paid_fen"]) == (3704, 119751)
    empty = client.post(url, headers=clerk, json={
        "condition": "emigration", "withdrawn_on": "2025-07-01", "idempotency_key": "w-3"})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "amount_fen"
    with transaction(database_url) as db:
        assert ledger.check(db) == []
