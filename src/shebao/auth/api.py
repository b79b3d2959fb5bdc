"""Sign-in for programs (bearer tokens) and account management for admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Request

from shebao.api.deps import CurrentUser, Db
from shebao.auth import service
from shebao.auth.authz import may_reach_region, require
from shebao.auth.schemas import TokenOut, TokenRequest, UserCreate, UserOut
from shebao.errors import InputError

router = APIRouter(prefix="/api/v1", tags=["accounts"])


@router.post("/auth/token")
def issue_token(data: TokenRequest, request: Request, db: Db) -> TokenOut:
    user = service.authenticate(db, data.username, data.password, request.app.state.settings)
    if user is None:
        raise HTTPException(401, "wrong username or password")
    issued = service.start_session(db, user, "bearer", request.app.state.settings)
    db.commit()
    return TokenOut(access_token=issued.token, expires_at=issued.expires_at)


@router.post("/auth/logout", status_code=204)
def revoke_token(
    user: CurrentUser, db: Db, authorization: Annotated[str | None, Header()] = None
) -> None:
    if authorization:
        service.end_session(db, authorization.partition(" ")[2].strip())
        db.commit()


@router.get("/me")
def me(user: CurrentUser) -> UserOut:
    return UserOut.model_validate(user)


@router.post("/users", status_code=201)
def create_user(data: UserCreate, user: CurrentUser, db: Db) -> UserOut:
    require(user, "user.manage")
    if not may_reach_region(user, data.region_code):
        raise InputError("region_code", "is outside the region your account serves")
    created = service.create_user(db, **data.model_dump())
    db.commit()
    return UserOut.model_validate(created)
