"""Medical claims on SQLite and PostgreSQL: the worked cases of
tests/cases/medical/one_stop.yaml, each claim's shares adding up and posted once."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from shebao.benefits.medical import service
from shebao.db.engine import transaction
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.registry import service as registry
from shebao.registry.models import Person
from shebao.registry.schemas import EnrollmentCreate
from tests.benefits.claims_support import OPERATOR, career, fund, hospital, person

CASES = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "cases" / "medical" / "one_stop.yaml")
    .read_text(encoding="utf-8"))["cases"]
FUNDED = 10**9


def patient(url: str, spec: dict[str, Any]) -> int:
    """A resident enrolled where they live, or an employee with one month declared."""
    person_id = person(url, spec)
    county = str(spec["county"])
    if spec["scheme"] == "employee":
        career(url, person_id, county, date(2026, 1, 1), None, ("2026-01", "2026-01"))
    else:
        with transaction(url, write=True) as db:
            registry.enroll(db, OPERATOR, EnrollmentCreate(
                person_id=person_id, scheme="resident_medical", category="resident",
                region_code=county, start_date=date(2026, 1, 1)))
    if spec.get("recipient"):
        with transaction(url, write=True) as db:
            service.set_recipient(db, OPERATOR, person_id, spec["recipient"], date(2025, 1, 1))
    province = county[:2] + "0000"
    for scheme in ("employee_medical", "resident_medical", "assistance"):
        fund(url, scheme, province, FUNDED)
    return person_id


def rows(number: str, claims: list[dict[str, Any]], prefix: str = "C") -> list[service.ClaimRow]:
    return [
        service.ClaimRow(
            None, f"claims.{i}.", f"{prefix}{i + 1}", number, c["kind"], str(c["admission"]),
            str(c["discharge"]), c["diagnosis"], c.get("drg_group"),
            [service.ItemRow(None, f"claims.{i}.items.{j}.", code, qty, price)
             for j, (code, qty, price) in enumerate(c["items"])])
        for i, c in enumerate(claims)
    ]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_worked_case(database_url: str, case: dict[str, Any]) -> None:
    person_id = patient(database_url, case["person"])
    county = str(case["person"]["county"])
    hospitals = {level: hospital(database_url, county, level)[0] for level in (1, 2, 3)}
    with transaction(database_url) as db:
        number = db.get(Person, person_id).identity_number
        account_before = ledger.balance(db, accounts.person("medical", person_id))
    for i, spec in enumerate(case["claims"]):
        with transaction(database_url, write=True) as db:
            [claim] = service.submit(db, OPERATOR, hospitals[spec["level"]],
                                     rows(number, [spec], prefix=f"N{i}-"))
            got = {k: getattr(claim, k) for k in spec["expected"]}
            assert got == spec["expected"], claim.explanation["steps"]
            shares = (claim.fund_fen + claim.critical_illness_fen + claim.assistance_fen
                      + claim.account_fen + claim.patient_fen)
            assert shares == claim.total_fen
    with transaction(database_url) as db:
        owed = sum(ledger.balance(db, accounts.hospital_payable(h)) for h in hospitals.values())
        claims = service.claims(db, OPERATOR, person_id=person_id)
        assert owed == sum(c.hospital_fund_fen + c.critical_illness_fen + c.assistance_fen
                           + c.account_fen for c in claims)
        spent = sum(c.account_fen for c in claims)
        assert ledger.balance(db, accounts.person("medical", person_id)) == account_before - spent
        assert ledger.check(db) == []
        for claim in claims:
            steps = [s["step"] for s in claim.explanation["steps"]]
            assert any("Final patient share" in s for s in steps)
            assert claim.explanation["parameters"]
