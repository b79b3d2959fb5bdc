"""The parameter set loads, every value is dated and referenced, lookups pick what was in force."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shebao.errors import InputError
from shebao.policy import PROVINCE_CODES, Policy, load_parameters, province_index
from shebao.policy.parameters import MONEY_UNITS, UNITS, _leaves

SCHEMES = {
    "employee_pension", "retirement", "resident_pension", "employee_medical", "resident_medical",
    "unemployment", "work_injury", "assistance", "third_pillar", "relief", "central_adjustment",
    "collection", "wages", "transfer", "medical_claims", "supervision", "service",
}  # fmt: skip


def test_national_set_loads_every_scheme() -> None:
    ps = load_parameters()
    assert {name.split(".")[0] for name in ps.names()} == SCHEMES
    assert len(ps.names()) > 100


def test_every_parameter_has_unit_reference_and_description() -> None:
    for node in load_parameters().nodes.values():
        assert node.unit in UNITS, node.name
        assert node.reference.strip(), node.name
        assert node.description.strip(), node.name


def test_money_is_integer_fen_everywhere() -> None:
    ps = load_parameters()
    for node in ps.nodes.values():
        if node.unit not in MONEY_UNITS:
            continue
        series = list(node.values) + [d for s in (node.by_province or {}).values() for d in s]
        for dv in series:
            assert all(isinstance(v, int) for v in _leaves(dv.value)), node.name


def test_flagged_values_say_so() -> None:
    ps = load_parameters()
    assert "⚠" in ps.node("employee_pension.transitional.coefficient").reference
    divisor = Policy.at("2020-01-01").param("employee_pension.account.divisor_by_age")
    assert "⚠" in divisor.reference and divisor.value[47] == 208
    assert "⚠" in Policy.at("2025-06-01").param("employee_pension.account.crediting_rate").reference


@pytest.mark.parametrize(
    ("name", "on", "expected"),
    [
        ("employee_pension.employer_rate", "2019-04-30", 0.20),
        ("employee_pension.employer_rate", "2019-05-01", 0.16),
        ("employee_pension.individual_account_share", "2005-12-31", 0.11),
        ("employee_pension.individual_account_share", "2006-01-01", 0.08),
        ("employee_pension.account.crediting_rate", "2023-07-01", 0.0397),
        ("employee_pension.indexation.rate", "2024-01-01", 0.03),
        ("retirement.min_contribution_months", "2029-12-31", 180),
        ("retirement.min_contribution_months", "2030-01-01", 186),
        ("retirement.min_contribution_months", "2045-06-01", 240),
        ("resident_pension.minimum_basic_pension", "2018-06-01", 8800),
        ("resident_medical.fiscal_subsidy_min", "2026-03-05", 72400),
        ("unemployment.phased.end_date", "2025-01-01", dt.date(2025, 12, 31)),
        ("central_adjustment.remittance_rate", "2020-06-30", 0.04),
        ("collection.late_fee_rate", "2024-01-01", 0.0005),
        ("third_pillar.personal_pension.annual_cap", "2025-01-01", 1_200_000),
        ("assistance.dibao.national_average_urban", "2025-01-01", 79810),
    ],
)
def test_lookup_picks_value_in_force(name: str, on: str, expected: object) -> None:
    assert Policy.at(on).value(name) == expected


@given(st.dates(min_value=dt.date(1998, 1, 1), max_value=dt.date(2060, 12, 31)))
def test_employer_rate_changes_exactly_on_1_may_2019(on: dt.date) -> None:
    rate = Policy.at(on).value("employee_pension.employer_rate")
    assert rate == (0.16 if on >= dt.date(2019, 5, 1) else 0.20)


def test_date_before_first_value_is_refused() -> None:
    with pytest.raises(InputError) as err:
        Policy.at("2019-04-30").value("unemployment.phased.total_rate")
    assert err.value.field == "date"
    assert "no value before 2019-05-01" in err.value.reason


def test_tables_look_up_by_key() -> None:
    snap = Policy.at("2024-01-01")
    assert snap.value("employee_pension.account.divisor_by_age")[60] == 139
    assert snap.value("work_injury.disability.one_off_months")[1] == 27
    assert snap.value("work_injury.class_base_rates")[8] == 0.019
    assert snap.value("resident_pension.contribution_tiers")[-1] == 200_000


def test_regional_override_for_county_but_national_elsewhere() -> None:
    gd = Policy.at("2021-06-01", region="440106").param("employee_pension.transitional.coefficient")
    bj = Policy.at("2021-06-01", region="110000").param("employee_pension.transitional.coefficient")
    assert (gd.value, gd.source) == (0.0138, "region 440000")
    assert (bj.value, bj.source) == (0.012, "national")
    assert gd.reference != bj.reference


def test_region_override_starts_at_its_own_date() -> None:
    before = Policy.at("2020-12-31", region="510104").param("employee_medical.employer_rate")
    after = Policy.at("2021-01-01", region="510104").param("employee_medical.employer_rate")
    assert (before.value, before.source) == (0.06, "national")
    assert (after.value, after.source) == (0.075, "region 510000")


def test_province_codes_and_index() -> None:
    assert len(PROVINCE_CODES) == 31 and list(PROVINCE_CODES) == sorted(PROVINCE_CODES)
    assert province_index("440106") == PROVINCE_CODES.index("440000") == 18
    assert province_index(510000) == 22
    with pytest.raises(InputError):
        province_index("710000")


def test_province_array_shape_value_and_missing() -> None:
    snap = Policy.at("2020-06-01")
    arr = snap.province_array("wages.average_monthly")
    assert arr.shape == (31,) and arr.dtype == np.float64
    # Sichuan's override: full-caliber 74,520 RMB a year → 6,210 RMB a month.
    assert arr[province_index("510000")] == 621_000
    # Guangdong: non-private stand-in 108,045 RMB ÷ 12.
    assert arr[province_index("440000")] == 900_375
    assert np.isnan(arr[province_index("420000")])  # Hubei: not found, never guessed
    assert not arr.flags.writeable


def test_province_array_broadcasts_scalars_with_overrides() -> None:
    arr = Policy.at("2022-01-01").province_array("employee_medical.employer_rate")
    assert arr[province_index("110000")] == 0.06
    assert arr[province_index("440000")] == 0.065


def test_missing_province_value_names_region_and_parameter() -> None:
    with pytest.raises(InputError) as err:
        Policy.at("2020-06-01").value("wages.average_monthly", region="420100")
    assert err.value.field == "region"
    assert "420100" in err.value.reason and "wages.average_monthly" in err.value.reason


def test_province_indexed_needs_a_region() -> None:
    with pytest.raises(InputError) as err:
        Policy.at("2020-06-01").value("wages.average_annual")
    assert err.value.field == "region"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"on": "2020-02-30"}, "date"),
        ({"on": "2020-01-01", "region": "44010"}, "region"),
        ({"on": "2020-01-01", "scenario": "utopia"}, "scenario"),
    ],
)
def test_bad_queries_are_input_errors(kwargs: dict, field: str) -> None:
    with pytest.raises(InputError) as err:
        Policy.at(**kwargs)
    assert err.value.field == field


def test_unknown_parameter_is_input_error() -> None:
    with pytest.raises(InputError) as err:
        Policy.at("2020-01-01").value("employee_pension.nope")
    assert err.value.field == "parameter"


def test_snapshot_is_immutable() -> None:
    snap = Policy.at("2024-01-01", region="440106")
    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.date = dt.date(2000, 1, 1)  # type: ignore[misc]
    table = snap.value("work_injury.class_base_rates")
    with pytest.raises(TypeError):
        table[1] = 0.5  # type: ignore[index]
