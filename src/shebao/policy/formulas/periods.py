"""Months as integers (year × 12 + month − 1) so periods subtract, compare and vectorize."""

from __future__ import annotations

import re

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shebao.errors import InputError

_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def month_number(year: ArrayLike, month: ArrayLike) -> NDArray[np.int64]:
    """Month number of (year, month 1–12); consecutive months differ by exactly 1."""
    y = np.asarray(year, dtype=np.int64)
    m = np.asarray(month, dtype=np.int64)
    if np.any((m < 1) | (m > 12)):
        raise InputError("month", "month must be between 1 and 12")
    return y * 12 + (m - 1)


def parse_month(text: str, field: str = "month") -> int:
    """Parse 'YYYY-MM' (the period format of the API and files) into a month number."""
    match = _MONTH_RE.match(str(text).strip())
    if not match:
        raise InputError(field, f"expected YYYY-MM, got {text!r}")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise InputError(field, f"month must be 01–12, got {text!r}")
    return year * 12 + month - 1


def format_month(n: int | np.integer) -> str:
    """Format a month number back as 'YYYY-MM'."""
    year, month0 = divmod(int(n), 12)
    return f"{year:04d}-{month0 + 1:02d}"


def year_of(n: ArrayLike) -> NDArray[np.int64]:
    """Calendar year of month numbers (rules keyed to the year of retirement use this)."""
    return np.asarray(n, dtype=np.int64) // 12


def month_of_year(n: ArrayLike) -> NDArray[np.int64]:
    """Calendar month 1–12 of month numbers."""
    return np.asarray(n, dtype=np.int64) % 12 + 1


def age_in_months(birth_month: ArrayLike, at_month: ArrayLike) -> NDArray[np.int64]:
    """Completed age in months at `at_month` for people born in `birth_month` (month counting)."""
    return np.asarray(at_month, dtype=np.int64) - np.asarray(birth_month, dtype=np.int64)
