"""The checks' world, built through shebao's own services: two provinces, employers with
employees, their declared (open) bills, funded pools, and one account of every role in each
province."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from shebao.auth.models import Role
from shebao.auth.service import create_user, operator
from shebao.contributions import service as contributions
from shebao.contributions.models import Bill
from shebao.db.engine import transaction
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.registry.identifiers import make_credit_code, make_resident_id
from shebao.registry.models import Employer, EmploymentSpell, Person
from shebao.registry.regions import NATION
from shebao.registry.schemas import EmploymentStart
from shebao.registry.service import start_employment

PASSWORD = "reliability-check-password"
COUNTIES = {"440000": "440306", "510000": "510104"}
"""Bao'an, Shenzhen (Guangdong) and Jinjiang, Chengdu (Sichuan)."""
FUNDED_SCHEMES = ("employee_pension", "employee_medical", "unemployment")
POOL_SEED_FEN = 10_000_000_00
"""Each funded pool starts with ten million yuan, so transfers between pools never overdraw."""
MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]
WAGE_FEN = 600_000
"""A synthetic monthly wage of 6,000 yuan; billing applies each province's base floor and cap."""
STAFF_ROLES = (Role.clerk, Role.supervisor, Role.analyst, Role.admin)


@dataclass(frozen=True)
class OpenBill:
    id: int
    employer_id: int
    province: str
    paid_on: date
    amount_fen: int
    """The amount that pays it on `paid_on` (bill plus any late fee)."""


@dataclass
class World:
    """Ids and logins the checks use; `users[(role, province)]` is a username."""

    persons: dict[str, list[int]] = field(default_factory=dict)
    employers: dict[str, list[int]] = field(default_factory=dict)
    bills: list[OpenBill] = field(default_factory=list)
    users: dict[tuple[str, str], str] = field(default_factory=dict)

    def pools(self, province: str) -> list[str]:
        return [accounts.pool(scheme, province) for scheme in FUNDED_SCHEMES]


def build(url: str, employers_per_province: int = 3, persons_per_employer: int = 3,
          months: int = 6) -> World:
    """Register the world, declare `months` months for every employer, fund the pools."""
    world = World()
    admin = operator()
    sequence = 0
    for province, county in COUNTIES.items():
        with transaction(url, write=True) as db:
            employer_ids, person_ids = [], []
            for e in range(employers_per_province):
                employer = Employer(
                    credit_code=make_credit_code(county, f"RL{province[:2]}{e:05d}"),
                    region_code=county, name=f"可靠性测试单位{e}", industry="制造业",
                    injury_class=1 + e % 3, size="small",
                )
                db.add(employer)
                db.flush()
                employer_ids.append(employer.id)
                for _ in range(persons_per_employer):
                    sequence += 1
                    birth = date(1980 + sequence % 20, 1 + sequence % 12, 10)
                    person = Person(
                        identity_number=make_resident_id(county, birth, sequence),
                        name=f"测试{sequence}", sex="male" if sequence % 2 else "female",
                        birth_date=birth, hukou_region=county, residence_region=county,
                    )
                    db.add(person)
                    db.flush()
                    person_ids.append(person.id)
                    start_employment(db, admin, EmploymentStart(
                        person_id=person.id, employer_id=employer.id,
                        start_date=date(2024, 1, 1), monthly_wage_fen=WAGE_FEN))
            world.employers[province], world.persons[province] = employer_ids, person_ids
        for employer_id in world.employers[province]:
            for month in MONTHS[:months]:
                with transaction(url, write=True) as db:
                    rows = [contributions.DeclaredRow(i + 1, number, WAGE_FEN)
                            for i, number in enumerate(_employees(db, employer_id))]
                    bill = contributions.declare(db, admin, employer_id, month, rows, "api")
                    world.bills.append(_payable(bill))
        with transaction(url, write=True) as db:
            for pool in world.pools(province):
                ledger.post(db, ledger.PostingRequest(
                    idempotency_key=f"reliability-seed-{pool}", kind="receipt",
                    memo="opening balance of the reliability world",
                    effective_date=date(2025, 1, 1),
                    lines=[(accounts.settlement(province), POOL_SEED_FEN),
                           (pool, -POOL_SEED_FEN)]))
        _users(url, world, province, county)
    return world


def _employees(db: Session, employer_id: int) -> list[str]:
    """The identity numbers of an employer's staff, to declare."""
    return list(db.scalars(
        select(Person.identity_number).join(EmploymentSpell, EmploymentSpell.person_id == Person.id)
        .where(EmploymentSpell.employer_id == employer_id).order_by(Person.id)))


def _payable(bill: Bill) -> OpenBill:
    fee, _ = contributions.late_fee_on(bill, bill.due_date)
    return OpenBill(id=bill.id, employer_id=bill.employer_id or 0, province=bill.province,
                    paid_on=bill.due_date,
                    amount_fen=bill.amount_fen + fee)


def _users(url: str, world: World, province: str, county: str) -> None:
    with transaction(url) as db:
        for role in STAFF_ROLES:
            # Analysts and admins serve the nation: one account each, made once.
            region = NATION if role in (Role.analyst, Role.admin) else province
            username = f"{role.value}-{region}"
            if username not in world.users.values():
                create_user(db, username=username, password=PASSWORD, role=role,
                            region_code=region)
            world.users[(role.value, province)] = username
        employer_user = f"employer-{province}"
        create_user(db, username=employer_user, password=PASSWORD, role=Role.employer,
                    region_code=county, employer_id=world.employers[province][0])
        world.users[("employer", province)] = employer_user
        citizen = f"citizen-{province}"
        create_user(db, username=citizen, password=PASSWORD, role=Role.citizen,
                    region_code=county, person_id=world.persons[province][0])
        world.users[("citizen", province)] = citizen
