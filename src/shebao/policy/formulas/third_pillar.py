"""Third pillar: personal pension tax relief and enterprise annuity limits (fen).

Rounding points: the tax saving and the withdrawal tax are rounded to the fen; annuity
limits (ratio × payroll, multiple × average) are rounded to the fen.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shebao.errors import InputError

from .rounding import as_fen, largest_remainder, round_half_up_fen


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


def annuity_monthly_credits(
    wages: ArrayLike,
    employer_rate: float,
    employee_rate: float,
    *,
    annuity_employer_max_ratio: float,
    annuity_total_max_ratio: float,
    annuity_credit_max_multiple: float,
) -> dict[str, Any]:
    """One month of a plan: each member's employer and employee credit, within the limits.

    The plan's totals are its rates × the payroll (Σ wages), rounded to the fen, then held to
    the 8% / 12% limits; each total is split over the members in proportion to their wages by
    largest remainder (so the parts sum exactly). A member's employer credit is then held to
    5 × the average employer credit (the allowed total ÷ members, rounded to the fen); what
    is cut is not credited to anyone.
    """
    w = as_fen(wages)
    if w.ndim != 1 or w.size == 0 or np.any(w < 0) or int(w.sum()) <= 0:
        raise InputError("wages", "need at least one member and a payroll above zero")
    if not (0 <= employer_rate <= 1 and 0 <= employee_rate <= 1):
        raise InputError("employer_rate", "rates must be 0..1")
    payroll = int(w.sum())
    totals = enterprise_annuity_limits(
        payroll,
        round_half_up_fen(payroll * employer_rate),
        round_half_up_fen(payroll * employee_rate),
        annuity_employer_max_ratio=annuity_employer_max_ratio,
        annuity_total_max_ratio=annuity_total_max_ratio,
    )
    employer_total = int(totals["employer_allowed"])
    employee = largest_remainder(int(totals["employee_allowed"]), w)
    employer = largest_remainder(employer_total, w)
    average = round_half_up_fen(employer_total / w.size)
    capped = annuity_individual_credit_limit(
        employer, average, annuity_credit_max_multiple=annuity_credit_max_multiple
    )
    return {
        "payroll": payroll,
        "employer": capped["allowed"],
        "employee": employee,
        "employer_cut": capped["excess"],
        "employer_over_limit": int(totals["employer_excess"]),
        "employee_over_limit": int(totals["employee_excess"]),
        "average_employer_credit": int(average),
    }


def annuity_vesting(
    employer_credited: ArrayLike,
    full_years: ArrayLike,
    vesting_schedule: list[float],
    full_vesting: ArrayLike = False,
) -> dict[str, NDArray[np.int64]]:
    """The employer share a leaver keeps: the schedule's share after their full years of
    membership (0 before the first year; the last entry from then on), or all of it when the
    reason for leaving vests in full. Vested amounts are rounded to the fen."""
    credited = as_fen(employer_credited)
    years = np.asarray(full_years, dtype=np.int64)
    table = np.asarray([0.0, *vesting_schedule], dtype=np.float64)
    if np.any(years < 0) or np.any(credited < 0):
        raise InputError("full_years", "years and credits must be ≥ 0")
    share = np.where(np.asarray(full_vesting, dtype=bool), 1.0,
                     table[np.minimum(years, table.size - 1)])
    vested = np.minimum(round_half_up_fen(credited * share), credited)
    return {"vested": vested, "unvested": credited - vested, "share": share}


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
