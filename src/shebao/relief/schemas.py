"""What the relief measure routes take and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class MeasureIn(BaseModel):
    name: str = Field(max_length=200)
    steps: list[dict[str, Any]] = Field(
        description="[{scheme, start YYYY-MM, end YYYY-MM, factor (share still paid), "
                    "sizes?, provinces?}]; later steps with higher factors are the withdrawal")


class DecisionIn(BaseModel):
    enact: bool
    reason: str = Field(max_length=500)


class MeasureOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    status: str
    steps: list[dict[str, Any]]
    cost: dict[str, Any]
    drafted_by: int
    drafted_at: datetime
    decided_by: int | None
    decided_at: datetime | None
    decision_reason: str | None
