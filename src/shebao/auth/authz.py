"""The one authorization helper: may this user do this, to this person or in this region?

Two questions, always asked together:
1. Does the user's role carry the permission at all?  No → `Forbidden` (HTTP 403).
2. Is the record inside the user's reach?  Staff reach their region and everything below it;
   a citizen reaches their own record (and household); an employer its own employer record and
   the persons with an open employment spell there.  No → `NotFound`
   (HTTP 404), so that nobody can learn that a record outside their reach exists.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Select, exists, or_, select
from sqlalchemy.orm import Session, object_session

from shebao.auth.models import Role, User
from shebao.registry.models import Employer, EmploymentSpell, Household, HouseholdMember, Person
from shebao.registry.regions import is_within, scope_prefix

# Which roles hold which permission. The reliability suite checks every endpoint against it.
_STAFF_READ = frozenset({Role.clerk, Role.supervisor, Role.admin})
_STAFF_WRITE = frozenset({Role.clerk, Role.admin})

PERMISSIONS: dict[str, frozenset[Role]] = {
    "person.read": frozenset({Role.citizen, Role.employer, *_STAFF_READ}),
    "person.write": _STAFF_WRITE,
    "person.history": frozenset({Role.citizen, *_STAFF_READ}),
    # The full identity number, shown at the desk with a reason that the audit trail keeps.
    "person.reveal": frozenset({Role.clerk, Role.supervisor}),
    # The audit trail: read and verified by supervisors; nobody edits it.
    "audit.read": frozenset({Role.supervisor, Role.admin}),
    # Fund supervision: supervisors run the detection rules, investigate and decide cases
    # (a person decides every outcome), and import external wage files.
    "supervision.read": frozenset({Role.supervisor, Role.admin}),
    "supervision.scan": frozenset({Role.supervisor}),
    "supervision.decide": frozenset({Role.supervisor}),
    "supervision.import": frozenset({Role.supervisor}),
    "employer.read": frozenset({Role.employer, *_STAFF_READ}),
    "employer.write": _STAFF_WRITE,
    "household.read": frozenset({Role.citizen, *_STAFF_READ}),
    "household.write": _STAFF_WRITE,
    "employment.read": frozenset({Role.citizen, Role.employer, *_STAFF_READ}),
    "employment.write": _STAFF_WRITE,
    "enrollment.read": frozenset({Role.citizen, Role.employer, *_STAFF_READ}),
    "enrollment.write": _STAFF_WRITE,
    "review.read": _STAFF_READ,
    "review.resolve": _STAFF_WRITE,
    # Employers declare their own staff's wages; clerks declare on their behalf at the desk.
    "contribution.declare": frozenset({Role.employer, *_STAFF_WRITE}),
    "contribution.bill": _STAFF_WRITE,
    # Citizens and employers pay their own bills online; clerks record payments at the desk.
    "contribution.pay": frozenset({Role.citizen, Role.employer, *_STAFF_WRITE}),
    # Corrections: a returned payment is reversed, a bill in a relief period deferred.
    "contribution.reverse": _STAFF_WRITE,
    "contribution.defer": _STAFF_WRITE,
    "contribution.read": frozenset({Role.citizen, Role.employer, *_STAFF_READ}),
    "user.manage": frozenset({Role.admin}),
    "region.read": frozenset(Role),
    # Manual journal entries; domain services post for the other roles through their own rules.
    "ledger.post": frozenset({Role.admin}),
    # Balances and statements: citizens and employers their own accounts, staff their region.
    "ledger.read": frozenset(
        {Role.citizen, Role.employer, Role.clerk, Role.supervisor, Role.admin}
    ),
    "ledger.check": frozenset({Role.supervisor, Role.admin}),
    # Personal pensions are the citizen's own: employers see nothing of them. Withdrawals need
    # evidence of the condition (retirement, incapacity, emigration), checked at the desk.
    "personal_pension.open": frozenset({Role.citizen, *_STAFF_WRITE}),
    "personal_pension.contribute": frozenset({Role.citizen, *_STAFF_WRITE}),
    "personal_pension.withdraw": _STAFF_WRITE,
    "personal_pension.read": frozenset({Role.citizen, *_STAFF_READ}),
    # Enterprise annuities: the employer runs its own plan; clerks may act for it.
    "annuity.plan": frozenset({Role.employer, *_STAFF_WRITE}),
    "annuity.run": frozenset({Role.employer, *_STAFF_WRITE}),
    "annuity.leave": frozenset({Role.employer, *_STAFF_WRITE}),
    "annuity.read": frozenset({Role.citizen, Role.employer, *_STAFF_READ}),
    # Pensions: a citizen applies and authenticates online, a clerk at the desk; a second
    # clerk approves (maker-checker, in the service); clerks run the payroll and recover.
    "pension.read": frozenset({Role.citizen, *_STAFF_READ}),
    "pension.apply": frozenset({Role.citizen, *_STAFF_WRITE}),
    "pension.approve": _STAFF_WRITE,
    "pension.authenticate": frozenset({Role.citizen, *_STAFF_WRITE}),
    "pension.payroll": _STAFF_WRITE,
    # Recoveries of overpayments: at the desk, or by a supervisor closing a fraud case.
    "pension.recover": frozenset({Role.supervisor, *_STAFF_WRITE}),
    # Claims (benefits/unemployment, injury, medical). Clerks register and decide claims and run
    # the month's payments; citizens read their own. Hospitals are employers in the registry:
    # their accounts submit claims for their own hospital. An insurer (also an employer) reads a
    # patient's final share only where the patient has consented.
    "unemployment.claim": _STAFF_WRITE,
    "unemployment.pay": _STAFF_WRITE,
    "unemployment.read": frozenset({Role.citizen, *_STAFF_READ}),
    "injury.claim": _STAFF_WRITE,
    "injury.pay": _STAFF_WRITE,
    "injury.read": frozenset({Role.citizen, *_STAFF_READ}),
    "medical.hospital": _STAFF_WRITE,
    "medical.submit": frozenset({Role.employer, *_STAFF_WRITE}),
    "medical.read": frozenset({Role.citizen, Role.employer, *_STAFF_READ}),
    "medical.recipient": _STAFF_WRITE,
    "medical.consent": frozenset({Role.citizen, *_STAFF_WRITE}),
    "medical.insurer_read": frozenset({Role.employer}),
    # Transfers between provinces: a citizen applies online and follows the status, a clerk
    # applies at the desk; the source's clerks approve and move the funds, the destination's
    # receive them; supervisors see the transfers past the service target.
    "transfer.apply": frozenset({Role.citizen, *_STAFF_WRITE}),
    "transfer.read": frozenset({Role.citizen, *_STAFF_READ}),
    "transfer.approve": _STAFF_WRITE,
    "transfer.receive": _STAFF_WRITE,
    "transfer.overdue": frozenset({Role.supervisor, Role.admin}),
    # The central adjustment fund: supervisors and analysts read a year; administrators post it.
    "pooling.read": frozenset({Role.supervisor, Role.analyst, Role.admin}),
    "pooling.post": frozenset({Role.admin}),
    # Social assistance: a household applies and appeals online or at the desk; caseworkers
    # (clerks) resolve discrepancies, decide, review, import registers' files and pay.
    "assistance.apply": frozenset({Role.citizen, *_STAFF_WRITE}),
    "assistance.read": frozenset({Role.citizen, *_STAFF_READ}),
    "assistance.appeal": frozenset({Role.citizen, *_STAFF_WRITE}),
    "assistance.decide": _STAFF_WRITE,
    "assistance.import": _STAFF_WRITE,
    "assistance.pay": _STAFF_WRITE,
    # Projections: national figures, no personal data; analysts run them, supervisors and
    # admins read them too.
    "projection.run": frozenset({Role.analyst, Role.supervisor, Role.admin}),
    # Emergency relief measures: one administrator drafts (with the cost to each fund), a
    # second enacts or rejects; enacted, they join the live contribution rule on their dates.
    "relief.draft": frozenset({Role.admin}),
    "relief.enact": frozenset({Role.admin}),
    # The citizen portal: a person appeals a decision or complains, asks for a correction and
    # takes their data away, online or at the desk; clerks of the region of record decide.
    "appeal.file": frozenset({Role.citizen, *_STAFF_WRITE}),
    "appeal.read": frozenset({Role.citizen, *_STAFF_READ}),
    "appeal.decide": _STAFF_WRITE,
    "correction.request": frozenset({Role.citizen, *_STAFF_WRITE}),
    "correction.decide": _STAFF_WRITE,
    "notice.read": frozenset({Role.citizen, *_STAFF_READ}),
    "data.export": frozenset({Role.citizen, *_STAFF_READ}),
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


def _works_for(employer_id: int | None, today: date | None = None) -> ColumnElement[bool]:
    """Persons with an employment spell at `employer_id` that has not ended before today."""
    today = today or date.today()
    return exists().where(
        EmploymentSpell.person_id == Person.id,
        EmploymentSpell.employer_id == (employer_id or -1),
        or_(EmploymentSpell.end_date.is_(None), EmploymentSpell.end_date >= today),
    )


def may_reach_person(user: User, person: Person, db: Session | None = None) -> bool:
    if user.role == Role.citizen:
        return user.person_id == person.id
    if user.role == Role.employer:
        # An employer reaches its own employees: those with an open spell there.
        db = db or object_session(person)
        if db is None or user.employer_id is None:
            return False
        return bool(db.scalar(select(_works_for(user.employer_id)).where(Person.id == person.id)))
    return may_reach_region(user, person.residence_region)


def may_reach_employer(user: User, employer: Employer) -> bool:
    return may_reach_employer_at(user, employer.id, employer.region_code)


def may_reach_employer_at(user: User, employer_id: int, region_code: str) -> bool:
    """`may_reach_employer` for an employer known by its id and region (read with a row that
    refers to it), without loading it."""
    if user.role == Role.employer:
        return user.employer_id == employer_id
    if user.role == Role.citizen:
        return False
    return may_reach_region(user, region_code)


def scoped_persons(user: User) -> Select[tuple[Person]]:
    """A query of the persons this user may see, for searches and lists."""
    query = select(Person)
    if user.role == Role.citizen:
        return query.where(Person.id == (user.person_id or -1))
    if user.role == Role.employer:
        return query.where(_works_for(user.employer_id))
    return query.where(Person.residence_region.startswith(scope_prefix(user.region_code)))


def person_for(db: Session, user: User, person_id: int, permission: str) -> Person:
    """The person if the user may act on them with `permission`; else Forbidden or NotFound."""
    require(user, permission)
    person = db.get(Person, person_id)
    if person is None or not may_reach_person(user, person, db):
        raise NotFound(f"person {person_id}")
    return person


def may_reach_household(db: Session, user: User, household: Household) -> bool:
    """Staff reach households registered in their region; a citizen the household they are in."""
    if user.role == Role.citizen:
        return user.person_id is not None and bool(
            db.scalar(
                select(HouseholdMember.id).where(
                    HouseholdMember.household_id == household.id,
                    HouseholdMember.person_id == user.person_id,
                    HouseholdMember.end_date.is_(None),
                )
            )
        )
    return may_reach_region(user, household.region_code)


def household_for(db: Session, user: User, household_id: int, permission: str) -> Household:
    require(user, permission)
    household = db.get(Household, household_id)
    if household is None or not may_reach_household(db, user, household):
        raise NotFound(f"household {household_id}")
    return household


def scoped_employers(user: User) -> Select[tuple[Employer]]:
    """A query of the employers this user may see."""
    query = select(Employer)
    if user.role == Role.employer:
        return query.where(Employer.id == (user.employer_id or -1))
    if user.role == Role.citizen:
        return query.where(Employer.id == -1)
    return query.where(Employer.region_code.startswith(scope_prefix(user.region_code)))


def reach_employer(user: User, employer_id: int, region_code: str, permission: str) -> None:
    """`employer_for` for an employer whose region was read with a row that refers to it."""
    require(user, permission)
    if not may_reach_employer_at(user, employer_id, region_code):
        raise NotFound(f"employer {employer_id}")


def employer_for(db: Session, user: User, employer_id: int, permission: str) -> Employer:
    require(user, permission)
    employer = db.get(Employer, employer_id)
    if employer is None or not may_reach_employer(user, employer):
        raise NotFound(f"employer {employer_id}")
    return employer
