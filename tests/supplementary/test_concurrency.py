"""Contributions racing for the last room under the yearly cap, on both databases.

Each thread has its own write session (BEGIN IMMEDIATE on SQLite; on PostgreSQL the account row
is locked before the year's total is read): the cap holds however the requests interleave.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from shebao.auth.service import operator
from shebao.db.engine import transaction
from shebao.errors import InputError
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.registry.models import Enrollment
from shebao.supplementary import service
from tests.helpers import add_person

THREADS = 6
AMOUNT = 300000  # four fit under the 1,200,000 fen cap


def test_racing_contributions_never_pass_the_cap(database_url: str) -> None:
    person = add_person(database_url, "孙悦", "440106", date(1991, 6, 1), 17)
    with transaction(database_url) as db:
        db.add(Enrollment(person_id=person, scheme="employee_pension", category="flexible",
                          region_code="440106", start_date=date(2020, 1, 1)))
        db.flush()
        service.open_personal_pension(db, operator(), person, date(2025, 1, 2))
    barrier = threading.Barrier(THREADS)

    def work(thread: int) -> str:
        barrier.wait()
        try:
            with transaction(database_url, write=True) as db:
                service.contribute(db, operator(), person, AMOUNT, date(2025, 5, 1), f"t{thread}")
        except InputError as refused:
            return refused.field
        return "paid"

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = sorted(pool.map(work, range(THREADS)))
    assert outcomes == ["amount_fen"] * 2 + ["paid"] * 4
    with transaction(database_url) as db:
        assert ledger.balance(db, accounts.person("personal_pension", person)) == 1200000
        assert ledger.check(db) == []
