from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from shebao.analytics import indicators, report
from shebao.api.app import create_app
from shebao.cli import app
from shebao.config import Settings
from tests.helpers import add_user
from tests.web.test_pages import _login

KEYS = ["coverage", "benefit_gap_urban_rural", "benefit_gap_provinces", "fund_pressure",
        "service_gaps", "redistribution"]


def test_gini_of_known_distributions() -> None:
    assert indicators.gini([5, 5, 5, 5]) == pytest.approx(0.0)
    assert indicators.gini([0, 0, 0, 10]) == pytest.approx(0.75)  # (n − 1) / n for n = 4
    assert indicators.gini([1, 2, 3, 4]) == pytest.approx(0.25)
    assert indicators.gini([]) == 0.0


def test_indicators_measure_the_population(small_population: Path) -> None:
    found = indicators.compute(small_population)
    assert found["persons"] == 20_000 and found["as_of"] == "2025-06"
    cover = {(r["segment"], r["status"]): r for r in found["coverage"]}
    # Platform workers who migrated are the least covered working group; public staff all are.
    assert cover[("platform", "migrant")]["employee_coverage"] < \
        cover[("enterprise", "urban_local")]["employee_coverage"]
    assert cover[("public", "urban_local")]["employee_coverage"] == 1.0
    gaps = {r["group"]: r for r in found["benefit_gap_urban_rural"]}
    assert gaps["rural hukou, all pensions"]["median_pension_fen"] < \
        gaps["urban hukou, all pensions"]["median_pension_fen"]
    assert len(found["benefit_gap_provinces"]) == 31
    months = [r["reserve_months"] for r in found["fund_pressure"] if r["reserve_months"]]
    assert 0 < np.median(months) < 60
    service = found["service_gaps"]
    assert service["transfer_target_working_days"] == 15
    assert all(0 <= r["authentication_backlog"] <= 1 for r in service["by_province"])
    spread = found["redistribution"]
    # Contributions and pensions narrow the spread of income.
    assert 0 < spread["gini_after_contributions_and_pensions"] < spread["gini_market_income"] < 1
    assert spread["provinces_without_contributions"] == ["420000"]


def test_report_has_every_indicator_with_a_chart(small_population: Path, tmp_path: Path) -> None:
    settings = Settings(database_url="sqlite://", secret_key="x", demo_mode=False,
                        data_dir=tmp_path / "data")
    out = tmp_path / "r" / "report.html"
    report.write(small_population, out, settings)
    html = out.read_text()
    for key in KEYS:
        section = html.split(f'data-indicator="{key}"')[1].split("</section>")[0]
        assert "<svg" in section, key
    # self-contained: nothing to fetch
    assert "<script" not in html and "<link" not in html and "src=" not in html
    assert json.loads(out.with_suffix(".json").read_text())["persons"] == 20_000
    assert report.last_report_path(settings).is_file()


def test_cli_writes_the_report_and_refuses_a_folder_without_a_population(
        small_population: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHEBAO_DATA_DIR", str(tmp_path / "data"))
    out = tmp_path / "report.html"
    done = CliRunner().invoke(app, ["analytics", "report", "--input", str(small_population),
                                    "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert out.is_file()
    refused = CliRunner().invoke(app, ["analytics", "report", "--input", str(tmp_path),
                                       "--out", str(tmp_path / "x.html")])
    assert refused.exit_code == 2
    assert "manifest.json" in refused.output


def test_the_analyst_page_shows_the_last_report(small_population: Path, settings: Settings,
                                                database_url: str, tmp_path: Path) -> None:
    settings = dataclasses.replace(settings, data_dir=tmp_path)
    add_user(database_url, "analyst", "analyst", "000000")
    add_user(database_url, "clerk", "clerk", "510104")
    with TestClient(create_app(settings)) as client:
        _login(client, "analyst")
        empty = client.get("/analytics", headers={"accept-language": "en"})
        assert empty.status_code == 200 and "No report yet" in empty.text
        report.write(small_population, tmp_path / "report.html", settings)
        page = client.get("/analytics", headers={"accept-language": "en"})
        assert page.status_code == 200
        for key in KEYS:
            assert f'data-indicator="{key}"' in page.text
        assert page.text.count("<svg") >= 8
    with TestClient(create_app(settings)) as client:
        _login(client, "clerk")
        assert client.get("/analytics", follow_redirects=False).headers["location"] == "/"
