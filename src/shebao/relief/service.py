"""Emergency relief measures: draft with their cost to each fund, enact by a second
administrator (maker-checker), and the enacted steps as live relief rules.

The cost is what the steps would forgo on the latest declared month's employer shares of the
employers they match, times each step's months: the live billing base, by enterprise size and
province — which the projection does not split — so the cost is shown before anyone enacts.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shebao.auth.authz import require
from shebao.auth.models import User
from shebao.contributions.models import Bill, Contribution
from shebao.db.base import utcnow
from shebao.errors import InputError
from shebao.policy.formulas.contributions import ENTERPRISE_SIZES, SCHEMES, relief_factors
from shebao.policy.formulas.periods import parse_month
from shebao.registry.models import Employer
from shebao.registry.regions import get_region
from shebao.relief.models import ReliefMeasure

MAX_STEPS = 24
EMPLOYER_SHARES: dict[str, tuple[str, ...]] = {
    "pension": ("pension_pool_fen",),
    "medical": ("medical_pool_fen", "medical_employer_account_fen"),
    "unemployment": ("unemployment_employer_fen",),
    "work_injury": ("injury_fen",),
}
"""The contribution columns that are the employer's share of each scheme (what relief forgoes)."""


def _steps(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Checked steps; InputError naming `steps.<i>.<field>`."""
    if not 1 <= len(steps) <= MAX_STEPS:
        raise InputError("steps", f"a measure has 1 to {MAX_STEPS} steps")
    checked = []
    for i, step in enumerate(steps):
        where = f"steps.{i}"
        if step.get("scheme") not in SCHEMES:
            raise InputError(f"{where}.scheme", f"must be one of {', '.join(SCHEMES)}")
        start = parse_month(str(step.get("start")), f"{where}.start")
        end = parse_month(str(step.get("end")), f"{where}.end")
        if end < start:
            raise InputError(f"{where}.end", "must not be before the start")
        factor = step.get("factor")
        if not isinstance(factor, int | float) or not 0 <= factor <= 1:
            raise InputError(f"{where}.factor", "the share of the employer contribution still "
                                                "paid: from 0 (waived) to 1 (paid in full)")
        sizes = step.get("sizes")
        if sizes is not None and (not sizes or set(sizes) - set(ENTERPRISE_SIZES)):
            raise InputError(f"{where}.sizes", f"a non-empty subset of "
                                                f"{', '.join(ENTERPRISE_SIZES)}")
        provinces = step.get("provinces")
        if provinces is not None:
            for code in provinces or [None]:
                if not isinstance(code, str) or get_region(code).level != "province":
                    raise InputError(f"{where}.provinces", "province codes such as 420000")
        checked.append({"scheme": step["scheme"], "start": step["start"], "end": step["end"],
                        "factor": float(factor), "sizes": sizes, "provinces": provinces})
    return checked


def as_rules(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The steps as rules for `relief_factors` (month numbers, province prefixes)."""
    return [{"scheme": s["scheme"], "start": parse_month(s["start"]),
             "end": parse_month(s["end"]), "factor": s["factor"], "sizes": s["sizes"],
             "region_prefixes": [p[:2] for p in s["provinces"]] if s["provinces"] else None}
            for s in steps]


def estimate_cost(db: Session, steps: list[dict[str, Any]]) -> dict[str, Any]:
    """Fen each fund would forgo, from the latest declared month's employer shares."""
    latest = db.scalar(select(func.max(Bill.month)).where(Bill.payer_kind == "employer"))
    cost: dict[str, int] = defaultdict(int)
    if latest is not None:
        shares = [func.coalesce(func.sum(sum(
            (getattr(Contribution, c) for c in EMPLOYER_SHARES[s][1:]),
            getattr(Contribution, EMPLOYER_SHARES[s][0]))), 0) for s in SCHEMES]
        groups = db.execute(
            select(Employer.size, Employer.region_code, Employer.is_public_body, *shares)
            .join(Bill, Bill.employer_id == Employer.id)
            .join(Contribution, Contribution.bill_id == Bill.id)
            .where(Bill.month == latest, Bill.payer_kind == "employer")
            .group_by(Employer.size, Employer.region_code, Employer.is_public_body)).all()
        if groups:
            size = np.array([g[0] for g in groups])
            region = np.array([g[1] for g in groups])
            public = np.array([bool(g[2]) for g in groups])
            for rule in as_rules(steps):
                factor = relief_factors(rule["start"], size, region, public,
                                        relief_rules=[rule])[rule["scheme"]]
                owed = np.array([g[3 + SCHEMES.index(rule["scheme"])] for g in groups],
                                dtype=np.float64)
                months = rule["end"] - rule["start"] + 1
                cost[rule["scheme"]] += round(float(((1 - factor) * owed).sum()) * months)
    return {"based_on_month": latest, "fen": {s: cost.get(s, 0) for s in SCHEMES}}


def draft(db: Session, user: User, name: str, steps: list[dict[str, Any]]) -> ReliefMeasure:
    require(user, "relief.draft")
    name = name.strip()
    if not name:
        raise InputError("name", "a measure needs a name (e.g. the notice that announces it)")
    checked = _steps(steps)
    measure = ReliefMeasure(name=name[:200], steps=checked, cost=estimate_cost(db, checked),
                            drafted_by=user.id, status="draft")
    db.add(measure)
    db.flush()
    return measure


def decide(db: Session, user: User, measure_id: int, *, enact: bool,
           reason: str) -> ReliefMeasure:
    """Enact or reject a draft: by an administrator other than the one who drafted it."""
    require(user, "relief.enact")
    measure = db.get(ReliefMeasure, measure_id, with_for_update=True)
    if measure is None:
        raise InputError("measure_id", f"no measure {measure_id}")
    if measure.status != "draft":
        raise InputError("measure_id", f"measure {measure_id} is already {measure.status}")
    if measure.drafted_by == user.id:
        raise InputError("measure_id", "the administrator who drafted a measure cannot decide "
                                       "it: a second administrator must (maker-checker)")
    if len(reason.strip()) < 5:
        raise InputError("reason", "say why (5 characters or more): the decision is kept")
    measure.status = "enacted" if enact else "rejected"
    measure.decided_by, measure.decided_at = user.id, utcnow()
    measure.decision_reason = reason.strip()[:500]
    return measure


def rules_in_force(db: Session, month: int) -> list[dict[str, Any]]:
    """The enacted measures' steps covering `month`, as relief rules."""
    found = []
    for measure in db.scalars(select(ReliefMeasure).where(ReliefMeasure.status == "enacted")
                              .order_by(ReliefMeasure.id)):
        found += [r for r in as_rules(measure.steps) if r["start"] <= month <= r["end"]]
    return found


def measures(db: Session, user: User) -> list[ReliefMeasure]:
    require(user, "relief.draft")
    return list(db.scalars(select(ReliefMeasure).order_by(ReliefMeasure.id.desc())))

