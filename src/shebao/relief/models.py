"""Emergency contribution relief measures: drafted by one administrator, enacted by another.

An enacted measure is part of the live contribution rule from its first month: its steps (a
share of each scheme's employer contribution still paid, by province and enterprise size, for
a span of months) join the relief rules of the parameters (policy/bindings.relief_rules) in
every bill priced for those months. Its later steps are the planned withdrawal.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shebao.db.base import Base, utcnow

MEASURE_STATUSES = ("draft", "enacted", "rejected")


class ReliefMeasure(Base):
    __tablename__ = "relief_measures"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'enacted', 'rejected')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    # [{scheme, start "YYYY-MM", end "YYYY-MM", factor (share still paid), sizes?, provinces?}]
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # Per fund, fen forgone: the steps applied to the latest declared month's employer shares.
    cost: Mapped[dict[str, Any]] = mapped_column(JSON)
    drafted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    drafted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    decision_reason: Mapped[str | None] = mapped_column(String(500), default=None)
