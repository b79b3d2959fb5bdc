"""Unemployment claims: eligibility, entitlement with carry-over, and the monthly payment run.

A claim fixes the entitlement when the person registers (Social Insurance Law arts. 45–47):
months by the contribution years counted from every region's record, plus the unused months of
the previous claim (contributions count afresh after re-employment, art. 46), 24 at most; a
benefit that would end within a year of the statutory retirement age runs on to retirement.
Each month's run pays every active claim once (the ledger key is the claim and month) and stops
a claim whose holder a new employer has declared or hired.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from shebao.auth.authz import NotFound, may_reach_region, person_for, require
from shebao.auth.models import Role, User
from shebao.benefits.runs import check_month_run
from shebao.benefits.unemployment.models import UnemploymentClaim, UnemploymentPayment
from shebao.calc import schemas as calc_schemas
from shebao.calc.service import plain, retirement_rule
from shebao.contributions.models import Bill, Contribution, covers
from shebao.errors import InputError
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.policy import Policy, PolicySnapshot
from shebao.policy import bindings as b
from shebao.policy.formulas import unemployment as formulas
from shebao.policy.formulas.periods import format_month, parse_month
from shebao.registry.models import EmploymentSpell, Person
from shebao.registry.regions import get_region, scope_prefix

ACTIVE, EXHAUSTED, STOPPED = "active", "exhausted", "stopped"


def paid_unemployment_months(
    db: Session, person_id: int, before: str, after: str | None = None
) -> int:
    """Months with paid unemployment contributions for the person, in every region.

    Counts distinct months strictly between `after` (if given) and `before` (YYYY-MM): a month
    paid by two employers counts once. Only paid bills count: contributions owed are not
    contributions made.
    """
    query = (
        select(func.count(func.distinct(Bill.month)))
        .join(Contribution, Contribution.bill_id == Bill.id)
        .where(Contribution.person_id == person_id, covers("unemployment"),
               Bill.status == "paid", Bill.month < before)
    )
    if after is not None:
        query = query.where(Bill.month > after)
    return int(db.scalar(query) or 0)


def _province(region: str) -> str:
    return region[:2] + "0000"


def _arguments(snap: PolicySnapshot, province: str) -> b.Arguments:
    return b.bind(
        snap,
        {
            "unemployment_benefit_ratio": "unemployment.benefit.ratio_to_minimum_wage",
            "max_total_months": "unemployment.benefit.max_total_months",
            "duration_bands": "unemployment.benefit.max_months_by_years",
            "min_contribution_years": "unemployment.benefit.min_contribution_years",
            "involuntary_reasons": "unemployment.benefit.involuntary_reasons",
            "minimum_wage": "wages.minimum_monthly",
            "urban_dibao": "assistance.dibao.standard_urban",
            "medical_contribution_base_ratio":
                "unemployment.benefit.medical_contribution_base_ratio",
            "medical_employer_rate": "employee_medical.employer_rate",
            "medical_employee_rate": "employee_medical.employee_rate",
        },
        province,
    )


def _retirement_month(person: Person, original_age: int | None) -> tuple[int, int]:
    """The statutory retirement month (number) and the original age used."""
    age = original_age or (60 if person.sex == "male" else 50)
    found = retirement_rule(calc_schemas.RetirementRequest(
        birth_month=f"{person.birth_date:%Y-%m}", sex=person.sex, original_age=age))
    return parse_month(found.retirement_month), age


def _continuation_years(snap: PolicySnapshot) -> tuple[int, b.Arguments]:
    """Years before retirement within which benefit runs on; 0 before the 2025 measure."""
    try:
        used = b.bind(snap, {"years": "unemployment.older_unemployed_years_to_retirement"})
    except InputError:
        return 0, b.Arguments({})
    return int(used.values["years"]), used


def _employed_on(db: Session, person_id: int, day: date) -> bool:
    return bool(db.scalar(select(EmploymentSpell.id).where(
        EmploymentSpell.person_id == person_id, EmploymentSpell.start_date <= day,
        or_(EmploymentSpell.end_date.is_(None), EmploymentSpell.end_date >= day),
    ).limit(1)))


def open_claim(
    db: Session, user: User, person_id: int, *, separation_reason: str, separation_date: date,
    registration_date: date, region_code: str | None = None,
    original_retirement_age: int | None = None,
) -> UnemploymentClaim:
    """Register a claim and fix its entitlement, or refuse it naming the condition not met."""
    person = person_for(db, user, person_id, "unemployment.claim")
    region = region_code or person.residence_region
    get_region(region)
    if not may_reach_region(user, region):
        raise InputError("region_code", "is outside the region your account serves")
    if registration_date > date.today():
        raise InputError("registration_date", "cannot be in the future")
    if registration_date < separation_date:
        raise InputError("registration_date", "comes before the separation date")
    if person.death_date is not None:
        raise InputError("person_id", "the person is recorded as deceased")
    if _employed_on(db, person.id, registration_date):
        raise InputError("separation_date",
                         "the person still has an employment in force on the registration date")
    # One claim at a time: the row lock makes two clerks registering the same person queue.
    db.execute(select(Person.id).where(Person.id == person.id).with_for_update())
    previous = db.scalar(
        select(UnemploymentClaim).where(UnemploymentClaim.person_id == person.id)
        .order_by(UnemploymentClaim.id.desc()).limit(1)
    )
    if previous is not None and previous.status == ACTIVE:
        raise InputError("person_id", f"already has an active claim ({previous.id})")
    province = _province(region)
    month = format_month(parse_month(f"{registration_date:%Y-%m}"))
    snap = Policy.at(registration_date, region)
    used = _arguments(snap, province)
    v = used.values
    if separation_reason not in v["involuntary_reasons"]:
        raise InputError("separation_reason", "only an involuntary loss of employment qualifies: "
                         f"one of {', '.join(v['involuntary_reasons'])}")
    carried = 0
    after = None
    if previous is not None:
        # Art. 46: contributions count afresh after re-employment; unused months carry over.
        carried = previous.entitlement_months - len(previous.payments)
        after = previous.first_month
    counted = paid_unemployment_months(db, person.id, month, after)
    bands = dict(sorted((int(k), int(m)) for k, m in v["duration_bands"].items()))
    band_args = {
        "duration_band_min_years": tuple(bands),
        "duration_band_months": tuple(bands.values()),
        "max_total_months": int(v["max_total_months"]),
        "min_contribution_months": int(v["min_contribution_years"]) * 12,
    }
    entitlement = formulas.unemployment_entitlement_months(counted, carried, **band_args)
    if not bool(entitlement["eligible"]):
        raise InputError("person_id", f"{counted} months of paid unemployment contributions "
                         f"counted; at least {band_args['min_contribution_months']} are needed")
    months = int(entitlement["total_months"])
    monthly = int(formulas.unemployment_benefit_monthly(
        v["minimum_wage"], v["urban_dibao"],
        unemployment_benefit_ratio=v["unemployment_benefit_ratio"]))
    average, average_source = b.previous_year_average_wage(snap, registration_date.year, province)
    medical = int(formulas.unemployment_medical_contribution(
        average, **{k: v[k] for k in ("medical_contribution_base_ratio", "medical_employer_rate",
                                      "medical_employee_rate")}))
    steps = formulas.explain_unemployment(
        counted, carried, v["minimum_wage"], v["urban_dibao"],
        unemployment_benefit_ratio=v["unemployment_benefit_ratio"], **band_args)
    steps[0]["inputs"]["counted"] = (
        f"paid months in every region after {after}" if after else "paid months in every region")
    first = parse_month(month)
    last = first + months - 1
    retirement, original_age = _retirement_month(person, original_retirement_age)
    if retirement <= first:
        raise InputError("person_id", f"reaches the statutory retirement age in "
                                      f"{format_month(retirement)}: a pension, not unemployment "
                                      "benefit, follows")
    years, continuation = _continuation_years(snap)
    continued = years > 0 and last + 1 < retirement <= last + 1 + years * 12
    last = retirement - 1 if continued else min(last, retirement - 1)
    steps.append({
        "step": "Benefit ending within the set years of the statutory retirement month runs on "
                "to retirement; it never runs past it",
        "formula": "last = retirement − 1 if retirement − (first + months) ≤ years × 12",
        "inputs": {"first_month": month, "retirement_month": format_month(retirement),
                   "original_retirement_age": original_age},
        "parameters": ["older_unemployed_years_to_retirement"] if years else [],
        "result": {"last_month": format_month(last), "continued": continued},
    })
    steps.append({
        "step": "Medical contributions the fund pays each month (the person pays none)",
        "formula": "round(round(ratio × average monthly wage) × (employer + employee rate))",
        "inputs": {"average_monthly_wage": average,
                   "average_wage_year": average_source.effective_from.year},
        "parameters": ["medical_contribution_base_ratio", "medical_employer_rate",
                       "medical_employee_rate"],
        "result": medical,
    })
    used = used | continuation
    claim = UnemploymentClaim(
        person_id=person.id, province=province, region_code=region,
        separation_reason=separation_reason, separation_date=separation_date,
        registration_date=registration_date, contribution_months=counted,
        carried_over_months=carried, entitlement_months=last - first + 1,
        continued_to_retirement=continued, monthly_benefit_fen=monthly,
        monthly_medical_fen=medical, first_month=month, last_month=format_month(last),
        explanation={"steps": plain(steps), "parameters": plain(used.explain())},
        created_by=user.id,
    )
    db.add(claim)
    db.flush()
    return claim


@dataclass(frozen=True)
class MonthRun:
    """What one month's run did; a re-run finds every payment made and pays nobody twice."""

    month: str
    province: str
    paid: int
    already_paid: int
    stopped: int
    benefit_fen: int
    medical_fen: int


def _reemployment(
    db: Session, claims: list[UnemploymentClaim]
) -> dict[int, tuple[str, str]]:
    """Claims whose holder a new employer has declared or hired: claim id → (month, reason).

    A declaration counts when it is for a month of the claim and comes from an employer whose
    employment of the person did not end by the separation (the old employer may still declare
    the month the person left in).
    """
    persons = {c.person_id: c for c in claims}
    if not persons:
        return {}
    since = min(c.first_month for c in claims)
    spells = db.execute(
        select(EmploymentSpell.person_id, EmploymentSpell.employer_id,
               EmploymentSpell.start_date, EmploymentSpell.end_date)
        .where(EmploymentSpell.person_id.in_(list(persons)))
    ).all()
    declared = db.execute(
        select(Contribution.person_id, Bill.employer_id, func.min(Bill.month))
        .join(Bill, Bill.id == Contribution.bill_id)
        .where(Contribution.person_id.in_(list(persons)), Bill.month >= since,
               Bill.declaration_id.is_not(None))
        .group_by(Contribution.person_id, Bill.employer_id)
    ).all()
    found: dict[int, tuple[str, str]] = {}

    def stop(claim: UnemploymentClaim, month: str, reason: str) -> None:
        if claim.id not in found or month < found[claim.id][0]:
            found[claim.id] = (month, reason)

    for person_id, _employer, start, _end in spells:
        claim = persons[person_id]
        if start > claim.registration_date:
            stop(claim, f"{start:%Y-%m}", f"employed from {start}")
    for person_id, employer_id, month in declared:
        claim = persons[person_id]
        current = any(e == employer_id and p == person_id
                      and (end is None or end > claim.separation_date)
                      for p, e, _, end in spells)
        if month >= claim.first_month and current:
            stop(claim, month, f"declared by an employer for {month}")
    return found


def run_month(db: Session, user: User, province: str, month: str) -> MonthRun:
    """Pay every active claim of `province` for `month` once; stop the re-employed and dead."""
    number = check_month_run(user, "unemployment.pay", province, month)
    claims = list(db.scalars(
        select(UnemploymentClaim)
        .where(UnemploymentClaim.province == province, UnemploymentClaim.status == ACTIVE,
               UnemploymentClaim.first_month <= month, UnemploymentClaim.last_month >= month)
        .order_by(UnemploymentClaim.id).with_for_update()
    ))
    stops = _reemployment(db, claims)
    deaths = dict(db.execute(
        select(Person.id, Person.death_date)
        .where(Person.id.in_([c.person_id for c in claims]), Person.death_date.is_not(None))
    ).all()) if claims else {}
    done = {c for c, in db.execute(
        select(UnemploymentPayment.claim_id).where(
            UnemploymentPayment.claim_id.in_([c.id for c in claims]),
            UnemploymentPayment.month == month)
    )} if claims else set()
    paid = already = stopped = benefit = medical = 0
    for claim in claims:
        stop = stops.get(claim.id)
        if claim.person_id in deaths:
            died = f"{deaths[claim.person_id]:%Y-%m}"
            if stop is None or died < stop[0]:
                stop = (format_month(parse_month(died) + 1), f"died on {deaths[claim.person_id]}")
        if stop is not None and stop[0] <= month:
            claim.status, claim.stopped_month, claim.stopped_reason = STOPPED, stop[0], stop[1]
            stopped += 1
            continue
        if claim.id in done:
            already += 1
            continue
        posted = ledger.post_in(db, ledger.PostingRequest(
            idempotency_key=f"unemployment-{claim.id}-{month}",
            kind="unemployment_benefit",
            memo=f"unemployment claim {claim.id}, {month}",
            effective_date=b.month_start(number),
            lines=[
                (accounts.pool("unemployment", province),
                 claim.monthly_benefit_fen + claim.monthly_medical_fen),
                (accounts.settlement(province), -claim.monthly_benefit_fen),
                (accounts.pool("employee_medical", province), -claim.monthly_medical_fen),
            ],
        ), province, actor_id=user.id)
        db.add(UnemploymentPayment(
            claim_id=claim.id, month=month, benefit_fen=claim.monthly_benefit_fen,
            medical_fen=claim.monthly_medical_fen, ledger_entry_id=posted.entry_id))
        if month == claim.last_month:
            claim.status = EXHAUSTED
        paid += 1
        benefit += claim.monthly_benefit_fen
        medical += claim.monthly_medical_fen
    db.flush()
    return MonthRun(month, province, paid, already, stopped, benefit, medical)


def claim_for(db: Session, user: User, claim_id: int) -> UnemploymentClaim:
    require(user, "unemployment.read")
    claim = db.get(UnemploymentClaim, claim_id)
    if claim is None:
        raise NotFound(f"unemployment claim {claim_id}")
    person_for(db, user, claim.person_id, "unemployment.read")
    return claim


def claims(
    db: Session, user: User, *, person_id: int | None = None, status: str | None = None
) -> list[UnemploymentClaim]:
    """Claims the user may see: a person's, or every claim registered in the staff's region."""
    require(user, "unemployment.read")
    query = select(UnemploymentClaim).order_by(UnemploymentClaim.id.desc()).limit(500)
    if person_id is not None:
        person_for(db, user, person_id, "unemployment.read")
        query = query.where(UnemploymentClaim.person_id == person_id)
    elif user.role == Role.citizen:
        query = query.where(UnemploymentClaim.person_id == (user.person_id or -1))
    else:
        query = query.where(UnemploymentClaim.region_code.startswith(
            scope_prefix(user.region_code)))
    if status is not None:
        query = query.where(UnemploymentClaim.status == status)
    return list(db.scalars(query))


def summary(claim: UnemploymentClaim) -> dict[str, Any]:
    """Months paid and left, for pages and the API."""
    paid = len(claim.payments)
    return {"months_paid": paid, "months_left": max(0, claim.entitlement_months - paid)
            if claim.status == ACTIVE else 0}
