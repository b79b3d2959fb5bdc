"""Test worlds for the claims, built through shebao's own services: careers declared and paid
month by month, funds topped up by fiscal subsidy, hospitals under agreement."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date
from typing import Any

from shebao.auth import service as auth_service
from shebao.benefits.medical import service as medical
from shebao.contributions import service as contributions
from shebao.db.engine import transaction
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.policy.formulas.periods import format_month, parse_month
from shebao.registry import service as registry
from shebao.registry.identifiers import make_credit_code
from shebao.registry.models import Person
from shebao.registry.schemas import EmploymentEnd, EmploymentStart
from tests.helpers import add_employer, add_person

OPERATOR = auth_service.operator()
_codes = itertools.count(1)


def months(first: str, last: str) -> Iterator[str]:
    for n in range(parse_month(first), parse_month(last) + 1):
        yield format_month(n)


def person(url: str, spec: dict[str, Any]) -> int:
    sequence = next(_codes) * 2 + (1 if spec.get("sex", "male") == "male" else 0)
    return add_person(url, spec.get("name", "测试人员"), str(spec["county"]),
                      date.fromisoformat(str(spec["birth"])), sequence)


def employer(url: str, county: str, **fields: Any) -> int:
    organisation = f"MA{next(_codes):07d}"
    return add_employer(url, make_credit_code(county, organisation), county, **fields)


def career(
    url: str, person_id: int, county: str, start: date, end: date | None,
    declared: tuple[str, str] | None, wage_fen: int = 800000, employer_id: int | None = None,
) -> int:
    """Employ the person, declare and pay each month of `declared`, end the spell on `end`."""
    employer_id = employer_id or employer(url, county)
    with transaction(url, write=True) as db:
        spell, _ = registry.start_employment(db, OPERATOR, EmploymentStart(
            person_id=person_id, employer_id=employer_id, start_date=start,
            monthly_wage_fen=wage_fen))
        number = db.get(Person, person_id).identity_number
        for month in months(*declared) if declared else ():
            bill = contributions.declare(db, OPERATOR, employer_id, month,
                                         [contributions.DeclaredRow(1, number, wage_fen)], "api")
            contributions.pay(db, OPERATOR, bill.id, bill.due_date, bill.amount_fen)
        if end is not None:
            registry.end_employment(db, OPERATOR, spell.id, EmploymentEnd(end_date=end))
    return employer_id


def fund(url: str, scheme: str, province: str, fen: int) -> None:
    """Top up a pooled fund from the province's fiscal subsidy, so benefits can be paid."""
    with transaction(url, write=True) as db:
        ledger.post(db, ledger.PostingRequest(
            idempotency_key=f"test-fund-{scheme}-{province}", kind="fiscal_subsidy",
            effective_date=date(2020, 1, 1),
            lines=[(accounts.fiscal_subsidy(province), fen),
                   (accounts.pool(scheme, province), -fen)],
        ))


def hospital(url: str, county: str, level: int) -> tuple[int, int]:
    """A hospital of `level` in `county`: (hospital id, its employer id)."""
    employer_id = employer(url, county, name=f"测试医院 {level}", industry="卫生")
    with transaction(url, write=True) as db:
        found = medical.register_hospital(db, OPERATOR, code=f"H{county}{level}{next(_codes)}",
                                          name=f"测试医院 level {level}", level=level,
                                          employer_id=employer_id)
        return found.id, employer_id
