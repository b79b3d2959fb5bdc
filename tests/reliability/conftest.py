"""The reliability checks make their own databases: each test gets a backend name, PostgreSQL
when SHEBAO_TEST_DATABASE_URL names a server (required under CI=true)."""

from __future__ import annotations

import pytest

from tests.conftest import _backends


@pytest.fixture(params=_backends())
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)
