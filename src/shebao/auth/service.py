"""Accounts and logins: Argon2id password hashes, cookie sessions and bearer tokens.

A session token is random and shown to its holder once; the database keeps only its SHA-256,
so a copy of the database does not let anyone log in. Cookie sessions expire after a period
of inactivity; every login issues a fresh token (no session fixation).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session, joinedload

from shebao.auth.models import STAFF_ROLES, AuthSession, Role, User
from shebao.config import Settings, get_settings
from shebao.errors import InputError
from shebao.registry.regions import get_region

_hasher = PasswordHasher()  # argon2-cffi defaults to Argon2id with RFC 9106 low-memory settings
MIN_PASSWORD_LENGTH = 12
DEMO_PASSWORD = "demo"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def create_user(
    db: Session,
    *,
    username: str,
    password: str,
    role: str,
    region_code: str,
    display_name: str | None = None,
    person_id: int | None = None,
    employer_id: int | None = None,
    is_demo: bool = False,
) -> User:
    """Create an account; staff need a region scope, citizens a person, employers an employer."""
    if role not in Role.__members__:
        raise InputError("role", f"must be one of {', '.join(Role)}; got {role!r}")
    if not username or not username.isascii() or len(username) > 64:
        raise InputError("username", "must be 1–64 ASCII characters")
    if region_code != "000000":
        get_region(region_code)
    if not is_demo and len(password) < MIN_PASSWORD_LENGTH:
        raise InputError("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")
    if role == Role.citizen and person_id is None:
        raise InputError("person", "a citizen account belongs to a registered person")
    if role == Role.employer and employer_id is None:
        raise InputError("employer", "an employer account belongs to a registered employer")
    if db.scalar(select(User.id).where(User.username == username)) is not None:
        raise InputError("username", f"{username!r} is taken")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=hash_password(password),
        role=role,
        region_code=region_code,
        person_id=person_id,
        employer_id=employer_id,
        is_demo=is_demo,
    )
    db.add(user)
    db.flush()
    return user


def authenticate(
    db: Session, username: str, password: str, settings: Settings | None = None
) -> User | None:
    """The active user with this password, or None; demo accounts only in demo mode."""
    settings = settings or get_settings()
    user = db.scalar(select(User).where(User.username == username))
    if user is None:
        _hasher.hash(password)  # spend the same time whether or not the name exists
        return None
    if not user.is_active or (user.is_demo and not settings.demo_mode):
        return None
    if not _password_matches(user.password_hash, password):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


@dataclass(frozen=True)
class IssuedSession:
    token: str
    csrf_token: str
    expires_at: datetime


def start_session(
    db: Session, user: User, kind: str, settings: Settings | None = None,
    replacing: str | None = None,
) -> IssuedSession:
    """Issue a new token for `user`; `replacing` (the old cookie token) is revoked."""
    settings = settings or get_settings()
    if replacing:
        db.execute(delete(AuthSession).where(AuthSession.token_hash == _token_hash(replacing)))
    now = datetime.now(UTC)
    lifetime = (
        timedelta(minutes=settings.session_idle_minutes)
        if kind == "cookie"
        else timedelta(hours=settings.token_hours)
    )
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24)
    db.add(
        AuthSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            kind=kind,
            csrf_token=csrf,
            last_seen_at=now,
            expires_at=now + lifetime,
        )
    )
    user.last_login_at = now
    db.flush()
    return IssuedSession(token=token, csrf_token=csrf, expires_at=now + lifetime)


_SESSION_BY_TOKEN = (
    select(AuthSession)
    .options(joinedload(AuthSession.user))  # every request reads the user: one query
    .where(AuthSession.token_hash == bindparam("token_hash"),
           AuthSession.kind == bindparam("kind"))
)
"""Made once: every request runs it."""


def resolve_session(
    db: Session, token: str, kind: str, settings: Settings | None = None
) -> AuthSession | None:
    """The live session for `token`; a cookie session's idle timer restarts on each use."""
    settings = settings or get_settings()
    found = db.scalar(_SESSION_BY_TOKEN, {"token_hash": _token_hash(token), "kind": kind})
    if found is None:
        return None
    now = datetime.now(UTC)
    if _aware(found.expires_at) <= now or not found.user.is_active:
        db.delete(found)
        return None
    if found.user.is_demo and not settings.demo_mode:
        return None
    if kind == "cookie":
        found.last_seen_at = now
        found.expires_at = now + timedelta(minutes=settings.session_idle_minutes)
    return found


def end_session(db: Session, token: str) -> None:
    db.execute(delete(AuthSession).where(AuthSession.token_hash == _token_hash(token)))


def is_staff(user: User) -> bool:
    return user.role in STAFF_ROLES


def operator() -> User:
    """The national operator behind the command line: an admin account that is never stored.

    The CLI runs on the server with the database's own credentials; its writes carry no user id.
    """
    return User(username="cli", display_name="command line", role=Role.admin,
                region_code="000000", is_active=True)
