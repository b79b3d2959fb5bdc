"""Urban employee basic pension fund projection: insured, contributors, retirees, cash flows.

Annual steps over calendar years, by retirement category (men 60, women 55, women 50 under the
old law) and single age, on the cohort-component population (`population.py`, mid-year). Who
retires when comes from the statutory retirement formula (`retirement.statutory_retirement_
age_months`) with the scenario's reform schedule, birth cohort by birth cohort; each year's new
awards come from `pension.pension_award` (basic + account + transitional) with the rules in force
— the formulas the live system prices single citizens with.

Every array carries a leading draw axis D (1 when deterministic), so the stochastic mode is the
same loop over (D, 3, ages) arrays. Money is float64 fen inside the loop and whole fen (Python
ints) at the output; awards are the formula's integer fen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from shebao.errors import InputError
from shebao.policy import Policy
from shebao.policy.bindings import (
    pension_award_arguments,
    retirement_arguments,
    retirement_schedule_date,
)
from shebao.policy.formulas.pension import pension_award
from shebao.policy.formulas.retirement import (
    MEN,
    WOMEN_STAFF,
    WOMEN_WORKERS,
    statutory_retirement_age_months,
)
from shebao.policy.parameters import PolicySnapshot

from .population import AGES, FEMALE, LAST_YEAR, MALE, project_population
from .scenarios import Scenario, load_scenario

POPULATION_BASE = 2015  # WPP's mid-2015 population: the fund model starts before 2020
CATEGORIES = np.array([MEN, WOMEN_STAFF, WOMEN_WORKERS], dtype=np.int64)
CATEGORY_SEX = np.array([MALE, FEMALE, FEMALE])
AGE = np.arange(AGES)


@dataclass
class PensionProjection:
    """Indicators by year; money in float fen with a leading draw axis (D, T)."""

    scenario: str
    years: NDArray[np.int64]
    contributions: NDArray[np.float64]
    subsidy: NDArray[np.float64]
    interest: NDArray[np.float64]
    expenditure: NDArray[np.float64]
    balance: NDArray[np.float64]  # end of year
    insured: NDArray[np.float64]
    contributors: NDArray[np.float64]
    retirees: NDArray[np.float64]
    new_retirees: NDArray[np.float64]
    average_new_award: NDArray[np.float64]  # fen per month
    wage_bill: NDArray[np.float64]  # covered wage bill (contribution bases of payers)

    ARRAYS: ClassVar[tuple[str, ...]] = (
        "contributions",
        "subsidy",
        "interest",
        "expenditure",
        "balance",
        "insured",
        "contributors",
        "retirees",
        "new_retirees",
        "average_new_award",
        "wage_bill",
    )

    @property
    def revenue(self) -> NDArray[np.float64]:
        """Contributions plus fiscal subsidy (interest is shown apart)."""
        return self.contributions + self.subsidy

    def depletion_year(self, draw: int = 0) -> int | None:
        below = np.nonzero(self.balance[draw] < 0)[0]
        return int(self.years[below[0]]) if below.size else None

    def depletion_years(self) -> NDArray[np.float64]:
        """First year with a negative balance per draw (NaN when never)."""
        neg = self.balance < 0
        first = np.where(neg.any(axis=1), neg.argmax(axis=1), -1)
        return np.where(first >= 0, self.years[np.maximum(first, 0)], np.nan)

    def summary(self, draw: int = 0) -> dict[str, Any]:
        """The interface's lists: whole fen and whole persons."""

        def whole(a: NDArray[np.float64]) -> list[int]:
            return [int(v) for v in np.rint(a[draw])]

        contributors = self.contributors[draw]
        return {
            "scenario": self.scenario,
            "years": [int(y) for y in self.years],
            "revenue_fen": whole(self.revenue),
            "contributions_fen": whole(self.contributions),
            "subsidy_fen": whole(self.subsidy),
            "interest_fen": whole(self.interest),
            "expenditure_fen": whole(self.expenditure),
            "balance_fen": whole(self.balance),
            "contributors": whole(self.contributors),
            "insured_workers": whole(self.insured),
            "retirees": whole(self.retirees),
            "new_retirees": whole(self.new_retirees),
            "average_new_award_fen": whole(self.average_new_award),
            "system_dependency_ratio": [
                round(float(r / c), 4)
                for r, c in zip(self.retirees[draw], contributors, strict=True)
            ],
            "payg_cost_rate": [
                round(float(e / w), 4)
                for e, w in zip(self.expenditure[draw], self.wage_bill[draw], strict=True)
            ],
            "depletion_year": self.depletion_year(draw),
        }


@dataclass(frozen=True)
class Paths:
    """Assumption paths by year (T,), broadcast against draws where shocked."""

    years: NDArray[np.int64]
    wage: NDArray[np.float64]  # (D, T) average annual wage, fen
    fund_return: NDArray[np.float64]  # (D, T)
    indexation: NDArray[np.float64]  # (D, T)
    coverage: NDArray[np.float64]  # (D, T) multiplier of the insured rate
    compliance: NDArray[np.float64]  # (D, T) multiplier of collection
    indexation_published_until: int  # later years follow wage growth


@lru_cache(maxsize=1024)
def _rules(policy_scenario: str, year: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Retirement schedule and award arguments in force in mid-`year`.

    Before the reform's first date its schedule is read as it first stood
    (`retirement_schedule_date`): it delays nobody born before its first affected month, so
    it gives the old ages to everyone retiring earlier.
    """
    snap: PolicySnapshot = Policy.at(dt.date(year, 7, 1), scenario=policy_scenario)
    reform = Policy.at(
        retirement_schedule_date(snap, dt.date(year, 7, 1)), scenario=policy_scenario
    )
    return retirement_arguments(reform).values, pension_award_arguments(snap, None).values


_RATES = {
    "employer": "employee_pension.employer_rate",
    "employee": "employee_pension.employee_rate",
    "account_share": "employee_pension.individual_account_share",
    "crediting": "employee_pension.account.crediting_rate",
    "indexation": "employee_pension.indexation.rate",
}


@lru_cache(maxsize=1024)
def _rates(policy_scenario: str, year: int) -> dict[str, float]:
    """Contribution, account and indexation rates in force in mid-`year`."""
    snap = Policy.at(dt.date(year, 7, 1), scenario=policy_scenario)
    return {k: _first_or_current(snap, n) for k, n in _RATES.items()}


def _first_or_current(snap: PolicySnapshot, name: str) -> float:
    """The value in force, or its first value when asked before it (account history only)."""
    first = snap.parameters.node(name).values[0]
    if snap.date < first.effective_from:
        return float(first.value)
    return float(snap.value(name))


def first_account_year() -> int:
    """The year individual accounts start: the first value of the account share (1998)."""
    node = Policy.at(dt.date(2025, 1, 1)).parameters.node(_RATES["account_share"])
    return node.values[0].effective_from.year


def _published_until(policy_scenario: str, name: str) -> int:
    """Last year a dated policy series has its own value (later years are projected)."""
    snap = Policy.at(dt.date(2025, 1, 1), scenario=policy_scenario)
    return snap.parameters.node(name).values[-1].effective_from.year


def _lfpr(scenario: Scenario) -> NDArray[np.float64]:
    """Participation by category and single age (five-year groups as steps, 0 outside)."""
    table = scenario.value("labour_force_participation")
    out = np.zeros((3, AGES))
    for c, sex in enumerate(("male", "female", "female")):
        for lo, v in table[sex].items():
            out[c, int(lo) : int(lo) + 5] = float(v)
    return out


def _category_shares(scenario: Scenario) -> NDArray[np.float64]:
    cadre = float(scenario.value("women_cadre_share"))
    return np.array([1.0, cadre, 1.0 - cadre])


def retirement_ages(policy_scenario: str, year: int) -> NDArray[np.int64]:
    """Statutory retirement age in months (3, AGES) of each category and age in `year`.

    The cohort aged x (completed years) at mid-`year` was born between July of `year` − x − 1
    and June of `year` − x; it is priced as born in January of `year` − x, its middle, so that
    it is aged x … x + 1 during the calendar year.
    """
    reform, _ = _rules(policy_scenario, year)
    birth = (year - AGE) * 12
    return statutory_retirement_age_months(birth[None, :], CATEGORIES[:, None], **reform)


def _active(ret_months: NDArray[np.int64], age_offset: float = 0.0) -> NDArray[np.float64]:
    """Share of the year of age x spent before the statutory age (1 young, 0 retired)."""
    return np.clip(ret_months / 12.0 - (AGE + age_offset), 0.0, 1.0)


def _paths(scenario: Scenario, years: NDArray[np.int64], draws: int) -> Paths:
    """Deterministic assumption paths, shaped (draws, T)."""
    wage0 = scenario.value("average_wage")
    last_known = max(int(k) for k in wage0)
    growth = scenario.path("wage_growth", years)
    wage = float(wage0[last_known]) * np.cumprod(1 + np.where(years > last_known, growth, 0.0))
    policy = scenario.policy_scenario
    until = _published_until(policy, "employee_pension.indexation.rate")
    known = scenario.value("indexation_known_until")
    until = until if known is None else min(until, int(known))
    share = float(scenario.value("indexation_wage_share"))
    index = np.array(
        [_rates(policy, int(y))["indexation"] if y <= until else 0.0 for y in years]
    ) + np.where(years > until, share * growth, 0.0)
    ones = np.ones((draws, years.size))
    return Paths(
        years,
        wage * ones,
        scenario.path("fund_return", years) * ones,
        index * ones,
        ones.copy(),
        ones.copy(),
        until,
    )


def _opening_accounts(
    scenario: Scenario, start: int, ret_months: NDArray[np.int64]
) -> NDArray[np.float64]:
    """Account balance per insured person (3, AGES) at the end of `start` − 1, rebuilt from 1998.

    Contributions: account share × base (= base_to_wage × annual wage) × service density while
    aged entry_age … statutory age; credited yearly at the policy rate (the assumption before
    the national rate of 2016).
    """
    wage0 = scenario.value("average_wage")
    last_known = max(int(k) for k in wage0)
    g = float(scenario.value("historical_wage_growth"))
    kappa = float(scenario.value("base_to_wage"))
    density = float(scenario.value("service_density"))
    entry = float(scenario.value("entry_age"))
    early = float(scenario.value("crediting_rate_before_2016"))
    policy = scenario.policy_scenario
    first_rate = (
        Policy.at(dt.date(2025, 1, 1))
        .parameters.node("employee_pension.account.crediting_rate")
        .values[0]
        .effective_from.year
    )
    balance = np.zeros((3, AGES))
    for y in range(first_account_year(), start):
        wage = float(wage0[last_known]) / (1 + g) ** (last_known - y)
        rates = _rates(policy, y)
        credit = rates["crediting"] if y >= first_rate else early
        age_then = AGE - (start - 1 - y)  # the cohort aged x at the end of start − 1
        working = (age_then >= entry) & (age_then * 12 < ret_months)
        balance = balance * (1 + credit) + np.where(
            working, rates["account_share"] * kappa * wage * density, 0.0
        )
    return balance


def project_pension(
    scenario_name: str,
    to: int,
    *,
    population: NDArray[np.floating] | None = None,
    paths: Paths | None = None,
    values: dict[str, Any] | None = None,
) -> PensionProjection:
    """Run the fund from the scenario's start year to `to` (inclusive).

    `population` (D, T', 2, AGES) mid-year persons from mid-2015 and `paths` replace the
    deterministic ones in the stochastic mode; `values` replace assumptions' values (the
    calibration searches with it).
    """
    sc = load_scenario(scenario_name).with_values(values or {})
    start = int(sc.value("start_year"))
    if not start < to <= LAST_YEAR:
        raise InputError("to", f"year must be between {start + 1} and {LAST_YEAR}")
    if population is None:
        population = project_population(to, base_year=POPULATION_BASE).population[None]
    draws = population.shape[0]
    years = np.arange(start, to + 1)
    if paths is None:
        paths = _paths(sc, years, draws)
    t_count = years.size
    policy = sc.policy_scenario

    shares = _category_shares(sc)
    lfpr = _lfpr(sc)
    urban = sc.path("urbanization", years)
    coverage = sc.path("coverage", years) * paths.coverage
    unemployment = float(sc.value("unemployment"))
    segments = sc.value("segments")
    paying = sum(s["share"] * s["density"] for s in segments.values())
    collected = sum(s["share"] * s["density"] * s["compliance"] for s in segments.values()) / paying
    kappa = float(sc.value("base_to_wage"))
    density = float(sc.value("service_density"))
    entry = float(sc.value("entry_age"))
    index_avg = float(sc.value("average_index"))
    sigma = float(sc.value("fiscal_subsidy_share"))
    take_up = float(sc.value("retirement_take_up"))

    def persons(year: int) -> NDArray[np.float64]:
        """(D, 2, AGES) mid-year persons by sex in `year` (a view, no copy)."""
        return population[:, year - POPULATION_BASE]

    # Opening state at the end of start − 1: retirees by age, pension amounts, account balances.
    ret_prev = retirement_ages(policy, start - 1)
    p_prev = persons(start - 1)[:, CATEGORY_SEX, :] * shares[None, :, None]
    insured_rate_open = lfpr * urban[0] * (1 - unemployment)
    retirees = p_prev * (1 - _active(ret_prev)) * insured_rate_open.max(axis=1, keepdims=True)
    retirees *= float(sc.value("opening_retirees")) / retirees.sum(axis=(1, 2))[:, None, None]
    amounts = retirees * float(sc.value("opening_average_pension"))
    accounts = np.broadcast_to(_opening_accounts(sc, start, ret_prev), (draws, 3, AGES)).copy()
    fund = np.full(draws, float(sc.value("opening_fund")))

    out = {k: np.zeros((draws, t_count)) for k in PensionProjection.ARRAYS}
    first_year = first_account_year()
    survival = np.ones((draws, 2, AGES))
    for k, year in enumerate(years):
        year = int(year)
        _, award_args = _rules(policy, year)
        rates = _rates(policy, year)
        wage = paths.wage[:, k]  # (D,)
        prev_wage = paths.wage[:, k - 1] if k else wage / (1 + sc.path("wage_growth", years)[0])
        ret = retirement_ages(policy, year)
        pop_before, pop = persons(year - 1), persons(year)
        active = _active(ret)
        was_active = _active(ret, -1.0)  # the same cohort a year younger (same schedule)
        insured_rate = lfpr * urban[k] * (1 - unemployment)  # (3, AGES), times coverage (D,)
        by_sex = np.zeros((2, AGES))
        np.add.at(by_sex, CATEGORY_SEX, shares[:, None] * insured_rate * active)
        insured = np.einsum("dsa,sa->d", pop, by_sex) * coverage[:, k]

        # Ageing of the retiree stock and of account balances by one year of age; survival by
        # sex from the population itself (category shares cancel out).
        np.divide(
            pop[..., 1:],
            pop_before[..., :-1],
            out=survival[..., 1:],
            where=pop_before[..., :-1] > 0,
        )
        np.minimum(survival, 1.0, out=survival)
        for stock in (retirees, amounts, accounts):
            _age_in_place(stock)
        for stock in (retirees, amounts):
            stock[:, :1] *= survival[:, :1]
            stock[:, 1:] *= survival[:, 1:]
        amounts *= (1 + paths.indexation[:, k])[:, None, None]

        # New retirements: the insured who reach the statutory age during the year; awards by
        # the pension formula for just those cohorts (category, age).
        retiring = np.clip(was_active - active, 0.0, 1.0)
        ci, xi = np.nonzero(retiring)
        near = np.roll(insured_rate, 1, axis=-1)[ci, xi]  # insured rate at the last working age
        weight = shares[ci] * near * retiring[ci, xi] * take_up
        new = pop[:, CATEGORY_SEX[ci], xi] * weight[None] * coverage[:, k, None]
        served = np.clip(ret[ci, xi] / 12.0 - entry, 0, None) * 12 * density
        born = year - xi
        deemed = np.minimum(np.clip(first_year - (born + entry), 0, None) * 12 * density, served)
        award = pension_award(
            np.rint(prev_wage / 12)[:, None].astype(np.int64),
            index_avg,
            np.rint(served).astype(np.int64)[None],
            np.rint(accounts[:, ci, xi]).astype(np.int64),
            ret[ci, xi][None],
            np.rint(deemed).astype(np.int64)[None],
            **award_args,
        )["total"]
        retirees[:, ci, xi] += new
        amounts[:, ci, xi] += new * award
        # This year's account credits for those still working.
        credit = rates["account_share"] * kappa * density * np.where(entry <= AGE, active, 0.0)
        accounts *= 1 + rates["crediting"]
        accounts += wage[:, None, None] * credit[None]

        contributors = insured * paying
        wage_bill = contributors * kappa * wage
        contributions = wage_bill * (rates["employer"] + rates["employee"]) * collected
        contributions *= paths.compliance[:, k]
        expenditure = amounts.sum(axis=(1, 2)) * 12
        subsidy = sigma * expenditure
        interest = fund * paths.fund_return[:, k]
        fund = fund + interest + contributions + subsidy - expenditure

        new_total = new.sum(axis=1)
        for name, value in (
            ("contributions", contributions),
            ("subsidy", subsidy),
            ("interest", interest),
            ("expenditure", expenditure),
            ("balance", fund),
            ("insured", insured),
            ("contributors", contributors),
            ("retirees", retirees.sum(axis=(1, 2))),
            ("new_retirees", new_total),
            ("average_new_award", (new * award).sum(axis=1) / np.maximum(new_total, 1)),
            ("wage_bill", wage_bill),
        ):
            out[name][:, k] = value
    return PensionProjection(scenario_name, years, **out)


def _age_in_place(a: NDArray[np.float64]) -> None:
    """One year older: age x moves to x + 1, the open group keeps its own; age 0 empties."""
    a[..., -1] += a[..., -2]
    a[..., 1:-1] = a[..., :-2].copy()
    a[..., 0] = 0.0
