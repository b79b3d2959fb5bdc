"""Pension portability (国办发〔2009〕66号): money that moves, months that count, where paid.

Rounding point: the pooled-fund transfer is rounded once, on the total (12% × Σ base ×
months over the counted periods), so the way a record is split into periods never changes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shebao.errors import InputError

from .rounding import as_fen, round_half_up_fen


def pooled_fund_transfer(
    monthly_base: ArrayLike,
    months: ArrayLike,
    year: ArrayLike,
    mask: ArrayLike | None = None,
    *,
    pool_transfer_rate: float,
    pool_transfer_first_year: int,
) -> NDArray[np.int64]:
    """Pooled fund that moves = 12% × Σ (monthly base × months) for periods from 1998 on.

    Periods run along the last axis (a period is a year or part of one: its monthly base,
    the months paid in it and its calendar year); `mask` leaves out empty slots.
    """
    base = as_fen(monthly_base)
    m = np.asarray(months, dtype=np.int64)
    y = np.asarray(year, dtype=np.int64)
    if np.any(m < 0) or np.any(m > 12):
        raise InputError("months", "months in a period must be 0..12")
    counted = y >= pool_transfer_first_year
    if mask is not None:
        counted = counted & np.asarray(mask, dtype=bool)
    total = np.where(counted, base * m, 0).sum(axis=-1)
    return round_half_up_fen(total * pool_transfer_rate)


def contribution_months_total(
    months: ArrayLike, mask: ArrayLike | None = None
) -> NDArray[np.int64]:
    """Months are cumulated across places, all years (also before 1998)."""
    m = np.asarray(months, dtype=np.int64)
    if mask is not None:
        m = np.where(np.asarray(mask, dtype=bool), m, 0)
    return m.sum(axis=-1)


def transfer_amounts(
    monthly_base: ArrayLike,
    months: ArrayLike,
    year: ArrayLike,
    account_balance: ArrayLike,
    mask: ArrayLike | None = None,
    *,
    pool_transfer_rate: float,
    pool_transfer_first_year: int,
) -> dict[str, NDArray[np.int64]]:
    """Both moving parts: pooled 12% and the individual account in full."""
    pool = pooled_fund_transfer(
        monthly_base,
        months,
        year,
        mask,
        pool_transfer_rate=pool_transfer_rate,
        pool_transfer_first_year=pool_transfer_first_year,
    )
    account = as_fen(account_balance)
    return {
        "pool": pool,
        "account": account,
        "total": pool + account,
        "months": contribution_months_total(months, mask),
    }


@dataclass(frozen=True)
class InsuredSpell:
    """A stretch of contributions in one province, oldest first in a person's history."""

    province: str
    months: int
    temporary: bool = False  # temporary account (men ≥50 / women ≥40 new outside hukou)


def benefit_place(
    history: Sequence[InsuredSpell],
    hukou_province: str,
    *,
    benefit_place_min_years: int,
) -> dict[str, Any]:
    """Where the pension is paid (one person); returns {"province", "rule"} with rule 1–4.

    1: the record is held (last non-temporary spell) in the hukou province → there.
    2: else the record's province if ≥10 cumulative years there → there.
    3: else the last previous province with ≥10 cumulative years.
    4: else the hukou province. Temporary accounts never make a benefit place.
    """
    spells = [s for s in history if not s.temporary]
    if not spells:
        return {"province": hukou_province, "rule": 4}
    need = benefit_place_min_years * 12
    totals: dict[str, int] = {}
    for s in spells:
        if s.months < 0:
            raise InputError("history.months", "months cannot be negative")
        totals[s.province] = totals.get(s.province, 0) + s.months
    current = spells[-1].province
    if current == hukou_province:
        return {"province": current, "rule": 1}
    if totals[current] >= need:
        return {"province": current, "rule": 2}
    for s in reversed(spells):
        if s.province != current and totals[s.province] >= need:
            return {"province": s.province, "rule": 3}
    return {"province": hukou_province, "rule": 4}


def explain_transfer(
    monthly_base: Sequence[int],
    months: Sequence[int],
    year: Sequence[int],
    account_balance: int,
    *,
    pool_transfer_rate: float,
    pool_transfer_first_year: int,
) -> list[dict[str, Any]]:
    """Step-by-step account of one transfer's amounts."""
    b, m, y = (np.asarray(v, dtype=np.int64) for v in (monthly_base, months, year))
    counted = y >= pool_transfer_first_year
    s = int(np.where(counted, b * m, 0).sum())
    r = transfer_amounts(
        b,
        m,
        y,
        account_balance,
        pool_transfer_rate=pool_transfer_rate,
        pool_transfer_first_year=pool_transfer_first_year,
    )
    return [
        {
            "step": "Sum of monthly base × months for periods from the first counted year",
            "formula": "Σ base × months (year ≥ first year)",
            "inputs": {"periods": len(b)},
            "parameters": ["pool_transfer_first_year"],
            "result": s,
        },
        {
            "step": "Pooled fund that moves, rounded to the fen",
            "formula": "rate × Σ",
            "inputs": {"sum": s},
            "parameters": ["pool_transfer_rate"],
            "result": int(r["pool"]),
        },
        {
            "step": "Individual account moves in full",
            "formula": "balance",
            "inputs": {"account_balance": int(account_balance)},
            "parameters": [],
            "result": int(r["account"]),
        },
        {
            "step": "Contribution months carried over (all years)",
            "formula": "Σ months",
            "inputs": {},
            "parameters": [],
            "result": int(r["months"]),
        },
    ]


def add_working_days(start: date, days: int) -> date:
    """The day `days` working days (Monday to Friday) after `start`: a service target's due day.

    Public holidays are not modelled, so a target over a holiday week falls a few days early.
    """
    if days < 0:
        raise InputError("days", "cannot be negative")
    day, left = start, days
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day
