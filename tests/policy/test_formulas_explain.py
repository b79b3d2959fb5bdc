"""Explanations: every step readable, JSON-serializable, and ending at the formula's number."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from shebao.errors import InputError
from shebao.policy.formulas import (
    assistance,
    central_adjustment,
    contributions,
    injury,
    medical,
    pension,
    periods,
    retirement,
    third_pillar,
    transfer,
    unemployment,
)
from shebao.policy.formulas.periods import format_month, parse_month
from tests.policy.national_rules import ruled

REFORM = {
    "first_affected_birth_month_men": parse_month("1965-01"),
    "first_affected_birth_month_women_55": parse_month("1970-01"),
    "first_affected_birth_month_women_50": parse_month("1975-01"),
}
DIVISORS = {
    age: months
    for age, months in zip(
        range(40, 71),
        [
            233,
            230,
            226,
            223,
            220,
            216,
            212,
            208,
            204,
            199,
            195,
            190,
            185,
            180,
            175,
            170,
            164,
            158,
            152,
            145,
            139,
            132,
            125,
            117,
            109,
            101,
            93,
            84,
            75,
            65,
            56,
        ],
        strict=True,
    )
}


def _check_steps(steps: list[dict[str, Any]]) -> None:
    assert steps
    for s in steps:
        assert set(s) == {"step", "formula", "inputs", "parameters", "result"}
        assert isinstance(s["step"], str) and s["step"]
        assert isinstance(s["parameters"], list)
    json.dumps(steps, ensure_ascii=False)


def test_explain_retirement_ends_at_the_month() -> None:
    steps = retirement.explain_retirement(
        parse_month("1971-04"),
        55,
        minimum_contribution_months_by_year={2025: 180, 2030: 186},
        **REFORM,
    )
    _check_steps(steps)
    assert steps[3]["result"] == "2026-08"
    assert steps[4]["result"] == 180


def test_explain_pension_award_matches_the_award() -> None:
    steps = ruled(pension.explain_pension_award)(
        1_000_000, 1.2, 420, 12_000_000, 721, 60, account_divisor_table=DIVISORS
    )
    _check_steps(steps)
    assert steps[-1]["result"] == 543_705
    assert steps[1]["result"] == 138.4


def test_other_explanations() -> None:
    _check_steps(
        ruled(contributions.explain_employee_contributions)(
            300_000, 800_000, pension_employer_rate=0.16, pension_employee_rate=0.08
        )
    )
    _check_steps(ruled(unemployment.explain_unemployment)(70, 4, 230_000, 100_000))
    _check_steps(ruled(injury.explain_disability)(4, 300_000, 800_000, minimum_wage=250_000))
    claim = ruled(medical.explain_claim)(
        3_000_000,
        1_000_000,
        200_000,
        3,
        100_000,
        0,
        True,
        True,
        1_500_000,
        0,
        reimbursement_rates_by_level=[0.85, 0.75, 0.55],
        annual_fund_cap=20_000_000,
    )
    _check_steps(claim)
    assert claim[-1]["result"] == 1_908_500
    death = ruled(injury.explain_death_benefits)(
        500_000, 800_000, 5_000_000, [1, 2, 2, 2], [False, True, False, False]
    )
    _check_steps(death)
    assert death[-1]["result"] == {"total": 500_000, "capped": True}
    _check_steps(ruled(assistance.explain_dibao)(100_000, 3, 80_000))
    _check_steps(ruled(transfer.explain_transfer)([300_000, 400_000], [12, 12], [1997, 1998], 5))
    ca = ruled(central_adjustment.explain_central_adjustment)(
        [10_000_000, 8_000_000], [1000, 2000], [500, 700], remittance_rate=0.04
    )
    _check_steps(ca)
    assert sum(ca[-1]["result"]) == 0
    _check_steps(ruled(third_pillar.explain_personal_pension)(1_500_000, 0.2))


def test_months_round_trip() -> None:
    assert format_month(parse_month("2025-07")) == "2025-07"
    assert int(periods.month_number(2025, 7)) == parse_month("2025-07")
    assert int(periods.month_of_year(parse_month("2025-12"))) == 12
    for bad in ("2025-13", "2025-7", "July", ""):
        with pytest.raises(InputError):
            parse_month(bad)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (
            lambda: retirement.statutory_retirement_month(parse_month("1970-01"), 57, **REFORM),
            "original_age_years",
        ),
        (lambda: retirement.original_retirement_age_years(3), "sex"),
        (lambda: ruled(contributions.contribution_base)(-1, 800_000), "wage"),
        (lambda: ruled(contributions.contribution_base)(1.5, 800_000), "amount"),
        (
            lambda: contributions.work_injury_rate(9, work_injury_class_rates=[0.01] * 8),
            "risk_class",
        ),
        (
            lambda: ruled(contributions.resident_pension_contribution)(
                12_300, resident_pension_tiers=[10_000]
            ),
            "tier",
        ),
        (
            lambda: contributions.relief_factors(0, "huge", 440100, relief_rules=[]),
            "enterprise_size",
        ),
        (lambda: pension.account_divisor(12 * 75, account_divisor_table=DIVISORS), "age_months"),
        (
            lambda: unemployment.unemployment_benefit_monthly(
                100_000, 120_000, unemployment_benefit_ratio=0.9
            ),
            "urban_dibao",
        ),
        (
            lambda: unemployment.unemployment_benefit_monthly(
                100_000, 50_000, unemployment_benefit_ratio=1.2
            ),
            "unemployment_benefit_ratio",
        ),
        (lambda: ruled(injury.disability_benefits)(11, 100_000), "grade"),
        (
            lambda: contributions.work_injury_rate(
                1,
                0.8,
                work_injury_class_rates=[0.01] * 8,
                experience_factor_bands={1: [1, 1.2, 1.5]},
            ),
            "experience_factor",
        ),
        (lambda: ruled(pension.basic_pension)(1000, float("nan"), 12), "average_index"),
        (lambda: ruled(contributions.late_fee)(float("inf"), 1), "amount"),
        (
            lambda: ruled(injury.death_benefits)(100, 100, 100, [1, 1], [False, False]),
            "dependant_types",
        ),
        (
            lambda: ruled(medical.settle_claim)(
                1, 0, 0, 4, 0, 0, reimbursement_rates_by_level=[0.9] * 3, annual_fund_cap=10
            ),
            "hospital_level",
        ),
        (lambda: ruled(assistance.dibao)(0, 0, 80_000), "household_size"),
        (lambda: ruled(transfer.pooled_fund_transfer)([1], [13], [2000]), "months"),
        (
            lambda: ruled(central_adjustment.central_adjustment)(
                [1], [1], [0], remittance_rate=0.04
            ),
            "retirees",
        ),
        (lambda: ruled(third_pillar.personal_pension_tax_saving)(100, 1.5), "marginal_tax_rate"),
    ],
)
def test_impossible_inputs_are_refused_by_field(call: Any, field: str) -> None:
    with pytest.raises(InputError) as info:
        call()
    assert info.value.field == field


def test_no_reform_scenario_is_max_delay_zero() -> None:
    births = np.arange(parse_month("1960-01"), parse_month("1995-01"))
    none = {
        **REFORM,
        "max_delay_months_men": 0,
        "max_delay_months_women_55": 0,
        "max_delay_months_women_50": 0,
    }
    for cat in (60, 55, 50):
        assert np.all(retirement.statutory_retirement_age_months(births, cat, **none) == cat * 12)


def test_women_category_from_sex_and_staff_flag() -> None:
    got = retirement.original_retirement_age_years([1, 2, 2], [False, True, False])
    assert got.tolist() == [60, 55, 50]
