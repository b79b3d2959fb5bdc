"""The demo's central adjustment: 2021, the fund's last year, for the demo's two provinces from
their own people — employees paying into each province's pension pool, its pensioners and the
province's 2020 average wage — posted through the same service as the command."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from shebao.auth.service import operator
from shebao.benefits.pension.models import PensionAward
from shebao.contributions.models import Bill, Contribution
from shebao.db.engine import transaction
from shebao.policy import Policy
from shebao.pooling import service

PROVINCES = ("440000", "510000")
YEAR = 2021


def seed_central_adjustment(url: str) -> int:
    """Post the demo's year; the net moved between the two provinces (fen)."""
    with transaction(url, write=True) as db:
        provinces = []
        for province in PROVINCES:
            employees = db.scalar(
                select(func.count(func.distinct(Contribution.person_id)))
                .join(Bill, Bill.id == Contribution.bill_id)
                .where(Bill.province == province, Bill.status == "paid",
                       Contribution.pension_pool_fen > 0))
            retirees = db.scalar(select(func.count(PensionAward.id)).where(
                PensionAward.province == province, PensionAward.scheme == "employee"))
            wage = Policy.at(dt.date(YEAR - 1, 1, 1), province).value(
                "wages.average_annual", province)
            provinces.append({"region": province, "average_wage_fen": int(wage),
                              "insured_employees": int(employees or 0),
                              "retirees": int(retirees or 0)})
        done = service.post_year(db, operator(), {"year": YEAR, "provinces": provinces},
                                 "demo population")
        return sum(p.net_fen for p in done.provinces if p.net_fen > 0)
