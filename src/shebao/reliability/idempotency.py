"""Idempotency over HTTP: a retry answers with the stored first response and posts nothing; the
same key with a different body is refused (422); duplicates sent at once post once. Postings
(the Idempotency-Key header) and contribution payments (idempotent by bill, day and amount)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from shebao.contributions.models import Payment
from shebao.db.engine import transaction
from shebao.ledger import accounts
from shebao.ledger.models import LedgerEntry
from shebao.reliability.client import ENTRIES
from shebao.reliability.harness import Live, live
from shebao.reliability.report import CheckResult

CONCURRENT = 16


def entry_body(amount: int, memo: str = "idempotency check") -> dict[str, Any]:
    return {"kind": "receipt", "memo": memo, "effective_date": "2025-07-15",
            "lines": [{"account": accounts.settlement("440000"), "amount_fen": amount},
                      {"account": accounts.pool("employee_pension", "440000"),
                       "amount_fen": -amount}]}


def _stored(url: str, key: str) -> int:
    with transaction(url) as db:
        return int(db.scalar(select(func.count()).select_from(LedgerEntry)
                             .where(LedgerEntry.idempotency_key == key)) or 0)


def _payments(url: str, bill_id: int) -> int:
    with transaction(url) as db:
        return int(db.scalar(select(func.count()).select_from(Payment)
                             .where(Payment.bill_id == bill_id)) or 0)


async def _at_once(system: Live, method_path: str, headers: dict[str, str],
                   body: dict[str, Any]) -> list[httpx.Response]:
    async with httpx.AsyncClient(base_url=system.server.base_url, timeout=30.0) as http:
        return list(await asyncio.gather(*(http.post(method_path, headers=headers, json=body)
                                           for _ in range(CONCURRENT))))


def _checks(system: Live, result: CheckResult) -> None:
    admin = system.as_role("admin")
    base = system.server.base_url
    problems = result.problems

    def expect(condition: bool, what: str) -> None:
        if not condition:
            problems.append(what)

    # 1. Same key, same body: the stored first response, one posting.
    headers = admin | {"Idempotency-Key": "idem-1"}
    first = httpx.post(f"{base}{ENTRIES}", headers=headers, json=entry_body(500))
    again = httpx.post(f"{base}{ENTRIES}", headers=headers, json=entry_body(500))
    result.operations += 2
    expect(first.status_code == 201, f"first posting answered {first.status_code}")
    expect(again.status_code == 200 and again.headers.get("Idempotent-Replayed") == "true",
           f"a retry answered {again.status_code} without Idempotent-Replayed")
    same = {k: v for k, v in again.json().items() if k != "replayed"} == {
        k: v for k, v in first.json().items() if k != "replayed"}
    expect(same, "a retry's answer differs from the first")
    stored = _stored(system.url, "idem-1")
    result.lost += stored == 0
    result.duplicated += max(0, stored - 1)

    # 2. Same key, different body: 422 naming the key, nothing posted.
    other = httpx.post(f"{base}{ENTRIES}", headers=headers, json=entry_body(501))
    result.operations += 1
    expect(other.status_code == 422 and other.json()["errors"][0]["field"] == "idempotency_key",
           f"a different body under a used key answered {other.status_code}: {other.text}")
    result.duplicated += max(0, _stored(system.url, "idem-1") - 1)

    # 3. Duplicates at once: one posting, every answer the same entry.
    headers = admin | {"Idempotency-Key": "idem-concurrent"}
    answers = asyncio.run(_at_once(system, ENTRIES, headers, entry_body(700)))
    result.operations += len(answers)
    result.server_errors += sum(a.status_code >= 500 for a in answers)
    ids = {a.json()["id"] for a in answers if a.status_code in (200, 201)}
    expect(len(ids) == 1 and all(a.status_code in (200, 201) for a in answers),
           f"concurrent duplicates answered {sorted(a.status_code for a in answers)}, "
           f"entries {sorted(ids)}")
    stored = _stored(system.url, "idem-concurrent")
    result.lost += stored == 0
    result.duplicated += max(0, stored - 1)

    # 4. A bill paid by duplicates at once: one payment.
    bill = system.world.bills[0]
    clerk = system.as_role("clerk", bill.province)
    body = {"paid_on": bill.paid_on.isoformat(), "amount_fen": bill.amount_fen}
    answers = asyncio.run(_at_once(system, f"/api/v1/contributions/bills/{bill.id}/payments",
                                   clerk, body))
    result.operations += len(answers)
    result.server_errors += sum(a.status_code >= 500 for a in answers)
    ids = {a.json()["id"] for a in answers if a.status_code == 201}
    expect(len(ids) == 1 and all(a.status_code == 201 for a in answers),
           f"concurrent payments answered {sorted(a.status_code for a in answers)}")
    paid = _payments(system.url, bill.id)
    result.lost += paid == 0
    result.duplicated += max(0, paid - 1)

    # 5. No key: refused, naming the header.
    missing = httpx.post(f"{base}{ENTRIES}", headers=admin, json=entry_body(900))
    result.operations += 1
    expect(missing.status_code == 422, f"a posting without a key answered {missing.status_code}")


def idempotency_check(backend: str, log_dir: Path | None = None) -> CheckResult:
    started = time.monotonic()
    result = CheckResult(name=f"idempotency/{backend}",
                         tried=f"retries, a changed body, {CONCURRENT} duplicates at once "
                               "(postings and a payment)")
    with live(backend, "idempotency", log_dir) as system:
        _checks(system, result)
    result.seconds = time.monotonic() - started
    return result
