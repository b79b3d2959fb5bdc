"""The ledger over HTTP: idempotent postings, reversals, who may read which account, checks."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.helpers import add_employer, add_user, bearer, two_counties
from tests.ledger.support import PENSION_GD, SETTLEMENT_GD, receive

POOL_SC = "pool:employee_pension:510000"
SETTLEMENT_SC = "settlement:510000"


def entry(*lines: tuple[str, int], memo: str = "") -> dict[str, object]:
    return {"kind": "manual", "memo": memo, "effective_date": "2025-07-15",
            "lines": [{"account": a, "amount_fen": f} for a, f in lines]}


def admin(client: TestClient, url: str) -> dict[str, str]:
    add_user(url, "admin-nation", "admin", "000000")
    return bearer(client, "admin-nation")


def test_an_admin_posts_and_a_retry_answers_with_the_first_entry(
    client: TestClient, database_url: str
) -> None:
    headers = admin(client, database_url) | {"Idempotency-Key": "manual-2025-07-15-1"}
    body = entry((SETTLEMENT_SC, 250_00), (POOL_SC, -250_00), memo="opening balance")
    first = client.post("/api/v1/ledger/entries", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["replayed"] is False
    assert first.json()["lines"] == body["lines"]
    again = client.post("/api/v1/ledger/entries", json=body, headers=headers)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"] and again.json()["replayed"] is True

    other = client.post("/api/v1/ledger/entries", headers=headers,
                        json=entry((SETTLEMENT_SC, 1), (POOL_SC, -1)))
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "idempotency_key"

    shown = client.get(f"/api/v1/ledger/accounts/{POOL_SC}", headers=headers)
    assert shown.status_code == 200, shown.text
    assert shown.json()["balance_fen"] == 250_00 and shown.json()["balance_yuan"] == "250.00"
    assert [line["amount_fen"] for line in shown.json()["lines"]] == [250_00]


def test_refusals_name_the_field(client: TestClient, database_url: str) -> None:
    headers = admin(client, database_url)
    cases = [
        (entry((SETTLEMENT_SC, 100), (POOL_SC, -99)), "lines"),
        (entry(), "lines"),
        (entry((SETTLEMENT_SC, 100), ("pool:employee_pension:5100", -100)), "lines.1.account"),
        (entry((SETTLEMENT_SC, 0), (POOL_SC, 0)), "lines.0.amount_fen"),
        (entry((SETTLEMENT_SC, "100"), (POOL_SC, -100)), "lines.0.amount_fen"),
        (entry((SETTLEMENT_SC, 1.5), (POOL_SC, -1.5)), "lines.0.amount_fen"),
        (entry((POOL_SC, 100), (SETTLEMENT_SC, -100)), "lines.0.account"),  # overdraws
    ]
    for number, (body, field) in enumerate(cases):
        refused = client.post("/api/v1/ledger/entries", json=body,
                              headers=headers | {"Idempotency-Key": f"k{number}"})
        assert refused.status_code == 422, (body, refused.text)
        assert refused.json()["errors"][0]["field"] == field, refused.text
    missing = client.post("/api/v1/ledger/entries", headers=headers,
                          json=entry((SETTLEMENT_SC, 1), (POOL_SC, -1)))
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"].lower() == "idempotency-key"
    check = client.get("/api/v1/ledger/check", headers=headers)
    assert check.json() == {"ok": True, "problems": [], "entries": 0, "lines": 0, "accounts": 0}


def test_reversal_over_http(client: TestClient, database_url: str) -> None:
    headers = admin(client, database_url)
    posted = client.post("/api/v1/ledger/entries", json=entry((SETTLEMENT_SC, 9_00),
                                                              (POOL_SC, -9_00)),
                         headers=headers | {"Idempotency-Key": "p1"}).json()
    url = f"/api/v1/ledger/entries/{posted['id']}/reverse"
    undone = client.post(url, json={"memo": "duplicate bank line"},
                         headers=headers | {"Idempotency-Key": "u1"})
    assert undone.status_code == 201, undone.text
    assert undone.json()["reverses_entry_id"] == posted["id"]
    retried = client.post(url, json={"memo": "duplicate bank line"},
                          headers=headers | {"Idempotency-Key": "u1"})
    assert retried.status_code == 200 and retried.json()["id"] == undone.json()["id"]
    twice = client.post(url, headers=headers | {"Idempotency-Key": "u2"})
    assert twice.status_code == 422 and twice.json()["errors"][0]["field"] == "entry_id"
    balance = client.get(f"/api/v1/ledger/accounts/{POOL_SC}", headers=headers).json()
    assert balance["balance_fen"] == 0 and len(balance["lines"]) == 2


def test_only_admins_post_manual_entries(client: TestClient, database_url: str) -> None:
    two_counties(database_url)
    for username in ("clerk-jinjiang", "supervisor-sichuan", "analyst", "citizen-liu"):
        refused = client.post("/api/v1/ledger/entries",
                              json=entry((SETTLEMENT_SC, 1), (POOL_SC, -1)),
                              headers=bearer(client, username) | {"Idempotency-Key": "x"})
        assert refused.status_code == 403, username
    assert client.post("/api/v1/ledger/entries", json=entry((SETTLEMENT_SC, 1), (POOL_SC, -1)),
                       headers={"Idempotency-Key": "x"}).status_code == 401


def test_who_reads_which_account(client: TestClient, database_url: str) -> None:
    world = two_counties(database_url)
    employer = add_employer(database_url, "91510104MA6CXXXX0X", "510104")
    add_user(database_url, "employer-chengdu", "employer", "510104", employer_id=employer)
    add_user(database_url, "admin-nation", "admin", "000000")
    add_user(database_url, "supervisor-guangdong", "supervisor", "440000")
    receive(database_url, "seed", POOL_SC, 100_00, settlement=SETTLEMENT_SC)
    receive(database_url, "seed-gd", PENSION_GD, 100_00)

    own = f"person:pension:{world.jinjiang_person}"
    other = f"person:pension:{world.wuhou_person}"
    receivable = f"employer:receivable:{employer}"
    expected = {
        "citizen-liu": {own: 200, other: 404, receivable: 404, POOL_SC: 404},
        "employer-chengdu": {receivable: 200, own: 404, POOL_SC: 404},
        "clerk-jinjiang": {own: 200, other: 404, receivable: 200, POOL_SC: 404,
                           "central:adjustment": 404},
        "supervisor-sichuan": {own: 200, other: 200, POOL_SC: 200, SETTLEMENT_SC: 200,
                               PENSION_GD: 404, "central:adjustment": 404,
                               "transit:T-1": 404, "person:pension:4242": 404},
        "supervisor-guangdong": {PENSION_GD: 200, SETTLEMENT_GD: 200, POOL_SC: 404, own: 404},
        "admin-nation": {POOL_SC: 200, PENSION_GD: 200, "central:adjustment": 200,
                         "transit:T-1": 200, own: 200, receivable: 200},
        "analyst": {POOL_SC: 403, own: 403},
    }
    for username, reach in expected.items():
        headers = bearer(client, username)
        for code, status in reach.items():
            response = client.get(f"/api/v1/ledger/accounts/{code}", headers=headers)
            assert response.status_code == status, (username, code, response.text)
    shown = client.get(f"/api/v1/ledger/accounts/{POOL_SC}",
                       headers=bearer(client, "supervisor-sichuan")).json()
    assert shown["balance_fen"] == 100_00 and shown["normal_side"] == "credit"
    bad = client.get("/api/v1/ledger/accounts/pool:pension:510000",
                     headers=bearer(client, "supervisor-sichuan"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "account"


def test_check_is_for_supervisors_and_admins(client: TestClient, database_url: str) -> None:
    two_counties(database_url)
    receive(database_url, "seed", POOL_SC, 100_00, settlement=SETTLEMENT_SC)
    report = client.get("/api/v1/ledger/check", headers=bearer(client, "supervisor-sichuan"))
    assert report.status_code == 200
    assert report.json() == {"ok": True, "problems": [], "entries": 1, "lines": 2,
                             "accounts": 2}
    for username in ("clerk-jinjiang", "citizen-liu", "analyst"):
        assert client.get("/api/v1/ledger/check",
                          headers=bearer(client, username)).status_code == 403
