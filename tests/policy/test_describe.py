"""Support for `shebao policy show` and `shebao policy check`."""

from __future__ import annotations

import json

from shebao.policy import describe_parameter


def test_describe_regional_parameter_with_history() -> None:
    d = describe_parameter("employee_medical.employer_rate", date="2022-01-01", region="440106")
    assert (d["value"], d["unit"], d["source"]) == (0.065, "ratio", "region 440000")
    assert d["bounds"] == [{"from": None, "min": 0.06, "max": 0.10}]
    sources = [(h["effective_from"], h["value"], h["regional"]) for h in d["history"]]
    assert sources == [("1999-01-01", 0.06, False), ("2021-01-01", 0.065, True)]
    assert all(h["reference"] for h in d["history"])
    json.dumps(d, ensure_ascii=False)  # printable as --json


def test_describe_national_history_in_date_order() -> None:
    d = describe_parameter("employee_pension.employer_rate", date="2019-04-30")
    assert d["value"] == 0.20 and d["source"] == "national"
    assert [h["value"] for h in d["history"]] == [0.20, 0.16]
    assert "国办发〔2019〕13号" in d["history"][1]["reference"]


def test_describe_shows_scenario_history() -> None:
    d = describe_parameter("retirement.min_contribution_months", date="2035-01-01")
    assert d["value"] == 216
    assert any(h["source"] == "scenario no-reform" and h["value"] == 180 for h in d["history"])


def test_describe_date_before_first_value_reports_error() -> None:
    d = describe_parameter("unemployment.phased.total_rate", date="2010-01-01")
    assert d["value"] is None and "2019-05-01" in d["error"]
    assert d["history"][0]["value"] == 0.01


def test_describe_province_indexed_value() -> None:
    d = describe_parameter("wages.average_monthly", date="2020-06-01", region="510104")
    assert d["value"] == 621_000 and d["source"] == "region 510000"
    assert {h["source"] for h in d["history"]} == {"national (510000)", "region 510000"}
