"""The citizen portal: one list of services, the pension estimate with the early or late
choice and the three pillars, appeals and complaints, my data (view, correct, download) and
notices. Forms carry the session's CSRF token; a refused form answers 422 and changes nothing."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shebao.api.deps import Db, WriteDb, optional_user
from shebao.auth.authz import NotFound
from shebao.auth.models import Role, User
from shebao.benefits.pension import service as pension
from shebao.errors import InputError
from shebao.policy.formulas.periods import format_month
from shebao.portal import service
from shebao.portal.models import CORRECTION_FIELDS, KINDS, SUBJECTS, Notice
from shebao.registry.models import Person
from shebao.registry.schemas import PersonOut
from shebao.supplementary import service as supplementary
from shebao.web.routes import csrf_ok, render

router = APIRouter(include_in_schema=False)
MaybeUser = Annotated[User | None, Depends(optional_user)]
# Flexible retirement choices offered on the page, in months; the policy bounds decide.
OFFSETS = (-36, -24, -12, 0, 12, 24, 36)


def _citizen(user: User | None, form: tuple[Request, str] | None = None) -> Response | None:
    """The answer for anyone who is not a signed-in citizen with a record, or None: a page
    sends staff to the desk; a form (its request and CSRF token) posted by anyone else, or
    without its token, is refused."""
    if user is None:
        return RedirectResponse("/login", status_code=303)
    if user.role != Role.citizen or user.person_id is None:
        if form is not None:
            return Response("only a citizen's account uses this form", status_code=403)
        return RedirectResponse("/desk", status_code=303)
    if form is not None and not csrf_ok(*form):
        return Response("missing or wrong CSRF token", status_code=403)
    return None


@router.get("/portal", response_class=HTMLResponse)
def portal_home(request: Request, db: Db, user: MaybeUser) -> Response:
    if (refused := _citizen(user)) is not None:
        return refused
    assert user is not None
    unread = db.scalar(select(func.count(Notice.id)).where(
        Notice.person_id == user.person_id, Notice.read_at.is_(None)))
    return render(request, "portal.html", user=user, unread=unread)


@router.get("/portal/estimate", response_class=HTMLResponse)
def estimate(
    request: Request, db: Db, user: MaybeUser,
    offset: Annotated[int, Query(ge=-36, le=36)] = 0,
    category: Annotated[int | None, Query()] = None,
) -> Response:
    """The estimate at the statutory month beside the chosen one, and the other pillars."""
    if (refused := _citizen(user)) is not None:
        return refused
    assert user is not None and user.person_id is not None
    person = db.get(Person, user.person_id)
    assert person is not None
    context: dict[str, object] = {"offset": offset, "offsets": OFFSETS, "category": category,
                                  "female": person.sex == "female"}
    try:
        statutory = pension.estimate(db, user, person.id, category)
        context["statutory"] = statutory
        context["statutory_month"] = format_month(statutory.statutory_month or 0)
        if offset:
            chosen = pension.estimate(db, user, person.id, category, offset)
            context["chosen"] = chosen
            context["chosen_month"] = format_month(chosen.retirement_month)
    except InputError as why:
        context["refused"] = why
    context["annuity"] = supplementary.annuity_of(db, user, person.id)
    try:
        context["personal"] = supplementary.personal_pension_of(db, user, person.id)
    except (InputError, NotFound):
        context["personal"] = None
    return render(request, "portal_estimate.html", user=user, **context)


def _appeals_page(request: Request, db: Session, user: User, status_code: int = 200,
                  **context: object) -> Response:
    return render(request, "portal_appeals.html", status_code=status_code, user=user,
                  appeals=service.appeals(db, user), kinds=KINDS, subjects=SUBJECTS,
                  overdue=service.is_overdue, **context)


@router.get("/portal/appeals", response_class=HTMLResponse)
def appeals(
    request: Request, db: Db, user: MaybeUser, done: int = 0,
    subject: Annotated[str | None, Query(max_length=20)] = None,
    ref: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """My appeals, and the form; a decision's page links here with its subject and number."""
    if (refused := _citizen(user)) is not None:
        return refused
    assert user is not None
    return _appeals_page(request, db, user, done=done,
                         chosen_subject=subject if subject in SUBJECTS else None, ref=ref)


@router.post("/portal/appeals")
def file_appeal(
    request: Request, db: WriteDb, user: MaybeUser,
    kind: Annotated[str, Form(max_length=10)], subject: Annotated[str, Form(max_length=20)],
    text: Annotated[str, Form(max_length=2000)] = "",
    subject_ref: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    if (refused := _citizen(user, (request, csrf_token))) is not None:
        return refused
    assert user is not None and user.person_id is not None
    try:
        service.file_appeal(db, user, service.AppealInput(
            user.person_id, kind, subject, text, subject_ref))
    except InputError as refused_input:
        db.rollback()
        return _appeals_page(request, db, user, 422, error=refused_input, draft=text)
    db.commit()
    return RedirectResponse("/portal/appeals?done=1", status_code=303)


def _data_page(request: Request, db: Session, user: User, status_code: int = 200,
               **context: object) -> Response:
    assert user.person_id is not None
    person = db.get(Person, user.person_id)
    return render(request, "portal_data.html", status_code=status_code, user=user,
                  person=PersonOut.of(person), phone=person.phone if person else None,
                  corrections=service.corrections(db, user), fields=CORRECTION_FIELDS,
                  overdue=service.is_overdue, **context)


@router.get("/portal/data", response_class=HTMLResponse)
def my_data(request: Request, db: Db, user: MaybeUser, done: int = 0) -> Response:
    if (refused := _citizen(user)) is not None:
        return refused
    assert user is not None
    return _data_page(request, db, user, done=done)


@router.get("/portal/data.json")
def my_data_download(db: Db, user: MaybeUser) -> Response:
    """Everything kept on me, as one JSON file to take away."""
    if (refused := _citizen(user)) is not None:
        return refused
    assert user is not None and user.person_id is not None
    found = service.my_data(db, user, user.person_id)
    return Response(
        json.dumps(found, ensure_ascii=False, indent=2), media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="my-social-insurance-data.json"'},
    )


@router.post("/portal/corrections")
def request_correction(
    request: Request, db: WriteDb, user: MaybeUser,
    field: Annotated[str, Form(max_length=20)],
    requested_value: Annotated[str, Form(max_length=500)] = "",
    reason: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    if (refused := _citizen(user, (request, csrf_token))) is not None:
        return refused
    assert user is not None and user.person_id is not None
    try:
        service.request_correction(db, user, user.person_id, field, requested_value, reason)
    except InputError as refused_input:
        db.rollback()
        return _data_page(request, db, user, 422, error=refused_input)
    db.commit()
    return RedirectResponse("/portal/data?done=1", status_code=303)


@router.get("/portal/notices", response_class=HTMLResponse)
def notices(request: Request, db: Db, user: MaybeUser) -> Response:
    if (refused := _citizen(user)) is not None:
        return refused
    assert user is not None and user.person_id is not None
    return render(request, "portal_notices.html", user=user,
                  notices=service.notices(db, user, user.person_id))


@router.post("/portal/notices/{notice_id}/read")
def mark_read(
    notice_id: int, request: Request, db: WriteDb, user: MaybeUser,
    csrf_token: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    if (refused := _citizen(user, (request, csrf_token))) is not None:
        return refused
    assert user is not None
    try:
        service.mark_read(db, user, notice_id)
    except InputError:
        db.rollback()
        return Response("no such notice", status_code=404)
    db.commit()
    return RedirectResponse("/portal/notices", status_code=303)
