"""Hospitals, medical claims with their priced line items and layered settlement, assistance
recipients (a flag until social assistance identifies them) and insurers' consents."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shebao.db.base import Base, TimestampMixin


class Hospital(TimestampMixin, Base):
    """A hospital under a medical-insurance agreement. It is also an employer in the registry:
    the accounts of that employer submit its claims."""

    __tablename__ = "hospitals"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    level: Mapped[int]  # 1 primary, 2 secondary, 3 tertiary
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), unique=True)


class AssistanceRecipient(TimestampMixin, Base):
    """A person receiving social assistance, for the medical-assistance layer and the
    critical-illness bonus. `kind`: dibao, extreme_poverty or low_income."""

    __tablename__ = "medical_assistance_recipients"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    since: Mapped[date] = mapped_column(Date)
    until: Mapped[date | None] = mapped_column(Date, default=None)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)


class InsurerConsent(TimestampMixin, Base):
    """A patient's consent that a commercial supplementary insurer may receive their final
    share of settled claims. Revoking ends it; a new consent is a new row."""

    __tablename__ = "medical_insurer_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    insurer_employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    granted_on: Mapped[date] = mapped_column(Date)
    revoked_on: Mapped[date | None] = mapped_column(Date, default=None)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)


class MedicalClaim(TimestampMixin, Base):
    """One outpatient visit or inpatient stay, priced and settled in layers at submission.

    Shares (fen): fund (basic insurance, item-based) + critical_illness + assistance + account
    (individual medical account, outpatient) + patient (final, paid at the hospital) = total.
    With DRG settlement the fund pays the hospital `hospital_fund_fen` instead of `fund_fen`.
    """

    __tablename__ = "medical_claims"
    __table_args__ = (UniqueConstraint("hospital_id", "claim_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hospital_id: Mapped[int] = mapped_column(ForeignKey("hospitals.id"), index=True)
    claim_no: Mapped[str] = mapped_column(String(32))
    content_hash: Mapped[str] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    scheme: Mapped[str] = mapped_column(String(24))  # employee_medical | resident_medical
    province: Mapped[str] = mapped_column(String(6))  # the insured's fund
    kind: Mapped[str] = mapped_column(String(12))  # outpatient | inpatient
    admission_date: Mapped[date] = mapped_column(Date)
    discharge_date: Mapped[date] = mapped_column(Date)
    year: Mapped[int] = mapped_column(index=True)
    diagnosis: Mapped[str] = mapped_column(String(16))
    drg_group: Mapped[str | None] = mapped_column(String(8), default=None)
    settlement: Mapped[str] = mapped_column(String(8))  # items | drg
    total_fen: Mapped[int] = mapped_column(BigInteger)
    class_a_fen: Mapped[int] = mapped_column(BigInteger)
    class_b_fen: Mapped[int] = mapped_column(BigInteger)
    class_c_fen: Mapped[int] = mapped_column(BigInteger)
    in_range_fen: Mapped[int] = mapped_column(BigInteger)
    deductible_used_fen: Mapped[int] = mapped_column(BigInteger)
    fund_fen: Mapped[int] = mapped_column(BigInteger)
    ci_deductible_used_fen: Mapped[int] = mapped_column(BigInteger)
    critical_illness_fen: Mapped[int] = mapped_column(BigInteger)
    assistance_fen: Mapped[int] = mapped_column(BigInteger)
    account_fen: Mapped[int] = mapped_column(BigInteger)
    patient_fen: Mapped[int] = mapped_column(BigInteger)
    drg_payment_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)
    hospital_fund_fen: Mapped[int] = mapped_column(BigInteger)
    ledger_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_entries.id"), default=None
    )
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)

    lines: Mapped[list[MedicalClaimLine]] = relationship(
        back_populates="claim", order_by="MedicalClaimLine.line_no", cascade="all, delete-orphan"
    )


class MedicalClaimLine(Base):
    """One billed item priced against the catalogue: what is in its class, what is over the
    payment standard (the patient's own, counted with class C)."""

    __tablename__ = "medical_claim_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("medical_claims.id"), index=True)
    line_no: Mapped[int]
    item_code: Mapped[str] = mapped_column(String(16))
    item_class: Mapped[str] = mapped_column(String(1))
    quantity: Mapped[int]
    unit_price_fen: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    over_standard_fen: Mapped[int] = mapped_column(BigInteger)

    claim: Mapped[MedicalClaim] = relationship(back_populates="lines")
