"""The central adjustment: a year from a CSV or the rule's JSON on the command line, posted once
in the ledger with nets that sum to zero to the fen; the 2020 reproduction with its gap; the
supervisors' page with its chart (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from shebao.cli import app
from shebao.db.engine import transaction
from shebao.errors import InputError
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.pooling import service
from tests.benefits.pension.world import fund_pool, user
from tests.helpers import add_user
from tests.test_cli import configured  # noqa: F401  (fixture)
from tests.web.test_pages import _login

runner = CliRunner()
# The worked case of tests/cases/central_adjustment/allocation.yaml, on three real provinces.
CSV = """region,average_wage_fen,insured_employees,retirees
440000,10000000,1000,500
330000,8000000,2000,700
510000,7000000,3000,1234
"""
NETS = {"440000": 12423993, "330000": 89393591, "510000": -101817584}


def test_a_year_from_csv_is_posted_once_and_nets_to_zero(configured: str,  # noqa: F811
                                                          tmp_path: Path) -> None:
    url = configured
    for province in NETS:  # each province's finance puts 10 million yuan into its pool
        fund_pool(url, 10**9, f"test-subsidy-{province}", province)
    table = tmp_path / "provinces.csv"
    table.write_text(CSV, encoding="utf-8")
    shown = runner.invoke(app, ["pooling", "central-adjustment", "--year", "2020", "--input",
                                str(table), "--json"])
    assert shown.exit_code == 0, shown.output
    result = json.loads(shown.output)
    assert {p["region"]: p["net_fen"] for p in result["provinces"]} == NETS
    assert result["fund_fen"] == 1692000000

    posted = runner.invoke(app, ["pooling", "central-adjustment", "--year", "2020", "--input",
                                 str(table), "--post"])
    assert posted.exit_code == 0, posted.output
    assert "Σ nets 0 fen" in posted.output and "posted 2020: 3 entries" in posted.output
    again = runner.invoke(app, ["pooling", "central-adjustment", "--year", "2020", "--input",
                                str(table), "--post"])
    assert again.exit_code == 0 and "posted 2020: 3 entries" in again.output
    with transaction(url) as db:
        assert ledger.balance(db, accounts.CENTRAL_ADJUSTMENT) == 0
        for province, net in NETS.items():
            assert ledger.balance(db, accounts.pool("employee_pension", province)) == 10**9 - net
        assert ledger.check(db) == []
        assert ledger.totals(db).entries == 3 + 3  # three subsidies, three nets

    # Other figures for a posted year are refused; a JSON of the rule with another year too.
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps({"year": 2020, "provinces": [
        {"region": "440000", "average_wage_fen": 1, "insured_employees": 1, "retirees": 1},
        {"region": "510000", "average_wage_fen": 1, "insured_employees": 1, "retirees": 2}]}))
    refused = runner.invoke(app, ["pooling", "central-adjustment", "--year", "2020", "--input",
                                  str(changed), "--post"])
    assert refused.exit_code == 2 and "already posted" in refused.output
    other = runner.invoke(app, ["pooling", "central-adjustment", "--year", "2019", "--input",
                                str(changed)])
    assert other.exit_code == 2 and "year" in other.output
    bad = tmp_path / "bad.csv"
    bad.write_text("region,average_wage_fen\n440000,1\n", encoding="utf-8")
    missing = runner.invoke(app, ["pooling", "central-adjustment", "--year", "2020", "--input",
                                  str(bad)])
    assert missing.exit_code == 2 and "insured_employees" in missing.output


def test_a_payer_whose_pool_cannot_pay_is_refused_and_nothing_is_posted(
    database_url: str,
) -> None:
    add_user(database_url, "admin-state", "admin", "000000")
    with pytest.raises(InputError) as refused, transaction(database_url, write=True) as db:
        service.post_year(db, user(db, "admin-state"),
                          service.parse_input(CSV, "provinces.csv", 2020), "test")
    assert "below zero" in refused.value.reason
    with transaction(database_url) as db:
        assert service.years(db, user(db, "admin-state")) == []
        assert ledger.totals(db).entries == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 10**7), st.integers(0, 10**7)),
                min_size=2, max_size=31).filter(lambda rows: sum(r[2] for r in rows) > 0))
def test_nets_always_sum_to_zero_to_the_fen(rows: list[tuple[int, int, int]]) -> None:
    codes = ["110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000",
             "310000", "320000", "330000", "340000", "350000", "360000", "370000", "410000",
             "420000", "430000", "440000", "450000", "460000", "500000", "510000", "520000",
             "530000", "540000", "610000", "620000", "630000", "640000", "650000"]
    result = service.compute({"year": 2021, "provinces": [
        {"region": c, "average_wage_fen": w, "insured_employees": n, "retirees": r}
        for c, (w, n, r) in zip(codes, rows, strict=False)]})
    assert sum(p["net_fen"] for p in result["provinces"]) == 0
    assert sum(p["allocation_fen"] for p in result["provinces"]) == result["fund_fen"]


def test_the_2020_reproduction_prints_beside_the_published_figure(tmp_path: Path) -> None:
    written = tmp_path / "estimated-2020.json"
    shown = runner.invoke(app, ["pooling", "reproduce-2020", "--write-input", str(written)])
    assert shown.exit_code == 0, shown.output
    assert "176.7–176.8 bn (published)" in shown.output and "gap" in shown.output
    found = service.reproduce_2020()
    assert sum(p["net_fen"] for p in found.result["provinces"]) == 0
    assert len(found.result["provinces"]) == 31
    assert found.gap_fen[0] == found.net_fen - service.PUBLISHED_2020_NET_FEN[0]
    # The estimated input runs through the same command and gives the same year.
    again = runner.invoke(app, ["pooling", "central-adjustment", "--year", "2020", "--input",
                                str(written), "--json"])
    assert json.loads(again.output)["fund_fen"] == found.result["fund_fen"]


def test_the_supervisors_page_shows_the_table_and_chart(client: TestClient,
                                                         database_url: str) -> None:
    add_user(database_url, "supervisor-nation", "supervisor", "000000")
    add_user(database_url, "clerk-sichuan", "clerk", "510000")
    _login(client, "clerk-sichuan")
    assert client.get("/pooling/central-adjustment").status_code == 403
    client.cookies.clear()
    _login(client, "supervisor-nation")
    page = client.get("/pooling/central-adjustment")
    assert page.status_code == 200
    assert "<svg" in page.text and 'data-province="440000"' in page.text
    assert 'data-testid="reproduction-2020"' in page.text
