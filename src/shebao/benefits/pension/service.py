"""Pension awards: a retirement application, its eligibility, the award computed from the
person's own record with its explanation, and a second clerk's approval (maker-checker).

Eligibility (shared/rules/china.md §1, §2, §5):
- employee pension: the statutory retirement month of the 2025 reform (sex, old-law category,
  birth month), or a flexible early or late month within the rules; the minimum contribution
  months of the retirement year, counting every region's paid months plus recorded deemed
  service;
- residents' pension: age 60 and 15 years, counting residents' contribution years (and paid
  employee months, which count as resident years when a person moves schemes ⚠
  人社部发〔2014〕17号).

The award reads the record through `paid_record` (the one query of the contributions tables),
each year's contribution index against that year's provincial average wage (parameters), and
the individual account's ledger balance; the formulas are policy/formulas/pension.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shebao.auth.authz import NotFound, person_for, require
from shebao.auth.models import Role, User
from shebao.benefits.pension.models import PensionAmount, PensionApplication, PensionAward
from shebao.calc.service import plain
from shebao.contributions.models import Bill, Contribution, ResidentContribution, covers
from shebao.db.base import utcnow
from shebao.errors import InputError
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.policy import Policy, PolicySnapshot
from shebao.policy import bindings as b
from shebao.policy.formulas import pension, retirement
from shebao.policy.formulas.periods import format_month, parse_month
from shebao.registry.models import Person
from shebao.registry.regions import scope_prefix

OPEN_STATUSES = ("draft", "submitted")
SCHEME_ACCOUNT = {"employee": "pension", "resident": "resident_pension"}
SCHEME_POOL = {"employee": "employee_pension", "resident": "resident_pension"}


# -- the record ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PaidRecord:
    """A person's paid pension contributions in every region.

    `months` maps each paid employee-pension month to (province, base in fen); a month paid
    by two employers counts once, with their bases added. `resident_years` are the years of
    residents' contributions.
    """

    months: dict[str, tuple[str, int]]
    resident_years: list[int] = field(default_factory=list)


def paid_record(db: Session, person_id: int) -> PaidRecord:
    """The one place pensions read the contributions tables: paid bills and residents' years."""
    rows = db.execute(
        select(Bill.id, Bill.month, Bill.province, Contribution.base_fen)
        .join(Contribution, Contribution.bill_id == Bill.id)
        .where(Contribution.person_id == person_id, covers("employee_pension"),
               Bill.status == "paid")
        .order_by(Bill.month, Bill.id)
    ).all()
    months: dict[str, tuple[str, int]] = {}
    for _bill, month, province, base in rows:
        first_province, so_far = months.get(month, (province, 0))
        months[month] = (first_province, so_far + int(base))
    years = list(db.scalars(
        select(ResidentContribution.year)
        .where(ResidentContribution.person_id == person_id)
        .order_by(ResidentContribution.year)
    ))
    return PaidRecord(months, years)


@dataclass(frozen=True)
class YearIndex:
    year: int
    province: str
    months: int
    average_base_fen: int
    average_wage_fen: int
    index: float
    wage_reference: str


def yearly_indices(record: PaidRecord) -> list[YearIndex]:
    """Each year's (and province's) contribution index: average base ÷ that year's average wage.

    The wage of a contribution year is the one its bases were set against: the provincial
    average monthly wage of the year before (bindings.previous_year_average_wage).
    """
    groups: dict[tuple[int, str], list[int]] = {}
    for month, (province, base) in sorted(record.months.items()):
        groups.setdefault((int(month[:4]), province), []).append(base)
    found: list[YearIndex] = []
    for (year, province), bases in sorted(groups.items()):
        snapshot = Policy.at(dt.date(year, 1, 1), province)
        try:
            wage, source = b.previous_year_average_wage(snapshot, year, province)
        except InputError:
            raise InputError("person_id", f"no average wage of {year - 1} for province "
                                          f"{province}: the index of {year} cannot be computed"
                             ) from None
        average = sum(bases) / len(bases)
        found.append(YearIndex(year, province, len(bases), round(average), wage,
                               average / wage, source.reference))
    return found


# -- retirement month ------------------------------------------------------------------------


def birth_month(person: Person) -> int:
    return person.birth_date.year * 12 + person.birth_date.month - 1


def original_age(person: Person, given: int | None) -> int:
    """The old-law age category: 60 for men; a woman's 55 (staff) or 50 (worker) must be given."""
    if person.sex == "male":
        if given not in (None, retirement.MEN):
            raise InputError("original_age_years", "a man's original retirement age is 60")
        return retirement.MEN
    if given not in (retirement.WOMEN_STAFF, retirement.WOMEN_WORKERS):
        raise InputError("original_age_years",
                         "a woman's original retirement age is 55 (staff) or 50 (worker)")
    return int(given)


def _retirement_snapshot(birth: int, category: int) -> PolicySnapshot:
    """The schedule in force when the person reaches the original age (as the calculator)."""
    reaches = b.month_start(birth + category * 12)
    snapshot = Policy.at(reaches)
    return b.snapshot_at(snapshot, b.retirement_schedule_date(snapshot, reaches))


@dataclass(frozen=True)
class RetirementCheck:
    statutory_month: int
    chosen_month: int
    minimum_months: int
    steps: list[dict[str, Any]]
    used: b.Arguments


def check_retirement(
    person: Person, category: int, chosen: int | None, contribution_months: int
) -> RetirementCheck:
    """The statutory month, and whether the chosen month and the record allow a pension then."""
    birth = birth_month(person)
    snapshot = _retirement_snapshot(birth, category)
    used = b.retirement_arguments(snapshot)
    table = b.minimum_months_table(snapshot)
    statutory = int(retirement.statutory_retirement_month(birth, category, **used.values))
    month = statutory if chosen is None else chosen
    at = b.snapshot_at(snapshot, b.month_start(statutory))
    flexible = b.bind(at, {"max_early_months": "retirement.flexible.early_max_months",
                           "max_late_months": "retirement.flexible.late_max_months"})
    verdict = retirement.check_flexible_retirement(
        birth, category, month, contribution_months, minimum_contribution_months_by_year=table,
        **flexible.values, **used.values,
    )
    if not bool(verdict["allowed"]):
        reason = retirement.FLEX_REASONS[int(verdict["reason"])]
        raise InputError("retirement_month", f"{format_month(month)} is not allowed: {reason} "
                                             f"(statutory month {format_month(statutory)})")
    need = int(retirement.minimum_contribution_months(
        month // 12, minimum_contribution_months_by_year=table))
    if contribution_months < need:
        raise InputError("person_id", f"has {contribution_months} contribution months (paid and "
                                      f"deemed); {need} are needed to retire in {month // 12}")
    steps = retirement.explain_retirement(
        birth, category, minimum_contribution_months_by_year=table, **used.values)
    minimum = b.bind(b.snapshot_at(snapshot, b.month_start(month)),
                     {"minimum_contribution_months_by_year": "retirement.min_contribution_months"})
    return RetirementCheck(statutory, month, need, steps, used | flexible | minimum)


# -- computing an award ----------------------------------------------------------------------


@dataclass(frozen=True)
class Computed:
    province: str
    statutory_month: int | None
    retirement_month: int
    contribution_months: int
    average_index: float | None
    account_balance_fen: int
    basic_fen: int
    account_part_fen: int
    transitional_fen: int
    total_fen: int
    explanation: dict[str, Any]


def province_of(person: Person) -> str:
    """The province that pays: where the person's record is kept (issue 6 adds the transfer
    rules for where benefits are paid)."""
    return person.residence_region[:2] + "0000"


def compute_employee(
    db: Session, person: Person, category: int, chosen: int | None, deemed_months: int
) -> Computed:
    """The employee pension from the person's own record, with its explanation."""
    record = paid_record(db, person.id)
    paid = len(record.months)
    total_months = paid + deemed_months
    check = check_retirement(person, category, chosen, total_months)
    years = yearly_indices(record)
    if not years:
        raise InputError("person_id", "has no paid contribution month to compute an index from")
    index = float(pension.average_contribution_index(
        [y.average_base_fen for y in years], [y.average_wage_fen for y in years],
        weights=[y.months for y in years]))
    province = province_of(person)
    month = check.chosen_month
    snapshot = Policy.at(b.month_start(month), province)
    used = b.pension_award_arguments(snapshot, province)
    wage, source = b.previous_year_average_wage(snapshot, month // 12, province)
    used = used | b.Arguments({"average_wage": wage}, {"average_wage": source})
    balance = ledger.balance(db, accounts.person("pension", person.id))
    age_months = month - birth_month(person)
    arguments = (wage, index, total_months, balance, age_months, deemed_months)
    award_values = {k: v for k, v in used.values.items() if k != "average_wage"}
    award = pension.pension_award(*arguments, **award_values)
    steps = pension.explain_pension_award(*arguments, **award_values)
    explanation = {
        "retirement": check.steps,
        "record": {"paid_months": paid, "deemed_months": deemed_months,
                   "first_paid_month": min(record.months) if record.months else None,
                   "last_paid_month": max(record.months) if record.months else None},
        "index_years": [vars(y) for y in years],
        "average_index": {"formula": "Σ(index × months) ÷ Σ months", "result": index},
        "account_balance": {"account": accounts.person("pension", person.id),
                            "balance_fen": balance},
        "award": steps,
        "parameters": (check.used | used).explain(),
    }
    return Computed(
        province=province, statutory_month=check.statutory_month, retirement_month=month,
        contribution_months=total_months, average_index=index, account_balance_fen=balance,
        basic_fen=int(award["basic"]), account_part_fen=int(award["account"]),
        transitional_fen=int(award["transitional"]), total_fen=int(award["total"]),
        explanation=plain(explanation),
    )


def compute_resident(db: Session, person: Person, chosen: int | None) -> Computed:
    """The residents' pension: the minimum basic pension + account ÷ 139 (china.md §5)."""
    province = province_of(person)
    birth = birth_month(person)
    age_rule = b.bind(
        Policy.at(dt.date.today(), province),
        {"benefit_age_years": "resident_pension.benefit_age_years",
         "min_contribution_years": "resident_pension.min_contribution_years"},
    )
    earliest = birth + int(age_rule.values["benefit_age_years"]) * 12
    month = earliest if chosen is None else chosen
    if month < earliest:
        raise InputError("retirement_month", f"residents' pensions start at age "
                                             f"{age_rule.values['benefit_age_years']}: "
                                             f"{format_month(earliest)} at the earliest")
    record = paid_record(db, person.id)
    months = len(record.resident_years) * 12 + len(record.months)
    need = int(age_rule.values["min_contribution_years"]) * 12
    if months < need:
        raise InputError("person_id", f"has {months} contribution months (residents' years and "
                                      f"employee months); {need} are needed")
    snapshot = Policy.at(b.month_start(month), province)
    used = b.resident_pension_arguments(snapshot, province)
    balance = ledger.balance(db, accounts.person("resident_pension", person.id))
    award = pension.resident_pension(balance, **used.values)
    explanation = {
        "record": {"resident_years": record.resident_years, "employee_months": len(record.months),
                   "counted_months": months, "needed_months": need},
        "account_balance": {"account": accounts.person("resident_pension", person.id),
                            "balance_fen": balance},
        "award": [
            {"step": "Basic pension: the national minimum in force", "formula": "minimum",
             "inputs": {}, "parameters": ["minimum_basic_pension"], "result": int(award["basic"])},
            {"step": "Account pension, rounded to the fen", "formula": "balance ÷ divisor",
             "inputs": {"balance": balance,
                        "divisor": used.values["resident_account_divisor"]},
             "parameters": ["resident_account_divisor"], "result": int(award["account"])},
            {"step": "Monthly pension", "formula": "basic + account", "inputs": {},
             "parameters": [], "result": int(award["total"])},
        ],
        "parameters": (age_rule | used).explain(),
    }
    return Computed(
        province=province, statutory_month=earliest, retirement_month=month,
        contribution_months=months, average_index=None, account_balance_fen=balance,
        basic_fen=int(award["basic"]), account_part_fen=int(award["account"]),
        transitional_fen=0, total_fen=int(award["total"]), explanation=plain(explanation),
    )


# -- applications ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicationInput:
    person_id: int
    scheme: str = "employee"
    retirement_month: str | None = None
    original_age_years: int | None = None
    deemed_months: int = 0
    deemed_basis: str | None = None


def _is_staff(user: User) -> bool:
    return user.role in (Role.clerk, Role.admin)


def create_application(db: Session, user: User, data: ApplicationInput) -> PensionApplication:
    """Open a draft: a citizen online for themself, a clerk at the desk for anyone in reach."""
    person = person_for(db, user, data.person_id, "pension.apply")
    if data.scheme not in SCHEME_ACCOUNT:
        raise InputError("scheme", "must be employee or resident")
    if person.status == "deceased":
        raise InputError("person_id", f"died on {person.death_date}")
    if data.deemed_months and not _is_staff(user):
        raise InputError("deemed_months", "deemed service is recorded by a clerk from the "
                                          "personnel file, not online")
    if data.deemed_months < 0 or data.deemed_months > 600:
        raise InputError("deemed_months", "must be between 0 and 600")
    if data.deemed_months and not (data.deemed_basis or "").strip():
        raise InputError("deemed_basis", "say what the deemed service rests on")
    if data.scheme == "resident" and data.deemed_months:
        raise InputError("deemed_months", "residents' pensions have no deemed service")
    chosen = None
    if data.retirement_month is not None:
        chosen = parse_month(data.retirement_month, "retirement_month")
    category = original_age(person, data.original_age_years) if data.scheme == "employee" else None
    pending = db.scalar(select(PensionApplication.id).where(
        PensionApplication.person_id == person.id,
        PensionApplication.status.in_(OPEN_STATUSES)))
    if pending is not None:
        raise InputError("person_id", f"application {pending} is still open")
    awarded = db.scalar(select(PensionAward.id).where(PensionAward.person_id == person.id))
    if awarded is not None:
        raise InputError("person_id", f"already draws a pension (award {awarded})")
    if chosen is None:
        # The statutory month (or age 60 for residents) unless the person chose another.
        chosen = (check_retirement(person, category, None, 10**6).statutory_month
                  if category is not None else None)
    application = PensionApplication(
        person_id=person.id, scheme=data.scheme,
        channel="online" if user.role == Role.citizen else "desk",
        original_age_years=category,
        retirement_month=format_month(chosen) if chosen is not None else format_month(
            birth_month(person) + 60 * 12),
        deemed_months=data.deemed_months, deemed_basis=data.deemed_basis,
        created_by=user.id,
    )
    db.add(application)
    db.flush()
    return application


def application_for(db: Session, user: User, application_id: int,
                    permission: str) -> PensionApplication:
    application = db.get(PensionApplication, application_id)
    if application is None:
        require(user, permission)
        raise NotFound(f"application {application_id}")
    person_for(db, user, application.person_id, permission)
    return application


def submit(db: Session, user: User, application_id: int) -> PensionApplication:
    """Compute the award from the record and put it in the queue of the second clerk."""
    application = application_for(db, user, application_id, "pension.apply")
    if application.status != "draft":
        raise InputError("application_id", f"is {application.status}, not a draft")
    person = db.get(Person, application.person_id)
    assert person is not None
    if person.death_date is not None:
        raise InputError("person_id", f"died on {person.death_date}")
    chosen = parse_month(application.retirement_month, "retirement_month")
    if application.scheme == "employee":
        assert application.original_age_years is not None
        found = compute_employee(db, person, application.original_age_years, chosen,
                                 application.deemed_months)
    else:
        found = compute_resident(db, person, chosen)
    for name in ("province", "contribution_months", "average_index", "account_balance_fen",
                 "basic_fen", "account_part_fen", "transitional_fen", "total_fen",
                 "explanation"):
        setattr(application, name, getattr(found, name))
    application.statutory_month = (format_month(found.statutory_month)
                                   if found.statutory_month is not None else None)
    application.status = "submitted"
    application.submitted_by = user.id
    application.submitted_at = utcnow()
    db.flush()
    return application


def _check_checker(user: User, application: PensionApplication) -> None:
    """Maker-checker: the clerk who opened or submitted (and so computed) it may not decide."""
    if application.status != "submitted":
        raise InputError("application_id", f"is {application.status}; only a submitted "
                                           "application can be decided")
    makers = {application.submitted_by, application.created_by}
    if user.id is None or user.id in makers:
        raise InputError("application_id", "maker-checker: a second clerk, not the one who "
                                           "opened or submitted it, must decide it")


def approve(db: Session, user: User, application_id: int, reason: str | None = None,
            today: dt.date | None = None) -> PensionAward:
    """The second clerk approves: the award and its first amount are recorded, never edited."""
    application = application_for(db, user, application_id, "pension.approve")
    _check_checker(user, application)
    person = db.get(Person, application.person_id)
    if person is not None and person.death_date is not None:
        raise InputError("application_id", f"the applicant died on {person.death_date}: "
                                           "reject it instead")
    first_month = format_month(parse_month(application.retirement_month) + 1)
    assert application.total_fen is not None and application.account_part_fen is not None
    award = PensionAward(
        application_id=application.id, person_id=application.person_id,
        scheme=application.scheme, province=application.province,
        first_month=first_month, contribution_months=application.contribution_months,
        approved_on=today or dt.date.today(),
    )
    db.add(award)
    db.flush()
    db.add(PensionAmount(
        award_id=award.id, effective_month=first_month, total_fen=application.total_fen,
        account_part_fen=application.account_part_fen, reason="award",
        explanation={"application_id": application.id}, recorded_by=user.id,
    ))
    application.status = "approved"
    application.decided_by = user.id
    application.decided_at = utcnow()
    application.decision_reason = reason
    db.flush()
    return award


def reject(db: Session, user: User, application_id: int, reason: str) -> PensionApplication:
    application = application_for(db, user, application_id, "pension.approve")
    if not reason.strip():
        raise InputError("reason", "say why the application is rejected")
    _check_checker(user, application)
    application.status = "rejected"
    application.decided_by = user.id
    application.decided_at = utcnow()
    application.decision_reason = reason.strip()
    db.flush()
    return application


def queue(db: Session, user: User, status: str = "submitted") -> list[PensionApplication]:
    """Applications waiting for a decision in the clerk's region (the work queue)."""
    require(user, "pension.approve")
    if status not in ("draft", "submitted", "approved", "rejected"):
        raise InputError("status", "must be draft, submitted, approved or rejected")
    return list(db.scalars(
        select(PensionApplication)
        .join(Person, Person.id == PensionApplication.person_id)
        .where(PensionApplication.status == status,
               Person.residence_region.startswith(scope_prefix(user.region_code)))
        .order_by(PensionApplication.submitted_at, PensionApplication.id)
        .limit(500)
    ))


def applications_of(db: Session, user: User, person_id: int) -> list[PensionApplication]:
    person_for(db, user, person_id, "pension.read")
    return list(db.scalars(select(PensionApplication)
                           .where(PensionApplication.person_id == person_id)
                           .order_by(PensionApplication.id.desc())))


def estimate(db: Session, user: User, person_id: int,
             original_age_years: int | None = None, offset_months: int = 0) -> Computed:
    """What the record so far would pay at the statutory month, or `offset_months` from it (a
    flexible early or late retirement, within the policy's bounds), if nothing more were paid in.

    Eligibility is not required: the estimate shows the months still missing instead.
    """
    person = person_for(db, user, person_id, "pension.read")
    # A woman's category is hers to say; the estimate assumes staff (55) unless told.
    category = original_age(person, None if person.sex == "male" else original_age_years or 55)
    record = paid_record(db, person.id)
    check = _retirement_snapshot(birth_month(person), category)
    used = b.retirement_arguments(check)
    statutory = int(retirement.statutory_retirement_month(birth_month(person), category,
                                                          **used.values))
    month = statutory + offset_months
    try:
        return compute_employee(db, person, category, month if offset_months else None, 0)
    except InputError as refused:
        if refused.field != "person_id" or not record.months:
            raise
    # Short of the minimum: price the record as it stands, for information.
    years = yearly_indices(record)
    index = float(pension.average_contribution_index(
        [y.average_base_fen for y in years], [y.average_wage_fen for y in years],
        weights=[y.months for y in years]))
    province = province_of(person)
    snapshot = Policy.at(b.month_start(month), province)
    award_used = b.pension_award_arguments(snapshot, province)
    wage, _ = b.previous_year_average_wage(snapshot, month // 12, province)
    balance = ledger.balance(db, accounts.person("pension", person.id))
    award = pension.pension_award(wage, index, len(record.months), balance,
                                  month - birth_month(person), 0, **award_used.values)
    need = int(retirement.minimum_contribution_months(
        month // 12, minimum_contribution_months_by_year=b.minimum_months_table(check)))
    return Computed(
        province=province, statutory_month=statutory, retirement_month=month,
        contribution_months=len(record.months), average_index=index,
        account_balance_fen=balance, basic_fen=int(award["basic"]),
        account_part_fen=int(award["account"]), transitional_fen=0,
        total_fen=int(award["total"]),
        explanation=plain({"short_of_minimum": {"months": len(record.months), "needed": need},
                           "award": pension.explain_pension_award(
                               wage, index, len(record.months), balance,
                               month - birth_month(person), 0, **award_used.values),
                           "parameters": award_used.explain()}),
    )


def award_of(db: Session, user: User, person_id: int) -> PensionAward | None:
    person_for(db, user, person_id, "pension.read")
    return db.scalar(select(PensionAward).where(PensionAward.person_id == person_id)
                     .order_by(PensionAward.id))


def amount_history(db: Session, award_id: int) -> list[PensionAmount]:
    return list(db.scalars(select(PensionAmount).where(PensionAmount.award_id == award_id)
                           .order_by(PensionAmount.effective_month)))

