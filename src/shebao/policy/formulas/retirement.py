"""Statutory retirement age under the 2025 reform, minimum contribution years, flexible retirement.

Categories are keyed by the ORIGINAL retirement age in years: 60 (men), 55 (women staff /
cadres), 50 (women workers). Ages are in months; months are month numbers (see periods.py).

Retirement month convention: the retirement month is the month in which the statutory age is
reached, i.e. birth month + age in months. china.md's published examples fix this: born
1965-01, age 60y1m (721 months) → retire 2025-02 = 1965-01 + 721 months; 1971-04 (women 55,
delay 4) → 2026-08. Pension payment normally begins the month after; that is the award's
business, not this module's.

The reform takes effect 2025-01 through its first affected birth months: the earliest
affected person (born 1965-01, 1970-01 or 1975-01) reaches the delayed age in 2025-02, so
nobody retiring before the effective date is delayed and no separate date is needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any, Required, TypedDict

import numpy as np
from numpy.typing import ArrayLike, NDArray
from typing_extensions import Unpack

from shebao.errors import InputError

from .periods import format_month, year_of

MEN = 60
WOMEN_STAFF = 55
WOMEN_WORKERS = 50

SEX_MALE = 1  # GB/T 2261.1 codes, as in the 17th digit parity of the identity number
SEX_FEMALE = 2

# Reason codes returned by check_flexible_retirement (stable: the API maps them to text).
FLEX_OK = 0
FLEX_TOO_EARLY = 1
FLEX_BELOW_ORIGINAL_AGE = 2
FLEX_MINIMUM_MONTHS_NOT_MET = 3
FLEX_TOO_LATE = 4
FLEX_REASONS = {
    FLEX_OK: "allowed",
    FLEX_TOO_EARLY: "more than the maximum early months before the statutory retirement month",
    FLEX_BELOW_ORIGINAL_AGE: "below the original retirement age",
    FLEX_MINIMUM_MONTHS_NOT_MET: "minimum contribution months not met in the chosen year",
    FLEX_TOO_LATE: "more than the maximum late months after the statutory retirement month",
}


def original_retirement_age_years(
    sex: ArrayLike, female_staff: ArrayLike = False
) -> NDArray[np.int64]:
    """Old-law age (60/55/50) from sex (1 male, 2 female) and whether a woman is staff (干部)."""
    s = np.asarray(sex, dtype=np.int64)
    if np.any((s != SEX_MALE) & (s != SEX_FEMALE)):
        raise InputError("sex", "sex must be 1 (male) or 2 (female)")
    staff = np.asarray(female_staff, dtype=bool)
    return np.where(s == SEX_MALE, MEN, np.where(staff, WOMEN_STAFF, WOMEN_WORKERS)).astype(
        np.int64
    )


def _check_category(original_age_years: ArrayLike) -> NDArray[np.int64]:
    cat = np.asarray(original_age_years, dtype=np.int64)
    _category_position(cat)
    return cat


# Position of each category in the reform tables (0 men, 1 women 55, 2 women 50), by age.
_POSITION = np.full(MEN + 1, -1, dtype=np.int64)
_POSITION[[MEN, WOMEN_STAFF, WOMEN_WORKERS]] = [0, 1, 2]


def _category_position(cat: NDArray[np.int64]) -> NDArray[np.int64]:
    """0/1/2 for 60/55/50, refusing anything else: two reductions and a small-table lookup."""
    if cat.size == 0:
        return cat.copy()
    if cat.min() < WOMEN_WORKERS or cat.max() > MEN:
        raise InputError("original_age_years", "original retirement age must be 60, 55 or 50")
    pos = np.take(_POSITION, cat)
    if pos.min() < 0:
        raise InputError("original_age_years", "original retirement age must be 60, 55 or 50")
    return pos


# Birth-month span up to which the delay is tabulated (3 × span entries) rather than computed
# person by person; ten million persons born over 60 years span 720 months.
_TABLE_SPAN = 1 << 16


def _age_by_table(
    birth_month: NDArray[np.int64], cat: NDArray[np.int64], reform: dict[str, Any], base: bool
) -> NDArray[np.int64] | None:
    """Delay (or statutory age, when `base`) as a lookup in a (category × birth month) table.

    The table is filled by `_delay_formula`, the rule itself, over the span of birth months
    present, so every person gets exactly what the rule gives them; returns None when the
    table does not pay or does not apply (tiny input, a huge span of birth months, reform
    values that are not whole numbers, or a step ≤ 0, which the rule refuses only for the
    categories actually present).
    """
    if birth_month.size < 1024 or cat.size == 0:
        return None
    if any(np.ndim(v) != 0 or v != int(v) for v in reform.values()):
        return None
    reform = {k: int(v) for k, v in reform.items()}
    steps = [reform[f"delay_step_birth_months_{k}"] for k in ("men", "women_55", "women_50")]
    if min(steps) <= 0:
        return None
    lo, hi = int(birth_month.min()), int(birth_month.max())
    span = hi - lo + 1
    if span > _TABLE_SPAN:
        return None
    pos = _category_position(cat)
    table = _delay_table(lo, hi, tuple(sorted(reform.items())), base)
    idx = birth_month - lo
    shape = np.broadcast_shapes(idx.shape, pos.shape)
    if pos.shape == shape:
        pos *= span
        pos += idx
        idx = pos
    elif idx.shape == shape:
        idx += pos * span
    else:
        idx = idx + pos * span
    return np.take(table, idx)


@lru_cache(maxsize=64)
def _delay_table(
    lo: int, hi: int, reform_items: tuple[tuple[str, int], ...], base: bool
) -> NDArray[np.int64]:
    """Flattened (3 × birth months lo..hi) table of the delay (plus the base age if `base`)."""
    reform = dict(reform_items)
    months = np.arange(lo, hi + 1, dtype=np.int64)
    table = np.empty((3, hi - lo + 1), dtype=np.int64)
    for row, age in enumerate((MEN, WOMEN_STAFF, WOMEN_WORKERS)):
        table[row] = _delay_formula(months, np.int64(age), reform) + (age * 12 if base else 0)
    flat = table.ravel()
    flat.setflags(write=False)
    return flat


_REFORM_NAMES = (
    "first_affected_birth_month_men",
    "first_affected_birth_month_women_55",
    "first_affected_birth_month_women_50",
    "delay_step_birth_months_men",
    "delay_step_birth_months_women_55",
    "delay_step_birth_months_women_50",
    "max_delay_months_men",
    "max_delay_months_women_55",
    "max_delay_months_women_50",
)


class Reform(TypedDict, total=False):
    """The reform schedule's keywords, shared by every function of this module.

    Max delays of 0 are the no-reform scenario; the steps default to the 2025 law's.
    """

    first_affected_birth_month_men: Required[int]
    first_affected_birth_month_women_55: Required[int]
    first_affected_birth_month_women_50: Required[int]
    delay_step_birth_months_men: int
    delay_step_birth_months_women_55: int
    delay_step_birth_months_women_50: int
    max_delay_months_men: int
    max_delay_months_women_55: int
    max_delay_months_women_50: int


_REFORM_DEFAULTS = {
    "delay_step_birth_months_men": 4,
    "delay_step_birth_months_women_55": 4,
    "delay_step_birth_months_women_50": 2,
    "max_delay_months_men": 36,
    "max_delay_months_women_55": 36,
    "max_delay_months_women_50": 60,
}


def _reform(given: Mapping[str, Any]) -> dict[str, Any]:
    """All nine reform values, defaults filled in; unknown or missing keywords are refused."""
    unknown = set(given) - set(_REFORM_NAMES)
    if unknown:
        raise TypeError(f"unexpected keyword argument(s): {', '.join(sorted(unknown))}")
    missing = [n for n in _REFORM_NAMES if n not in given and n not in _REFORM_DEFAULTS]
    if missing:
        raise TypeError(f"missing keyword argument(s): {', '.join(missing)}")
    return {n: given.get(n, _REFORM_DEFAULTS.get(n)) for n in _REFORM_NAMES}


def retirement_delay_months(
    birth_month: ArrayLike,
    original_age_years: ArrayLike,
    **given: Unpack[Reform],
) -> NDArray[np.int64]:
    """Months of delay: min(max, ⌊b/step⌋ + 1), b = birth months since the first affected one.

    Nobody born before the first affected month is delayed; max delay 0 is the no-reform
    scenario (the reform's steps are arguments so scenarios can change them).
    """
    bm = np.asarray(birth_month, dtype=np.int64)
    cat = np.asarray(original_age_years, dtype=np.int64)
    reform: dict[str, Any] = _reform(given)
    fast = _age_by_table(bm, cat, reform, base=False)
    if fast is not None:
        return fast
    _category_position(cat)
    return _delay_formula(bm, cat, reform)


def _delay_formula(
    bm: NDArray[np.int64], cat: NDArray[np.int64], reform: dict[str, Any]
) -> NDArray[np.int64]:
    """The delay rule itself, person by person (categories already checked)."""
    def by_category(name: str) -> NDArray[Any]:
        return np.select(
            [cat == MEN, cat == WOMEN_STAFF],
            [reform[f"{name}_men"], reform[f"{name}_women_55"]],
            reform[f"{name}_women_50"],
        )

    first = by_category("first_affected_birth_month")
    step = by_category("delay_step_birth_months")
    cap = by_category("max_delay_months")
    if np.any(step <= 0):
        raise InputError("delay_step_birth_months", "step must be a positive number of months")
    b = bm - first
    delay = np.minimum(cap, b // step + 1)
    return np.where(b >= 0, np.maximum(delay, 0), 0).astype(np.int64)


def statutory_retirement_age_months(
    birth_month: ArrayLike,
    original_age_years: ArrayLike,
    **given: Unpack[Reform],
) -> NDArray[np.int64]:
    """Statutory retirement age in months = original age × 12 + delay (keywords as above)."""
    cat = np.asarray(original_age_years, dtype=np.int64)
    reform = _reform(given)
    fast = _age_by_table(np.asarray(birth_month, dtype=np.int64), cat, reform, base=True)
    if fast is not None:
        return fast
    _check_category(cat)
    return cat * 12 + retirement_delay_months(birth_month, cat, **reform)


def statutory_retirement_month(
    birth_month: ArrayLike,
    original_age_years: ArrayLike,
    **given: Unpack[Reform],
) -> NDArray[np.int64]:
    """Retirement month = birth month + statutory age in months (the month the age is reached)."""
    bm = np.asarray(birth_month, dtype=np.int64)
    reform = _reform(given)
    age = statutory_retirement_age_months(bm, original_age_years, **reform)
    if isinstance(age, np.ndarray) and age.shape == np.broadcast_shapes(age.shape, bm.shape):
        age += bm
        return age
    return bm + age


def minimum_contribution_months(
    retirement_year: ArrayLike,
    *,
    minimum_contribution_months_by_year: Mapping[int, int],
) -> NDArray[np.int64]:
    """Minimum months for a pension, keyed to the retirement year (step table, latest key ≤ year).

    The table {2025: 180, 2030: 186, …, 2039: 240} encodes 15 years to 2029, +6 months a
    year from 2030, 20 years from 2039; years before the first key take the first value.
    """
    if not minimum_contribution_months_by_year:
        raise InputError("minimum_contribution_months_by_year", "table is empty")
    keys = np.array(sorted(minimum_contribution_months_by_year), dtype=np.int64)
    vals = np.array([minimum_contribution_months_by_year[k] for k in keys], dtype=np.int64)
    y = np.asarray(retirement_year, dtype=np.int64)
    idx = np.clip(np.searchsorted(keys, y, side="right") - 1, 0, len(keys) - 1)
    return vals[idx]


def check_flexible_retirement(
    birth_month: ArrayLike,
    original_age_years: ArrayLike,
    chosen_retirement_month: ArrayLike,
    contribution_months: ArrayLike,
    *,
    max_early_months: int,
    max_late_months: int,
    minimum_contribution_months_by_year: Mapping[int, int],
    **given: Unpack[Reform],
) -> dict[str, NDArray[np.int64]]:
    """Is a chosen retirement month allowed under flexible retirement? Returns arrays.

    Early: ≤ max_early_months before the statutory month, never below the original age, and
    only when the minimum contribution months of the chosen year are already met. Late:
    ≤ max_late_months after. Keys: allowed (bool), reason (FLEX_* code), statutory_month,
    offset_months (negative = early).
    """
    bm = np.asarray(birth_month, dtype=np.int64)
    cat = _check_category(original_age_years)
    reform = _reform(given)
    chosen = np.asarray(chosen_retirement_month, dtype=np.int64)
    months = np.asarray(contribution_months, dtype=np.int64)
    statutory = statutory_retirement_month(bm, cat, **reform)
    offset = chosen - statutory
    needed = minimum_contribution_months(
        year_of(chosen), minimum_contribution_months_by_year=minimum_contribution_months_by_year
    )
    reason = np.full(np.broadcast(offset, months).shape, FLEX_OK, dtype=np.int64)
    early = offset < 0
    reason = np.where(early & (months < needed), FLEX_MINIMUM_MONTHS_NOT_MET, reason)
    reason = np.where(early & (chosen - bm < cat * 12), FLEX_BELOW_ORIGINAL_AGE, reason)
    reason = np.where(offset < -max_early_months, FLEX_TOO_EARLY, reason)
    reason = np.where(offset > max_late_months, FLEX_TOO_LATE, reason)
    return {
        "allowed": reason == FLEX_OK,
        "reason": reason,
        "statutory_month": np.broadcast_to(statutory, reason.shape).copy(),
        "offset_months": np.broadcast_to(offset, reason.shape).copy(),
    }


def explain_retirement(
    birth_month: int,
    original_age_years: int,
    *,
    minimum_contribution_months_by_year: Mapping[int, int] | None = None,
    **given: Unpack[Reform],
) -> list[dict[str, Any]]:
    """Step-by-step account of one person's statutory retirement age and month."""
    reform = _reform(given)
    cat = int(_check_category(original_age_years))
    key = {MEN: "men", WOMEN_STAFF: "women_55", WOMEN_WORKERS: "women_50"}[cat]
    first = int(reform[f"first_affected_birth_month_{key}"])
    step = int(reform[f"delay_step_birth_months_{key}"])
    cap = int(reform[f"max_delay_months_{key}"])
    b = int(birth_month) - first
    delay = int(retirement_delay_months(birth_month, cat, **reform))
    age = cat * 12 + delay
    month = int(birth_month) + age
    steps: list[dict[str, Any]] = [
        {
            "step": "Birth months since the first birth month the reform affects",
            "formula": "b = birth month − first affected birth month",
            "inputs": {
                "birth_month": format_month(birth_month),
                "first_affected": format_month(first),
            },
            "parameters": [f"first_affected_birth_month_{key}"],
            "result": b,
        },
        {
            "step": "Delay in months (none if born before the first affected month)",
            "formula": "delay = min(max, ⌊b / step⌋ + 1) if b ≥ 0 else 0",
            "inputs": {"b": b, "step": step, "max": cap},
            "parameters": [f"delay_step_birth_months_{key}", f"max_delay_months_{key}"],
            "result": delay,
        },
        {
            "step": "Statutory retirement age",
            "formula": "original age × 12 + delay",
            "inputs": {"original_age_years": cat, "delay": delay},
            "parameters": [],
            "result": {"months": age, "years": age // 12, "extra_months": age % 12},
        },
        {
            "step": "Retirement month: the month the statutory age is reached",
            "formula": "birth month + age in months",
            "inputs": {"birth_month": format_month(birth_month), "age_months": age},
            "parameters": [],
            "result": format_month(month),
        },
    ]
    if minimum_contribution_months_by_year:
        need = int(
            minimum_contribution_months(
                month // 12,
                minimum_contribution_months_by_year=minimum_contribution_months_by_year,
            )
        )
        steps.append(
            {
                "step": "Minimum contribution months for a pension, by year of retirement",
                "formula": "table[latest year ≤ retirement year]",
                "inputs": {"retirement_year": month // 12},
                "parameters": ["minimum_contribution_months_by_year"],
                "result": need,
            }
        )
    return steps
