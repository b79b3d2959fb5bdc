"""Transfer request and response shapes; money in integer fen, months YYYY-MM."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shebao.transfers.service import is_overdue


class TransferIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: int
    # The province the record moves to (a province code such as 510000).
    destination_province: str = Field(max_length=6)
    # The office that keeps the record there (a region in that province); the province if
    # omitted.
    destination_region: str | None = Field(default=None, max_length=6)
    # The province that holds the record now; found from the record if omitted.
    source_province: str | None = Field(default=None, max_length=6)


class TransferOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    person_id: int
    source_province: str
    destination_province: str
    destination_region: str
    status: str
    channel: str
    applied_on: date
    due_on: date
    overdue: bool = False
    approved_on: date | None
    funds_moved_on: date | None
    received_on: date | None
    pool_fen: int
    pension_account_fen: int
    medical_account_fen: int
    total_fen: int
    months: list[str]
    explanation: dict[str, Any]
    transit_account: str

    @classmethod
    def of(cls, found: Any, today: date | None = None) -> TransferOut:
        return cls.model_validate(found).model_copy(update={"overdue": is_overdue(found, today)})


class BenefitPlaceOut(BaseModel):
    province: str
    rule: int
    hukou_province: str
    held_by: str
    temporary_accounts: list[str]
    spells: list[dict[str, Any]]
    benefit_place_min_years: int
