"""The assistance demo: Nanbu County (511321), Sichuan, where 赵德明's household lives.

A county caseworker has approved dibao households (paid each month since approval from
Sichuan's assistance fund), refused some with reasons (one appealed), and has applications
waiting with discrepancies the cross-checks found: a car in the vehicle register, deposits in
the banks' file, wages on record, an employer the applicant represents. 赵德明's household,
approved in October 2025, is in its periodic re-review with one discrepancy to resolve. Made
through the same services the desk and the API use, from a seed.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shebao.assistance import service
from shebao.auth.models import User
from shebao.auth.service import DEMO_PASSWORD, create_user, operator
from shebao.db.engine import transaction
from shebao.policy.formulas.periods import format_month, parse_month
from shebao.registry import service as registry
from shebao.registry.identifiers import make_resident_id
from shebao.registry.models import Employer, Household, HouseholdMember, Person
from shebao.registry.schemas import EmploymentStart

COUNTY = "511321"
CITY = "511300"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "德秀明华英兰国建军玉芳平强文桂春"
FIRST_RUN, LAST_RUN = "2025-11", "2026-11"
# The Nanbu households the demo registers (their sizes), beside 赵德明's.
HOUSEHOLD_SIZES = (3, 2, 4, 1, 2, 3, 2, 4, 1, 3, 2, 2, 3, 1, 4, 2, 3, 2, 1, 2, 3, 2)


def _person(db: Session, rng: random.Random, used: set[str], birth: date, sex: str) -> Person:
    while True:
        number = make_resident_id(COUNTY, birth, rng.randrange(0, 500) * 2
                                  + (1 if sex == "male" else 0))
        if number not in used:
            used.add(number)
            break
    person = Person(identity_number=number, sex=sex, birth_date=birth, hukou_region=COUNTY,
                    residence_region=COUNTY, name=rng.choice(SURNAMES) + "".join(
                        rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))))
    db.add(person)
    return person


def _households(db: Session, rng: random.Random) -> list[list[Person]]:
    """One Nanbu household for each of HOUSEHOLD_SIZES: an older head, a spouse, children."""
    used = set(db.scalars(select(Person.identity_number)))
    made: list[list[Person]] = []
    for size in HOUSEHOLD_SIZES:
        head_birth = date(rng.randrange(1945, 1985), rng.randrange(1, 13), rng.randrange(1, 28))
        members = [_person(db, rng, used, head_birth, "male")]
        if size >= 2:
            members.append(_person(db, rng, used, date(head_birth.year + rng.randrange(0, 4),
                                                        rng.randrange(1, 13), 10), "female"))
        for _ in range(size - len(members)):
            members.append(_person(db, rng, used, date(max(head_birth.year + 24, 2004)
                                                       + rng.randrange(0, 10), 6, 1),
                                   rng.choice(("male", "female"))))
        db.flush()
        household = Household(region_code=COUNTY, address="南部县（演示）")
        db.add(household)
        db.flush()
        for i, person in enumerate(members):
            db.add(HouseholdMember(household_id=household.id, person_id=person.id,
                                   relationship=("head", "spouse")[i] if i < 2 else "child",
                                   start_date=max(person.birth_date, date(2000, 1, 1))))
        made.append(members)
    db.flush()
    return made


def _declaration(members: list[Person], other_yuan: list[int], deposits_yuan: int,
                 vehicles: int = 0, wages_yuan: int = 0) -> dict[str, Any]:
    return {
        "members": [{"person_id": p.id, "wages_fen": wages_yuan * 100 if i == 0 else 0,
                     "pension_fen": 0, "unemployment_fen": 0,
                     "other_fen": (other_yuan[i] if i < len(other_yuan) else 0) * 100}
                    for i, p in enumerate(members)],
        "deposits_fen": deposits_yuan * 100, "vehicles": vehicles, "properties": 1,
    }


def _household_id(db: Session, person: Person) -> int:
    found = db.scalar(select(HouseholdMember.household_id).where(
        HouseholdMember.person_id == person.id, HouseholdMember.end_date.is_(None)))
    assert found is not None
    return found


def _csv(rows: list[tuple[Person, str, int]]) -> str:
    return "identity_number,reference,value_fen\n" + "".join(
        f"{p.identity_number},{reference},{value}\n" for p, reference, value in rows)


def _resolve_all(db: Session, user: User, app_id: int, note: str) -> None:
    app = service.application_for(db, user, app_id)
    for d in app.discrepancies:
        if d.status == "open":
            service.resolve_discrepancy(db, user, d.id, "confirmed", note)


def seed(database_url: str, seed: int = 2027) -> dict[str, int]:
    """Seed the assistance demo (before the claims: 赵德明's medical flag comes from his case)."""
    rng = random.Random(seed)
    op = operator()
    with transaction(database_url, write=True) as db:
        caseworker = create_user(db, username="caseworker", password=DEMO_PASSWORD, role="clerk",
                                 region_code=COUNTY, display_name="南部县民政局救助经办员 何静",
                                 is_demo=True)
        create_user(db, username="caseworker2", password=DEMO_PASSWORD, role="clerk",
                               region_code=COUNTY, display_name="南部县民政局复核员 罗军",
                               is_demo=True)
        farmer = db.scalar(select(Person).where(Person.name == "赵德明",
                                                Person.birth_date == date(1968, 11, 2)))
        assert farmer is not None
        create_user(db, username="farmer", password=DEMO_PASSWORD, role="citizen",
                    region_code=COUNTY, display_name=farmer.name, is_demo=True,
                    person_id=farmer.id)
        farm_id = _household_id(db, farmer)
        farm = [p for _, p in service.current_members(db, farm_id, date(2025, 10, 20))]
        homes = _households(db, rng)

        # 赵德明's household: approved for dibao in October 2025 on farming income.
        farm_app = service.apply(db, caseworker, farm_id, "dibao",
                                 _declaration(farm, [900, 300, 600], 0), area="rural",
                                 applied_on=date(2025, 10, 20))
        service.decide(db, caseworker, farm_app.id, True,
                       "以种植收入为主，家庭人均收入低于农村低保标准", first_month=FIRST_RUN)
        approved, pending, refused = [farm_app.id], [], []
        # Clean approvals, approved from different months of the year.
        for i, members in enumerate(homes[5:15]):
            app = service.apply(db, caseworker, _household_id(db, members[0]), "dibao",
                                _declaration(members, [rng.randrange(150, 500)], 2000),
                                area="rural", applied_on=date(2025, 10 + i % 3, 5))
            service.decide(db, caseworker, app.id, True, "入户调查属实，收入低于标准",
                           first_month=format_month(parse_month(FIRST_RUN) + i))
            approved.append(app.id)
        # Registers' files for Nanchong (the vehicle office, the banks), imported after those
        # approvals.
        cars = [(homes[0][0], "川R·3K721", 6800000), (homes[1][0], "川R·5D118", 3200000)]
        deposits = [(farm[0], "农商行 6217****0931", 1210000),
                    (homes[2][0], "邮储 6221****4410", 9800000)]
        service.import_file(db, op, "vehicle", CITY, "南充市公安局交警支队车辆管理所",
                            date(2026, 9, 30), _csv(cars))
        service.import_file(db, op, "deposit", CITY, "南充市金融机构存款查询（演示）",
                            date(2026, 9, 30), _csv(deposits))
        # Records the cross-checks find: a job, and a business the applicant represents.
        employer = db.scalar(select(Employer).where(Employer.region_code.startswith("5113"))
                             .order_by(Employer.id).limit(1)) or db.scalar(
            select(Employer).where(Employer.region_code.startswith("51")).order_by(Employer.id)
            .limit(1))
        assert employer is not None
        registry.start_employment(db, op, EmploymentStart(
            person_id=homes[3][0].id, employer_id=employer.id, start_date=date(2026, 3, 1),
            monthly_wage_fen=280000, enroll=False))
        employer.legal_representative_person_id = homes[4][0].id
        db.flush()

        # Waiting for the caseworker: a car, deposits, wages and a business on record.
        for members, declared in (
            (homes[0], _declaration(homes[0], [400], 0)),
            (homes[1], _declaration(homes[1], [350], 0)),
            (homes[2], _declaration(homes[2], [300], 5000)),
            (homes[3], _declaration(homes[3], [500], 0)),
            (homes[4], _declaration(homes[4], [600], 0)),
        ):
            app = service.apply(db, caseworker, _household_id(db, members[0]), "dibao",
                                declared, area="rural", applied_on=date(2026, 11, 3))
            pending.append(app.id)
        # Refusals with reasons; one appealed, waiting for the second caseworker.
        for members in homes[15:17]:
            app = service.apply(db, caseworker, _household_id(db, members[0]), "dibao",
                                _declaration(members, [2200, 1600], 0), area="rural",
                                applied_on=date(2026, 9, 10))
            service.decide(db, caseworker, app.id, False,
                           "家庭人均收入高于农村低保标准", basis="declared")
            refused.append(app.id)
        service.appeal(db, op, refused[0], "丈夫今年因病停工，收入已减少")
        # A dibao-edge household, an old-age allowance and a severe-disability care subsidy.
        edge = service.apply(db, caseworker, _household_id(db, homes[17][0]), "near_dibao",
                             _declaration(homes[17], [1200, 800], 0), area="rural",
                             applied_on=date(2026, 8, 1))
        service.decide(db, caseworker, edge.id, True, "低保边缘家庭，纳入医疗救助")
        oldest = min((p for h in homes for p in h), key=lambda p: p.birth_date)
        for programme, person, extra in (("old_age", oldest, {}),
                                         ("disability_care", homes[18][0],
                                          {"disability_grade": 1})):
            app = service.apply(db, caseworker, _household_id(db, person), programme, extra,
                                area="rural", applied_on=date(2026, 9, 1), person_id=person.id)
            if app.assessment["tests"]["assessed"]["eligible"]:
                service.decide(db, caseworker, app.id, True, "条件核实", first_month="2026-10")
                approved.append(app.id)

        # The year's allocation to Sichuan's assistance fund, then the month runs.
        service.fund(db, op, "510000", 50_000_000, "demo-2025")
        paid = 0
        for n in range(parse_month(FIRST_RUN), parse_month(LAST_RUN) + 1):
            paid += service.run_month(db, op, "510000", format_month(n)).paid

        # November 2026: 赵德明's household declares again for its review; the banks' file
        # shows more savings than declared (still within the limit): one discrepancy to resolve.
        service.review(db, caseworker, farm_app.id, _declaration(farm, [900, 300, 600], 8000))
        # The caseworker has already cleared one of the waiting applications' discrepancies.
        _resolve_all(db, caseworker, pending[3], "该成员3月起在外务工，工资属实")
        return {"assistance_approved": len(approved), "assistance_pending": len(pending),
                "assistance_payments": paid}
