"""The authorization matrix: a row for every endpoint, no account let in against it, and no
full identity number in any answer."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, FastAPI

from shebao.api.app import create_app
from shebao.config import Settings
from shebao.registry.identifiers import make_resident_id, mask_resident_id
from shebao.reliability.authz import (
    authz_check,
    coverage_problems,
    endpoints,
    matrix,
    unmasked,
)


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


def test_the_leak_scan_finds_full_numbers_and_passes_masked_ones() -> None:
    number = make_resident_id("510104", date(1962, 7, 21), 42)
    numbers = frozenset({number})
    assert unmasked(numbers, f'{{"identity_number": "{number}"}}') == 1
    assert unmasked(numbers, f'<td>{mask_resident_id(number)}</td>') == 0
    assert unmasked(numbers, make_resident_id("510104", date(1962, 7, 21), 44)) == 0
