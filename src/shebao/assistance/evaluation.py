"""How well identification works: inclusion and exclusion error rates of the means test on
declarations alone and with the cross-checks, measured on households with known truth."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shebao.assistance.synthetic import Households, generate, means_test
from shebao.policy import Policy
from shebao.policy import bindings as b
from shebao.policy.formulas import assistance as formulas


def rules_at(on: dt.date) -> b.Arguments:
    """The national means-test rules and average standards in force on a date."""
    return b.bind(Policy.at(on), {
        "urban_standard": "assistance.dibao.national_average_urban",
        "rural_standard": "assistance.dibao.national_average_rural",
        "deposit_months_of_standard": "assistance.assets.deposit_months_of_standard",
        "max_vehicles": "assistance.assets.max_vehicles",
        "max_properties": "assistance.assets.max_properties",
        "near_dibao_multiple": "assistance.near_dibao_multiple",
    })


def identify(h: Households, rules: dict[str, Any]) -> dict[str, Any]:
    """Eligibility found by the means test on declarations, and on the cross-checked means."""
    size, standard = h["size"], h["standard"]
    declared = means_test(h["declared_wages"] + h["declared_other"], h["declared_deposits"],
                          h["declared_vehicles"], h["declared_properties"], size, standard, rules)
    income = formulas.assessed_income(h["declared_wages"], h["recorded_wages"],
                                      h["wages_on_record"], h["declared_informal"],
                                      h["recorded_benefits"])
    held = {k: formulas.assessed_holding(h[f"declared_{k}"], h[f"recorded_{k}"],
                                         h[f"{k}_on_record"])
            for k in ("deposits", "vehicles", "properties")}
    checked = means_test(income, held["deposits"], held["vehicles"], held["properties"], size,
                         standard, rules)
    return {"means_test": declared, "with_cross_checks": checked}


def evaluate(households: int, seed: int, on: dt.date) -> dict[str, Any]:
    """Generate `households` applicants, identify them both ways, and score against truth."""
    rules = rules_at(on).values
    h = generate(households, seed, urban_standard=int(rules["urban_standard"]),
                 rural_standard=int(rules["rural_standard"]), rules=rules)
    found = identify(h, rules)
    return {
        "households": len(h),
        "truly_eligible": int(h["eligible"].sum()),
        "concealing": int(h["concealer"].sum()),
        **{name: formulas.error_rates(h["eligible"], hits) for name, hits in found.items()},
    }
