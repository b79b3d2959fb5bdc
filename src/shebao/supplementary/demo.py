"""The demo's supplementary pillars, through the same services the API uses.

王建军 (the rider) and 陈丽 (the factory worker) save in personal pensions, the rider up to the
2025 cap; a few insured people of the population save too; the Shenzhen factory runs an
enterprise annuity from January 2026 on its declared wages.
"""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from shebao.auth.service import operator
from shebao.contributions.models import Declaration
from shebao.registry.models import Employer, Enrollment, Person
from shebao.supplementary import service

SAVERS = 12
"""People of the population, insured in a basic pension, who open a personal pension."""
ANNUITY_MONTHS = [f"2026-{m:02d}" for m in range(1, 11)]


def seed(db: Session, seed: int = 2024) -> dict[str, int]:
    """Accounts, contributions, a plan and its months; counts of what was made."""
    rng = random.Random(seed)
    cli = operator()
    rider = db.scalar(select(Person).where(Person.name == "王建军"))
    worker = db.scalar(select(Person).where(Person.name == "陈丽"))
    assert rider is not None and worker is not None
    made = 0
    # The rider saves 1,000 RMB a month: twelve months reach the 12,000 RMB cap exactly.
    service.open_personal_pension(db, cli, rider.id, date(2025, 1, 6))
    for month in range(1, 13):
        service.contribute(db, cli, rider.id, 100000, date(2025, month, 10), f"demo-2025-{month}")
        made += 1
    for month in range(1, 11):
        service.contribute(db, cli, rider.id, 100000, date(2026, month, 10), f"demo-2026-{month}")
        made += 1
    # 陈丽 saves twice a year, at the year's end for the tax deduction.
    service.open_personal_pension(db, cli, worker.id, date(2025, 3, 1))
    service.contribute(db, cli, worker.id, 600000, date(2025, 12, 20), "demo-2025-12")
    service.contribute(db, cli, worker.id, 300000, date(2026, 6, 20), "demo-2026-06")
    made += 2
    insured = db.scalars(
        select(Enrollment.person_id).where(
            Enrollment.scheme.in_(("employee_pension", "resident_pension")),
            Enrollment.end_date.is_(None), Enrollment.start_date <= date(2025, 1, 1),
            Enrollment.person_id.not_in((rider.id, worker.id)),
        ).order_by(Enrollment.person_id)
    ).all()
    savers = rng.sample(list(insured), min(SAVERS, len(insured)))
    for person_id in sorted(savers):
        service.open_personal_pension(db, cli, person_id, date(2025, rng.randint(1, 6), 1))
        for year in (2025, 2026):
            amount = rng.choice((200000, 500000, 800000, 1200000))
            service.contribute(db, cli, person_id, amount, date(year, 10, 15), f"demo-{year}")
            made += 1

    factory = db.scalar(select(Employer).where(Employer.name == "深圳市宝安精密电子有限公司"))
    assert factory is not None
    service.register_plan(db, cli, factory.id, 0.05, 0.02, [0.2, 0.4, 0.6, 0.8, 1.0],
                          ANNUITY_MONTHS[0])
    runs = 0
    for month in ANNUITY_MONTHS:
        declared = db.scalar(select(Declaration.id).where(
            Declaration.employer_id == factory.id, Declaration.month == month))
        if declared is not None:
            service.run_month(db, cli, factory.id, month)
            runs += 1
    return {"personal_pension_accounts": 2 + len(savers),
            "personal_pension_contributions": made, "annuity_runs": runs}
