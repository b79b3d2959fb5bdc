"""The demo shows transfers between its two provinces (received, in transit, overdue) and a
posted central adjustment year, and its ledger stays sound."""

from __future__ import annotations

from sqlalchemy import select

from shebao.db.engine import transaction
from shebao.demo import seed_demo
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.pooling.models import AdjustmentYear
from shebao.transfers.models import Transfer


def test_the_demo_has_transfers_and_a_central_adjustment_year(database_url: str) -> None:
    assert seed_demo(database_url, persons=1200) is not None
    with transaction(database_url) as db:
        statuses = dict(db.execute(select(Transfer.status, Transfer.id)).all())
        assert set(statuses) == {"received", "funds_moved", "applied"}
        moving = db.get(Transfer, statuses["funds_moved"])
        assert ledger.balance(db, moving.transit_account) == moving.total_fen > 0
        year = db.scalar(select(AdjustmentYear))
        assert year is not None and sum(p.net_fen for p in year.provinces) == 0
        assert ledger.balance(db, accounts.CENTRAL_ADJUSTMENT) == 0
        assert ledger.check(db) == []
