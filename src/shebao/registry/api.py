"""Registry endpoints: persons and their history, households, employers, employment,
enrollments, near-duplicate reviews, and regions. Writes commit before they answer."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from shebao.api.deps import CurrentUser, Db, WriteDb
from shebao.registry import service
from shebao.registry.identifiers import describe
from shebao.registry.models import DuplicateReview, Household, Person
from shebao.registry.regions import children, get_region, provinces
from shebao.registry.schemas import (
    DeathRecord,
    EmployerCreate,
    EmployerOut,
    EmploymentEnd,
    EmploymentStart,
    EmploymentStarted,
    EnrollmentCreate,
    EnrollmentEnd,
    EnrollmentOut,
    HouseholdCreate,
    HouseholdOut,
    IdentifierCheck,
    MemberAdd,
    MemberOut,
    MembershipEnd,
    PersonChangeOut,
    PersonCreate,
    PersonOut,
    PersonRegistered,
    PersonUpdate,
    RegionOut,
    Revealed,
    RevealRequest,
    ReviewOut,
    ReviewResolve,
    SpellOut,
)

router = APIRouter(prefix="/api/v1", tags=["registry"])


@router.post("/persons", status_code=201)
def register_person(data: PersonCreate, user: CurrentUser, db: Db) -> PersonRegistered:
    person = service.register_person(db, user, data)
    reviews = [r.id for r in service.duplicate_reviews_of(db, person.id)]
    db.commit()
    return PersonRegistered(**PersonOut.of(person).model_dump(), duplicate_review_ids=reviews)


@router.get("/persons")
def search_persons(
    user: CurrentUser, db: Db, q: str | None = Query(default=None, max_length=64)
) -> list[PersonOut]:
    return [PersonOut.of(p) for p in service.search_persons(db, user, q)]


@router.get("/persons/{person_id}")
def get_person(person_id: int, user: CurrentUser, db: Db) -> PersonOut:
    return PersonOut.of(service.get_person(db, user, person_id))


@router.post("/persons/{person_id}/reveal")
def reveal_identity_number(
    person_id: int, data: RevealRequest, user: CurrentUser, db: WriteDb
) -> Revealed:
    """The full identity number, with a reason that the audit trail keeps."""
    number = service.reveal_identity_number(db, user, person_id, data.reason)
    db.commit()
    return Revealed(person_id=person_id, identity_number=number)


@router.patch("/persons/{person_id}")
def update_person(person_id: int, data: PersonUpdate, user: CurrentUser, db: Db) -> PersonOut:
    person = service.update_person(db, user, person_id, data)
    db.commit()
    return PersonOut.of(person)


@router.post("/persons/{person_id}/death")
def record_death(person_id: int, data: DeathRecord, user: CurrentUser, db: Db) -> PersonOut:
    person = service.record_death(db, user, person_id, data)
    db.commit()
    return PersonOut.of(person)


@router.get("/persons/{person_id}/history")
def person_history(person_id: int, user: CurrentUser, db: Db) -> list[PersonChangeOut]:
    return [PersonChangeOut.model_validate(c) for c in service.person_history(db, user, person_id)]


# --- households


def _household_out(db: Session, household: Household) -> HouseholdOut:
    members = [
        MemberOut(
            id=m.id, person=PersonOut.of(p), relationship=m.relationship,
            start_date=m.start_date, end_date=m.end_date, end_reason=m.end_reason,
        )
        for m, p in service.household_members(db, household)
    ]
    return HouseholdOut(
        id=household.id, region_code=household.region_code, address=household.address,
        members=members,
    )


@router.post("/households", status_code=201)
def create_household(data: HouseholdCreate, user: CurrentUser, db: Db) -> HouseholdOut:
    household = service.create_household(db, user, data)
    out = _household_out(db, household)
    db.commit()
    return out


@router.get("/households/{household_id}")
def get_household(household_id: int, user: CurrentUser, db: Db) -> HouseholdOut:
    return _household_out(db, service.get_household(db, user, household_id))


@router.post("/households/{household_id}/members", status_code=201)
def add_member(household_id: int, data: MemberAdd, user: CurrentUser, db: Db) -> HouseholdOut:
    service.add_member(db, user, household_id, data)
    out = _household_out(db, service.get_household(db, user, household_id))
    db.commit()
    return out


@router.post("/households/{household_id}/members/{member_id}/end")
def end_membership(
    household_id: int, member_id: int, data: MembershipEnd, user: CurrentUser, db: Db
) -> HouseholdOut:
    service.end_membership(db, user, household_id, member_id, data)
    household = db.get(Household, household_id)
    assert household is not None
    out = _household_out(db, household)
    db.commit()
    return out


@router.get("/persons/{person_id}/household")
def household_of(
    person_id: int, user: CurrentUser, db: Db, on: date | None = None
) -> HouseholdOut | None:
    household = service.household_of(db, user, person_id, on)
    return None if household is None else _household_out(db, household)


# --- employers


@router.post("/employers", status_code=201)
def register_employer(data: EmployerCreate, user: CurrentUser, db: Db) -> EmployerOut:
    employer = service.register_employer(db, user, data)
    db.commit()
    return EmployerOut.of(employer)


@router.get("/employers")
def list_employers(
    user: CurrentUser, db: Db, q: str | None = Query(default=None, max_length=64)
) -> list[EmployerOut]:
    return [EmployerOut.of(e) for e in service.list_employers(db, user, q)]


@router.get("/employers/{employer_id}")
def get_employer(employer_id: int, user: CurrentUser, db: Db) -> EmployerOut:
    return EmployerOut.of(service.get_employer(db, user, employer_id))


# --- employment


@router.post("/employment", status_code=201)
def start_employment(data: EmploymentStart, user: CurrentUser, db: Db) -> EmploymentStarted:
    spell, enrollments = service.start_employment(db, user, data)
    db.commit()
    return EmploymentStarted(
        spell=SpellOut.model_validate(spell),
        enrollments=[EnrollmentOut.model_validate(e) for e in enrollments],
    )


@router.post("/employment/{spell_id}/end")
def end_employment(spell_id: int, data: EmploymentEnd, user: CurrentUser, db: Db) -> SpellOut:
    spell = service.end_employment(db, user, spell_id, data)
    db.commit()
    return SpellOut.model_validate(spell)


@router.get("/persons/{person_id}/employment")
def employment_of_person(person_id: int, user: CurrentUser, db: Db) -> list[SpellOut]:
    return [SpellOut.model_validate(s) for s in service.employment_of_person(db, user, person_id)]


@router.get("/employers/{employer_id}/employment")
def employment_at_employer(
    employer_id: int, user: CurrentUser, db: Db, open_only: bool = False
) -> list[SpellOut]:
    spells = service.employment_at_employer(db, user, employer_id, open_only=open_only)
    return [SpellOut.model_validate(s) for s in spells]


# --- enrollments


@router.post("/enrollments", status_code=201)
def enroll(data: EnrollmentCreate, user: CurrentUser, db: Db) -> EnrollmentOut:
    enrollment = service.enroll(db, user, data)
    db.commit()
    return EnrollmentOut.model_validate(enrollment)


@router.post("/enrollments/{enrollment_id}/end")
def end_enrollment(
    enrollment_id: int, data: EnrollmentEnd, user: CurrentUser, db: Db
) -> EnrollmentOut:
    enrollment = service.end_enrollment(db, user, enrollment_id, data)
    db.commit()
    return EnrollmentOut.model_validate(enrollment)


@router.get("/persons/{person_id}/enrollments")
def enrollments_of(person_id: int, user: CurrentUser, db: Db) -> list[EnrollmentOut]:
    return [EnrollmentOut.model_validate(e) for e in service.enrollments_of(db, user, person_id)]


# --- near-duplicate reviews


def _review_out(db: Session, review: DuplicateReview) -> ReviewOut:
    person = db.get(Person, review.person_id)
    candidate = db.get(Person, review.candidate_person_id)
    return ReviewOut(
        id=review.id, person=PersonOut.of(person), candidate=PersonOut.of(candidate),
        reason=review.reason, status=review.status, resolved_by=review.resolved_by,
        resolved_at=review.resolved_at, note=review.note, created_at=review.created_at,
    )


@router.get("/reviews")
def open_reviews(user: CurrentUser, db: Db) -> list[ReviewOut]:
    return [_review_out(db, r) for r in service.open_reviews(db, user)]


@router.post("/reviews/{review_id}/resolve")
def resolve_review(
    review_id: int, data: ReviewResolve, user: CurrentUser, db: Db
) -> ReviewOut:
    review = service.resolve_review(db, user, review_id, data)
    out = _review_out(db, review)
    db.commit()
    return out


def _region_out(code: str) -> RegionOut:
    region = get_region(code)
    return RegionOut(
        code=region.code,
        name_zh=region.name_zh,
        name_en=region.name_en,
        level=region.level,
        parent_code=region.parent_code,
    )


@router.get("/regions")
def list_provinces() -> list[RegionOut]:
    return [_region_out(r.code) for r in provinces()]


@router.get("/regions/{code}")
def region(code: str) -> RegionOut:
    return _region_out(code)


@router.get("/regions/{code}/children")
def region_children(code: str) -> list[RegionOut]:
    get_region(code)
    return [_region_out(r.code) for r in children(code)]


@router.post("/identifiers/check")
def check_identifier(data: IdentifierCheck) -> dict[str, object]:
    """Decode an identity number or credit code, or say why it is refused (in a body, not a URL,
    so that the number stays out of access logs)."""
    return describe(data.value)
