"""Batch paths equal the person-by-person rules.

Large inputs take shortcuts (lookup tables for the retirement age and the divisor, one-pass
checks, in-place rounding); small inputs, which the other property tests use, do not. Here
large arrays are priced in one call and compared with one call per person.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shebao.errors import InputError
from shebao.policy.formulas import contributions, pension, retirement
from shebao.policy.formulas.periods import parse_month
from shebao.policy.formulas.rounding import round_half_up_fen
from tests.policy.national_rules import ruled

REFORM = {
    "first_affected_birth_month_men": parse_month("1965-01"),
    "first_affected_birth_month_women_55": parse_month("1970-01"),
    "first_affected_birth_month_women_50": parse_month("1975-01"),
}
_WHOLE_AGE_DIVISORS = (233, 230, 226, 223, 220, 216, 212, 208, 204, 199, 195, 190, 185, 180, 175,
                       170, 164, 158, 152, 145, 139, 132, 125, 117, 109, 101, 93, 84, 75, 65, 56)
DIVISORS = dict(zip(range(40, 71), _WHOLE_AGE_DIVISORS, strict=True))
CLASS_RATES = [0.002, 0.004, 0.007, 0.009, 0.011, 0.013, 0.016, 0.019]

BIG = 2_048  # above every batch threshold
SAMPLE = 64  # persons re-priced one by one per example


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_retirement_batch_equals_one_by_one(seed: int) -> None:
    rng = _rng(seed)
    birth = rng.integers(1940 * 12, 2010 * 12, BIG)
    cat = rng.choice([60, 55, 50], BIG)
    month = retirement.statutory_retirement_month(birth, cat, **REFORM)
    age = retirement.statutory_retirement_age_months(birth, cat, **REFORM)
    delay = retirement.retirement_delay_months(birth, cat, **REFORM)
    np.testing.assert_array_equal(month - birth, age)
    for i in rng.choice(BIG, SAMPLE, replace=False):
        assert month[i] == retirement.statutory_retirement_month(birth[i], cat[i], **REFORM)
        assert delay[i] == retirement.retirement_delay_months(birth[i], cat[i], **REFORM)


def test_retirement_batch_refuses_a_bad_category() -> None:
    birth = np.full(BIG, 1970 * 12)
    cat = np.full(BIG, 60)
    cat[-1] = 57
    with pytest.raises(InputError) as err:
        retirement.statutory_retirement_month(birth, cat, **REFORM)
    assert err.value.field == "original_age_years"


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_award_batch_equals_one_by_one(seed: int) -> None:
    rng = _rng(seed)
    n = BIG
    args: dict[str, Any] = {
        "average_wage": rng.integers(400_000, 1_500_000, n),
        "average_index": rng.uniform(0.3, 3.0, n),
        "contribution_months": rng.integers(0, 540, n),
        "account_balance": rng.integers(0, 10**8, n),
        "retirement_age_months": rng.integers(480, 841, n),
        "deemed_months": rng.integers(0, 200, n),
    }
    k = rng.choice([0.012, 0.013, 0.0138], n)
    award = ruled(pension.pension_award)(
        **args, account_divisor_table=DIVISORS, transitional_coefficient=k
    )
    for i in rng.choice(n, SAMPLE, replace=False):
        one = ruled(pension.pension_award)(
            **{key: v[i] for key, v in args.items()},
            account_divisor_table=DIVISORS,
            transitional_coefficient=float(k[i]),
        )
        for key, value in one.items():
            assert award[key][i] == value, key


def test_divisor_batch_refuses_ages_outside_the_table() -> None:
    ages = np.full(BIG, 720)
    ages[5] = 479
    with pytest.raises(InputError) as err:
        pension.account_divisor(ages, account_divisor_table=DIVISORS)
    assert err.value.field == "age_months"


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_contributions_batch_equal_one_by_one(seed: int) -> None:
    rng = _rng(seed)
    averages = rng.integers(400_000, 1_800_000, 31)
    region = rng.integers(0, 31, BIG)
    wage = rng.integers(0, 8_000_000, BIG)
    base = ruled(contributions.contribution_base)(wage, averages[region])
    np.testing.assert_array_equal(
        ruled(contributions.contribution_base_by_region)(wage, region, averages), base
    )
    risk = rng.integers(1, 9, BIG)
    rates = rng.choice([0.06, 0.065, 0.075], BIG)
    medical = ruled(contributions.employee_medical_contributions)(
        base, medical_employer_rate=rates, medical_employee_rate=0.02
    )
    injury = contributions.work_injury_contribution(
        base, risk, work_injury_class_rates=CLASS_RATES
    )
    line = contributions.contribution_line(base, 0.16)
    for i in rng.choice(BIG, SAMPLE, replace=False):
        assert base[i] == ruled(contributions.contribution_base)(wage[i], averages[region[i]])
        assert line[i] == contributions.contribution_line(base[i], 0.16)
        one = ruled(contributions.employee_medical_contributions)(
            base[i], medical_employer_rate=float(rates[i]), medical_employee_rate=0.02
        )
        for key, value in one.items():
            assert medical[key][i] == value, key
        one_injury = contributions.work_injury_contribution(
            base[i], risk[i], work_injury_class_rates=CLASS_RATES
        )
        assert injury["employer_to_pool"][i] == one_injury["employer_to_pool"]


def test_contribution_base_by_region_refuses_bad_input() -> None:
    averages = np.full(31, 800_000)
    by_region = ruled(contributions.contribution_base_by_region)
    with pytest.raises(InputError) as err:
        by_region(np.array([100, -1]), np.array([0, 0]), averages)
    assert err.value.field == "wage"
    with pytest.raises(InputError) as err:
        by_region(np.array([100, 1]), np.array([0, 31]), averages)
    assert err.value.field == "region_index"


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_rounding_batch_equals_one_by_one(seed: int) -> None:
    rng = _rng(seed)
    halves = rng.integers(0, 10**7, BIG) + 0.5
    x = np.concatenate([halves, -halves, rng.uniform(-1e6, 1e6, BIG), np.nextafter(halves, 0)])
    kept = x.copy()
    out = round_half_up_fen(x)
    np.testing.assert_array_equal(x, kept)  # the input is never written to
    positive = round_half_up_fen(np.abs(x))
    for i in rng.choice(len(x), SAMPLE, replace=False):
        assert out[i] == round_half_up_fen(float(x[i]))
        assert positive[i] == round_half_up_fen(abs(float(x[i])))


def test_rounding_batch_refuses_non_finite() -> None:
    for bad in (np.nan, np.inf, -np.inf):
        x = np.ones(BIG)
        x[7] = bad
        with pytest.raises(InputError):
            round_half_up_fen(x)
