"""A migrant worker's career across three provinces, built through shebao's own services."""

from __future__ import annotations

from datetime import date

from shebao.contributions import service as contributions
from shebao.contributions.models import Bill
from shebao.db.engine import transaction
from shebao.registry.identifiers import make_credit_code
from shebao.registry.models import Person
from shebao.registry.schemas import EmploymentStart
from shebao.registry.service import start_employment
from tests.benefits.pension.world import user
from tests.helpers import add_employer, add_person, add_user

GUANGDONG, ZHEJIANG, SICHUAN = "440000", "330000", "510000"
FIRST_HALF = {f"2021-{m:02d}": 700000 + 1000 * m for m in range(1, 7)}
SECOND_HALF = {f"2021-{m:02d}": 820000 + 3 * m for m in range(7, 13)}


def staff(url: str) -> None:
    """Clerks of the three provinces, a Sichuan supervisor and a national administrator."""
    add_user(url, "clerk-guangdong", "clerk", GUANGDONG)
    add_user(url, "clerk-zhejiang", "clerk", ZHEJIANG)
    add_user(url, "clerk-sichuan", "clerk", SICHUAN)
    add_user(url, "supervisor-sichuan", "supervisor", SICHUAN)
    add_user(url, "admin-state", "admin", "000000")


def migrant(url: str) -> int:
    """A man from a Sichuan village (hukou 511324) working in Guangzhou."""
    person = add_person(url, "王建军", "440106", date(1990, 5, 14), 17, hukou="511324")
    add_user(url, "citizen-wang", "citizen", "440106", person_id=person)
    return person


def work(url: str, person_id: int, county: str, code: str, wages: dict[str, int]) -> None:
    """Employ the person at a new employer in `county` and declare and pay `wages` there."""
    employer = add_employer(url, make_credit_code(county, code), county, name=f"单位{code}")
    with transaction(url, write=True) as db:
        admin = user(db, "admin-state")
        first = min(wages)
        start_employment(db, admin, EmploymentStart(
            person_id=person_id, employer_id=employer,
            start_date=date(int(first[:4]), int(first[5:]), 1),
            monthly_wage_fen=next(iter(wages.values()))))
        number = db.get(Person, person_id).identity_number
        for month, wage in wages.items():
            made = contributions.declare(db, admin, employer, month,
                                         [contributions.DeclaredRow(1, number, wage)], "api")
            bill = db.get(Bill, made.id)
            contributions.pay(db, admin, bill.id, bill.due_date, bill.amount_fen)
