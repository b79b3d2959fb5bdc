"""The national rules in force, as formula keyword arguments, for tests that call formulas.

Formulas have no default for any rule (a rule lives only in the parameter files), so a test of
a formula's arithmetic passes the rules explicitly: these are read from the real parameter
files on one date, not copied, so the tests price with what shebao prices with.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import date
from typing import Any

from shebao.policy.parameters import Policy, to_plain

SNAPSHOT = Policy.at(date(2025, 7, 1))


def _value(name: str) -> Any:
    return to_plain(SNAPSHOT.value(name))


_bands = {int(years): months for years, months in
          _value("unemployment.benefit.max_months_by_years").items()}

RULES: dict[str, Any] = {
    "base_floor_ratio": _value("employee_pension.base.floor_ratio"),
    "base_cap_ratio": _value("employee_pension.base.cap_ratio"),
    "flexible_pool_rate": _value("employee_pension.flexible.pooling_share"),
    "flexible_account_rate": _value("employee_pension.flexible.account_share"),
    "employer_to_account_share": _value("employee_medical.account.employer_share"),
    "late_fee_daily_rate": _value("collection.late_fee_rate"),
    "resident_subsidy_low": _value("resident_pension.subsidy.min_lowest_tier"),
    "resident_subsidy_high": _value("resident_pension.subsidy.min_high_tier"),
    "resident_subsidy_high_from_tier": _value("resident_pension.subsidy.high_tier_from"),
    "basic_accrual_rate": _value("employee_pension.basic.accrual_rate"),
    "transitional_coefficient": _value("employee_pension.transitional.coefficient"),
    "indexation_percentage": _value("employee_pension.indexation.rate"),
    "resident_account_divisor": _value("resident_pension.account_divisor"),
    "max_early_months": _value("retirement.flexible.early_max_months"),
    "max_late_months": _value("retirement.flexible.late_max_months"),
    "own_wage_floor_ratio": _value("work_injury.own_wage.floor_ratio"),
    "own_wage_cap_ratio": _value("work_injury.own_wage.cap_ratio"),
    "allowance_minimum_wage_grades": _value("work_injury.disability.fund_allowance_max_grade"),
    "funeral_grant_months": _value("work_injury.death.funeral_grant_months"),
    "survivor_spouse_ratio": _value("work_injury.death.survivor_ratio")["spouse"],
    "survivor_other_ratio": _value("work_injury.death.survivor_ratio")["other"],
    "survivor_lone_extra_ratio": _value("work_injury.death.survivor_ratio")["lone_addition"],
    "death_grant_multiple": _value("work_injury.death.one_off_grant_multiple"),
    "class_b_self_pay_ratio": _value("employee_medical.catalogue_self_pay_ratio")["B"],
    "ci_rate": _value("resident_medical.critical_illness.min_reimbursement"),
    "ci_dibao_extra_rate": _value("resident_medical.critical_illness.low_income_bonus"),
    "duration_band_min_years": sorted(_bands),
    "duration_band_months": [_bands[k] for k in sorted(_bands)],
    "max_total_months": _value("unemployment.benefit.max_total_months"),
    "min_contribution_months": 12 * _value("unemployment.benefit.min_contribution_years"),
    "unemployment_benefit_ratio": _value("unemployment.benefit.ratio_to_minimum_wage"),
    "near_dibao_multiple": _value("assistance.near_dibao_multiple"),
    "extreme_poverty_multiple": _value("assistance.extreme_poverty_multiple"),
    "deposit_months_of_standard": _value("assistance.assets.deposit_months_of_standard"),
    "max_vehicles": _value("assistance.assets.max_vehicles"),
    "max_properties": _value("assistance.assets.max_properties"),
    "temporary_max_months_of_standard":
        _value("assistance.programmes.temporary_max_months_of_standard"),
    "remittance_wage_ratio": _value("central_adjustment.wage_factor"),
    "pool_transfer_rate": _value("transfer.pool_transfer_rate"),
    "pool_transfer_first_year": _value("transfer.pool_transfer_first_year"),
    "benefit_place_min_years": _value("transfer.benefit_place_min_years"),
    "personal_pension_annual_cap": _value("third_pillar.personal_pension.annual_cap"),
    "personal_pension_withdrawal_tax_rate": _value(
        "third_pillar.personal_pension.withdrawal_tax_rate"
    ),
    "annuity_employer_max_ratio": _value("third_pillar.annuity.employer_max_rate"),
    "annuity_total_max_ratio": _value("third_pillar.annuity.total_max_rate"),
    "annuity_credit_max_multiple": _value("third_pillar.annuity.individual_credit_max_multiple"),
}


def rules_for(formula: Callable[..., Any], **given: Any) -> dict[str, Any]:
    """The rules `formula` takes that the caller did not give, with what the caller gave."""
    wanted = {
        name for name, p in inspect.signature(formula).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is inspect.Parameter.empty
    }
    return {**{k: RULES[k] for k in wanted & RULES.keys() - given.keys()}, **given}


def ruled(formula: Callable[..., Any]) -> Callable[..., Any]:
    """`formula` with the national rules filled in for the keywords the caller leaves out."""

    def call(*args: Any, **given: Any) -> Any:
        return formula(*args, **rules_for(formula, **given))

    return call
