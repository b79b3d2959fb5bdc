"""Urban employee pension award (国发〔2005〕38号), indexation, residents' pension, index Ī.

Rounding points: each award component (basic, account, transitional) is rounded to the fen
half up and the total is the sum of the rounded components; the divisor for ages in years
and months is rounded to 0.1 month; each indexation part is rounded to the fen; the
average contribution index Ī is NOT rounded (provinces that round it to 4 places can pass
a rounded value).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shebao.errors import InputError

from .rounding import (
    _any_negative,
    _fen_view,
    _round_fen_consuming,
    as_fen,
    round_half_up,
    round_half_up_fen,
)


def average_contribution_index(
    yearly_bases: ArrayLike,
    yearly_average_wages: ArrayLike,
    mask: ArrayLike | None = None,
    weights: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """Ī = mean over contributed years of (own base ÷ that year's average wage).

    Years run along the last axis. `mask` (True = the year counts) leaves out missing years;
    `weights` (e.g. months contributed in the year) makes it a weighted mean for part years.
    A person with no counted year gets NaN rather than a made-up index.
    """
    b = np.asarray(yearly_bases, dtype=np.float64)
    a = np.asarray(yearly_average_wages, dtype=np.float64)
    valid = (
        np.ones(np.broadcast(b, a).shape, dtype=bool)
        if mask is None
        else np.asarray(mask, dtype=bool)
    )
    valid = valid & (a > 0)
    w = (
        np.ones_like(valid, dtype=np.float64)
        if weights is None
        else np.asarray(weights, dtype=np.float64)
    )
    w = np.where(valid, w, 0.0)
    ratio = np.where(valid, b / np.where(a > 0, a, 1.0), 0.0)
    total = w.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (ratio * w).sum(axis=-1) / np.where(total > 0, total, 1), np.nan)


def basic_pension(
    average_wage: ArrayLike,
    average_index: ArrayLike,
    contribution_months: ArrayLike,
    *,
    basic_accrual_rate: float,
) -> NDArray[np.int64]:
    """Basic (pooled) pension = W × (1 + Ī)/2 × N × 1%, N = months (incl. deemed) / 12.

    W is the previous-year provincial average MONTHLY wage in fen; rounded to the fen.
    """
    w = _fen_view(average_wage)
    idx = np.asarray(average_index, dtype=np.float64)
    n = np.asarray(contribution_months, dtype=np.float64) / 12.0
    lowest = idx.min() if idx.size else 0.0
    if lowest != lowest:  # NaN: min propagates it
        raise InputError("average_index", "no contribution year to average over")
    if lowest < 0 or _any_negative(n):
        raise InputError("average_index", "index and months cannot be negative")
    rate = np.asarray(basic_accrual_rate, dtype=np.float64)
    t = np.add(1.0, idx)
    if t.ndim and t.shape == np.broadcast_shapes(t.shape, w.shape, n.shape, rate.shape):
        # the same operations in the same order, in place: w × (1 + Ī) / 2 × N × rate
        np.multiply(w, t, out=t)
        t /= 2.0
        t *= n
        t *= rate
        return _round_fen_consuming(t)
    return round_half_up_fen(w * t / 2.0 * n * rate)


def account_divisor(
    age_months: ArrayLike, *, account_divisor_table: Mapping[int, float]
) -> NDArray[np.float64]:
    """Divisor (计发月数) for a retirement age in months.

    Whole ages come from the table (40–70). Between whole ages we interpolate linearly and
    round to 0.1 month — a modelling choice: no national rule exists for ages in years and
    months, but a Jinan government table (60y1m = 138.4, 50y1m = 194.6) equals exactly this.
    Ages outside the table are refused.
    """
    ages = np.array(sorted(account_divisor_table), dtype=np.float64)
    vals = np.array([account_divisor_table[int(k)] for k in ages], dtype=np.float64)
    months = np.asarray(age_months)
    if months.dtype.kind in "iu" and months.size >= 1024:
        # Whole months: at most 361 distinct ages pass the range check, so compute the divisor
        # once per age present (same arithmetic) and pick it with np.take.
        lo, hi = int(months.min()), int(months.max())
        if lo / 12.0 < ages[0] or hi / 12.0 > ages[-1]:
            raise InputError(
                "age_months", f"age must be between {int(ages[0])} and {int(ages[-1])} years"
            )
        table = _divisor_table(lo, hi, tuple(ages), tuple(vals))
        return np.take(table, months - lo)
    a = np.asarray(age_months, dtype=np.float64) / 12.0
    if np.any((a < ages[0]) | (a > ages[-1])):
        raise InputError(
            "age_months", f"age must be between {int(ages[0])} and {int(ages[-1])} years"
        )
    return round_half_up(np.interp(a, ages, vals), 1)


@lru_cache(maxsize=64)
def _divisor_table(
    lo: int, hi: int, ages: tuple[float, ...], vals: tuple[float, ...]
) -> NDArray[np.float64]:
    """`account_divisor` for every whole month of age lo..hi (the same arithmetic)."""
    span = np.arange(lo, hi + 1, dtype=np.int64) / 12.0
    table = round_half_up(np.interp(span, np.array(ages), np.array(vals)), 1)
    table.setflags(write=False)
    return table


def account_pension(account_balance: ArrayLike, divisor: ArrayLike) -> NDArray[np.int64]:
    """Individual-account pension = balance ÷ divisor, rounded to the fen."""
    d = np.asarray(divisor, dtype=np.float64)
    lowest = d.min() if d.size else 1.0
    if lowest <= 0 or (lowest != lowest and np.any(d <= 0)):
        raise InputError("divisor", "divisor must be positive")
    bal = _fen_view(account_balance)
    if _any_negative(bal):
        raise InputError("account_balance", "balance cannot be negative")
    return _round_fen_consuming(np.asarray(np.divide(bal, d), dtype=np.float64))


def transitional_pension(
    average_wage: ArrayLike,
    average_index: ArrayLike,
    deemed_months: ArrayLike,
    *,
    transitional_coefficient: float,
    transitional_index_floor: float | None = None,
) -> NDArray[np.int64]:
    """Transitional pension = W × Ī × deemed years × k (k provincial, ≈1.0–1.4%).

    Some provinces floor Ī at 1 for this part: pass transitional_index_floor=1.0.
    """
    idx = np.asarray(average_index, dtype=np.float64)
    if transitional_index_floor is not None:
        idx = np.maximum(idx, transitional_index_floor)
    years = np.asarray(deemed_months, dtype=np.float64) / 12.0
    if _any_negative(years):
        raise InputError("deemed_months", "deemed months cannot be negative")
    k = np.asarray(transitional_coefficient, dtype=np.float64)
    t = np.multiply(_fen_view(average_wage), idx)
    if t.ndim and t.shape == np.broadcast_shapes(t.shape, years.shape, k.shape):
        t *= years  # the same operations in the same order, in place: W × Ī × years × k
        t *= k
        return _round_fen_consuming(t)
    return round_half_up_fen(t * years * k)


def pension_award(
    average_wage: ArrayLike,
    average_index: ArrayLike,
    contribution_months: ArrayLike,
    account_balance: ArrayLike,
    retirement_age_months: ArrayLike,
    deemed_months: ArrayLike = 0,
    *,
    account_divisor_table: Mapping[int, float],
    basic_accrual_rate: float,
    transitional_coefficient: float,
    transitional_index_floor: float | None = None,
) -> dict[str, NDArray[Any]]:
    """Monthly award: basic + account + transitional, each rounded; total = sum of rounded.

    `contribution_months` counts ALL months including the deemed ones (N in the basic
    pension); `deemed_months` are the pre-account months that earn the transitional part.
    """
    basic = basic_pension(
        average_wage, average_index, contribution_months, basic_accrual_rate=basic_accrual_rate
    )
    divisor = account_divisor(retirement_age_months, account_divisor_table=account_divisor_table)
    account = account_pension(account_balance, divisor)
    trans = transitional_pension(
        average_wage,
        average_index,
        deemed_months,
        transitional_coefficient=transitional_coefficient,
        transitional_index_floor=transitional_index_floor,
    )
    return {
        "basic": basic,
        "account": account,
        "transitional": trans,
        "divisor": divisor,
        "total": basic + account + trans,
    }


def indexation_increase(
    pension: ArrayLike,
    contribution_months: ArrayLike,
    age_years: ArrayLike,
    *,
    indexation_flat_amount: int,
    indexation_per_year_amount: int,
    indexation_percentage: float,
    indexation_age_tilts: Mapping[int, int] | None = None,
) -> dict[str, NDArray[np.int64]]:
    """Yearly increase = flat + per full contribution year + % of pension + age tilt (fen).

    Per-year amounts count whole years (⌊months/12⌋). The age tilt is NOT cumulative: the
    amount for the highest threshold reached (e.g. {70: 2000, 75: 3000, 80: 4000}) applies.
    Each part is rounded to the fen; the increase is their sum.
    """
    p = as_fen(pension)
    years = np.asarray(contribution_months, dtype=np.int64) // 12
    age = np.asarray(age_years, dtype=np.int64)
    shape = np.broadcast(p, years, age).shape
    flat = np.full(shape, int(indexation_flat_amount), dtype=np.int64)
    linked = round_half_up_fen(years * float(indexation_per_year_amount))
    pct = round_half_up_fen(p * float(indexation_percentage))
    tilt = np.zeros(shape, dtype=np.int64)
    for threshold in sorted(indexation_age_tilts or {}):
        tilt = np.where(age >= threshold, int(indexation_age_tilts[threshold]), tilt)
    linked, pct = np.broadcast_to(linked, shape), np.broadcast_to(pct, shape)
    return {
        "flat": flat,
        "years_linked": linked.astype(np.int64),
        "percentage": pct.astype(np.int64),
        "age_tilt": tilt,
        "increase": flat + linked + pct + tilt,
    }


def authentication_lapse(
    last_covered_month: ArrayLike, *, period_months: int, grace_months: int
) -> NDArray[np.int64]:
    """The first month a pension is no longer paid without a new survival authentication:
    the later of the last authentication and the award, plus the period and the grace months
    (months as numbers, year × 12 + month − 1)."""
    return np.asarray(last_covered_month, dtype=np.int64) + int(period_months) + int(grace_months)


def resident_pension(
    account_balance: ArrayLike,
    *,
    minimum_basic_pension: int,
    local_top_up: int,
    resident_account_divisor: float,
) -> dict[str, NDArray[np.int64]]:
    """Residents' pension = national minimum basic + local top-up + account ÷ 139 (fen)."""
    account = account_pension(account_balance, resident_account_divisor)
    basic = np.full(account.shape, int(minimum_basic_pension) + int(local_top_up), np.int64)
    return {"basic": basic, "account": account, "total": basic + account}


def explain_pension_award(
    average_wage: int,
    average_index: float,
    contribution_months: int,
    account_balance: int,
    retirement_age_months: int,
    deemed_months: int = 0,
    *,
    account_divisor_table: Mapping[int, float],
    basic_accrual_rate: float,
    transitional_coefficient: float,
    transitional_index_floor: float | None = None,
) -> list[dict[str, Any]]:
    """Step-by-step account of one pension award."""
    r = pension_award(
        average_wage,
        average_index,
        contribution_months,
        account_balance,
        retirement_age_months,
        deemed_months,
        account_divisor_table=account_divisor_table,
        basic_accrual_rate=basic_accrual_rate,
        transitional_coefficient=transitional_coefficient,
        transitional_index_floor=transitional_index_floor,
    )
    return [
        {
            "step": "Basic pension from the pooled fund, rounded to the fen",
            "formula": "W × (1 + Ī)/2 × N × 1%, N = months / 12",
            "inputs": {
                "W": int(average_wage),
                "Ī": float(average_index),
                "months": int(contribution_months),
            },
            "parameters": ["basic_accrual_rate"],
            "result": int(r["basic"]),
        },
        {
            "step": "Divisor for the retirement age (linear between whole ages, to 0.1 month)",
            "formula": "table(age) interpolated",
            "inputs": {
                "age_years": retirement_age_months // 12,
                "extra_months": retirement_age_months % 12,
            },
            "parameters": ["account_divisor_table"],
            "result": float(r["divisor"]),
        },
        {
            "step": "Individual-account pension, rounded to the fen",
            "formula": "balance ÷ divisor",
            "inputs": {"balance": int(account_balance), "divisor": float(r["divisor"])},
            "parameters": [],
            "result": int(r["account"]),
        },
        {
            "step": "Transitional pension for deemed (pre-account) years, rounded to the fen",
            "formula": "W × Ī × deemed years × k",
            "inputs": {
                "W": int(average_wage),
                "Ī": float(average_index),
                "deemed_months": int(deemed_months),
            },
            "parameters": ["transitional_coefficient", "transitional_index_floor"],
            "result": int(r["transitional"]),
        },
        {
            "step": "Monthly pension: sum of the rounded parts",
            "formula": "basic + account + transitional",
            "inputs": {},
            "parameters": [],
            "result": int(r["total"]),
        },
    ]


def account_interest(
    opening_balance: ArrayLike, monthly_credits: ArrayLike, *, crediting_rate: float
) -> NDArray[np.int64]:
    """A year's interest on an individual account (fen), rounded half up once.

    The opening balance earns the year's crediting rate in full; a month's contributions earn
    it for the months left in the year counting their own: (13 − m)/12 for month m = 1…12 — the
    "month-product" rule, which for twelve equal months gives the familiar 1.083 × ½ factor.
    `monthly_credits` has the twelve months on its last axis.
    """
    credits = as_fen(monthly_credits)
    if credits.shape[-1:] != (12,):
        raise InputError("monthly_credits", "needs the twelve months of the year on the last axis")
    weights = (13 - np.arange(1, 13, dtype=np.float64)) / 12
    interest = as_fen(opening_balance) * crediting_rate + (credits * weights).sum(axis=-1) * (
        crediting_rate
    )
    return round_half_up_fen(interest)
