"""Contribution bases, monthly contribution lines per scheme, relief factors, late fees.

Rounding points: the base floor and cap (ratio × average wage) are rounded to the fen; each
contribution line (scheme × payer × destination) is rounded to the fen on its own, so a bill
is the sum of rounded lines; the late fee is rounded once, at the end.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shebao.errors import InputError

from .rounding import _any_negative, _fen_view, _round_fen_consuming, as_fen, round_half_up_fen

SCHEMES = ("pension", "medical", "unemployment", "work_injury")
ENTERPRISE_SIZES = ("micro", "small", "medium", "large")


def base_bounds(
    average_wage: ArrayLike, *, base_floor_ratio: float, base_cap_ratio: float
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Floor and cap of the contribution base in fen: ratio × provincial average monthly wage."""
    if not 0 < base_floor_ratio <= base_cap_ratio:
        raise InputError("base_floor_ratio", "need 0 < floor ratio ≤ cap ratio")
    avg = as_fen(average_wage)
    return round_half_up_fen(avg * base_floor_ratio), round_half_up_fen(avg * base_cap_ratio)


def contribution_base(
    wage: ArrayLike,
    average_wage: ArrayLike,
    *,
    base_floor_ratio: float,
    base_cap_ratio: float,
) -> NDArray[np.int64]:
    """Monthly base = own previous-year average monthly wage clamped to [floor, cap] (fen)."""
    w = _fen_view(wage)
    if _any_negative(w):
        raise InputError("wage", "wage cannot be negative")
    lo, hi = base_bounds(
        average_wage, base_floor_ratio=base_floor_ratio, base_cap_ratio=base_cap_ratio
    )
    return np.clip(w, lo, hi)


def contribution_base_by_region(
    wage: ArrayLike,
    region_index: ArrayLike,
    average_wage_by_region: ArrayLike,
    *,
    base_floor_ratio: float,
    base_cap_ratio: float,
) -> NDArray[np.int64]:
    """`contribution_base` with the average wage given per region, not per person.

    `average_wage_by_region` is a small table (e.g. the 31 provinces' average monthly wages in
    fen, ordered like PROVINCE_CODES) and `region_index` each person's position in it. The
    floor and cap are rounded once per region and picked with np.take, so the result equals
    `contribution_base(wage, average_wage_by_region[region_index], ...)` element for element
    at a fraction of the cost for millions of persons.
    """
    w = _fen_view(wage)
    if _any_negative(w):
        raise InputError("wage", "wage cannot be negative")
    idx = np.asarray(region_index)
    if idx.dtype.kind not in "iu":
        raise InputError("region_index", "region index must be an integer array")
    lo, hi = base_bounds(
        np.asarray(average_wage_by_region).ravel(),
        base_floor_ratio=base_floor_ratio,
        base_cap_ratio=base_cap_ratio,
    )
    if idx.size and (idx.min() < 0 or idx.max() >= lo.size):
        raise InputError("region_index", f"region index must be 0..{lo.size - 1}")
    shape = np.broadcast_shapes(w.shape, idx.shape)
    out = np.take(lo, idx)
    out = np.maximum(w, out, out=out) if out.shape == shape else np.maximum(w, out)
    return np.minimum(out, np.take(hi, idx), out=out)


def flexible_base_allowed(
    chosen_base: ArrayLike,
    average_wage: ArrayLike,
    *,
    base_floor_ratio: float,
    base_cap_ratio: float,
) -> NDArray[np.bool_]:
    """Flexible workers choose their base; it must lie in the same [floor, cap] range."""
    b = as_fen(chosen_base)
    lo, hi = base_bounds(
        average_wage, base_floor_ratio=base_floor_ratio, base_cap_ratio=base_cap_ratio
    )
    return (b >= lo) & (b <= hi)


def contribution_line(
    base: ArrayLike, rate: ArrayLike, relief_factor: ArrayLike = 1.0
) -> NDArray[np.int64]:
    """One line of a bill: base × rate × relief factor, rounded to the fen (half up)."""
    r = np.asarray(rate, dtype=np.float64)
    f = np.asarray(relief_factor, dtype=np.float64)
    if _any_negative(r) or _any_negative(f):
        raise InputError("rate", "rates and relief factors cannot be negative")
    t = np.multiply(_fen_view(base), r)
    if f.ndim == 0 and f == 1.0:
        pass  # x × 1.0 is exactly x: skip the pass
    elif t.shape == np.broadcast_shapes(t.shape, f.shape):
        t *= f
    else:
        t = t * f
    return _round_fen_consuming(np.asarray(t, dtype=np.float64))


def employee_pension_contributions(
    base: ArrayLike,
    *,
    pension_employer_rate: float,
    pension_employee_rate: float,
    employer_relief_factor: ArrayLike = 1.0,
    employee_relief_factor: ArrayLike = 1.0,
) -> dict[str, NDArray[np.int64]]:
    """Employee pension: employer share → pooled fund, employee share → individual account."""
    return {
        "employer_to_pool": contribution_line(base, pension_employer_rate, employer_relief_factor),
        "employee_to_account": contribution_line(
            base, pension_employee_rate, employee_relief_factor
        ),
    }


def flexible_pension_contributions(
    base: ArrayLike,
    *,
    flexible_pool_rate: float,
    flexible_account_rate: float,
    relief_factor: ArrayLike = 1.0,
) -> dict[str, NDArray[np.int64]]:
    """Flexible worker pays 20% alone: 12% to the pooled fund, 8% to the account (two lines)."""
    return {
        "person_to_pool": contribution_line(base, flexible_pool_rate, relief_factor),
        "person_to_account": contribution_line(base, flexible_account_rate, relief_factor),
    }


def employee_medical_contributions(
    base: ArrayLike,
    *,
    medical_employer_rate: float,
    medical_employee_rate: float,
    employer_to_account_share: float,
    employer_relief_factor: ArrayLike = 1.0,
    employee_relief_factor: ArrayLike = 1.0,
) -> dict[str, NDArray[np.int64]]:
    """Employee medical: since the 2021 reform employer → pool, employee → account.

    `employer_to_account_share` (≈0.3 before 2021) reproduces the old split; the account part
    is rounded, and the pool part is the rounded employer total minus it, so nothing is lost.
    """
    employer = contribution_line(base, medical_employer_rate, employer_relief_factor)
    share = float(employer_to_account_share)
    if share == 0.0 and np.ndim(employer) > 0:
        # employer × 0.0 rounds to 0 for every (integer, hence finite) employer amount
        to_account = np.zeros(np.shape(employer), dtype=np.int64)
        to_pool = employer
    else:
        to_account = round_half_up_fen(employer * share)
        to_pool = employer - to_account
    return {
        "employer_to_pool": to_pool,
        "employer_to_account": to_account,
        "employee_to_account": contribution_line(
            base, medical_employee_rate, employee_relief_factor
        ),
    }


def unemployment_contributions(
    base: ArrayLike,
    *,
    unemployment_employer_rate: float,
    unemployment_employee_rate: float,
    employer_relief_factor: ArrayLike = 1.0,
    employee_relief_factor: ArrayLike = 1.0,
) -> dict[str, NDArray[np.int64]]:
    """Unemployment: both shares go to the pooled fund (no individual account)."""
    return {
        "employer_to_pool": contribution_line(
            base, unemployment_employer_rate, employer_relief_factor
        ),
        "employee_to_pool": contribution_line(
            base, unemployment_employee_rate, employee_relief_factor
        ),
    }


def work_injury_rate(
    risk_class: ArrayLike,
    experience_factor: ArrayLike = 1.0,
    *,
    work_injury_class_rates: Sequence[float],
    experience_factor_bands: Mapping[int, Sequence[float]] | None = None,
) -> NDArray[np.float64]:
    """Employer rate = base rate of the industry risk class (1..8) × experience-rating factor.

    Experience rating uses fixed bands, not a range (人社部发〔2015〕71号: class 1 → 1, 1.2,
    1.5; classes 2–8 → 1, 1.2, 1.5, 0.8, 0.5); pass `experience_factor_bands` to refuse others.
    """
    c = np.asarray(risk_class, dtype=np.int64)
    rates = np.asarray(work_injury_class_rates, dtype=np.float64)
    if c.size and (c.min() < 1 or c.max() > len(rates)):
        raise InputError("risk_class", f"risk class must be 1..{len(rates)}")
    f = np.asarray(experience_factor, dtype=np.float64)
    if experience_factor_bands is not None:
        ok = np.zeros(np.broadcast(c, f).shape, dtype=bool)
        for cls, bands in experience_factor_bands.items():
            ok |= (c == int(cls)) & np.isin(np.round(f, 6), np.round(np.asarray(bands), 6))
        if not np.all(ok):
            raise InputError("experience_factor", "not one of the risk class's fixed bands")
    class_rate = np.take(np.concatenate(([np.nan], rates)), c)  # classes count from 1
    if f.ndim == 0 and f == 1.0 and class_rate.ndim > 0:
        return class_rate  # x × 1.0 is exactly x
    return class_rate * f


def work_injury_contribution(
    base: ArrayLike,
    risk_class: ArrayLike,
    experience_factor: ArrayLike = 1.0,
    *,
    work_injury_class_rates: Sequence[float],
    experience_factor_bands: Mapping[int, Sequence[float]] | None = None,
    employer_relief_factor: ArrayLike = 1.0,
) -> dict[str, NDArray[np.int64]]:
    """Work injury: employer only, class rate × experience factor, into the pooled fund."""
    rate = work_injury_rate(
        risk_class,
        experience_factor,
        work_injury_class_rates=work_injury_class_rates,
        experience_factor_bands=experience_factor_bands,
    )
    return {"employer_to_pool": contribution_line(base, rate, employer_relief_factor)}


def relief_factors(
    month: ArrayLike,
    enterprise_size: ArrayLike,
    region_code: ArrayLike,
    public_body: ArrayLike = False,
    *,
    relief_rules: Sequence[Mapping[str, Any]],
) -> dict[str, NDArray[np.float64]]:
    """Employer relief multipliers per scheme from dated relief rules (1 = pay in full).

    Each rule: {scheme, start, end (month numbers, inclusive), factor, and optional filters
    sizes (subset of micro/small/medium/large), region_prefixes (e.g. ["42"] for Hubei),
    public_body (True/False: matches only that value)}. Where several rules match, the most
    generous (lowest factor) applies. Returns {"<scheme>": factor array} for every scheme in
    SCHEMES; the employee share is never relieved by these rules.
    """
    m = np.asarray(month, dtype=np.int64)
    size = np.asarray(enterprise_size).astype(str)
    if np.any(~np.isin(size, ENTERPRISE_SIZES)):
        raise InputError("enterprise_size", f"must be one of {', '.join(ENTERPRISE_SIZES)}")
    region = np.char.zfill(np.asarray(region_code).astype(str), 6)
    pub = np.asarray(public_body, dtype=bool)
    shape = np.broadcast(m, size, region, pub).shape
    out = {s: np.ones(shape, dtype=np.float64) for s in SCHEMES}
    for i, rule in enumerate(relief_rules):
        scheme = rule.get("scheme")
        if scheme not in out:
            raise InputError(f"relief_rules[{i}].scheme", f"unknown scheme {scheme!r}")
        match = (m >= int(rule["start"])) & (m <= int(rule["end"]))
        if rule.get("sizes") is not None:
            match &= np.isin(size, list(rule["sizes"]))
        if rule.get("region_prefixes") is not None:
            in_region = np.zeros(region.shape, dtype=bool)
            for p in rule["region_prefixes"]:
                in_region |= np.char.startswith(region, str(p))
            match &= in_region
        if rule.get("public_body") is not None:
            match &= pub == bool(rule["public_body"])
        out[scheme] = np.where(match, np.minimum(out[scheme], float(rule["factor"])), out[scheme])
    return out


def resident_pension_contribution(
    tier: ArrayLike,
    *,
    resident_pension_tiers: Sequence[int],
    resident_subsidy_low: int,
    resident_subsidy_high: int,
    resident_subsidy_high_from_tier: int,
) -> dict[str, NDArray[np.int64]]:
    """Residents' yearly pension contribution at a chosen tier plus the local subsidy (fen).

    Subsidy ≥30 RMB at the lowest tiers and ≥60 RMB from the 500 RMB tier up (the national
    minimums are the defaults; provinces set more). Both go to the individual account.
    """
    t = as_fen(tier)
    if np.any(~np.isin(t, np.asarray(resident_pension_tiers, dtype=np.int64))):
        raise InputError("tier", "not one of the province's contribution tiers")
    subsidy = np.where(
        t >= resident_subsidy_high_from_tier, resident_subsidy_high, resident_subsidy_low
    ).astype(np.int64)
    return {"person_to_account": t, "subsidy_to_account": subsidy, "to_account": t + subsidy}


def late_fee(
    owed: ArrayLike, days_late: ArrayLike, *, late_fee_daily_rate: float
) -> NDArray[np.int64]:
    """Late fee = owed × 0.05% × days from the due day (Social Insurance Law art. 86).

    Rounded once, at the end, so splitting the days differently never changes the fee.
    """
    d = np.asarray(days_late, dtype=np.int64)
    owed_f = as_fen(owed)
    if np.any(d < 0) or np.any(owed_f < 0):
        raise InputError("days_late", "days and amounts owed cannot be negative")
    return round_half_up_fen(owed_f * float(late_fee_daily_rate) * d)


def explain_employee_contributions(
    wage: int,
    average_wage: int,
    *,
    base_floor_ratio: float,
    base_cap_ratio: float,
    pension_employer_rate: float,
    pension_employee_rate: float,
    employer_relief_factor: float = 1.0,
) -> list[dict[str, Any]]:
    """Step-by-step account of one employee's monthly pension bill."""
    lo, hi = base_bounds(
        average_wage, base_floor_ratio=base_floor_ratio, base_cap_ratio=base_cap_ratio
    )
    base = int(
        contribution_base(
            wage, average_wage, base_floor_ratio=base_floor_ratio, base_cap_ratio=base_cap_ratio
        )
    )
    lines = employee_pension_contributions(
        base,
        pension_employer_rate=pension_employer_rate,
        pension_employee_rate=pension_employee_rate,
        employer_relief_factor=employer_relief_factor,
    )
    return [
        {
            "step": "Floor and cap of the base (fen), rounded to the fen",
            "formula": "floor = A × floor ratio; cap = A × cap ratio",
            "inputs": {"average_wage": int(average_wage)},
            "parameters": ["base_floor_ratio", "base_cap_ratio"],
            "result": {"floor": int(lo), "cap": int(hi)},
        },
        {
            "step": "Contribution base: own wage held within floor and cap",
            "formula": "base = min(max(wage, floor), cap)",
            "inputs": {"wage": int(wage)},
            "parameters": [],
            "result": base,
        },
        {
            "step": "Employer share to the pooled fund, rounded to the fen",
            "formula": "base × employer rate × relief factor",
            "inputs": {"base": base, "employer_relief_factor": employer_relief_factor},
            "parameters": ["pension_employer_rate"],
            "result": int(lines["employer_to_pool"]),
        },
        {
            "step": "Employee share to the individual account, rounded to the fen",
            "formula": "base × employee rate",
            "inputs": {"base": base},
            "parameters": ["pension_employee_rate"],
            "result": int(lines["employee_to_account"]),
        },
    ]
