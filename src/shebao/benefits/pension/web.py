"""Pension pages: the citizen's "my pension" with "authenticate now", and the clerks' queue of
applications to approve or reject with a reason. Forms carry the session's CSRF token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from shebao.api.deps import Db, WriteDb, optional_user
from shebao.auth.authz import has_permission
from shebao.auth.models import Role, User
from shebao.benefits.pension import payroll, service
from shebao.errors import InputError
from shebao.policy.formulas.periods import format_month
from shebao.registry.identifiers import mask_resident_id
from shebao.registry.models import Person
from shebao.web.routes import csrf_ok, render

router = APIRouter(include_in_schema=False)
MaybeUser = Annotated[User | None, Depends(optional_user)]


@router.get("/pension", response_class=HTMLResponse)
def my_pension(request: Request, db: Db, user: MaybeUser, done: int = 0) -> Response:
    if user is None:
        return RedirectResponse("/login", status_code=303)
    if user.role != Role.citizen or user.person_id is None:
        return RedirectResponse("/pension/queue", status_code=303)
    found = payroll.overview(db, user, user.person_id)
    estimate = found.estimate
    return render(
        request, "pension_mine.html", user=user, found=found, estimate=estimate,
        statutory=format_month(estimate.statutory_month) if estimate and
        estimate.statutory_month is not None else None,
        done=done,
    )


@router.post("/pension/authenticate")
def authenticate_now(
    request: Request, db: WriteDb, user: MaybeUser,
    csrf_token: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    if user is None:
        return RedirectResponse("/login", status_code=303)
    if not csrf_ok(request, csrf_token) or user.person_id is None:
        return Response("missing or wrong CSRF token", status_code=403)
    try:
        payroll.authenticate(db, user, user.person_id, "online")
    except InputError as refused:
        db.rollback()
        found = payroll.overview(db, user, user.person_id)
        return render(request, "pension_mine.html", status_code=422, user=user, found=found,
                      estimate=found.estimate, statutory=None, done=0, error=refused)
    db.commit()
    return RedirectResponse("/pension?done=1", status_code=303)


def _queue_page(request: Request, db: Session, user: User, status_code: int = 200,
                **context: object) -> Response:
    rows = []
    for application in service.queue(db, user):
        person = db.get(Person, application.person_id)
        assert person is not None
        rows.append((application, person.name, mask_resident_id(person.identity_number)))
    return render(request, "pension_queue.html", status_code=status_code, user=user, rows=rows,
                  **context)


@router.get("/pension/queue", response_class=HTMLResponse)
def work_queue(request: Request, db: Db, user: MaybeUser, done: int = 0) -> Response:
    if user is None:
        return RedirectResponse("/login", status_code=303)
    if not has_permission(user, "pension.approve"):
        return Response("your role does not decide pension applications", status_code=403)
    return _queue_page(request, db, user, done=done)


@router.post("/pension/applications/{application_id}/decide")
def decide(
    application_id: int, request: Request, db: WriteDb, user: MaybeUser,
    decision: Annotated[str, Form(pattern="^(approve|reject)$")],
    reason: Annotated[str, Form(max_length=500)] = "",
    csrf_token: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    if user is None:
        return RedirectResponse("/login", status_code=303)
    if not csrf_ok(request, csrf_token):
        return Response("missing or wrong CSRF token", status_code=403)
    try:
        if decision == "approve":
            service.approve(db, user, application_id, reason.strip() or None)
        else:
            service.reject(db, user, application_id, reason)
    except InputError as refused:
        db.rollback()
        return _queue_page(request, db, user, status_code=422, error=refused,
                           error_application=application_id)
    db.commit()
    return RedirectResponse("/pension/queue?done=1", status_code=303)
