"""The demo's pensioners in Jinjiang, Chengdu: awards made by the district clerk and checked by
a second clerk, months paid by the payroll, one pensioner overdue for authentication, and one
application waiting in the queue. Everything goes through the services the desk uses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from shebao.auth.models import User
from shebao.auth.service import DEMO_PASSWORD, create_user, operator
from shebao.benefits.pension import payroll, service
from shebao.contributions import service as contributions
from shebao.db.engine import transaction
from shebao.policy.formulas.periods import format_month, parse_month
from shebao.registry.identifiers import make_credit_code, make_resident_id
from shebao.registry.models import Employer, Person
from shebao.registry.schemas import EmploymentStart
from shebao.registry.service import start_employment

JINJIANG = "510104"


@dataclass(frozen=True)
class _Pensioner:
    name: str
    sex: str
    birth: date
    sequence: int
    first_paid: str  # first and last month of contributions in the record
    last_paid: str
    wage_fen: int
    deemed_months: int
    original_age: int | None = None
    approved_on: date | None = None  # None: today
    authentication: tuple[str, date] | None = None  # channel, day
    decide: bool = True


PENSIONERS = (
    # Born 1965-05: 60 years and 2 months under the reform → retired 2025-07.
    _Pensioner("陈国华", "male", date(1965, 5, 12), 315, "2025-01", "2025-07", 800000, 300,
               authentication=("online", date(2026, 3, 2))),
    # Born 1964-10, before the reform's first birth month → retired at 60 in 2024-10; a
    # daughter authenticates for him.
    _Pensioner("李明", "male", date(1964, 10, 3), 317, "2024-01", "2024-10", 700000, 320,
               authentication=("proxy", date(2026, 9, 14))),
    # A woman worker born 1975-03 → 50 years and 2 months → 2025-05; awarded in June 2025 and
    # never authenticated since: the payroll suspends her from June 2026.
    _Pensioner("杨秀兰", "female", date(1975, 3, 8), 322, "2024-06", "2025-05", 520000, 240,
               original_age=50, approved_on=date(2025, 6, 10)),
    # Born 1966-01 → 60 years and 4 months → 2026-05; submitted, waiting for the checker.
    _Pensioner("王德福", "male", date(1966, 1, 20), 319, "2025-06", "2026-05", 650000, 280,
               decide=False),
)


def _user(db: Session, username: str) -> User:
    found = db.scalar(select(User).where(User.username == username))
    assert found is not None
    return found


def seed_pensions(database_url: str) -> dict[str, int]:
    """Seed the pensioners and run this month's payroll in Sichuan."""
    admin = operator()
    today = date.today()
    with transaction(database_url, write=True) as db:
        employer = Employer(
            credit_code=make_credit_code(JINJIANG, "MA7J3N5K2"), name="成都锦江机床厂",
            region_code=JINJIANG, industry="金属制品", injury_class=5, size="medium")
        db.add(employer)
        people: list[Person] = []
        for p in PENSIONERS:
            person = Person(identity_number=make_resident_id(JINJIANG, p.birth, p.sequence),
                            name=p.name, sex=p.sex, birth_date=p.birth, hukou_region=JINJIANG,
                            residence_region=JINJIANG)
            db.add(person)
            people.append(person)
        db.flush()
        create_user(db, username="clerk2", password=DEMO_PASSWORD, role="clerk",
                    region_code=JINJIANG, display_name="锦江区复核员 何静", is_demo=True)
        create_user(db, username="pensioner", password=DEMO_PASSWORD, role="citizen",
                    region_code=JINJIANG, display_name=people[0].name, is_demo=True,
                    person_id=people[0].id)
        for p, person in zip(PENSIONERS, people, strict=True):
            first = parse_month(p.first_paid)
            start_employment(db, admin, EmploymentStart(
                person_id=person.id, employer_id=employer.id,
                start_date=date(first // 12, first % 12 + 1, 1), monthly_wage_fen=p.wage_fen))
        for month in range(min(parse_month(p.first_paid) for p in PENSIONERS),
                           max(parse_month(p.last_paid) for p in PENSIONERS) + 1):
            working = [(person.identity_number, p.wage_fen)
                       for p, person in zip(PENSIONERS, people, strict=True)
                       if parse_month(p.first_paid) <= month <= parse_month(p.last_paid)]
            rows = [contributions.DeclaredRow(i + 1, number, wage)
                    for i, (number, wage) in enumerate(working)]
            bill = contributions.declare(db, admin, employer.id, format_month(month), rows, "api")
            contributions.pay(db, admin, bill.id, min(bill.due_date, today), bill.amount_fen +
                              contributions.late_fee_on(bill, min(bill.due_date, today))[0])
        maker, checker = _user(db, "clerk"), _user(db, "clerk2")
        for p, person in zip(PENSIONERS, people, strict=True):
            made = service.create_application(db, maker, service.ApplicationInput(
                person_id=person.id, original_age_years=p.original_age,
                deemed_months=p.deemed_months,
                deemed_basis="personnel file: state-owned enterprise service before the "
                             "individual account (1992–)"))
            service.submit(db, maker, made.id)
            if p.decide:
                service.approve(db, checker, made.id, "record and personnel file agree",
                                today=p.approved_on)
        person_ids = [person.id for person in people]
    month = format_month(today.year * 12 + today.month - 1)
    run = payroll.run_payroll(database_url, admin, "510000", month)
    with transaction(database_url, write=True) as db:
        for p, person_id in zip(PENSIONERS, person_ids, strict=True):
            if p.authentication is not None:
                channel, day = p.authentication
                who = _user(db, "pensioner") if channel == "online" else _user(db, "clerk")
                payroll.authenticate(db, who, person_id, channel, on=day,
                                     proxy_name="李娟" if channel == "proxy" else None,
                                     proxy_relationship="daughter" if channel == "proxy"
                                     else None)
    return {"pensioners": sum(p.decide for p in PENSIONERS), "pension_payments": run.payments}
