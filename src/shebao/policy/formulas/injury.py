"""Work-injury benefits (工伤保险条例, revised 2010): disability and death benefits.

Rounding points: the own-wage bounds (ratio × average) are rounded to the fen; the one-off
subsidy, the monthly allowance, the funeral grant, the death grant and each survivor's
pension are each rounded to the fen. When survivors' pensions exceed the deceased's wage,
they are scaled down and split with the largest-remainder method so the total equals the
wage exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shebao.errors import InputError

from .contributions import contribution_base
from .rounding import as_fen, largest_remainder_rows, round_half_up_fen

DEPENDANT_NONE = 0
DEPENDANT_SPOUSE = 1
DEPENDANT_OTHER = 2

_SUBSIDY_MONTHS = (27, 25, 23, 21, 18, 16, 13, 11, 9, 7)
_ALLOWANCE_RATIOS = (0.90, 0.85, 0.80, 0.75, 0.70, 0.60)


def injury_own_wage(
    wage_12m_average: ArrayLike,
    average_wage: ArrayLike,
    *,
    own_wage_floor_ratio: float,
    own_wage_cap_ratio: float,
) -> NDArray[np.int64]:
    """Own wage = average monthly contribution wage of the 12 months before, within 60–300%."""
    return contribution_base(
        wage_12m_average,
        average_wage,
        base_floor_ratio=own_wage_floor_ratio,
        base_cap_ratio=own_wage_cap_ratio,
    )


def _grade(grade: ArrayLike) -> NDArray[np.int64]:
    g = np.asarray(grade, dtype=np.int64)
    if np.any((g < 1) | (g > 10)):
        raise InputError("grade", "disability grade must be 1..10")
    return g


def disability_benefits(
    grade: ArrayLike,
    own_wage: ArrayLike,
    *,
    one_off_subsidy_months: Sequence[int] = _SUBSIDY_MONTHS,
    monthly_allowance_ratios: Sequence[float] = _ALLOWANCE_RATIOS,
    minimum_wage: ArrayLike | None = None,
    allowance_minimum_wage_grades: int,
) -> dict[str, NDArray[np.int64]]:
    """One-off subsidy (months × own wage) and monthly allowance (% × own wage, grades 1–6).

    Grades 1..allowance_minimum_wage_grades get at least the minimum wage when it is given.
    Grades 7–10 get no monthly allowance (0).
    """
    g = _grade(grade)
    w = as_fen(own_wage)
    months = np.asarray(one_off_subsidy_months, dtype=np.int64)
    ratios = np.asarray(monthly_allowance_ratios, dtype=np.float64)
    subsidy = months[g - 1] * w
    has_allowance = g <= len(ratios)
    ratio = np.where(has_allowance, ratios[np.minimum(g, len(ratios)) - 1], 0.0)
    allowance = round_half_up_fen(w * ratio)
    if minimum_wage is not None:
        mw = as_fen(minimum_wage)
        allowance = np.where(
            g <= allowance_minimum_wage_grades, np.maximum(allowance, mw), allowance
        )
    return {"one_off_subsidy": subsidy.astype(np.int64), "monthly_allowance": allowance}


def death_benefits(
    deceased_wage: ArrayLike,
    average_monthly_wage: ArrayLike,
    urban_disposable_income: ArrayLike,
    dependant_types: ArrayLike,
    dependant_lone: ArrayLike,
    *,
    funeral_grant_months: int,
    survivor_spouse_ratio: float,
    survivor_other_ratio: float,
    survivor_lone_extra_ratio: float,
    death_grant_multiple: int,
) -> dict[str, NDArray[np.int64]]:
    """Funeral grant, one-off death grant and survivors' monthly pensions (fen).

    `dependant_types` has a trailing axis, one slot per dependant (0 none, 1 spouse,
    2 other); `dependant_lone` marks a lone elder or orphan (+10%). The total of survivors'
    pensions is capped at the deceased's own wage. `urban_disposable_income` is the previous
    year's national per-capita urban disposable income (yearly, fen).
    """
    wage = as_fen(deceased_wage)
    types = np.asarray(dependant_types, dtype=np.int64)
    if types.ndim == 0:
        raise InputError("dependant_types", "give one slot per dependant (a trailing axis)")
    if np.any(~np.isin(types, (DEPENDANT_NONE, DEPENDANT_SPOUSE, DEPENDANT_OTHER))):
        raise InputError("dependant_types", "must be 0 (none), 1 (spouse) or 2 (other)")
    if np.any((types == DEPENDANT_SPOUSE).sum(axis=-1) > 1):
        raise InputError("dependant_types", "at most one spouse")
    lone = np.asarray(dependant_lone, dtype=bool) & (types != DEPENDANT_NONE)
    ratio = np.select(
        [types == DEPENDANT_SPOUSE, types == DEPENDANT_OTHER],
        [survivor_spouse_ratio, survivor_other_ratio],
        0.0,
    )
    ratio = ratio + np.where(lone, survivor_lone_extra_ratio, 0.0)
    w = wage[..., None]
    each = round_half_up_fen(w * ratio)
    total = each.sum(axis=-1)
    capped = total > wage
    if np.any(capped):
        scaled = largest_remainder_rows(np.broadcast_to(wage, total.shape), ratio)
        each = np.where(capped[..., None], scaled, each)
        total = each.sum(axis=-1)
    return {
        "funeral_grant": as_fen(average_monthly_wage) * int(funeral_grant_months),
        "death_grant": as_fen(urban_disposable_income) * int(death_grant_multiple),
        "survivor_pensions": each,
        "survivor_total": total,
        "survivor_capped": capped,
    }


def explain_disability(
    grade: int,
    wage_12m_average: int,
    average_wage: int,
    *,
    own_wage_floor_ratio: float,
    own_wage_cap_ratio: float,
    one_off_subsidy_months: Sequence[int] = _SUBSIDY_MONTHS,
    monthly_allowance_ratios: Sequence[float] = _ALLOWANCE_RATIOS,
    minimum_wage: int | None = None,
    allowance_minimum_wage_grades: int,
) -> list[dict[str, Any]]:
    """Step-by-step account of one disability award."""
    own = int(
        injury_own_wage(
            wage_12m_average,
            average_wage,
            own_wage_floor_ratio=own_wage_floor_ratio,
            own_wage_cap_ratio=own_wage_cap_ratio,
        )
    )
    r = disability_benefits(
        grade,
        own,
        one_off_subsidy_months=one_off_subsidy_months,
        monthly_allowance_ratios=monthly_allowance_ratios,
        minimum_wage=minimum_wage,
        allowance_minimum_wage_grades=allowance_minimum_wage_grades,
    )
    g = int(grade)
    return [
        {
            "step": "Own wage: 12-month average contribution wage within 60–300% of average",
            "formula": "min(max(wage, A × floor), A × cap)",
            "inputs": {
                "wage_12m_average": int(wage_12m_average),
                "average_wage": int(average_wage),
            },
            "parameters": ["own_wage_floor_ratio", "own_wage_cap_ratio"],
            "result": own,
        },
        {
            "step": "One-off disability subsidy",
            "formula": "months(grade) × own wage",
            "inputs": {"grade": g, "own_wage": own},
            "parameters": ["one_off_subsidy_months"],
            "result": int(r["one_off_subsidy"]),
        },
        {
            "step": "Monthly allowance (grades 1–6), rounded to the fen",
            "formula": "ratio(grade) × own wage, grades 1–4 at least the minimum wage",
            "inputs": {"grade": g, "own_wage": own, "minimum_wage": minimum_wage},
            "parameters": ["monthly_allowance_ratios", "allowance_minimum_wage_grades"],
            "result": int(r["monthly_allowance"]),
        },
    ]


def explain_death_benefits(
    deceased_wage: int,
    average_monthly_wage: int,
    urban_disposable_income: int,
    dependant_types: Sequence[int],
    dependant_lone: Sequence[bool],
    *,
    funeral_grant_months: int,
    survivor_spouse_ratio: float,
    survivor_other_ratio: float,
    survivor_lone_extra_ratio: float,
    death_grant_multiple: int,
) -> list[dict[str, Any]]:
    """Step-by-step account of one death case's benefits."""
    r = death_benefits(
        deceased_wage,
        average_monthly_wage,
        urban_disposable_income,
        list(dependant_types),
        list(dependant_lone),
        funeral_grant_months=funeral_grant_months,
        survivor_spouse_ratio=survivor_spouse_ratio,
        survivor_other_ratio=survivor_other_ratio,
        survivor_lone_extra_ratio=survivor_lone_extra_ratio,
        death_grant_multiple=death_grant_multiple,
    )
    return [
        {
            "step": "Funeral grant",
            "formula": "months × local average monthly wage",
            "inputs": {"average_monthly_wage": int(average_monthly_wage)},
            "parameters": ["funeral_grant_months"],
            "result": int(r["funeral_grant"]),
        },
        {
            "step": "One-off death grant",
            "formula": "multiple × previous year's national per-capita urban disposable income",
            "inputs": {"urban_disposable_income": int(urban_disposable_income)},
            "parameters": ["death_grant_multiple"],
            "result": int(r["death_grant"]),
        },
        {
            "step": "Survivors' monthly pensions, each rounded to the fen",
            "formula": "wage × (spouse 40% | other 30%, +10% lone elder or orphan)",
            "inputs": {
                "deceased_wage": int(deceased_wage),
                "dependant_types": [int(t) for t in dependant_types],
                "dependant_lone": [bool(x) for x in dependant_lone],
            },
            "parameters": [
                "survivor_spouse_ratio",
                "survivor_other_ratio",
                "survivor_lone_extra_ratio",
            ],
            "result": r["survivor_pensions"].tolist(),
        },
        {
            "step": "Total capped at the deceased's wage (split by largest remainder if cut)",
            "formula": "min(Σ pensions, wage)",
            "inputs": {},
            "parameters": [],
            "result": {"total": int(r["survivor_total"]), "capped": bool(r["survivor_capped"])},
        },
    ]
