"""Detection rules: each a documented function over the registry, the ledger's domain rows and
the claims, returning findings with their evidence. None of them decides anything: a finding
becomes an alert in a case, and a person decides the case (docs/supervision.md).

Every rule reads set-wise (one query, or one per table) and is scoped to a province: the
pension, unemployment and medical funds are kept per province, and a supervisor scans the
province (or the provinces) they serve.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Any

import numpy as np
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from shebao.assistance.models import AssistanceApplication, AssistancePayment
from shebao.benefits.medical.models import MedicalClaim
from shebao.benefits.pension.models import Overpayment, PensionAward, PensionPayment
from shebao.benefits.pension.service import SCHEME_POOL
from shebao.benefits.unemployment.models import UnemploymentClaim, UnemploymentPayment
from shebao.contributions.models import Bill, Contribution
from shebao.policy import Policy
from shebao.policy.formulas.periods import format_month
from shebao.policy.formulas.supervision import robust_z
from shebao.registry.models import HouseholdMember, Person
from shebao.supervision.models import ExternalWage


@dataclass(frozen=True)
class Finding:
    rule: str
    key: str  # the same finding always has the same key: found once, however often scanned
    subject_kind: str  # person | employer | hospital
    subject_id: int
    province: str
    scheme: str
    amount_fen: int
    evidence: dict[str, Any] = field(default_factory=dict)


Rule = Callable[[Session, str, Policy], list[Finding]]


def _month_of(day: date) -> str:
    return format_month(day.year * 12 + day.month - 1)


def _fund_paid(claim: Any) -> int:
    """What the insurance paid on a medical claim: basic, critical illness and assistance."""
    return int(claim.fund_fen + claim.critical_illness_fen + claim.assistance_fen)


# -- pensions -------------------------------------------------------------------------------


def pension_after_death(db: Session, province: str, policy: Policy) -> list[Finding]:
    """Pension months paid after the month of the pensioner's recorded death."""
    rows = db.execute(
        select(PensionPayment.id, PensionPayment.person_id, PensionPayment.month,
               PensionPayment.amount_fen, PensionAward.scheme, Person.death_date,
               Overpayment.status)
        .join(PensionAward, PensionAward.id == PensionPayment.award_id)
        .join(Person, Person.id == PensionPayment.person_id)
        .outerjoin(Overpayment, Overpayment.payment_id == PensionPayment.id)
        .where(PensionAward.province == province, Person.death_date.is_not(None))
        .order_by(PensionPayment.id)
    )
    return [
        Finding("pension_after_death", f"pension_after_death:payment:{pid}", "person", person,
                province, SCHEME_POOL[scheme], int(amount),
                {"payment_id": pid, "month": month, "death_date": died.isoformat(),
                 "overpayment": status or "not yet recorded"})
        for pid, person, month, amount, scheme, died, status in rows
        if month > _month_of(died)
    ]


def paid_by_two_provinces(db: Session, province: str, policy: Policy) -> list[Finding]:
    """One person paid a pension for the same month by two provinces, or by the employee and
    the residents' scheme (which exclude each other)."""
    mine = select(PensionPayment.person_id).join(
        PensionAward, PensionAward.id == PensionPayment.award_id
    ).where(PensionAward.province == province)
    rows = db.execute(
        select(PensionPayment.person_id, PensionPayment.month, PensionAward.province,
               PensionAward.scheme, PensionPayment.amount_fen, PensionPayment.id)
        .join(PensionAward, PensionAward.id == PensionPayment.award_id)
        .where(PensionPayment.person_id.in_(mine))
        .order_by(PensionPayment.person_id, PensionPayment.month, PensionPayment.id)
    )
    paid: dict[tuple[int, str], list[tuple[str, str, int, int]]] = defaultdict(list)
    for person, month, where, scheme, amount, pid in rows:
        paid[(person, month)].append((where, scheme, int(amount), pid))
    found: list[Finding] = []
    for (person, month), payments in paid.items():
        if len(payments) < 2 or not any(p[0] == province for p in payments):
            continue
        provinces = sorted({p[0] for p in payments})
        schemes = sorted({p[1] for p in payments})
        evidence = {"month": month, "payments": [
            {"payment_id": pid, "province": where, "scheme": scheme, "amount_fen": amount}
            for where, scheme, amount, pid in payments]}
        if len(provinces) > 1:
            extra = sum(p[2] for p in payments if p[0] != provinces[0])
            found.append(Finding("paid_by_two_provinces",
                                 f"paid_by_two_provinces:{person}:{month}", "person", person,
                                 province, SCHEME_POOL[schemes[0]], extra, evidence))
        if len(schemes) > 1:
            resident = sum(p[2] for p in payments if p[1] == "resident")
            found.append(Finding("exclusive_schemes", f"exclusive_schemes:{person}:{month}",
                                 "person", person, province, SCHEME_POOL["resident"], resident,
                                 evidence))
    return found


# -- unemployment and declarations -------------------------------------------------------------


def unemployment_while_employed(db: Session, province: str, policy: Policy) -> list[Finding]:
    """Unemployment benefit paid for a month in which an employer declared the person's wage."""
    rows = db.execute(
        select(UnemploymentPayment.id, UnemploymentClaim.person_id, UnemploymentPayment.month,
               UnemploymentPayment.benefit_fen, UnemploymentPayment.medical_fen,
               Bill.employer_id, Bill.id, Contribution.wage_fen)
        .join(UnemploymentClaim, UnemploymentClaim.id == UnemploymentPayment.claim_id)
        .join(Contribution, Contribution.person_id == UnemploymentClaim.person_id)
        .join(Bill, and_(Bill.id == Contribution.bill_id, Bill.payer_kind == "employer",
                         Bill.month == UnemploymentPayment.month))
        .where(UnemploymentClaim.province == province)
        .order_by(UnemploymentPayment.id, Bill.id)
    )
    seen: dict[int, Finding] = {}
    for pid, person, month, benefit, medical, employer, bill, wage in rows:
        if pid not in seen:
            seen[pid] = Finding(
                "unemployment_while_employed", f"unemployment_while_employed:payment:{pid}",
                "person", person, province, "unemployment", int(benefit + medical),
                {"payment_id": pid, "month": month, "employer_id": employer, "bill_id": bill,
                 "declared_wage_fen": int(wage)})
    return list(seen.values())


def ghost_employee(db: Session, province: str, policy: Policy) -> list[Finding]:
    """One identity declared by several employers in the same month (one person is insured
    by one employer at a time)."""
    rows = db.execute(
        select(Contribution.person_id, Bill.month, Bill.employer_id, Bill.province,
               Contribution.wage_fen)
        .join(Bill, Bill.id == Contribution.bill_id)
        .where(Bill.payer_kind == "employer", Contribution.person_id.in_(
            select(Contribution.person_id).join(Bill, Bill.id == Contribution.bill_id)
            .where(Bill.province == province, Bill.payer_kind == "employer")
            .group_by(Contribution.person_id, Bill.month)
            .having(func.count(func.distinct(Bill.employer_id)) > 1)))
        .order_by(Contribution.person_id, Bill.month, Bill.employer_id)
    )
    employers: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for person, month, employer, where, wage in rows:
        employers[(person, month)].append(
            {"employer_id": employer, "province": where, "wage_fen": int(wage)})
    return [
        Finding("ghost_employee", f"ghost_employee:{person}:{month}", "person", person,
                province, "employee_pension", 0, {"month": month, "declared_by": found})
        for (person, month), found in employers.items()
        if len({e["employer_id"] for e in found}) > 1 and any(
            e["province"] == province for e in found)
    ]


def under_declaration(db: Session, province: str, policy: Policy) -> list[Finding]:
    """An employer declared a wage well below what an external source (tax records) reports
    for the same person and month."""
    ratio = float(policy.value("supervision.under_declaration_ratio"))
    rows = db.execute(
        select(ExternalWage.person_id, ExternalWage.employer_id, ExternalWage.month,
               ExternalWage.wage_fen, ExternalWage.source, Contribution.wage_fen,
               Contribution.base_fen)
        .join(Bill, and_(Bill.employer_id == ExternalWage.employer_id,
                         Bill.month == ExternalWage.month, Bill.payer_kind == "employer"))
        .join(Contribution, and_(Contribution.bill_id == Bill.id,
                                 Contribution.person_id == ExternalWage.person_id))
        .where(Bill.province == province)
        .order_by(ExternalWage.employer_id, ExternalWage.month, ExternalWage.person_id)
    )
    return [
        Finding("under_declaration", f"under_declaration:{person}:{employer}:{month}",
                "employer", employer, province, "employee_pension", 0,
                {"person_id": person, "month": month, "external_wage_fen": int(external),
                 "external_source": source, "declared_wage_fen": int(declared),
                 "declared_base_fen": int(base), "ratio": round(external / max(declared, 1), 2)})
        for person, employer, month, external, source, declared, base in rows
        if external > declared * ratio
    ]


def dibao_undeclared_income(db: Session, province: str, policy: Policy) -> list[Finding]:
    """A minimum-living-allowance (dibao) household paid for a month in which an employer
    declared a member's wage above what the household declared for that member: the means
    test was passed on income the household did not report. The month's allowance is at
    stake; the subject is the member whose wage went undeclared."""
    application, payment = AssistanceApplication, AssistancePayment
    member = HouseholdMember
    rows = db.execute(
        select(application.id, application.declared, payment.month, payment.amount_fen,
               member.person_id, Bill.employer_id, Contribution.wage_fen)
        .join(payment, payment.application_id == application.id)
        .join(member, member.household_id == application.household_id)
        .join(Contribution, Contribution.person_id == member.person_id)
        .join(Bill, and_(Bill.id == Contribution.bill_id, Bill.payer_kind == "employer",
                         Bill.month == payment.month))
        .where(application.province == province, application.programme == "dibao")
        .order_by(application.id, payment.month, member.person_id)
    )
    found: dict[str, Finding] = {}
    for case_id, declared, month, paid, person, employer, wage in rows:
        lines = {int(m["person_id"]): int(m.get("wages_fen") or 0)
                 for m in (declared or {}).get("members", [])}
        key = f"dibao_undeclared_income:{case_id}:{month}:{person}"
        if wage > lines.get(person, 0) and key not in found:
            found[key] = Finding(
                "dibao_undeclared_income", key, "person", person, province, "assistance",
                int(paid), {"application_id": case_id, "month": month, "employer_id": employer,
                            "declared_wages_fen": lines.get(person, 0),
                            "recorded_wage_fen": int(wage), "allowance_fen": int(paid)})
    return list(found.values())


# -- medical claims ------------------------------------------------------------------------


def _claims(db: Session, province: str) -> list[Any]:
    return list(db.execute(
        select(MedicalClaim.id, MedicalClaim.hospital_id, MedicalClaim.person_id,
               MedicalClaim.scheme, MedicalClaim.kind, MedicalClaim.admission_date,
               MedicalClaim.discharge_date, MedicalClaim.diagnosis, MedicalClaim.total_fen,
               MedicalClaim.fund_fen, MedicalClaim.critical_illness_fen,
               MedicalClaim.assistance_fen, MedicalClaim.claim_no, Person.sex,
               Person.birth_date)
        .join(Person, Person.id == MedicalClaim.person_id)
        .where(MedicalClaim.province == province)
        .order_by(MedicalClaim.id)
    ))


def duplicate_claim(db: Session, province: str, policy: Policy) -> list[Finding]:
    """The same stay billed twice: same patient, hospital, dates and total, different claim
    numbers. The first is taken as genuine; the others' fund payments are at stake."""
    groups: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
    for claim in _claims(db, province):
        groups[(claim.person_id, claim.hospital_id, claim.admission_date,
                claim.discharge_date, claim.total_fen)].append(claim)
    found = []
    for claims in groups.values():
        if len(claims) < 2:
            continue
        first, *copies = claims
        found.append(Finding(
            "duplicate_claim", "duplicate_claim:" + "-".join(str(c.id) for c in claims),
            "hospital", first.hospital_id, province, first.scheme,
            sum(_fund_paid(c) for c in copies),
            {"claim_ids": [c.id for c in claims], "claim_nos": [c.claim_no for c in claims],
             "person_id": first.person_id, "admission_date": first.admission_date.isoformat(),
             "total_fen": int(first.total_fen)}))
    return found


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def impossible_claim(db: Session, province: str, policy: Policy) -> list[Finding]:
    """A diagnosis impossible for the patient: a sex-specific ICD-10 category for the other
    sex, or a perinatal condition (P00–P96) for a patient past the newborn age."""
    by_sex: dict[str, str] = policy.value("supervision.diagnosis_sex")
    newborn_max = int(policy.value("supervision.newborn_diagnosis_max_age_years"))
    found = []
    for claim in _claims(db, province):
        code = claim.diagnosis.upper()
        only = by_sex.get(code[:3]) or by_sex.get(code[:1])
        age = _age_on(claim.birth_date, claim.admission_date)
        reason = None
        if only is not None and only != claim.sex:
            reason = f"{code} is a {only}-only category; the patient is {claim.sex}"
        elif code.startswith("P") and age > newborn_max:
            reason = f"{code} is a perinatal condition; the patient was {age} years old"
        if reason:
            found.append(Finding(
                "impossible_claim", f"impossible_claim:{claim.id}", "hospital",
                claim.hospital_id, province, claim.scheme, _fund_paid(claim),
                {"claim_id": claim.id, "claim_no": claim.claim_no, "diagnosis": code,
                 "person_id": claim.person_id, "reason": reason}))
    return found


def outlier_billing(db: Session, province: str, policy: Policy) -> list[Finding]:
    """Claims billed far above others with the same diagnosis: the robust z-score of the
    claim's total among the province's claims of that diagnosis, on a log scale (bills are
    right-skewed: a claim twice the median is ordinary, ten times is not); the excess over
    the median is at stake. The subject is the provider that billed it."""
    threshold = float(policy.value("supervision.outlier.robust_z_threshold"))
    least = int(policy.value("supervision.outlier.min_group_claims"))
    by_diagnosis: dict[str, list[Any]] = defaultdict(list)
    for claim in _claims(db, province):
        by_diagnosis[claim.diagnosis.upper()].append(claim)
    found = []
    for diagnosis, claims in sorted(by_diagnosis.items()):
        if len(claims) < least:
            continue
        totals = np.array([c.total_fen for c in claims], dtype=np.float64)
        scores = robust_z(np.log(np.maximum(totals, 1.0)))
        median = int(np.median(totals))
        for claim, score in zip(claims, scores, strict=True):
            if score > threshold:
                found.append(Finding(
                    "outlier_billing", f"outlier_billing:{claim.id}", "hospital",
                    claim.hospital_id, province, claim.scheme, int(claim.total_fen) - median,
                    {"claim_id": claim.id, "claim_no": claim.claim_no, "diagnosis": diagnosis,
                     "total_fen": int(claim.total_fen), "median_fen": median,
                     "robust_z": None if np.isinf(score) else round(float(score), 2),
                     "claims_of_diagnosis": len(claims)}))
    return found


def split_admission(db: Session, province: str, policy: Policy) -> list[Finding]:
    """An inpatient readmitted to the same hospital within a few days of discharge: one stay
    split into two claims (分解住院)."""
    window = int(policy.value("supervision.split_admission_days"))
    stays: dict[tuple[int, int], list[Any]] = defaultdict(list)
    for claim in _claims(db, province):
        if claim.kind == "inpatient":
            stays[(claim.person_id, claim.hospital_id)].append(claim)
    found = []
    for claims in stays.values():
        claims.sort(key=lambda c: (c.admission_date, c.id))
        for before, after in pairwise(claims):
            gap = (after.admission_date - before.discharge_date).days
            if 0 <= gap <= window:
                found.append(Finding(
                    "split_admission", f"split_admission:{before.id}-{after.id}", "hospital",
                    after.hospital_id, province, after.scheme, _fund_paid(after),
                    {"claim_ids": [before.id, after.id], "person_id": after.person_id,
                     "discharged": before.discharge_date.isoformat(),
                     "readmitted": after.admission_date.isoformat(), "days_between": gap}))
    return found


RULES: dict[str, Rule] = {
    "pension_after_death": pension_after_death,
    "paid_by_two_provinces": paid_by_two_provinces,  # also finds exclusive_schemes
    "unemployment_while_employed": unemployment_while_employed,
    "ghost_employee": ghost_employee,
    "under_declaration": under_declaration,
    "dibao_undeclared_income": dibao_undeclared_income,
    "duplicate_claim": duplicate_claim,
    "impossible_claim": impossible_claim,
    "outlier_billing": outlier_billing,
    "split_admission": split_admission,
}
"""The rules a scan runs, in order."""

