"""Synthetic applicant households with ground truth, for measuring identification quality.

Each household has what is true (income by source, deposits, vehicles, dwellings), what it
declares (honest, mistaken or concealing) and what records can see (wages employers declare,
benefits shebao pays, registers' files where they cover the household). The arrays are plain
numpy columns keyed by name, one row a household, so a national synthetic population
generator can produce the same columns (or call `generate` for its assistance applicants) and
`evaluate` keeps working unchanged.

The behaviour rates below are modelling assumptions of this generator, not rules: they are
arguments with documented defaults, never policy values, and docs/assistance.md states them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from shebao.policy.formulas import assistance as formulas


@dataclass(frozen=True)
class Behaviour:
    """How households declare and how far records reach (shares of households)."""

    conceal: float = 0.5  # of households that would not qualify, the share that conceals
    hide_wages: float = 0.6  # a concealer omits wages of a job on record
    hide_benefits: float = 0.5  # ... omits a pension or unemployment benefit
    hide_vehicle: float = 0.7
    hide_deposits: float = 0.6  # ... declares a third of its deposits
    hide_informal: float = 0.5  # ... declares half its informal income
    stale_job: float = 0.06  # declares wages of a job that has ended (records show it ended)
    stale_vehicle: float = 0.03  # declares a vehicle sold or scrapped (the register shows none)
    wages_on_record: float = 0.85  # a formal job whose employer declares it to shebao
    vehicle_file: float = 0.95  # the vehicle register's file covers the household
    property_file: float = 0.90
    deposit_file: float = 0.80


@dataclass(frozen=True)
class Households:
    """Columns of one row a household: truth, declaration, records."""

    columns: dict[str, NDArray[Any]] = field(default_factory=dict)

    def __getitem__(self, name: str) -> NDArray[Any]:
        return self.columns[name]

    def __len__(self) -> int:
        return len(self.columns["size"])


def generate(
    n: int, seed: int, *, urban_standard: int, rural_standard: int, rules: dict[str, Any],
    behaviour: Behaviour | None = None,
) -> Households:
    """`n` applicant households (deterministic for a seed); monthly money in fen. `rules` are
    the means-test rules that decide each household's true eligibility (see `means_test`)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    bh = behaviour or Behaviour()
    rng = np.random.default_rng(seed)
    size = rng.choice(np.arange(1, 7), size=n, p=[0.18, 0.24, 0.24, 0.2, 0.1, 0.04])
    rural = rng.random(n) < 0.6
    standard = np.where(rural, rural_standard, urban_standard).astype(np.int64)
    # Applicants cluster around the line: per-capita income log-normal about the standard.
    per_capita = standard * rng.lognormal(0.0, 0.55, n)
    total = (per_capita * size).astype(np.int64)
    has_job = rng.random(n) < 0.45
    has_benefit = rng.random(n) < 0.15
    wage_share = np.where(has_job, rng.uniform(0.4, 0.9, n), 0.0)
    benefit_share = np.where(has_benefit, rng.uniform(0.1, 0.4, n), 0.0) * (1 - wage_share)
    wages = (total * wage_share).astype(np.int64)
    benefits = (total * benefit_share).astype(np.int64)
    informal = total - wages - benefits
    deposits = (standard * size * rng.lognormal(2.2, 1.3, n)).astype(np.int64)
    vehicles = (rng.random(n) < 0.12).astype(np.int64)
    properties = 1 + (rng.random(n) < 0.06).astype(np.int64)

    def bernoulli(p: float, where: NDArray[np.bool_] | None = None) -> NDArray[np.bool_]:
        hit = rng.random(n) < p
        return hit if where is None else hit & where

    on_record = bernoulli(bh.wages_on_record, has_job)
    stale = bernoulli(bh.stale_job, ~has_job)
    stale_wage = (standard * rng.uniform(1.5, 3.5, n)).astype(np.int64)
    stale_car = bernoulli(bh.stale_vehicle, vehicles == 0)
    truth = means_test(total, deposits, vehicles, properties, size, standard, rules)
    concealer = bernoulli(bh.conceal, ~truth)
    declared_wages = np.where(bernoulli(bh.hide_wages, concealer), 0, wages)
    declared_wages = np.where(stale, stale_wage, declared_wages)
    declared_benefits = np.where(bernoulli(bh.hide_benefits, concealer), 0, benefits)
    declared_informal = np.where(bernoulli(bh.hide_informal, concealer), informal // 2, informal)
    declared_vehicles = np.where(bernoulli(bh.hide_vehicle, concealer), 0, vehicles)
    declared_vehicles = np.where(stale_car, 1, declared_vehicles)
    declared_deposits = np.where(bernoulli(bh.hide_deposits, concealer), deposits // 3, deposits)
    return Households({
        "size": size, "rural": rural, "standard": standard,
        "true_income": total, "true_deposits": deposits, "true_vehicles": vehicles,
        "true_properties": properties, "eligible": truth, "concealer": concealer,
        "declared_wages": declared_wages, "declared_other": declared_benefits
        + declared_informal, "declared_informal": declared_informal,
        "declared_deposits": declared_deposits, "declared_vehicles": declared_vehicles,
        "declared_properties": properties.copy(),
        # What records see: wages of jobs employers declare (and that a stale job has ended),
        # benefits shebao pays, registers' holdings where their files cover the household.
        "wages_on_record": on_record | stale, "recorded_wages": np.where(on_record, wages, 0),
        "recorded_benefits": benefits,
        "vehicles_on_record": bernoulli(bh.vehicle_file), "recorded_vehicles": vehicles,
        "properties_on_record": bernoulli(bh.property_file), "recorded_properties": properties,
        "deposits_on_record": bernoulli(bh.deposit_file), "recorded_deposits": deposits,
    })


def means_test(
    income: NDArray[Any], deposits: NDArray[Any], vehicles: NDArray[Any],
    properties: NDArray[Any], size: NDArray[Any], standard: NDArray[Any], rules: dict[str, Any],
) -> NDArray[np.bool_]:
    """Dibao eligibility of each household on one view of its means (the rules as bound from
    policy: deposit_months_of_standard, max_vehicles, max_properties, near_dibao_multiple)."""
    disq = formulas.asset_disqualified(
        deposits, vehicles, properties, size, standard,
        deposit_months_of_standard=rules["deposit_months_of_standard"],
        max_vehicles=rules["max_vehicles"], max_properties=rules["max_properties"])
    return np.asarray(formulas.dibao(income, size, standard, disq,
                                     near_dibao_multiple=rules["near_dibao_multiple"])["eligible"])
