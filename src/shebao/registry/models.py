"""The registry: one record per person nationwide, the households they live in, the employers
who declare them, their employment spells and their enrollment in each scheme.

Dates are inclusive: `end_date` is the last day a membership, spell or enrollment covers, and
`None` means it is still open. Every change to a person leaves a `PersonChange` row.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, validates

from shebao.db.base import Base, TimestampMixin, utcnow
from shebao.registry.identifiers import mask_resident_id
from shebao.registry.sealed import Sealed, SealedLookup, blind_index, seal

PERSON_STATUSES = ("active", "deceased", "duplicate")
EMPLOYER_CATEGORIES = (
    "enterprise", "public_institution", "government", "platform", "individual_business",
)
EMPLOYER_SIZES = ("micro", "small", "medium", "large")
RELATIONSHIPS = ("head", "spouse", "child", "parent", "sibling", "grandchild", "other")
WORKER_CATEGORIES = ("enterprise_employee", "public_institution", "flexible", "platform")
SCHEMES = (
    "employee_pension", "resident_pension", "employee_medical", "resident_medical",
    "unemployment", "work_injury",
)
ENROLLMENT_CATEGORIES = (*WORKER_CATEGORIES, "resident")
REVIEW_STATUSES = ("open", "distinct", "same_person")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


IDENTITY_COLUMN = "persons.identity_number"
"""The name sealed identity numbers are bound to (registry/sealed.py)."""


class Person(TimestampMixin, Base):
    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Sealed at rest (registry/sealed.py): found by its blind index, shown masked.
    identity_number: Mapped[str] = mapped_column(
        "identity_number_sealed",
        SealedLookup(IDENTITY_COLUMN, 18, "identity_number_index",
                     "identity_number_masked"),
        key="identity_number",
    )
    identity_number_index: Mapped[str] = mapped_column(String(64), unique=True)
    identity_number_masked: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(64))
    sex: Mapped[str] = mapped_column(String(6))  # "male" | "female"
    birth_date: Mapped[date] = mapped_column(Date)
    hukou_region: Mapped[str] = mapped_column(String(6), index=True)
    # The county whose office keeps the record: staff scope is checked against it.
    residence_region: Mapped[str] = mapped_column(String(6), index=True)
    phone: Mapped[str | None] = mapped_column(
        "phone_sealed", Sealed("persons.phone", 20), key="phone", default=None)
    # active | deceased | duplicate (a clerk found it to be the same person as duplicate_of_id)
    status: Mapped[str] = mapped_column(String(12), default="active")
    death_date: Mapped[date | None] = mapped_column(Date, default=None)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), default=None)

    @validates("identity_number")
    def _index_identity_number(self, _key: str, number: str) -> str:
        """Keep the blind index and the masked form in step with the number."""
        self.identity_number_index = blind_index(number)
        self.identity_number_masked = mask_resident_id(number)
        return number


def identity_columns(number: str, *, sealed: bool = False) -> dict[str, str]:
    """A person's identity-number columns for writers that bypass the ORM's unit of work, by key:
    the number (sealed by the column's type in an insert statement; `sealed=True` seals it
    here, for COPY into identity_number_sealed), its blind index and its masked form."""
    return {"identity_number": seal(number, IDENTITY_COLUMN) if sealed else number,
            "identity_number_index": blind_index(number),
            "identity_number_masked": mask_resident_id(number)}


class Employer(TimestampMixin, Base):
    __tablename__ = "employers"
    __table_args__ = (CheckConstraint(_one_of("category", EMPLOYER_CATEGORIES), name="category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    industry: Mapped[str] = mapped_column(String(64))
    injury_class: Mapped[int] = mapped_column(default=1)  # work-injury risk class 1..8
    size: Mapped[str] = mapped_column(String(8))  # micro | small | medium | large
    is_public_body: Mapped[bool] = mapped_column(default=False)
    category: Mapped[str] = mapped_column(
        String(24), default="enterprise", server_default="enterprise"
    )
    legal_representative_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("persons.id"), default=None, index=True
    )


class Household(TimestampMixin, Base):
    """A household as assistance sees it: who lives and shares income together."""

    __tablename__ = "households"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The county where the household is registered: staff scope is checked against it.
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    address: Mapped[str | None] = mapped_column(String(200), default=None)


class HouseholdMember(TimestampMixin, Base):
    """A person's membership of a household from `start_date` to `end_date` (inclusive)."""

    __tablename__ = "household_members"
    __table_args__ = (
        CheckConstraint(_one_of("relationship", RELATIONSHIPS), name="relationship"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates"),
        # A person is in at most one household at a time (the service also checks past spans).
        Index(
            "ux_household_members_open_person", "person_id", unique=True,
            sqlite_where=text("end_date IS NULL"), postgresql_where=text("end_date IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    relationship: Mapped[str] = mapped_column(String(12))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, default=None)
    end_reason: Mapped[str | None] = mapped_column(String(24), default=None)


class EmploymentSpell(TimestampMixin, Base):
    """A person working for an employer at a monthly wage; the basis of monthly declarations."""

    __tablename__ = "employment_spells"
    __table_args__ = (
        CheckConstraint(_one_of("category", WORKER_CATEGORIES), name="category"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates"),
        CheckConstraint("monthly_wage_fen >= 0", name="wage"),
        Index(
            "ux_employment_spells_open_person_employer", "person_id", "employer_id", unique=True,
            sqlite_where=text("end_date IS NULL"), postgresql_where=text("end_date IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    category: Mapped[str] = mapped_column(String(24))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, default=None)
    end_reason: Mapped[str | None] = mapped_column(String(24), default=None)
    monthly_wage_fen: Mapped[int] = mapped_column(BigInteger)


class Enrollment(TimestampMixin, Base):
    """A person insured in one scheme, in one pooling region, under one category."""

    __tablename__ = "enrollments"
    __table_args__ = (
        CheckConstraint(_one_of("scheme", SCHEMES), name="scheme"),
        CheckConstraint(_one_of("category", ENROLLMENT_CATEGORIES), name="category"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates"),
        # One open enrollment per scheme, except work injury: one per employer.
        Index(
            "ux_enrollments_open_person_scheme", "person_id", "scheme", unique=True,
            sqlite_where=text("end_date IS NULL AND scheme <> 'work_injury'"),
            postgresql_where=text("end_date IS NULL AND scheme <> 'work_injury'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    scheme: Mapped[str] = mapped_column(String(24))
    category: Mapped[str] = mapped_column(String(24))
    # The county of the agency where the person is enrolled; the pool is the province
    # (pensions, unemployment, work injury) or the city (medical) that contains it.
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    employer_id: Mapped[int | None] = mapped_column(
        ForeignKey("employers.id"), default=None, index=True
    )
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, default=None)
    end_reason: Mapped[str | None] = mapped_column(String(24), default=None)


class PersonChange(Base):
    """One changed field of a person: old and new value, when it took effect, who recorded it."""

    __tablename__ = "person_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    field: Mapped[str] = mapped_column(String(32))
    # Sealed (registry/sealed.py): a change's values are personal data (names, phones).
    old_value: Mapped[str | None] = mapped_column(Sealed("person_changes.old_value", 512))
    new_value: Mapped[str | None] = mapped_column(Sealed("person_changes.new_value", 512))
    effective_date: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    reason: Mapped[str | None] = mapped_column(String(200), default=None)


class DuplicateReview(TimestampMixin, Base):
    """A newly registered person who looks like an existing one, queued for a clerk."""

    __tablename__ = "duplicate_reviews"
    __table_args__ = (CheckConstraint(_one_of("status", REVIEW_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    candidate_person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    reason: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    note: Mapped[str | None] = mapped_column(String(500), default=None)
