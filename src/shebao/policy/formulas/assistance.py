"""Social assistance: dibao means test and top-up, near-dibao, extreme-poverty standard, the
asset conditions, and the means as assessed after cross-checks against records.

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


def asset_disqualified(
    deposits: ArrayLike,
    vehicles: ArrayLike,
    properties: ArrayLike,
    household_size: ArrayLike,
    dibao_standard: ArrayLike,
    *,
    deposit_months_of_standard: int,
    max_vehicles: int,
    max_properties: int,
) -> NDArray[np.bool_]:
    """The property conditions: deposits above months × standard × members, or more vehicles
    or dwellings than allowed, disqualify (exact in integer fen: no rounding)."""
    size = np.asarray(household_size, dtype=np.int64)
    limit = as_fen(dibao_standard) * size * int(deposit_months_of_standard)
    return (
        (as_fen(deposits) > limit)
        | (np.asarray(vehicles, dtype=np.int64) > max_vehicles)
        | (np.asarray(properties, dtype=np.int64) > max_properties)
    )


def assessed_income(
    declared_wages: ArrayLike,
    recorded_wages: ArrayLike,
    wages_on_record: ArrayLike,
    declared_other: ArrayLike,
    recorded_benefits: ArrayLike,
) -> NDArray[np.int64]:
    """Monthly income as the records show it (fen), per member or per household.

    Records replace a declaration where they are conclusive, in both directions, so that a
    concealed job is counted and a job that has ended is not: wages come from employers'
    declarations where the person's employment is on record; pensions and unemployment benefit
    paid by shebao always come from its payments. Income shebao cannot see (farming, informal
    work, gifts) stays as declared.
    """
    wages = np.where(np.asarray(wages_on_record, dtype=bool), as_fen(recorded_wages),
                     as_fen(declared_wages))
    return (wages + as_fen(recorded_benefits) + as_fen(declared_other)).astype(np.int64)


def assessed_holding(
    declared: ArrayLike, recorded: ArrayLike, on_record: ArrayLike
) -> NDArray[np.int64]:
    """Vehicles, dwellings or deposits as the records show them: an external register replaces
    the declaration where its file covers the household, either way."""
    return np.where(np.asarray(on_record, dtype=bool), np.asarray(recorded, dtype=np.int64),
                    np.asarray(declared, dtype=np.int64)).astype(np.int64)


def temporary_assistance_cap(
    dibao_standard: ArrayLike, household_size: ArrayLike, *, temporary_max_months_of_standard: int
) -> NDArray[np.int64]:
    """The most a one-off temporary assistance payment may be: months × standard × members."""
    return (as_fen(dibao_standard) * np.asarray(household_size, dtype=np.int64)
            * int(temporary_max_months_of_standard)).astype(np.int64)


def error_rates(eligible_true: ArrayLike, identified: ArrayLike) -> dict[str, float]:
    """Inclusion error: share of those identified who are not truly eligible; exclusion error:
    share of the truly eligible who are not identified (0 when the denominator is empty)."""
    truth = np.asarray(eligible_true, dtype=bool)
    found = np.asarray(identified, dtype=bool)
    n_found, n_true = int(found.sum()), int(truth.sum())
    return {
        "inclusion_error": float((found & ~truth).sum() / n_found) if n_found else 0.0,
        "exclusion_error": float((truth & ~found).sum() / n_true) if n_true else 0.0,
    }


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
