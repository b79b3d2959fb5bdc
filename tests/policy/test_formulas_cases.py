"""Run every worked case under tests/cases/<rule>/*.yaml against the formulas.

A case file holds `cases:`, each with `function` ("module:function" under
shebao.policy.formulas), `input` (positional-or-keyword data), `parameters` (the parameter
keyword arguments, explicit so cases never depend on the parameter loader), `expected`
(a value, or a mapping compared key by key with the returned dict) and `source`.
Strings shaped YYYY-MM are month numbers on the way in and compared as YYYY-MM on the way out.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from shebao.policy.formulas.periods import format_month, parse_month
from shebao.policy.formulas.transfer import InsuredSpell

CASES_DIR = Path(__file__).resolve().parents[1] / "cases"
_MONTH = re.compile(r"^\d{4}-\d{2}$")


def _convert(value: Any) -> Any:
    if isinstance(value, str) and _MONTH.match(value):
        return parse_month(value)
    if isinstance(value, list):
        if value and isinstance(value[0], dict):
            return [_convert(v) for v in value]
        return np.asarray([_convert(v) for v in value])
    if isinstance(value, dict):
        return {k: _convert(v) for k, v in value.items()}
    return value


def _convert_input(key: str, value: Any) -> Any:
    if key == "history":
        return [InsuredSpell(**spell) for spell in value]
    if key in ("relief_rules",):
        return [_convert(rule) for rule in value]
    return _convert(value)


def _load_cases() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.glob("*/*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        cases = doc.get("cases") if isinstance(doc, dict) else None
        # Other suites may keep cases of their own shape here: only formula cases are ours.
        if not isinstance(cases, list) or not any(
            isinstance(c, dict) and "function" in c for c in cases
        ):
            continue
        for i, case in enumerate(cases):
            case_id = f"{path.parent.name}/{path.stem}[{i}]:{case.get('name', '')}"
            params.append(pytest.param(case, id=case_id))
    return params


CASES = _load_cases()


def _check(actual: Any, expected: Any, where: str) -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: expected a mapping, got {actual!r}"
        for key, exp in expected.items():
            assert key in actual, f"{where}: missing key {key}"
            _check(actual[key], exp, f"{where}.{key}")
        return
    if isinstance(expected, str) and _MONTH.match(expected):
        assert format_month(int(actual)) == expected, f"{where}: {format_month(int(actual))}"
        return
    if isinstance(expected, str):
        assert actual == expected, where
        return
    act = np.asarray(actual)
    exp = np.asarray(expected)
    if exp.dtype.kind == "f" or act.dtype.kind == "f":
        np.testing.assert_allclose(act, exp, rtol=0, atol=1e-9, err_msg=where)
    else:
        np.testing.assert_array_equal(act, exp, err_msg=where)


def test_there_are_enough_worked_cases() -> None:
    assert len(CASES) >= 60


@pytest.mark.parametrize("case", CASES)
def test_worked_case(case: dict[str, Any]) -> None:
    for field in ("function", "input", "expected", "source"):
        assert field in case, f"case lacks {field}"
    module_name, func_name = case["function"].split(":")
    module = importlib.import_module(f"shebao.policy.formulas.{module_name}")
    func = getattr(module, func_name)
    kwargs = {k: _convert_input(k, v) for k, v in case["input"].items()}
    kwargs.update({k: _convert_input(k, v) for k, v in (case.get("parameters") or {}).items()})
    actual = func(**kwargs)
    _check(actual, case["expected"], case.get("name", func_name))
