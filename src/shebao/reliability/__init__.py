"""Reliability and security checks run by `make reliability` (docs/reliability.md).

Each check drives the real system — a `shebao serve` subprocess on loopback, a real database —
and reports what it tried, how much of it, and what was lost, duplicated or leaked. Every loop
is bounded in count and in time.
"""
