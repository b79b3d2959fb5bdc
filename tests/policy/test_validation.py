"""Loading refuses bad files, naming file, parameter, value and bound."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shebao.policy import ParameterError, check_region_dir, load_parameters
from shebao.policy.parameters import DEFAULT_ROOT


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the shipped national parameters, to break in one place per test."""
    shutil.copytree(DEFAULT_ROOT / "national", tmp_path / "parameters" / "national")
    return tmp_path / "parameters"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


OUT_OF_BOUND = """
employer_rate:
  reference: "test: a rate above the national bound"
  values:
    2021-01-01: 0.12
"""


def test_shipped_set_and_region_dirs_are_valid() -> None:
    load_parameters()
    assert check_region_dir(DEFAULT_ROOT / "regions") == []
    assert check_region_dir(DEFAULT_ROOT / "regions" / "440000") == []


def test_out_of_bound_override_names_file_parameter_value_and_bound(tree: Path) -> None:
    _write(tree / "regions" / "440000" / "employee_medical.yaml", OUT_OF_BOUND)
    with pytest.raises(ParameterError) as err:
        load_parameters(tree)
    msg = str(err.value)
    assert "regions/440000/employee_medical.yaml" in msg
    assert "employee_medical.employer_rate" in msg
    assert "0.12" in msg
    assert "[0.06, 0.1]" in msg


def test_check_region_dir_reports_every_violation(tree: Path) -> None:
    folder = tree / "regions" / "510000"
    _write(folder / "employee_medical.yaml", OUT_OF_BOUND)
    _write(
        folder / "retirement.yaml",
        "min_contribution_months:\n  reference: x\n  values:\n    2030-01-01: 120\n",
    )
    national = load_parameters()
    messages = check_region_dir(folder, national)
    assert len(messages) == 2
    assert any("employee_medical.employer_rate" in m and "0.12" in m for m in messages)
    assert any(
        "retirement.yaml" in m and "min_contribution_months" in m and "120" in m and "180" in m
        for m in messages
    )


def test_dated_bound_applies_from_its_date(tree: Path) -> None:
    # 20% was lawful before 1 May 2019, not after; a value stays in force until the next one.
    path = tree / "regions" / "440000" / "employee_pension.yaml"
    head = "employer_rate:\n  reference: x\n  values:\n"
    _write(path, head + "    2018-01-01: 0.20\n    2019-05-01: 0.16\n")
    assert (
        load_parameters(tree).at("2018-06-01", "440300").value("employee_pension.employer_rate")
        == 0.20
    )
    _write(path, head + "    2018-01-01: 0.20\n")
    with pytest.raises(ParameterError, match=r"0\.2 on 2018-01-01 .*0\.16.* from 2019-05-01"):
        load_parameters(tree)
    _write(path, head + "    2019-05-01: 0.20\n")
    with pytest.raises(ParameterError, match=r"0\.2 on 2019-05-01 .*0\.16"):
        load_parameters(tree)


def test_minimum_bound_follows_dated_national_minimum(tree: Path) -> None:
    text = "minimum_basic_pension:\n  reference: x\n  values:\n    2024-01-01: 12000\n"
    _write(tree / "regions" / "440000" / "resident_pension.yaml", text)
    with pytest.raises(ParameterError, match="12000"):
        load_parameters(tree)


def test_missing_unit_fails(tree: Path) -> None:
    _write(
        tree / "national" / "extra.yaml",
        "thing:\n  description: d\n  reference: r\n  values:\n    2020-01-01: 1\n",
    )
    with pytest.raises(ParameterError, match=r"extra\.yaml: extra\.thing: missing `unit`"):
        load_parameters(tree)


def test_missing_reference_fails(tree: Path) -> None:
    _write(
        tree / "national" / "extra.yaml",
        "thing:\n  description: d\n  unit: ratio\n  values:\n    2020-01-01: 1\n",
    )
    with pytest.raises(ParameterError, match=r"extra\.thing: missing `reference`"):
        load_parameters(tree)


def test_malformed_date_key_fails(tree: Path) -> None:
    _write(
        tree / "national" / "extra.yaml",
        "thing:\n  description: d\n  unit: ratio\n  reference: r\n  values:\n    2020-13-01: 1\n",
    )
    with pytest.raises(ParameterError, match="malformed date key '2020-13-01'"):
        load_parameters(tree)


def test_money_must_be_integer_fen(tree: Path) -> None:
    _write(
        tree / "national" / "extra.yaml",
        "thing:\n  description: d\n  unit: fen\n  reference: r\n  values:\n    2020-01-01: 88.5\n",
    )
    with pytest.raises(ParameterError, match="not an integer number of fen"):
        load_parameters(tree)


def test_region_override_of_unknown_parameter_fails(tree: Path) -> None:
    _write(
        tree / "regions" / "440000" / "employee_medical.yaml",
        "employer_ratio:\n  reference: r\n  values:\n    2021-01-01: 0.07\n",
    )
    unknown = r"employee_medical\.employer_ratio: unknown parameter"
    with pytest.raises(ParameterError, match=unknown):
        load_parameters(tree)


def test_region_may_not_change_unit_or_bounds(tree: Path) -> None:
    _write(
        tree / "regions" / "440000" / "employee_medical.yaml",
        "employer_rate:\n  reference: r\n  unit: fen\n  values:\n    2021-01-01: 0.07\n",
    )
    with pytest.raises(ParameterError, match="not allowed in an override"):
        load_parameters(tree)


def test_region_folder_must_be_a_province(tree: Path) -> None:
    _write(tree / "regions" / "440100" / "employee_medical.yaml", OUT_OF_BOUND)
    with pytest.raises(ParameterError, match="440100"):
        load_parameters(tree)
