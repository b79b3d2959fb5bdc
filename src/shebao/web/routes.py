"""Pages: sign in, sign out, a landing page for each role, and the language switch."""

from __future__ import annotations

import csv
import io
import secrets
from datetime import date
from importlib.resources import files
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, select

from shebao.api.deps import SESSION_COOKIE, Db, optional_user
from shebao.auth import service as auth_service
from shebao.auth.authz import has_permission, scoped_persons
from shebao.auth.models import Role, User
from shebao.contributions import service as contributions
from shebao.registry.models import Employer, Person
from shebao.registry.regions import get_region, scope_prefix
from shebao.registry.schemas import PersonOut
from shebao.registry.service import search_persons
from shebao.web.i18n import (
    LANG_COOKIE,
    LANGUAGES,
    MODE_COOKIE,
    MODES,
    language_of,
    mode_of,
    translator,
)

LOGIN_CSRF_COOKIE = "shebao_login_csrf"
templates = Jinja2Templates(directory=str(files("shebao.web") / "templates"))
router = APIRouter(include_in_schema=False)
MaybeUser = Annotated[User | None, Depends(optional_user)]


def region_name(lang: str):  # type: ignore[no-untyped-def]
    def name(code: str) -> str:
        if code == "000000":
            return translator(lang)("nation")
        region = get_region(code)
        return region.name_zh if lang == "zh" else region.name_en

    return name


def yuan(fen: int) -> str:
    """Fen shown as yuan with two decimals and thousands separators: 1234567 → 12,345.67."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{cents:02d}"


def render(request: Request, template: str, status_code: int = 200, **context: object) -> Response:
    lang = language_of(request)
    return templates.TemplateResponse(
        request,
        template,
        {
            "lang": lang,
            "mode": mode_of(request),
            "t": translator(lang),
            "region_name": region_name(lang),
            "yuan": yuan,
            "csrf_token": getattr(request.state, "csrf_token", ""),
            "user": None,
            **context,
        },
        status_code=status_code,
    )


def csrf_ok(request: Request, token: str) -> bool:
    """A form's CSRF token matches the session's."""
    expected = getattr(request.state, "csrf_token", None)
    return bool(expected) and secrets.compare_digest(str(expected), token)


def _cookie_args(request: Request) -> dict[str, object]:
    return {
        "httponly": True,
        "samesite": "lax",
        "secure": request.app.state.settings.cookie_secure,
        "path": "/",
    }


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request, "login.html", login_csrf=token, demo_mode=request.app.state.settings.demo_mode
    )
    response.set_cookie(LOGIN_CSRF_COOKIE, token, **_cookie_args(request))  # type: ignore[arg-type]
    return response


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    db: Db,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    csrf_token: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    settings = request.app.state.settings
    expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    user = None
    if expected and secrets.compare_digest(expected, csrf_token):
        user = auth_service.authenticate(db, username, password, settings)
    if user is None:
        token = secrets.token_urlsafe(24)
        response = render(
            request, "login.html", status_code=401, error=True, username=username,
            login_csrf=token, demo_mode=settings.demo_mode,
        )
        response.set_cookie(LOGIN_CSRF_COOKIE, token, **_cookie_args(request))  # type: ignore[arg-type]
        return response
    issued = auth_service.start_session(
        db, user, "cookie", settings, replacing=request.cookies.get(SESSION_COOKIE)
    )
    db.commit()
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(SESSION_COOKIE, issued.token, **_cookie_args(request))  # type: ignore[arg-type]
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout")
def logout(
    request: Request, db: Db, user: MaybeUser,
    csrf_token: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if user is not None and token and csrf_token == getattr(request.state, "csrf_token", None):
        auth_service.end_session(db, token)
        db.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _remember(request: Request, cookie: str, value: str, allowed: tuple[str, ...]) -> Response:
    """Back to the page the switch was on, with the choice kept in a cookie for a year."""
    back = request.headers.get("referer") or "/"
    response = RedirectResponse(back if back.startswith(str(request.base_url)) else "/", 303)
    if value in allowed:
        response.set_cookie(cookie, value, max_age=365 * 24 * 3600, samesite="lax", path="/")
    return response


@router.get("/lang/{lang}")
def switch_language(lang: str, request: Request) -> Response:
    return _remember(request, LANG_COOKIE, lang, LANGUAGES)


@router.get("/mode/{mode}")
def switch_mode(mode: str, request: Request) -> Response:
    """Elder mode or the standard one."""
    return _remember(request, MODE_COOKIE, mode, MODES)


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request, db: Db, user: MaybeUser,
    q: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    if user is None:
        return RedirectResponse("/login", status_code=303)
    lang = language_of(request)
    context: dict[str, object] = {"user": user, "region_label": region_name(lang)(user.region_code)}
    if user.role == Role.citizen and user.person_id is not None:
        context["person"] = PersonOut.of(db.get(Person, user.person_id))
        context["record"] = contributions.record(db, user, user.person_id)
    if user.role == Role.employer and user.employer_id is not None:
        context["employer"] = db.get(Employer, user.employer_id)
        context["bills"] = [
            (bill, contributions.late_fee_on(bill, date.today())[0] if bill.status == "open" else 0)
            for bill in contributions.bills(db, user, employer_id=user.employer_id)
        ]
    if user.role in (Role.clerk, Role.supervisor):
        context["can_search"] = True
        context["q"] = q
        if q is not None:
            context["results"] = [PersonOut.of(p) for p in search_persons(db, user, q.strip())]
    if user.role in (Role.supervisor, Role.analyst, Role.admin):
        prefix = scope_prefix(user.region_code)
        context["overview"] = {
            "persons": db.scalar(select(func.count()).select_from(scoped_persons(user).subquery())),
            "employers": db.scalar(
                select(func.count(Employer.id)).where(Employer.region_code.startswith(prefix))
            ),
            "accounts": db.scalar(select(func.count(User.id)))
            if has_permission(user, "user.manage")
            else None,
        }
    return render(request, "home.html", **context)


@router.get("/me/record.csv")
def my_record_csv(db: Db, user: MaybeUser) -> Response:
    """The signed-in citizen's contribution record as a CSV statement."""
    if user is None or user.person_id is None:
        return RedirectResponse("/login", status_code=303)
    found = contributions.record(db, user, user.person_id)
    out = io.StringIO()
    writer = csv.writer(out)
    schemes = sorted({k for m in found.months for k in m.amounts})
    writer.writerow(["month", "payer", "base_fen", *schemes, "paid"])
    for m in found.months:
        writer.writerow([m.month, m.payer, m.base_fen, *(m.amounts.get(k, 0) for k in schemes),
                         "yes" if m.paid else "no"])
    writer.writerow([])
    writer.writerow(["contribution_months", found.contribution_months])
    writer.writerow(["pension_account_fen", found.pension_account_fen])
    writer.writerow(["medical_account_fen", found.medical_account_fen])
    return Response(
        out.getvalue(), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="contribution-record.csv"'},
    )
