"""The service desk for staff at the counter.

Search shows identity numbers masked; the full number appears only after the clerk gives a
reason, through the registry's reveal (an audit entry). From a person's card the clerk files an
appeal, a correction or a transfer on the person's behalf and hands over a printable receipt or
statement; the work queues list what the role decides, the appeals queue among them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from shebao.api.deps import Db, WriteDb, optional_user
from shebao.auth.authz import NotFound, has_permission
from shebao.auth.models import Role, User
from shebao.benefits.pension import service as pension
from shebao.contributions import service as contributions
from shebao.errors import InputError, from_validation_errors
from shebao.portal import service as portal
from shebao.portal.models import CORRECTION_FIELDS, KINDS, SUBJECTS
from shebao.registry import service as registry
from shebao.registry.regions import provinces
from shebao.registry.schemas import PersonCreate, PersonOut
from shebao.transfers import service as transfers
from shebao.web.routes import csrf_ok, render

router = APIRouter(include_in_schema=False)
MaybeUser = Annotated[User | None, Depends(optional_user)]


def _staff(request: Request, user: User | None, csrf_token: str | None = None
           ) -> Response | None:
    """The answer for anyone not at the desk (or a form without its token), or None."""
    if user is None:
        return RedirectResponse("/login", status_code=303)
    if user.role == Role.citizen and request.method == "GET":
        return RedirectResponse("/portal", status_code=303)
    if not has_permission(user, "person.reveal") and not has_permission(user, "person.write"):
        return Response("your role does not serve at the desk", status_code=403)
    if csrf_token is not None and not csrf_ok(request, csrf_token):
        return Response("missing or wrong CSRF token", status_code=403)
    return None


def _queues(db: Session, user: User) -> list[tuple[str, str, int | None]]:
    """The work queues this role decides: (message key, page, items waiting)."""
    found: list[tuple[str, str, int | None]] = []
    if has_permission(user, "pension.approve"):
        found.append(("queue_pension", "/pension/queue", len(pension.queue(db, user))))
    if has_permission(user, "appeal.decide"):
        found.append(("queue_appeals", "/desk/appeals",
                      len(portal.appeals(db, user, open_only=True))))
        found.append(("queue_corrections", "/desk/appeals#corrections",
                      len(portal.corrections(db, user, open_only=True))))
    if has_permission(user, "transfer.approve"):
        found.append(("queue_transfers", "/transfers", None))
    if has_permission(user, "assistance.decide"):
        found.append(("queue_assistance", "/assistance", None))
    if has_permission(user, "supervision.read"):
        found.append(("queue_supervision", "/supervision", None))
    return found


@router.get("/desk", response_class=HTMLResponse)
def desk(request: Request, db: Db, user: MaybeUser,
         q: Annotated[str | None, Query(max_length=64)] = None) -> Response:
    if (refused := _staff(request, user)) is not None:
        return refused
    assert user is not None
    results = ([PersonOut.of(p) for p in registry.search_persons(db, user, q.strip())]
               if q else None)
    return render(request, "desk.html", user=user, q=q, results=results,
                  queues=_queues(db, user), may_register=has_permission(user, "person.write"))


def _person_page(request: Request, db: Session, user: User, person_id: int,
                 status_code: int = 200, **context: object) -> Response:
    try:
        person = registry.get_person(db, user, person_id)
    except NotFound:
        return Response("no such person within your region", status_code=404)
    may_decide = has_permission(user, "appeal.decide")
    return render(
        request, "desk_person.html", status_code=status_code, user=user,
        person=PersonOut.of(person), record=contributions.record(db, user, person.id),
        appeals=portal.appeals(db, user, person.id) if may_decide else [],
        corrections=portal.corrections(db, user, person.id) if may_decide else [],
        may_act=may_decide, kinds=KINDS, subjects=SUBJECTS, fields=CORRECTION_FIELDS,
        provinces=provinces(), overdue=portal.is_overdue, **context)


@router.post("/desk/persons", response_class=HTMLResponse)
def register(
    request: Request, db: WriteDb, user: MaybeUser,
    identity_number: Annotated[str, Form(max_length=18)] = "",
    name: Annotated[str, Form(max_length=64)] = "",
    hukou_region: Annotated[str, Form(max_length=6)] = "",
    residence_region: Annotated[str, Form(max_length=6)] = "",
    phone: Annotated[str, Form(max_length=20)] = "",
    csrf_token: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Register a person at the counter, through the registry's own checks."""
    if (refused := _staff(request, user, csrf_token)) is not None:
        return refused
    assert user is not None
    fields = {"identity_number": identity_number.strip(), "name": name.strip(),
              "hukou_region": hukou_region.strip(), "residence_region": residence_region.strip(),
              "phone": phone.strip() or None}
    try:
        try:
            data = PersonCreate.model_validate(fields)
        except ValidationError as invalid:
            raise from_validation_errors(invalid.errors()).errors[0] from None
        person = registry.register_person(db, user, data)
    except InputError as refused_input:
        db.rollback()
        return render(request, "desk.html", status_code=422, user=user, q=None, results=None,
                      queues=_queues(db, user), may_register=True, error=refused_input,
                      draft=fields)
    db.commit()
    return RedirectResponse(f"/desk/persons/{person.id}", status_code=303)


@router.get("/desk/persons/{person_id}", response_class=HTMLResponse)
def person_card(person_id: int, request: Request, db: Db, user: MaybeUser) -> Response:
    if (refused := _staff(request, user)) is not None:
        return refused
    assert user is not None
    return _person_page(request, db, user, person_id)


@router.post("/desk/persons/{person_id}/reveal", response_class=HTMLResponse)
def reveal(
    person_id: int, request: Request, db: WriteDb, user: MaybeUser,
    reason: Annotated[str, Form(max_length=500)] = "",
    csrf_token: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """The full number on this page only, after the reason went to the audit trail."""
    if (refused := _staff(request, user, csrf_token)) is not None:
        return refused
    assert user is not None
    try:
        number = registry.reveal_identity_number(db, user, person_id, reason)
    except InputError as refused_input:
        db.rollback()
        return _person_page(request, db, user, person_id, 422, error=refused_input)
    except NotFound:
        return Response("no such person within your region", status_code=404)
    db.commit()
    return _person_page(request, db, user, person_id, revealed=number)


def _on_behalf(request: Request, db: Session, user: User, person_id: int,
               file: Callable[[], Any],
               receipt: Callable[[Any], tuple[str, int, date, date | None]]) -> Response:
    """File something for the person at the counter: the person's page again with the reason
    if it is refused (nothing kept), else the printable receipt (what, number, filed, due)."""
    try:
        made = file()
    except InputError as refused_input:
        db.rollback()
        return _person_page(request, db, user, person_id, 422, error=refused_input)
    db.commit()
    what, number, filed_on, due_on = receipt(made)
    return render(request, "desk_receipt.html", user=user, person_id=person_id, what=what,
                  number=number, filed_on=filed_on, due_on=due_on)


@router.post("/desk/persons/{person_id}/appeals", response_class=HTMLResponse)
def appeal_on_behalf(
    person_id: int, request: Request, db: WriteDb, user: MaybeUser,
    kind: Annotated[str, Form(max_length=10)], subject: Annotated[str, Form(max_length=20)],
    text: Annotated[str, Form(max_length=2000)] = "",
    subject_ref: Annotated[str, Form(max_length=64)] = "",
    csrf_token: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    if (refused := _staff(request, user, csrf_token)) is not None:
        return refused
    assert user is not None
    return _on_behalf(
        request, db, user, person_id,
        lambda: portal.file_appeal(db, user, portal.AppealInput(
            person_id, kind, subject, text, subject_ref)),
        lambda made: ("kind_" + made.kind, made.id, made.filed_on, made.due_on))


@router.post("/desk/persons/{person_id}/corrections", response_class=HTMLResponse)
def correction_on_behalf(
    person_id: int, request: Request, db: WriteDb, user: MaybeUser,
    field: Annotated[str, Form(max_length=20)],
    requested_value: Annotated[str, Form(max_length=500)] = "",
    reason: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    if (refused := _staff(request, user, csrf_token)) is not None:
        return refused
    assert user is not None
    return _on_behalf(
        request, db, user, person_id,
        lambda: portal.request_correction(db, user, person_id, field, requested_value, reason),
        lambda made: ("correction_new", made.id, made.filed_on, made.due_on))


@router.post("/desk/persons/{person_id}/transfers", response_class=HTMLResponse)
def transfer_on_behalf(
    person_id: int, request: Request, db: WriteDb, user: MaybeUser,
    destination_province: Annotated[str, Form(max_length=6)],
    csrf_token: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    if (refused := _staff(request, user, csrf_token)) is not None:
        return refused
    assert user is not None
    return _on_behalf(
        request, db, user, person_id,
        lambda: transfers.apply(db, user, transfers.ApplicationInput(
            person_id, destination_province)),
        lambda made: ("transfer_apply", made.id, made.applied_on, made.due_on))


@router.get("/desk/persons/{person_id}/statement", response_class=HTMLResponse)
def statement(person_id: int, request: Request, db: Db, user: MaybeUser) -> Response:
    """A printable statement of the person's contributions, as the counter hands it over."""
    if (refused := _staff(request, user)) is not None:
        return refused
    assert user is not None
    try:
        person = registry.get_person(db, user, person_id)
    except NotFound:
        return Response("no such person within your region", status_code=404)
    return render(request, "desk_statement.html", user=user, person=PersonOut.of(person),
                  record=contributions.record(db, user, person.id), today=date.today())


def _appeals_queue(request: Request, db: Session, user: User, status_code: int = 200,
                   **context: object) -> Response:
    return render(request, "desk_appeals.html", status_code=status_code, user=user,
                  appeals=portal.appeals(db, user, open_only=True),
                  corrections=portal.corrections(db, user, open_only=True),
                  outcomes=("upheld", "partly_upheld", "dismissed"),
                  overdue=portal.is_overdue, **context)


@router.get("/desk/appeals", response_class=HTMLResponse)
def appeals_queue(request: Request, db: Db, user: MaybeUser, done: int = 0) -> Response:
    if (refused := _staff(request, user)) is not None:
        return refused
    assert user is not None
    if not has_permission(user, "appeal.decide"):
        return Response("your role does not decide appeals", status_code=403)
    return _appeals_queue(request, db, user, done=done)


@router.post("/desk/appeals/{appeal_id}/decide")
def decide_appeal(
    appeal_id: int, request: Request, db: WriteDb, user: MaybeUser,
    outcome: Annotated[str, Form(max_length=14)],
    text: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    if (refused := _staff(request, user, csrf_token)) is not None:
        return refused
    assert user is not None
    try:
        if outcome == "in_review":
            portal.start_review(db, user, appeal_id)
        else:
            portal.decide_appeal(db, user, appeal_id, outcome, text)
    except InputError as refused_input:
        db.rollback()
        return _appeals_queue(request, db, user, 422, error=refused_input)
    db.commit()
    return RedirectResponse("/desk/appeals?done=1", status_code=303)


@router.post("/desk/corrections/{request_id}/decide")
def decide_correction(
    request_id: int, request: Request, db: WriteDb, user: MaybeUser,
    decision: Annotated[str, Form(pattern="^(correct|refuse)$")],
    response: Annotated[str, Form(max_length=1000)] = "",
    csrf_token: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    if (refused := _staff(request, user, csrf_token)) is not None:
        return refused
    assert user is not None
    try:
        portal.decide_correction(db, user, request_id, decision == "correct", response)
    except InputError as refused_input:
        db.rollback()
        return _appeals_queue(request, db, user, 422, error=refused_input)
    db.commit()
    return RedirectResponse("/desk/appeals?done=1", status_code=303)

