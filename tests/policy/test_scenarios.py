"""Scenarios are parameter overrides over date ranges, bounded like province files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shebao.errors import InputError
from shebao.policy import ParameterError, Policy, load_parameters
from shebao.policy.parameters import DEFAULT_ROOT


def _all_values(on: str, scenario: str | None) -> dict[str, object]:
    snap = Policy.at(on, region="440106", scenario=scenario)
    out: dict[str, object] = {}
    for name in snap.names():
        try:
            out[name] = snap.value(name)
        except InputError:
            out[name] = None
    return out


@pytest.mark.parametrize("on", ["2024-06-01", "2026-06-01", "2035-01-01"])
def test_no_reform_changes_retirement_parameters_only(on: str) -> None:
    base, counter = _all_values(on, None), _all_values(on, "no-reform")
    changed = {n for n in base if base[n] != counter[n]}
    assert all(n.startswith("retirement.") for n in changed)
    if on >= "2025-01-01":
        assert "retirement.reform.max_delay_months.men" in changed


def test_no_reform_values() -> None:
    reform = Policy.at("2035-01-01")
    counter = Policy.at("2035-01-01", scenario="no-reform")
    assert reform.value("retirement.reform.max_delay_months.women_worker") == 60
    assert counter.value("retirement.reform.max_delay_months.women_worker") == 0
    assert reform.value("retirement.min_contribution_months") == 216
    counter_min = counter.param("retirement.min_contribution_months")
    assert (counter_min.value, counter_min.source) == (180, "scenario no-reform")
    assert counter.value("retirement.base_age_years.men") == 60


def test_baseline_equals_no_scenario() -> None:
    assert _all_values("2030-06-01", "baseline") == _all_values("2030-06-01", None)


def test_scenario_range_ends(tmp_path: Path) -> None:
    shutil.copytree(DEFAULT_ROOT / "national", tmp_path / "parameters" / "national")
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "extend.yaml").write_text(
        "description: keep the 1% unemployment rate in 2026 only\n"
        "overrides:\n"
        "  - {parameter: unemployment.phased.end_date, from: 2026-01-01, to: 2026-12-31,"
        " value: 2026-12-31}\n",
        encoding="utf-8",
    )
    ps = load_parameters(tmp_path / "parameters")
    assert ps.at("2026-05-01", scenario="extend").value("unemployment.phased.end_date").year == 2026
    assert ps.at("2027-01-01", scenario="extend").value("unemployment.phased.end_date").year == 2025


def test_scenario_out_of_bound_fails(tmp_path: Path) -> None:
    shutil.copytree(DEFAULT_ROOT / "national", tmp_path / "parameters" / "national")
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "steep.yaml").write_text(
        "description: men to 64\n"
        "overrides:\n"
        "  - {parameter: retirement.reform.max_delay_months.men, from: 2025-01-01, value: 48}\n",
        encoding="utf-8",
    )
    with pytest.raises(ParameterError) as err:
        load_parameters(tmp_path / "parameters")
    msg = str(err.value)
    assert "steep.yaml" in msg and "retirement.reform.max_delay_months.men" in msg
    assert "48" in msg and "[0, 36]" in msg
