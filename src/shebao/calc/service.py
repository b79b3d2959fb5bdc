"""Run one rule on one case: validate, read the parameters in force, call the formula, explain.

The same bindings and formulas serve the desk, the API and the batch engine; this module only
turns one JSON case into arrays and back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
from pydantic import BaseModel, ValidationError

from shebao.calc import schemas as s
from shebao.errors import InputError, from_validation_errors
from shebao.policy import Policy, PolicySnapshot
from shebao.policy import bindings as b
from shebao.policy.billing import monthly_bill
from shebao.policy.formulas import (
    assistance,
    central_adjustment,
    injury,
    pension,
    retirement,
    transfer,
    unemployment,
)
from shebao.policy.formulas.periods import format_month, parse_month
from shebao.policy.parameters import to_plain


def plain(value: Any) -> Any:
    """JSON-ready: numpy scalars and arrays become Python numbers and lists."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dt.date):
        return value.isoformat()
    return to_plain(value)


def _explained(steps: list[dict[str, Any]], used: b.Arguments) -> s.Explanation:
    return s.Explanation(steps=plain(steps), parameters=used.explain())


def _snapshot(on: dt.date, region: str | None, scenario: str | None) -> PolicySnapshot:
    return Policy.at(on, region, scenario)


def retirement_rule(req: s.RetirementRequest) -> s.RetirementResult:
    birth = parse_month(req.birth_month, "birth_month")
    # The schedule in force when the person reaches the original age decides the delay.
    reaches_original_age = b.month_start(birth + req.original_age * 12)
    snap = _snapshot(reaches_original_age, None, req.scenario)
    snap = b.snapshot_at(snap, b.retirement_schedule_date(snap, reaches_original_age))
    used = b.retirement_arguments(snap)
    age = int(retirement.statutory_retirement_age_months(birth, req.original_age, **used.values))
    month = birth + age
    table = b.minimum_months_table(snap)
    minimum = int(
        retirement.minimum_contribution_months(
            month // 12, minimum_contribution_months_by_year=table
        )
    )
    steps = retirement.explain_retirement(
        birth, req.original_age, minimum_contribution_months_by_year=table, **used.values
    )
    minimum_used = b.bind(
        b.snapshot_at(snap, b.month_start(month)),
        {"minimum_contribution_months_by_year": "retirement.min_contribution_months"},
    )
    return s.RetirementResult(
        statutory_age_months=age,
        retirement_month=format_month(month),
        min_contribution_months=minimum,
        explanation=_explained(steps, used | minimum_used),
    )


def pension_rule(req: s.PensionRequest) -> s.PensionResult:
    month = parse_month(req.retirement_month, "retirement_month")
    snap = _snapshot(b.month_start(month), req.region, req.scenario)
    used = b.pension_award_arguments(snap, req.region)
    values = dict(used.values)
    if req.transitional_coefficient is not None:
        values["transitional_coefficient"] = req.transitional_coefficient
        used.sources.pop("transitional_coefficient")
    wage = req.base_wage_fen
    if wage is None:
        wage, source = b.previous_year_average_wage(snap, month // 12, req.region)
        used = used | b.Arguments({"average_wage": wage}, {"average_wage": source})
    arguments = (
        wage,
        req.contribution_index,
        req.contribution_months + req.deemed_months,
        req.account_balance_fen,
        req.age_months,
        req.deemed_months,
    )
    award = pension.pension_award(*arguments, **values)
    steps = pension.explain_pension_award(*arguments, **values)
    return s.PensionResult(
        basic_fen=int(award["basic"]),
        account_fen=int(award["account"]),
        transitional_fen=int(award["transitional"]),
        total_fen=int(award["total"]),
        divisor=float(award["divisor"]),
        explanation=_explained(steps, used),
    )


def contribution_rule(req: s.ContributionRequest) -> s.ContributionResult:
    month = parse_month(req.month, "month")
    snap = _snapshot(b.month_start(month), req.region, req.scenario)
    bill = monthly_bill(
        snap, month, req.region, [req.wage_fen], flexible=req.category == "flexible",
        injury_class=req.injury_class, enterprise_size=req.enterprise_size,
        public_body=req.public_body, average_wage_fen=req.average_wage_fen,
    )
    base = int(bill.base_fen[0])
    lines = [
        s.ContributionLine(
            scheme=line.scheme, payer=line.payer, destination=line.destination,  # type: ignore[arg-type]
            rate=line.rate, relief_factor=float(line.relief_factor[0]),
            amount_fen=int(line.amount_fen[0]),
        )
        for line in bill.lines
    ]
    steps = [
        {"step": "Contribution base: the wage held between floor and cap",
         "formula": "clamp(wage, floor × average, cap × average)",
         "inputs": {"wage": req.wage_fen, "average_wage": bill.average_wage_fen},
         "parameters": ["base_floor_ratio", "base_cap_ratio", "average_wage"], "result": base},
        *({"step": f"{line.scheme}: {line.payer} → {line.destination}",
           "formula": "base × rate × relief factor, rounded half up to the fen",
           "inputs": {"base": base, "rate": line.rate, "relief_factor": line.relief_factor},
           "parameters": [], "result": line.amount_fen} for line in lines),
    ]
    return s.ContributionResult(
        base_fen=base,
        employer_total_fen=int(bill.total("employer")[0]),
        employee_total_fen=int(bill.total("employee", "person")[0]),
        lines=lines,
        explanation=_explained(steps, bill.used),
    )


def unemployment_rule(req: s.UnemploymentRequest) -> s.UnemploymentResult:
    month = parse_month(req.month, "month")
    snap = _snapshot(b.month_start(month), req.region, req.scenario)
    used = b.bind(
        snap,
        {
            "unemployment_benefit_ratio": "unemployment.benefit.ratio_to_minimum_wage",
            "max_total_months": "unemployment.benefit.max_total_months",
            "duration_bands": "unemployment.benefit.max_months_by_years",
            "min_contribution_years": "unemployment.benefit.min_contribution_years",
            "minimum_wage": "wages.minimum_monthly",
            "urban_dibao": "assistance.dibao.standard_urban",
        },
        req.region,
    )
    v = used.values
    bands = dict(sorted((int(k), int(m)) for k, m in v["duration_bands"].items()))
    if req.previous_entitlement_months is not None:
        # Social Insurance Law art. 46: contributions are counted afresh after re-employment and
        # the unused months of the earlier entitlement are added, 24 at most.
        carried = req.previous_entitlement_months - req.previously_drawn_months
        counted = req.contribution_months
    else:
        # A cumulative record: the months already drawn come off what the record entitles.
        carried, counted = 0, req.contribution_months
    entitlement = unemployment.unemployment_entitlement_months(
        counted,
        carried,
        duration_band_min_years=tuple(bands),
        duration_band_months=tuple(bands.values()),
        max_total_months=v["max_total_months"],
        min_contribution_months=int(v["min_contribution_years"]) * 12,
    )
    months = int(entitlement["total_months"])
    if req.previous_entitlement_months is None:
        months = max(0, months - req.previously_drawn_months)
    monthly = int(
        unemployment.unemployment_benefit_monthly(
            v["minimum_wage"], v["urban_dibao"],
            unemployment_benefit_ratio=v["unemployment_benefit_ratio"],
        )
    )
    steps = unemployment.explain_unemployment(
        counted, carried, v["minimum_wage"], v["urban_dibao"],
        unemployment_benefit_ratio=v["unemployment_benefit_ratio"],
        duration_band_min_years=tuple(bands), duration_band_months=tuple(bands.values()),
        max_total_months=v["max_total_months"],
        min_contribution_months=int(v["min_contribution_years"]) * 12,
    )
    if req.previous_entitlement_months is None and req.previously_drawn_months:
        steps.append({
            "step": "Months already drawn come off the entitlement of the cumulative record",
            "formula": "max(0, entitlement − drawn)",
            "inputs": {"previously_drawn_months": req.previously_drawn_months},
            "parameters": [], "result": months,
        })
    return s.UnemploymentResult(
        eligible=bool(entitlement["eligible"]), max_months=months, monthly_fen=monthly,
        explanation=_explained(steps, used),
    )


def dibao_rule(req: s.DibaoRequest) -> s.DibaoResult:
    snap = _snapshot(b.month_start(parse_month(req.month, "month")), req.region, req.scenario)
    used = b.bind(snap, {
        "dibao_standard": f"assistance.dibao.standard_{req.area}",
        "near_dibao_multiple": "assistance.near_dibao_multiple",
        "deposit_months_of_standard": "assistance.assets.deposit_months_of_standard",
        "max_vehicles": "assistance.assets.max_vehicles",
        "max_properties": "assistance.assets.max_properties",
    }, req.region)
    v = used.values
    disqualified = bool(assistance.asset_disqualified(
        req.deposits_fen, req.vehicles, req.properties, req.household_size, v["dibao_standard"],
        deposit_months_of_standard=v["deposit_months_of_standard"],
        max_vehicles=v["max_vehicles"], max_properties=v["max_properties"]))
    found = assistance.dibao(req.household_income_fen, req.household_size, v["dibao_standard"],
                             disqualified, near_dibao_multiple=v["near_dibao_multiple"])
    steps = [{
        "step": "Assets within the limits: deposits ≤ months × standard × members, vehicles and "
                "dwellings no more than allowed",
        "formula": "deposits > months × standard × members or vehicles > max or dwellings > max",
        "inputs": {"deposits_fen": req.deposits_fen, "vehicles": req.vehicles,
                   "properties": req.properties},
        "parameters": ["deposit_months_of_standard", "max_vehicles", "max_properties"],
        "result": disqualified,
    }, *assistance.explain_dibao(req.household_income_fen, req.household_size,
                                 v["dibao_standard"], disqualified,
                                 near_dibao_multiple=v["near_dibao_multiple"])]
    return s.DibaoResult(
        eligible=bool(found["eligible"]), top_up_fen=int(found["top_up"]),
        near_dibao=bool(found["near_dibao"]), asset_disqualified=disqualified,
        standard_fen=int(v["dibao_standard"]), explanation=_explained(steps, used))


def injury_rule(req: s.InjuryRequest) -> s.InjuryResult:
    on = b.month_start(parse_month(req.month, "month")) if req.month else dt.date.today()
    snap = _snapshot(on, req.region, req.scenario)
    used = b.bind(
        snap,
        {
            "own_wage_floor_ratio": "work_injury.own_wage.floor_ratio",
            "own_wage_cap_ratio": "work_injury.own_wage.cap_ratio",
            "one_off_subsidy_months": "work_injury.disability.one_off_months",
            "monthly_allowance_ratios": "work_injury.disability.monthly_allowance_ratio",
            "allowance_minimum_wage_grades": "work_injury.disability.fund_allowance_max_grade",
        },
        convert={
            "one_off_subsidy_months": lambda t: [t[k] for k in sorted(t)],
            "monthly_allowance_ratios": lambda t: [t[k] for k in sorted(t)],
        },
    )
    if req.region is not None:
        used = used | b.bind(snap, {"minimum_wage": "wages.minimum_monthly"}, req.region)
    v = used.values
    own = int(
        injury.injury_own_wage(
            req.own_wage_fen, req.average_wage_fen,
            own_wage_floor_ratio=v["own_wage_floor_ratio"],
            own_wage_cap_ratio=v["own_wage_cap_ratio"],
        )
    )
    grade_args = {k: v[k] for k in ("one_off_subsidy_months", "monthly_allowance_ratios",
                                    "allowance_minimum_wage_grades")}
    if "minimum_wage" in v:
        grade_args["minimum_wage"] = v["minimum_wage"]
    paid = injury.disability_benefits(req.grade, own, **grade_args)
    steps = injury.explain_disability(
        req.grade, req.own_wage_fen, req.average_wage_fen,
        own_wage_floor_ratio=v["own_wage_floor_ratio"],
        own_wage_cap_ratio=v["own_wage_cap_ratio"], **grade_args,
    )
    return s.InjuryResult(
        own_wage_fen=own,
        one_off_subsidy_fen=int(paid["one_off_subsidy"]),
        monthly_allowance_fen=int(paid["monthly_allowance"]),
        explanation=_explained(steps, used),
    )


def transfer_rule(req: s.TransferRequest) -> s.TransferResult:
    on = req.date or dt.date.today()
    snap = _snapshot(on, None, req.scenario)
    used = b.bind(
        snap,
        {
            "pool_transfer_rate": "transfer.pool_transfer_rate",
            "pool_transfer_first_year": "transfer.pool_transfer_first_year",
        },
    )
    bases = [y.base_fen for y in req.history]
    months = [y.months for y in req.history]
    years = [y.year for y in req.history]
    moved = transfer.transfer_amounts(bases, months, years, req.account_balance_fen,
                                      **used.values)
    steps = transfer.explain_transfer(bases, months, years, req.account_balance_fen,
                                      **used.values)
    return s.TransferResult(
        pooled_fen=int(moved["pool"]),
        account_fen=int(moved["account"]),
        contribution_months=int(moved["months"]),
        explanation=_explained(steps, used),
    )


def central_adjustment_rule(req: s.CentralAdjustmentRequest) -> s.CentralAdjustmentResult:
    snap = _snapshot(dt.date(req.year, 7, 1), None, req.scenario)
    used = b.bind(snap, {"remittance_wage_ratio": "central_adjustment.wage_factor"})
    rate = req.rate
    if rate is None:
        if snap.date > snap.value("central_adjustment.end_date"):
            raise InputError(
                "rate", f"the central adjustment ran 2018–2021; give the rate to use for {req.year}"
            )
        rate_used = b.bind(snap, {"remittance_rate": "central_adjustment.remittance_rate"})
        used, rate = used | rate_used, rate_used.values["remittance_rate"]
    figures = (
        [p.average_wage_fen for p in req.provinces],
        [p.insured_employees for p in req.provinces],
        [p.retirees for p in req.provinces],
    )
    result = central_adjustment.central_adjustment(
        *figures, remittance_rate=rate, remittance_wage_ratio=used.values["remittance_wage_ratio"]
    )
    steps = central_adjustment.explain_central_adjustment(
        *figures, remittance_rate=rate, remittance_wage_ratio=used.values["remittance_wage_ratio"]
    )
    return s.CentralAdjustmentResult(
        per_retiree_fen=float(result["per_retiree"]),
        fund_fen=int(result["fund"]),
        provinces=[
            s.ProvinceAdjustment(region=p.region, remittance_fen=int(r), allocation_fen=int(a),
                                 net_fen=int(n))
            for p, r, a, n in zip(req.provinces, result["remittance"], result["allocation"],
                                  result["net"], strict=True)
        ],
        explanation=_explained(steps, used),
    )


RULES: dict[str, tuple[type[BaseModel], Callable[[Any], BaseModel]]] = {
    "retirement": (s.RetirementRequest, retirement_rule),
    "pension": (s.PensionRequest, pension_rule),
    "contribution": (s.ContributionRequest, contribution_rule),
    "unemployment": (s.UnemploymentRequest, unemployment_rule),
    "injury": (s.InjuryRequest, injury_rule),
    "dibao": (s.DibaoRequest, dibao_rule),
    "transfer": (s.TransferRequest, transfer_rule),
    "central-adjustment": (s.CentralAdjustmentRequest, central_adjustment_rule),
}


def calculate(rule: str, payload: Any) -> dict[str, Any]:
    """Validate `payload` for `rule` and compute it; refusals name the field and the reason."""
    if rule not in RULES:
        raise InputError("rule", f"unknown rule {rule!r}; one of {', '.join(RULES)}")
    if not isinstance(payload, dict):
        raise InputError("input", "must be a JSON object")
    model, _ = RULES[rule]
    try:
        request = model.model_validate(payload)
    except ValidationError as invalid:
        raise from_validation_errors(list(invalid.errors())) from None
    return run_rule(rule, request)


def run_rule(rule: str, request: Any) -> dict[str, Any]:
    """Compute a validated request; a date without rules in force is blamed on its input."""
    try:
        return RULES[rule][1](request).model_dump()
    except InputError as refused:
        if refused.field == "date":
            raise InputError(request.date_field, refused.reason) from None
        raise
