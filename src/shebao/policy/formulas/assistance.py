"""Social assistance: dibao means test and top-up, near-dibao, extreme-poverty standard.

The dibao test compares household income with standard × household size, which is the
same as per-capita income < standard but exact in integer fen; the top-up
(standard − per-capita income) × size = standard × size − income needs no rounding. The only
rounding point is the extreme-poverty standard (1.3 × dibao), rounded to the fen.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shebao.errors import InputError

from .rounding import as_fen, round_half_up_fen


def dibao(
    household_income: ArrayLike,
    household_size: ArrayLike,
    dibao_standard: ArrayLike,
    asset_disqualified: ArrayLike = False,
    *,
    near_dibao_multiple: float,
) -> dict[str, NDArray[Any]]:
    """Means test for one household per element (monthly income and standard, fen).

    eligible: per-capita income < standard and no asset disqualifier; top_up: (standard −
    per-capita income) × size when eligible, else 0; near_dibao: not eligible for dibao, no
    asset disqualifier, and per-capita income < 1.5 × standard (dibao-edge household).
    """
    income = as_fen(household_income)
    size = np.asarray(household_size, dtype=np.int64)
    std = as_fen(dibao_standard)
    if np.any(size < 1):
        raise InputError("household_size", "a household has at least one member")
    if np.any(income < 0):
        raise InputError("household_income", "income cannot be negative")
    disq = np.asarray(asset_disqualified, dtype=bool)
    threshold = std * size
    eligible = (income < threshold) & ~disq
    top_up = np.where(eligible, threshold - income, 0).astype(np.int64)
    near = ~eligible & ~disq & (income < near_dibao_multiple * threshold)
    return {
        "eligible": eligible,
        "top_up": top_up,
        "near_dibao": near,
        "per_capita_income": income / size,
    }


def extreme_poverty_standard(
    dibao_standard: ArrayLike, *, extreme_poverty_multiple: float
) -> NDArray[np.int64]:
    """Basic living standard for extreme-poverty support: ≥1.3 × dibao, rounded to the fen."""
    return round_half_up_fen(as_fen(dibao_standard) * extreme_poverty_multiple)


def explain_dibao(
    household_income: int,
    household_size: int,
    dibao_standard: int,
    asset_disqualified: bool = False,
    *,
    near_dibao_multiple: float,
) -> list[dict[str, Any]]:
    """Step-by-step account of one household's means test."""
    r = dibao(
        household_income,
        household_size,
        dibao_standard,
        asset_disqualified,
        near_dibao_multiple=near_dibao_multiple,
    )
    return [
        {
            "step": "Per-capita monthly income of the household",
            "formula": "household income ÷ members",
            "inputs": {"household_income": household_income, "household_size": household_size},
            "parameters": [],
            "result": float(r["per_capita_income"]),
        },
        {
            "step": "Eligible if per-capita income is below the standard and assets pass",
            "formula": "per-capita income < standard and not asset-disqualified",
            "inputs": {"dibao_standard": dibao_standard, "asset_disqualified": asset_disqualified},
            "parameters": [],
            "result": bool(r["eligible"]),
        },
        {
            "step": "Monthly top-up for the household",
            "formula": "(standard − per-capita income) × members, at least 0",
            "inputs": {},
            "parameters": [],
            "result": int(r["top_up"]),
        },
        {
            "step": "Dibao-edge household if not eligible but below 1.5 × standard",
            "formula": "per-capita income < multiple × standard",
            "inputs": {},
            "parameters": ["near_dibao_multiple"],
            "result": bool(r["near_dibao"]),
        },
    ]
