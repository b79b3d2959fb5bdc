"""Paying a bill: once, whatever the retries and races, and only within the payer's reach.

On SQLite and PostgreSQL. The world of tests/contributions/test_api.py: 陈丽's July 2025 bill
at a Shenzhen factory, 2,736 yuan.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from shebao.auth.models import User
from shebao.contributions import service as contributions
from shebao.contributions.models import Bill, Payment
from shebao.db.engine import transaction
from shebao.errors import InputError
from shebao.ledger import service as ledger
from shebao.ledger.models import LedgerEntry
from tests.contributions.test_api import _declare, _employ, world  # noqa: F401 - the fixture
from tests.helpers import add_user, bearer
from tests.registry.world import World

THREADS = 6


def _stored(url: str, bill_id: int) -> tuple[list[int], int, str]:
    """The bill's payment ids, its payment ledger entries and its status."""
    with transaction(url) as db:
        payments = list(db.scalars(select(Payment.id).where(Payment.bill_id == bill_id)))
        entries = db.scalar(select(func.count()).select_from(LedgerEntry).where(
            LedgerEntry.idempotency_key == f"contribution-payment-{bill_id}"))
        status = db.get_one(Bill, bill_id).status
        assert ledger.check(db) == []
    return payments, int(entries or 0), status


def test_paying_again_answers_the_first_payment(
    client: TestClient, world: World, database_url: str  # noqa: F811
) -> None:
    _employ(client, world, world.worker)
    employer = bearer(client, "employer-factory")
    bill = _declare(client, world, database_url, "2025-07", employer)
    url = f"/api/v1/contributions/bills/{bill['id']}/payments"
    body = {"paid_on": "2025-07-20", "amount_fen": bill["amount_fen"]}
    first = client.post(url, json=body, headers=employer)
    assert first.status_code == 201, first.text
    again = client.post(url, json=body, headers=employer)
    assert again.status_code == 201 and again.json() == first.json()
    other = client.post(url, json={**body, "paid_on": "2025-07-21"}, headers=employer)
    assert other.status_code == 422
    assert other.json()["errors"] == [{"field": "bill_id",
                                       "reason": "was already paid on 2025-07-20"}]
    assert _stored(database_url, bill["id"]) == ([first.json()["id"]], 1, "paid")


def test_another_employer_cannot_pay_the_bill(
    client: TestClient, world: World, database_url: str  # noqa: F811
) -> None:
    _employ(client, world, world.worker)
    bill = _declare(client, world, database_url, "2025-07", bearer(client, "employer-factory"))
    add_user(database_url, "employer-wuhou", "employer", "510107", employer_id=world.wuhou_firm)
    refused = client.post(f"/api/v1/contributions/bills/{bill['id']}/payments",
                          json={"paid_on": "2025-07-20", "amount_fen": bill["amount_fen"]},
                          headers=bearer(client, "employer-wuhou"))
    assert refused.status_code == 404
    assert _stored(database_url, bill["id"]) == ([], 0, "open")


def test_concurrent_payments_of_one_bill_post_once(
    client: TestClient, world: World, database_url: str  # noqa: F811
) -> None:
    """Six desks record the same payment at once: the bill's lock lets one post; the others
    wait, then answer with its payment."""
    _employ(client, world, world.worker)
    bill = _declare(client, world, database_url, "2025-07", bearer(client, "employer-factory"))
    barrier = threading.Barrier(THREADS)

    def pay(_thread: int) -> int:
        barrier.wait()
        with transaction(database_url, write=True) as db:
            clerk = db.scalar(select(User).where(User.username == "clerk-baoan"))
            assert clerk is not None
            return contributions.pay(db, clerk, bill["id"], date(2025, 7, 20),
                                     bill["amount_fen"]).id

    with ThreadPoolExecutor(THREADS) as pool:
        ids = list(pool.map(pay, range(THREADS)))
    assert len(set(ids)) == 1
    assert _stored(database_url, bill["id"]) == ([ids[0]], 1, "paid")


def test_a_wrong_amount_is_refused_and_changes_nothing(
    client: TestClient, world: World, database_url: str  # noqa: F811
) -> None:
    _employ(client, world, world.worker)
    bill = _declare(client, world, database_url, "2025-07", bearer(client, "employer-factory"))
    with transaction(database_url, write=True) as db:
        clerk = db.scalar(select(User).where(User.username == "clerk-baoan"))
        assert clerk is not None
        with pytest.raises(InputError) as refused:
            contributions.pay(db, clerk, bill["id"], date(2025, 7, 20), bill["amount_fen"] - 1)
    assert (refused.value.field, refused.value.reason) == (
        "amount_fen", f"must be {bill['amount_fen']}: the bill {bill['amount_fen']} plus the "
                      "late fee 0 for 0 days")
    assert _stored(database_url, bill["id"]) == ([], 0, "open")
