"""Pages through the app: sign-in, cookie flags, per-role landing, languages, CSRF."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from shebao.api.deps import SESSION_COOKIE
from tests.helpers import PASSWORD, two_counties


def _login(client: TestClient, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


@pytest.fixture
def world(database_url: str):  # type: ignore[no-untyped-def]
    return two_counties(database_url)


def test_login_page_in_both_languages(client: TestClient) -> None:
    assert "登录" in client.get("/login").text
    client.cookies.set("shebao_lang", "en")
    english = client.get("/login").text
    assert "Sign in" in english and 'lang="en"' in english


def test_login_sets_a_safe_cookie_and_lands_on_the_role_page(client: TestClient, world) -> None:
    response = _login(client, "clerk-jinjiang")
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert SESSION_COOKIE in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    home = client.get("/")
    assert 'data-role="clerk"' in home.text
    results = client.get("/", params={"q": "刘"}).text
    assert "刘淑芬" in results and "张伟" not in client.get("/", params={"q": "张"}).text


def test_wrong_password_and_missing_csrf_are_refused(client: TestClient, world) -> None:
    assert _login(client, "clerk-jinjiang", "wrong password").status_code == 401
    no_token = client.post("/login", data={"username": "clerk-jinjiang", "password": PASSWORD})
    assert no_token.status_code == 401
    assert client.get("/", follow_redirects=False).headers["location"] == "/login"


def test_citizen_landing_shows_their_masked_record(client: TestClient, world) -> None:
    _login(client, "citizen-liu")
    page = client.get("/").text
    assert "刘淑芬" in page and "510104********" in page


def test_cookie_session_writes_need_the_csrf_token(client: TestClient, world) -> None:
    _login(client, "clerk-jinjiang")
    path = f"/api/v1/persons/{world.jinjiang_person}"
    assert client.patch(path, json={"phone": "13800000000"}).status_code == 403
    page = client.get("/").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    allowed = client.patch(path, json={"phone": "13800000000"}, headers={"X-CSRF-Token": token})
    assert allowed.status_code == 200


def test_logout_ends_the_session(client: TestClient, world) -> None:
    _login(client, "clerk-jinjiang")
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)
    old_cookie = client.cookies.get(SESSION_COOKIE)
    client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    client.cookies.set(SESSION_COOKIE, old_cookie)
    assert client.get("/", follow_redirects=False).status_code == 303


def test_health_and_openapi(client: TestClient) -> None:
    assert client.get("/health").json()["status"] == "ok"
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/v1/persons/{person_id}" in paths
