"""Registry services: register, read and correct persons, within the clerk's region."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from shebao.auth.authz import may_reach_region, person_for, require, scoped_persons
from shebao.auth.models import User
from shebao.errors import InputError
from shebao.registry.identifiers import parse_resident_id
from shebao.registry.models import Person
from shebao.registry.schemas import PersonCreate, PersonUpdate

SEARCH_LIMIT = 50


def register_person(db: Session, user: User, data: PersonCreate) -> Person:
    """Register a person; birth date and sex are read from the identity number, not asked."""
    require(user, "person.write")
    if not may_reach_region(user, data.residence_region):
        raise InputError("residence_region", "is outside the region your account serves")
    if db.scalar(select(Person.id).where(Person.identity_number == data.identity_number)):
        raise InputError("identity_number", "is already registered: one person, one record")
    decoded = parse_resident_id(data.identity_number)
    person = Person(
        identity_number=decoded.number,
        name=data.name,
        sex=decoded.sex,
        birth_date=decoded.birth_date,
        hukou_region=data.hukou_region,
        residence_region=data.residence_region,
        phone=data.phone,
    )
    db.add(person)
    db.flush()
    return person


def get_person(db: Session, user: User, person_id: int) -> Person:
    return person_for(db, user, person_id, "person.read")


def update_person(db: Session, user: User, person_id: int, data: PersonUpdate) -> Person:
    person = person_for(db, user, person_id, "person.write")
    changes = data.model_dump(exclude_unset=True)
    if "residence_region" in changes and not may_reach_region(user, changes["residence_region"]):
        raise InputError("residence_region", "is outside the region your account serves")
    for key, value in changes.items():
        setattr(person, key, value)
    db.flush()
    return person


def search_persons(db: Session, user: User, text: str | None) -> list[Person]:
    """Persons within reach whose name starts with, or identity number ends with, `text`."""
    require(user, "person.read")
    query = scoped_persons(user).order_by(Person.id).limit(SEARCH_LIMIT)
    if text:
        query = query.where(
            or_(Person.name.startswith(text), Person.identity_number.endswith(text.upper()))
        )
    return list(db.scalars(query))
