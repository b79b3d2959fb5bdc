"""Fund supervision: outlier scores, risk scores and fines — pure, with the rule values passed in.

The thresholds, weights and fine bounds are parameters (policy/parameters/national/
supervision.yaml and collection.yaml); these functions only compute.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shebao.errors import InputError
from shebao.policy.formulas.rounding import round_half_up_fen

MAD_SCALE = 0.6745
"""Φ⁻¹(0.75): makes the MAD comparable to a standard deviation for normal data."""


def robust_z(values: ArrayLike) -> NDArray[np.float64]:
    """Modified z-scores, 0.6745 × (x − median) / MAD (Iglewicz & Hoaglin 1993).

    A MAD of zero (more than half the values equal) leaves every score 0 except values away
    from the median, which score ±inf: they stand out from an otherwise constant group.
    """
    x = np.asarray(values, dtype=np.float64)
    if x.size == 0:
        return x
    median = np.median(x)
    mad = np.median(np.abs(x - median))
    deviation = x - median
    if mad == 0:
        return np.where(deviation == 0, 0.0, np.sign(deviation) * np.inf)
    return MAD_SCALE * deviation / mad


def risk_score(rules: Iterable[str], amounts_fen: Iterable[int],
               rule_weight: Mapping[str, float]) -> float:
    """Σ weight(rule) × (1 + log10(1 + amount in yuan)) over a case's alerts (their rules and
    amounts at stake): each alert counts by its rule, and money raises it by orders of
    magnitude, not linearly (one large alert does not drown several kinds of evidence)."""
    score = 0.0
    for rule, amount_fen in zip(rules, amounts_fen, strict=True):
        rule = str(rule)
        amount_fen = int(amount_fen)
        if rule not in rule_weight:
            raise InputError("rule", f"no weight for rule {rule!r}")
        score += float(rule_weight[rule]) * (1 + math.log10(1 + max(amount_fen, 0) / 100))
    return round(score, 2)


def fraud_fine(amount_fen: int, multiple: float, fine_multiple: Mapping[str, float]) -> int:
    """The fine for `amount_fen` obtained by fraud at `multiple` times, which must lie within the
    law's bounds (e.g. 2–5×, Social Insurance Law art. 88); rounded half up to the fen."""
    low, high = float(fine_multiple["min"]), float(fine_multiple["max"])
    if not low <= multiple <= high:
        raise InputError("fine_multiple", f"must be between {low:g} and {high:g} times the "
                                          "amount (the law's bounds)")
    if amount_fen < 0:
        raise InputError("amount_fen", "must not be negative")
    return int(round_half_up_fen(amount_fen * multiple))
