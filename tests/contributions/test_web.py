"""The employer's declaration upload page and bill view: a bad file is refused whole with every
bad line named and nothing stored; a good one lands on its bill, scheme by scheme."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from shebao.contributions.models import Bill
from shebao.db.engine import transaction
from tests.benefits.pension.test_pages import _csrf
from tests.contributions.test_api import _employ, _number
from tests.registry.world import World, build
from tests.web.test_pages import _login


@pytest.fixture
def world(database_url: str) -> World:
    return build(database_url)


def _bills(url: str) -> int:
    with transaction(url) as db:
        return int(db.scalar(select(func.count(Bill.id))))


def test_upload_a_declaration_and_see_the_bill(
    client: TestClient, world: World, database_url: str
) -> None:
    _employ(client, world, world.worker)
    _login(client, "employer-factory")
    page = client.get("/employer/declare").text
    assert 'data-upload-progress="upload-progress"' in page and "<progress" in page
    number = _number(database_url, world.worker)
    bad = f"identity_number,wage_fen\n{number},lots\n110105194912310021,100\n"
    refused = client.post("/employer/declare", data={"csrf_token": _csrf(page),
                                                     "month": "2025-07"},
                          files={"file": ("d.csv", bad.encode(), "text/csv")})
    assert refused.status_code == 422
    assert refused.text.count("<li>") >= 2 and "wage_fen" in refused.text
    assert _bills(database_url) == 0

    good = f"identity_number,wage_fen\n{number},800000\n"
    made = client.post("/employer/declare", data={"csrf_token": _csrf(page), "month": "2025-07"},
                       files={"file": ("d.csv", good.encode(), "text/csv")},
                       follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"].startswith("/employer/bills/")
    bill = client.get(made.headers["location"]).text
    assert 'data-testid="bill"' in bill and "2,736.00" in bill  # as on the landing page
    assert "职工基本养老保险" in bill


def test_only_the_employer_declares_here(client: TestClient, world: World) -> None:
    _login(client, "clerk-baoan")
    assert client.get("/employer/declare").status_code == 403
