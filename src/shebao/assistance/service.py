"""Social assistance: applications, the means test, cross-checks, decisions, reviews, appeals
and the monthly payments from each province's assistance fund.

Accurate identification: every application is checked against shebao's own records (wages
employers declared, pensions and unemployment benefit shebao pays, employers a member
represents) and the external registers imported for the household's region (vehicles,
property, deposits). Each difference becomes a discrepancy naming its source. The machine
proposes; it never refuses an application or stops a benefit by itself: a caseworker resolves
the discrepancies and decides, and the reason is recorded with the decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from shebao import csvrows
from shebao.assistance.models import (
    EXTERNAL_KINDS,
    HOUSEHOLD_PROGRAMMES,
    PROGRAMMES,
    AssistanceApplication,
    AssistanceEvent,
    AssistancePayment,
    Discrepancy,
    ExternalImport,
    ExternalRecord,
)
from shebao.auth.authz import NotFound, household_for, may_reach_region, require
from shebao.auth.models import Role, User
from shebao.benefits.medical import service as medical
from shebao.benefits.pension.models import PensionPayment
from shebao.benefits.runs import check_month_run
from shebao.benefits.unemployment.models import UnemploymentClaim
from shebao.calc.service import plain
from shebao.contributions.models import Bill, Contribution
from shebao.db.base import utcnow
from shebao.errors import InputError, InputErrors
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.policy import Policy, PolicySnapshot
from shebao.policy import bindings as b
from shebao.policy.formulas import assistance as formulas
from shebao.policy.formulas.periods import format_month, parse_month
from shebao.registry.identifiers import parse_resident_id
from shebao.registry.models import Employer, EmploymentSpell, HouseholdMember, Person
from shebao.registry.regions import get_region, is_within, scope_prefix

PENDING, APPROVED, REFUSED, STOPPED = "pending", "approved", "refused", "stopped"
# Which medical-assistance recipient kind each household programme makes its members.
RECIPIENT_KIND = {"dibao": "dibao", "extreme_poverty": "extreme_poverty",
                  "near_dibao": "low_income"}
INCOME_LINES = ("wages_fen", "pension_fen", "unemployment_fen", "other_fen")
WORKING_AGES = (16, 59)
CSV_HEADER = ("identity_number", "reference", "value_fen")


def _province(region: str) -> str:
    return region[:2] + "0000"


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _event(db: Session, app: AssistanceApplication, kind: str, detail: str,
           user: User | None) -> None:
    app.events.append(AssistanceEvent(application_id=app.id, kind=kind, detail=detail,
                                      actor_id=user.id if user is not None else None))


def current_members(db: Session, household_id: int, on: date) -> list[tuple[HouseholdMember,
                                                                          Person]]:
    """The household's members on a date: the people whose means are tested together."""
    rows = db.execute(
        select(HouseholdMember, Person).join(Person, Person.id == HouseholdMember.person_id)
        .where(HouseholdMember.household_id == household_id,
               HouseholdMember.start_date <= on,
               or_(HouseholdMember.end_date.is_(None), HouseholdMember.end_date >= on))
        .order_by(HouseholdMember.id)
    ).all()
    return [(m, p) for m, p in rows if p.death_date is None or p.death_date > on]


# --------------------------------------------------------------------------- parameters


def _rules(snap: PolicySnapshot, province: str, area: str) -> b.Arguments:
    """Every rule the means test and the allowances use, with the parameter behind each."""
    return b.bind(snap, {
        "dibao_standard": f"assistance.dibao.standard_{area}",
        "near_dibao_multiple": "assistance.near_dibao_multiple",
        "extreme_poverty_multiple": "assistance.extreme_poverty_multiple",
        "review_months": "assistance.dibao.review_months",
        "deposit_months_of_standard": "assistance.assets.deposit_months_of_standard",
        "max_vehicles": "assistance.assets.max_vehicles",
        "max_properties": "assistance.assets.max_properties",
        "extreme_poverty_review_months": "assistance.programmes.extreme_poverty_review_months",
        "near_dibao_review_months": "assistance.programmes.near_dibao_review_months",
        "temporary_max_months_of_standard":
            "assistance.programmes.temporary_max_months_of_standard",
        "orphan_allowance": "assistance.programmes.orphan_allowance",
        "orphan_max_age": "assistance.programmes.orphan_max_age",
        "disability_living_subsidy": "assistance.programmes.disability_living_subsidy",
        "disability_care_subsidy": "assistance.programmes.disability_care_subsidy",
        "disability_care_max_grade": "assistance.programmes.disability_care_max_grade",
        "old_age_allowance": "assistance.programmes.old_age_allowance",
        "old_age_min_age": "assistance.programmes.old_age_min_age",
        "veteran_allowance": "assistance.programmes.veteran_allowance",
        "welfare_review_months": "assistance.programmes.welfare_review_months",
    }, province)


# --------------------------------------------------------------------------- application


def _missing(programme: str, declared: dict[str, Any], members: list[tuple[HouseholdMember,
             Person]], person_id: int | None) -> list[InputError]:
    """Everything an application lacks, each naming the field: returned, not stored."""
    missing: list[InputError] = []
    if programme in HOUSEHOLD_PROGRAMMES:
        lines = {m.get("person_id"): m for m in declared.get("members") or []}
        for _, person in members:
            line = lines.get(person.id)
            if line is None:
                missing.append(InputError(f"members[{person.id}]",
                                          f"income of {person.name} is not declared"))
                continue
            for key in INCOME_LINES:
                if line.get(key) is None:
                    missing.append(InputError(f"members[{person.id}].{key}", "missing"))
        for key in ("deposits_fen", "vehicles", "properties"):
            if declared.get(key) is None:
                missing.append(InputError(key, "missing: declare 0 if none"))
        if programme == "temporary":
            for key in ("hardship", "requested_fen"):
                if not declared.get(key):
                    missing.append(InputError(key, "missing"))
    else:
        if person_id is None:
            missing.append(InputError("person_id", "name the member the allowance is for"))
        need = {"disability_living": "disability_grade", "disability_care": "disability_grade",
                "veteran": "veteran_certificate", "orphan": "guardian"}.get(programme)
        if need and not declared.get(need):
            missing.append(InputError(need, "missing"))
    return missing


def _check_values(declared: dict[str, Any], members: list[tuple[HouseholdMember, Person]]) -> None:
    """Refuse values that cannot be right (negative money, a stranger's income line)."""
    ids = {p.id for _, p in members}
    errors: list[InputError] = []
    for line in declared.get("members") or []:
        if line.get("person_id") not in ids:
            errors.append(InputError("members.person_id",
                                     f"{line.get('person_id')} is not a member of the household"))
        for key in INCOME_LINES:
            value = line.get(key)
            if value is not None and (not isinstance(value, int) or value < 0):
                errors.append(InputError(f"members[{line.get('person_id')}].{key}",
                                         "must be a whole number of fen, 0 or more"))
    for key in ("deposits_fen", "vehicles", "properties", "requested_fen"):
        value = declared.get(key)
        if value is not None and (not isinstance(value, int) or value < 0):
            errors.append(InputError(key, "must be a whole number, 0 or more"))
    grade = declared.get("disability_grade")
    if grade is not None and grade not in (1, 2, 3, 4):
        errors.append(InputError("disability_grade", "must be 1, 2, 3 or 4"))
    if errors:
        raise InputErrors(errors)


def apply(
    db: Session, user: User, household_id: int, programme: str, declared: dict[str, Any], *,
    area: str, applied_on: date | None = None, person_id: int | None = None,
) -> AssistanceApplication:
    """File an application: complete ones are cross-checked and wait for a caseworker;
    incomplete ones are returned (InputErrors) listing everything missing, and nothing is kept."""
    household = household_for(db, user, household_id, "assistance.apply")
    if programme not in PROGRAMMES:
        raise InputError("programme", f"must be one of {', '.join(PROGRAMMES)}")
    if area not in ("urban", "rural"):
        raise InputError("area", "must be urban or rural")
    on = applied_on or date.today()
    if on > date.today():
        raise InputError("applied_on", "cannot be in the future")
    members = current_members(db, household.id, on)
    if not members:
        raise InputError("household_id", "the household has no members on that date")
    if person_id is not None and person_id not in {p.id for _, p in members}:
        raise InputError("person_id", "is not a member of the household")
    missing = _missing(programme, declared, members, person_id)
    if missing:
        raise InputErrors(missing)
    _check_values(declared, members)
    open_case = db.scalar(select(AssistanceApplication.id).where(
        AssistanceApplication.household_id == household.id,
        AssistanceApplication.programme == programme,
        AssistanceApplication.person_id.is_(None) if person_id is None
        else AssistanceApplication.person_id == person_id,
        AssistanceApplication.status.in_((PENDING, APPROVED))))
    if open_case is not None:
        raise InputError("programme", f"the household already has application {open_case} "
                                      "for this programme pending or approved")
    app = AssistanceApplication(
        household_id=household.id, person_id=person_id, programme=programme,
        region_code=household.region_code, province=_province(household.region_code),
        area=area, applied_on=on, status=PENDING, household_size=len(members),
        declared=declared, created_by=user.id,
    )
    db.add(app)
    db.flush()
    _event(db, app, "submitted", f"{programme} application for {len(members)} members", user)
    assess(db, app, members)
    return app


# --------------------------------------------------------------------------- cross-checks


@dataclass
class _Member:
    person: Person
    declared_wages: int
    recorded_wages: int
    wages_on_record: bool
    recorded_benefits: int
    declared_other: int


def _recorded_wage(db: Session, person_id: int, on: date) -> tuple[int, bool, str]:
    """(monthly wage employers declared lately, whether the employment is on record, source).

    The latest three declared months before `on`; without declarations, the wage of an
    employment spell in force. A person with no spell at all is unknown to the records.
    """
    month = f"{on:%Y-%m}"
    since = format_month(parse_month(month) - 3)
    rows = db.execute(
        select(Bill.month, func.sum(Contribution.wage_fen))
        .join(Contribution, Contribution.bill_id == Bill.id)
        .where(Contribution.person_id == person_id, Bill.month >= since, Bill.month < month,
               Bill.declaration_id.is_not(None))
        .group_by(Bill.month).order_by(Bill.month.desc())
    ).all()
    if rows:
        return int(rows[0][1]), True, f"contributions: wages declared for {rows[0][0]}"
    spells = db.execute(select(EmploymentSpell.monthly_wage_fen, EmploymentSpell.start_date,
                               EmploymentSpell.end_date)
                        .where(EmploymentSpell.person_id == person_id)).all()
    if not spells:
        return 0, False, "registry: no employment on record"
    open_wage = sum(w for w, start, end in spells if start <= on and (end is None or end >= on))
    return int(open_wage), True, "registry: employment spells"


def _recorded_benefits(db: Session, person_id: int, on: date) -> tuple[int, int]:
    """(latest monthly pension paid, monthly unemployment benefit of an active claim)."""
    pension = db.scalar(select(PensionPayment.amount_fen)
                        .where(PensionPayment.person_id == person_id,
                               PensionPayment.month < f"{on:%Y-%m}")
                        .order_by(PensionPayment.month.desc()).limit(1)) or 0
    benefit = db.scalar(select(UnemploymentClaim.monthly_benefit_fen)
                        .where(UnemploymentClaim.person_id == person_id,
                               UnemploymentClaim.status == "active")
                        .limit(1)) or 0
    return int(pension), int(benefit)


def _covered(db: Session, region: str, kind: str) -> ExternalImport | None:
    """The latest imported file of `kind` that covers the region."""
    files = db.scalars(select(ExternalImport).where(ExternalImport.kind == kind)
                       .order_by(ExternalImport.id.desc())).all()
    return next((f for f in files if is_within(region, f.region_code)), None)


def _add(found: list[Discrepancy], app: AssistanceApplication, person: Person | None,
         source: str, field: str, declared: object, recorded: object, detail: str) -> None:
    found.append(Discrepancy(application_id=app.id, person_id=person.id if person else None,
                             source=source, field=field, declared=str(declared),
                             recorded=str(recorded), detail=detail))


def assess(db: Session, app: AssistanceApplication,
           members: list[tuple[HouseholdMember, Person]] | None = None) -> None:
    """Cross-check the declaration, run the means test on declared and on recorded means,
    list every discrepancy (new ones only) and store the proposal for the caseworker."""
    on = app.applied_on if app.status == PENDING and not app.decided_at else date.today()
    members = members if members is not None else current_members(db, app.household_id, on)
    declared = app.declared
    lines = {m.get("person_id"): m for m in declared.get("members") or []}
    found: list[Discrepancy] = []
    people: list[_Member] = []
    for _, person in members:
        line = lines.get(person.id, {})
        wage, on_record, source = _recorded_wage(db, person.id, on)
        pension, unemployment = _recorded_benefits(db, person.id, on)
        d_wage = int(line.get("wages_fen") or 0)
        if on_record and wage != d_wage:
            _add(found, app, person, source.split(":")[0], "wages_fen", d_wage, wage,
                 f"{person.name}: declared wages {d_wage} fen, {source} {wage} fen")
        for key, recorded, what in (("pension_fen", pension, "pension_payments"),
                                    ("unemployment_fen", unemployment, "unemployment_claims")):
            if recorded != int(line.get(key) or 0):
                _add(found, app, person, what, key, int(line.get(key) or 0), recorded,
                     f"{person.name}: declared {key} {int(line.get(key) or 0)} fen, "
                     f"shebao pays {recorded} fen")
        for employer in db.scalars(select(Employer).where(
                Employer.legal_representative_person_id == person.id)):
            _add(found, app, person, "registry:employers", "legal_representative", "no",
                 employer.name, f"{person.name} is the legal representative of "
                                f"{employer.name} ({employer.credit_code})")
        people.append(_Member(person, d_wage, wage, on_record, pension + unemployment,
                              int(line.get("other_fen") or 0)))
    holdings: dict[str, Any] = {}
    for kind, key in (("vehicle", "vehicles"), ("property", "properties"),
                      ("deposit", "deposits_fen")):
        file = _covered(db, app.region_code, kind)
        rows = db.scalars(select(ExternalRecord).where(
            ExternalRecord.kind == kind, ExternalRecord.import_id == (file.id if file else -1),
            ExternalRecord.person_id.in_([m.person.id for m in people]))).all()
        recorded = (sum(r.value_fen for r in rows) if kind == "deposit" else len(rows))
        d_value = int(declared.get(key) or 0)
        holdings[key] = (d_value, recorded, file is not None)
        if file is not None and recorded != d_value:
            _add(found, app, None, f"external:{kind}", key, d_value, recorded,
                 f"declared {key} {d_value}, {file.source} (as of {file.as_of}) shows {recorded}: "
                 + "; ".join(r.reference for r in rows)[:150])
    income_declared = sum(m.declared_wages + m.declared_other for m in people) + sum(
        int(lines.get(m.person.id, {}).get(k) or 0) for m in people
        for k in ("pension_fen", "unemployment_fen"))
    income_recorded = int(formulas.assessed_income(
        [m.declared_wages for m in people], [m.recorded_wages for m in people],
        [m.wages_on_record for m in people], [m.declared_other for m in people],
        [m.recorded_benefits for m in people]).sum())
    assessed = {key: int(formulas.assessed_holding(*value)) for key, value in holdings.items()}
    declared_assets = {key: value[0] for key, value in holdings.items()}
    snap = Policy.at(on, app.region_code)
    rules = _rules(snap, app.province, app.area)
    tests = {
        "declared": _proposal(db, app, members, rules, income_declared, declared_assets, on),
        "assessed": _proposal(db, app, members, rules, income_recorded, assessed, on),
    }
    known = {(d.source, d.field, d.person_id, d.recorded) for d in app.discrepancies}
    # A welfare allowance is not means-tested: the household's means raise no discrepancy.
    for d in found if app.programme in HOUSEHOLD_PROGRAMMES else []:
        if (d.source, d.field, d.person_id, d.recorded) not in known:
            db.add(d)
    app.household_size = len(members)
    app.assessment = {"on": on.isoformat(), "income_declared_fen": income_declared,
                      "income_recorded_fen": income_recorded, "assets_declared": declared_assets,
                      "assets_recorded": assessed, "tests": tests,
                      "parameters": plain(rules.explain())}
    app.declared_amount_fen = tests["declared"]["amount_fen"]
    app.assessed_amount_fen = tests["assessed"]["amount_fen"]
    db.flush()
    db.refresh(app)


def _proposal(
    db: Session, app: AssistanceApplication, members: list[tuple[HouseholdMember, Person]],
    rules: b.Arguments, income: int, assets: dict[str, int], on: date,
) -> dict[str, Any]:
    """What the rules give on one view of the means: eligible, amount, and why."""
    v = rules.values
    size = len(members)
    std = int(v["dibao_standard"])
    disq = bool(formulas.asset_disqualified(
        assets["deposits_fen"], assets["vehicles"], assets["properties"], size, std,
        deposit_months_of_standard=int(v["deposit_months_of_standard"]),
        max_vehicles=int(v["max_vehicles"]), max_properties=int(v["max_properties"])))
    test = formulas.dibao(income, size, std, disq, near_dibao_multiple=v["near_dibao_multiple"])
    out: dict[str, Any] = {"income_fen": income, "household_size": size, "standard_fen": std,
                           "asset_disqualified": disq, "per_capita_income_fen":
                           round(float(test["per_capita_income"]), 2)}
    programme = app.programme
    person = next((p for _, p in members if p.id == app.person_id), None)
    if programme == "dibao":
        eligible, amount = bool(test["eligible"]), int(test["top_up"])
        why = "per-capita income below the standard, assets within the limits"
    elif programme == "near_dibao":
        eligible, amount = bool(test["near_dibao"]), 0
        why = "not eligible for dibao but per-capita income below the edge multiple"
    elif programme == "extreme_poverty":
        ep = int(formulas.extreme_poverty_standard(
            std, extreme_poverty_multiple=v["extreme_poverty_multiple"]))
        eligible = not disq and income < ep * size
        amount = ep * size - income if eligible else 0
        why = f"basic living standard {ep} fen a member less income (no work capacity, income " \
              "or supporter: the caseworker confirms)"
    elif programme == "temporary":
        cap = int(formulas.temporary_assistance_cap(
            std, size, temporary_max_months_of_standard=v["temporary_max_months_of_standard"]))
        requested = int(app.declared.get("requested_fen") or 0)
        eligible, amount = not disq, min(requested, cap)
        why = f"one-off: requested amount, at most {cap} fen"
    else:
        eligible, amount, why = _allowance(db, app, person, v, on)
    out.update(eligible=eligible, amount_fen=amount if eligible else 0, why=why)
    return out


def _allowance(db: Session, app: AssistanceApplication, person: Person | None,
               v: dict[str, Any], on: date) -> tuple[bool, int, str]:
    """A welfare allowance for one member: its condition, as far as records can tell."""
    assert person is not None
    age = _age(person.birth_date, on)
    grade = app.declared.get("disability_grade")
    match app.programme:
        case "orphan":
            return (age < int(v["orphan_max_age"]), int(v["orphan_allowance"]),
                    f"aged {age}, under {v['orphan_max_age']}; both parents dead or missing "
                    "(the caseworker checks the evidence)")
        case "disability_living":
            in_dibao = db.scalar(select(AssistanceApplication.id).where(
                AssistanceApplication.household_id == app.household_id,
                AssistanceApplication.programme.in_(("dibao", "extreme_poverty")),
                AssistanceApplication.status == APPROVED)) is not None
            return (in_dibao and grade is not None, int(v["disability_living_subsidy"]),
                    "a disability certificate and a household receiving dibao or extreme-"
                    f"poverty support ({'yes' if in_dibao else 'no'})")
        case "disability_care":
            return (grade is not None and int(grade) <= int(v["disability_care_max_grade"]),
                    int(v["disability_care_subsidy"]),
                    f"disability grade {grade}, at most {v['disability_care_max_grade']}")
        case "old_age":
            return (age >= int(v["old_age_min_age"]), int(v["old_age_allowance"]),
                    f"aged {age}, at least {v['old_age_min_age']}")
        case _:  # veteran
            return (bool(app.declared.get("veteran_certificate")), int(v["veteran_allowance"]),
                    "certified by the veterans' affairs office")


# --------------------------------------------------------------------------- external files


def read_csv(text: str) -> list[tuple[int, dict[str, str]]]:
    """Rows of an external file as (line number, row); the header must be exactly CSV_HEADER."""
    header, found = csvrows.records(text)
    if header != CSV_HEADER:
        raise InputError("file", f"the header must be {','.join(CSV_HEADER)}")
    return found


def import_file(
    db: Session, user: User, kind: str, region_code: str, source: str, as_of: date, text: str,
) -> ExternalImport:
    """Import a register's file for a region; one bad row rejects the whole file, listing
    every bad row, and nothing is kept."""
    require(user, "assistance.import")
    if kind not in EXTERNAL_KINDS:
        raise InputError("kind", f"must be one of {', '.join(EXTERNAL_KINDS)}")
    get_region(region_code)
    if not may_reach_region(user, region_code):
        raise InputError("region_code", "is outside the region your account serves")
    if not source.strip():
        raise InputError("source", "name the register that supplied the file")
    rows = read_csv(text)
    if not rows:
        raise InputError("file", "has no rows")
    numbers = {row.get("identity_number") or "" for _, row in rows}
    persons = dict(db.execute(select(Person.identity_number, Person.id)
                              .where(Person.identity_number.in_(numbers))).all())
    errors: list[InputError] = []
    records = []
    for line, row in rows:
        number = (row.get("identity_number") or "").strip()
        try:
            parse_resident_id(number)
        except InputError as bad:
            errors.append(InputError(f"line {line}: identity_number", bad.reason))
            continue
        if number not in persons:
            errors.append(InputError(f"line {line}: identity_number", "no such person"))
            continue
        reference = (row.get("reference") or "").strip()
        if not reference or len(reference) > 64:
            errors.append(InputError(f"line {line}: reference", "1 to 64 characters"))
            continue
        raw = (row.get("value_fen") or "").strip()
        if not raw.isdigit():
            errors.append(InputError(f"line {line}: value_fen",
                                     f"{raw!r} is not a whole number of fen"))
            continue
        records.append(ExternalRecord(person_id=persons[number], kind=kind,
                                      reference=reference, value_fen=int(raw)))
    if errors:
        raise InputErrors(errors)
    found = ExternalImport(kind=kind, region_code=region_code, source=source.strip(),
                           as_of=as_of, rows=len(records), imported_by=user.id)
    db.add(found)
    db.flush()
    for record in records:
        record.import_id = found.id
    db.add_all(records)
    db.flush()
    return found


# --------------------------------------------------------------------------- decisions


def application_for(db: Session, user: User, app_id: int,
                    permission: str = "assistance.read") -> AssistanceApplication:
    require(user, permission)
    app = db.get(AssistanceApplication, app_id)
    if app is None:
        raise NotFound(f"assistance application {app_id}")
    household_for(db, user, app.household_id, permission)
    return app


def _staff_case(db: Session, user: User, app_id: int, permission: str) -> AssistanceApplication:
    app = application_for(db, user, app_id, permission)
    if user.role == Role.citizen:
        raise NotFound(f"assistance application {app_id}")
    return app


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise InputError("reason", "state the reason for the decision")
    return reason[:500]


def resolve_discrepancy(db: Session, user: User, discrepancy_id: int, status: str,
                        note: str) -> Discrepancy:
    """A caseworker marks a discrepancy explained (the declaration stands) or confirmed (the
    record stands), with a note."""
    found = db.get(Discrepancy, discrepancy_id)
    if found is None:
        raise NotFound(f"discrepancy {discrepancy_id}")
    _staff_case(db, user, found.application_id, "assistance.decide")
    if status not in ("explained", "confirmed"):
        raise InputError("status", "must be explained or confirmed")
    found.status, found.note, found.resolved_by = status, _reason(note), user.id
    db.flush()
    return found


def _require_resolved(app: AssistanceApplication) -> None:
    """A caseworker decides only once every discrepancy is explained or confirmed."""
    still_open = [d.id for d in app.discrepancies if d.status == "open"]
    if still_open:
        raise InputError("discrepancies", f"resolve every discrepancy first: {still_open}")


def _review_months(app: AssistanceApplication, members: list[tuple[HouseholdMember, Person]],
                   v: dict[str, Any], on: date) -> int:
    if app.programme == "dibao":
        table = v["review_months"]
        working = any(WORKING_AGES[0] <= _age(p.birth_date, on) <= WORKING_AGES[1]
                      for _, p in members)
        return int(table["with_working_age_members" if working else "default"])
    return int({"extreme_poverty": v["extreme_poverty_review_months"],
                "near_dibao": v["near_dibao_review_months"]}.get(
                    app.programme, v["welfare_review_months"]))


def _add_months(day: date, months: int) -> date:
    n = day.year * 12 + day.month - 1 + months
    return date(n // 12, n % 12 + 1, min(day.day, 28))


def _set_recipients(db: Session, user: User, app: AssistanceApplication, on: date,
                    stop: bool) -> None:
    """The medical-assistance recipient flag follows the household's case (benefits/medical)."""
    kind = RECIPIENT_KIND.get(app.programme)
    if kind is None:
        return
    for _, person in current_members(db, app.household_id, on):
        medical.set_recipient(db, user, person.id, None if stop else kind, on)


def decide(db: Session, user: User, app_id: int, approve: bool, reason: str,
           basis: str = "assessed", first_month: str | None = None) -> AssistanceApplication:
    """The caseworker's decision, once every discrepancy is resolved; the reason is kept and
    a notice is recorded for the household."""
    app = _staff_case(db, user, app_id, "assistance.decide")
    reason = _reason(reason)
    if app.status != PENDING:
        raise InputError("status", f"application {app.id} is {app.status}, not pending")
    _require_resolved(app)
    if basis not in ("assessed", "declared"):
        raise InputError("basis", "must be assessed or declared")
    test = app.assessment["tests"][basis]
    today = date.today()
    if approve and not test["eligible"]:
        raise InputError("basis", f"on the {basis} means the household does not qualify "
                                  f"({test['why']}); choose the other basis or refuse")
    app.decided_by, app.decided_at, app.decision_reason = user.id, utcnow(), reason
    app.appeal_open = False
    if approve:
        month = first_month or f"{max(app.applied_on, today):%Y-%m}"
        parse_month(month)
        members = current_members(db, app.household_id, today)
        rules = _rules(Policy.at(today, app.region_code), app.province, app.area)
        app.status, app.basis, app.first_month = APPROVED, basis, month
        app.monthly_amount_fen = int(test["amount_fen"])
        app.next_review = _add_months(today, _review_months(app, members, rules.values, today))
        app.review_flagged = False
        _set_recipients(db, user, app, app.applied_on, stop=False)
        notice = (f"approved from {month}: {app.monthly_amount_fen} fen "
                  f"{'once' if app.programme == 'temporary' else 'a month'}; "
                  f"next review by {app.next_review}")
    else:
        app.status, app.monthly_amount_fen = REFUSED, 0
        notice = f"refused: {reason}; the household may appeal"
    _event(db, app, "decision", f"{'approve' if approve else 'refuse'} on {basis} means: "
                                f"{reason}", user)
    _event(db, app, "notice", notice, user)
    db.flush()
    return app


def review(db: Session, user: User, app_id: int, declared: dict[str, Any]) -> AssistanceApplication:
    """A periodic (or flagged) re-review: the household declares again, the cross-checks run
    again and the case waits for the caseworker's adjust, continue or stop."""
    app = _staff_case(db, user, app_id, "assistance.decide")
    if app.status != APPROVED:
        raise InputError("status", f"application {app.id} is {app.status}: only an approved "
                                   "case is reviewed")
    members = current_members(db, app.household_id, date.today())
    missing = _missing(app.programme, declared, members, app.person_id)
    if missing:
        raise InputErrors(missing)
    _check_values(declared, members)
    app.declared = declared
    assess(db, app, members)
    app.review_flagged = True
    _event(db, app, "review", "re-declared; cross-checks run again", user)
    db.flush()
    return app


def adjust(db: Session, user: User, app_id: int, action: str, reason: str,
           basis: str = "assessed") -> AssistanceApplication:
    """After a review or a flag: continue unchanged, adjust the amount, or stop, from the next
    month (the month's notice), with the reason kept."""
    app = _staff_case(db, user, app_id, "assistance.decide")
    reason = _reason(reason)
    if app.status != APPROVED:
        raise InputError("status", f"application {app.id} is {app.status}, not approved")
    _require_resolved(app)
    today = date.today()
    effective = format_month(parse_month(f"{today:%Y-%m}") + 1)
    rules = _rules(Policy.at(today, app.region_code), app.province, app.area)
    members = current_members(db, app.household_id, today)
    if action == "stop":
        app.status, app.last_month = STOPPED, format_month(parse_month(effective) - 1)
        _set_recipients(db, user, app, today, stop=True)
        notice = f"stopped: last payment {app.last_month}; {reason}; the household may appeal"
    elif action == "adjust":
        if basis not in ("assessed", "declared"):
            raise InputError("basis", "must be assessed or declared")
        test = app.assessment["tests"][basis]
        if not test["eligible"]:
            raise InputError("action", f"on the {basis} means the household no longer "
                                       "qualifies: stop (with notice) or continue")
        old = app.monthly_amount_fen
        app.monthly_amount_fen, app.basis = int(test["amount_fen"]), basis
        notice = f"amount {old} → {app.monthly_amount_fen} fen a month from {effective}; {reason}"
        _event(db, app, "adjustment", f"from {effective}: {old} → {app.monthly_amount_fen}", user)
    elif action == "continue":
        notice = f"continued unchanged; {reason}"
    else:
        raise InputError("action", "must be continue, adjust or stop")
    app.review_flagged = False
    app.decided_by, app.decided_at, app.decision_reason = user.id, utcnow(), reason
    if action != "stop":
        app.next_review = _add_months(today, _review_months(app, members, rules.values, today))
    _event(db, app, "decision", f"{action}: {reason}", user)
    _event(db, app, "notice", notice, user)
    db.flush()
    return app


def appeal(db: Session, user: User, app_id: int, grounds: str) -> AssistanceApplication:
    """The household appeals a refusal or a stop; a different caseworker decides it."""
    app = application_for(db, user, app_id, "assistance.appeal")
    if app.status not in (REFUSED, STOPPED):
        raise InputError("status", "only a refusal or a stop can be appealed")
    if app.appeal_open:
        raise InputError("status", "an appeal is already open")
    app.appeal_open = True
    _event(db, app, "appeal", _reason(grounds), user)
    db.flush()
    return app


def decide_appeal(db: Session, user: User, app_id: int, upheld: bool,
                  reason: str) -> AssistanceApplication:
    """Upheld: the case returns to pending for a fresh decision (a stop is undone first);
    dismissed: the decision stands. The caseworker who decided may not judge the appeal."""
    app = _staff_case(db, user, app_id, "assistance.decide")
    reason = _reason(reason)
    if not app.appeal_open:
        raise InputError("status", "there is no open appeal")
    if app.decided_by == user.id:
        raise InputError("user", "the caseworker who decided cannot decide the appeal")
    app.appeal_open = False
    if upheld:
        if app.status == STOPPED:
            app.status, app.last_month = APPROVED, None
            _set_recipients(db, user, app, date.today(), stop=False)
        else:
            app.status = PENDING
    _event(db, app, "appeal_decision", f"{'upheld' if upheld else 'dismissed'}: {reason}", user)
    _event(db, app, "notice", f"appeal {'upheld' if upheld else 'dismissed'}: {reason}", user)
    db.flush()
    return app


# --------------------------------------------------------------------------- changes, runs


def flag_changes(db: Session, user: User) -> int:
    """Flag the approved cases in the user's region whose circumstances changed since the
    decision: a member newly employed, a pension or unemployment benefit started. A flag asks
    for a review; nothing is stopped."""
    require(user, "assistance.decide")
    cases = db.scalars(select(AssistanceApplication).where(
        AssistanceApplication.region_code.startswith(scope_prefix(user.region_code)),
        AssistanceApplication.status == APPROVED,
        AssistanceApplication.programme.in_(HOUSEHOLD_PROGRAMMES))).all()
    flagged = 0
    for app in cases:
        assert app.decided_at is not None
        since = app.decided_at.date()
        known = {(d.source, d.person_id, d.recorded) for d in app.discrepancies}
        changes: list[Discrepancy] = []
        for _, person in current_members(db, app.household_id, date.today()):
            for spell in db.scalars(select(EmploymentSpell).where(
                    EmploymentSpell.person_id == person.id, EmploymentSpell.start_date >= since)):
                _add(changes, app, person, "registry:employment", "wages_fen", "",
                     spell.monthly_wage_fen, f"{person.name} employed from {spell.start_date} "
                     f"at {spell.monthly_wage_fen} fen a month")
            pension = db.scalar(select(func.min(PensionPayment.month)).where(
                PensionPayment.person_id == person.id, PensionPayment.paid_on >= since))
            if pension is not None:
                _add(changes, app, person, "pension_payments", "pension_fen", "", pension,
                     f"{person.name}: pension paid from {pension}")
            claim = db.scalar(select(UnemploymentClaim.first_month).where(
                UnemploymentClaim.person_id == person.id,
                UnemploymentClaim.registration_date >= since))
            if claim is not None:
                _add(changes, app, person, "unemployment_claims", "unemployment_fen", "", claim,
                     f"{person.name}: unemployment benefit from {claim}")
        new = [d for d in changes if (d.source, d.person_id, d.recorded) not in known]
        if new:
            app.discrepancies.extend(new)
            app.review_flagged = True
            _event(db, app, "flag", "; ".join(d.detail for d in new), user)
            flagged += 1
    db.flush()
    return flagged


def fund(db: Session, user: User, province: str, amount_fen: int, reference: str) -> int:
    """The province's finance allocates money to its assistance fund; returns the entry id."""
    require(user, "assistance.pay")
    accounts.province(province)
    if not may_reach_region(user, province):
        raise InputError("province", "is outside the region your account serves")
    if amount_fen <= 0:
        raise InputError("amount_fen", "must be more than 0")
    posted = ledger.post_in(db, ledger.PostingRequest(
        idempotency_key=f"assistance-fund-{province}-{reference}", kind="fiscal_subsidy",
        memo=f"assistance fund allocation {reference}", effective_date=date.today(),
        lines=[(accounts.fiscal_subsidy(province), amount_fen),
               (accounts.pool("assistance", province), -amount_fen)],
    ), province, actor_id=user.id)
    return posted.entry_id


@dataclass(frozen=True)
class MonthRun:
    """What one month's run did; a re-run pays nobody twice."""

    month: str
    province: str
    paid: int
    already_paid: int
    amount_fen: int
    flagged_for_review: int


def run_month(db: Session, user: User, province: str, month: str) -> MonthRun:
    """Pay every approved case of the province for the month once, from its assistance fund.
    Flagged cases are paid too, until a caseworker decides: the machine stops nobody."""
    number = check_month_run(user, "assistance.pay", province, month)
    cases = list(db.scalars(
        select(AssistanceApplication)
        .where(AssistanceApplication.province == province,
               AssistanceApplication.status.in_((APPROVED, STOPPED)),
               AssistanceApplication.first_month <= month,
               AssistanceApplication.monthly_amount_fen > 0)
        .order_by(AssistanceApplication.id).with_for_update()))
    done = {a for a, in db.execute(select(AssistancePayment.application_id).where(
        AssistancePayment.application_id.in_([c.id for c in cases]),
        AssistancePayment.month == month))} if cases else set()
    paid = already = amount = flagged = 0
    for app in cases:
        if app.last_month is not None and app.last_month < month:
            continue
        if app.programme == "temporary" and (app.payments and app.id not in done):
            continue  # paid once, in an earlier month
        if app.id in done:
            already += 1
            continue
        posted = ledger.post_in(db, ledger.PostingRequest(
            idempotency_key=f"assistance-{app.id}-{month}", kind="assistance_benefit",
            memo=f"{app.programme} case {app.id}, {month}", effective_date=b.month_start(number),
            lines=[(accounts.pool("assistance", province), app.monthly_amount_fen),
                   (accounts.settlement(province), -app.monthly_amount_fen)],
        ), province, actor_id=user.id)
        db.add(AssistancePayment(application_id=app.id, month=month,
                                 amount_fen=app.monthly_amount_fen,
                                 ledger_entry_id=posted.entry_id))
        paid += 1
        amount += app.monthly_amount_fen
        flagged += int(app.review_flagged)
    db.flush()
    return MonthRun(month, province, paid, already, amount, flagged)


# --------------------------------------------------------------------------- lists


def applications(db: Session, user: User, *, status: str | None = None,
                 household_id: int | None = None) -> list[AssistanceApplication]:
    """A citizen's household's applications, or every application in the staff's region."""
    require(user, "assistance.read")
    query = select(AssistanceApplication).order_by(AssistanceApplication.id.desc()).limit(500)
    if user.role == Role.citizen:
        households = select(HouseholdMember.household_id).where(
            HouseholdMember.person_id == (user.person_id or -1),
            HouseholdMember.end_date.is_(None))
        query = query.where(AssistanceApplication.household_id.in_(households))
    else:
        query = query.where(AssistanceApplication.region_code.startswith(
            scope_prefix(user.region_code)))
    if household_id is not None:
        query = query.where(AssistanceApplication.household_id == household_id)
    if status is not None:
        query = query.where(AssistanceApplication.status == status)
    return list(db.scalars(query))


def reviews_due(db: Session, user: User, on: date | None = None) -> list[AssistanceApplication]:
    """Approved cases due for their periodic review or flagged by a change."""
    on = on or date.today()
    return [a for a in applications(db, user, status=APPROVED)
            if a.review_flagged or (a.next_review is not None and a.next_review <= on)]


def open_discrepancies(db: Session, user: User) -> list[Discrepancy]:
    """Every open discrepancy in the staff's region, oldest first."""
    require(user, "assistance.decide")
    return list(db.scalars(
        select(Discrepancy).join(AssistanceApplication)
        .where(Discrepancy.status == "open",
               AssistanceApplication.region_code.startswith(scope_prefix(user.region_code)))
        .order_by(Discrepancy.id).limit(500)))
