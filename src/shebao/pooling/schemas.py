"""Central adjustment shapes; money in integer fen."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ProvinceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    province: str
    average_wage_fen: int
    insured_employees: int
    retirees: int
    remittance_fen: int
    allocation_fen: int
    net_fen: int
    ledger_entry_id: int | None


class YearOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    year: int
    remittance_rate: float
    wage_factor: float
    fund_fen: int
    per_retiree_fen: float
    source: str
    provinces: list[ProvinceOut]
