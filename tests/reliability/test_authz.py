"""The authorization matrix: a row for every endpoint, and no account let in against it."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from shebao.api.app import create_app
from shebao.config import Settings
from shebao.reliability.authz import authz_check, coverage_problems, endpoints, matrix


def _app() -> FastAPI:
    return create_app(Settings(database_url="sqlite://", secret_key="k", demo_mode=False))


def test_every_endpoint_has_a_row_and_every_row_an_endpoint() -> None:
    app = _app()
    assert len(endpoints(app)) == len(matrix()) > 150
    assert coverage_problems(app) == []


def test_a_new_endpoint_without_a_row_fails() -> None:
    app = _app()
    extra = APIRouter()

    @extra.get("/api/v1/unlisted")
    def unlisted() -> dict[str, str]:
        return {}

    app.include_router(extra)
    assert coverage_problems(app) == ["GET /api/v1/unlisted: no row in auth/matrix.yaml"]


def test_no_account_is_let_in_against_the_matrix(backend: str) -> None:
    result = authz_check(backend)
    assert result.problems == []
    assert (result.leaked, result.server_errors) == (0, 0)
