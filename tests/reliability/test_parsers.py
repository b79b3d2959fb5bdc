"""Parsers under Hypothesis: every input answered or refused with a field and a reason."""

from __future__ import annotations

from shebao.reliability.parsers import parsers_check


def test_no_parser_raises_or_answers_5xx(backend: str) -> None:
    result = parsers_check(backend, examples=60)
    assert result.problems == []
    assert result.server_errors == 0 and result.operations == 4 * 60 + 3 * 20
