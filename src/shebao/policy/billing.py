"""A month's contribution bill for many persons at once: which schemes, who pays, where it goes.

The calculator prices one person with it, a declaration prices an employer's staff with it, and
the batch engine prices a province: one piece of logic, vectorized over persons. Amounts are
integer fen, each line rounded half up (see formulas/contributions.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shebao.policy import bindings as b
from shebao.policy.formulas import contributions
from shebao.policy.parameters import PolicySnapshot


@dataclass(frozen=True)
class BillLine:
    """One line of every person's bill: the same scheme, payer and destination for all."""

    scheme: str
    payer: str  # employer | employee | person
    destination: str  # pooled_fund | individual_account
    rate: float | NDArray[np.float64]  # per person where it varies (work injury by class)
    relief_factor: NDArray[np.float64]
    amount_fen: NDArray[np.int64]


@dataclass(frozen=True)
class Bill:
    base_fen: NDArray[np.int64]
    average_wage_fen: int
    lines: tuple[BillLine, ...]
    used: b.Arguments

    def total(self, *payers: str) -> NDArray[np.int64]:
        """Per person, the sum of the lines paid by `payers` (all lines when none is named)."""
        total = np.zeros(self.base_fen.shape, dtype=np.int64)
        for line in self.lines:
            if not payers or line.payer in payers:
                total += line.amount_fen
        return total


def monthly_bill(
    snapshot: PolicySnapshot,
    month: int,
    region: str,
    wages: ArrayLike,
    *,
    flexible: bool = False,
    injury_class: ArrayLike = 1,
    enterprise_size: str = "small",
    public_body: bool = False,
    average_wage_fen: int | None = None,
    enacted_relief: Sequence[Mapping[str, Any]] = (),
) -> Bill:
    """Bill the month for persons of one region and one payer (an employer, or themselves).

    `snapshot` holds the rules in force in `month`; the base is each wage held between the floor
    and cap of the province's previous-year average monthly wage (or `average_wage_fen`).
    `enacted_relief` adds the relief rules of emergency measures enacted in the live system
    (relief.service.rules_in_force) to those of the parameters. `injury_class` may differ per
    person (an array like `wages`): a batch then bills an employer size's staff in one call.
    """
    used = b.base_arguments(snapshot, flexible)
    if average_wage_fen is None:
        average_wage_fen, source = b.previous_year_average_wage(snapshot, month // 12, region)
        used = used | b.Arguments({"average_wage": average_wage_fen}, {"average_wage": source})
    base = contributions.contribution_base(
        wages, average_wage_fen,
        base_floor_ratio=used.values["base_floor_ratio"],
        base_cap_ratio=used.values["base_cap_ratio"],
    )
    if flexible:
        rates = b.flexible_contribution_arguments(snapshot)
        lines = _flexible_lines(base, rates.values)
        used = used | rates
    else:
        rates = b.employee_contribution_arguments(snapshot, region)
        rules, relief_used = b.relief_rules(snapshot, month)
        relief = contributions.relief_factors(
            month, enterprise_size, region, public_body,
            relief_rules=[*rules, *enacted_relief],
        )
        lines = _employee_lines(base, injury_class, rates.values, relief)
        used = used | rates | relief_used
    return Bill(base_fen=base, average_wage_fen=int(average_wage_fen), lines=lines, used=used)


def _line(
    scheme: str, payer: str, destination: str, rate: ArrayLike, factor: ArrayLike, amount: Any
) -> BillLine:
    amount = np.asarray(amount, dtype=np.int64)
    return BillLine(
        scheme=scheme, payer=payer, destination=destination,
        rate=float(rate) if np.ndim(rate) == 0 else np.asarray(rate, dtype=np.float64),
        relief_factor=np.broadcast_to(np.asarray(factor, dtype=np.float64), amount.shape),
        amount_fen=amount,
    )


def _flexible_lines(base: NDArray[np.int64], rates: dict[str, Any]) -> tuple[BillLine, ...]:
    paid = contributions.flexible_pension_contributions(base, **rates)
    return (
        _line("employee_pension", "person", "pooled_fund", rates["flexible_pool_rate"], 1.0,
              paid["person_to_pool"]),
        _line("employee_pension", "person", "individual_account", rates["flexible_account_rate"],
              1.0, paid["person_to_account"]),
    )


def _employee_lines(
    base: NDArray[np.int64], injury_class: ArrayLike, rates: dict[str, Any],
    relief: dict[str, Any]
) -> tuple[BillLine, ...]:
    pension = contributions.employee_pension_contributions(
        base,
        pension_employer_rate=rates["pension_employer_rate"],
        pension_employee_rate=rates["pension_employee_rate"],
        employer_relief_factor=relief["pension"],
    )
    medical = contributions.employee_medical_contributions(
        base,
        medical_employer_rate=rates["medical_employer_rate"],
        medical_employee_rate=rates["medical_employee_rate"],
        employer_to_account_share=rates["employer_to_account_share"],
        employer_relief_factor=relief["medical"],
    )
    jobless = contributions.unemployment_contributions(
        base,
        unemployment_employer_rate=rates["unemployment_employer_rate"],
        unemployment_employee_rate=rates["unemployment_employee_rate"],
        employer_relief_factor=relief["unemployment"],
    )
    class_rates = rates["work_injury_class_rates"]
    injury_rate = contributions.work_injury_rate(injury_class,
                                                 work_injury_class_rates=class_rates)
    injured = contributions.work_injury_contribution(
        base, injury_class, work_injury_class_rates=class_rates,
        employer_relief_factor=relief["work_injury"],
    )
    medical_rate = rates["medical_employer_rate"]
    account_share = rates["employer_to_account_share"]
    lines = [
        _line("employee_pension", "employer", "pooled_fund", rates["pension_employer_rate"],
              relief["pension"], pension["employer_to_pool"]),
        _line("employee_pension", "employee", "individual_account",
              rates["pension_employee_rate"], 1.0, pension["employee_to_account"]),
        _line("employee_medical", "employer", "pooled_fund", medical_rate * (1 - account_share),
              relief["medical"], medical["employer_to_pool"]),
        _line("employee_medical", "employee", "individual_account",
              rates["medical_employee_rate"], 1.0, medical["employee_to_account"]),
        _line("unemployment", "employer", "pooled_fund", rates["unemployment_employer_rate"],
              relief["unemployment"], jobless["employer_to_pool"]),
        _line("unemployment", "employee", "pooled_fund", rates["unemployment_employee_rate"],
              1.0, jobless["employee_to_pool"]),
        _line("work_injury", "employer", "pooled_fund", injury_rate, relief["work_injury"],
              injured["employer_to_pool"]),
    ]
    if account_share:
        # Before the 2021 medical account reform part of the employer share went to the account.
        lines.insert(3, _line("employee_medical", "employer", "individual_account",
                              medical_rate * account_share, relief["medical"],
                              medical["employer_to_account"]))
    return tuple(lines)
