"""Transfer pages: the citizen applies and follows (with the benefit place and the service
target), clerks handle the queue step by step, supervisors see overdue transfers. Forms carry
the session's CSRF token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from shebao.api.deps import Db, WriteDb, optional_user
from shebao.auth.authz import has_permission
from shebao.auth.models import Role, User
from shebao.errors import InputError
from shebao.registry.identifiers import mask_resident_id
from shebao.registry.models import Person
from shebao.registry.regions import provinces
from shebao.transfers import service
from shebao.web.routes import csrf_ok, render

router = APIRouter(include_in_schema=False)
MaybeUser = Annotated[User | None, Depends(optional_user)]
STEP = {"approve": service.approve, "move": service.move_funds, "receive": service.receive}


def _page(request: Request, db: Session, user: User, status_code: int = 200,
          **context: object) -> Response:
    if user.role == Role.citizen and user.person_id is not None:
        person = db.get(Person, user.person_id)
        assert person is not None
        return render(request, "transfers_mine.html", status_code=status_code, user=user,
                      transfers=service.mine(db, user), place=service.benefit_place(db, person),
                      provinces=provinces(), overdue=service.is_overdue, **context)
    rows = [(t, *_who(db, t)) for t in service.listing(db, user)]
    return render(request, "transfers_queue.html", status_code=status_code, user=user,
                  rows=rows, overdue=service.is_overdue, **context)


def _who(db: Session, found: service.Transfer) -> tuple[str, str]:
    person = db.get(Person, found.person_id)
    assert person is not None
    return person.name, mask_resident_id(person.identity_number)


@router.get("/transfers", response_class=HTMLResponse)
def transfers(request: Request, db: Db, user: MaybeUser, done: int = 0) -> Response:
    if user is None:
        return RedirectResponse("/login", status_code=303)
    if not has_permission(user, "transfer.read"):
        return Response("your role does not handle transfers", status_code=403)
    return _page(request, db, user, done=done)


@router.post("/transfers/apply")
def apply(
    request: Request, db: WriteDb, user: MaybeUser,
    destination_province: Annotated[str, Form(max_length=6)],
    destination_region: Annotated[str, Form(max_length=6)] = "",
    csrf_token: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    if user is None:
        return RedirectResponse("/login", status_code=303)
    if not csrf_ok(request, csrf_token) or user.person_id is None:
        return Response("missing or wrong CSRF token", status_code=403)
    try:
        service.apply(db, user, service.ApplicationInput(
            user.person_id, destination_province, destination_region.strip() or None))
    except InputError as refused:
        db.rollback()
        return _page(request, db, user, status_code=422, error=refused)
    db.commit()
    return RedirectResponse("/transfers?done=1", status_code=303)


@router.post("/transfers/{transfer_id}/step")
def step(
    transfer_id: int, request: Request, db: WriteDb, user: MaybeUser,
    action: Annotated[str, Form(pattern="^(approve|move|receive)$")],
    csrf_token: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    if user is None:
        return RedirectResponse("/login", status_code=303)
    if not csrf_ok(request, csrf_token):
        return Response("missing or wrong CSRF token", status_code=403)
    try:
        STEP[action](db, user, transfer_id, None)
    except InputError as refused:
        db.rollback()
        return _page(request, db, user, status_code=422, error=refused)
    db.commit()
    return RedirectResponse("/transfers?done=1", status_code=303)


@router.get("/transfers/overdue", response_class=HTMLResponse)
def overdue(request: Request, db: Db, user: MaybeUser) -> Response:
    if user is None:
        return RedirectResponse("/login", status_code=303)
    if not has_permission(user, "transfer.overdue"):
        return Response("your role does not supervise transfers", status_code=403)
    rows = [(t, *_who(db, t)) for t in service.overdue(db, user)]
    return render(request, "transfers_queue.html", user=user, rows=rows, supervising=True,
                  overdue=service.is_overdue)
