"""The audit trail: one append-only, hash-chained row per write and per sensitive read.

`seq` numbers the entries 1, 2, 3, … without gaps (assigned under the chain head's lock at
commit), so a deleted entry shows as a gap and a reordered one as a broken link. `entry_hash`
= SHA-256(previous entry's hash ‖ the entry's canonical JSON); the first entry links to 64
zeros. The migration installs triggers that refuse UPDATE and DELETE on the entries.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shebao.db.base import Base

BigSeq = BigInteger().with_variant(Integer, "sqlite")


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_object", "object_type", "object_id"),)

    seq: Mapped[int] = mapped_column(BigSeq, primary_key=True, autoincrement=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_id: Mapped[int | None] = mapped_column(Integer, default=None)
    source: Mapped[str] = mapped_column(String(16))  # api | web | cli | system
    action: Mapped[str] = mapped_column(String(16))  # insert | update | delete | read | run
    object_type: Mapped[str] = mapped_column(String(64))  # a table, or a domain's object
    object_id: Mapped[str | None] = mapped_column(String(64), default=None)
    # canonical JSON of the values before and after (None when there is no such side)
    before: Mapped[str | None] = mapped_column(Text, default=None)
    after: Mapped[str | None] = mapped_column(Text, default=None)
    reason: Mapped[str | None] = mapped_column(String(500), default=None)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The chain's head (one row): the lock every sealing transaction takes, and where the
    next entry links. A cache of the last entry, never trusted by `verify`."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigSeq)
    entry_hash: Mapped[str] = mapped_column(String(64))
