"""The claims pages: a citizen's claims with each medical claim's explanation of benefits, a
hospital's claim upload (CSV) and list, and the clerk's lists of every kind of claim."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from shebao.api.deps import Db, WriteDb
from shebao.api.uploads import read_text
from shebao.auth.authz import Forbidden, NotFound, has_permission
from shebao.auth.models import Role, User
from shebao.benefits.injury import service as injury
from shebao.benefits.medical import service as medical
from shebao.benefits.medical.models import Hospital
from shebao.benefits.unemployment import service as unemployment
from shebao.errors import InputError, InputErrors
from shebao.policy import Policy
from shebao.web.routes import MaybeUser, render

router = APIRouter(include_in_schema=False)


def _hospital_of(db: Session, user: User) -> Hospital | None:
    """The hospital a hospital's account works for, if the account is one."""
    if user.role != Role.employer or user.employer_id is None:
        return None
    return db.scalar(select(Hospital).where(Hospital.employer_id == user.employer_id))


@router.get("/claims", response_class=HTMLResponse)
def claims_page(request: Request, db: Db, user: MaybeUser) -> Response:
    """A citizen's own claims; staff see their region's; a hospital its own medical claims."""
    if user is None:
        return RedirectResponse("/login", status_code=303)
    context: dict[str, object] = {"user": user}
    hospital = _hospital_of(db, user)
    if hospital is not None:
        return render(request, "claims_hospital.html", hospital=hospital,
                      claims=medical.claims(db, user, hospital_id=hospital.id),
                      header=",".join(medical.CSV_HEADER), **context)
    if has_permission(user, "unemployment.read"):
        context["unemployment"] = [(c, unemployment.summary(c))
                                   for c in unemployment.claims(db, user)]
    if has_permission(user, "injury.read"):
        context["injury"] = [(c, injury.paid_total(c)) for c in injury.claims(db, user)]
    if has_permission(user, "medical.read"):
        context["medical"] = medical.claims(db, user)
    title = "my_claims" if user.role == Role.citizen else "claims"
    return render(request, "claims.html", title=title, **context)


@router.get("/claims/medical/{claim_id}", response_class=HTMLResponse)
def explanation_page(claim_id: int, request: Request, db: Db, user: MaybeUser) -> Response:
    """The explanation of benefits of one medical claim: each layer and its rules."""
    if user is None:
        return RedirectResponse("/login", status_code=303)
    try:
        claim = medical.claim_for(db, user, claim_id)
    except (NotFound, Forbidden):
        return render(request, "claims_missing.html", status_code=404, user=user)
    hospital = db.get(Hospital, claim.hospital_id)
    names = Policy.at(claim.discharge_date).value("medical_claims.catalogue.item_name")
    return render(request, "claims_eob.html", user=user, claim=claim, hospital=hospital,
                  names=names)


@router.post("/claims/upload", response_class=HTMLResponse)
async def upload(
    request: Request, db: WriteDb, user: MaybeUser,
    file: Annotated[UploadFile, File()], csrf_token: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """A hospital uploads a CSV of claims from its page; a bad file is listed, not kept."""
    if user is None or csrf_token != getattr(request.state, "csrf_token", None):
        return RedirectResponse("/login", status_code=303)
    hospital = _hospital_of(db, user)
    if hospital is None:
        return RedirectResponse("/", status_code=303)
    errors: list[InputError] = []
    settled = []
    try:
        text = await read_text(file)
        rows, unread = medical.read_csv(text)
        settled = medical.submit(db, user, hospital.id, rows, unread)
        db.commit()
    except InputErrors as bad:
        db.rollback()
        errors = bad.errors
    except InputError as bad:
        db.rollback()
        errors = [bad]
    return render(request, "claims_hospital.html", status_code=422 if errors else 200,
                  user=user, hospital=hospital, errors=errors, settled=settled,
                  claims=medical.claims(db, user, hospital_id=hospital.id),
                  header=",".join(medical.CSV_HEADER))
