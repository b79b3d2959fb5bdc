"""The analysts' projection page: baseline and no-reform side by side, with fan charts."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.helpers import add_user
from tests.web.test_pages import _login


def test_analyst_sees_both_scenarios_with_fan_charts(client: TestClient, database_url: str) -> None:
    add_user(database_url, "analyst", "analyst", "000000")
    assert _login(client, "analyst").status_code == 303
    page = client.get(
        "/projection", params={"to": 2060, "draws": 200}, headers={"accept-language": "en"}
    )
    assert page.status_code == 200
    html = page.text
    assert 'data-testid="scenario-baseline"' in html and 'data-testid="scenario-no-reform"' in html
    assert html.count("<svg") == 6  # fund and fan chart for each, balances compared, population
    assert "P10–P90" in html and "Fund depleted in" in html
    bad = client.get("/projection", params={"a": "nope"})
    assert bad.status_code == 422 and "scenario" in bad.text


def test_clerks_are_sent_home(client: TestClient, database_url: str) -> None:
    add_user(database_url, "clerk", "clerk", "510104")
    _login(client, "clerk")
    assert client.get("/projection", follow_redirects=False).headers["location"] == "/"
