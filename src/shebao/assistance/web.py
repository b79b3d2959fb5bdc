"""Assistance pages: the caseworker's applications, discrepancies and reviews with the
decision forms; the citizen's application form and the status of their household's cases."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from shebao.api.deps import Db, WriteDb
from shebao.assistance import service
from shebao.assistance.models import HOUSEHOLD_PROGRAMMES
from shebao.auth.authz import Forbidden, NotFound, has_permission
from shebao.auth.models import Role, User
from shebao.errors import InputError, InputErrors
from shebao.registry.identifiers import mask_resident_id
from shebao.registry.models import HouseholdMember
from shebao.web.routes import MaybeUser, render

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=500)]
Token = Annotated[str, Form(max_length=64)]


def _csrf_ok(request: Request, token: str) -> bool:
    expected = getattr(request.state, "csrf_token", None)
    return bool(expected) and secrets.compare_digest(str(expected), token)


def _household_of(db: Session, user: User) -> int | None:
    return db.scalar(select(HouseholdMember.household_id).where(
        HouseholdMember.person_id == (user.person_id or -1), HouseholdMember.end_date.is_(None)))


@router.get("/assistance", response_class=HTMLResponse)
def overview(request: Request, db: Db, user: MaybeUser) -> Response:
    """Caseworkers: pending applications, open discrepancies, reviews due. Citizens: their
    household's applications and their status."""
    if user is None:
        return RedirectResponse("/login", status_code=303)
    if not has_permission(user, "assistance.read"):
        return RedirectResponse("/", status_code=303)
    context: dict[str, Any] = {"user": user, "apps": service.applications(db, user)}
    if has_permission(user, "assistance.decide"):
        context |= {"pending": service.applications(db, user, status=service.PENDING),
                    "discrepancies": service.open_discrepancies(db, user),
                    "reviews": service.reviews_due(db, user)}
    return render(request, "assistance.html", **context)


def _detail(request: Request, db: Session, user: User, app_id: int, status_code: int = 200,
            errors: list[InputError] | None = None) -> Response:
    try:
        app = service.application_for(db, user, app_id)
    except (NotFound, Forbidden):
        return render(request, "claims_missing.html", status_code=404, user=user)
    members = service.current_members(db, app.household_id, app.applied_on)
    names = [(p.name, mask_resident_id(p.identity_number), m.relationship) for m, p in members]
    return render(request, "assistance_case.html", status_code=status_code, user=user, app=app,
                  members=names, errors=errors or [],
                  staff=has_permission(user, "assistance.decide") and user.role != Role.citizen)


@router.get("/assistance/{app_id:int}", response_class=HTMLResponse)
def case_page(app_id: int, request: Request, db: Db, user: MaybeUser) -> Response:
    if user is None:
        return RedirectResponse("/login", status_code=303)
    return _detail(request, db, user, app_id)


def _act(request: Request, db: Session, user: User | None, token: str, app_id: int,
         act: Callable[[], object]) -> Response:
    """Run one action from a form; a refusal is shown on the case page and changes nothing."""
    if user is None:
        return RedirectResponse("/login", status_code=303)
    if not _csrf_ok(request, token):
        return Response("missing or wrong CSRF token", status_code=403)
    try:
        act()
    except InputErrors as bad:
        db.rollback()
        return _detail(request, db, user, app_id, 422, bad.errors)
    except InputError as bad:
        db.rollback()
        return _detail(request, db, user, app_id, 422, [bad])
    except (NotFound, Forbidden):
        db.rollback()
        return render(request, "claims_missing.html", status_code=404, user=user)
    db.commit()
    return RedirectResponse(f"/assistance/{app_id}", status_code=303)


@router.post("/assistance/{app_id:int}/discrepancies/{discrepancy_id:int}")
def resolve(app_id: int, discrepancy_id: int, request: Request, db: WriteDb, user: MaybeUser,
            status: Annotated[str, Form(pattern="^(explained|confirmed)$")], note: Text = "",
            csrf_token: Token = "") -> Response:
    return _act(request, db, user, csrf_token, app_id, lambda: service.resolve_discrepancy(
        db, user, discrepancy_id, status, note))  # type: ignore[arg-type]


@router.post("/assistance/{app_id:int}/decide")
def decide(app_id: int, request: Request, db: WriteDb, user: MaybeUser,
           decision: Annotated[str, Form(pattern="^(approve|refuse)$")],
           basis: Annotated[str, Form(pattern="^(assessed|declared)$")] = "assessed",
           reason: Text = "", csrf_token: Token = "") -> Response:
    return _act(request, db, user, csrf_token, app_id, lambda: service.decide(
        db, user, app_id, decision == "approve", reason, basis))  # type: ignore[arg-type]


@router.post("/assistance/{app_id:int}/adjust")
def adjust(app_id: int, request: Request, db: WriteDb, user: MaybeUser,
           action: Annotated[str, Form(pattern="^(continue|adjust|stop)$")],
           basis: Annotated[str, Form(pattern="^(assessed|declared)$")] = "assessed",
           reason: Text = "", csrf_token: Token = "") -> Response:
    return _act(request, db, user, csrf_token, app_id, lambda: service.adjust(
        db, user, app_id, action, reason, basis))  # type: ignore[arg-type]


@router.post("/assistance/{app_id:int}/appeal")
def appeal(app_id: int, request: Request, db: WriteDb, user: MaybeUser, grounds: Text = "",
           csrf_token: Token = "") -> Response:
    return _act(request, db, user, csrf_token, app_id, lambda: service.appeal(
        db, user, app_id, grounds))  # type: ignore[arg-type]


@router.post("/assistance/{app_id:int}/appeal/decide")
def decide_appeal(app_id: int, request: Request, db: WriteDb, user: MaybeUser,
                  decision: Annotated[str, Form(pattern="^(uphold|dismiss)$")],
                  reason: Text = "", csrf_token: Token = "") -> Response:
    return _act(request, db, user, csrf_token, app_id, lambda: service.decide_appeal(
        db, user, app_id, decision == "uphold", reason))  # type: ignore[arg-type]


def _form_page(request: Request, db: Session, user: User, status_code: int = 200,
               errors: list[InputError] | None = None) -> Response:
    household_id = _household_of(db, user)
    members = service.current_members(db, household_id, date.today()) if household_id else []
    return render(request, "assistance_apply.html", status_code=status_code, user=user,
                  household_id=household_id, members=[p for _, p in members],
                  programmes=HOUSEHOLD_PROGRAMMES, errors=errors or [])


@router.get("/assistance/apply", response_class=HTMLResponse)
def apply_page(request: Request, db: Db, user: MaybeUser) -> Response:
    """The citizen's application for their household: each member's income, the assets."""
    if user is None:
        return RedirectResponse("/login", status_code=303)
    if user.role != Role.citizen:
        return RedirectResponse("/assistance", status_code=303)
    return _form_page(request, db, user)


def _amount(form: Any, key: str) -> int | None:
    """Yuan typed in a form as fen; blank is missing (listed), not zero."""
    raw = str(form.get(key) or "").strip()
    if not raw:
        return None
    try:
        return round(float(raw) * 100)
    except ValueError:
        raise InputError(key, f"{raw!r} is not an amount in yuan") from None


def _count(form: Any, key: str) -> int | None:
    raw = str(form.get(key) or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise InputError(key, f"{raw!r} is not a whole number")
    return int(raw)


@router.post("/assistance/apply", response_class=HTMLResponse)
async def apply(request: Request, db: WriteDb, user: MaybeUser) -> Response:
    if user is None:
        return RedirectResponse("/login", status_code=303)
    form = await request.form()
    if not _csrf_ok(request, str(form.get("csrf_token") or "")):
        return Response("missing or wrong CSRF token", status_code=403)
    household_id = _household_of(db, user)
    try:
        if household_id is None:
            raise InputError("household_id", "you are not recorded in a household")
        members = service.current_members(db, household_id, date.today())
        declared: dict[str, Any] = {
            "members": [{"person_id": p.id, **{k: _amount(form, f"{k}_{p.id}")
                                               for k in service.INCOME_LINES}}
                        for _, p in members],
            "deposits_fen": _amount(form, "deposits_fen"),
            "vehicles": _count(form, "vehicles"), "properties": _count(form, "properties"),
            "hardship": str(form.get("hardship") or "").strip()[:300] or None,
            "requested_fen": _amount(form, "requested_fen"),
        }
        programme = str(form.get("programme") or "dibao")
        app = service.apply(db, user, household_id, programme,
                            {k: v for k, v in declared.items() if v is not None},
                            area=str(form.get("area") or "rural"))
    except InputErrors as bad:
        db.rollback()
        return _form_page(request, db, user, 422, bad.errors)
    except InputError as bad:
        db.rollback()
        return _form_page(request, db, user, 422, [bad])
    db.commit()
    return RedirectResponse(f"/assistance/{app.id}", status_code=303)

