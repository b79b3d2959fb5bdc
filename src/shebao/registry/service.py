"""Registry services: persons and their history, households, employers, employment spells,
enrollment in each scheme, and the near-duplicate queue — each within the user's reach.

Every function takes the session and the signed-in user, asks `auth.authz` first (403 when the
role lacks the permission, 404 when a record is out of reach, wherever its id appears), refuses
bad input with an `InputError` naming the field, and flushes without committing: the caller owns
the transaction. Dates are inclusive: `end_date` is the last day covered.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from shebao.auth.authz import (
    NotFound,
    employer_for,
    household_for,
    may_reach_employer,
    may_reach_person,
    may_reach_region,
    person_for,
    require,
    scoped_employers,
    scoped_persons,
)
from shebao.auth.models import User
from shebao.db.base import utcnow
from shebao.errors import InputError
from shebao.registry.identifiers import (
    RESIDENT_ID_LENGTH,
    parse_credit_code,
    parse_resident_id,
)
from shebao.registry.industries import injury_class_of
from shebao.registry.models import (
    DuplicateReview,
    Employer,
    EmploymentSpell,
    Enrollment,
    Household,
    HouseholdMember,
    Person,
    PersonChange,
)
from shebao.registry.regions import is_within
from shebao.registry.schemas import (
    DeathRecord,
    EmployerCreate,
    EmploymentEnd,
    EmploymentStart,
    EnrollmentCreate,
    EnrollmentEnd,
    HouseholdCreate,
    MemberAdd,
    MembershipEnd,
    PersonCreate,
    PersonUpdate,
    ReviewResolve,
)
from shebao.supervision import audit

SEARCH_LIMIT = 50
LIST_LIMIT = 200
WORKING_AGE = 16

# Which employers each worker category may work for (flexible work: any employer).
EMPLOYERS_FOR_CATEGORY: dict[str, frozenset[str]] = {
    "enterprise_employee": frozenset({"enterprise", "individual_business"}),
    "public_institution": frozenset({"public_institution", "government"}),
    "platform": frozenset({"platform"}),
}
# Which categories may enrol in each scheme.
CATEGORIES_FOR_SCHEME: dict[str, frozenset[str]] = {
    "employee_pension": frozenset({"enterprise_employee", "public_institution", "flexible",
                                   "platform"}),
    "employee_medical": frozenset({"enterprise_employee", "public_institution", "flexible",
                                   "platform"}),
    "resident_pension": frozenset({"resident"}),
    "resident_medical": frozenset({"resident"}),
    "unemployment": frozenset({"enterprise_employee", "public_institution"}),
    "work_injury": frozenset({"enterprise_employee", "public_institution", "platform"}),
}
# Never both open for one person.
EXCLUSIVE_SCHEMES: dict[str, str] = {
    "employee_pension": "resident_pension",
    "resident_pension": "employee_pension",
    "employee_medical": "resident_medical",
    "resident_medical": "employee_medical",
}
# The schemes a new employment enrols its worker in, where the employer is.
SCHEMES_FOR_EMPLOYMENT: dict[str, tuple[str, ...]] = {
    "enterprise_employee": ("employee_pension", "employee_medical", "unemployment", "work_injury"),
    "public_institution": ("employee_pension", "employee_medical", "unemployment", "work_injury"),
    "platform": ("work_injury",),  # platforms carry occupational injury; the rest is the rider's
    "flexible": (),  # flexible workers enrol themselves, as individuals
}
EMPLOYER_REQUIRED = frozenset({"enterprise_employee", "public_institution"})
NO_EMPLOYER = frozenset({"flexible", "resident"})


def _today() -> date:
    return date.today()


def in_force_between(model: Any, first: date, last: date) -> ColumnElement[bool]:
    """Rows of a dated span (spell, enrollment, membership) overlapping `first`..`last`."""
    return and_(model.start_date <= last, _open_on_or_after(model.end_date, first))


def _open_on_or_after(end_column: Any, day: date) -> ColumnElement[bool]:
    """Rows whose span has not ended before `day` (so they overlap an open span from `day`)."""
    return or_(end_column.is_(None), end_column >= day)


def _require_active(person: Person, field: str = "person_id") -> None:
    if person.status == "deceased":
        raise InputError(field, f"died on {person.death_date}: a deceased person cannot be added")
    if person.status == "duplicate":
        raise InputError(
            field, f"is a duplicate of person {person.duplicate_of_id}: use that record"
        )


def _not_before_birth(person: Person, day: date, field: str) -> None:
    if day < person.birth_date:
        raise InputError(field, f"{day} is before the birth date {person.birth_date}")


def _not_in_future(day: date, field: str) -> None:
    if day > _today():
        raise InputError(field, f"{day} is in the future: record it when it has happened")


def _end_span(row: Any, end_date: date, reason: str, field: str = "end_date") -> None:
    if row.end_date is not None:
        raise InputError(field, f"already ended on {row.end_date}")
    if end_date < row.start_date:
        raise InputError(field, f"{end_date} is before the start date {row.start_date}")
    row.end_date = end_date
    row.end_reason = reason


# --- persons ------------------------------------------------------------------------------


def register_person(db: Session, user: User, data: PersonCreate) -> Person:
    """Register a person; birth date and sex are read from the identity number, not asked.

    An identity number already registered is refused. A person with the same name and birth
    date as someone registered in the same hukou or residence county is registered all the
    same, with an open `DuplicateReview` for a clerk: never silently merged.
    """
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
    queue_near_duplicates(db, person)
    return person


def queue_near_duplicates(db: Session, person: Person) -> list[DuplicateReview]:
    """Open a review against each person with the same name and birth date registered in
    the new person's hukou or residence county."""
    counties = {person.hukou_region, person.residence_region}
    candidates = db.scalars(
        select(Person)
        .where(
            Person.id != person.id,
            Person.name == person.name,
            Person.birth_date == person.birth_date,
            or_(Person.hukou_region.in_(counties), Person.residence_region.in_(counties)),
        )
        .order_by(Person.id)
    )
    reviews = []
    for candidate in candidates:
        shared = sorted(counties & {candidate.hukou_region, candidate.residence_region})
        reviews.append(
            DuplicateReview(
                person_id=person.id,
                candidate_person_id=candidate.id,
                reason=f"same name, birth date {person.birth_date} and county {shared[0]}",
            )
        )
    db.add_all(reviews)
    db.flush()
    return reviews


def get_person(db: Session, user: User, person_id: int) -> Person:
    return person_for(db, user, person_id, "person.read")


MIN_REASON = 5


def reveal_identity_number(db: Session, user: User, person_id: int, reason: str) -> str:
    """The full identity number, for a member of staff who gives a reason; the reveal is an
    audit entry written with the transaction (the caller commits)."""
    require(user, "person.reveal")
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise InputError("reason", f"say why the full number is needed ({MIN_REASON} characters "
                                   "or more): the reason is kept in the audit trail")
    person = person_for(db, user, person_id, "person.reveal")
    audit.record(db, "read", "persons.identity_number", person.id, reason=reason)
    return person.identity_number


def _record_change(
    db: Session, user: User, person: Person, field: str, new: object, effective: date,
    reason: str | None,
) -> None:
    old = getattr(person, field)
    if old == new:
        return
    db.add(
        PersonChange(
            person_id=person.id, field=field,
            old_value=None if old is None else str(old),
            new_value=None if new is None else str(new),
            effective_date=effective, actor_user_id=user.id, reason=reason,
        )
    )
    setattr(person, field, new)


def move_record(
    db: Session, user: User, person: Person, region: str, effective: date, reason: str
) -> None:
    """The office keeping a person's record changes (a transfer was received there); the
    change leaves a history row like any other. The caller has checked the user's reach."""
    _record_change(db, user, person, "residence_region", region, effective, reason)


def update_person(db: Session, user: User, person_id: int, data: PersonUpdate) -> Person:
    """Change a person's details; each changed field leaves one history row."""
    person = person_for(db, user, person_id, "person.write")
    if person.status == "duplicate":
        raise InputError("person_id", f"is a duplicate of person {person.duplicate_of_id}")
    changes = data.model_dump(exclude_unset=True, exclude={"effective_date", "reason"})
    effective = data.effective_date or _today()
    _not_in_future(effective, "effective_date")
    _not_before_birth(person, effective, "effective_date")
    for field in ("name", "hukou_region", "residence_region"):
        if field in changes and changes[field] is None:
            raise InputError(field, "cannot be emptied")
    if "residence_region" in changes and not may_reach_region(user, changes["residence_region"]):
        raise InputError("residence_region", "is outside the region your account serves")
    for field, value in changes.items():
        _record_change(db, user, person, field, value, effective, data.reason)
    db.flush()
    return person


def record_death(db: Session, user: User, person_id: int, data: DeathRecord) -> Person:
    """Record a death: open enrollments, employment spells and household memberships end on
    the death date (reason "death"), and the record can no longer be enrolled."""
    person = person_for(db, user, person_id, "person.write")
    if person.status == "deceased":
        raise InputError("death_date", f"a death on {person.death_date} is already recorded")
    _require_active(person)
    _not_in_future(data.death_date, "death_date")
    _not_before_birth(person, data.death_date, "death_date")
    spans: list[Any] = []
    for model in (Enrollment, EmploymentSpell, HouseholdMember):
        spans.extend(
            db.scalars(
                select(model).where(
                    model.person_id == person.id, _open_on_or_after(model.end_date, data.death_date)
                )
            )
        )
    for span in spans:
        if span.start_date > data.death_date:
            raise InputError(
                "death_date",
                f"is before the start ({span.start_date}) of {span.__tablename__} {span.id}",
            )
    for span in spans:
        span.end_date = data.death_date
        span.end_reason = "death"
    _record_change(db, user, person, "status", "deceased", data.death_date, data.reason)
    _record_change(db, user, person, "death_date", data.death_date, data.death_date, data.reason)
    db.flush()
    return person


def person_history(db: Session, user: User, person_id: int) -> list[PersonChange]:
    """Every recorded change to a person, oldest effective date first."""
    person = person_for(db, user, person_id, "person.history")
    return list(
        db.scalars(
            select(PersonChange)
            .where(PersonChange.person_id == person.id)
            .order_by(PersonChange.effective_date, PersonChange.id)
        )
    )


def person_as_of(db: Session, user: User, person_id: int, on: date) -> dict[str, str | None]:
    """The person's changeable fields as they stood on `on`, undoing later changes."""
    person = person_for(db, user, person_id, "person.history")
    fields = ("name", "hukou_region", "residence_region", "phone", "status", "death_date")
    state = {f: None if getattr(person, f) is None else str(getattr(person, f)) for f in fields}
    later = db.scalars(
        select(PersonChange)
        .where(PersonChange.person_id == person.id, PersonChange.effective_date > on)
        .order_by(PersonChange.effective_date.desc(), PersonChange.id.desc())
    )
    for change in later:
        if change.field in state:
            state[change.field] = change.old_value
    return state


def search_persons(db: Session, user: User, text: str | None) -> list[Person]:
    """Persons within reach whose name starts with `text`, whose identity number is `text`
    (a full number), or ends with it (the last 1 to 4 characters, the part the masked form
    shows: the rest is sealed, registry/sealed.py)."""
    require(user, "person.read")
    query = scoped_persons(user).order_by(Person.id).limit(SEARCH_LIMIT)
    text = (text or "").strip()
    if text:
        number = (Person.identity_number == text if len(text) == RESIDENT_ID_LENGTH
                  else Person.identity_number.endswith(text) if len(text) <= 4 else None)
        query = query.where(Person.name.startswith(text) if number is None
                            else or_(Person.name.startswith(text), number))
    return list(db.scalars(query))


# --- duplicate reviews --------------------------------------------------------------------


def open_reviews(db: Session, user: User) -> list[DuplicateReview]:
    """Open near-duplicate reviews whose newly registered person is within reach."""
    require(user, "review.read")
    within = scoped_persons(user).with_only_columns(Person.id)
    return list(
        db.scalars(
            select(DuplicateReview)
            .where(DuplicateReview.status == "open", DuplicateReview.person_id.in_(within))
            .order_by(DuplicateReview.id)
            .limit(LIST_LIMIT)
        )
    )


def duplicate_reviews_of(db: Session, person_id: int) -> list[DuplicateReview]:
    return list(
        db.scalars(
            select(DuplicateReview)
            .where(DuplicateReview.person_id == person_id)
            .order_by(DuplicateReview.id)
        )
    )


def resolve_review(db: Session, user: User, review_id: int, data: ReviewResolve) -> DuplicateReview:
    """A clerk's decision: two distinct persons, or the same person registered twice.

    "same_person" retires the newer record (status "duplicate", pointing to the older one); it
    is refused while the newer record still has open enrollments, spells or memberships.
    """
    require(user, "review.resolve")
    review = db.get(DuplicateReview, review_id)
    person = db.get(Person, review.person_id) if review is not None else None
    if review is None or person is None or not may_reach_person(user, person, db):
        raise NotFound(f"review {review_id}")
    if review.status != "open":
        raise InputError("status", f"the review was already resolved as {review.status}")
    if data.status == "same_person":
        for model in (Enrollment, EmploymentSpell, HouseholdMember):
            still_open = db.scalar(
                select(model.id).where(model.person_id == person.id, model.end_date.is_(None))
            )
            if still_open is not None:
                raise InputError(
                    "status",
                    f"person {person.id} still has an open {model.__tablename__} row "
                    f"({still_open}): end it before retiring the record",
                )
        today = _today()
        note = data.note or f"duplicate review {review.id}"
        _record_change(db, user, person, "duplicate_of_id", review.candidate_person_id, today, note)
        _record_change(db, user, person, "status", "duplicate", today, note)
    review.status = data.status
    review.note = data.note
    review.resolved_by = user.id
    review.resolved_at = utcnow()
    db.flush()
    return review


# --- households ---------------------------------------------------------------------------


def _check_not_in_a_household(db: Session, person: Person, start: date, field: str) -> None:
    current = db.scalar(
        select(HouseholdMember).where(
            HouseholdMember.person_id == person.id,
            _open_on_or_after(HouseholdMember.end_date, start),
        )
    )
    if current is not None:
        raise InputError(
            field,
            f"person {person.id} is in household {current.household_id} from "
            f"{current.start_date}: end that membership first",
        )


def _add_membership(
    db: Session, household: Household, person: Person, relationship: str, start: date,
    field: str,
) -> HouseholdMember:
    _require_active(person, field)
    _not_before_birth(person, start, "start_date")
    _check_not_in_a_household(db, person, start, field)
    if relationship == "head":
        head = db.scalar(
            select(HouseholdMember.id).where(
                HouseholdMember.household_id == household.id,
                HouseholdMember.relationship == "head",
                _open_on_or_after(HouseholdMember.end_date, start),
            )
        )
        if head is not None:
            raise InputError("relationship", f"the household already has a head (member {head})")
    member = HouseholdMember(
        household_id=household.id, person_id=person.id, relationship=relationship,
        start_date=start,
    )
    db.add(member)
    db.flush()
    return member


def create_household(db: Session, user: User, data: HouseholdCreate) -> Household:
    """A household registered in `region_code`, with its head as the first member."""
    require(user, "household.write")
    if not may_reach_region(user, data.region_code):
        raise InputError("region_code", "is outside the region your account serves")
    head = person_for(db, user, data.head_person_id, "household.write")
    household = Household(region_code=data.region_code, address=data.address)
    db.add(household)
    db.flush()
    _add_membership(db, household, head, "head", data.start_date, "head_person_id")
    return household


def get_household(db: Session, user: User, household_id: int) -> Household:
    return household_for(db, user, household_id, "household.read")


def household_members(db: Session, household: Household) -> list[tuple[HouseholdMember, Person]]:
    """Every membership of the household, past and present, with its person."""
    rows = db.execute(
        select(HouseholdMember, Person)
        .join(Person, Person.id == HouseholdMember.person_id)
        .where(HouseholdMember.household_id == household.id)
        .order_by(HouseholdMember.start_date, HouseholdMember.id)
    )
    return [(m, p) for m, p in rows]


def add_member(db: Session, user: User, household_id: int, data: MemberAdd) -> HouseholdMember:
    household = household_for(db, user, household_id, "household.write")
    person = person_for(db, user, data.person_id, "household.write")
    return _add_membership(db, household, person, data.relationship, data.start_date, "person_id")


def end_membership(
    db: Session, user: User, household_id: int, member_id: int, data: MembershipEnd
) -> HouseholdMember:
    household = household_for(db, user, household_id, "household.write")
    member = db.get(HouseholdMember, member_id)
    if member is None or member.household_id != household.id:
        raise NotFound(f"member {member_id}")
    _end_span(member, data.end_date, data.reason)
    db.flush()
    return member


def household_of(
    db: Session, user: User, person_id: int, on: date | None = None
) -> Household | None:
    """The household the person belongs to on `on` (default today), or None."""
    person = person_for(db, user, person_id, "household.read")
    on = on or _today()
    return db.scalar(
        select(Household)
        .join(HouseholdMember, HouseholdMember.household_id == Household.id)
        .where(
            HouseholdMember.person_id == person.id,
            HouseholdMember.start_date <= on,
            _open_on_or_after(HouseholdMember.end_date, on),
        )
    )


# --- employers ----------------------------------------------------------------------------


def register_employer(db: Session, user: User, data: EmployerCreate) -> Employer:
    """Register an employer: a valid, new credit code, in a region the clerk serves."""
    require(user, "employer.write")
    code = parse_credit_code(data.credit_code).code
    if not may_reach_region(user, data.region_code):
        raise InputError("region_code", "is outside the region your account serves")
    if db.scalar(select(Employer.id).where(Employer.credit_code == code)):
        raise InputError("credit_code", "is already registered: one employer, one record")
    injury_class = data.injury_class or injury_class_of(data.industry)
    if injury_class is None:
        raise InputError(
            "injury_class", f"is needed: industry {data.industry!r} has no class on file"
        )
    if data.legal_representative_person_id is not None:
        representative = person_for(db, user, data.legal_representative_person_id, "person.read")
        _require_active(representative, "legal_representative_person_id")
    employer = Employer(
        credit_code=code, name=data.name, region_code=data.region_code,
        industry=data.industry.strip(), injury_class=injury_class, size=data.size,
        category=data.category,
        is_public_body=data.category in ("public_institution", "government"),
        legal_representative_person_id=data.legal_representative_person_id,
    )
    db.add(employer)
    db.flush()
    return employer


def get_employer(db: Session, user: User, employer_id: int) -> Employer:
    return employer_for(db, user, employer_id, "employer.read")


def list_employers(db: Session, user: User, text: str | None = None) -> list[Employer]:
    """Employers within reach, optionally those whose name starts with `text`."""
    require(user, "employer.read")
    query = scoped_employers(user).order_by(Employer.id).limit(LIST_LIMIT)
    if text:
        query = query.where(Employer.name.startswith(text))
    return list(db.scalars(query))


# --- employment ---------------------------------------------------------------------------


def _check_employer_category(category: str, employer: Employer, field: str = "category") -> None:
    allowed = EMPLOYERS_FOR_CATEGORY.get(category)
    if allowed is not None and employer.category not in allowed:
        raise InputError(
            field, f"a {category} worker cannot work for an employer of category "
            f"{employer.category}",
        )


def start_employment(
    db: Session, user: User, data: EmploymentStart
) -> tuple[EmploymentSpell, list[Enrollment]]:
    """Record that a person works for an employer from `start_date` at a monthly wage, and
    (unless `enroll` is false) enrol them in the schemes their category carries, where the
    employer is. The clerk must reach both the person and the employer."""
    require(user, "employment.write")
    person = person_for(db, user, data.person_id, "employment.write")
    employer = employer_for(db, user, data.employer_id, "employment.write")
    _require_active(person)
    _not_before_birth(person, data.start_date, "start_date")
    if parse_resident_id(person.identity_number).age_on(data.start_date) < WORKING_AGE:
        raise InputError("start_date", f"the person is under {WORKING_AGE} on {data.start_date}")
    _check_employer_category(data.category, employer)
    clash = db.scalar(
        select(EmploymentSpell).where(
            EmploymentSpell.person_id == person.id,
            EmploymentSpell.employer_id == employer.id,
            _open_on_or_after(EmploymentSpell.end_date, data.start_date),
        )
    )
    if clash is not None:
        raise InputError(
            "start_date",
            f"overlaps employment {clash.id} at this employer (from {clash.start_date})",
        )
    spell = EmploymentSpell(
        person_id=person.id, employer_id=employer.id, category=data.category,
        start_date=data.start_date, monthly_wage_fen=data.monthly_wage_fen,
    )
    db.add(spell)
    db.flush()
    enrollments: list[Enrollment] = []
    if data.enroll:
        for scheme in SCHEMES_FOR_EMPLOYMENT[data.category]:
            made = _enroll_for_employment(db, person, employer, scheme, data.category,
                                          data.start_date)
            if made is not None:
                enrollments.append(made)
    return spell, enrollments


def _enroll_for_employment(
    db: Session, person: Person, employer: Employer, scheme: str, category: str, start: date
) -> Enrollment | None:
    """Enrol for a new employment unless already covered; a resident scheme the person is in
    gives way to the employee scheme (ending the day before)."""
    same = select(Enrollment).where(
        Enrollment.person_id == person.id,
        Enrollment.scheme == scheme,
        _open_on_or_after(Enrollment.end_date, start),
    )
    if scheme == "work_injury":
        same = same.where(Enrollment.employer_id == employer.id)
    if db.scalar(same) is not None:
        return None
    counterpart = EXCLUSIVE_SCHEMES.get(scheme)
    if counterpart is not None:
        for resident in db.scalars(
            select(Enrollment).where(
                Enrollment.person_id == person.id,
                Enrollment.scheme == counterpart,
                _open_on_or_after(Enrollment.end_date, start),
            )
        ):
            if resident.start_date >= start:
                raise InputError(
                    "start_date",
                    f"enrollment {resident.id} in {counterpart} starts on {resident.start_date}: "
                    f"end it before employment starts",
                )
            resident.end_date = date.fromordinal(start.toordinal() - 1)
            resident.end_reason = "employee_scheme"
    enrollment = Enrollment(
        person_id=person.id, scheme=scheme, category=category, region_code=employer.region_code,
        employer_id=employer.id, start_date=start,
    )
    db.add(enrollment)
    db.flush()
    return enrollment


def _spell_for(db: Session, user: User, spell_id: int, permission: str) -> EmploymentSpell:
    require(user, permission)
    spell = db.get(EmploymentSpell, spell_id)
    if spell is None:
        raise NotFound(f"employment {spell_id}")
    person = db.get(Person, spell.person_id)
    employer = db.get(Employer, spell.employer_id)
    assert person is not None and employer is not None
    if not (may_reach_person(user, person, db) or may_reach_employer(user, employer)):
        raise NotFound(f"employment {spell_id}")
    return spell


def end_employment(db: Session, user: User, spell_id: int, data: EmploymentEnd) -> EmploymentSpell:
    """End a spell on `end_date`; the enrollments it carried (those naming its employer) end
    the same day unless `end_enrollments` is false."""
    spell = _spell_for(db, user, spell_id, "employment.write")
    _end_span(spell, data.end_date, data.reason)
    if data.end_enrollments:
        for enrollment in db.scalars(
            select(Enrollment).where(
                Enrollment.person_id == spell.person_id,
                Enrollment.employer_id == spell.employer_id,
                Enrollment.start_date <= data.end_date,
                _open_on_or_after(Enrollment.end_date, data.end_date),
            )
        ):
            enrollment.end_date = data.end_date
            enrollment.end_reason = "employment_ended"
    db.flush()
    return spell


def employment_of_person(db: Session, user: User, person_id: int) -> list[EmploymentSpell]:
    person = person_for(db, user, person_id, "employment.read")
    query = select(EmploymentSpell).where(EmploymentSpell.person_id == person.id)
    if user.role == "employer":  # an employer sees only its own spells
        query = query.where(EmploymentSpell.employer_id == (user.employer_id or -1))
    return list(db.scalars(query.order_by(EmploymentSpell.start_date, EmploymentSpell.id)))


def employment_at_employer(
    db: Session, user: User, employer_id: int, *, open_only: bool = False
) -> list[EmploymentSpell]:
    employer = employer_for(db, user, employer_id, "employment.read")
    query = select(EmploymentSpell).where(EmploymentSpell.employer_id == employer.id)
    if open_only:
        query = query.where(_open_on_or_after(EmploymentSpell.end_date, _today()))
    return list(db.scalars(query.order_by(EmploymentSpell.start_date, EmploymentSpell.id)))


# --- enrollment ---------------------------------------------------------------------------


def check_enrollment(
    db: Session, person: Person, scheme: str, category: str, region_code: str,
    employer: Employer | None, start: date,
) -> None:
    """The enrollment rules, each refusal naming its field."""
    _require_active(person)
    _not_before_birth(person, start, "start_date")
    if category not in CATEGORIES_FOR_SCHEME[scheme]:
        allowed = ", ".join(sorted(CATEGORIES_FOR_SCHEME[scheme]))
        raise InputError("category", f"{scheme} is open to {allowed}, not {category}")
    if category in EMPLOYER_REQUIRED and employer is None:
        raise InputError("employer_id", f"is required for category {category}")
    if category in NO_EMPLOYER and employer is not None:
        raise InputError(
            "employer_id", f"must be empty: category {category} enrols as an individual"
        )
    if category == "platform" and scheme == "work_injury" and employer is None:
        raise InputError("employer_id", "is required: the platform carries its riders' work injury")
    if category == "resident" and not (
        is_within(person.hukou_region, region_code)
        or is_within(person.residence_region, region_code)
    ):
        raise InputError(
            "region_code",
            f"a resident enrols where their hukou ({person.hukou_region}) or residence "
            f"({person.residence_region}) is",
        )
    if employer is not None:
        _check_employer_category(category, employer)
        if region_code[:2] != employer.region_code[:2]:
            raise InputError(
                "region_code", f"an employee enrols in the employer's province "
                f"({employer.region_code[:2]}0000)",
            )
        working = db.scalar(
            select(EmploymentSpell.id).where(
                EmploymentSpell.person_id == person.id,
                EmploymentSpell.employer_id == employer.id,
                EmploymentSpell.start_date <= start,
                _open_on_or_after(EmploymentSpell.end_date, start),
            )
        )
        if working is None:
            raise InputError("employer_id", f"the person does not work there on {start}")
    # Platform and flexible workers enrol where they work: no hukou condition.
    same = select(Enrollment).where(
        Enrollment.person_id == person.id,
        Enrollment.scheme == scheme,
        _open_on_or_after(Enrollment.end_date, start),
    )
    if scheme == "work_injury":
        same = same.where(Enrollment.employer_id == (employer.id if employer else None))
    existing = db.scalar(same)
    if existing is not None:
        raise InputError(
            "scheme", f"already enrolled in {scheme} from {existing.start_date} "
            f"(enrollment {existing.id})",
        )
    counterpart = EXCLUSIVE_SCHEMES.get(scheme)
    if counterpart is not None:
        other = db.scalar(
            select(Enrollment).where(
                Enrollment.person_id == person.id,
                Enrollment.scheme == counterpart,
                _open_on_or_after(Enrollment.end_date, start),
            )
        )
        if other is not None:
            raise InputError(
                "scheme", f"{scheme} and {counterpart} are never both open: enrollment "
                f"{other.id} in {counterpart} runs from {other.start_date}",
            )


def enroll(db: Session, user: User, data: EnrollmentCreate) -> Enrollment:
    require(user, "enrollment.write")
    person = person_for(db, user, data.person_id, "enrollment.write")
    employer = (
        employer_for(db, user, data.employer_id, "enrollment.write")
        if data.employer_id is not None else None
    )
    if not may_reach_region(user, data.region_code):
        raise InputError("region_code", "is outside the region your account serves")
    check_enrollment(db, person, data.scheme, data.category, data.region_code, employer,
                     data.start_date)
    enrollment = Enrollment(
        person_id=person.id, scheme=data.scheme, category=data.category,
        region_code=data.region_code, employer_id=employer.id if employer else None,
        start_date=data.start_date,
    )
    db.add(enrollment)
    db.flush()
    return enrollment


def end_enrollment(db: Session, user: User, enrollment_id: int, data: EnrollmentEnd) -> Enrollment:
    require(user, "enrollment.write")
    enrollment = db.get(Enrollment, enrollment_id)
    if enrollment is None:
        raise NotFound(f"enrollment {enrollment_id}")
    person_for(db, user, enrollment.person_id, "enrollment.write")
    _end_span(enrollment, data.end_date, data.reason)
    db.flush()
    return enrollment


def enrollments_of(db: Session, user: User, person_id: int) -> list[Enrollment]:
    """A person's enrollments; an employer sees only those naming it."""
    person = person_for(db, user, person_id, "enrollment.read")
    query = select(Enrollment).where(Enrollment.person_id == person.id)
    if user.role == "employer":
        query = query.where(Enrollment.employer_id == (user.employer_id or -1))
    return list(db.scalars(query.order_by(Enrollment.start_date, Enrollment.id)))
