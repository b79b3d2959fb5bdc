"""Contribution routes: declare (JSON or CSV), bills, payments, a person's record."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile

from shebao.api.deps import CurrentUser, Db, WriteDb
from shebao.api.responses import model_response
from shebao.api.uploads import read_text
from shebao.auth.authz import may_reach_region
from shebao.contributions import service
from shebao.contributions.models import Bill
from shebao.contributions.schemas import (
    BillDetail,
    BillOut,
    DeclarationIn,
    DeferralIn,
    FlexibleBillingIn,
    InterestIn,
    InterestOut,
    Month,
    PaymentIn,
    PaymentOut,
    RecordMonthOut,
    RecordOut,
    ResidentContributionIn,
    ResidentContributionOut,
    ReversalIn,
)
from shebao.errors import InputError

router = APIRouter(prefix="/api/v1/contributions", tags=["contributions"])


def _bill_out(bill: Bill, model: type[BillOut] = BillOut) -> BillOut:
    out = model.model_validate(bill)
    if bill.status == "open":
        out.late_fee_if_paid_today_fen = service.late_fee_on(bill, date.today())[0]
    return out


@router.post("/declarations", status_code=201)
def declare(data: DeclarationIn, user: CurrentUser, db: WriteDb) -> BillDetail:
    rows = [
        service.DeclaredRow(i + 1, row.identity_number, row.wage_fen)
        for i, row in enumerate(data.lines)
    ]
    bill = service.declare(db, user, data.employer_id, data.month, rows, "api")
    db.commit()
    return _bill_out(bill, BillDetail)  # type: ignore[return-value]


@router.post("/declarations/csv", status_code=201)
async def declare_csv(
    user: CurrentUser,
    db: WriteDb,
    employer_id: Annotated[int, Form()],
    month: Annotated[Month, Form()],
    file: Annotated[UploadFile, File(description="identity_number,wage_fen per line")],
) -> BillDetail:
    """Upload a declaration file; any bad row rejects it whole, listing every bad row."""
    text = await read_text(file)
    bill = service.declare(db, user, employer_id, month, service.read_csv(text), "csv")
    db.commit()
    return _bill_out(bill, BillDetail)  # type: ignore[return-value]


@router.post("/flexible-bills", status_code=201)
def bill_flexible(data: FlexibleBillingIn, user: CurrentUser, db: WriteDb) -> list[BillOut]:
    """Bill the month for every flexible worker enrolled in a region (clerks, admins)."""
    if not may_reach_region(user, data.region):
        raise InputError("region", "is outside the region your account serves")
    made = service.bill_flexible_workers(db, user, data.month, data.region)
    db.commit()
    return [_bill_out(b) for b in made]


@router.get("/bills")
def list_bills(
    user: CurrentUser,
    db: Db,
    employer_id: int | None = None,
    person_id: int | None = None,
    month: Annotated[str | None, Query(max_length=7)] = None,
    status: Annotated[str | None, Query(pattern="^(open|paid)$")] = None,
) -> list[BillOut]:
    found = service.bills(db, user, employer_id=employer_id, person_id=person_id, month=month,
                          status=status)
    return [_bill_out(b) for b in found]


@router.get("/bills/{bill_id}")
def get_bill(bill_id: int, user: CurrentUser, db: Db) -> BillDetail:
    bill = service.bill_for(db, user, bill_id, "contribution.read")
    return _bill_out(bill, BillDetail)  # type: ignore[return-value]


@router.post("/bills/{bill_id}/payments", status_code=201, response_model=PaymentOut)
def pay(bill_id: int, data: PaymentIn, user: CurrentUser, db: WriteDb) -> Response:
    payment = service.pay(db, user, bill_id, data.paid_on, data.amount_fen)
    db.commit()
    return model_response(PaymentOut.model_validate(payment), 201)


@router.post("/payments/{payment_id}/reverse", response_model=PaymentOut)
def reverse_payment(
    payment_id: int, data: ReversalIn, user: CurrentUser, db: WriteDb
) -> Response:
    """Reverse a returned or misapplied payment (clerks, admins): the bill is open again."""
    payment = service.reverse_payment(db, user, payment_id, data.reason)
    db.commit()
    return model_response(PaymentOut.model_validate(payment))


@router.post("/bills/{bill_id}/defer")
def defer_bill(bill_id: int, data: DeferralIn, user: CurrentUser, db: WriteDb) -> BillOut:
    """Defer an open bill within a relief period's longest deferral (clerks, admins)."""
    bill = service.defer_bill(db, user, bill_id, data.until, data.reason)
    db.commit()
    return _bill_out(bill)


@router.get("/persons/{person_id}/record")
def person_record(person_id: int, user: CurrentUser, db: Db) -> RecordOut:
    """Contributions by month, balances and contribution months (the rights record)."""
    found = service.record(db, user, person_id)
    return RecordOut(
        person_id=found.person_id,
        contribution_months=found.contribution_months,
        pension_account_fen=found.pension_account_fen,
        medical_account_fen=found.medical_account_fen,
        months=[RecordMonthOut(**vars(m)) for m in found.months],
    )


@router.post("/residents", status_code=201)
def resident_contribution(
    data: ResidentContributionIn, user: CurrentUser, db: WriteDb
) -> ResidentContributionOut:
    """A resident's yearly pension contribution at a tier, with the local subsidy."""
    made = service.resident_contribution(
        db, user, data.person_id, data.year, data.tier_fen, data.paid_on
    )
    db.commit()
    return ResidentContributionOut.model_validate(made)


@router.post("/interest")
def credit_interest(data: InterestIn, user: CurrentUser, db: WriteDb) -> InterestOut:
    """Credit a year's interest to the individual pension accounts of a region (once)."""
    if not may_reach_region(user, data.region):
        raise InputError("region", "is outside the region your account serves")
    credited = service.credit_interest(db, user, data.year, data.region)
    db.commit()
    return InterestOut(year=data.year, accounts_credited=credited)
