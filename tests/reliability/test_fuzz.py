"""Schemathesis over every operation, a few examples, two roles: no 5xx, no answer breaking its
schema, nothing accepted against the matrix (the full run: make reliability)."""

from __future__ import annotations

from shebao.auth.models import Role
from shebao.reliability.fuzz import fuzz_check


def test_every_operation_answers_within_its_schema_and_the_matrix() -> None:
    result = fuzz_check("sqlite", examples=1, roles=(Role.clerk, Role.citizen))
    assert result.problems == []
    assert (result.server_errors, result.leaked) == (0, 0)
    assert result.operations >= 2 * 130
