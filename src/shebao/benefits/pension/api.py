"""Pension routes: applications and the clerks' queue, my pension, survival authentication,
the payroll, indexation and overpayment recovery."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from shebao.api.deps import CurrentUser, Db, WriteDb
from shebao.benefits.pension import payroll, service
from shebao.benefits.pension.schemas import (
    AmountOut,
    ApplicationIn,
    ApplicationOut,
    AuthenticatedOut,
    AuthenticationIn,
    AuthenticationOut,
    AwardOut,
    DecisionIn,
    EstimateOut,
    IndexationIn,
    IndexationOut,
    MyPensionOut,
    OverpaymentOut,
    PaymentOut,
    PayrollIn,
    RecoveryIn,
    RejectionIn,
    RunOut,
)
from shebao.policy.formulas.periods import format_month

router = APIRouter(prefix="/api/v1/pensions", tags=["pensions"])


@router.post("/applications", status_code=201)
def create_application(data: ApplicationIn, user: CurrentUser, db: WriteDb) -> ApplicationOut:
    """Open a retirement application: a citizen online for themself, a clerk at the desk."""
    made = service.create_application(db, user, service.ApplicationInput(**data.model_dump()))
    db.commit()
    return ApplicationOut.model_validate(made)


@router.post("/applications/{application_id}/submit")
def submit(application_id: int, user: CurrentUser, db: WriteDb) -> ApplicationOut:
    """Compute the award from the record, with its explanation, for a second clerk to check."""
    done = service.submit(db, user, application_id)
    db.commit()
    return ApplicationOut.model_validate(done)


@router.post("/applications/{application_id}/approve")
def approve(application_id: int, data: DecisionIn, user: CurrentUser, db: WriteDb) -> AwardOut:
    """Approve (a clerk other than the one who opened or submitted it)."""
    award = service.approve(db, user, application_id, data.reason)
    db.commit()
    return AwardOut.model_validate(award)


@router.post("/applications/{application_id}/reject")
def reject(
    application_id: int, data: RejectionIn, user: CurrentUser, db: WriteDb
) -> ApplicationOut:
    done = service.reject(db, user, application_id, data.reason)
    db.commit()
    return ApplicationOut.model_validate(done)


@router.get("/applications")
def work_queue(
    user: CurrentUser, db: Db,
    status: Annotated[str, Query(pattern="^(draft|submitted|approved|rejected)$")] = "submitted",
) -> list[ApplicationOut]:
    """The clerks' work queue: applications in their region, oldest first."""
    return [ApplicationOut.model_validate(a) for a in service.queue(db, user, status)]


@router.get("/applications/{application_id}")
def get_application(application_id: int, user: CurrentUser, db: Db) -> ApplicationOut:
    return ApplicationOut.model_validate(
        service.application_for(db, user, application_id, "pension.read"))


@router.get("/persons/{person_id}")
def my_pension(
    person_id: int, user: CurrentUser, db: Db,
    original_age_years: Annotated[int | None, Query(ge=50, le=60)] = None,
) -> MyPensionOut:
    """My pension: the estimate from the record before retirement; the award and payments
    after."""
    found = payroll.overview(db, user, person_id, original_age_years)
    estimate = None
    if found.estimate is not None:
        e = found.estimate
        estimate = EstimateOut(
            statutory_month=format_month(e.statutory_month) if e.statutory_month else None,
            retirement_month=format_month(e.retirement_month),
            contribution_months=e.contribution_months, average_index=e.average_index,
            account_balance_fen=e.account_balance_fen, basic_fen=e.basic_fen,
            account_part_fen=e.account_part_fen, transitional_fen=e.transitional_fen,
            total_fen=e.total_fen, explanation=e.explanation,
        )
    return MyPensionOut(
        person_id=person_id,
        award=AwardOut.model_validate(found.award) if found.award else None,
        amounts=[AmountOut.model_validate(a) for a in found.amounts],
        payments=[PaymentOut.model_validate(p) for p in found.payments],
        next_authentication_due=found.next_authentication_due,
        estimate=estimate, estimate_refused=found.estimate_refused,
        applications=[ApplicationOut.model_validate(a) for a in found.applications],
    )


@router.post("/persons/{person_id}/authentications", status_code=201)
def authenticate(
    person_id: int, data: AuthenticationIn, user: CurrentUser, db: WriteDb
) -> AuthenticatedOut:
    """Survival authentication: online (the pensioner), at the desk or by a family proxy."""
    done = payroll.authenticate(db, user, person_id, data.channel, on=data.on,
                                proxy_name=data.proxy_name,
                                proxy_relationship=data.proxy_relationship)
    db.commit()
    return AuthenticatedOut(
        authentication=AuthenticationOut.model_validate(done.authentication),
        resumed=done.resumed, arrears=[PaymentOut.model_validate(p) for p in done.arrears],
    )


@router.get("/persons/{person_id}/authentications")
def authentications(person_id: int, user: CurrentUser, db: Db) -> list[AuthenticationOut]:
    return [AuthenticationOut.model_validate(a)
            for a in payroll.authentications_of(db, user, person_id)]


@router.post("/payroll")
def run_payroll(data: PayrollIn, request: Request, user: CurrentUser) -> RunOut:
    """Run (or resume) a province's payroll for a month; each batch commits on its own."""
    done = payroll.run_payroll(request.app.state.settings.database_url, user, data.province,
                               data.month, batch_size=data.batch_size)
    return RunOut.model_validate(done)


@router.post("/indexation")
def index(data: IndexationIn, user: CurrentUser, db: WriteDb) -> IndexationOut:
    """The year's increase as new amounts from January (or `effective_month`)."""
    done = payroll.index_pensions(db, user, data.province, data.year, data.effective_month)
    db.commit()
    return IndexationOut.model_validate(done)


@router.get("/overpayments")
def list_overpayments(
    user: CurrentUser, db: Db, province: Annotated[str, Query(min_length=6, max_length=6)],
    status: Annotated[str | None, Query(pattern="^(open|recovered)$")] = "open",
) -> list[OverpaymentOut]:
    return [OverpaymentOut.model_validate(o)
            for o in payroll.overpayments(db, user, province, status)]


@router.post("/overpayments/{overpayment_id}/recoveries")
def recover(
    overpayment_id: int, data: RecoveryIn, user: CurrentUser, db: WriteDb
) -> OverpaymentOut:
    """Money received back against an overpayment (the same reference is the same receipt)."""
    done = payroll.recover(db, user, overpayment_id, data.amount_fen, data.received_on,
                           data.reference)
    db.commit()
    return OverpaymentOut.model_validate(done)
