"""The calibration of the fund model to CASS 2019, as code: what is solved, and for what.

`calibrate()` recomputes the values written in `policy/projection/*.yaml`. The test suite
checks that the YAML still holds what this gives, so a change to the model cannot leave a stale
calibration behind. Solved here (all under `cass-2019`):

- opening_retirees: retirees in 2019 = CASS's 102 m;
- opening_average_pension and fiscal_subsidy_share (one linear solve): the 2019 current balance
  (contributions + subsidy + interest − expenditure) = CASS's +106.29 bn yuan, and the 2019
  subsidy = 1,031.9 bn yuan;
- indexation_wage_share (bisection): the 2028 current balance = CASS's −118.13 bn yuan.

Set by hand against CASS (documented in the YAML and docs/projection.md, not searched here): the
coverage path (2019 insured workers and 2050 payers) and the segment densities (2019 payers), and
retirement_take_up (2050 retirees). The depletion year is never a target.
"""

from __future__ import annotations

from typing import Any

from .pension import PensionProjection, project_pension

SCENARIO = "cass-2019"
RETIREES_2019 = 102e6  # CASS 2019 report
SURPLUS_2019_FEN = 106.29e11  # 106.29 bn yuan
SUBSIDY_2019_FEN = 1031.9e11  # 1,031.9 bn yuan (fiscal subsidy to the employee pension, 2019)
SURPLUS_2028_FEN = -118.13e11  # CASS: the first current deficit, 2028


def _run(to: int, values: dict[str, Any]) -> PensionProjection:
    return project_pension(SCENARIO, to, values=values)


def current_balance(p: PensionProjection, index: int) -> float:
    return float(p.revenue[0, index] + p.interest[0, index] - p.expenditure[0, index])


def calibrate() -> dict[str, Any]:
    """The solved values, rounded as they are written in the YAML."""
    values: dict[str, Any] = {}
    retirees = 98e6
    for _ in range(4):
        values["opening_retirees"] = retirees
        retirees *= RETIREES_2019 / float(_run(2021, values).retirees[0, 0])
    values["opening_retirees"] = int(round(retirees, -5))
    # Expenditure is linear in the opening pension: two runs give the line.
    probe = 300_000
    runs = [_run(2021, values | {"opening_average_pension": a}) for a in (probe, probe + 10_000)]
    first = runs[0]
    slope = (runs[1].expenditure[0, 0] - first.expenditure[0, 0]) / 10_000
    # EXP(1 − σ) = C + I − surplus with σ·EXP = subsidy  ⇒  EXP = C + I − surplus + subsidy
    target = first.contributions[0, 0] + first.interest[0, 0] - SURPLUS_2019_FEN + SUBSIDY_2019_FEN
    values["opening_average_pension"] = round(probe + (target - first.expenditure[0, 0]) / slope)
    values["fiscal_subsidy_share"] = round(float(SUBSIDY_2019_FEN / target), 4)
    lo, hi = 0.3, 1.2  # a higher share raises spending, so the 2028 balance falls
    for _ in range(30):
        mid = (lo + hi) / 2
        p = _run(2028, values | {"indexation_wage_share": mid})
        lo, hi = (mid, hi) if current_balance(p, 2028 - 2019) > SURPLUS_2028_FEN else (lo, mid)
    values["indexation_wage_share"] = round((lo + hi) / 2, 2)
    return values
