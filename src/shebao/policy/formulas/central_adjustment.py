"""Central adjustment fund (国发〔2018〕18号): remittances, allocations, net transfers.

One element per province along the (only) axis. Rounding points: each province's
remittance is rounded to the fen; allocations split the fund (Σ remittances, exact) in
proportion to retirees with the largest-remainder method in exact integer arithmetic, so
Σ allocation == Σ remittance to the fen and the nets (remittance − allocation) sum to zero.
The per-retiree figure is reported unrounded (float fen) — allocations do not use it rounded.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from shebao.errors import InputError

from .rounding import as_fen, largest_remainder, round_half_up_fen


def central_adjustment(
    average_wage: ArrayLike,
    insured_employees: ArrayLike,
    retirees: ArrayLike,
    *,
    remittance_rate: float,
    remittance_wage_ratio: float,
) -> dict[str, Any]:
    """Remittance = average (yearly) wage × 90% × employees who should be insured × rate."""
    w = as_fen(average_wage)
    n = np.asarray(insured_employees, dtype=np.int64)
    r = np.asarray(retirees, dtype=np.int64)
    if w.ndim != 1 or n.shape != w.shape or r.shape != w.shape:
        raise InputError("average_wage", "one value per province, same length for all inputs")
    if np.any(n < 0) or np.any(r < 0) or np.any(w < 0):
        raise InputError("retirees", "counts and wages cannot be negative")
    if r.sum() <= 0:
        raise InputError("retirees", "the nation needs at least one retiree")
    remittance = round_half_up_fen(
        w.astype(np.float64) * remittance_wage_ratio * n.astype(np.float64) * remittance_rate
    )
    fund = int(sum(int(x) for x in remittance))
    allocation = largest_remainder(fund, r)
    return {
        "remittance": remittance,
        "allocation": allocation,
        "net": remittance - allocation,
        "fund": fund,
        "per_retiree": fund / int(r.sum()),
    }


def explain_central_adjustment(
    average_wage: ArrayLike,
    insured_employees: ArrayLike,
    retirees: ArrayLike,
    *,
    remittance_rate: float,
    remittance_wage_ratio: float,
) -> list[dict[str, Any]]:
    """Step-by-step account of one year's central adjustment across provinces."""
    r = central_adjustment(
        average_wage,
        insured_employees,
        retirees,
        remittance_rate=remittance_rate,
        remittance_wage_ratio=remittance_wage_ratio,
    )
    return [
        {
            "step": "Each province remits, rounded to the fen",
            "formula": "average wage × 90% × insured employees × rate",
            "inputs": {
                "average_wage": np.asarray(average_wage).tolist(),
                "insured_employees": np.asarray(insured_employees).tolist(),
            },
            "parameters": ["remittance_wage_ratio", "remittance_rate"],
            "result": r["remittance"].tolist(),
        },
        {
            "step": "National fund and allocation per retiree",
            "formula": "fund = Σ remittance; per retiree = fund ÷ Σ retirees",
            "inputs": {"retirees": np.asarray(retirees).tolist()},
            "parameters": [],
            "result": {"fund": r["fund"], "per_retiree": r["per_retiree"]},
        },
        {
            "step": "Allocation to each province: largest remainder so it sums to the fund",
            "formula": "retirees × per retiree, split exactly",
            "inputs": {},
            "parameters": [],
            "result": r["allocation"].tolist(),
        },
        {
            "step": "Net transfer (positive = net payer); sums to zero",
            "formula": "remittance − allocation",
            "inputs": {},
            "parameters": [],
            "result": r["net"].tolist(),
        },
    ]
