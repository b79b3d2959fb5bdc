"""Request and response shapes of the ledger API. Amounts are integer fen throughout."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from shebao.ledger.service import PostingResult, Statement

Fen = Annotated[int, Field(strict=True, description="integer fen (1 yuan = 100 fen)")]


def yuan(fen: int) -> str:
    """Fen as a yuan string with two decimals: 123456 -> "1234.56", -5 -> "-0.05"."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


class LineIn(BaseModel):
    account: str = Field(max_length=96, examples=["pool:employee_pension:440000"])
    amount_fen: Fen = Field(description="debit > 0, credit < 0; an entry's lines sum to 0")


class EntryIn(BaseModel):
    kind: str = Field(max_length=32, examples=["contribution"])
    memo: str = Field(default="", max_length=500)
    effective_date: date
    lines: list[LineIn] = Field(max_length=500)
    province: str | None = Field(
        default=None, max_length=6, examples=["440000"],
        description="required when a line names a person's account: the province whose "
                    "control accounts carry it")


class ReverseIn(BaseModel):
    memo: str = Field(default="", max_length=500)
    effective_date: date | None = None


class LineOut(BaseModel):
    account: str
    amount_fen: int


class EntryOut(BaseModel):
    id: int
    idempotency_key: str
    kind: str
    memo: str
    effective_date: date
    posted_at: datetime
    reverses_entry_id: int | None
    lines: list[LineOut]
    replayed: bool = Field(description="true when this key was posted before: the first result")

    @staticmethod
    def of(result: PostingResult) -> EntryOut:
        return EntryOut(
            id=result.entry_id, idempotency_key=result.idempotency_key, kind=result.kind,
            memo=result.memo, effective_date=result.effective_date, posted_at=result.posted_at,
            reverses_entry_id=result.reverses_entry_id,
            lines=[LineOut(account=line.account, amount_fen=line.amount_fen)
                   for line in result.lines],
            replayed=result.replayed,
        )


class StatementLineOut(BaseModel):
    line_id: int
    entry_id: int
    kind: str
    memo: str
    effective_date: date
    posted_at: datetime
    amount_fen: int = Field(description="in the account's normal sense: > 0 raises the balance")
    side: str
    reverses_entry_id: int | None


class AccountOut(BaseModel):
    account: str
    kind: str
    normal_side: str
    allow_negative: bool
    balance_fen: int
    balance_yuan: str
    lines: list[StatementLineOut]
    next_before_id: int | None = Field(description="pass as before_id for older lines")

    @staticmethod
    def of(found: Statement, limit: int) -> AccountOut:
        return AccountOut(
            account=found.account, kind=found.kind, normal_side=found.normal_side,
            allow_negative=found.allow_negative, balance_fen=found.balance_fen,
            balance_yuan=yuan(found.balance_fen),
            lines=[StatementLineOut(**vars(line)) for line in found.lines],
            next_before_id=found.lines[-1].line_id if len(found.lines) == limit else None,
        )


class CheckOut(BaseModel):
    ok: bool
    problems: list[str]
    entries: int
    lines: int
    accounts: int
