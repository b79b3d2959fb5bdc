"""Work-injury awards (工伤保险条例, revised 2010): disability by grade, and death benefits.

A clerk records a recognized injury (the recognition decision's reference) with the appraised
disability grade, or a death; the award is computed from the worker's own wage (the declared
wages of the 12 months before the injury, within 60–300% of the average) and the one-off part
is paid at once from the province's work-injury fund. The monthly amounts the fund owes —
the allowance of grades 1–4, survivors' pensions — are paid by a monthly run, once per month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shebao.auth.authz import NotFound, employer_for, may_reach_region, person_for, require
from shebao.auth.models import Role, User
from shebao.benefits.injury.models import InjuryClaim, InjuryPayment, InjurySurvivor
from shebao.benefits.runs import check_month_run
from shebao.calc.service import plain
from shebao.contributions.models import Bill, Contribution
from shebao.errors import InputError
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.policy import Policy
from shebao.policy import bindings as b
from shebao.policy.formulas import injury as formulas
from shebao.policy.formulas.periods import format_month, parse_month
from shebao.registry.models import Person
from shebao.registry.regions import scope_prefix

RELATIONSHIPS = {"spouse": formulas.DEPENDANT_SPOUSE, "other": formulas.DEPENDANT_OTHER}


@dataclass(frozen=True)
class Survivor:
    relationship: str  # spouse | other
    lone: bool = False
    person_id: int | None = None


def wage_12m_average(db: Session, person_id: int, injury_date: date) -> int | None:
    """Average monthly declared wage over the 12 months before the injury's month, every
    employer and region together; None when nothing was declared."""
    month = parse_month(f"{injury_date:%Y-%m}")
    rows = db.execute(
        select(Bill.month, func.sum(Contribution.wage_fen))
        .join(Bill, Bill.id == Contribution.bill_id)
        .where(Contribution.person_id == person_id, Bill.declaration_id.is_not(None),
               Bill.month >= format_month(month - 12), Bill.month < format_month(month))
        .group_by(Bill.month)
    ).all()
    if not rows:
        return None
    total = sum(int(w) for _, w in rows)
    return (total * 2 + len(rows)) // (2 * len(rows))  # half-up to the fen


def _one_off(db: Session, claim: InjuryClaim, user: User) -> None:
    posted = ledger.post_in(db, ledger.PostingRequest(
        idempotency_key=f"injury-{claim.id}-one-off",
        kind="injury_benefit",
        memo=f"work-injury claim {claim.id}, one-off {claim.kind} award",
        effective_date=claim.recognized_on,
        lines=[(accounts.pool("work_injury", claim.province), claim.one_off_fen),
               (accounts.settlement(claim.province), -claim.one_off_fen)],
    ), claim.province, actor_id=user.id)
    db.add(InjuryPayment(claim_id=claim.id, period="one-off", amount_fen=claim.one_off_fen,
                         ledger_entry_id=posted.entry_id))


def award(
    db: Session, user: User, person_id: int, *, kind: str, injury_date: date,
    recognized_on: date, recognition_reference: str, grade: int | None = None,
    death_date: date | None = None, survivors: list[Survivor] | None = None,
    employer_id: int | None = None, wage_12m_average_fen: int | None = None,
) -> InjuryClaim:
    """Award the benefits of a recognized injury and pay the one-off part at once."""
    person = person_for(db, user, person_id, "injury.claim")
    if employer_id is not None:
        employer = employer_for(db, user, employer_id, "injury.claim")
        region = employer.region_code
    else:
        region = person.residence_region
    province = region[:2] + "0000"
    if not may_reach_region(user, region):
        raise InputError("employer_id", "is outside the region your account serves")
    if not injury_date <= recognized_on <= date.today():
        raise InputError("recognized_on", "must fall between the injury and today")
    if kind not in ("disability", "death"):
        raise InputError("kind", "must be disability or death")
    if kind == "disability" and grade is None:
        raise InputError("grade", "a disability award needs the appraised grade 1–10")
    if kind == "death" and (death_date is None or death_date < injury_date):
        raise InputError("death_date", "a death award needs the date of death, on or after "
                                       "the injury")
    if db.scalar(select(InjuryClaim.id).where(InjuryClaim.person_id == person.id,
                                              InjuryClaim.injury_date == injury_date,
                                              InjuryClaim.kind == kind)):
        raise InputError("injury_date", f"a {kind} award for this injury already exists")
    wage = wage_12m_average_fen
    if wage is None:
        wage = wage_12m_average(db, person.id, injury_date)
        if wage is None:
            raise InputError("wage_12m_average_fen", "no wages were declared in the 12 months "
                             "before the injury: give the average monthly wage")
    snap = Policy.at(injury_date, region)
    average, average_source = b.previous_year_average_wage(snap, injury_date.year, province)
    own_used = b.bind(snap, {"own_wage_floor_ratio": "work_injury.own_wage.floor_ratio",
                             "own_wage_cap_ratio": "work_injury.own_wage.cap_ratio"})
    own = int(formulas.injury_own_wage(wage, average, **own_used.values))
    table = {"convert": {k: (lambda t: [t[g] for g in sorted(t)])
                         for k in ("one_off_subsidy_months", "monthly_allowance_ratios")}}
    claim = InjuryClaim(
        person_id=person.id, employer_id=employer_id, province=province, kind=kind,
        injury_date=injury_date, recognized_on=recognized_on,
        recognition_reference=recognition_reference, wage_12m_average_fen=wage,
        own_wage_fen=own, created_by=user.id,
    )
    average_step = {"average_monthly_wage": average,
                    "average_wage_year": average_source.effective_from.year}
    if kind == "disability":
        assert grade is not None
        used = own_used | b.bind(snap, {
            "one_off_subsidy_months": "work_injury.disability.one_off_months",
            "monthly_allowance_ratios": "work_injury.disability.monthly_allowance_ratio",
            "allowance_minimum_wage_grades": "work_injury.disability.fund_allowance_max_grade",
        }, **table) | b.bind(snap, {"minimum_wage": "wages.minimum_monthly"}, province)
        v = {k: v for k, v in used.values.items() if not k.startswith("own_wage")}
        paid = formulas.disability_benefits(grade, own, **v)
        steps = formulas.explain_disability(grade, wage, average, **own_used.values, **v)
        steps[0]["inputs"].update(average_step)
        allowance = int(paid["monthly_allowance"])
        fund_grades = int(v["allowance_minimum_wage_grades"])
        claim.grade = grade
        claim.one_off_fen = int(paid["one_off_subsidy"])
        claim.monthly_fund_fen = allowance if grade <= fund_grades else 0
        claim.monthly_employer_fen = allowance if grade > fund_grades else 0
        claim.first_month = format_month(parse_month(f"{recognized_on:%Y-%m}"))
        steps.append({
            "step": "Who pays the monthly allowance: the fund for the lowest grades, the "
                    "employer for grades 5–6 when it arranges no job",
            "formula": "fund if grade ≤ max grade, else employer",
            "inputs": {"grade": grade}, "parameters": ["allowance_minimum_wage_grades"],
            "result": {"fund": claim.monthly_fund_fen, "employer": claim.monthly_employer_fen},
        })
    else:
        assert death_date is not None
        found = list(survivors or [])
        for i, s in enumerate(found):
            if s.relationship not in RELATIONSHIPS:
                raise InputError(f"survivors.{i}.relationship", "must be spouse or other")
        income = b.bind(b.snapshot_at(snap, date(injury_date.year - 1, 1, 1)), {
            "urban_disposable_income": "wages.national.urban_disposable_income_per_capita"})
        used = own_used | income | b.bind(snap, {
            "funeral_grant_months": "work_injury.death.funeral_grant_months",
            "survivor_ratio": "work_injury.death.survivor_ratio",
            "death_grant_multiple": "work_injury.death.one_off_grant_multiple",
        })
        v = used.values
        ratios = {
            "funeral_grant_months": int(v["funeral_grant_months"]),
            "survivor_spouse_ratio": v["survivor_ratio"]["spouse"],
            "survivor_other_ratio": v["survivor_ratio"]["other"],
            "survivor_lone_extra_ratio": v["survivor_ratio"]["lone_addition"],
            "death_grant_multiple": int(v["death_grant_multiple"]),
        }
        types = [RELATIONSHIPS[s.relationship] for s in found] or [formulas.DEPENDANT_NONE]
        lone = [s.lone for s in found] or [False]
        paid = formulas.death_benefits(own, average, v["urban_disposable_income"], types, lone,
                                       **ratios)
        steps = formulas.explain_death_benefits(own, average, v["urban_disposable_income"],
                                                types, lone, **ratios)
        steps.insert(0, {
            "step": "Deceased's own wage: 12-month average within 60–300% of average",
            "formula": "min(max(wage, A × floor), A × cap)",
            "inputs": {"wage_12m_average": wage, **average_step},
            "parameters": ["own_wage_floor_ratio", "own_wage_cap_ratio"], "result": own,
        })
        pensions = [int(x) for x in paid["survivor_pensions"]][:len(found)]
        claim.death_date = death_date
        claim.one_off_fen = int(paid["funeral_grant"]) + int(paid["death_grant"])
        claim.monthly_fund_fen = sum(pensions)
        claim.first_month = format_month(parse_month(f"{death_date:%Y-%m}") + 1)
        claim.survivors = [
            InjurySurvivor(person_id=s.person_id, relationship_=s.relationship, lone=s.lone,
                           monthly_pension_fen=p)
            for s, p in zip(found, pensions, strict=True)
        ]
    claim.explanation = {"steps": plain(steps), "parameters": plain(used.explain())}
    db.add(claim)
    db.flush()
    _one_off(db, claim, user)
    db.flush()
    return claim


@dataclass(frozen=True)
class MonthRun:
    month: str
    province: str
    paid: int
    already_paid: int
    amount_fen: int


def run_month(db: Session, user: User, province: str, month: str) -> MonthRun:
    """Pay the month's allowances and survivors' pensions of a province once each."""
    number = check_month_run(user, "injury.pay", province, month)
    claims = list(db.scalars(
        select(InjuryClaim).where(InjuryClaim.province == province,
                                  InjuryClaim.status == "awarded",
                                  InjuryClaim.monthly_fund_fen > 0,
                                  InjuryClaim.first_month <= month)
        .order_by(InjuryClaim.id).with_for_update()
    ))
    done = set(db.scalars(select(InjuryPayment.claim_id).where(
        InjuryPayment.claim_id.in_([c.id for c in claims]), InjuryPayment.period == month
    ))) if claims else set()
    paid = already = amount = 0
    for claim in claims:
        if claim.id in done:
            already += 1
            continue
        posted = ledger.post_in(db, ledger.PostingRequest(
            idempotency_key=f"injury-{claim.id}-{month}",
            kind="injury_benefit",
            memo=f"work-injury claim {claim.id}, {month}",
            effective_date=b.month_start(number),
            lines=[(accounts.pool("work_injury", province), claim.monthly_fund_fen),
                   (accounts.settlement(province), -claim.monthly_fund_fen)],
        ), province, actor_id=user.id)
        db.add(InjuryPayment(claim_id=claim.id, period=month, amount_fen=claim.monthly_fund_fen,
                             ledger_entry_id=posted.entry_id))
        paid += 1
        amount += claim.monthly_fund_fen
    db.flush()
    return MonthRun(month, province, paid, already, amount)


def claim_for(db: Session, user: User, claim_id: int) -> InjuryClaim:
    require(user, "injury.read")
    claim = db.get(InjuryClaim, claim_id)
    if claim is None:
        raise NotFound(f"injury claim {claim_id}")
    person_for(db, user, claim.person_id, "injury.read")
    return claim


def claims(db: Session, user: User, *, person_id: int | None = None) -> list[InjuryClaim]:
    require(user, "injury.read")
    query = select(InjuryClaim).order_by(InjuryClaim.id.desc()).limit(500)
    if person_id is not None:
        person_for(db, user, person_id, "injury.read")
        query = query.where(InjuryClaim.person_id == person_id)
    elif user.role == Role.citizen:
        query = query.where(InjuryClaim.person_id == (user.person_id or -1))
    else:
        query = query.join(Person, Person.id == InjuryClaim.person_id).where(
            Person.residence_region.startswith(scope_prefix(user.region_code)))
    return list(db.scalars(query))


def paid_total(claim: InjuryClaim) -> dict[str, Any]:
    return {"paid_fen": sum(p.amount_fen for p in claim.payments),
            "months_paid": sum(1 for p in claim.payments if p.period != "one-off")}
