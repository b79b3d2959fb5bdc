"""Small builders shared by the ledger tests."""

from __future__ import annotations

from datetime import date

from shebao.db.engine import transaction
from shebao.ledger import service
from shebao.ledger.service import PostingRequest, PostingResult

DAY = date(2025, 7, 15)
SETTLEMENT_GD = "settlement:440000"
SETTLEMENT_SC = "settlement:510000"
PENSION_GD = "pool:employee_pension:440000"
MEDICAL_GD = "pool:employee_medical:440000"
UNEMPLOYMENT_GD = "pool:unemployment:440000"


def request(key: str, *lines: tuple[str, int], kind: str = "manual", memo: str = "",
            effective_date: date = DAY, province: str | None = None) -> PostingRequest:
    return PostingRequest(idempotency_key=key, kind=kind, memo=memo,
                          effective_date=effective_date, lines=list(lines), province=province)


def receive(url: str, key: str, pool: str, fen: int, settlement: str = SETTLEMENT_GD
            ) -> PostingResult:
    """Cash arrives at the bank for `pool`: debit settlement, credit the pool."""
    with transaction(url, write=True) as db:
        return service.post(db, request(key, (settlement, fen), (pool, -fen), kind="receipt"))


def balances(url: str, *codes: str) -> dict[str, int]:
    with transaction(url) as db:
        return {code: service.balance(db, code) for code in codes}


def totals(url: str) -> service.Totals:
    with transaction(url) as db:
        return service.totals(db)


def check(url: str) -> list[str]:
    with transaction(url) as db:
        return service.check(db)
