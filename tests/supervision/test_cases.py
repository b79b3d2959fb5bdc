"""Detection rules, alerts grouped into cases, and a person's decision with the recovery and
the fine posted to the ledger — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from shebao.benefits.medical import service as medical
from shebao.benefits.pension import payroll
from shebao.benefits.pension.models import Overpayment, PensionAward
from shebao.db.engine import transaction
from shebao.errors import InputError, InputErrors
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.registry.models import Employer, Person
from shebao.registry.schemas import DeathRecord
from shebao.registry.service import record_death
from shebao.supervision import audit, service
from shebao.supervision.models import Alert, Case
from tests.benefits.claims_support import employer, hospital
from tests.benefits.medical.test_service import patient, rows
from tests.benefits.pension.world import contribute, desk, fund_pool, retirees, user
from tests.helpers import add_person, add_user, bearer

SICHUAN, GUANGDONG = "510000", "440000"


def test_pension_paid_after_death_is_found_once_and_recovered_with_the_fine(
    database_url: str,
) -> None:
    world = desk(database_url)
    add_user(database_url, "supervisor-sichuan", "supervisor", SICHUAN)
    [award_id] = retirees(database_url, 1, world.employer)
    fund_pool(database_url)
    with transaction(database_url) as db:
        admin = user(db, "admin-state")
        person = db.get_one(PensionAward, award_id).person_id
    payroll.run_payroll(database_url, admin, SICHUAN, "2026-11")
    with transaction(database_url, write=True) as db:
        record_death(db, user(db, "clerk-jinjiang"), person,
                     DeathRecord(death_date=date(2026, 8, 15), reason="hospital certificate"))
    payroll.run_payroll(database_url, admin, SICHUAN, "2026-11")

    with transaction(database_url, write=True) as db:
        supervisor = user(db, "supervisor-sichuan")
        first = service.scan(db, supervisor, SICHUAN)
    assert first.by_rule == {"pension_after_death": 3} and first.cases_opened == 1
    with transaction(database_url, write=True) as db:
        again = service.scan(db, user(db, "supervisor-sichuan"), SICHUAN)
    assert (again.findings, again.new_alerts) == (3, 0)  # found once, however often scanned

    with transaction(database_url, write=True) as db:
        supervisor = user(db, "supervisor-sichuan")
        [case] = service.cases(db, supervisor, SICHUAN)
        owed = sum(o.amount_fen for o in db.scalars(select(Overpayment)))
        assert (case.subject_kind, case.subject_id, case.scheme) == (
            "person", person, "employee_pension")
        assert case.amount_fen == owed and case.risk_score > 15
        months = sorted(a.evidence["month"] for a in case.alerts)
        assert months == ["2026-09", "2026-10", "2026-11"]
        for bad, field in ((dict(fine_multiple=6.0), "fine_multiple"),
                           (dict(recovered_fen=owed + 1), "recovered_fen"),
                           (dict(reference="a b"), "reference")):
            arguments = {"recovered_fen": owed, "fine_multiple": 2.0,
                         "received_on": date(2026, 11, 20), "reference": "bank-77", **bad}
            with pytest.raises(InputError) as refused:
                service.decide(db, supervisor, case.id, outcome="recovered",
                               reason="the estate repaid", **arguments)
            assert refused.value.field == field
    with transaction(database_url, write=True) as db:
        supervisor = user(db, "supervisor-sichuan")
        closed = service.decide(db, supervisor, case.id, outcome="recovered",
                                reason="the estate repaid the months after the death",
                                recovered_fen=owed, fine_multiple=2.0,
                                received_on=date(2026, 11, 20), reference="bank-77")
        assert (closed.status, closed.recovered_fen, closed.fine_fen) == (
            "closed", owed, 2 * owed)
        assert all(o.status == "recovered" for o in db.scalars(select(Overpayment)))
        assert ledger.balance(db, accounts.pensioner_receivable(person)) == 0
        assert ledger.balance(db, accounts.fine_payable(SICHUAN)) == 2 * owed
        assert ledger.check(db) == []
        with pytest.raises(InputError, match="closed"):
            service.add_note(db, supervisor, case.id, "too late")


def test_one_identity_declared_by_two_employers_in_a_month(database_url: str) -> None:
    world = desk(database_url)
    add_user(database_url, "supervisor-sichuan", "supervisor", SICHUAN)
    ghost = add_person(database_url, "影子", "510104", date(1990, 4, 4), 41)
    other = employer(database_url, "510104", name="成都第二公司")
    contribute(database_url, world.employer, [ghost], {"2025-07": 500000}, date(2025, 7, 1))
    contribute(database_url, other, [ghost], {"2025-07": 480000}, date(2025, 7, 1))
    with transaction(database_url, write=True) as db:
        result = service.scan(db, user(db, "supervisor-sichuan"), SICHUAN)
        assert result.by_rule == {"ghost_employee": 1}
        [alert] = db.scalars(select(Alert))
        assert sorted(e["employer_id"] for e in alert.evidence["declared_by"]) == sorted(
            [world.employer, other])


@pytest.fixture
def claims_world(database_url: str) -> dict[str, int]:
    person_id = patient(database_url, {"county": "440306", "birth": "1985-03-09",
                                       "sex": "female", "scheme": "employee"})
    hospital_id, hospital_employer = hospital(database_url, "440306", 2)
    add_user(database_url, "hospital", "employer", "440306", employer_id=hospital_employer)
    add_user(database_url, "supervisor-guangdong", "supervisor", GUANGDONG)
    add_user(database_url, "clerk-shenzhen", "clerk", "440300")
    with transaction(database_url) as db:
        number = db.get_one(Person, person_id).identity_number
    appendix = {"kind": "inpatient", "diagnosis": "K35.8", "items": [("B002", 1, 450000)]}
    claims = [
        {**appendix, "admission": "2026-06-01", "discharge": "2026-06-05"},   # C1
        {**appendix, "admission": "2026-06-01", "discharge": "2026-06-05"},   # C2: C1 again
        {**appendix, "admission": "2026-03-01", "discharge": "2026-03-05"},   # C3
        {**appendix, "admission": "2026-03-10", "discharge": "2026-03-12"},   # C4: 5 days on
        {"kind": "outpatient", "diagnosis": "C61", "admission": "2026-04-02",  # C5: prostate
         "discharge": "2026-04-02", "items": [("B003", 1, 30000)]},
    ] + [
        {"kind": "outpatient", "diagnosis": "J06.9", "admission": f"2026-05-{d:02d}",
         "discharge": f"2026-05-{d:02d}", "items": [("A001", 2 + d % 2, 1800)]}
        for d in range(1, 9)                                                # C6–C13: colds
    ] + [
        {"kind": "outpatient", "diagnosis": "J06.9", "admission": "2026-05-20",  # C14
         "discharge": "2026-05-20", "items": [("A001", 2, 1800), ("B003", 3, 30000)]},
    ]
    with transaction(database_url, write=True) as db:
        submitted = medical.submit(db, user(db, "hospital"), hospital_id, rows(number, claims))
    return {"person": person_id, "hospital": hospital_id,
            **{f"C{i + 1}": c.id for i, c in enumerate(submitted)}}


def test_medical_rules_find_each_pattern_with_its_evidence(
    database_url: str, claims_world: dict[str, int],
) -> None:
    with transaction(database_url, write=True) as db:
        result = service.scan(db, user(db, "supervisor-guangdong"), GUANGDONG)
    assert result.by_rule == {"duplicate_claim": 1, "impossible_claim": 1,
                              "outlier_billing": 1, "split_admission": 1}
    with transaction(database_url) as db:
        alerts = {a.rule: a for a in db.scalars(select(Alert))}
        w = claims_world
        assert alerts["duplicate_claim"].evidence["claim_ids"] == [w["C1"], w["C2"]]
        assert alerts["impossible_claim"].evidence["reason"] == (
            "C61 is a male-only category; the patient is female")
        assert alerts["outlier_billing"].evidence["claim_id"] == w["C14"]
        assert alerts["outlier_billing"].amount_fen == 3600 + 90000 - 5400
        assert alerts["split_admission"].evidence["claim_ids"] == [w["C3"], w["C4"]]
        assert alerts["split_admission"].evidence["days_between"] == 5
        # One subject (the hospital), one fund: one case, scored from all four alerts.
        [case] = db.scalars(select(Case))
        assert (case.subject_kind, case.subject_id, case.scheme) == (
            "hospital", w["hospital"], "employee_medical")
        assert len(case.alerts) == 4


def test_cases_over_the_api_and_a_cleared_case(
    client: TestClient, database_url: str, claims_world: dict[str, int],
) -> None:
    supervisor = bearer(client, "supervisor-guangdong")
    clerk = bearer(client, "clerk-shenzhen")
    assert client.post("/api/v1/supervision/scan", json={"province": GUANGDONG},
                       headers=clerk).status_code == 403
    other = client.post("/api/v1/supervision/scan", json={"province": SICHUAN},
                        headers=supervisor)
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "province"
    scanned = client.post("/api/v1/supervision/scan", json={"province": GUANGDONG},
                          headers=supervisor)
    assert scanned.status_code == 200 and scanned.json()["new_alerts"] == 4
    [case] = client.get("/api/v1/supervision/cases", params={"province": GUANGDONG},
                        headers=supervisor).json()
    route = f"/api/v1/supervision/cases/{case['id']}"
    noted = client.post(f"{route}/notes", json={"text": "asked the hospital for the records"},
                        headers=supervisor)
    assert noted.status_code == 201 and noted.json()["status"] == "investigating"
    refused = client.post(f"{route}/decision", json={"outcome": "cleared", "reason": "ok",
                                                     "recovered_fen": 5}, headers=supervisor)
    assert refused.status_code == 422
    decided = client.post(f"{route}/decision", json={
        "outcome": "referred", "reason": "records refused; referred to the public security "
                                         "bureau"}, headers=supervisor)
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert (body["status"], body["outcome"], len(body["alerts"]), len(body["notes"])) == (
        "closed", "referred", 4, 1)


def test_external_wages_are_checked_whole_and_find_under_declaration(
    client: TestClient, database_url: str,
) -> None:
    world = desk(database_url)
    add_user(database_url, "supervisor-sichuan", "supervisor", SICHUAN)
    worker = add_person(database_url, "申报", "510104", date(1988, 2, 2), 43)
    contribute(database_url, world.employer, [worker], {"2025-07": 400000}, date(2025, 7, 1))
    with transaction(database_url) as db:
        number = db.get_one(Person, worker).identity_number
        code = db.get_one(Employer, world.employer).credit_code
    supervisor = bearer(client, "supervisor-sichuan")
    header = "identity_number,credit_code,month,wage_fen\n"
    bad = header + f"{number},{code},2025-13,abc\n110101190001011234,{code},2025-07,1\n"
    refused = client.post("/api/v1/supervision/external-wages", data={"source": "tax"},
                          files={"file": ("w.csv", bad.encode())}, headers=supervisor)
    assert refused.status_code == 422
    assert {(e["line"], e["field"]) for e in refused.json()["errors"]} == {
        (2, "month"), (2, "wage_fen"), (3, "identity_number")}
    good = header + f"{number},{code},2025-07,900000\n"
    loaded = client.post("/api/v1/supervision/external-wages", data={"source": "tax"},
                         files={"file": ("w.csv", good.encode())}, headers=supervisor)
    assert loaded.json() == {"added": 1}
    scanned = client.post("/api/v1/supervision/scan", json={"province": SICHUAN},
                          headers=supervisor)
    assert scanned.json()["by_rule"] == {"under_declaration": 1}
    with transaction(database_url) as db:
        [alert] = db.scalars(select(Alert))
        assert alert.evidence["ratio"] == 2.25 and alert.subject_id == world.employer
    with transaction(database_url, write=True) as db, pytest.raises(InputErrors):
        service.import_external_wages(db, user(db, "supervisor-sichuan"), bad, "tax")


def test_every_rule_finds_what_a_generated_population_hides(database_url: str) -> None:
    """The evaluation's population (2,000 persons, 2% of each fraud), written into this
    database and scanned: every rule finds every injected case, and little else."""
    from shebao.auth.service import create_user
    from shebao.supervision import evaluate

    with transaction(database_url, write=True) as db:
        supervisor = create_user(db, username="evaluation", password="evaluation-only!",
                                 role="supervisor", region_code="000000")
    truth = evaluate.generate(database_url, 2000, seed=7, rate=0.02)
    scores = evaluate.evaluate(database_url, truth, supervisor)
    assert set(scores) == set(evaluate.RULES)
    for rule, score in scores.items():
        assert score.injected > 0, rule
        assert score.recall >= 0.9 and score.precision >= 0.8, (rule, score)
    with transaction(database_url) as db:
        assert audit.verify(db).ok
