"""One medical claim settled in layers: basic fund, critical-illness insurance, patient. DRG.

Layers (all amounts fen, one claim per element):
1. Catalogue: class A is fully in the policy range; class B has a "first self-pay" portion
   (B × b_self_pay_ratio, rounded to the fen) the patient pays; class C is out of range.
2. Deductible: what remains of this year's deductible comes off the in-range amount.
3. Co-payment: the fund pays rate[hospital level] of the rest, rounded to the fen, limited
   by what is left of the annual cap (cap − fund paid so far this year).
4. Residents' critical-illness insurance: of the in-range amount the patient still bears
   (deductible + co-payment + anything over the cap), the part above what remains of the
   critical-illness deductible is paid at ≥60% (+5 points for dibao recipients), rounded
   to the fen, within an optional critical-illness annual cap.
The patient pays the rest: total − fund − critical illness (exact, so the three sum to the
bill).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shebao.errors import InputError

from .rounding import as_fen, round_half_up_fen


def settle_claim(
    amount_class_a: ArrayLike,
    amount_class_b: ArrayLike,
    amount_class_c: ArrayLike,
    hospital_level: ArrayLike,
    deductible_remaining: ArrayLike,
    fund_paid_ytd: ArrayLike,
    resident: ArrayLike = False,
    dibao: ArrayLike = False,
    ci_deductible_remaining: ArrayLike = 0,
    ci_paid_ytd: ArrayLike = 0,
    *,
    class_b_self_pay_ratio: float,
    reimbursement_rates_by_level: Sequence[float],
    annual_fund_cap: ArrayLike,
    ci_rate: float,
    ci_dibao_extra_rate: float,
    ci_annual_cap: ArrayLike | None = None,
) -> dict[str, NDArray[np.int64]]:
    """Split one claim into fund / critical-illness / patient shares and update the year's totals.

    `reimbursement_rates_by_level[i]` is the rate for hospital level i + 1 (1 primary,
    2 secondary, 3 tertiary). Critical illness applies only where `resident` is True.
    """
    a, b, c = as_fen(amount_class_a), as_fen(amount_class_b), as_fen(amount_class_c)
    if np.any(a < 0) or np.any(b < 0) or np.any(c < 0):
        raise InputError("amount", "claim amounts cannot be negative")
    level = np.asarray(hospital_level, dtype=np.int64)
    rates = np.asarray(reimbursement_rates_by_level, dtype=np.float64)
    if np.any((level < 1) | (level > len(rates))):
        raise InputError("hospital_level", f"hospital level must be 1..{len(rates)}")
    if np.any((rates < 0) | (rates > 1)):
        raise InputError("reimbursement_rates_by_level", "rates must be between 0 and 1")
    ded_left = as_fen(deductible_remaining)
    ytd = as_fen(fund_paid_ytd)
    total = a + b + c
    b_self = round_half_up_fen(b * class_b_self_pay_ratio)
    in_range = a + b - b_self
    ded_used = np.minimum(in_range, np.maximum(ded_left, 0))
    after_ded = in_range - ded_used
    fund_raw = round_half_up_fen(after_ded * rates[level - 1])
    cap_left = np.maximum(as_fen(annual_fund_cap) - ytd, 0)
    fund = np.minimum(fund_raw, cap_left)

    res = np.asarray(resident, dtype=bool)
    is_dibao = np.asarray(dibao, dtype=bool)
    ci_ded_left = as_fen(ci_deductible_remaining)
    ci_ytd = as_fen(ci_paid_ytd)
    burden = in_range - fund
    ci_ded_used = np.where(res, np.minimum(burden, np.maximum(ci_ded_left, 0)), 0)
    ci_rate_each = ci_rate + np.where(is_dibao, ci_dibao_extra_rate, 0.0)
    ci = np.where(res, round_half_up_fen((burden - ci_ded_used) * ci_rate_each), 0)
    if ci_annual_cap is not None:
        ci = np.minimum(ci, np.maximum(as_fen(ci_annual_cap) - ci_ytd, 0))
    ci = np.maximum(ci, 0)
    patient = total - fund - ci
    return {
        "total": total,
        "in_range": in_range,
        "class_b_self_pay": b_self,
        "deductible_used": ded_used,
        "fund": fund,
        "critical_illness": ci,
        "patient": patient,
        "deductible_remaining_after": ded_left - ded_used,
        "fund_paid_ytd_after": ytd + fund,
        "ci_deductible_remaining_after": ci_ded_left - ci_ded_used,
        "ci_paid_ytd_after": ci_ytd + ci,
    }


def drg_payment(group_weight: ArrayLike, base_rate: ArrayLike) -> NDArray[np.int64]:
    """DRG case payment = group relative weight × base rate (fen per weight 1), to the fen."""
    w = np.asarray(group_weight, dtype=np.float64)
    if np.any(w < 0):
        raise InputError("group_weight", "weights cannot be negative")
    return round_half_up_fen(w * as_fen(base_rate))


def explain_claim(
    amount_class_a: int,
    amount_class_b: int,
    amount_class_c: int,
    hospital_level: int,
    deductible_remaining: int,
    fund_paid_ytd: int,
    resident: bool = False,
    dibao: bool = False,
    ci_deductible_remaining: int = 0,
    ci_paid_ytd: int = 0,
    *,
    class_b_self_pay_ratio: float,
    reimbursement_rates_by_level: Sequence[float],
    annual_fund_cap: int,
    ci_rate: float,
    ci_dibao_extra_rate: float,
    ci_annual_cap: int | None = None,
) -> list[dict[str, Any]]:
    """Step-by-step account of one claim's settlement (parameters as in settle_claim)."""
    parameters = {
        "class_b_self_pay_ratio": class_b_self_pay_ratio,
        "reimbursement_rates_by_level": reimbursement_rates_by_level,
        "annual_fund_cap": annual_fund_cap,
        "ci_rate": ci_rate,
        "ci_dibao_extra_rate": ci_dibao_extra_rate,
        "ci_annual_cap": ci_annual_cap,
    }
    r = {
        k: v.item()
        for k, v in settle_claim(
            amount_class_a,
            amount_class_b,
            amount_class_c,
            hospital_level,
            deductible_remaining,
            fund_paid_ytd,
            resident,
            dibao,
            ci_deductible_remaining,
            ci_paid_ytd,
            **parameters,
        ).items()
    }
    return [
        {
            "step": "Policy-range amount: class A in full, class B less its first self-pay part",
            "formula": "A + B − round(B × self-pay ratio); class C is out of range",
            "inputs": {"A": amount_class_a, "B": amount_class_b, "C": amount_class_c},
            "parameters": ["class_b_self_pay_ratio"],
            "result": r["in_range"],
        },
        {
            "step": "Deductible taken from what remains of this year's deductible",
            "formula": "min(in range, deductible remaining)",
            "inputs": {"deductible_remaining": deductible_remaining},
            "parameters": [],
            "result": r["deductible_used"],
        },
        {
            "step": "Fund share at the hospital level's rate, within the annual cap",
            "formula": "min(round((in range − deductible) × rate[level]), cap − paid this year)",
            "inputs": {"hospital_level": hospital_level, "fund_paid_ytd": fund_paid_ytd},
            "parameters": ["reimbursement_rates_by_level", "annual_fund_cap"],
            "result": r["fund"],
        },
        {
            "step": "Critical-illness insurance (residents) on the in-range self-burden",
            "formula": "round((in range − fund − CI deductible) × (rate + dibao extra))",
            "inputs": {
                "resident": resident,
                "dibao": dibao,
                "ci_deductible_remaining": ci_deductible_remaining,
            },
            "parameters": ["ci_rate", "ci_dibao_extra_rate", "ci_annual_cap"],
            "result": r["critical_illness"],
        },
        {
            "step": "Patient pays the rest",
            "formula": "total − fund − critical illness",
            "inputs": {"total": r["total"]},
            "parameters": [],
            "result": r["patient"],
        },
    ]


def medical_assistance(
    in_range: ArrayLike,
    fund: ArrayLike,
    critical_illness: ArrayLike,
    recipient: ArrayLike,
    assistance_paid_ytd: ArrayLike = 0,
    *,
    assistance_rate: float,
    assistance_annual_cap: ArrayLike,
) -> NDArray[np.int64]:
    """Medical assistance, the last public layer: rate × what a recipient still bears in range.

    The in-range burden left after the basic fund and critical-illness insurance is paid at
    `assistance_rate` (rounded to the fen) for assistance recipients only, within what is left
    of the annual cap. Out-of-range costs (class C, B's first self-pay part) are not assisted.
    """
    if not 0 <= assistance_rate <= 1:
        raise InputError("assistance_rate", "must be between 0 and 1")
    burden = np.maximum(as_fen(in_range) - as_fen(fund) - as_fen(critical_illness), 0)
    amount = round_half_up_fen(burden * assistance_rate)
    cap_left = np.maximum(as_fen(assistance_annual_cap) - as_fen(assistance_paid_ytd), 0)
    return np.where(np.asarray(recipient, dtype=bool), np.minimum(amount, cap_left), 0)
