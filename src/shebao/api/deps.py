"""Dependencies shared by every router: the database session and the signed-in user.

A write handler commits before it answers: FastAPI runs a dependency's clean-up after the
response has gone out, so a commit there could fail unseen. The session's clean-up only rolls
back whatever was not committed.

FastAPI runs a plain `def` dependency in a worker thread, a generator twice (in and out): a
hop of a few hundred microseconds of CPU each. So the dependencies that do no I/O are `async`:
a session is made without touching the database, and closed in the event loop when the
handler committed (nothing left to send); only a session with a transaction still open is
closed in a worker thread, since its rollback talks to the database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from shebao.auth import row_security
from shebao.auth.models import User
from shebao.auth.service import resolve_session
from shebao.config import Settings
from shebao.db.engine import get_sessionmaker
from shebao.supervision import audit

SESSION_COOKIE = "shebao_session"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


async def _close(session: Session) -> None:
    """Close a request's session: a transaction still open is rolled back in a worker thread."""
    if session.in_transaction():
        await run_in_threadpool(session.close)
    else:
        session.close()


def audit_context(request: Request) -> dict[str, Any]:
    """Who acts in this request, for the audit trail: shared by the request's sessions and
    filled in once the signed-in user is known."""
    context: dict[str, Any] | None = getattr(request.state, "audit", None)
    if context is None:
        source = "api" if request.url.path.startswith("/api/") else "web"
        context = request.state.audit = {"source": source, "actor_id": None}
    return context


async def get_db(request: Request) -> AsyncIterator[Session]:
    session = get_sessionmaker(request.app.state.settings.database_url)()
    audit.attach_context(session, audit_context(request))
    try:
        yield session
    finally:
        await _close(session)


Db = Annotated[Session, Depends(get_db)]


async def get_write_db(request: Request, db: Db) -> AsyncIterator[Session]:
    """A session whose transactions write after reading (BEGIN IMMEDIATE on SQLite).

    On PostgreSQL a write transaction is an ordinary one, so the request's session serves: the
    signed-in user is looked up and the write is made on one connection, in one transaction.
    On SQLite the request then holds one connection at a time: the user's, then the writer's.
    """
    if db.get_bind().dialect.name != "sqlite":
        yield db
        return
    # End the read transaction the user was looked up in, giving its connection back: a request
    # holding a read connection while it waits for a write one would, with as many requests at
    # once as the pool has connections, leave every request waiting (pool exhausted, 500).
    db.commit()
    session = get_sessionmaker(request.app.state.settings.database_url, write=True)()
    audit.attach_context(session, audit_context(request))
    try:
        yield session
    finally:
        await _close(session)


WriteDb = Annotated[Session, Depends(get_write_db)]


def optional_user(
    request: Request, db: Db, authorization: Annotated[str | None, Header()] = None
) -> User | None:
    """The user behind a bearer token or a session cookie, or None."""
    settings: Settings = request.app.state.settings
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise HTTPException(401, "the Authorization header must be 'Bearer <token>'")
        found = resolve_session(db, token.strip(), "bearer", settings)
        if db.deleted:  # an expired token was removed
            db.commit()
        if found is None:
            raise HTTPException(401, "the token is unknown or has expired")
        audit_context(request)["actor_id"] = found.user.id
        row_security.wall(db, found.user)
        return found.user
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    found = resolve_session(db, cookie, "cookie", settings)
    db.commit()
    if found is None:
        return None
    # A browser session may change data only with the CSRF token of the page it was given.
    if (
        request.method in UNSAFE_METHODS
        and request.url.path.startswith("/api/")
        and request.headers.get("x-csrf-token") != found.csrf_token
    ):
        raise HTTPException(403, "missing or wrong X-CSRF-Token for a cookie session")
    request.state.csrf_token = found.csrf_token
    audit_context(request)["actor_id"] = found.user.id
    row_security.wall(db, found.user)
    return found.user


async def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    if user is None:
        raise HTTPException(401, "sign in first", headers={"WWW-Authenticate": "Bearer"})
    return user


CurrentUser = Annotated[User, Depends(current_user)]
