"""The bank test, short: the API worker killed with SIGKILL while clients post and pay; and the
verification itself catches a lost and an unasked posting."""

from __future__ import annotations

from datetime import date

from shebao.db.engine import transaction
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.reliability.bank import BankRun, Operation, _opening, bank_test, verify
from shebao.reliability.database import scratch_database
from shebao.reliability.world import build


def test_nothing_is_lost_or_doubled_across_kills(backend: str) -> None:
    # A restart of the API takes about 4 s on this machine (importing it), so kills 1-2 s
    # apart in a 10 s run left the clients 2-3 s of service: too few operations to tell
    # anything. Kills 2-4 s after each restart in 20 s: three or four of them, half the time
    # served.
    result = bank_test(backend, seconds=20, clients=4, kill_pause=(2.0, 4.0))
    assert result.problems == []
    assert (result.lost, result.duplicated, result.server_errors) == (0, 0, 0)
    assert result.figures["kills"] >= 2
    assert result.operations >= 20
    assert result.figures["acknowledged"] + result.figures["transfers"] == result.operations
    assert result.figures["transfers"] > 0


def test_the_verification_sees_a_lost_and_an_unasked_posting() -> None:
    with scratch_database("sqlite") as url:
        world = build(url, employers_per_province=1, persons_per_employer=1, months=1)
        opening = _opening(url)
        pool, settlement = world.pools("440000")[0], accounts.settlement("440000")
        lines = [(settlement, 100), (pool, -100)]
        with transaction(url, write=True) as db:  # posted, never acknowledged to a client
            ledger.post(db, ledger.PostingRequest(idempotency_key="bank-0-2", kind="receipt",
                                                  effective_date=date(2025, 7, 1), lines=lines))
        acknowledged = Operation("receipt", "admin-000000", "/api/v1/ledger/entries", {},
                                 key="bank-0-1", lines=lines, status=201, answer={"id": 99})
        result = verify(url, BankRun("sqlite", 1, 1, operations=[acknowledged]), opening)
    assert result.lost == 1 and result.duplicated == 1
    # The unasked posting stands in for the lost one in the balances: they agree.
    assert result.problems == []
