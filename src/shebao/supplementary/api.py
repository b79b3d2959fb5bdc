"""Routes of the supplementary pillars: a citizen's personal pension, an employer's annuity plan.

Each write commits before it answers; a refused request changes nothing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from shebao.api.deps import CurrentUser, Db, WriteDb
from shebao.supplementary import service
from shebao.supplementary.schemas import (
    AnnuityOut,
    CertificateOut,
    ContributionIn,
    ContributionOut,
    LeaveIn,
    MemberOut,
    PersonalPensionOpen,
    PersonalPensionOut,
    PlanIn,
    PlanOut,
    RunIn,
    RunOut,
    WithdrawalIn,
    WithdrawalOut,
)

router = APIRouter(prefix="/api/v1/supplementary", tags=["supplementary"])


def _personal_pension(db: Db, user: CurrentUser, person_id: int) -> PersonalPensionOut:
    found = service.personal_pension_of(db, user, person_id)
    return PersonalPensionOut(
        person_id=person_id, province=found.account.province,
        opened_on=found.account.opened_on, balance_fen=found.balance_fen,
        paid_by_year=found.paid_by_year,
        contributions=[ContributionOut.model_validate(c) for c in found.contributions],
        withdrawals=[WithdrawalOut.model_validate(w) for w in found.withdrawals],
    )


@router.post("/personal-pensions", status_code=201)
def open_personal_pension(
    data: PersonalPensionOpen, user: CurrentUser, db: WriteDb
) -> PersonalPensionOut:
    """Open a person's one personal pension account (citizens for themselves, clerks)."""
    service.open_personal_pension(db, user, data.person_id, data.opened_on)
    db.commit()
    return _personal_pension(db, user, data.person_id)


@router.get("/personal-pensions/{person_id}")
def get_personal_pension(person_id: int, user: CurrentUser, db: Db) -> PersonalPensionOut:
    return _personal_pension(db, user, person_id)


@router.post("/personal-pensions/{person_id}/contributions", status_code=201)
def contribute(
    person_id: int, data: ContributionIn, user: CurrentUser, db: WriteDb
) -> ContributionOut:
    """Pay in; past the calendar year's cap is refused (422 on `amount_fen`, room left)."""
    row, replayed = service.contribute(
        db, user, person_id, data.amount_fen, data.paid_on, data.idempotency_key
    )
    db.commit()
    return ContributionOut.model_validate(row).model_copy(update={"replayed": replayed})


@router.get("/personal-pensions/{person_id}/certificates/{year}")
def get_certificate(
    person_id: int,
    year: Annotated[int, Path(ge=2022, le=2100)],
    user: CurrentUser,
    db: Db,
    marginal_tax_rate: Annotated[float, Query(ge=0, le=1)],
) -> CertificateOut:
    """The year's deduction certificate and the tax saved at a marginal rate."""
    found = service.certificate(db, user, person_id, year, marginal_tax_rate)
    return CertificateOut(**vars(found))


@router.post("/personal-pensions/{person_id}/withdrawals", status_code=201)
def withdraw(
    person_id: int, data: WithdrawalIn, user: CurrentUser, db: WriteDb
) -> WithdrawalOut:
    """Draw on a permitted condition (clerks, with the evidence); the tax is withheld."""
    row, replayed = service.withdraw(
        db, user, person_id, data.condition, data.withdrawn_on, data.idempotency_key,
        data.amount_fen, data.original_retirement_age,
    )
    db.commit()
    return WithdrawalOut.model_validate(row).model_copy(update={"replayed": replayed})


def _plan(db: Db, user: CurrentUser, employer_id: int) -> PlanOut:
    found = service.plan_of(db, user, employer_id)
    plan = found.plan
    return PlanOut(
        employer_id=plan.employer_id, employer_rate=plan.employer_rate,
        employee_rate=plan.employee_rate, vesting=service.vesting_schedule(plan),
        start_month=plan.start_month, province=plan.province, account_fen=found.account_fen,
        open_members=found.open_members, runs=[RunOut.model_validate(r) for r in found.runs],
    )


@router.post("/annuity-plans", status_code=201)
def register_plan(data: PlanIn, user: CurrentUser, db: WriteDb) -> PlanOut:
    """Register an employer's enterprise annuity plan (employers, clerks)."""
    service.register_plan(db, user, data.employer_id, data.employer_rate, data.employee_rate,
                          data.vesting, data.start_month)
    db.commit()
    return _plan(db, user, data.employer_id)


@router.get("/annuity-plans/{employer_id}")
def get_plan(employer_id: int, user: CurrentUser, db: Db) -> PlanOut:
    return _plan(db, user, employer_id)


@router.post("/annuity-plans/{employer_id}/runs", status_code=201)
def run_month(employer_id: int, data: RunIn, user: CurrentUser, db: WriteDb) -> RunOut:
    """Credit a month to every member from the declared (or given) wages; once a month."""
    wages = None if data.wages is None else [(w.person_id, w.wage_fen) for w in data.wages]
    run, replayed = service.run_month(db, user, employer_id, data.month, wages)
    db.commit()
    return RunOut.model_validate(run).model_copy(update={"replayed": replayed})


@router.post("/annuity-plans/{employer_id}/leavers")
def leave(employer_id: int, data: LeaveIn, user: CurrentUser, db: WriteDb) -> MemberOut:
    """A member leaves: the unvested employer credits go back to the plan's account."""
    left = service.leave(db, user, employer_id, data.person_id, data.left_on, data.reason)
    db.commit()
    return _member_out(left)


def _member_out(m: service.Membership) -> MemberOut:
    return MemberOut(
        plan_employer_id=m.employer_id, joined_on=m.member.joined_on,
        left_on=m.member.left_on, leave_reason=m.member.leave_reason,
        employer_credited_fen=m.employer_credited_fen,
        employee_credited_fen=m.employee_credited_fen,
        vested_employer_fen=m.member.vested_employer_fen,
        forfeited_fen=m.member.forfeited_fen,
    )


@router.get("/annuities/{person_id}")
def get_annuity(person_id: int, user: CurrentUser, db: Db) -> AnnuityOut:
    """A person's annuity balance and memberships (the person, their employer, staff)."""
    found = service.annuity_of(db, user, person_id)
    return AnnuityOut(person_id=person_id, balance_fen=found.balance_fen,
                      memberships=[_member_out(m) for m in found.memberships])

