"""A transfer killed inside a step or between steps, run again, completes exactly once; the
refusals (not a province, a pensioner, twice at once) change nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from shebao.benefits.pension.models import PensionAward
from shebao.db.engine import transaction
from shebao.errors import InputError
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.ledger.models import LedgerEntry
from shebao.transfers import service
from shebao.transfers.models import Transfer
from tests.benefits.pension.world import desk, retirees, user
from tests.transfers.world import FIRST_HALF, GUANGDONG, ZHEJIANG, migrant, staff, work

ROOT = Path(__file__).resolve().parents[2]

# Each script runs `complete` in a process of its own and kills that process (os._exit: no
# cleanup, no commit) at one point of the flow.
KILL = {
    # inside the source step: its ledger entry is written, the transaction not committed
    "inside source step": """
real = ledger.post
def post(*args, **kwargs):
    real(*args, **kwargs)
    os._exit(9)
ledger.post = post
""",
    # between the steps: the funds are in transit, committed; the destination never starts
    "between steps": """
service.STEPS["funds_moved"] = lambda *args: os._exit(9)
""",
    # inside the destination step, after its entry, before the record moves and commits
    "inside destination step": """
real = ledger.post
def post(db, request, *args, **kwargs):
    real(db, request, *args, **kwargs)
    if request.idempotency_key.endswith("destination"):
        os._exit(9)
ledger.post = post
""",
}
PRELUDE = """
import os, sys
from shebao.auth.service import operator
from shebao.ledger import service as ledger
from shebao.transfers import service
"""


def _killed_run(url: str, transfer_id: int, how: str) -> None:
    script = PRELUDE + KILL[how] + "service.complete(sys.argv[1], operator(), int(sys.argv[2]))\n"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script, url, str(transfer_id)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 9, done.stderr


def _state(url: str, transfer_id: int) -> tuple[str, int, int]:
    """Status, transfer entries posted, and what the transit account holds."""
    with transaction(url) as db:
        found = db.get(Transfer, transfer_id)
        entries = db.scalar(select(func.count(LedgerEntry.id)).where(
            LedgerEntry.kind == "transfer"))
        return found.status, int(entries or 0), ledger.balance(db, found.transit_account)


def test_killed_anywhere_and_run_again_the_transfer_completes_exactly_once(
    database_url: str,
) -> None:
    url = database_url
    staff(url)
    person = migrant(url)
    work(url, person, "440106", "MA1A2B3C4", FIRST_HALF)
    with transaction(url, write=True) as db:
        made = service.apply(db, user(db, "clerk-guangdong"),
                             service.ApplicationInput(person, ZHEJIANG), date(2021, 7, 1))
        assert made.channel == "desk"
        transfer_id = made.id
    with transaction(url, write=True) as db:
        total = service.approve(db, user(db, "clerk-guangdong"), transfer_id).total_fen
    with transaction(url) as db:
        pension_before = ledger.balance(db, accounts.person("pension", person))

    _killed_run(url, transfer_id, "inside source step")
    assert _state(url, transfer_id) == ("approved_at_source", 0, 0)
    _killed_run(url, transfer_id, "between steps")
    assert _state(url, transfer_id) == ("funds_moved", 1, total)
    _killed_run(url, transfer_id, "inside destination step")
    assert _state(url, transfer_id) == ("funds_moved", 1, total)

    with transaction(url) as db:
        admin = user(db, "admin-state")
    assert service.complete(url, admin, transfer_id) == "received"
    assert service.complete(url, admin, transfer_id) == "received"  # again: nothing more
    assert _state(url, transfer_id) == ("received", 2, 0)
    with transaction(url) as db:
        code = accounts.person("pension", person)
        assert ledger.balance(db, code) == pension_before
        assert ledger.person_balance_in(db, code, ZHEJIANG) == pension_before
        assert ledger.person_balance_in(db, code, GUANGDONG) == 0
        assert ledger.check(db) == []


def _refused(url: str, username: str, data: service.ApplicationInput, field: str,
             words: str) -> None:
    with pytest.raises(InputError) as refused, transaction(url, write=True) as db:
        service.apply(db, user(db, username), data)
    assert refused.value.field == field and words in refused.value.reason


def test_refusals_name_the_field_and_the_reason(database_url: str) -> None:
    url = database_url
    staff(url)
    person = migrant(url)
    work(url, person, "440106", "MA1A2B3C4", FIRST_HALF)
    wang = "citizen-wang"
    _refused(url, wang, service.ApplicationInput(person, "510100"), "destination_province",
             "is a city, not a province")
    _refused(url, wang, service.ApplicationInput(person, "990000"), "destination_province", "")
    _refused(url, wang, service.ApplicationInput(person, GUANGDONG), "destination_province",
             "already held in 440000")
    _refused(url, wang, service.ApplicationInput(person, ZHEJIANG, "510104"),
             "destination_region", "not in 330000")
    with transaction(url, write=True) as db:
        first = service.apply(db, user(db, wang), service.ApplicationInput(person, ZHEJIANG))
    _refused(url, wang, service.ApplicationInput(person, "510000"), "person_id",
             f"transfer {first.id} is already in flight")
    with transaction(url) as db:
        assert db.scalar(select(func.count(Transfer.id))) == 1
    with transaction(url, write=True) as db:
        with pytest.raises(InputError, match="not approved at the source"):
            service.move_funds(db, user(db, "clerk-guangdong"), first.id)
        with pytest.raises(InputError, match="have not left the source"):
            service.receive(db, user(db, "clerk-zhejiang"), first.id)


def test_a_person_drawing_a_pension_cannot_transfer(database_url: str) -> None:
    url = database_url
    world = desk(url)
    (award_id,) = retirees(url, 1, world.employer)
    with transaction(url) as db:
        retiree = db.get(PensionAward, award_id).person_id
    _refused(url, "clerk-jinjiang", service.ApplicationInput(retiree, "440000"), "person_id",
             "draws a pension")
