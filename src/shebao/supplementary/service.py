"""Personal pensions and enterprise annuities, with their money in the same ledger.

Personal pension (个人养老金): one account per person nationwide, opened by someone insured in a
basic pension, from the pilot (2022-11-25, pilot cities) or the nationwide start (2024-12-15).
Contributions are posted settlement → `person:personal_pension:<id>`, the calendar year's total
held to the cap; the year's certificate prices the tax saving; a withdrawal on a permitted
condition is taxed at the withdrawal rate, the tax posted to the province's tax payable.

Enterprise annuity (企业年金): an employer's plan sets rates of payroll and a vesting schedule
within the limits; a month's run prices every member's credits from the declared (or given)
wages and posts them settlement → `person:annuity:<id>`; on leaving, the unvested employer
credits go back to the plan's own account `employer:annuity_plan:<employer id>`.

Every rule and number comes from the policy parameters through `policy.bindings`; every
posting goes through `_post`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shebao.auth.authz import employer_for, person_for
from shebao.auth.models import User
from shebao.contributions.models import Bill, Contribution
from shebao.contributions.service import month_bounds
from shebao.errors import InputError
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.policy import Policy, PolicySnapshot
from shebao.policy import bindings as b
from shebao.policy.formulas import third_pillar
from shebao.policy.formulas.periods import format_month, month_number
from shebao.registry.models import EmploymentSpell, Enrollment, Person
from shebao.registry.service import in_force_between
from shebao.supplementary.models import (
    AnnuityCredit,
    AnnuityMember,
    AnnuityPlan,
    AnnuityRun,
    PersonalPensionAccount,
    PersonalPensionContribution,
    PersonalPensionWithdrawal,
)

PP = "third_pillar.personal_pension."
EA = "third_pillar.annuity."
RESIGNATION = "resignation"
"""Leaving for any reason that does not vest in full: the plan's schedule applies."""
_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


def _province(region: str) -> str:
    return region[:2] + "0000"


def _check_key(key: object) -> str:
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise InputError("idempotency_key", "must be 1 to 64 letters, digits or . _ : -, "
                                            "starting with a letter or digit")
    return key


def _positive_fen(value: object, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise InputError(name, "must be a whole number of fen above zero")
    return value


def _policy(on: date, name: str, field_name: str) -> PolicySnapshot:
    """The rules on `on`, refusing a date before parameter `name` has any value."""
    snapshot = Policy.at(on)
    try:
        snapshot.param(name)
    except InputError as missing:
        raise InputError(field_name, missing.reason) from None
    return snapshot


def _month_of(day: date) -> int:
    return int(month_number(day.year, day.month))


# -- personal pension ----------------------------------------------------------------------


def _account(db: Session, person_id: int, lock: bool = False) -> PersonalPensionAccount:
    query = select(PersonalPensionAccount).where(PersonalPensionAccount.person_id == person_id)
    if lock:  # one contribution or withdrawal at a time per account (PostgreSQL)
        query = query.with_for_update()
    found = db.scalar(query)
    if found is None:
        raise InputError("person_id", "has no personal pension account: open one first")
    return found


def open_personal_pension(
    db: Session, user: User, person_id: int, opened_on: date
) -> PersonalPensionAccount:
    """Open the person's one account, if they are insured in a basic pension on that day and
    accounts could be opened where they live then."""
    person = person_for(db, user, person_id, "personal_pension.open")
    if person.status != "active":
        raise InputError("person_id", f"is {person.status}: no account can be opened")
    snapshot = _policy(opened_on, PP + "pilot_from", "opened_on")
    pilot_from = snapshot.value(PP + "pilot_from")
    nationwide = snapshot.value(PP + "nationwide_from")
    if opened_on < pilot_from:
        raise InputError("opened_on", f"personal pension accounts opened from {pilot_from}")
    city = person.residence_region[:4] + "00"
    if opened_on < nationwide and city not in snapshot.value(PP + "pilot_cities"):
        raise InputError("opened_on", f"before {nationwide} accounts opened only in the pilot "
                                      f"cities, and {city} was not one")
    schemes = snapshot.value(PP + "basic_pension_schemes")
    insured = db.scalar(
        select(Enrollment.id).where(
            Enrollment.person_id == person.id, Enrollment.scheme.in_(schemes),
            in_force_between(Enrollment, opened_on, opened_on),
        ).limit(1)
    )
    if insured is None:
        raise InputError("person_id", f"is not insured in a basic pension ({', '.join(schemes)})"
                                      f" on {opened_on}: only the insured may open an account")
    existing = db.scalar(
        select(PersonalPensionAccount).where(PersonalPensionAccount.person_id == person.id)
    )
    if existing is not None:
        raise InputError("person_id", f"already has a personal pension account (opened "
                                      f"{existing.opened_on}): one per person nationwide")
    account = PersonalPensionAccount(person_id=person.id, opened_on=opened_on,
                                     province=_province(person.residence_region))
    try:
        with db.begin_nested():
            db.add(account)
            db.flush()
    except IntegrityError:  # opened at the same moment by another request
        raise InputError("person_id", "already has a personal pension account: one per "
                                      "person nationwide") from None
    return account


def _paid_in_year(db: Session, account_id: int, year: int) -> int:
    return int(db.scalar(
        select(func.coalesce(func.sum(PersonalPensionContribution.amount_fen), 0)).where(
            PersonalPensionContribution.account_id == account_id,
            PersonalPensionContribution.year == year,
        )
    ) or 0)


def contribute(
    db: Session, user: User, person_id: int, amount_fen: int, paid_on: date,
    idempotency_key: str,
) -> tuple[PersonalPensionContribution, bool]:
    """Pay into the account; True with the first row when the key was used before.

    A contribution that would take the calendar year's total past the cap is refused, naming
    `amount_fen` and the room left, and nothing is written.
    """
    person_for(db, user, person_id, "personal_pension.contribute")
    key = f"personal_pension:{person_id}:{_check_key(idempotency_key)}"
    amount = _positive_fen(amount_fen, "amount_fen")
    account = _account(db, person_id, lock=True)
    earlier = db.scalar(select(PersonalPensionContribution)
                        .where(PersonalPensionContribution.idempotency_key == key))
    if earlier is not None:
        if (earlier.amount_fen, earlier.paid_on) != (amount, paid_on):
            raise InputError("idempotency_key", "already used for a different contribution")
        return earlier, True
    if paid_on < account.opened_on:
        raise InputError("paid_on", f"is before the account was opened ({account.opened_on})")
    used = b.personal_pension_arguments(Policy.at(paid_on))
    cap = int(used.values["personal_pension_annual_cap"])
    paid = _paid_in_year(db, account.id, paid_on.year)
    room = max(cap - paid, 0)
    if amount > room:
        raise InputError("amount_fen", f"{amount} fen would pass the yearly cap of {cap} fen: "
                                       f"{paid} fen paid in {paid_on.year}, {room} fen left")
    posted = ledger.post_in(db, ledger.PostingRequest(
        idempotency_key=key, kind="personal_pension.contribution",
        memo=f"personal pension contribution {paid_on.year}", effective_date=paid_on,
        lines=[(accounts.settlement(account.province), amount),
               (accounts.person("personal_pension", person_id), -amount)],
    ), account.province, user.id)
    row = PersonalPensionContribution(
        account_id=account.id, year=paid_on.year, paid_on=paid_on, amount_fen=amount,
        idempotency_key=key, ledger_entry_id=posted.entry_id,
    )
    db.add(row)
    db.flush()
    return row, False


@dataclass(frozen=True)
class Certificate:
    """A year's tax-deduction certificate (个人养老金缴费凭证)."""

    person_id: int
    year: int
    contributed_fen: int
    deductible_fen: int
    excess_fen: int
    marginal_tax_rate: float
    tax_saving_fen: int
    explanation: list[dict[str, Any]] = field(default_factory=list)
    parameters: list[dict[str, Any]] = field(default_factory=list)


def certificate(
    db: Session, user: User, person_id: int, year: int, marginal_tax_rate: float
) -> Certificate:
    """What the year's contributions take off taxable income, and the tax that saves."""
    person_for(db, user, person_id, "personal_pension.read")
    account = _account(db, person_id)
    if year < account.opened_on.year:
        raise InputError("year", f"is before the account was opened ({account.opened_on})")
    contributed = _paid_in_year(db, account.id, year)
    used = b.personal_pension_arguments(Policy.at(date(year, 12, 31)))
    found = third_pillar.personal_pension_tax_saving(
        contributed, marginal_tax_rate, **used.values
    )
    return Certificate(
        person_id=person_id, year=year, contributed_fen=contributed,
        deductible_fen=int(found["deductible"]), excess_fen=int(found["excess"]),
        marginal_tax_rate=marginal_tax_rate, tax_saving_fen=int(found["tax_saving"]),
        explanation=third_pillar.explain_personal_pension(
            contributed, marginal_tax_rate, **used.values),
        parameters=used.explain(),
    )


def _original_retirement_age(person: Person, given: int | None) -> int:
    """60 for men; a woman's is 50 (worker) or 55 (staff), which the clerk states."""
    if person.sex == "male":
        return 60
    if given not in (50, 55):
        raise InputError("original_retirement_age",
                         "a woman's original retirement age is 50 (worker) or 55 (staff): say "
                         "which applies")
    return int(given)


def withdraw(
    db: Session, user: User, person_id: int, condition: str, withdrawn_on: date,
    idempotency_key: str, amount_fen: int | None = None,
    original_retirement_age: int | None = None,
) -> tuple[PersonalPensionWithdrawal, bool]:
    """Draw on the account on a permitted condition (the whole balance unless `amount_fen`).

    The withdrawal tax goes to the province's tax payable, the rest is paid out through its
    settlement account. True with the first row when the key was used before.
    """
    person = person_for(db, user, person_id, "personal_pension.withdraw")
    key = f"personal_pension:{person_id}:{_check_key(idempotency_key)}"
    if amount_fen is not None:
        _positive_fen(amount_fen, "amount_fen")
    account = _account(db, person_id, lock=True)
    earlier = db.scalar(select(PersonalPensionWithdrawal)
                        .where(PersonalPensionWithdrawal.idempotency_key == key))
    if earlier is not None:
        if (earlier.condition, earlier.withdrawn_on) != (condition, withdrawn_on) or (
            amount_fen is not None and amount_fen != earlier.amount_fen
        ):
            raise InputError("idempotency_key", "already used for a different withdrawal")
        return earlier, True
    if withdrawn_on < account.opened_on:
        raise InputError("withdrawn_on", f"is before the account was opened "
                                         f"({account.opened_on})")
    snapshot = Policy.at(withdrawn_on)
    conditions = snapshot.value(PP + "withdrawal_conditions")
    if condition not in conditions:
        raise InputError("condition", f"must be one of {', '.join(conditions)}")
    if condition == "retirement":
        original = _original_retirement_age(person, original_retirement_age)
        birth = _month_of(person.birth_date)
        month = b.statutory_retirement_month_of(snapshot, birth, original)
        if _month_of(withdrawn_on) < month:
            raise InputError("condition", f"the statutory retirement age is reached in "
                                          f"{format_month(month)}; before then only "
                                          f"{', '.join(c for c in conditions if c != condition)}"
                                          f" allow a withdrawal")
    code = accounts.person("personal_pension", person_id)
    balance = ledger.balance(db, code)
    amount = balance if amount_fen is None else amount_fen
    if amount <= 0:
        raise InputError("amount_fen", "the account is empty")
    if amount > balance:
        raise InputError("amount_fen", f"{amount} fen is more than the balance of {balance} fen")
    used = b.personal_pension_withdrawal_arguments(snapshot)
    tax = int(third_pillar.personal_pension_withdrawal_tax(amount, **used.values))
    lines = [(code, amount), (accounts.tax_payable(account.province), -tax),
             (accounts.settlement(account.province), -(amount - tax))]
    posted = ledger.post_in(db, ledger.PostingRequest(
        idempotency_key=key, kind="personal_pension.withdrawal",
        memo=f"personal pension withdrawal ({condition})", effective_date=withdrawn_on,
        lines=[line for line in lines if line[1] != 0],
    ), account.province, user.id)
    row = PersonalPensionWithdrawal(
        account_id=account.id, condition=condition, withdrawn_on=withdrawn_on,
        amount_fen=amount, tax_fen=tax, paid_fen=amount - tax, idempotency_key=key,
        ledger_entry_id=posted.entry_id, recorded_by=user.id,
    )
    db.add(row)
    db.flush()
    return row, False


@dataclass(frozen=True)
class PersonalPension:
    account: PersonalPensionAccount
    balance_fen: int
    contributions: list[PersonalPensionContribution]
    withdrawals: list[PersonalPensionWithdrawal]
    paid_by_year: dict[int, int]


def personal_pension_of(db: Session, user: User, person_id: int) -> PersonalPension:
    """The account, its balance, and every contribution and withdrawal, newest first."""
    person_for(db, user, person_id, "personal_pension.read")
    account = _account(db, person_id)
    contributions = list(db.scalars(
        select(PersonalPensionContribution)
        .where(PersonalPensionContribution.account_id == account.id)
        .order_by(PersonalPensionContribution.id.desc())
    ))
    by_year: dict[int, int] = {}
    for c in contributions:
        by_year[c.year] = by_year.get(c.year, 0) + c.amount_fen
    return PersonalPension(
        account=account,
        balance_fen=ledger.balance(db, accounts.person("personal_pension", person_id)),
        contributions=contributions,
        withdrawals=list(db.scalars(
            select(PersonalPensionWithdrawal)
            .where(PersonalPensionWithdrawal.account_id == account.id)
            .order_by(PersonalPensionWithdrawal.id.desc())
        )),
        paid_by_year=dict(sorted(by_year.items())),
    )


# -- enterprise annuity --------------------------------------------------------------------


@dataclass(frozen=True)
class Membership:
    member: AnnuityMember
    employer_id: int
    employer_credited_fen: int
    employee_credited_fen: int


def vesting_schedule(plan: AnnuityPlan) -> list[float]:
    return [float(v) for v in plan.vesting.split(",")]


def _check_vesting(vesting: list[float], max_years: int) -> str:
    if not 1 <= len(vesting) <= max_years:
        raise InputError("vesting", f"give the vested share after each of 1 to {max_years} "
                                    "years (企业年金办法 art. 19)")
    if any(not 0 <= v <= 1 for v in vesting) or any(
        later < earlier for earlier, later in pairwise(vesting)
    ):
        raise InputError("vesting", "shares must be 0..1 and never fall from one year to the "
                                    "next")
    if vesting[-1] != 1:
        raise InputError("vesting", f"the employer share must vest fully within {max_years} "
                                    "years: the last share must be 1")
    return ",".join(repr(float(v)) for v in vesting)


def register_plan(
    db: Session, user: User, employer_id: int, employer_rate: float, employee_rate: float,
    vesting: list[float], start_month: str,
) -> AnnuityPlan:
    """Register the employer's plan, its rates inside the limits of payroll in force."""
    employer = employer_for(db, user, employer_id, "annuity.plan")
    _, first = b.month_of(start_month, "start_month")
    snapshot = _policy(first, EA + "employer_max_rate", "start_month")
    limits = b.annuity_limit_arguments(snapshot).values
    employer_max = limits["annuity_employer_max_ratio"]
    total_max = limits["annuity_total_max_ratio"]
    if not 0 < employer_rate <= employer_max:
        raise InputError("employer_rate", f"must be above 0 and at most {employer_max} of "
                                          "payroll (企业年金办法 art. 15)")
    if employee_rate < 0 or employer_rate + employee_rate > total_max + 1e-12:
        raise InputError("employee_rate", f"employer and employee rates together may be at "
                                          f"most {total_max} of payroll (企业年金办法 art. 15)")
    schedule = _check_vesting(vesting, int(snapshot.value(EA + "vesting_max_years")))
    if db.scalar(select(AnnuityPlan.id).where(AnnuityPlan.employer_id == employer.id)):
        raise InputError("employer_id", "already has an annuity plan")
    plan = AnnuityPlan(employer_id=employer.id, employer_rate=employer_rate,
                       employee_rate=employee_rate, vesting=schedule, start_month=start_month,
                       province=_province(employer.region_code))
    try:
        with db.begin_nested():
            db.add(plan)
            db.flush()
    except IntegrityError:
        raise InputError("employer_id", "already has an annuity plan") from None
    return plan


def _plan(db: Session, employer_id: int, lock: bool = False) -> AnnuityPlan:
    query = select(AnnuityPlan).where(AnnuityPlan.employer_id == employer_id)
    if lock:  # one run or leaver at a time per plan (PostgreSQL)
        query = query.with_for_update()
    plan = db.scalar(query)
    if plan is None:
        raise InputError("employer_id", "has no annuity plan: register one first")
    return plan


def _wages(
    db: Session, employer_id: int, month: str, first: date, last: date,
    given: list[tuple[int, int]] | None,
) -> tuple[list[tuple[int, int]], str]:
    """(person id, wage) of the month's staff: the declaration's, or the ones given."""
    if given is None:
        rows = db.execute(
            select(Contribution.person_id, Contribution.wage_fen)
            .join(Bill, Bill.id == Contribution.bill_id)
            .where(Bill.employer_id == employer_id, Bill.month == month,
                   Bill.declaration_id.is_not(None))
            .order_by(Contribution.person_id)
        ).all()
        if not rows:
            raise InputError("wages", f"no wages declared for {month}: declare them or give "
                                      "them here")
        return [(int(p), int(w)) for p, w in rows], "declaration"
    if not given:
        raise InputError("wages", "give at least one member's wage")
    staff = set(db.scalars(select(EmploymentSpell.person_id).where(
        EmploymentSpell.employer_id == employer_id, in_force_between(EmploymentSpell, first, last),
    )))
    seen: set[int] = set()
    for i, (person_id, wage) in enumerate(given):
        if person_id not in staff:
            raise InputError(f"wages.{i}.person_id", f"does not work here in {month}")
        if person_id in seen:
            raise InputError(f"wages.{i}.person_id", "is listed twice")
        if not isinstance(wage, int) or isinstance(wage, bool) or wage < 0:
            raise InputError(f"wages.{i}.wage_fen", "must be a whole number of fen, ≥ 0")
        seen.add(person_id)
    return sorted(given), "given"


def _members(
    db: Session, plan: AnnuityPlan, person_ids: list[int], first: date
) -> dict[int, AnnuityMember]:
    """Each person's open membership, opened now for a newcomer."""
    found = {m.person_id: m for m in db.scalars(select(AnnuityMember).where(
        AnnuityMember.plan_id == plan.id, AnnuityMember.person_id.in_(person_ids),
        (AnnuityMember.left_on.is_(None)) | (AnnuityMember.left_on >= first),
    ))}
    for i, person_id in enumerate(person_ids):
        member = found.get(person_id)
        if member is not None and member.left_on is not None:
            raise InputError(f"wages.{i}.person_id", f"left the plan on {member.left_on}, "
                                                     "within or after this month")
        if member is None:
            member = AnnuityMember(plan_id=plan.id, person_id=person_id, joined_on=first)
            db.add(member)
            found[person_id] = member
    db.flush()
    return found


def run_month(
    db: Session, user: User, employer_id: int, month: str,
    wages: list[tuple[int, int]] | None = None,
) -> tuple[AnnuityRun, bool]:
    """Credit one month's annuity contributions to every member; True with the first run when
    the month was run before (a month runs once)."""
    employer_for(db, user, employer_id, "annuity.run")
    plan = _plan(db, employer_id, lock=True)
    first, last = month_bounds(month)
    earlier = db.scalar(select(AnnuityRun).where(AnnuityRun.plan_id == plan.id,
                                                 AnnuityRun.month == month))
    if earlier is not None:
        return earlier, True
    if month < plan.start_month:
        raise InputError("month", f"is before the plan starts ({plan.start_month})")
    rows, source = _wages(db, employer_id, month, first, last, wages)
    person_ids = [p for p, _ in rows]
    used = b.annuity_limit_arguments(Policy.at(first))
    priced = third_pillar.annuity_monthly_credits(
        np.asarray([w for _, w in rows], dtype=np.int64), plan.employer_rate,
        plan.employee_rate, **used.values,
    )
    employer_part = [int(v) for v in priced["employer"]]
    employee_part = [int(v) for v in priced["employee"]]
    total = sum(employer_part) + sum(employee_part)
    if total <= 0:
        raise InputError("wages", "the month's credits come to zero: nothing to post")
    members = _members(db, plan, person_ids, first)
    lines = [(accounts.settlement(plan.province), total)] + [
        (accounts.person("annuity", p), -(er + ee))
        for p, er, ee in zip(person_ids, employer_part, employee_part, strict=True)
        if er + ee
    ]
    posted = ledger.post_in(db, ledger.PostingRequest(
        idempotency_key=f"annuity:{plan.id}:{month}", kind="annuity.contribution",
        memo=f"enterprise annuity {month}", effective_date=last, lines=lines,
    ), plan.province, user.id)
    run = AnnuityRun(
        plan_id=plan.id, month=month, wage_source=source, payroll_fen=int(priced["payroll"]),
        employer_fen=sum(employer_part), employee_fen=sum(employee_part),
        employer_cut_fen=int(np.sum(priced["employer_cut"])), ledger_entry_id=posted.entry_id,
    )
    db.add(run)
    db.flush()
    db.add_all(
        AnnuityCredit(run_id=run.id, member_id=members[p].id, wage_fen=w, employer_fen=er,
                      employee_fen=ee)
        for (p, w), er, ee in zip(rows, employer_part, employee_part, strict=True)
    )
    db.flush()
    return run, False


def _full_years(start: date, end: date) -> int:
    """Whole years from `start` to `end` (anniversaries passed)."""
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def _credited(db: Session, member_id: int) -> tuple[int, int]:
    er, ee = db.execute(
        select(func.coalesce(func.sum(AnnuityCredit.employer_fen), 0),
               func.coalesce(func.sum(AnnuityCredit.employee_fen), 0))
        .where(AnnuityCredit.member_id == member_id)
    ).one()
    return int(er), int(ee)


def leave(
    db: Session, user: User, employer_id: int, person_id: int, left_on: date, reason: str
) -> Membership:
    """Close a member's membership: the employer credits vest by the schedule (or in full for
    a reason that vests in full); the unvested part goes back to the plan's account."""
    employer_for(db, user, employer_id, "annuity.leave")
    plan = _plan(db, employer_id, lock=True)
    member = db.scalar(select(AnnuityMember).where(
        AnnuityMember.plan_id == plan.id, AnnuityMember.person_id == person_id,
        AnnuityMember.left_on.is_(None),
    ))
    if member is None:
        raise InputError("person_id", "is not a member of this plan")
    snapshot = Policy.at(left_on)
    full_reasons = snapshot.value(EA + "full_vesting_reasons")
    if reason not in (RESIGNATION, *full_reasons):
        raise InputError("reason", f"must be one of {', '.join((RESIGNATION, *full_reasons))}")
    if left_on < member.joined_on:
        raise InputError("left_on", f"is before the member joined ({member.joined_on})")
    still_working = db.scalar(select(EmploymentSpell.id).where(
        EmploymentSpell.employer_id == employer_id, EmploymentSpell.person_id == person_id,
        EmploymentSpell.start_date <= left_on,
        EmploymentSpell.end_date.is_(None) | (EmploymentSpell.end_date > left_on),
    ).limit(1))
    if still_working is not None:
        raise InputError("left_on", f"the person still works here after {left_on}: end the "
                                    "employment first")
    employer_credited, employee_credited = _credited(db, member.id)
    vested = third_pillar.annuity_vesting(
        employer_credited, _full_years(member.joined_on, left_on), vesting_schedule(plan),
        reason in full_reasons,
    )
    unvested = int(vested["unvested"])
    if unvested:
        posted = ledger.post_in(db, ledger.PostingRequest(
            idempotency_key=f"annuity:leave:{member.id}", kind="annuity.forfeiture",
            memo=f"unvested employer credits on leaving ({reason})", effective_date=left_on,
            lines=[(accounts.person("annuity", person_id), unvested),
                   (accounts.annuity_plan(employer_id), -unvested)],
        ), plan.province, user.id)
        member.forfeit_entry_id = posted.entry_id
    member.left_on = left_on
    member.leave_reason = reason
    member.vested_employer_fen = int(vested["vested"])
    member.forfeited_fen = unvested
    db.flush()
    return Membership(member, employer_id, employer_credited, employee_credited)


@dataclass(frozen=True)
class PlanView:
    plan: AnnuityPlan
    account_fen: int
    open_members: int
    runs: list[AnnuityRun]


def plan_of(db: Session, user: User, employer_id: int) -> PlanView:
    employer_for(db, user, employer_id, "annuity.read")
    plan = _plan(db, employer_id)
    return PlanView(
        plan=plan,
        account_fen=ledger.balance(db, accounts.annuity_plan(employer_id)),
        open_members=int(db.scalar(select(func.count()).select_from(AnnuityMember).where(
            AnnuityMember.plan_id == plan.id, AnnuityMember.left_on.is_(None))) or 0),
        runs=list(db.scalars(select(AnnuityRun).where(AnnuityRun.plan_id == plan.id)
                             .order_by(AnnuityRun.month.desc()))),
    )


@dataclass(frozen=True)
class AnnuityView:
    person_id: int
    balance_fen: int
    memberships: list[Membership]


def annuity_of(db: Session, user: User, person_id: int) -> AnnuityView:
    """A person's annuity balance and memberships, with what each credited."""
    person_for(db, user, person_id, "annuity.read")
    found = db.execute(
        select(AnnuityMember, AnnuityPlan.employer_id)
        .join(AnnuityPlan, AnnuityPlan.id == AnnuityMember.plan_id)
        .where(AnnuityMember.person_id == person_id).order_by(AnnuityMember.id)
    ).all()
    return AnnuityView(
        person_id=person_id,
        balance_fen=ledger.balance(db, accounts.person("annuity", person_id)),
        memberships=[Membership(member, int(eid), *_credited(db, member.id))
                     for member, eid in found],
    )
