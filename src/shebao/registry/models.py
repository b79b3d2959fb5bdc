"""The registry: one record per person nationwide, and the employers who declare them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from shebao.db.base import Base, TimestampMixin


class Person(TimestampMixin, Base):
    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    identity_number: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    sex: Mapped[str] = mapped_column(String(6))  # "male" | "female"
    birth_date: Mapped[date] = mapped_column(Date)
    hukou_region: Mapped[str] = mapped_column(String(6), index=True)
    # The county whose office keeps the record: staff scope is checked against it.
    residence_region: Mapped[str] = mapped_column(String(6), index=True)
    phone: Mapped[str | None] = mapped_column(String(20), default=None)
    status: Mapped[str] = mapped_column(String(12), default="active")  # active | deceased
    death_date: Mapped[date | None] = mapped_column(Date, default=None)


class Employer(TimestampMixin, Base):
    __tablename__ = "employers"

    id: Mapped[int] = mapped_column(primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    industry: Mapped[str] = mapped_column(String(64))
    injury_class: Mapped[int] = mapped_column(default=1)  # work-injury risk class 1..8
    size: Mapped[str] = mapped_column(String(8))  # small | medium | large
    is_public_body: Mapped[bool] = mapped_column(default=False)
