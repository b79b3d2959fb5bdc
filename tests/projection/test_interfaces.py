"""`shebao project …` and /api/v1/projection: shapes, CSV, charts, refusals, the analyst role."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from shebao.cli import app
from tests.helpers import add_user, bearer

runner = CliRunner()


def test_cli_population_json_has_the_documented_keys() -> None:
    out = runner.invoke(
        app, ["project", "population", "--to", "2030", "--variant", "low", "--json"]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert list(data) == ["years", "total", "age_0_14", "age_15_64", "age_65_plus"]
    assert data["years"] == list(range(2024, 2031))
    assert all(isinstance(v, int) for v in data["total"])


def test_cli_pension_json_csv_and_plots(tmp_path: Path) -> None:
    out = runner.invoke(
        app, ["project", "pension", "--scenario", "cass-2019", "--to", "2060", "--json"]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    for key in (
        "years",
        "revenue_fen",
        "expenditure_fen",
        "balance_fen",
        "contributors",
        "retirees",
    ):
        assert len(data[key]) == len(data["years"])
    assert 2032 <= data["depletion_year"] <= 2038
    csv = runner.invoke(
        app, ["project", "pension", "--scenario", "baseline", "--to", "2030", "--csv"]
    )
    lines = csv.output.strip().splitlines()
    assert lines[0].startswith("years,revenue_fen") and len(lines) == 1 + 12
    svg, png = tmp_path / "f.svg", tmp_path / "f.png"
    for path in (svg, png):
        done = runner.invoke(
            app,
            ["project", "pension", "--scenario", "baseline", "--to", "2050", "--plot", str(path)],
        )
        assert done.exit_code == 0, done.output
    assert svg.read_text().startswith("<svg") and "balance" in svg.read_text()
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_refusals_exit_2() -> None:
    bad = runner.invoke(app, ["project", "pension", "--scenario", "nope", "--to", "2030"])
    assert bad.exit_code == 2 and "scenario" in bad.output
    bad = runner.invoke(app, ["project", "population", "--to", "2030", "--plot", "x.gif"])
    assert bad.exit_code == 2 and "plot" in bad.output


def test_cli_validate_reports_ok() -> None:
    out = runner.invoke(app, ["project", "validate"])
    assert out.exit_code == 0, out.output
    assert "OK" in out.output and "calibrated" in out.output


def test_api_for_analysts_only(client: TestClient, database_url: str) -> None:
    add_user(database_url, "analyst", "analyst", "000000")
    add_user(database_url, "clerk", "clerk", "510104")
    analyst, clerk = bearer(client, "analyst"), bearer(client, "clerk")
    r = client.get(
        "/api/v1/projection/pension", params={"scenario": "no-reform", "to": 2040}, headers=analyst
    )
    assert r.status_code == 200 and r.json()["years"][-1] == 2040
    r = client.get("/api/v1/projection/population", params={"to": 2030}, headers=analyst)
    assert r.status_code == 200 and r.json()["years"][0] == 2024
    assert (
        client.get("/api/v1/projection/population", params={"to": 2030}, headers=clerk).status_code
        == 403
    )
    bad = client.get(
        "/api/v1/projection/pension", params={"scenario": "x", "to": 2030}, headers=analyst
    )
    assert bad.status_code == 422 and "scenario" in bad.text
    r = client.get(
        "/api/v1/projection/stochastic",
        params={"scenario": "baseline", "to": 2030, "draws": 100},
        headers=analyst,
    )
    assert r.status_code == 200 and len(r.json()["depletion_probability"]) == 12
