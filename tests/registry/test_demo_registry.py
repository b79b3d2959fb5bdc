"""The demo's registry: households, employment and enrollment that keep the registry's rules."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from shebao.assistance.demo import HOUSEHOLD_SIZES
from shebao.benefits.pension.demo import PENSIONERS
from shebao.db.engine import transaction
from shebao.demo import seed_demo
from shebao.registry.models import (
    DuplicateReview,
    Employer,
    EmploymentSpell,
    Enrollment,
    Household,
    HouseholdMember,
    Person,
)
from shebao.registry.regions import is_within
from shebao.registry.service import CATEGORIES_FOR_SCHEME, EXCLUSIVE_SCHEMES
from tests.helpers import bearer


def test_demo_registry_keeps_the_rules(client: TestClient, database_url: str) -> None:
    seeded = seed_demo(database_url, persons=400)
    assert seeded is not None and seeded.households >= 40 and seeded.enrollments > 400
    with transaction(database_url) as db:
        # The population, plus the pensioners of benefits/pension/demo.py and the Nanbu
        # households of assistance/demo.py.
        assert db.scalar(select(func.count(Person.id))) == (
            400 + len(PENSIONERS) + sum(HOUSEHOLD_SIZES))
        # Never both pensions (or both medical schemes) open for one person.
        a, b = aliased(Enrollment), aliased(Enrollment)
        for scheme, counterpart in EXCLUSIVE_SCHEMES.items():
            both = db.scalar(
                select(func.count()).select_from(a).join(
                    b, and_(a.person_id == b.person_id, b.scheme == counterpart)
                ).where(a.scheme == scheme, a.end_date.is_(None), b.end_date.is_(None))
            )
            assert both == 0, scheme
        persons = {p.id: p for p in db.scalars(select(Person))}
        employers = {e.id: e for e in db.scalars(select(Employer))}
        for e in db.scalars(select(Enrollment)):
            assert e.category in CATEGORIES_FOR_SCHEME[e.scheme], (e.scheme, e.category)
            person = persons[e.person_id]
            # Only the living are insured: a death (the demo records one) ends every
            # enrollment on the day, so no open enrollment belongs to anyone else.
            assert person.status == "active" or (
                person.death_date is not None and e.end_date is not None
                and e.end_date <= person.death_date), (person.id, e.scheme)
            if e.category == "resident":
                assert e.employer_id is None
                assert is_within(person.hukou_region, e.region_code) or is_within(
                    person.residence_region, e.region_code)
            if e.employer_id is not None:
                assert e.region_code[:2] == employers[e.employer_id].region_code[:2]
        # One household at a time.
        in_two = db.scalar(
            select(func.count()).select_from(
                select(HouseholdMember.person_id)
                .where(HouseholdMember.end_date.is_(None))
                .group_by(HouseholdMember.person_id)
                .having(func.count() > 1)
                .subquery()
            )
        )
        assert in_two == 0
        # The story: 赵德明's household of four, 陈丽 at the factory, 王建军 on a platform.
        farmer = db.scalar(select(Person).where(Person.name == "赵德明"))
        household = db.scalar(
            select(Household).join(HouseholdMember).where(HouseholdMember.person_id == farmer.id)
        )
        relationships = db.scalars(
            select(HouseholdMember.relationship).where(
                HouseholdMember.household_id == household.id
            )
        ).all()
        assert sorted(relationships) == ["child", "child", "head", "spouse"]
        rider = db.scalar(select(Person).where(Person.name == "王建军"))
        rider_rows = db.scalars(select(Enrollment).where(Enrollment.person_id == rider.id)).all()
        assert {(r.scheme, r.category, r.region_code) for r in rider_rows} >= {
            ("employee_pension", "platform", "440106"), ("work_injury", "platform", "440106")
        }
        worker = db.scalar(select(Person).where(Person.name == "陈丽"))
        spell = db.scalar(select(EmploymentSpell).where(EmploymentSpell.person_id == worker.id))
        assert employers[spell.employer_id].name == "深圳市宝安精密电子有限公司"
        assert db.scalar(
            select(func.count(DuplicateReview.id)).where(DuplicateReview.status == "open")
        ) == 1
    # The Chengdu clerk finds the review and resolves it; the employer sees 陈丽.
    clerk = bearer(client, "clerk", "demo")
    reviews = client.get("/api/v1/reviews", headers=clerk).json()
    assert len(reviews) == 1 and reviews[0]["person"]["name"] == "周桂英"
    assert client.post(f"/api/v1/reviews/{reviews[0]['id']}/resolve",
                       json={"status": "same_person"}, headers=clerk).status_code == 200
    employer = bearer(client, "employer", "demo")
    assert client.get(f"/api/v1/persons/{worker.id}", headers=employer).status_code == 200
