"""Work-injury awards on SQLite and PostgreSQL: the worked cases of
tests/cases/injury/awards.yaml, refusals that change nothing, idempotent monthly runs."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from shebao.benefits.injury import service
from shebao.benefits.injury.models import InjuryClaim, InjuryPayment
from shebao.contributions.models import Bill, Contribution
from shebao.db.engine import transaction
from shebao.errors import InputError
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from tests.benefits.claims_support import OPERATOR, career, fund, person

CASES = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "cases" / "injury" / "awards.yaml")
    .read_text(encoding="utf-8"))["cases"]
POOL = accounts.pool("work_injury", "440000")
FUNDED = 10**10


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _worker(url: str, wage_fen: int) -> tuple[int, int]:
    person_id = person(url, {"county": "440306", "birth": "1985-03-09", "sex": "female"})
    employer_id = career(url, person_id, "440306", date(2025, 1, 1), None,
                         ("2025-04", "2026-03"), wage_fen)
    fund(url, "work_injury", "440000", FUNDED)
    return person_id, employer_id


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_worked_case(database_url: str, case: dict[str, Any]) -> None:
    person_id, employer_id = _worker(database_url, case["wage_fen"])
    spec = case["claim"]
    with transaction(database_url, write=True) as db:
        claim_id = service.award(
            db, OPERATOR, person_id, kind=spec["kind"], grade=spec.get("grade"),
            injury_date=_day(spec["injury_date"]), recognized_on=_day(spec["recognized_on"]),
            death_date=_day(spec.get("death_date")), recognition_reference="粤工伤认〔2026〕1号",
            survivors=[service.Survivor(r, lone) for r, lone in spec.get("survivors", [])],
            employer_id=employer_id,
        ).id
    for month in case["runs"]:
        with transaction(database_url, write=True) as db:
            service.run_month(db, OPERATOR, "440000", month)
    with transaction(database_url) as db:
        claim = db.get(InjuryClaim, claim_id)
        got = {k: getattr(claim, k) for k in case["expected"] if hasattr(claim, k)}
        got |= {k: v for k, v in service.paid_total(claim).items() if k in case["expected"]}
        if "survivor_pensions" in case["expected"]:
            got["survivor_pensions"] = [s.monthly_pension_fen for s in claim.survivors]
        assert got == case["expected"], claim.explanation
        assert ledger.balance(db, POOL) == FUNDED + _contributed(db) - got["paid_fen"]
        assert ledger.check(db) == []
        assert claim.explanation["parameters"], "the award names its parameters"


def _contributed(db: Any) -> int:
    return int(db.scalar(select(func.sum(Contribution.injury_fen))
                         .join(Bill, Bill.id == Contribution.bill_id)
                         .where(Bill.status == "paid")) or 0)


def test_the_same_injury_is_awarded_once(database_url: str) -> None:
    person_id, employer_id = _worker(database_url, 800000)
    arguments = {"kind": "disability", "grade": 7, "injury_date": date(2026, 4, 10),
                 "recognized_on": date(2026, 6, 1), "recognition_reference": "R-1",
                 "employer_id": employer_id}
    with transaction(database_url, write=True) as db:
        service.award(db, OPERATOR, person_id, **arguments)
    with transaction(database_url, write=True) as db, pytest.raises(InputError) as refused:
        service.award(db, OPERATOR, person_id, **arguments)
    assert refused.value.field == "injury_date"
    with transaction(database_url) as db:
        assert db.scalar(select(func.count(InjuryPayment.id))) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"grade": None}, "grade"),
        ({"recognized_on": date(2026, 3, 1)}, "recognized_on"),
        ({"kind": "death", "death_date": None}, "death_date"),
    ],
)
def test_refusals_name_the_field_and_change_nothing(
    database_url: str, change: dict[str, Any], field: str
) -> None:
    person_id, employer_id = _worker(database_url, 800000)
    arguments = {"kind": "disability", "grade": 3, "injury_date": date(2026, 4, 10),
                 "recognized_on": date(2026, 6, 1), "recognition_reference": "R-1",
                 "employer_id": employer_id, **change}
    with transaction(database_url, write=True) as db, pytest.raises(InputError) as refused:
        service.award(db, OPERATOR, person_id, **arguments)
    assert refused.value.field == field
    with transaction(database_url) as db:
        assert db.scalar(select(func.count(InjuryClaim.id))) == 0
        assert ledger.balance(db, POOL) == FUNDED + _contributed(db)
