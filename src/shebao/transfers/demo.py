"""The demo's transfers between Guangdong and Sichuan, through the same services the API uses.

A Sichuan migrant in Guangdong moved home in September (received); the rider 王建军 applied
online three days before the demo was built to move his record to his hukou county, and the
funds are in transit; another migrant's application has waited at the Guangdong source past the
15-working-day target, for the Sichuan supervisor's overdue list. (A small demo population may
lack the two migrants; the rider's transfer is always there.)
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from shebao.auth.models import User
from shebao.auth.service import operator
from shebao.contributions.models import Bill, Contribution
from shebao.db.engine import transaction
from shebao.registry.models import Person
from shebao.transfers import service

SICHUAN = "510000"


def _migrants(url: str, rider: int) -> list[tuple[int, str]]:
    """Population persons with a Sichuan hukou whose pension is paid in Guangdong (id, hukou)."""
    with transaction(url) as db:
        return [(pid, hukou) for pid, hukou in db.execute(
            select(Person.id, Person.hukou_region).distinct()
            .join(Contribution, Contribution.person_id == Person.id)
            .join(Bill, Bill.id == Contribution.bill_id)
            .where(Person.hukou_region.startswith("51"), Person.residence_region.startswith("44"),
                   Bill.province == "440000", Bill.status == "paid",
                   Contribution.pension_account_fen > 0, Person.id != rider)
            .order_by(Person.id).limit(2))]


def seed_transfers(url: str) -> dict[str, int]:
    """One received, one in transit, one overdue at the source; counts by status."""
    admin = operator()
    with transaction(url) as db:
        rider = db.scalar(select(Person).where(Person.name == "王建军"))
        citizen = db.scalar(select(User).where(User.username == "citizen"))
        assert rider is not None and citizen is not None
        rider_id, rider_hukou = rider.id, rider.hukou_region
    migrants = _migrants(url, rider_id)
    made = {"received": 0, "funds_moved": 1, "applied": 0}
    if migrants:
        home, home_hukou = migrants[0]
        with transaction(url, write=True) as db:
            done = service.apply(db, admin, service.ApplicationInput(home, SICHUAN, home_hukou),
                                 date(2026, 9, 7))
            service.approve(db, admin, done.id, date(2026, 9, 10))
            done_id = done.id
        made["received"] = int(service.complete(url, admin, done_id, date(2026, 9, 18))
                               == "received")
    with transaction(url, write=True) as db:
        # The rider's transfer is days old whenever the demo is built: within the target.
        today = date.today()
        rider_transfer = service.apply(db, citizen, service.ApplicationInput(
            rider_id, SICHUAN, rider_hukou), today - timedelta(days=3))
        service.approve(db, admin, rider_transfer.id, today - timedelta(days=2))
        service.move_funds(db, admin, rider_transfer.id, today - timedelta(days=1))
        if len(migrants) > 1:
            service.apply(db, admin, service.ApplicationInput(migrants[1][0], SICHUAN),
                          date(2026, 10, 9))
            made["applied"] = 1
    return made
