"""The load client, briefly: reads and writes answered, percentiles reported, no errors."""

from __future__ import annotations

from shebao.reliability.load import load_check


def test_a_short_load_is_answered_without_errors() -> None:
    result = load_check("sqlite", seconds=3, clients=4)
    assert result.problems == [] and result.server_errors == 0
    assert result.figures["reads"] > 0 and result.figures["writes"] > 0
    assert 0 < result.figures["read_p50_ms"] <= result.figures["read_p95_ms"]
    assert result.figures["error_rate"] == 0
