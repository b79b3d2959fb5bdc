"""The one authorization helper: may this user do this, to this person or in this region?

Two questions, always asked together:
1. Does the user's role carry the permission at all?  No → `Forbidden` (HTTP 403).
2. Is the record inside the user's reach?  Staff reach their region and everything below it;
   a citizen reaches their own record; an employer its own employer record.  No → `NotFound`
   (HTTP 404), so that nobody can learn that a record outside their reach exists.
"""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from shebao.auth.models import Role, User
from shebao.registry.models import Employer, Person
from shebao.registry.regions import is_within, scope_prefix

# Which roles hold which permission. The reliability suite checks every endpoint against it.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "person.read": frozenset({Role.citizen, Role.clerk, Role.supervisor, Role.admin}),
    "person.write": frozenset({Role.clerk, Role.admin}),
    "employer.read": frozenset({Role.employer, Role.clerk, Role.supervisor, Role.admin}),
    "employer.write": frozenset({Role.clerk, Role.admin}),
    "user.manage": frozenset({Role.admin}),
    "region.read": frozenset(Role),
    # Manual journal entries; domain services post for the other roles through their own rules.
    "ledger.post": frozenset({Role.admin}),
    # Balances and statements: citizens and employers their own accounts, staff their region.
    "ledger.read": frozenset(
        {Role.citizen, Role.employer, Role.clerk, Role.supervisor, Role.admin}
    ),
    "ledger.check": frozenset({Role.supervisor, Role.admin}),
}


class Forbidden(Exception):
    """The user's role does not carry the permission."""


class NotFound(Exception):
    """No such record within the user's reach."""


def has_permission(user: User, permission: str) -> bool:
    return Role(user.role) in PERMISSIONS[permission]


def require(user: User, permission: str) -> None:
    if not has_permission(user, permission):
        raise Forbidden(permission)


def may_reach_region(user: User, region_code: str) -> bool:
    """Staff and admins reach their own region and every region below it."""
    if user.role in (Role.citizen, Role.employer):
        return False
    return is_within(region_code, user.region_code)


def may_reach_person(user: User, person: Person) -> bool:
    if user.role == Role.citizen:
        return user.person_id == person.id
    if user.role == Role.employer:
        return False  # employers see their staff through declarations, not the registry
    return may_reach_region(user, person.residence_region)


def may_reach_employer(user: User, employer: Employer) -> bool:
    if user.role == Role.employer:
        return user.employer_id == employer.id
    if user.role == Role.citizen:
        return False
    return may_reach_region(user, employer.region_code)


def scoped_persons(user: User) -> Select[tuple[Person]]:
    """A query of the persons this user may see, for searches and lists."""
    query = select(Person)
    if user.role == Role.citizen:
        return query.where(Person.id == (user.person_id or -1))
    if user.role == Role.employer:
        return query.where(Person.id == -1)
    return query.where(Person.residence_region.startswith(scope_prefix(user.region_code)))


def person_for(db: Session, user: User, person_id: int, permission: str) -> Person:
    """The person if the user may act on them with `permission`; else Forbidden or NotFound."""
    require(user, permission)
    person = db.get(Person, person_id)
    if person is None or not may_reach_person(user, person):
        raise NotFound(f"person {person_id}")
    return person


def employer_for(db: Session, user: User, employer_id: int, permission: str) -> Employer:
    require(user, permission)
    employer = db.get(Employer, employer_id)
    if employer is None or not may_reach_employer(user, employer):
        raise NotFound(f"employer {employer_id}")
    return employer
