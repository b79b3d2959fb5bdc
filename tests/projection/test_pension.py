"""The fund projection: calibration holds, awards and retirements come from the live formulas."""

from __future__ import annotations

import numpy as np
import pytest

from shebao.errors import InputError
from shebao.policy import Policy
from shebao.policy.bindings import retirement_arguments
from shebao.policy.formulas.retirement import statutory_retirement_age_months
from shebao.projection import service
from shebao.projection.calibration import calibrate
from shebao.projection.pension import project_pension, retirement_ages
from shebao.projection.scenarios import load_scenario, scenario_names


def test_cass_2019_depletes_within_three_years_of_2035() -> None:
    year = project_pension("cass-2019", 2060).depletion_year()
    assert year is not None and abs(year - 2035) <= 3


def test_cass_2019_reproduces_the_calibration_targets_of_2019() -> None:
    s = project_pension("cass-2019", 2030).summary()
    assert s["years"][0] == 2019
    assert s["retirees"][0] == pytest.approx(102e6, rel=0.005)
    assert s["system_dependency_ratio"][0] == pytest.approx(0.47, abs=0.005)
    surplus = s["revenue_fen"][0] + s["interest_fen"][0] - s["expenditure_fen"][0]
    assert surplus / 1e11 == pytest.approx(106.29, abs=2)  # bn yuan
    assert s["subsidy_fen"][0] / 1e11 == pytest.approx(1031.9, abs=2)
    # The end-2018 fund is CASS's 4.8 tn: 2019 ends at 4.8 tn plus the year's surplus.
    assert s["balance_fen"][0] == 480_000_000_000_000 + surplus


def test_money_is_whole_fen_and_the_balance_adds_up() -> None:
    s = project_pension("baseline", 2040).summary()
    for key in ("revenue_fen", "expenditure_fen", "balance_fen", "interest_fen"):
        assert all(type(v) is int for v in s[key])
    for i in range(1, len(s["years"])):
        flow = s["revenue_fen"][i] + s["interest_fen"][i] - s["expenditure_fen"][i]
        assert abs(s["balance_fen"][i - 1] + flow - s["balance_fen"][i]) <= 3  # rounding


def test_the_reform_delays_retirements_and_improves_the_fund() -> None:
    reform = project_pension("baseline", 2060).summary()
    none = project_pension("no-reform", 2060).summary()
    i = reform["years"].index(2030)
    assert reform["new_retirees"][i] < none["new_retirees"][i]
    assert reform["retirees"][i] < none["retirees"][i]
    assert reform["contributors"][i] > none["contributors"][i]
    assert reform["balance_fen"][-1] > none["balance_fen"][-1]
    # identical before the reform starts
    assert reform["balance_fen"][:6] == none["balance_fen"][:6]


def test_retirement_ages_are_the_statutory_formula_by_birth_cohort() -> None:
    ages = retirement_ages("baseline", 2040)
    args = retirement_arguments(Policy.at("2040-07-01", scenario="baseline")).values
    # aged 61 in 2040: priced as born January 1979 → men retire at 63 (36 months of delay)
    expected = statutory_retirement_age_months(np.int64(1979 * 12), np.int64(60), **args)
    assert ages[0, 61] == expected == 63 * 12
    assert (retirement_ages("no-reform", 2040) == np.array([[720], [660], [600]])).all()


def test_new_awards_grow_with_wages() -> None:
    s = project_pension("baseline", 2050).summary()
    awards = s["average_new_award_fen"]
    assert awards[0] > 200_000  # more than 2,000 yuan a month in 2019
    assert awards[-1] > 2 * awards[0]


def test_every_scenario_loads_with_references() -> None:
    assert {"baseline", "no-reform", "cass-2019"} <= set(scenario_names())
    for name in scenario_names():
        sc = load_scenario(name)
        for node in sc.assumptions.values():
            assert node["reference"] and node["unit"]


@pytest.mark.parametrize(
    ("scenario", "to", "field"),
    [("nope", 2030, "scenario"), ("baseline", 2019, "to"), ("baseline", 2101, "to")],
)
def test_bad_input_names_the_field(scenario: str, to: int, field: str) -> None:
    with pytest.raises(InputError) as e:
        project_pension(scenario, to)
    assert e.value.field == field


def test_validation_report_passes_and_names_the_calibration() -> None:
    report = service.validate()
    assert report["population"]["ok"] and report["cass_2019"]["ok"]
    calibrated = {c["assumption"] for c in report["cass_2019"]["calibrated"]}
    assert {
        "opening_average_pension",
        "fiscal_subsidy_share",
        "indexation_wage_share",
    } <= calibrated
    assert "WPP" in service.validation_text(report)


def test_the_yaml_holds_what_the_calibration_gives() -> None:
    solved = calibrate()
    for name, value in solved.items():
        assert load_scenario("cass-2019").value(name) == value, name
