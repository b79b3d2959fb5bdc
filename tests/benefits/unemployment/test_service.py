"""Unemployment claims on SQLite and PostgreSQL: the worked cases of
tests/cases/unemployment/claims.yaml, refusals that change nothing, idempotent runs."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from shebao.benefits.unemployment import service
from shebao.benefits.unemployment.models import UnemploymentClaim, UnemploymentPayment
from shebao.contributions.models import Bill, Contribution
from shebao.db.engine import transaction
from shebao.errors import InputError
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from tests.benefits.claims_support import OPERATOR, career, fund, person

CASES = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "cases" / "unemployment" / "claims.yaml")
    .read_text(encoding="utf-8"))["cases"]
POOL = accounts.pool("unemployment", "440000")


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _build(url: str, case: dict[str, Any]) -> int:
    person_id = person(url, case["person"])
    for c in case["careers"]:
        career(url, person_id, c["county"], _day(c["start"]), _day(c["end"]),
               tuple(c["declared"]))
    fund(url, "unemployment", "440000", 10**9)
    return person_id


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_worked_case(database_url: str, case: dict[str, Any]) -> None:
    person_id = _build(database_url, case)
    for step in case["claims"]:
        with transaction(database_url, write=True) as db:
            claim_id = service.open_claim(
                db, OPERATOR, person_id, separation_reason=step["reason"],
                separation_date=_day(step["separation"]),
                registration_date=_day(step["registration"])).id
        for month in step["runs"]:
            with transaction(database_url, write=True) as db:
                service.run_month(db, OPERATOR, "440000", month)
        with transaction(database_url) as db:
            claim = db.get(UnemploymentClaim, claim_id)
            got = {**{k: getattr(claim, k) for k in step["expected"] if hasattr(claim, k)},
                   "months_paid": len(claim.payments)}
            assert got == {k: step["expected"][k] for k in got}, claim.explanation
            assert ledger.check(db) == []
    with transaction(database_url) as db:
        paid = db.scalar(select(func.sum(UnemploymentPayment.benefit_fen
                                         + UnemploymentPayment.medical_fen)))
        assert ledger.balance(db, POOL) == 10**9 + _contributed(db) - paid


def _contributed(db: Any) -> int:
    """What the careers paid into the unemployment pool (employer and employee shares)."""
    shares = Contribution.unemployment_employer_fen + Contribution.unemployment_employee_fen
    return int(db.scalar(select(func.sum(shares)).join(Bill, Bill.id == Contribution.bill_id)
                         .where(Bill.status == "paid")) or 0)


def test_a_rerun_pays_nobody_twice_and_posts_once(database_url: str) -> None:
    case = CASES[0]
    person_id = _build(database_url, case)
    with transaction(database_url, write=True) as db:
        service.open_claim(db, OPERATOR, person_id, separation_reason="contract_ended",
                           separation_date=date(2025, 12, 31),
                           registration_date=date(2026, 2, 10))
    with transaction(database_url, write=True) as db:
        first = service.run_month(db, OPERATOR, "440000", "2026-02")
    with transaction(database_url, write=True) as db:
        again = service.run_month(db, OPERATOR, "440000", "2026-02")
    assert (first.paid, first.already_paid) == (1, 0)
    assert (again.paid, again.already_paid) == (0, 1)
    assert first.benefit_fen == 207000 and first.medical_fen == 45919
    with transaction(database_url) as db:
        assert ledger.balance(db, accounts.pool("employee_medical", "440000")) >= 45919
        assert db.scalar(select(func.count(UnemploymentPayment.id))) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"separation_reason": "resigned"}, "separation_reason"),
        ({"registration_date": date(2025, 12, 1)}, "registration_date"),
        ({"registration_date": date(2030, 1, 1)}, "registration_date"),
    ],
)
def test_refusals_name_the_field_and_change_nothing(
    database_url: str, change: dict[str, Any], field: str
) -> None:
    person_id = _build(database_url, CASES[0])
    arguments = {"separation_reason": "contract_ended", "separation_date": date(2025, 12, 31),
                 "registration_date": date(2026, 2, 10), **change}
    with transaction(database_url, write=True) as db, pytest.raises(InputError) as refused:
        service.open_claim(db, OPERATOR, person_id, **arguments)
    assert refused.value.field == field
    with transaction(database_url) as db:
        assert db.scalar(select(func.count(UnemploymentClaim.id))) == 0


def test_less_than_a_year_of_contributions_is_refused(database_url: str) -> None:
    person_id = person(database_url, {"county": "440106", "birth": "1992-01-01"})
    career(database_url, person_id, "440106", date(2025, 1, 1), date(2025, 11, 30),
           ("2025-01", "2025-11"))
    with transaction(database_url, write=True) as db, pytest.raises(InputError) as refused:
        service.open_claim(db, OPERATOR, person_id, separation_reason="contract_ended",
                           separation_date=date(2025, 11, 30),
                           registration_date=date(2026, 1, 5))
    assert "11 months" in refused.value.reason


def test_a_second_active_claim_is_refused(database_url: str) -> None:
    person_id = _build(database_url, CASES[0])
    arguments = {"separation_reason": "contract_ended", "separation_date": date(2025, 12, 31),
                 "registration_date": date(2026, 2, 10)}
    with transaction(database_url, write=True) as db:
        service.open_claim(db, OPERATOR, person_id, **arguments)
    with transaction(database_url, write=True) as db, pytest.raises(InputError) as refused:
        service.open_claim(db, OPERATOR, person_id, **arguments)
    assert refused.value.field == "person_id"


def test_the_old_employer_declaring_the_month_of_leaving_does_not_stop_the_claim(
    database_url: str,
) -> None:
    """Left on 2026-02-10 and registered on 2026-02-12: the old employer still declares
    February; the claim is paid for February. A new employer's March declaration stops it."""
    person_id = person(database_url, {"county": "440106", "birth": "1986-06-06"})
    career(database_url, person_id, "440106", date(2025, 1, 1), date(2026, 2, 10),
           ("2025-01", "2026-02"))
    fund(database_url, "unemployment", "440000", 10**9)
    with transaction(database_url, write=True) as db:
        claim_id = service.open_claim(
            db, OPERATOR, person_id, separation_reason="dismissed_by_employer",
            separation_date=date(2026, 2, 10), registration_date=date(2026, 2, 12)).id
    with transaction(database_url, write=True) as db:
        assert service.run_month(db, OPERATOR, "440000", "2026-02").paid == 1
    career(database_url, person_id, "440106", date(2026, 3, 2), None, ("2026-03", "2026-03"))
    with transaction(database_url, write=True) as db:
        run = service.run_month(db, OPERATOR, "440000", "2026-03")
        assert (run.paid, run.stopped) == (0, 1)
        claim = db.get(UnemploymentClaim, claim_id)
        assert (claim.status, claim.stopped_month, len(claim.payments)) == ("stopped", "2026-03", 1)
