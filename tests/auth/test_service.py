"""Accounts and sessions: Argon2id, demo-only demo passwords, idle timeout, fresh tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from shebao.auth.models import AuthSession, User
from shebao.auth.service import (
    authenticate,
    create_user,
    end_session,
    resolve_session,
    start_session,
)
from shebao.config import Settings
from shebao.db.engine import transaction
from shebao.errors import InputError
from tests.helpers import PASSWORD, add_user


def _settings(url: str, demo: bool = False) -> Settings:
    return Settings(database_url=url, secret_key="k", demo_mode=demo, session_idle_minutes=30)


def test_passwords_are_argon2id_hashes(database_url: str) -> None:
    add_user(database_url, "clerk", "clerk", "510104")
    with transaction(database_url) as db:
        stored = db.scalar(select(User.password_hash).where(User.username == "clerk"))
        assert stored.startswith("$argon2id$")
        assert PASSWORD not in stored
        assert authenticate(db, "clerk", PASSWORD, _settings(database_url)) is not None
        assert authenticate(db, "clerk", "wrong password!", _settings(database_url)) is None
        assert authenticate(db, "nobody", PASSWORD, _settings(database_url)) is None


def test_demo_accounts_work_only_in_demo_mode(database_url: str) -> None:
    with transaction(database_url) as db:
        create_user(db, username="clerk", password="demo", role="clerk", region_code="510104",
                    is_demo=True)
    with transaction(database_url) as db:
        assert authenticate(db, "clerk", "demo", _settings(database_url, demo=True)) is not None
        assert authenticate(db, "clerk", "demo", _settings(database_url, demo=False)) is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"password": "short"}, "password"),
        ({"role": "king"}, "role"),
        ({"region_code": "519999"}, "region_code"),
        ({"role": "citizen"}, "person"),
    ],
)
def test_bad_accounts_are_refused(database_url: str, changes: dict[str, str], field: str) -> None:
    data = {"username": "u", "password": PASSWORD, "role": "clerk", "region_code": "510104"}
    with transaction(database_url) as db, pytest.raises(InputError) as refused:
        create_user(db, **{**data, **changes})
    assert refused.value.field == field


def test_cookie_sessions_expire_when_idle_and_renew_when_used(database_url: str) -> None:
    add_user(database_url, "clerk", "clerk", "510104")
    settings = _settings(database_url)
    with transaction(database_url) as db:
        user = db.scalar(select(User).where(User.username == "clerk"))
        issued = start_session(db, user, "cookie", settings)
    with transaction(database_url) as db:
        assert resolve_session(db, issued.token, "cookie", settings) is not None
        # A cookie token is not a bearer token.
        assert resolve_session(db, issued.token, "bearer", settings) is None
    with transaction(database_url) as db:
        row = db.scalar(select(AuthSession))
        row.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    with transaction(database_url) as db:
        assert resolve_session(db, issued.token, "cookie", settings) is None
    with transaction(database_url) as db:
        assert db.scalar(select(AuthSession)) is None  # the stale session is gone


def test_a_new_login_replaces_the_old_cookie_token(database_url: str) -> None:
    add_user(database_url, "clerk", "clerk", "510104")
    settings = _settings(database_url)
    with transaction(database_url) as db:
        user = db.scalar(select(User).where(User.username == "clerk"))
        first = start_session(db, user, "cookie", settings)
        second = start_session(db, user, "cookie", settings, replacing=first.token)
    assert first.token != second.token
    with transaction(database_url) as db:
        assert resolve_session(db, first.token, "cookie", settings) is None
        assert resolve_session(db, second.token, "cookie", settings) is not None
        end_session(db, second.token)
    with transaction(database_url) as db:
        assert resolve_session(db, second.token, "cookie", settings) is None
        # Only hashes are stored: the token itself is nowhere in the table.
        assert all(s.token_hash != second.token for s in db.scalars(select(AuthSession)))
