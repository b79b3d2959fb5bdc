"""Pensioners built through shebao's own services: registry, declarations, payments, awards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from shebao.auth.models import User
from shebao.benefits.pension import service
from shebao.contributions import service as contributions
from shebao.contributions.models import Bill
from shebao.db.engine import transaction
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.registry.identifiers import make_credit_code
from shebao.registry.models import Person
from shebao.registry.schemas import EmploymentStart
from shebao.registry.service import start_employment
from tests.helpers import add_employer, add_person, add_user

SICHUAN = "510000"


def user(db, username: str) -> User:  # type: ignore[no-untyped-def]
    found = db.scalar(select(User).where(User.username == username))
    assert found is not None
    return found


@dataclass(frozen=True)
class Desk:
    employer: int


def desk(url: str) -> Desk:
    """Staff of Jinjiang (the maker), Chengdu (the checker), an admin, and an employer."""
    add_user(url, "clerk-jinjiang", "clerk", "510104")
    add_user(url, "clerk-chengdu", "clerk", "510100")
    add_user(url, "admin-state", "admin", "000000")
    employer = add_employer(url, make_credit_code("510104", "MA6C2D4E9"), "510104",
                            name="锦江机械有限公司", industry="金属制品", size="medium")
    return Desk(employer)


def fund_pool(url: str, fen: int = 10**10, key: str = "test-fiscal-subsidy",
              province: str = SICHUAN) -> None:
    """The province's finance tops up the pooled fund, as subsidies do when pensions exceed
    contributions."""
    with transaction(url, write=True) as db:
        ledger.post(db, ledger.PostingRequest(
            idempotency_key=key, kind="subsidy", memo="fiscal subsidy to the pension pool",
            effective_date=date(2020, 1, 1),
            lines=[(accounts.fiscal_subsidy(province), fen),
                   (accounts.pool("employee_pension", province), -fen)],
        ))


def contribute(url: str, employer: int, person_ids: list[int], wages: dict[str, int],
               start: date) -> list[int]:
    """Employ the persons from `start` and declare and pay `wages` (month → wage) for each."""
    payments: list[int] = []
    with transaction(url, write=True) as db:
        admin = user(db, "admin-state")
        for person_id in person_ids:
            start_employment(db, admin, EmploymentStart(
                person_id=person_id, employer_id=employer, start_date=start,
                monthly_wage_fen=next(iter(wages.values()))))
        numbers = {pid: db.get(Person, pid).identity_number for pid in person_ids}
        for month, wage in wages.items():
            rows = [contributions.DeclaredRow(i + 1, numbers[pid], wage)
                    for i, pid in enumerate(person_ids)]
            bill = contributions.declare(db, admin, employer, month, rows, "api")
            bill = db.get(Bill, bill.id)
            payment = contributions.pay(db, admin, bill.id, bill.due_date, bill.amount_fen)
            payments.append(payment.id)
    return payments


def award(url: str, person_id: int, *, deemed_months: int = 0, approved_on: date | None = None,
          scheme: str = "employee", original_age_years: int | None = None) -> int:
    """A clerk in Jinjiang opens and submits, a clerk in Chengdu approves: the award's id."""
    with transaction(url, write=True) as db:
        maker = user(db, "clerk-jinjiang")
        made = service.create_application(db, maker, service.ApplicationInput(
            person_id=person_id, scheme=scheme, deemed_months=deemed_months,
            deemed_basis="personnel file: service before the individual account" if
            deemed_months else None, original_age_years=original_age_years))
        service.submit(db, maker, made.id)
        application_id = made.id
    with transaction(url, write=True) as db:
        checker = user(db, "clerk-chengdu")
        return service.approve(db, checker, application_id, today=approved_on).id


def retirees(url: str, count: int, employer: int, *, deemed_months: int = 200) -> list[int]:
    """`count` men born in 1963 (retired in 2023), one month paid in December 2020 and
    `deemed_months` of deemed service each; the awards' ids."""
    people = [add_person(url, f"退休{i}", "510104", date(1963, 1 + i % 12, 5), 101 + 2 * i)
              for i in range(count)]
    contribute(url, employer, people, {"2020-12": 600000}, date(2020, 12, 1))
    return [award(url, pid, deemed_months=deemed_months) for pid in people]
