"""A year of the central adjustment fund: each province's figures, remittance, allocation and
net, and the ledger entries that moved the nets (docs/pooling.md)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shebao.db.base import Base, TimestampMixin


class AdjustmentYear(TimestampMixin, Base):
    """One year's central adjustment, posted once (the year is unique)."""

    __tablename__ = "central_adjustment_years"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    remittance_rate: Mapped[float] = mapped_column(Float)
    wage_factor: Mapped[float] = mapped_column(Float)
    fund_fen: Mapped[int] = mapped_column(BigInteger)
    per_retiree_fen: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(200))  # where the provinces' figures came from
    posted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)

    provinces: Mapped[list[AdjustmentProvince]] = relationship(
        order_by="AdjustmentProvince.province", lazy="selectin")


class AdjustmentProvince(Base):
    """One province's figures and result in a year; its entry moved the net (None if 0)."""

    __tablename__ = "central_adjustment_provinces"
    __table_args__ = (UniqueConstraint("year_id", "province"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("central_adjustment_years.id"))
    province: Mapped[str] = mapped_column(String(6))
    average_wage_fen: Mapped[int] = mapped_column(BigInteger)
    insured_employees: Mapped[int] = mapped_column(BigInteger)
    retirees: Mapped[int] = mapped_column(BigInteger)
    remittance_fen: Mapped[int] = mapped_column(BigInteger)
    allocation_fen: Mapped[int] = mapped_column(BigInteger)
    net_fen: Mapped[int] = mapped_column(BigInteger)  # > 0: net payer
    ledger_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("ledger_entries.id"), default=None)
