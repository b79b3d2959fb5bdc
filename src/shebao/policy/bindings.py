"""Bind the parameters in force to the formulas' keyword arguments.

Formulas take every parameter as an argument and never look anything up; this module is the one
place that says which parameter feeds which argument, so the desk, the API, the batch engine
and the projection all price with the same values. Each binding keeps the `ParameterValue`
behind every argument, so an explanation can show the value, its unit and its legal reference.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from shebao.policy.formulas.contributions import ENTERPRISE_SIZES
from shebao.policy.formulas.periods import parse_month
from shebao.policy.formulas.retirement import statutory_retirement_month
from shebao.policy.parameters import ParameterValue, PolicySnapshot, to_plain

# Birth-month parameters are written "YYYY-MM" in YAML and are month numbers in formulas.
_REFORM = {
    "first_affected_birth_month_men": "retirement.reform.first_birth_month.men",
    "first_affected_birth_month_women_55": "retirement.reform.first_birth_month.women_cadre",
    "first_affected_birth_month_women_50": "retirement.reform.first_birth_month.women_worker",
    "delay_step_birth_months_men": "retirement.reform.birth_months_per_step.men",
    "delay_step_birth_months_women_55": "retirement.reform.birth_months_per_step.women_cadre",
    "delay_step_birth_months_women_50": "retirement.reform.birth_months_per_step.women_worker",
    "max_delay_months_men": "retirement.reform.max_delay_months.men",
    "max_delay_months_women_55": "retirement.reform.max_delay_months.women_cadre",
    "max_delay_months_women_50": "retirement.reform.max_delay_months.women_worker",
}
# Years over which the minimum-contribution table is read: it changes only from 2030 to 2039,
# and the last value persists, so a table from 1998 to 2060 covers every retirement.
_MINIMUM_MONTHS_YEARS = range(1998, 2061)


@dataclass(frozen=True)
class Arguments:
    """Keyword arguments for a formula, and the parameter behind each one."""

    values: dict[str, Any]
    sources: dict[str, ParameterValue] = field(default_factory=dict)

    def __or__(self, other: Arguments) -> Arguments:
        return Arguments({**self.values, **other.values}, {**self.sources, **other.sources})

    def explain(self) -> list[dict[str, Any]]:
        """The parameters used, with value, unit, legal reference and who set them."""
        return [
            {
                "argument": argument,
                "parameter": source.name,
                "value": to_plain(source.value),
                "unit": source.unit,
                "reference": source.reference,
                "effective_from": source.effective_from.isoformat(),
                "source": source.source,
            }
            for argument, source in self.sources.items()
        ]


def bind(
    snapshot: PolicySnapshot,
    mapping: Mapping[str, str],
    region: str | None = None,
    convert: Mapping[str, Any] | None = None,
) -> Arguments:
    """Read each parameter of `mapping` (argument → parameter name) from the snapshot."""
    values: dict[str, Any] = {}
    sources: dict[str, ParameterValue] = {}
    for argument, name in mapping.items():
        found = snapshot.param(name, region)
        value = _thawed(found.value)
        if convert and argument in convert:
            value = convert[argument](value)
        values[argument] = value
        sources[argument] = found
    return Arguments(values, sources)


def _thawed(value: Any) -> Any:
    """A formula argument: read-only tables become dicts and lists, keys kept as they are."""
    if isinstance(value, Mapping):
        return {k: _thawed(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thawed(v) for v in value]
    return value


def _month(value: str) -> int:
    return parse_month(value, field="retirement.reform.first_birth_month")


def snapshot_at(
    snapshot: PolicySnapshot, on: dt.date, region: str | None = None
) -> PolicySnapshot:
    """The same rules (parameter set, scenario) on another date."""
    return snapshot.parameters.at(on, region or snapshot.region, snapshot.scenario)


def month_start(month: int) -> dt.date:
    year, index = divmod(int(month), 12)
    return dt.date(year, index + 1, 1)


def retirement_schedule_date(snapshot: PolicySnapshot, reaches_original_age: dt.date) -> dt.date:
    """The date whose reform schedule applies to someone reaching the original age then.

    Before the 2025 reform nobody was delayed, and the reform's schedule delays nobody born
    before its first affected month, so earlier dates read the schedule as it first stood.
    """
    first = snapshot.parameters.node(_REFORM["first_affected_birth_month_men"]).values[0]
    return max(reaches_original_age, first.effective_from)


def retirement_arguments(snapshot: PolicySnapshot) -> Arguments:
    """The reform schedule in force; the no-reform scenario sets its maximum delays to zero."""
    convert = {k: _month for k in _REFORM if k.startswith("first_affected")}
    return bind(snapshot, _REFORM, convert=convert)


def minimum_months_table(snapshot: PolicySnapshot) -> dict[int, int]:
    """Minimum contribution months by retirement year, as the rules (and scenario) set them."""
    return dict(
        _minimum_months_table(snapshot.parameters, snapshot.province, snapshot.scenario)
    )


@lru_cache(maxsize=64)
def _minimum_months_table(
    parameters: Any, province: str | None, scenario: str | None
) -> tuple[tuple[int, int], ...]:
    table: dict[int, int] = {}
    last = None
    for year in _MINIMUM_MONTHS_YEARS:
        snapshot = parameters.at(dt.date(year, 1, 1), province, scenario)
        months = int(snapshot.value("retirement.min_contribution_months"))
        if months != last:
            table[year] = months
            last = months
    return tuple(table.items())


def previous_year_average_wage(
    snapshot: PolicySnapshot, year: int, region: str
) -> tuple[int, ParameterValue]:
    """The provincial average monthly wage of the year before `year` (fen).

    Contribution bases and pension awards use the previous year's average: the value keyed to
    1 January of that year. Where the published series ends, its last year stands in, and the
    explanation shows that year.
    """
    found = snapshot_at(snapshot, dt.date(year - 1, 1, 1), region).param(
        "wages.average_monthly", region
    )
    return int(found.value), found


def pension_award_arguments(snapshot: PolicySnapshot, region: str) -> Arguments:
    return bind(
        snapshot,
        {
            "account_divisor_table": "employee_pension.account.divisor_by_age",
            "basic_accrual_rate": "employee_pension.basic.accrual_rate",
            "transitional_coefficient": "employee_pension.transitional.coefficient",
        },
        region,
    )


def base_arguments(snapshot: PolicySnapshot, flexible: bool = False) -> Arguments:
    prefix = "employee_pension.flexible.base_" if flexible else "employee_pension.base."
    return bind(
        snapshot,
        {"base_floor_ratio": f"{prefix}floor_ratio", "base_cap_ratio": f"{prefix}cap_ratio"},
    )


def employee_contribution_arguments(snapshot: PolicySnapshot, region: str) -> Arguments:
    """Rates of every employee scheme in force; the phased unemployment rate until it ends."""
    phased = snapshot.date <= snapshot.value("unemployment.phased.end_date")
    unemployment = "unemployment.phased" if phased else "unemployment.statutory"
    return bind(
        snapshot,
        {
            "pension_employer_rate": "employee_pension.employer_rate",
            "pension_employee_rate": "employee_pension.employee_rate",
            "medical_employer_rate": "employee_medical.employer_rate",
            "medical_employee_rate": "employee_medical.employee_rate",
            "employer_to_account_share": "employee_medical.account.employer_share",
            "unemployment_employer_rate": f"{unemployment}.employer_rate",
            "unemployment_employee_rate": f"{unemployment}.employee_rate",
            "work_injury_class_rates": "work_injury.class_base_rates",
        },
        region,
        convert={"work_injury_class_rates": lambda table: [table[k] for k in sorted(table)]},
    )


def flexible_contribution_arguments(snapshot: PolicySnapshot) -> Arguments:
    return bind(
        snapshot,
        {
            "flexible_pool_rate": "employee_pension.flexible.pooling_share",
            "flexible_account_rate": "employee_pension.flexible.account_share",
        },
    )


_RELIEF_START = dt.date(2020, 2, 1)  # first month any relief parameter has a value


def relief_rules(snapshot: PolicySnapshot, month: int) -> tuple[list[dict[str, Any]], Arguments]:
    """The 2020 relief in force in `month`, as rules for `relief_factors`.

    Waivers are shares of the employer contribution forgiven, by group: small and medium firms
    (and micro), large firms, and every employer in Hubei except public bodies. No relief
    parameter has a value before February 2020, when the first waiver began.
    """
    if snapshot.date < _RELIEF_START:
        return [], Arguments({})
    used = bind(
        snapshot,
        {
            "employer_waiver": "relief.covid_2020.employer_waiver",
            "waived_schemes": "relief.covid_2020.schemes",
            "hubei_province": "relief.covid_2020.hubei_province",
            "medical_employer_reduction": "relief.covid_2020.medical_employer_reduction",
        },
    )
    waiver = used.values["employer_waiver"]
    scheme_names = {"employee_pension": "pension", "unemployment": "unemployment",
                    "work_injury": "work_injury"}
    rules: list[dict[str, Any]] = []
    for scheme in used.values["waived_schemes"]:
        common = {"scheme": scheme_names[scheme], "start": month, "end": month}
        rules.append({**common, "factor": 1 - waiver["sme"],
                      "sizes": [s for s in ENTERPRISE_SIZES if s != "large"]})
        rules.append({**common, "factor": 1 - waiver["large"], "sizes": ["large"]})
        rules.append({**common, "factor": 1 - waiver["hubei"], "public_body": False,
                      "region_prefixes": [used.values["hubei_province"][:2]]})
    rules.append({"scheme": "medical", "start": month, "end": month,
                  "factor": 1 - used.values["medical_employer_reduction"]})
    return rules, used


def month_of(text: str, field_name: str = "month") -> tuple[int, dt.date]:
    month = parse_month(text, field=field_name)
    return month, month_start(month)


def statutory_retirement_month_of(
    snapshot: PolicySnapshot, birth_month: int, original_age_years: int
) -> int:
    """The month someone born in `birth_month` reaches the statutory retirement age.

    The schedule in force when they reach the original age decides their delay (as the
    retirement calculator reads it).
    """
    reaches = month_start(birth_month + original_age_years * 12)
    schedule = snapshot_at(snapshot, retirement_schedule_date(snapshot, reaches))
    used = retirement_arguments(schedule)
    return int(statutory_retirement_month(birth_month, original_age_years, **used.values))


def personal_pension_arguments(snapshot: PolicySnapshot) -> Arguments:
    return bind(
        snapshot, {"personal_pension_annual_cap": "third_pillar.personal_pension.annual_cap"}
    )


def personal_pension_withdrawal_arguments(snapshot: PolicySnapshot) -> Arguments:
    return bind(
        snapshot,
        {
            "personal_pension_withdrawal_tax_rate":
                "third_pillar.personal_pension.withdrawal_tax_rate",
        },
    )


def annuity_limit_arguments(snapshot: PolicySnapshot) -> Arguments:
    return bind(
        snapshot,
        {
            "annuity_employer_max_ratio": "third_pillar.annuity.employer_max_rate",
            "annuity_total_max_ratio": "third_pillar.annuity.total_max_rate",
            "annuity_credit_max_multiple": "third_pillar.annuity.individual_credit_max_multiple",
        },
    )


def indexation_arguments(snapshot: PolicySnapshot, region: str) -> Arguments:
    """The year's pension increase: flat + per contribution year + percentage + age tilts."""
    return bind(
        snapshot,
        {
            "indexation_flat_amount": "employee_pension.indexation.flat_amount",
            "indexation_per_year_amount": "employee_pension.indexation.per_year_amount",
            "indexation_percentage": "employee_pension.indexation.rate",
            "indexation_age_tilts": "employee_pension.indexation.age_tilts",
        },
        region,
        convert={"indexation_age_tilts": lambda table: {int(k): int(v) for k, v in table.items()}},
    )


def resident_pension_arguments(snapshot: PolicySnapshot, region: str) -> Arguments:
    return bind(
        snapshot,
        {
            "minimum_basic_pension": "resident_pension.minimum_basic_pension",
            "local_top_up": "resident_pension.local_top_up",
            "resident_account_divisor": "resident_pension.account_divisor",
        },
        region,
    )


def survival_authentication_months(snapshot: PolicySnapshot, region: str) -> Arguments:
    """How long an authentication lasts before payment is suspended: period + grace."""
    return bind(
        snapshot,
        {
            "period_months": "employee_pension.survival_authentication.period_months",
            "grace_months": "employee_pension.survival_authentication.grace_months",
        },
        region,
    )
