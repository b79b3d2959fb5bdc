"""Idempotency over HTTP against a served worker (the service-level cases: tests/ledger)."""

from __future__ import annotations

from shebao.reliability.idempotency import idempotency_check


def test_retries_replay_and_duplicates_post_once(backend: str) -> None:
    result = idempotency_check(backend)
    assert result.problems == []
    assert (result.lost, result.duplicated, result.server_errors) == (0, 0, 0)
