"""The citizen's record and the employer's bills on their landing pages, and the CSV statement."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.contributions.test_api import _declare, _employ
from tests.helpers import add_user, bearer
from tests.registry.world import World, build
from tests.web.test_pages import _login


@pytest.fixture
def world(database_url: str) -> World:
    return build(database_url)


def test_record_and_bills_on_the_pages(
    client: TestClient, world: World, database_url: str
) -> None:
    _employ(client, world, world.worker)
    employer = bearer(client, "employer-factory")
    bill = _declare(client, world, database_url, "2025-07", employer)
    client.post(f"/api/v1/contributions/bills/{bill['id']}/payments",
                json={"paid_on": "2025-07-20", "amount_fen": bill["amount_fen"]},
                headers=employer).raise_for_status()
    add_user(database_url, "citizen-chen", "citizen", "440306", person_id=world.worker)
    _login(client, "citizen-chen")
    page = client.get("/").text
    assert 'data-testid="record"' in page
    assert "1,280.00" in page and "640.00" in page  # employer and own pension shares, yuan
    statement = client.get("/me/record.csv")
    assert statement.headers["content-type"].startswith("text/csv")
    assert "2025-07" in statement.text and "contribution_months,1" in statement.text
    client.cookies.clear()
    _login(client, "employer-factory")
    bills = client.get("/").text
    assert 'data-testid="bills"' in bills and "2,736.00" in bills
