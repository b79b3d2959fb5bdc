"""Medical claims: hospitals submit, shebao prices against the catalogue and settles in layers.

One-stop settlement (一站式结算), in order: basic insurance (`settle_claim`: catalogue classes,
the year's deductible, the hospital level's rate, the annual cap), the residents'
critical-illness layer, medical assistance for assistance recipients, and for an employee's
outpatient visit the individual medical account. What is left is the patient's final share,
which a commercial supplementary insurer may read only with the patient's recorded consent.
An inpatient stay with a DRG group is paid to the hospital by case (weight × base rate) instead
of by item; the patient's share is the same either way.

A submission (JSON or CSV) is checked whole first: any bad row rejects it all, listing every
bad row, and nothing is written. A claim number already settled with the same content is a
retry and returns the first settlement.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from shebao import csvrows
from shebao.auth.authz import (
    NotFound,
    employer_for,
    may_reach_region,
    person_for,
    require,
)
from shebao.auth.models import Role, User
from shebao.benefits.medical.models import (
    AssistanceRecipient,
    Hospital,
    InsurerConsent,
    MedicalClaim,
    MedicalClaimLine,
)
from shebao.calc.service import plain
from shebao.errors import InputError, InputErrors
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.policy import Policy, PolicySnapshot
from shebao.policy import bindings as b
from shebao.policy.formulas import medical as formulas
from shebao.policy.formulas.rounding import round_half_up_fen
from shebao.registry.identifiers import parse_resident_id
from shebao.registry.models import Employer, Enrollment, Person
from shebao.registry.regions import scope_prefix
from shebao.registry.service import in_force_between

KINDS = ("outpatient", "inpatient")
RECIPIENT_KINDS = ("dibao", "extreme_poverty", "low_income")
SCHEMES = ("employee_medical", "resident_medical")
MAX_CLAIMS = 5000
MAX_ITEMS = 500
CSV_HEADER = ["claim_no", "identity_number", "kind", "admission_date", "discharge_date",
              "diagnosis", "drg_group", "item_code", "quantity", "unit_price_fen"]
_LEVELS = ("primary", "secondary", "tertiary")


# -- hospitals, recipients, consents ------------------------------------------------------


def register_hospital(
    db: Session, user: User, *, code: str, name: str, level: int, employer_id: int
) -> Hospital:
    """Put a hospital under agreement: it is the registry employer `employer_id`."""
    require(user, "medical.hospital")
    employer = employer_for(db, user, employer_id, "medical.hospital")
    if level not in (1, 2, 3):
        raise InputError("level", "hospital level must be 1, 2 or 3")
    if db.scalar(select(Hospital.id).where(or_(Hospital.code == code,
                                               Hospital.employer_id == employer.id))):
        raise InputError("code", "a hospital with this code or employer is already registered")
    hospital = Hospital(code=code, name=name, level=level, region_code=employer.region_code,
                        employer_id=employer.id)
    db.add(hospital)
    db.flush()
    return hospital


def hospital_for(db: Session, user: User, hospital_id: int, permission: str) -> Hospital:
    """The hospital if the user may act for it: its own accounts, or staff of its region."""
    require(user, permission)
    hospital = db.get(Hospital, hospital_id)
    if hospital is None:
        raise NotFound(f"hospital {hospital_id}")
    if user.role == Role.employer:
        if user.employer_id != hospital.employer_id:
            raise NotFound(f"hospital {hospital_id}")
    elif user.role == Role.citizen or not may_reach_region(user, hospital.region_code):
        raise NotFound(f"hospital {hospital_id}")
    return hospital


def hospitals(db: Session, user: User) -> list[Hospital]:
    require(user, "medical.read")
    query = select(Hospital).order_by(Hospital.id)
    if user.role == Role.employer:
        query = query.where(Hospital.employer_id == (user.employer_id or -1))
    elif user.role == Role.citizen:
        query = query.where(Hospital.id == -1)
    else:
        query = query.where(Hospital.region_code.startswith(scope_prefix(user.region_code)))
    return list(db.scalars(query))


def set_recipient(
    db: Session, user: User, person_id: int, kind: str | None, since: date | None = None
) -> AssistanceRecipient | None:
    """Flag a person as an assistance recipient (`kind`), or clear the flag (kind None)."""
    person = person_for(db, user, person_id, "medical.recipient")
    found = db.scalar(select(AssistanceRecipient).where(
        AssistanceRecipient.person_id == person.id))
    if kind is None:
        if found is not None:
            found.until = date.today()
        db.flush()
        return found
    if kind not in RECIPIENT_KINDS:
        raise InputError("kind", f"must be one of {', '.join(RECIPIENT_KINDS)}")
    if found is None:
        found = AssistanceRecipient(person_id=person.id, kind=kind, since=since or date.today(),
                                    recorded_by=user.id)
        db.add(found)
    else:
        found.kind, found.since, found.until = kind, since or date.today(), None
        found.recorded_by = user.id
    db.flush()
    return found


def _recipient_on(db: Session, person_id: int, day: date) -> str | None:
    found = db.scalar(select(AssistanceRecipient).where(
        AssistanceRecipient.person_id == person_id))
    if found is None or found.since > day or (found.until is not None and found.until < day):
        return None
    return found.kind


def set_consent(
    db: Session, user: User, person_id: int, insurer_employer_id: int, granted: bool
) -> InsurerConsent | None:
    """Record (or revoke) a patient's consent that an insurer receive their final shares."""
    person = person_for(db, user, person_id, "medical.consent")
    if db.get(Employer, insurer_employer_id) is None:
        raise InputError("insurer_employer_id", "no such insurer in the registry")
    current = db.scalar(select(InsurerConsent).where(
        InsurerConsent.person_id == person.id,
        InsurerConsent.insurer_employer_id == insurer_employer_id,
        InsurerConsent.revoked_on.is_(None)))
    if granted and current is None:
        current = InsurerConsent(person_id=person.id, insurer_employer_id=insurer_employer_id,
                                 granted_on=date.today(), recorded_by=user.id)
        db.add(current)
    elif not granted and current is not None:
        current.revoked_on = date.today()
    db.flush()
    return current


# -- submissions ----------------------------------------------------------------------------


@dataclass
class ItemRow:
    """One billed item as received; `where` locates it (a file line, or a JSON path)."""

    line: int | None
    where: str
    item_code: object
    quantity: object
    unit_price_fen: object


@dataclass
class ClaimRow:
    line: int | None
    where: str
    claim_no: object
    identity_number: object
    kind: object
    admission_date: object
    discharge_date: object
    diagnosis: object
    drg_group: object = None
    items: list[ItemRow] = field(default_factory=list)


def read_csv(text: str) -> tuple[list[ClaimRow], list[InputError]]:
    """Claims of an upload, and the rows that could not be read: the header CSV_HEADER, then
    one row per billed item. The rows of one claim share its claim_no and must agree on the
    claim's own columns. Unreadable rows are reported with the other checks' findings."""
    reader = csvrows.rows(text)
    header = [h.strip().lower() for h in next(reader, [])]
    if header != CSV_HEADER:
        raise InputError("file", f"the first line must be the header {','.join(CSV_HEADER)}", 1)
    claims: dict[str, ClaimRow] = {}
    errors: list[InputError] = []
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(CSV_HEADER):
            errors.append(InputError("row", f"expected {len(CSV_HEADER)} columns, got "
                                            f"{len(row)}", number))
            continue
        cells = dict(zip(CSV_HEADER, (c.strip() for c in row), strict=True))
        own = {k: cells[k] for k in CSV_HEADER[:7]}
        claim = claims.get(cells["claim_no"])
        if claim is None:
            claim = ClaimRow(number, "", **{**own, "drg_group": own["drg_group"] or None})
            claims[cells["claim_no"]] = claim
        else:
            first = {k: getattr(claim, k) for k in CSV_HEADER[:7]}
            first["drg_group"] = first["drg_group"] or ""
            for key in CSV_HEADER[1:7]:
                if first[key] != own[key]:
                    errors.append(InputError(key, f"differs from line {claim.line} of the same "
                                                  "claim", number))
        claim.items.append(ItemRow(number, "", cells["item_code"], cells["quantity"],
                                   cells["unit_price_fen"]))
    return list(claims.values()), errors


def _int(value: object, *, minimum: int, maximum: int) -> int:
    if isinstance(value, bool):
        raise ValueError("must be a whole number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isdigit():
        number = int(value)
    else:
        raise ValueError(f"must be a whole number, got {value!r}")
    if not minimum <= number <= maximum:
        raise ValueError(f"must be between {minimum} and {maximum}")
    return number


def _day(value: object) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"must be a date YYYY-MM-DD, got {value!r}") from None


@dataclass(frozen=True)
class Item:
    line_no: int
    code: str
    item_class: str
    quantity: int
    unit_price_fen: int
    amount_fen: int
    over_standard_fen: int


@dataclass(frozen=True)
class Checked:
    row: ClaimRow
    person: Person
    enrollment: Enrollment
    kind: str
    admission: date
    discharge: date
    diagnosis: str
    drg_group: str | None
    items: tuple[Item, ...]
    content_hash: str


def _error(row: ClaimRow | ItemRow, name: str, reason: str) -> InputError:
    return InputError(f"{row.where}{name}", reason, row.line)


def _check(
    db: Session, rows: list[ClaimRow], on: date, unread: list[InputError]
) -> list[Checked]:
    """Every claim of a submission checked; all the problems (with the rows that could not
    be read) raised together."""
    errors = list(unread)
    if not rows and not errors:
        raise InputError("claims", "a submission needs at least one claim")
    if len(rows) > MAX_CLAIMS:
        raise InputError("claims", f"at most {MAX_CLAIMS} claims in one submission")
    snap = Policy.at(on)
    classes = snap.value("medical_claims.catalogue.item_class")
    caps = snap.value("medical_claims.catalogue.price_cap")
    weights = snap.value("medical_claims.drg.group_weight")
    numbers: dict[str, ClaimRow] = {}
    parsed: list[tuple[ClaimRow, dict[str, Any]]] = []
    for row in rows:
        got: dict[str, Any] = {}
        claim_no = str(row.claim_no or "")
        if not claim_no or len(claim_no) > 32:
            errors.append(_error(row, "claim_no", "must be 1 to 32 characters"))
        elif claim_no in numbers:
            errors.append(_error(row, "claim_no", "appears twice in this submission"))
        numbers[claim_no] = row
        try:
            got["number"] = parse_resident_id(str(row.identity_number or "")).number
        except InputError as bad:
            errors.append(_error(row, "identity_number", bad.reason))
        if row.kind not in KINDS:
            errors.append(_error(row, "kind", "must be outpatient or inpatient"))
        for name in ("admission_date", "discharge_date"):
            try:
                got[name] = _day(getattr(row, name))
            except ValueError as bad:
                errors.append(_error(row, name, str(bad)))
        if "admission_date" in got and "discharge_date" in got:
            if got["discharge_date"] < got["admission_date"]:
                errors.append(_error(row, "discharge_date", "comes before the admission"))
            elif got["discharge_date"] > on:
                errors.append(_error(row, "discharge_date", "a claim is for care given, not "
                                                            "care to come"))
            elif row.kind == "outpatient" and got["discharge_date"] != got["admission_date"]:
                errors.append(_error(row, "discharge_date", "an outpatient visit is one day"))
        diagnosis = str(row.diagnosis or "")
        if not 3 <= len(diagnosis) <= 16:
            errors.append(_error(row, "diagnosis", "give the ICD-10 code, 3 to 16 characters"))
        if row.drg_group:
            if row.kind != "inpatient":
                errors.append(_error(row, "drg_group", "DRG payment is for inpatient stays"))
            elif row.drg_group not in weights:
                errors.append(_error(row, "drg_group", f"unknown group; one of "
                                                       f"{', '.join(sorted(weights))}"))
        if not row.items:
            errors.append(_error(row, "items", "a claim bills at least one item"))
        if len(row.items) > MAX_ITEMS:
            errors.append(_error(row, "items", f"at most {MAX_ITEMS} items in one claim"))
        items: list[Item] = []
        for n, item in enumerate(row.items, start=1):
            code = str(item.item_code or "")
            if code not in classes:
                errors.append(_error(item, "item_code", f"{code!r} is not in the catalogue"))
                continue
            try:
                quantity = _int(item.quantity, minimum=1, maximum=10_000)
            except ValueError as bad:
                errors.append(_error(item, "quantity", str(bad)))
                continue
            try:
                price = _int(item.unit_price_fen, minimum=0, maximum=10**9)
            except ValueError as bad:
                errors.append(_error(item, "unit_price_fen", str(bad)))
                continue
            cap = caps.get(code)
            over = quantity * max(0, price - cap) if cap is not None else 0
            items.append(Item(n, code, classes[code], quantity, price, quantity * price, over))
        got["items"] = items
        parsed.append((row, got))
    found = {p.identity_number: p for p in db.scalars(select(Person).where(
        Person.identity_number.in_([g["number"] for _, g in parsed if "number" in g])))}
    checked: list[Checked] = []
    for row, got in parsed:
        if "number" not in got:
            continue
        person = found.get(got["number"])
        if person is None:
            errors.append(_error(row, "identity_number", "is not registered"))
            continue
        if "admission_date" not in got:
            continue
        enrollment = db.scalar(select(Enrollment).where(
            Enrollment.person_id == person.id, Enrollment.scheme.in_(SCHEMES),
            in_force_between(Enrollment, got["admission_date"], got["admission_date"]),
        ).order_by(Enrollment.scheme).limit(1))
        if enrollment is None:
            errors.append(_error(row, "identity_number", "is not insured for medical care on "
                                                         "the admission date"))
            continue
        if "discharge_date" not in got or row.kind not in KINDS:
            continue
        content = {
            "identity_number": person.identity_number, "kind": row.kind,
            "admission_date": got["admission_date"].isoformat(),
            "discharge_date": got["discharge_date"].isoformat(),
            "diagnosis": str(row.diagnosis), "drg_group": row.drg_group or None,
            "items": [[i.code, i.quantity, i.unit_price_fen] for i in got["items"]],
        }
        digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
        checked.append(Checked(row, person, enrollment, str(row.kind), got["admission_date"],
                               got["discharge_date"], str(row.diagnosis), row.drg_group or None,
                               tuple(got["items"]), digest))
    if errors:
        raise InputErrors(sorted(errors, key=lambda e: (e.line or 0, e.field)))
    return checked


def submit(
    db: Session, user: User, hospital_id: int, rows: list[ClaimRow],
    unread: list[InputError] | None = None,
) -> list[MedicalClaim]:
    """Check a submission whole, then settle each claim (a retried claim returns as it was).

    `unread` are rows of an upload that could not be read; they reject it with the rest."""
    hospital = hospital_for(db, user, hospital_id, "medical.submit")
    checked = _check(db, rows, date.today(), unread or [])
    existing = {c.claim_no: c for c in db.scalars(select(MedicalClaim).where(
        MedicalClaim.hospital_id == hospital.id,
        MedicalClaim.claim_no.in_([str(c.row.claim_no) for c in checked])))}
    conflicts = [
        _error(c.row, "claim_no", f"was already submitted (claim {first.id}) with different "
                                  "content")
        for c in checked
        if (first := existing.get(str(c.row.claim_no))) is not None
        and first.content_hash != c.content_hash
    ]
    if conflicts:
        raise InputErrors(conflicts)
    settled: list[MedicalClaim] = []
    # Claims settle in the order care ended, so each sees the year's totals before it.
    for c in sorted(checked, key=lambda c: (c.discharge, c.row.line or 0)):
        claim = existing.get(str(c.row.claim_no))
        if claim is None:
            claim = _settle(db, user, hospital, c)
        settled.append(claim)
    order = {str(c.row.claim_no): i for i, c in enumerate(checked)}
    return sorted(settled, key=lambda claim: order[claim.claim_no])


# -- settlement -----------------------------------------------------------------------------


@dataclass(frozen=True)
class YearToDate:
    deductible_used: int = 0
    fund: int = 0
    ci_deductible_used: int = 0
    critical_illness: int = 0
    assistance: int = 0


def year_to_date(db: Session, person_id: int, scheme: str, year: int) -> YearToDate:
    """What the person's settled claims of `year` in `scheme` have used so far."""
    row = db.execute(
        select(func.coalesce(func.sum(MedicalClaim.deductible_used_fen), 0),
               func.coalesce(func.sum(MedicalClaim.fund_fen), 0),
               func.coalesce(func.sum(MedicalClaim.ci_deductible_used_fen), 0),
               func.coalesce(func.sum(MedicalClaim.critical_illness_fen), 0),
               func.coalesce(func.sum(MedicalClaim.assistance_fen), 0))
        .where(MedicalClaim.person_id == person_id, MedicalClaim.scheme == scheme,
               MedicalClaim.year == year)
    ).one()
    return YearToDate(*(int(x) for x in row))


_CRITICAL_ILLNESS_RATES = {
    "ci_rate": "resident_medical.critical_illness.min_reimbursement",
    "ci_dibao_extra_rate": "resident_medical.critical_illness.low_income_bonus",
}


def _rules(snap: PolicySnapshot, scheme: str, kind: str, province: str, year: int) -> b.Arguments:
    """The parameters of one claim's settlement, and the amounts derived from them."""
    levels = {"convert": {"reimbursement_rates_by_level": lambda t: [t[k] for k in _LEVELS]}}
    common = b.bind(snap, {
        "class_b_self_pay": "employee_medical.catalogue_self_pay_ratio",
        "assistance_rate": "medical_claims.medical_assistance.rate",
        "assistance_annual_cap": "medical_claims.medical_assistance.annual_cap",
        "drg_base_rate": "medical_claims.drg.base_rate",
        "drg_weights": "medical_claims.drg.group_weight",
        "catalogue": "medical_claims.catalogue.item_class",
        "payment_standards": "medical_claims.catalogue.price_cap",
    })
    last_year = b.snapshot_at(snap, date(year - 1, 1, 1))
    if scheme == "employee_medical":
        wage = b.bind(last_year, {"average_annual_wage": "wages.average_annual"}, province)
        used = common | wage | b.bind(snap, {
            "deductible_ratio": "employee_medical.deductible_ratio",
            "cap_multiple": "employee_medical.pooled_cap_multiple",
        }, province)
        if kind == "outpatient":
            used = used | b.bind(snap, {
                "outpatient_rate": "employee_medical.outpatient_pooling_min_reimbursement"})
        else:
            used = used | b.bind(snap, {
                "reimbursement_rates_by_level": "employee_medical.reimbursement_by_hospital_level",
            }, province, **levels)
        return used
    income = b.bind(last_year, {"disposable_income": "wages.national.disposable_income_per_capita"})
    return common | income | b.bind(snap, {
        "deductible_ratio": "medical_claims.resident_deductible_ratio",
        "cap_multiple": "resident_medical.pooled_cap_multiple",
        "ci_deductible_ratio": "resident_medical.critical_illness.deductible_max_ratio",
        **_CRITICAL_ILLNESS_RATES,
        "reimbursement_rates_by_level": "resident_medical.reimbursement_by_hospital_level",
    }, province, **levels)


def _half_up(x: float) -> int:
    return int(round_half_up_fen(x))


def _settle(db: Session, user: User, hospital: Hospital, c: Checked) -> MedicalClaim:
    person, scheme = c.person, c.enrollment.scheme
    # The year's totals are read, then added to: claims of one person settle one at a time.
    db.execute(select(Person.id).where(Person.id == person.id).with_for_update())
    province = c.enrollment.region_code[:2] + "0000"
    year = c.discharge.year
    snap = Policy.at(c.discharge, c.enrollment.region_code)
    used = _rules(snap, scheme, c.kind, province, year)
    v = used.values
    ytd = year_to_date(db, person.id, scheme, year)
    recipient = _recipient_on(db, person.id, c.discharge)
    by_class: dict[str, int] = defaultdict(int)
    for item in c.items:
        by_class[item.item_class] += item.amount_fen - item.over_standard_fen
        by_class["C"] += item.over_standard_fen
    employee = scheme == "employee_medical"
    base = v["average_annual_wage"] if employee else v["disposable_income"]
    deductible = _half_up(base * v["deductible_ratio"])
    cap = _half_up(base * v["cap_multiple"])
    inpatient = c.kind == "inpatient"
    if employee and not inpatient:
        # Outpatient pooling (国办发〔2021〕14号): its own rate, no inpatient deductible.
        rates, deductible_left = [v["outpatient_rate"]] * 3, 0
    else:
        rates, deductible_left = v["reimbursement_rates_by_level"], deductible - ytd.deductible_used
    resident_ci = not employee and inpatient
    ci_deductible = _half_up(v["disposable_income"] * v["ci_deductible_ratio"]) \
        if resident_ci else 0
    # The formula takes the critical-illness rates in every case and applies them to residents'
    # stays only; outside that layer they are read but not shown among the rules used.
    ci_args: dict[str, Any] = (v if resident_ci else b.bind(snap, _CRITICAL_ILLNESS_RATES).values)
    ci_args = {k: ci_args[k] for k in _CRITICAL_ILLNESS_RATES}
    arguments: dict[str, Any] = {
        "class_b_self_pay_ratio": v["class_b_self_pay"]["B"],
        "reimbursement_rates_by_level": rates, "annual_fund_cap": cap, **ci_args,
    }
    low_income = recipient is not None
    facts = (by_class["A"], by_class["B"], by_class["C"], hospital.level, deductible_left,
             ytd.fund, resident_ci, low_income, ci_deductible - ytd.ci_deductible_used,
             ytd.critical_illness)
    split = {k: int(x) for k, x in formulas.settle_claim(*facts, **arguments).items()}
    steps = formulas.explain_claim(*(int(f) if not isinstance(f, bool) else f for f in facts),
                                   **arguments)
    assistance = int(formulas.medical_assistance(
        split["in_range"], split["fund"], split["critical_illness"], low_income,
        ytd.assistance, assistance_rate=v["assistance_rate"],
        assistance_annual_cap=v["assistance_annual_cap"]))
    steps.append({
        "step": "Medical assistance for assistance recipients on the in-range burden left",
        "formula": "min(round((in range − fund − critical illness) × rate), cap − paid this year)",
        "inputs": {"recipient": recipient, "assistance_paid_ytd": ytd.assistance},
        "parameters": ["assistance_rate", "assistance_annual_cap"], "result": assistance,
    })
    left = split["patient"] - assistance
    account = 0
    if employee and not inpatient and left > 0:
        balance = ledger.balance(db, accounts.person("medical", person.id))
        account = min(left, balance)
        steps.append({
            "step": "The individual medical account pays the outpatient share, up to its balance",
            "formula": "min(patient share, account balance)",
            "inputs": {"account_balance": balance}, "parameters": [], "result": account,
        })
    patient = left - account
    steps.append({"step": "Final patient share, paid at the hospital (a supplementary insurer "
                          "may cover it with the patient's consent)",
                  "formula": "total − fund − critical illness − assistance − account",
                  "inputs": {}, "parameters": [], "result": patient})
    drg_payment = None
    hospital_fund = split["fund"]
    if c.drg_group:
        drg_payment = int(formulas.drg_payment(v["drg_weights"][c.drg_group], v["drg_base_rate"]))
        # The hospital is paid the case rate: the fund pays what the others do not.
        others = split["total"] - split["fund"]
        hospital_fund = max(0, drg_payment - others)
        steps.append({
            "step": "DRG case payment: the hospital receives the group's rate instead of its "
                    "items; the fund pays what the patient and the other layers do not",
            "formula": "max(0, weight × base rate − (total − fund))",
            "inputs": {"drg_group": c.drg_group, "weight": v["drg_weights"][c.drg_group]},
            "parameters": ["drg_base_rate", "drg_weights"],
            "result": {"case_payment": drg_payment, "fund_to_hospital": hospital_fund},
        })
    steps.insert(0, {
        "step": "Items priced against the catalogue: amounts over the payment standard are the "
                "patient's own (with class C)",
        "formula": "Σ quantity × min(price, standard) by class; the excess to class C",
        "inputs": {"items": [[i.code, i.item_class, i.quantity, i.unit_price_fen]
                             for i in c.items]},
        "parameters": ["catalogue", "payment_standards"],
        "result": {"A": by_class["A"], "B": by_class["B"], "C": by_class["C"]},
    })
    claim = MedicalClaim(
        hospital_id=hospital.id, claim_no=str(c.row.claim_no), content_hash=c.content_hash,
        person_id=person.id, scheme=scheme, province=province, kind=c.kind,
        admission_date=c.admission, discharge_date=c.discharge, year=year,
        diagnosis=c.diagnosis, drg_group=c.drg_group,
        settlement="drg" if c.drg_group else "items",
        total_fen=split["total"], class_a_fen=by_class["A"], class_b_fen=by_class["B"],
        class_c_fen=by_class["C"], in_range_fen=split["in_range"],
        deductible_used_fen=split["deductible_used"], fund_fen=split["fund"],
        ci_deductible_used_fen=(ci_deductible - ytd.ci_deductible_used)
        - split["ci_deductible_remaining_after"] if resident_ci else 0,
        critical_illness_fen=split["critical_illness"], assistance_fen=assistance,
        account_fen=account, patient_fen=patient, drg_payment_fen=drg_payment,
        hospital_fund_fen=hospital_fund,
        explanation={"steps": plain(steps), "parameters": plain(used.explain()),
                     "derived": {"annual_deductible": deductible, "annual_fund_cap": cap,
                                 "ci_deductible": ci_deductible}},
        submitted_by=user.id,
        lines=[MedicalClaimLine(line_no=i.line_no, item_code=i.code, item_class=i.item_class,
                                quantity=i.quantity, unit_price_fen=i.unit_price_fen,
                                amount_fen=i.amount_fen, over_standard_fen=i.over_standard_fen)
               for i in c.items],
    )
    db.add(claim)
    db.flush()
    pool = accounts.pool(scheme, province)
    debits = [(pool, hospital_fund + split["critical_illness"]),
              (accounts.pool("assistance", province), assistance),
              (accounts.person("medical", person.id), account)]
    lines = [(code, amount) for code, amount in debits if amount]
    if lines:
        lines.append((accounts.hospital_payable(hospital.id), -sum(a for _, a in lines)))
        claim.ledger_entry_id = ledger.post_in(db, ledger.PostingRequest(
            idempotency_key=f"medical-claim-{claim.id}", kind="medical_claim",
            memo=f"medical claim {claim.id} ({hospital.code} {claim.claim_no})",
            effective_date=c.discharge, lines=lines,
        ), province, actor_id=user.id).entry_id
    db.flush()
    return claim


# -- reading --------------------------------------------------------------------------------


def claim_for(db: Session, user: User, claim_id: int) -> MedicalClaim:
    """A claim its patient, its hospital or staff of the hospital's region may read."""
    require(user, "medical.read")
    claim = db.get(MedicalClaim, claim_id)
    if claim is None:
        raise NotFound(f"medical claim {claim_id}")
    if user.role == Role.citizen:
        if user.person_id != claim.person_id:
            raise NotFound(f"medical claim {claim_id}")
    else:
        hospital_for(db, user, claim.hospital_id, "medical.read")
    return claim


def claims(
    db: Session, user: User, *, hospital_id: int | None = None, person_id: int | None = None,
) -> list[MedicalClaim]:
    require(user, "medical.read")
    query = select(MedicalClaim).order_by(MedicalClaim.id.desc()).limit(500)
    if user.role == Role.citizen:
        query = query.where(MedicalClaim.person_id == (user.person_id or -1))
    elif hospital_id is not None:
        hospital_for(db, user, hospital_id, "medical.read")
        query = query.where(MedicalClaim.hospital_id == hospital_id)
    elif user.role == Role.employer:
        query = query.join(Hospital, Hospital.id == MedicalClaim.hospital_id).where(
            Hospital.employer_id == (user.employer_id or -1))
    else:
        query = query.join(Hospital, Hospital.id == MedicalClaim.hospital_id).where(
            Hospital.region_code.startswith(scope_prefix(user.region_code)))
    if person_id is not None:
        query = query.where(MedicalClaim.person_id == person_id)
    return list(db.scalars(query))


@dataclass(frozen=True)
class InsurerView:
    """What a supplementary insurer receives: the final share and what it is made of."""

    claim_id: int
    hospital: str
    kind: str
    discharge_date: date
    total_fen: int
    class_c_fen: int
    patient_fen: int


def insurer_view(db: Session, user: User, claim_id: int) -> InsurerView:
    """The final patient share of a claim, for an insurer the patient has consented to."""
    require(user, "medical.insurer_read")
    claim = db.get(MedicalClaim, claim_id)
    consented = claim is not None and db.scalar(select(InsurerConsent.id).where(
        InsurerConsent.person_id == claim.person_id,
        InsurerConsent.insurer_employer_id == (user.employer_id or -1),
        InsurerConsent.revoked_on.is_(None), InsurerConsent.granted_on <= date.today()))
    if claim is None or not consented:
        raise NotFound(f"medical claim {claim_id}")
    hospital = db.get(Hospital, claim.hospital_id)
    assert hospital is not None
    return InsurerView(claim.id, hospital.name, claim.kind, claim.discharge_date,
                       claim.total_fen, claim.class_c_fen, claim.patient_fen)

