"""Registry request and response shapes; identity numbers leave the server masked."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from shebao.registry.identifiers import mask_credit_code, mask_resident_id, parse_resident_id
from shebao.registry.regions import get_region


def _identity_number(value: str) -> str:
    return parse_resident_id(value).number


def _region_code(value: str) -> str:
    return get_region(value).code


IdentityNumber = Annotated[str, AfterValidator(_identity_number)]
RegionCode = Annotated[str, AfterValidator(_region_code)]


class PersonCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    identity_number: IdentityNumber
    name: str = Field(min_length=1, max_length=64)
    hukou_region: RegionCode
    residence_region: RegionCode
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 -]{5,20}$")


class PersonUpdate(BaseModel):
    """A correction or a change of circumstances; each changed field leaves a history row."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=64)
    hukou_region: RegionCode | None = None
    residence_region: RegionCode | None = None
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 -]{5,20}$")
    # When the change took effect (default: today); never in the future.
    effective_date: date | None = None
    reason: str | None = Field(default=None, max_length=200)


class DeathRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    death_date: date
    reason: str | None = Field(default=None, max_length=200)


class PersonOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    identity_number_masked: str
    name: str
    sex: str
    birth_date: date
    hukou_region: str
    residence_region: str
    status: str
    death_date: date | None = None

    @classmethod
    def of(cls, person: object) -> PersonOut:
        data = {k: getattr(person, k) for k in cls.model_fields if k != "identity_number_masked"}
        return cls(
            identity_number_masked=mask_resident_id(person.identity_number),  # type: ignore[attr-defined]
            **data,
        )


class RevealRequest(BaseModel):
    reason: str = Field(max_length=500, description="Why the full number is needed (kept in the "
                                                    "audit trail).")


class Revealed(BaseModel):
    person_id: int
    identity_number: str


class PersonRegistered(PersonOut):
    """A new person, with the near-duplicate reviews their registration opened."""

    duplicate_review_ids: list[int] = []


class PersonChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    field: str
    old_value: str | None
    new_value: str | None
    effective_date: date
    recorded_at: datetime
    actor_user_id: int | None
    reason: str | None


Relationship = Literal["head", "spouse", "child", "parent", "sibling", "grandchild", "other"]
EmployerCategory = Literal[
    "enterprise", "public_institution", "government", "platform", "individual_business"
]
WorkerCategory = Literal["enterprise_employee", "public_institution", "flexible", "platform"]
Scheme = Literal[
    "employee_pension", "resident_pension", "employee_medical", "resident_medical",
    "unemployment", "work_injury",
]
EnrollmentCategory = Literal[
    "enterprise_employee", "public_institution", "flexible", "platform", "resident"
]


class HouseholdCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    region_code: RegionCode
    head_person_id: int
    start_date: date
    address: str | None = Field(default=None, max_length=200)


class MemberAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: int
    relationship: Relationship
    start_date: date


class MembershipEnd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    end_date: date
    reason: str = Field(default="left", min_length=1, max_length=24)


class MemberOut(BaseModel):
    id: int
    person: PersonOut
    relationship: str
    start_date: date
    end_date: date | None
    end_reason: str | None


class HouseholdOut(BaseModel):
    id: int
    region_code: str
    address: str | None
    members: list[MemberOut]


class EmployerCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    credit_code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=128)
    region_code: RegionCode
    industry: str = Field(min_length=1, max_length=64)
    # Read from the industry when left out (registry.industries); 1..8.
    injury_class: int | None = Field(default=None, ge=1, le=8)
    size: Literal["micro", "small", "medium", "large"]
    category: EmployerCategory = "enterprise"
    legal_representative_person_id: int | None = None


class EmployerOut(BaseModel):
    id: int
    credit_code_masked: str
    name: str
    region_code: str
    industry: str
    injury_class: int
    size: str
    category: str
    legal_representative_person_id: int | None

    @classmethod
    def of(cls, employer: object) -> EmployerOut:
        data = {k: getattr(employer, k) for k in cls.model_fields if k != "credit_code_masked"}
        return cls(
            credit_code_masked=mask_credit_code(employer.credit_code),  # type: ignore[attr-defined]
            **data,
        )


class EmploymentStart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: int
    employer_id: int
    category: WorkerCategory = "enterprise_employee"
    start_date: date
    monthly_wage_fen: int = Field(ge=0, le=10**12)
    # Enrol the worker in the schemes their category carries, where the employer is.
    enroll: bool = True


class EmploymentEnd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    end_date: date
    reason: str = Field(default="left", min_length=1, max_length=24)
    # End the enrollments this employment carried (those with this employer) on the same day.
    end_enrollments: bool = True


class SpellOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: int
    employer_id: int
    category: str
    start_date: date
    end_date: date | None
    end_reason: str | None
    monthly_wage_fen: int


class EnrollmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: int
    scheme: Scheme
    category: EnrollmentCategory
    region_code: RegionCode
    employer_id: int | None = None
    start_date: date


class EnrollmentEnd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    end_date: date
    reason: str = Field(default="ended", min_length=1, max_length=24)


class EnrollmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: int
    scheme: str
    category: str
    region_code: str
    employer_id: int | None
    start_date: date
    end_date: date | None
    end_reason: str | None


class EmploymentStarted(BaseModel):
    spell: SpellOut
    enrollments: list[EnrollmentOut]


class ReviewResolve(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["distinct", "same_person"]
    note: str | None = Field(default=None, max_length=500)


class ReviewOut(BaseModel):
    id: int
    person: PersonOut
    candidate: PersonOut
    reason: str
    status: str
    resolved_by: int | None
    resolved_at: datetime | None
    note: str | None
    created_at: datetime


class RegionOut(BaseModel):
    code: str
    name_zh: str
    name_en: str
    level: str
    parent_code: str | None


class IdentifierCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")

    value: str = Field(min_length=1, max_length=32)
