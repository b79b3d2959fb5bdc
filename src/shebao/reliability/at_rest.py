"""Personal data at rest: no identity number or phone in clear anywhere in the database (persons,
their change history, the audit trail), every person found again through the blind index, and
on PostgreSQL the row-level security wall: a county clerk's unfiltered statements change no
person of another county, register none there, and a scoped connection without a region reads
nothing (docs/platform.md)."""

from __future__ import annotations

import time
from datetime import date

from sqlalchemy import select, text
from sqlalchemy.exc import ProgrammingError

from shebao.auth.models import User
from shebao.auth.row_security import wall
from shebao.auth.service import create_user
from shebao.db.engine import get_engine, get_sessionmaker, transaction
from shebao.registry.identifiers import make_resident_id
from shebao.registry.models import Person, PersonChange
from shebao.reliability.database import scratch_database
from shebao.reliability.report import CheckResult

COUNTIES = ("510104", "510107")  # Chengdu's Jinjiang and Wuhou districts
SCANNED = ("persons", "person_changes", "audit_entries")


def _people(count: int) -> list[tuple[str, str, str]]:
    """(identity number, phone, county) of `count` persons, half in each county."""
    return [(make_resident_id(COUNTIES[i % 2], date(1960 + i % 40, 1 + i % 12, 1 + i % 28),
                              i % 1000),
             f"139{i:08d}", COUNTIES[i % 2]) for i in range(count)]


def _seed(url: str, people: list[tuple[str, str, str]]) -> None:
    with transaction(url) as db:
        for i, (number, phone, county) in enumerate(people):
            person = Person(identity_number=number, name=f"静态{i}", sex="female",
                            birth_date=date(1960, 1, 1), hukou_region=county,
                            residence_region=county, phone=phone)
            db.add(person)
            db.flush()
            db.add(PersonChange(person_id=person.id, field="phone", old_value=None,
                                new_value=phone, effective_date=date(2026, 1, 1)))
        create_user(db, username="clerk-at-rest", password="at rest check 2026", role="clerk",
                    region_code=COUNTIES[0])


def _in_clear(url: str, people: list[tuple[str, str, str]]) -> int:
    """How many identity numbers and phones appear in clear in the scanned tables."""
    with get_engine(url).connect() as connection:
        stored = "".join(repr(connection.execute(text(f"SELECT * FROM {table}")).all())
                         for table in SCANNED)
    return sum((number in stored) + (phone in stored) for number, phone, _ in people)


def _wall(url: str, result: CheckResult) -> None:
    """A county clerk's statements without any application filter, behind the wall."""
    with transaction(url) as db:
        clerk = db.scalars(select(User).where(User.username == "clerk-at-rest")).one()
        db.expunge(clerk)
        others = list(db.scalars(select(Person.id).where(Person.residence_region == COUNTIES[1])))
    with get_sessionmaker(url)() as db:
        wall(db, clerk)
        for person_id in others:
            changed = db.execute(text("UPDATE persons SET name = 'x' WHERE id = :id"),
                                 {"id": person_id}).rowcount
            result.leaked += changed
        result.operations += len(others)
        db.rollback()
        wall(db, clerk)
        try:
            db.execute(text("INSERT INTO persons (identity_number_sealed, identity_number_index,"
                            " identity_number_masked, name, sex, birth_date, hukou_region, "
                            "residence_region, status, created_at) VALUES ('x', 'x', 'x', 'x', "
                            "'male', '1990-01-01', :c, :c, 'active', now())"),
                           {"c": COUNTIES[1]})
            result.leaked += 1
            result.problems.append("a clerk registered a person in another county")
        except ProgrammingError:
            pass  # new row violates row-level security policy
        result.operations += 1
        db.rollback()
        db.info.clear()
        db.execute(text("SET LOCAL ROLE shebao_scoped"))
        seen = len(db.scalars(select(Person.id)).all())
        result.operations += 1
        if seen:
            result.leaked += seen
            result.problems.append(f"a scoped connection without a region read {seen} persons")
        db.rollback()


def at_rest_check(backend: str, persons: int = 200) -> CheckResult:
    started = time.monotonic()
    walled = " and the region wall" if backend == "postgresql" else ""
    result = CheckResult(name=f"at-rest/{backend}",
                         tried=f"{persons} persons with phones and changes scanned in clear, "
                               f"found by blind index{walled}")
    people = _people(persons)
    with scratch_database(backend) as url:
        _seed(url, people)
        result.leaked += _in_clear(url, people)
        result.operations += persons * len(SCANNED)
        with transaction(url) as db:
            for number, _, _ in people:
                if db.scalar(select(Person.id).where(Person.identity_number == number)) is None:
                    result.lost += 1
            result.operations += persons
        if backend == "postgresql":
            _wall(url, result)
    result.seconds = time.monotonic() - started
    return result
