"""Ledger endpoints: manual postings and reversals (admin), balances and statements, checks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response

from shebao.api.deps import CurrentUser, Db, WriteDb
from shebao.auth.authz import require
from shebao.ledger import service
from shebao.ledger.schemas import AccountOut, CheckOut, EntryIn, EntryOut, ReverseIn

router = APIRouter(prefix="/api/v1/ledger", tags=["ledger"])

IdempotencyKey = Annotated[
    str,
    Header(alias="Idempotency-Key", min_length=1, max_length=128,
           description="unique per posting; a retry with the same key and body posts nothing"),
]


def _answer(result: service.PostingResult, response: Response) -> EntryOut:
    if result.replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    return EntryOut.of(result)


@router.post("/entries", status_code=201)
def post_entry(
    data: EntryIn, idempotency_key: IdempotencyKey, user: CurrentUser, db: WriteDb,
    response: Response,
) -> EntryOut:
    """Post one balanced entry (201), or answer a retry with the first result (200)."""
    require(user, "ledger.post")
    result = service.post(
        db,
        service.PostingRequest(
            idempotency_key=idempotency_key, kind=data.kind, memo=data.memo,
            effective_date=data.effective_date,
            lines=[(line.account, line.amount_fen) for line in data.lines],
            province=data.province,
        ),
        actor_id=user.id,
    )
    db.commit()
    return _answer(result, response)


@router.post("/entries/{entry_id}/reverse", status_code=201)
def reverse_entry(
    entry_id: int, idempotency_key: IdempotencyKey, user: CurrentUser, db: WriteDb,
    response: Response, data: ReverseIn | None = None,
) -> EntryOut:
    """Post the mirror of an entry, once (201), or answer a retry with the first result."""
    require(user, "ledger.post")
    data = data or ReverseIn()
    result = service.reverse(db, entry_id, idempotency_key, data.memo, actor_id=user.id,
                             effective_date=data.effective_date)
    db.commit()
    return _answer(result, response)


@router.get("/accounts/{code}")
def get_account(
    code: str, user: CurrentUser, db: Db,
    limit: Annotated[int, Query(ge=1, le=service.MAX_STATEMENT)] = 50,
    before_id: int | None = None,
) -> AccountOut:
    """An account's balance and its latest lines, within the user's reach (else 404)."""
    service.require_reach(db, user, code)
    return AccountOut.of(service.statement(db, code, limit, before_id), limit)


@router.get("/check")
def check_ledger(user: CurrentUser, db: Db) -> CheckOut:
    """Every breach of the ledger's invariants (balanced entries, cached balances, ...)."""
    require(user, "ledger.check")
    problems = service.check(db)
    counted = service.totals(db)
    return CheckOut(ok=not problems, problems=problems, entries=counted.entries,
                    lines=counted.lines, accounts=counted.accounts)
