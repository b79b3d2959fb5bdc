"""Declarations, bills and payments over the API, on SQLite and PostgreSQL.

The world: 陈丽 works at a medium Shenzhen factory (work-injury class 3); the employer declares
her wage, pays the bill, and every fen lands in the pooled funds and her accounts.
"""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from shebao.db.engine import transaction
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.registry.identifiers import make_resident_id
from shebao.registry.models import Person
from tests.helpers import bearer
from tests.registry.world import World, build


@pytest.fixture
def world(database_url: str) -> World:
    return build(database_url)


def _employ(client: TestClient, world: World, person: int, start: str = "2025-01-01") -> None:
    clerk = bearer(client, "clerk-baoan")
    response = client.post(
        "/api/v1/employment",
        json={"person_id": person, "employer_id": world.factory, "start_date": start,
              "monthly_wage_fen": 800000},
        headers=clerk,
    )
    assert response.status_code == 201, response.text


def _number(url: str, person_id: int) -> str:
    with transaction(url) as db:
        return db.get(Person, person_id).identity_number


def test_declare_bill_and_pay(client: TestClient, world: World, database_url: str) -> None:
    _employ(client, world, world.worker)
    employer = bearer(client, "employer-factory")
    bill = _declare(client, world, database_url, "2025-07", employer)
    # Shenzhen, July 2025, base 8,000 RMB (inside 60–300% of the average): employer 16% pension
    # 128000 + medical 52000 (6.5%) + unemployment 0.5% 4000 + injury class 3 0.7% 5600;
    # employee 8% 64000 + 2% 16000 + 0.5% 4000.
    assert bill["amount_fen"] == 189600 + 84000
    assert bill["due_date"] == "2025-07-31"
    paid = client.post(
        f"/api/v1/contributions/bills/{bill['id']}/payments",
        json={"paid_on": "2025-07-20", "amount_fen": bill["amount_fen"]}, headers=employer,
    )
    assert paid.status_code == 201, paid.text
    assert paid.json()["late_fee_fen"] == 0
    with transaction(database_url) as db:
        assert ledger.balance(db, accounts.person("pension", world.worker)) == 64000
        assert ledger.balance(db, accounts.person("medical", world.worker)) == 16000
        assert ledger.balance(db, accounts.pool("employee_pension", "440000")) == 128000
        assert ledger.balance(db, accounts.settlement("440000")) == 273600
        assert ledger.check(db) == []
    record = client.get(f"/api/v1/contributions/persons/{world.worker}/record",
                        headers=bearer(client, "clerk-baoan")).json()
    assert record["contribution_months"] == 1
    assert record["pension_account_fen"] == 64000
    assert record["months"][0]["amounts"]["employee_pension.employee"] == 64000


def test_a_late_payment_carries_the_daily_fee(
    client: TestClient, world: World, database_url: str
) -> None:
    _employ(client, world, world.worker)
    employer = bearer(client, "employer-factory")
    bill = _declare(client, world, database_url, "2025-03", employer)
    # Due 2025-03-31, paid 2025-04-10: 10 days × 0.05% × 273600 = 1368 fen.
    wrong = client.post(f"/api/v1/contributions/bills/{bill['id']}/payments",
                        json={"paid_on": "2025-04-10", "amount_fen": bill["amount_fen"]},
                        headers=employer)
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "amount_fen"
    assert "1368" in wrong.json()["errors"][0]["reason"]
    paid = client.post(f"/api/v1/contributions/bills/{bill['id']}/payments",
                       json={"paid_on": "2025-04-10", "amount_fen": bill["amount_fen"] + 1368},
                       headers=employer)
    assert paid.status_code == 201, paid.text
    assert paid.json()["days_late"] == 10
    again = client.post(f"/api/v1/contributions/bills/{bill['id']}/payments",
                        json={"paid_on": "2025-04-10", "amount_fen": bill["amount_fen"] + 1368},
                        headers=employer)
    assert again.json()["id"] == paid.json()["id"], "a retried payment is the same payment"
    with transaction(database_url) as db:
        pools = sum(ledger.balance(db, accounts.pool(s, "440000"))
                    for s in ("employee_pension", "employee_medical", "unemployment",
                              "work_injury"))
        # The fee joined the pooled funds: employer shares + employee unemployment + fee.
        assert pools == 128000 + 52000 + 4000 + 5600 + 4000 + 1368
        assert ledger.check(db) == []


def test_relief_in_2020_is_applied_by_size(
    client: TestClient, world: World, database_url: str
) -> None:
    _employ(client, world, world.worker, start="2019-01-01")
    clerk = bearer(client, "clerk-baoan")
    bill = _declare(client, world, database_url, "2020-03", clerk)
    employer_pension = [
        line for line in bill["lines"]
        if line["scheme"] == "employee_pension" and line["payer"] == "employer"
    ]
    # A medium firm (an SME) was waived its employer pension share in March 2020.
    assert employer_pension == []
    employee_lines = [line for line in bill["lines"] if line["payer"] != "employer"]
    assert all(line["relief_factor"] == 1.0 for line in employee_lines)


def test_a_file_with_bad_rows_is_rejected_whole(
    client: TestClient, world: World, database_url: str
) -> None:
    _employ(client, world, world.worker)
    stranger = make_resident_id("440306", date(1990, 1, 1), 51)
    good = _number(database_url, world.worker)
    text = (
        "identity_number,wage_fen\n"
        f"{good},800000\n"
        "11010519491231002Y,500000\n"
        f"{stranger},500000\n"
        f"{good},1\n"
        f"{_number(database_url, world.teacher)},abc\n"
    )
    response = client.post(
        "/api/v1/contributions/declarations/csv",
        data={"employer_id": str(world.factory), "month": "2025-07"},
        files={"file": ("july.csv", text.encode(), "text/csv")},
        headers=bearer(client, "employer-factory"),
    )
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [(e["line"], e["field"]) for e in errors] == [
        (3, "identity_number"), (4, "identity_number"), (5, "identity_number"), (6, "wage_fen"),
        (6, "identity_number"),
    ]
    listed = client.get("/api/v1/contributions/bills",
                        params={"employer_id": world.factory},
                        headers=bearer(client, "employer-factory"))
    assert listed.json() == [], "nothing was billed"


def test_a_good_file_is_billed(client: TestClient, world: World, database_url: str) -> None:
    _employ(client, world, world.worker)
    text = f"identity_number,wage_fen\n{_number(database_url, world.worker)},800000\n"
    response = client.post(
        "/api/v1/contributions/declarations/csv",
        data={"employer_id": str(world.factory), "month": "2025-07"},
        files={"file": ("july.csv", text.encode(), "text/csv")},
        headers=bearer(client, "employer-factory"),
    )
    assert response.status_code == 201, response.text
    again = client.post(
        "/api/v1/contributions/declarations/csv",
        data={"employer_id": str(world.factory), "month": "2025-07"},
        files={"file": ("july.csv", text.encode(), "text/csv")},
        headers=bearer(client, "employer-factory"),
    )
    assert again.status_code == 422
    assert again.json()["errors"][0]["field"] == "month"


def test_bills_are_out_of_reach_elsewhere(client: TestClient, world: World,
                                           database_url: str) -> None:
    _employ(client, world, world.worker)
    bill = _declare(client, world, database_url, "2025-07", bearer(client, "employer-factory"))
    far = bearer(client, "clerk-jinjiang")
    assert client.get(f"/api/v1/contributions/bills/{bill['id']}", headers=far).status_code == 404
    paid = client.post(f"/api/v1/contributions/bills/{bill['id']}/payments",
                       json={"paid_on": "2025-07-20", "amount_fen": bill["amount_fen"]},
                       headers=far)
    assert paid.status_code == 404
    near = bearer(client, "clerk-guangdong")
    assert client.get(f"/api/v1/contributions/bills/{bill['id']}", headers=near).status_code == 200
    other = client.post(
        "/api/v1/contributions/declarations",
        json={"employer_id": world.wuhou_firm, "month": "2025-07",
              "lines": [{"identity_number": _number(database_url, world.wuhou),
                         "wage_fen": 1}]},
        headers=bearer(client, "employer-factory"),
    )
    assert other.status_code == 404


def test_flexible_workers_are_billed_on_the_floor(
    client: TestClient, world: World, database_url: str
) -> None:
    clerk = bearer(client, "clerk-tianhe")
    enrolled = client.post(
        "/api/v1/enrollments",
        json={"person_id": world.rider, "scheme": "employee_pension", "category": "flexible",
              "region_code": "440106", "start_date": "2025-01-01"},
        headers=clerk,
    )
    assert enrolled.status_code == 201, enrolled.text
    made = client.post("/api/v1/contributions/flexible-bills",
                       json={"month": "2025-07", "region": "440106"}, headers=clerk)
    assert made.status_code == 201, made.text
    # Floor: 60% of Guangdong's previous-year average monthly wage; 20% of it, 12% + 8%.
    [bill] = made.json()
    detail = client.get(f"/api/v1/contributions/bills/{bill['id']}", headers=clerk).json()
    base = detail["lines"][0]["base_fen"]
    assert bill["amount_fen"] == round(base * 0.12) + round(base * 0.08)
    again = client.post("/api/v1/contributions/flexible-bills",
                        json={"month": "2025-07", "region": "440106"}, headers=clerk)
    assert again.json() == [], "a month is billed once"


def test_cli_declares_a_file(world: World, database_url: str, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from shebao.cli import app
    from shebao.config import get_settings
    from shebao.registry.models import Employer

    monkeypatch.setenv("SHEBAO_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        with transaction(database_url) as db:
            code = db.get(Employer, world.factory).credit_code
        file = tmp_path / "july.csv"
        file.write_text(f"identity_number,wage_fen\n{_number(database_url, world.worker)},1\n")
        refused = CliRunner().invoke(app, ["contributions", "declare", str(file),
                                           "--employer", code, "--month", "2025-07"])
        assert refused.exit_code == 2
        assert "line 2: identity_number: has no employment" in refused.output
    finally:
        get_settings.cache_clear()


def test_resident_contribution_with_subsidy(
    client: TestClient, world: World, database_url: str
) -> None:
    clerk = bearer(client, "clerk-jinjiang")
    enrolled = client.post(
        "/api/v1/enrollments",
        json={"person_id": world.teacher, "scheme": "resident_pension", "category": "resident",
              "region_code": "510104", "start_date": "2024-01-01"},
        headers=clerk,
    )
    assert enrolled.status_code == 201, enrolled.text
    # Tier 500 RMB earns the higher minimum subsidy of 60 RMB: 56000 fen into the account.
    paid = client.post("/api/v1/contributions/residents",
                       json={"person_id": world.teacher, "year": 2025, "tier_fen": 50000,
                             "paid_on": "2025-03-01"}, headers=clerk)
    assert paid.status_code == 201, paid.text
    assert paid.json()["subsidy_fen"] == 6000
    odd = client.post("/api/v1/contributions/residents",
                      json={"person_id": world.teacher, "year": 2024, "tier_fen": 12345,
                            "paid_on": "2024-03-01"}, headers=clerk)
    assert odd.status_code == 422
    assert odd.json()["errors"][0]["field"] == "tier"
    with transaction(database_url) as db:
        assert ledger.balance(db, accounts.person("resident_pension", world.teacher)) == 56000
        assert ledger.balance(db, accounts.fiscal_subsidy("510000")) == 6000
        assert ledger.check(db) == []


def test_interest_is_credited_once_a_year(
    client: TestClient, world: World, database_url: str
) -> None:
    _employ(client, world, world.worker, start="2024-01-01")
    employer = bearer(client, "employer-factory")
    for month in ("2024-01", "2024-12"):
        bill = _declare(client, world, database_url, month, employer)
        paid_on = f"{month}-20"
        client.post(f"/api/v1/contributions/bills/{bill['id']}/payments",
                    json={"paid_on": paid_on, "amount_fen": bill["amount_fen"]},
                    headers=employer).raise_for_status()
    clerk = bearer(client, "clerk-guangdong")
    credited = client.post("/api/v1/contributions/interest", json={"year": 2024,
                                                                 "region": "440000"},
                           headers=clerk)
    assert credited.json() == {"year": 2024, "accounts_credited": 1}
    # 2024 rate 2.62%: January 64000 × 12/12 + December 64000 × 1/12 → 64000 × 0.0262 × 13/12
    # = 1816.53 → 1817 fen.
    with transaction(database_url) as db:
        assert ledger.balance(db, accounts.person("pension", world.worker)) == 128000 + 1817
    again = client.post("/api/v1/contributions/interest", json={"year": 2024,
                                                               "region": "440000"},
                        headers=clerk)
    assert again.json()["accounts_credited"] == 0


def _declare(client: TestClient, world: World, url: str, month: str, headers) -> dict:  # type: ignore[no-untyped-def]
    response = client.post(
        "/api/v1/contributions/declarations",
        json={"employer_id": world.factory, "month": month,
              "lines": [{"identity_number": _number(url, world.worker), "wage_fen": 800000}]},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_a_reversed_payment_opens_the_bill_again(
    client: TestClient, world: World, database_url: str
) -> None:
    _employ(client, world, world.worker)
    employer = bearer(client, "employer-factory")
    clerk = bearer(client, "clerk-baoan")
    bill = _declare(client, world, database_url, "2025-07", employer)
    paid = client.post(f"/api/v1/contributions/bills/{bill['id']}/payments",
                       json={"paid_on": "2025-07-20", "amount_fen": bill["amount_fen"]},
                       headers=employer).json()
    refused = client.post(f"/api/v1/contributions/payments/{paid['id']}/reverse",
                          json={"reason": "bank returned it"}, headers=employer)
    assert refused.status_code == 403, "employers do not reverse their own payments"
    reversed_ = client.post(f"/api/v1/contributions/payments/{paid['id']}/reverse",
                            json={"reason": "bank returned it"}, headers=clerk)
    assert reversed_.status_code == 200, reversed_.text
    assert reversed_.json()["reversal_reason"] == "bank returned it"
    assert reversed_.json()["reversal_entry_id"] is not None
    again = client.post(f"/api/v1/contributions/payments/{paid['id']}/reverse",
                        json={"reason": "twice"}, headers=clerk)
    assert again.status_code == 422
    assert again.json()["errors"][0]["field"] == "payment_id"
    detail = client.get(f"/api/v1/contributions/bills/{bill['id']}", headers=clerk).json()
    assert detail["status"] == "open"
    with transaction(database_url) as db:
        assert ledger.balance(db, accounts.person("pension", world.worker)) == 0
        assert ledger.balance(db, accounts.pool("employee_pension", "440000")) == 0
        assert ledger.check(db) == []
    repaid = client.post(f"/api/v1/contributions/bills/{bill['id']}/payments",
                         json={"paid_on": "2025-07-25", "amount_fen": bill["amount_fen"]},
                         headers=employer)
    assert repaid.status_code == 201, repaid.text
    assert repaid.json()["id"] != paid["id"]
    with transaction(database_url) as db:
        assert ledger.balance(db, accounts.person("pension", world.worker)) == 64000
        assert ledger.check(db) == []


def test_a_reversal_cannot_take_back_money_paid_out(
    client: TestClient, world: World, database_url: str
) -> None:
    _employ(client, world, world.worker, start="2024-01-01")
    clerk = bearer(client, "clerk-baoan")
    bill = _declare(client, world, database_url, "2024-01", clerk)
    paid = client.post(f"/api/v1/contributions/bills/{bill['id']}/payments",
                       json={"paid_on": "2024-01-20", "amount_fen": bill["amount_fen"]},
                       headers=clerk).json()
    # The year's interest is paid out of the pooled pension fund into her account ...
    client.post("/api/v1/contributions/interest", json={"year": 2024, "region": "440000"},
                headers=bearer(client, "clerk-guangdong")).raise_for_status()
    # ... so the fund no longer holds the whole employer share the reversal would take back.
    refused = client.post(f"/api/v1/contributions/payments/{paid['id']}/reverse",
                          json={"reason": "wrong bill"}, headers=clerk)
    assert refused.status_code == 422, refused.text
    assert "below zero" in refused.json()["errors"][0]["reason"]
    with transaction(database_url) as db:
        assert ledger.check(db) == []


def test_a_relief_month_can_be_deferred(
    client: TestClient, world: World, database_url: str
) -> None:
    _employ(client, world, world.worker, start="2019-01-01")
    clerk = bearer(client, "clerk-baoan")
    bill = _declare(client, world, database_url, "2020-03", clerk)
    route = f"/api/v1/contributions/bills/{bill['id']}/defer"
    # Due 2020-03-31; at most six months (人社部发〔2020〕11号): to 2020-09-30.
    too_long = client.post(route, json={"until": "2020-10-31", "reason": "orders collapsed"},
                           headers=clerk)
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "until"
    assert "2020-09-30" in too_long.json()["errors"][0]["reason"]
    employer = client.post(route, json={"until": "2020-09-30", "reason": "x"},
                           headers=bearer(client, "employer-factory"))
    assert employer.status_code == 403
    deferred = client.post(route, json={"until": "2020-09-30", "reason": "orders collapsed"},
                           headers=clerk)
    assert deferred.status_code == 200, deferred.text
    assert deferred.json()["deferred_until"] == "2020-09-30"
    paid = client.post(f"/api/v1/contributions/bills/{bill['id']}/payments",
                       json={"paid_on": "2020-09-30", "amount_fen": bill["amount_fen"]},
                       headers=clerk)
    assert paid.status_code == 201, paid.text
    assert paid.json()["late_fee_fen"] == 0
    closed = client.post(route, json={"until": "2020-08-31", "reason": "again"}, headers=clerk)
    assert closed.status_code == 422
    assert closed.json()["errors"][0]["field"] == "bill_id"
    later = _declare(client, world, database_url, "2025-07", clerk)
    outside = client.post(f"/api/v1/contributions/bills/{later['id']}/defer",
                          json={"until": "2025-09-30", "reason": "hard times"}, headers=clerk)
    assert outside.status_code == 422
    assert "no deferral period" in outside.json()["errors"][0]["reason"]


def test_a_large_employer_pays_its_bill_through_the_api(
    client: TestClient, world: World, database_url: str
) -> None:
    """600 insured staff: once more than the ledger's old 500-line limit allowed. The payment
    is a few general lines; the persons' lines go to the sub-ledger in one statement."""
    from shebao.registry.models import EmploymentSpell, Enrollment

    staff = 600
    with transaction(database_url, write=True) as db:
        born = [date(1985, 1, 1 + i // 400) for i in range(staff)]
        people = [Person(identity_number=make_resident_id("440306", born[i], (i % 400) * 2 + 1),
                         name=f"职工{i}", sex="male", birth_date=born[i],
                         hukou_region="440306", residence_region="440306")
                  for i in range(staff)]
        db.add_all(people)
        db.flush()
        for person in people:
            db.add(EmploymentSpell(person_id=person.id, employer_id=world.factory,
                                   category="enterprise_employee", start_date=date(2025, 1, 1),
                                   monthly_wage_fen=800000))
            for scheme in ("employee_pension", "employee_medical", "unemployment",
                           "work_injury"):
                db.add(Enrollment(person_id=person.id, scheme=scheme,
                                  category="enterprise_employee", region_code="440306",
                                  employer_id=world.factory, start_date=date(2025, 1, 1)))
        numbers = [p.identity_number for p in people]
    employer = bearer(client, "employer-factory")
    declared = client.post("/api/v1/contributions/declarations", json={
        "employer_id": world.factory, "month": "2025-07",
        "lines": [{"identity_number": n, "wage_fen": 800000} for n in numbers]}, headers=employer)
    assert declared.status_code == 201, declared.text
    bill = declared.json()
    assert bill["amount_fen"] == staff * 273600 and len(bill["lines"]) == staff * 7
    paid = client.post(f"/api/v1/contributions/bills/{bill['id']}/payments",
                       json={"paid_on": "2025-07-20", "amount_fen": bill["amount_fen"]},
                       headers=employer)
    assert paid.status_code == 201, paid.text
    with transaction(database_url) as db:
        counted = ledger.totals(db)
        assert (counted.entries, counted.lines, counted.individual_lines) == (1, 7, 2 * staff)
        assert ledger.balance(db, accounts.individual("pension", "440000")) == staff * 64000
        assert ledger.balance(db, accounts.individual("medical", "440000")) == staff * 16000
        assert ledger.balance(db, accounts.person("pension", people[-1].id)) == 64000
        assert ledger.check(db) == []
