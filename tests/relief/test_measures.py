"""Emergency relief measures: drafted with their cost to each fund, enacted by a second
administrator, then applied by the live contribution rule on their dates and withdrawn by
their later steps — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from shebao.contributions import service as contributions
from shebao.contributions.models import Bill, Contribution
from shebao.db.engine import transaction
from shebao.errors import InputError
from shebao.policy.formulas.periods import parse_month
from shebao.registry.models import Person
from shebao.relief import service
from tests.benefits.pension.world import contribute, desk, user
from tests.helpers import add_person, add_user, bearer

STEPS = [  # small firms in Sichuan: pension waived in March–April 2026, halved in May
    {"scheme": "pension", "start": "2026-03", "end": "2026-04", "factor": 0.0,
     "sizes": ["micro", "small", "medium"], "provinces": ["510000"]},
    {"scheme": "pension", "start": "2026-05", "end": "2026-05", "factor": 0.5,
     "sizes": ["micro", "small", "medium"], "provinces": ["510000"]},
]


def _employer_pension(url: str, month: str) -> int:
    with transaction(url) as db:
        return int(db.scalar(select(Contribution.pension_pool_fen).join(
            Bill, Bill.id == Contribution.bill_id).where(Bill.month == month)))


def test_drafted_costed_enacted_by_another_admin_then_applied_on_its_dates(
    database_url: str,
) -> None:
    world = desk(database_url)  # a medium-sized Jinjiang employer, clerks, admin-state
    add_user(database_url, "admin-two", "admin", "000000")
    worker = add_person(database_url, "纾困", "510104", date(1985, 6, 6), 51)
    contribute(database_url, world.employer, [worker], {"2026-02": 600000}, date(2026, 2, 1))
    february = _employer_pension(database_url, "2026-02")
    assert february > 0

    with transaction(database_url, write=True) as db:
        with pytest.raises(InputError) as refused:
            service.draft(db, user(db, "admin-state"), "bad", [{**STEPS[0], "factor": 1.5}])
        assert refused.value.field == "steps.0.factor"
        measure = service.draft(db, user(db, "admin-state"), "人社部发〔2026〕1号 (test)", STEPS)
        # Before anyone enacts it: February's employer pension share, forgone for two months
        # in full and for one month by half.
        assert measure.cost == {"based_on_month": "2026-02", "fen": {
            "pension": round(february * 2.5), "medical": 0, "unemployment": 0,
            "work_injury": 0}}
        with pytest.raises(InputError, match="second administrator"):
            service.decide(db, user(db, "admin-state"), measure.id, enact=True,
                           reason="the State Council decided")
        measure_id = measure.id
    # Drafted only: the live rule does not apply it.
    with transaction(database_url) as db:
        assert service.rules_in_force(db, parse_month("2026-03")) == []
    with transaction(database_url, write=True) as db:
        service.decide(db, user(db, "admin-two"), measure_id, enact=True,
                       reason="the State Council decided; cost reviewed")

    contribute_months = {"2026-03": 600000, "2026-04": 600000, "2026-05": 600000,
                         "2026-06": 600000}
    with transaction(database_url, write=True) as db:
        admin = user(db, "admin-state")
        number = db.get_one(Person, worker).identity_number
        for month, wage in contribute_months.items():
            contributions.declare(db, admin, world.employer, month,
                                  [contributions.DeclaredRow(1, number, wage)], "api")
    assert _employer_pension(database_url, "2026-03") == 0
    assert _employer_pension(database_url, "2026-04") == 0
    assert _employer_pension(database_url, "2026-05") == round(february * 0.5)
    assert _employer_pension(database_url, "2026-06") == february  # withdrawn


def test_measures_over_the_api_for_administrators_only(
    client: TestClient, database_url: str,
) -> None:
    desk(database_url)
    add_user(database_url, "admin-two", "admin", "000000")
    clerk, admin = bearer(client, "clerk-jinjiang"), bearer(client, "admin-state")
    body = {"name": "a waiver", "steps": STEPS}
    assert client.post("/api/v1/relief-measures", json=body, headers=clerk).status_code == 403
    bad = client.post("/api/v1/relief-measures", json={"name": "x", "steps": [
        {**STEPS[0], "provinces": ["510104"]}]}, headers=admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "steps.0.provinces"
    drafted = client.post("/api/v1/relief-measures", json=body, headers=admin)
    assert drafted.status_code == 201 and drafted.json()["status"] == "draft"
    assert drafted.json()["cost"]["based_on_month"] is None  # nothing declared yet
    route = f"/api/v1/relief-measures/{drafted.json()['id']}/decision"
    same = client.post(route, json={"enact": True, "reason": "approved"}, headers=admin)
    assert same.status_code == 422
    enacted = client.post(route, json={"enact": True, "reason": "approved by the board"},
                          headers=bearer(client, "admin-two"))
    assert enacted.status_code == 200 and enacted.json()["status"] == "enacted"
