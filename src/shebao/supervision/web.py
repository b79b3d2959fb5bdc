"""The supervisors' dashboard (alerts by rule, open cases, recoveries, the audit chain's
status, a scan button) and the case page (alerts with their evidence, notes, the decision)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shebao.api.deps import Db, WriteDb, optional_user
from shebao.auth.authz import NotFound, has_permission, may_reach_region
from shebao.auth.models import User
from shebao.errors import InputError
from shebao.registry.regions import provinces
from shebao.supervision import audit, service
from shebao.supervision.models import Alert, Case
from shebao.web.routes import csrf_ok, render

router = APIRouter(include_in_schema=False)
MaybeUser = Annotated[User | None, Depends(optional_user)]
BAR_WIDTH = 320


def _refused(request: Request, user: User | None, csrf_token: str | None = None
             ) -> Response | None:
    """The answer to a request the page must not serve: not signed in, not a supervisor, or
    (for a form) a wrong CSRF token; None when it may go on."""
    if user is None:
        return RedirectResponse("/login", status_code=303)
    if not has_permission(user, "supervision.read"):
        return Response("your role does not supervise the funds", status_code=403)
    if csrf_token is not None and not csrf_ok(request, csrf_token):
        return Response("missing or wrong CSRF token", status_code=403)
    return None


def _provinces(user: User) -> list[str]:
    return [p.code for p in provinces() if may_reach_region(user, p.code)]


def _dashboard(request: Request, db: Session, user: User, province: str,
               status_code: int = 200, **context: object) -> Response:
    by_rule = dict(db.execute(select(Alert.rule, func.count(Alert.id))
                              .where(Alert.province == province).group_by(Alert.rule)).all())
    most = max(by_rule.values(), default=1)
    bars = [(rule, count, round(BAR_WIDTH * count / most)) for rule, count in
            sorted(by_rule.items(), key=lambda item: -item[1])]
    closed = db.execute(select(func.count(Case.id), func.coalesce(func.sum(Case.recovered_fen), 0),
                               func.coalesce(func.sum(Case.fine_fen), 0))
                        .where(Case.province == province, Case.status == "closed")).one()
    return render(
        request, "supervision.html", status_code=status_code, user=user, province=province,
        choices=_provinces(user), bars=bars, bar_width=BAR_WIDTH,
        open_cases=[c for c in service.cases(db, user, province) if c.status != "closed"],
        closed=closed, chain=audit.verify(db), **context)


@router.get("/supervision", response_class=HTMLResponse)
def dashboard(request: Request, db: Db, user: MaybeUser, province: str | None = None,
              scanned: int | None = None) -> Response:
    if (refused := _refused(request, user)) is not None:
        return refused
    choices = _provinces(user)
    chosen = province if province in choices else choices[0]
    return _dashboard(request, db, user, chosen, scanned=scanned)


@router.post("/supervision/scan")
def scan(request: Request, db: WriteDb, user: MaybeUser,
         province: Annotated[str, Form(max_length=6)],
         csrf_token: Annotated[str, Form(max_length=64)] = "") -> Response:
    if (refused := _refused(request, user, csrf_token)) is not None:
        return refused
    try:
        result = service.scan(db, user, province)
    except InputError as refused:
        db.rollback()
        return _dashboard(request, db, user, _provinces(user)[0], 422, error=refused)
    db.commit()
    return RedirectResponse(f"/supervision?province={province}&scanned={result.new_alerts}",
                            status_code=303)


def _case_page(request: Request, db: Session, user: User, case_id: int, status_code: int = 200,
               **context: object) -> Response:
    try:
        case = service.case_for(db, user, case_id)
    except NotFound:
        return Response("no such case", status_code=404)
    bounds = service.fine_bounds(case, date.today())
    return render(request, "supervision_case.html", status_code=status_code, user=user,
                  case=case, bounds=bounds, today=date.today().isoformat(), **context)


@router.get("/supervision/cases/{case_id}", response_class=HTMLResponse)
def case_page(case_id: int, request: Request, db: Db, user: MaybeUser) -> Response:
    if (refused := _refused(request, user)) is not None:
        return refused
    return _case_page(request, db, user, case_id)


@router.post("/supervision/cases/{case_id}/notes")
def add_note(case_id: int, request: Request, db: WriteDb, user: MaybeUser,
             text: Annotated[str, Form(max_length=2000)] = "",
             csrf_token: Annotated[str, Form(max_length=64)] = "") -> Response:
    if (refused := _refused(request, user, csrf_token)) is not None:
        return refused
    try:
        service.add_note(db, user, case_id, text)
    except InputError as refused:
        db.rollback()
        return _case_page(request, db, user, case_id, 422, error=refused)
    db.commit()
    return RedirectResponse(f"/supervision/cases/{case_id}", status_code=303)


@router.post("/supervision/cases/{case_id}/decision")
def decide(
    case_id: int, request: Request, db: WriteDb, user: MaybeUser,
    outcome: Annotated[str, Form(max_length=12)], reason: Annotated[str, Form(max_length=500)],
    recovered_fen: Annotated[int, Form(ge=0)] = 0,
    fine_multiple: Annotated[str, Form(max_length=8)] = "",
    received_on: Annotated[str, Form(max_length=10)] = "",
    reference: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    if (refused := _refused(request, user, csrf_token)) is not None:
        return refused
    recovering = outcome == "recovered"
    try:
        service.decide(
            db, user, case_id, outcome=outcome, reason=reason, recovered_fen=recovered_fen,
            fine_multiple=_number(fine_multiple) if recovering else None,
            received_on=_day(received_on) if recovering else None, reference=reference or None)
    except InputError as refused:
        db.rollback()
        return _case_page(request, db, user, case_id, 422, error=refused)
    db.commit()
    return RedirectResponse(f"/supervision/cases/{case_id}", status_code=303)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text.strip() else None
    except ValueError:
        raise InputError("received_on", "must be a date YYYY-MM-DD") from None


def _number(text: str) -> float | None:
    try:
        return float(text) if text.strip() else None
    except ValueError:
        raise InputError("fine_multiple", "must be a number, e.g. 2 or 2.5") from None
