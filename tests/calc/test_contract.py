"""The calculators' JSON contract: worked cases through `calculate`, the API and the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from shebao.api.app import create_app
from shebao.calc.service import RULES, calculate
from shebao.cli import app as cli
from shebao.config import Settings

CASES = Path(__file__).resolve().parents[1] / "cases" / "calc"


def _cases() -> list[Any]:
    found = []
    for path in sorted(CASES.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["contract"]:
            found.append(pytest.param(case, id=f"{path.stem}:{case['name']}"))
    return found


def _matches(expected: Any, actual: Any, where: str = "") -> None:
    if isinstance(expected, dict):
        for key, value in expected.items():
            assert key in actual, f"{where}{key} missing"
            _matches(value, actual[key], f"{where}{key}.")
    elif isinstance(expected, list):
        assert len(expected) == len(actual), where
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            _matches(e, a, f"{where}{i}.")
    elif isinstance(expected, float):
        assert actual == pytest.approx(expected), where
    else:
        assert actual == expected, where


@pytest.fixture(scope="module")
def api() -> TestClient:
    settings = Settings(database_url="sqlite://", secret_key="k", demo_mode=False)
    return TestClient(create_app(settings))


@pytest.mark.parametrize("case", _cases())
def test_worked_case(case: dict[str, Any], api: TestClient) -> None:
    result = calculate(case["rule"], case["input"])
    _matches(case["expected"], result)
    assert result["explanation"]["steps"], "every result explains itself"
    over_http = api.post(f"/api/v1/calc/{case['rule']}", json=case["input"])
    assert over_http.status_code == 200, over_http.text
    assert over_http.json() == json.loads(json.dumps(result))


def test_at_least_one_case_per_rule() -> None:
    covered = {p.values[0]["rule"] for p in _cases()}
    assert covered == set(RULES)


def test_explanations_carry_the_legal_references() -> None:
    result = calculate("contribution", {"region": "440106", "month": "2025-07",
                                        "wage_fen": 800000, "category": "employee"})
    used = {p["parameter"]: p for p in result["explanation"]["parameters"]}
    assert "国办发〔2019〕13号" in used["employee_pension.employer_rate"]["reference"]
    assert used["wages.average_monthly"]["source"].startswith(("region", "national"))
    assert all(p["unit"] and p["reference"] for p in used.values())


def test_central_adjustment_nets_sum_to_zero_for_every_province() -> None:
    provinces = [
        {"region": f"{code}0000", "average_wage_fen": 7_000_000 + i * 123_457,
         "insured_employees": 1_000_000 + i * 777_777, "retirees": 500_000 + i * 33_333}
        for i, code in enumerate((11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37,
                                  41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65))
    ]
    result = calculate("central-adjustment", {"year": 2021, "provinces": provinces})
    assert sum(p["net_fen"] for p in result["provinces"]) == 0
    assert sum(p["allocation_fen"] for p in result["provinces"]) == result["fund_fen"]


@pytest.mark.parametrize(
    ("rule", "payload", "field"),
    [
        ("retirement", {"birth_month": "1965-13", "sex": "male", "original_age": 60},
         "birth_month"),
        ("retirement", {"birth_month": "1965-01", "sex": "male", "original_age": 55},
         "original_age"),
        ("retirement", {"birth_month": "1965-01", "sex": "male"}, "original_age"),
        ("pension", {"region": "510104", "retirement_month": "1990-07", "age_months": 720,
                     "contribution_months": 180, "contribution_index": 1,
                     "account_balance_fen": 1}, "retirement_month"),
        ("pension", {"region": "999999", "retirement_month": "2025-07", "age_months": 720,
                     "contribution_months": 180, "contribution_index": 1,
                     "account_balance_fen": 1}, "region"),
        ("contribution", {"region": "440106", "month": "2025-07", "wage_fen": "lots",
                          "category": "employee"}, "wage_fen"),
        ("contribution", {"region": "440106", "month": "2025-07", "wage_fen": 1,
                          "category": "employee", "surprise": 1}, "surprise"),
        ("contribution", {"region": "420000", "month": "2025-07", "wage_fen": 1,
                          "category": "employee"}, "region"),
        ("unemployment", {"region": "440106", "month": "2025-07", "contribution_months": 30,
                          "previously_drawn_months": 20, "previous_entitlement_months": 12},
         "previously_drawn_months"),
        ("central-adjustment", {"year": 2023, "provinces": [
            {"region": "440000", "average_wage_fen": 1, "insured_employees": 1,
             "retirees": 1}]}, "rate"),
        ("central-adjustment", {"year": 2020, "provinces": [
            {"region": "440100", "average_wage_fen": 1, "insured_employees": 1,
             "retirees": 1}]}, "provinces.0.region"),
        ("nope", {}, "rule"),
    ],
)
def test_bad_input_names_the_field(
    rule: str, payload: dict[str, Any], field: str, api: TestClient
) -> None:
    response = api.post(f"/api/v1/calc/{rule}", json=payload)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]
    run = CliRunner().invoke(cli, ["calc", rule, "--input", "-"], input=json.dumps(payload))
    assert run.exit_code == 2
    assert f"error: {field}:" in run.output


def test_cli_prints_the_same_json(tmp_path: Path) -> None:
    payload = {"birth_month": "1971-04", "sex": "female", "original_age": 55}
    path = tmp_path / "case.json"
    path.write_text(json.dumps(payload))
    run = CliRunner().invoke(cli, ["calc", "retirement", "--input", str(path)])
    assert run.exit_code == 0, run.output
    assert json.loads(run.output) == calculate("retirement", payload)
