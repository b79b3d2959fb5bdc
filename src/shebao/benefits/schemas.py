"""Request shapes every benefit domain shares."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shebao.contributions.schemas import Month


class RunIn(BaseModel):
    """A month's run of one province's claims (checked by `benefits.runs.check_month_run`)."""

    model_config = ConfigDict(extra="forbid")

    province: str = Field(pattern=r"^\d{6}$")
    month: Month
