"""Unemployment benefit: entitlement months and monthly amount (失业保险条例; SIL arts. 44–52).

Rounding point: the monthly amount (ratio × minimum wage) is rounded to the fen, then held
within [urban dibao, minimum wage − 1 fen].
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shebao.errors import InputError

from .rounding import as_fen, round_half_up_fen


def unemployment_entitlement_months(
    contribution_months: ArrayLike,
    carried_over_months: ArrayLike = 0,
    *,
    duration_band_min_years: Sequence[int],
    duration_band_months: Sequence[int],
    max_total_months: int,
    min_contribution_months: int,
) -> dict[str, NDArray[Any]]:
    """Months of benefit: band by contribution years (1–<5 → 12, 5–<10 → 18, ≥10 → 24).

    Unused months from an earlier spell carry over; the total never exceeds 24. Needs ≥12
    contribution months (the other conditions — involuntary loss, registration — are facts
    the service checks). Keys: eligible (bool), new_months, total_months.
    """
    cm = np.asarray(contribution_months, dtype=np.int64)
    carry = np.asarray(carried_over_months, dtype=np.int64)
    if np.any(cm < 0) or np.any(carry < 0):
        raise InputError("contribution_months", "months cannot be negative")
    if len(duration_band_min_years) != len(duration_band_months):
        raise InputError("duration_band_months", "one month count per band")
    years = cm / 12.0
    new = np.zeros(cm.shape, dtype=np.int64)
    for lo, months in zip(duration_band_min_years, duration_band_months, strict=True):
        new = np.where(years >= lo, int(months), new)
    eligible = cm >= min_contribution_months
    new = np.where(eligible, new, 0)
    total = np.where(eligible, np.minimum(new + carry, max_total_months), 0)
    return {"eligible": eligible, "new_months": new, "total_months": total}


def unemployment_benefit_monthly(
    minimum_wage: ArrayLike,
    urban_dibao: ArrayLike,
    *,
    unemployment_benefit_ratio: float,
) -> NDArray[np.int64]:
    """Monthly benefit = ratio × minimum wage, not below the urban dibao, below the minimum wage."""
    if not 0 < unemployment_benefit_ratio < 1:
        raise InputError("unemployment_benefit_ratio", "must be between 0 and 1 (exclusive)")
    mw = as_fen(minimum_wage)
    dibao = as_fen(urban_dibao)
    if np.any(dibao >= mw):
        raise InputError("urban_dibao", "the dibao standard must be below the minimum wage")
    amount = round_half_up_fen(mw * unemployment_benefit_ratio)
    return np.minimum(np.maximum(amount, dibao), mw - 1)


def explain_unemployment(
    contribution_months: int,
    carried_over_months: int,
    minimum_wage: int,
    urban_dibao: int,
    *,
    unemployment_benefit_ratio: float,
    duration_band_min_years: Sequence[int],
    duration_band_months: Sequence[int],
    max_total_months: int,
    min_contribution_months: int,
) -> list[dict[str, Any]]:
    """Step-by-step account of one unemployment claim."""
    e = unemployment_entitlement_months(
        contribution_months,
        carried_over_months,
        duration_band_min_years=duration_band_min_years,
        duration_band_months=duration_band_months,
        max_total_months=max_total_months,
        min_contribution_months=min_contribution_months,
    )
    amount = int(
        unemployment_benefit_monthly(
            minimum_wage, urban_dibao, unemployment_benefit_ratio=unemployment_benefit_ratio
        )
    )
    return [
        {
            "step": "Eligible: at least the minimum contribution months",
            "formula": "months ≥ minimum",
            "inputs": {"contribution_months": int(contribution_months)},
            "parameters": ["min_contribution_months"],
            "result": bool(e["eligible"]),
        },
        {
            "step": "Months for this spell by contribution years",
            "formula": "1–<5 years → 12; 5–<10 → 18; ≥10 → 24",
            "inputs": {"years": contribution_months / 12},
            "parameters": ["duration_band_min_years", "duration_band_months"],
            "result": int(e["new_months"]),
        },
        {
            "step": "Total with unused months carried over, capped",
            "formula": "min(new + carried over, max)",
            "inputs": {"carried_over_months": int(carried_over_months)},
            "parameters": ["max_total_months"],
            "result": int(e["total_months"]),
        },
        {
            "step": "Monthly amount, rounded to the fen, between dibao and minimum wage",
            "formula": "min(max(ratio × minimum wage, dibao), minimum wage − 1 fen)",
            "inputs": {"minimum_wage": int(minimum_wage), "urban_dibao": int(urban_dibao)},
            "parameters": ["unemployment_benefit_ratio"],
            "result": amount,
        },
    ]


def unemployment_medical_contribution(
    average_monthly_wage: ArrayLike,
    *,
    medical_contribution_base_ratio: float,
    medical_employer_rate: float,
    medical_employee_rate: float,
) -> NDArray[np.int64]:
    """Monthly medical contribution the fund pays for a recipient (SIL art. 48).

    Base = ratio × average monthly wage, rounded to the fen; the contribution is both medical
    rates on it, rounded to the fen once (the person pays no share of it).
    """
    base = round_half_up_fen(as_fen(average_monthly_wage) * medical_contribution_base_ratio)
    return round_half_up_fen(base * (medical_employer_rate + medical_employee_rate))
