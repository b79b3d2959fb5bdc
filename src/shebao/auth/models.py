"""Staff, citizen and employer accounts, and their login sessions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shebao.db.base import Base, TimestampMixin


class Role(StrEnum):
    citizen = "citizen"
    employer = "employer"
    clerk = "clerk"
    supervisor = "supervisor"
    analyst = "analyst"
    admin = "admin"


STAFF_ROLES = frozenset({Role.clerk, Role.supervisor, Role.analyst, Role.admin})


class User(TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    # Staff see this region and everything below it; "000000" is the whole nation.
    region_code: Mapped[str] = mapped_column(String(6))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), default=None)
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employers.id"), default=None)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Demo accounts carry the well-known password "demo": they may log in only in demo mode.
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)

    sessions: Mapped[list[AuthSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )


class AuthSession(TimestampMixin, Base):
    """A login: a browser cookie or a program's bearer token. Only the token's hash is kept."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # "cookie" | "bearer"
    csrf_token: Mapped[str] = mapped_column(String(64))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(back_populates="sessions")
