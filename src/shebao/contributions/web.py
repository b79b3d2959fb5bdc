"""The employer's pages: upload a month's declaration (with an upload progress bar) and see the
bill it produced, scheme by scheme. The declaration goes through the same service as the API's
CSV upload; a bad file is refused whole, every bad line named, and nothing is stored."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from shebao.api.deps import Db, WriteDb, optional_user
from shebao.api.uploads import read_text
from shebao.auth.authz import NotFound
from shebao.auth.models import Role, User
from shebao.contributions import service
from shebao.errors import InputError, InputErrors
from shebao.web.routes import csrf_ok, render

router = APIRouter(include_in_schema=False)
MaybeUser = Annotated[User | None, Depends(optional_user)]


def _employer(user: User | None) -> Response | None:
    if user is None:
        return RedirectResponse("/login", status_code=303)
    if user.role != Role.employer or user.employer_id is None:
        return Response("only an employer's account declares its wages here", status_code=403)
    return None


def _declare_page(request: Request, db: Session, user: User, status_code: int = 200,
                  **context: object) -> Response:
    today = date.today()
    return render(request, "employer_declare.html", status_code=status_code, user=user,
                  month=f"{today.year:04d}-{today.month:02d}",
                  bills=service.bills(db, user, employer_id=user.employer_id)[:24], **context)


@router.get("/employer/declare", response_class=HTMLResponse)
def declare_page(request: Request, db: Db, user: MaybeUser) -> Response:
    if (refused := _employer(user)) is not None:
        return refused
    assert user is not None
    return _declare_page(request, db, user)


@router.post("/employer/declare", response_class=HTMLResponse)
async def declare(
    request: Request, db: WriteDb, user: MaybeUser,
    month: Annotated[str, Form(max_length=7)],
    file: Annotated[UploadFile, File()],
    csrf_token: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    if (refused := _employer(user)) is not None:
        return refused
    assert user is not None and user.employer_id is not None
    if not csrf_ok(request, csrf_token):
        return Response("missing or wrong CSRF token", status_code=403)
    try:
        text = await read_text(file)
        bill = service.declare(db, user, user.employer_id, month.strip(),
                               service.read_csv(text), "csv")
    except InputError as refused_input:
        db.rollback()
        return _declare_page(request, db, user, 422, errors=[refused_input], month_given=month)
    except InputErrors as refused_rows:
        db.rollback()
        return _declare_page(request, db, user, 422, errors=refused_rows.errors,
                             month_given=month)
    db.commit()
    return RedirectResponse(f"/employer/bills/{bill.id}", status_code=303)


@router.get("/employer/bills/{bill_id}", response_class=HTMLResponse)
def bill_page(bill_id: int, request: Request, db: Db, user: MaybeUser) -> Response:
    """One bill: its total, due date, today's late fee, and the shares by scheme and payer."""
    if (refused := _employer(user)) is not None:
        return refused
    assert user is not None
    try:
        bill = service.bill_for(db, user, bill_id, "contribution.read")
    except (NotFound, InputError):
        return Response("no such bill of yours", status_code=404)
    shares: dict[tuple[str, str], int] = {}
    for line in bill.lines:
        key = (line.scheme, line.payer)
        shares[key] = shares.get(key, 0) + line.amount_fen
    fee = service.late_fee_on(bill, date.today())[0] if bill.status == "open" else 0
    return render(request, "employer_bill.html", user=user, bill=bill, late_fee=fee,
                  shares=sorted(shares.items()), persons=len({r.person_id for r in bill.rows}))
