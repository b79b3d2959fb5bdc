"""Concurrent postings on both databases: every posting lands once, balances add up.

Each thread has its own session from `transaction(url, write=True)`: BEGIN IMMEDIATE on SQLite,
row locks in id order on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import TypeVar

from shebao.db.engine import transaction
from shebao.errors import InputError
from shebao.ledger import service
from tests.helpers import add_person
from tests.ledger.support import (
    MEDICAL_GD,
    PENSION_GD,
    SETTLEMENT_GD,
    SETTLEMENT_SC,
    UNEMPLOYMENT_GD,
    balances,
    check,
    receive,
    request,
    totals,
)

THREADS = 8
POSTINGS = 40
SEED = 1_000_000_00
POOLS = (PENSION_GD, MEDICAL_GD, UNEMPLOYMENT_GD)
T = TypeVar("T")


def _together(work: Callable[[int], T]) -> list[T]:
    """Run `work(thread)` on THREADS threads started at the same moment; re-raise failures."""
    barrier = threading.Barrier(THREADS)

    def run(thread: int) -> T:
        barrier.wait()
        return work(thread)

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(run, range(THREADS)))


def _plan(thread: int, i: int) -> list[tuple[str, int]]:
    """Posting i of a thread: money between the pools and the bank, accounts in varying order
    (so that a careless lock order would deadlock)."""
    amount = (thread * POSTINGS + i) % 97 + 1
    source, target = POOLS[(thread + i) % 3], POOLS[(thread + 2 * i + 1) % 3]
    if source == target:
        return [(SETTLEMENT_GD, amount), (source, -amount)]  # money arrives
    if i % 4 == 3:
        return [(target, -amount), (SETTLEMENT_GD, -amount), (source, 2 * amount)]
    return [(target, -amount), (source, amount)]


def test_concurrent_postings_all_land_and_balances_add_up(database_url: str) -> None:
    for pool in POOLS:
        receive(database_url, f"seed-{pool}", pool, SEED)

    def work(thread: int) -> int:
        for i in range(POSTINGS):
            with transaction(database_url, write=True) as db:
                service.post(db, request(f"t{thread}-{i}", *_plan(thread, i)))
        return POSTINGS

    assert sum(_together(work)) == THREADS * POSTINGS

    signed: Counter[str] = Counter()  # debit-positive sum of every line
    for pool in POOLS:
        signed[SETTLEMENT_GD] += SEED
        signed[pool] -= SEED
    for thread in range(THREADS):
        for i in range(POSTINGS):
            for code, amount in _plan(thread, i):
                signed[code] += amount
    assert balances(database_url, SETTLEMENT_GD, *POOLS) == {
        SETTLEMENT_GD: signed[SETTLEMENT_GD], **{pool: -signed[pool] for pool in POOLS}
    }
    assert totals(database_url).entries == len(POOLS) + THREADS * POSTINGS
    assert check(database_url) == []


def test_concurrent_overdrafts_never_take_a_fund_below_zero(database_url: str) -> None:
    receive(database_url, "seed", PENSION_GD, 100_00)

    def work(thread: int) -> int:
        paid = 0
        for i in range(5):
            try:
                with transaction(database_url, write=True) as db:
                    service.post(db, request(f"pay-{thread}-{i}", (PENSION_GD, 7_00),
                                             (SETTLEMENT_GD, -7_00)))
                paid += 1
            except InputError as refused:
                assert "below zero" in refused.reason
        return paid

    paid = sum(_together(work))
    assert paid == 100_00 // 7_00  # 14 payments fit, every other one is refused
    assert balances(database_url, PENSION_GD) == {PENSION_GD: 100_00 - paid * 7_00}
    assert check(database_url) == []


def test_concurrent_debits_never_take_a_person_s_account_below_zero(database_url: str) -> None:
    """A person holds 50 yuan under each of two provinces' control accounts; threads debit 7
    yuan at a time under either. Postings of one province wait on its control account, but
    the two provinces meet only at the person's kept balance: its row lock must keep them
    apart."""
    person = add_person(database_url, "王建军", "511324", date(1988, 3, 9), 17)
    account = f"person:pension:{person}"
    for province, settlement in (("440000", SETTLEMENT_GD), ("510000", SETTLEMENT_SC)):
        with transaction(database_url, write=True) as db:
            service.post(db, request(f"seed-{province}", (settlement, 50_00),
                                     (account, -50_00), province=province))

    def work(thread: int) -> int:
        paid = 0
        for i in range(5):
            province, settlement = (("440000", SETTLEMENT_GD), ("510000", SETTLEMENT_SC))[
                (thread + i) % 2]
            try:
                with transaction(database_url, write=True) as db:
                    service.post(db, request(f"out-{thread}-{i}", (account, 7_00),
                                             (settlement, -7_00), province=province))
                paid += 1
            except InputError as refused:
                assert "below zero" in refused.reason
        return paid

    paid = sum(_together(work))
    assert paid <= 100_00 // 7_00
    assert balances(database_url, account) == {account: 100_00 - paid * 7_00}
    assert check(database_url) == []


def test_concurrent_duplicates_of_one_key_post_once(database_url: str) -> None:
    receive(database_url, "seed", PENSION_GD, 100_00)
    same = request("one-key", (PENSION_GD, 30_00), (MEDICAL_GD, -30_00), memo="transfer")

    def work(_thread: int) -> service.PostingResult:
        with transaction(database_url, write=True) as db:
            return service.post(db, same)

    results = _together(work)
    assert len({r.entry_id for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    assert totals(database_url).entries == 2
    assert balances(database_url, PENSION_GD, MEDICAL_GD) == {PENSION_GD: 70_00,
                                                              MEDICAL_GD: 30_00}
    assert check(database_url) == []


def test_concurrent_reversals_of_one_entry_reverse_it_once(database_url: str) -> None:
    entry = receive(database_url, "seed", PENSION_GD, 100_00)

    def work(thread: int) -> str:
        try:
            with transaction(database_url, write=True) as db:
                service.reverse(db, entry.entry_id, f"undo-{thread}")
        except InputError as refused:
            assert refused.field == "entry_id"
            return "refused"
        return "reversed"

    assert sorted(_together(work)) == ["refused"] * (THREADS - 1) + ["reversed"]
    assert balances(database_url, PENSION_GD, SETTLEMENT_GD) == {PENSION_GD: 0,
                                                                 SETTLEMENT_GD: 0}
    assert check(database_url) == []


def test_concurrent_first_use_of_new_accounts_opens_each_once(database_url: str) -> None:
    receive(database_url, "seed", PENSION_GD, 1000_00)

    def work(thread: int) -> None:
        with transaction(database_url, write=True) as db:
            service.post(db, request(f"open-{thread}", (PENSION_GD, 10_00),
                                     ("transit:T-1", -5_00), ("transit:T-2", -5_00)))

    _together(work)
    assert balances(database_url, "transit:T-1", "transit:T-2") == {
        "transit:T-1": THREADS * 5_00, "transit:T-2": THREADS * 5_00
    }
    assert totals(database_url).accounts == 4
    assert check(database_url) == []
