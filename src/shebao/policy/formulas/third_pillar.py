"""Third pillar: personal pension tax relief and enterprise annuity limits (fen).

Rounding points: the tax saving and the withdrawal tax are rounded to the fen; annuity
limits (ratio × payroll, multiple × average) are rounded to the fen.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shebao.errors import InputError

from .rounding import as_fen, round_half_up_fen


def personal_pension_tax_saving(
    contribution: ArrayLike,
    marginal_tax_rate: ArrayLike,
    *,
    personal_pension_annual_cap: int,
) -> dict[str, NDArray[np.int64]]:
    """Deduction = min(contribution, 12,000 RMB); tax saved = deduction × marginal rate."""
    c = as_fen(contribution)
    rate = np.asarray(marginal_tax_rate, dtype=np.float64)
    if np.any(c < 0) or np.any((rate < 0) | (rate > 1)):
        raise InputError("marginal_tax_rate", "rate must be 0..1, contributions ≥ 0")
    deductible = np.minimum(c, int(personal_pension_annual_cap))
    return {
        "deductible": deductible,
        "excess": c - deductible,
        "tax_saving": round_half_up_fen(deductible * rate),
    }


def personal_pension_withdrawal_tax(
    withdrawal: ArrayLike, *, personal_pension_withdrawal_tax_rate: float
) -> NDArray[np.int64]:
    """Withdrawals are taxed separately at 3% (EET), rounded to the fen."""
    return round_half_up_fen(as_fen(withdrawal) * personal_pension_withdrawal_tax_rate)


def enterprise_annuity_limits(
    payroll: ArrayLike,
    employer_contribution: ArrayLike,
    employee_contribution: ArrayLike,
    *,
    annuity_employer_max_ratio: float,
    annuity_total_max_ratio: float,
) -> dict[str, NDArray[np.int64]]:
    """Employer ≤ 8% of payroll, employer + employee ≤ 12%: allowed amounts and excess.

    The employer share is cut first to 8%, then (if the sum still exceeds 12%) the
    employee share is cut to what room is left, then the employer share again.
    """
    p = as_fen(payroll)
    er, ee = as_fen(employer_contribution), as_fen(employee_contribution)
    er_max = round_half_up_fen(p * annuity_employer_max_ratio)
    tot_max = round_half_up_fen(p * annuity_total_max_ratio)
    er_ok = np.minimum(er, er_max)
    ee_ok = np.minimum(ee, np.maximum(tot_max - er_ok, 0))
    er_ok = np.minimum(er_ok, tot_max - ee_ok)
    return {
        "employer_allowed": er_ok,
        "employee_allowed": ee_ok,
        "employer_excess": er - er_ok,
        "employee_excess": ee - ee_ok,
    }


def annuity_individual_credit_limit(
    employer_credit: ArrayLike,
    average_credit: ArrayLike,
    *,
    annuity_credit_max_multiple: float,
) -> dict[str, NDArray[np.int64]]:
    """The employer credit to one person may not exceed 5 × the average credit."""
    c = as_fen(employer_credit)
    limit = round_half_up_fen(as_fen(average_credit) * annuity_credit_max_multiple)
    allowed = np.minimum(c, limit)
    return {"allowed": allowed, "excess": c - allowed, "limit": limit}


def explain_personal_pension(
    contribution: int,
    marginal_tax_rate: float,
    *,
    personal_pension_annual_cap: int,
) -> list[dict[str, Any]]:
    """Step-by-step account of one year's personal pension tax saving."""
    r = personal_pension_tax_saving(
        contribution, marginal_tax_rate, personal_pension_annual_cap=personal_pension_annual_cap
    )
    return [
        {
            "step": "Deductible contribution, within the yearly cap",
            "formula": "min(contribution, cap)",
            "inputs": {"contribution": int(contribution)},
            "parameters": ["personal_pension_annual_cap"],
            "result": int(r["deductible"]),
        },
        {
            "step": "Income tax saved, rounded to the fen",
            "formula": "deductible × marginal rate",
            "inputs": {"marginal_tax_rate": float(marginal_tax_rate)},
            "parameters": [],
            "result": int(r["tax_saving"]),
        },
    ]
