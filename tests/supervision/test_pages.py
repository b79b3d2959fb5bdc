"""The supervisors' pages: the dashboard (audit chain, alerts by rule, open cases,
recoveries), a scan, a case with its evidence, a note and a decision; CSRF; other roles out."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.supervision.test_cases import claims_world  # noqa: F401  (a fixture)
from tests.web.test_pages import _login


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_dashboard_scan_case_note_and_decision(
    client: TestClient, database_url: str, claims_world: dict[str, int],  # noqa: F811
) -> None:
    _login(client, "clerk-shenzhen")
    assert client.get("/supervision").status_code == 403
    client.cookies.clear()
    _login(client, "supervisor-guangdong")
    page = client.get("/supervision")
    assert page.status_code == 200
    assert 'data-testid="audit-chain"' in page.text and "error" not in page.text.split(
        'data-testid="audit-chain"')[1].split("</section>")[0]
    forged = client.post("/supervision/scan", data={"province": "440000", "csrf_token": "x"})
    assert forged.status_code == 403
    scanned = client.post("/supervision/scan", data={"province": "440000",
                                                     "csrf_token": _csrf(page.text)},
                          follow_redirects=True)
    assert scanned.status_code == 200 and "<svg" in scanned.text
    [case_id] = re.findall(r'href="/supervision/cases/(\d+)"', scanned.text)
    case = client.get(f"/supervision/cases/{case_id}")
    assert case.status_code == 200 and "C61" in case.text
    token = _csrf(case.text)
    noted = client.post(f"/supervision/cases/{case_id}/notes",
                        data={"text": "records requested", "csrf_token": token},
                        follow_redirects=True)
    assert "records requested" in noted.text
    refused = client.post(f"/supervision/cases/{case_id}/decision", data={
        "outcome": "recovered", "reason": "the hospital repaid", "recovered_fen": "1000",
        "fine_multiple": "9", "received_on": "2026-07-01", "reference": "r1",
        "csrf_token": token})
    assert refused.status_code == 422 and "fine_multiple" in refused.text
    decided = client.post(f"/supervision/cases/{case_id}/decision", data={
        "outcome": "recovered", "reason": "the hospital repaid the duplicate",
        "recovered_fen": "1000", "fine_multiple": "2", "received_on": "2026-07-01",
        "reference": "r1", "csrf_token": token}, follow_redirects=True)
    assert decided.status_code == 200 and "the hospital repaid the duplicate" in decided.text
    dashboard = client.get("/supervision")
    recoveries = dashboard.text.split('data-testid="recoveries"')[1]
    assert "10.00" in recoveries and "20.00" in recoveries
