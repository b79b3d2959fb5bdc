"""`POST /api/v1/calc/RULE`: the same JSON as `shebao calc RULE`, one typed route per rule."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from shebao.calc import schemas as s
from shebao.calc.service import RULES, run_rule
from shebao.errors import InputError

router = APIRouter(prefix="/api/v1/calc", tags=["calculators"])

RESULTS: dict[str, type[s.Result]] = {
    "retirement": s.RetirementResult,
    "pension": s.PensionResult,
    "contribution": s.ContributionResult,
    "unemployment": s.UnemploymentResult,
    "injury": s.InjuryResult,
    "dibao": s.DibaoResult,
    "transfer": s.TransferResult,
    "central-adjustment": s.CentralAdjustmentResult,
}


def _add_route(rule: str) -> None:
    request_model = RULES[rule][0]

    def handler(payload: BaseModel) -> dict[str, Any]:
        return run_rule(rule, payload)

    # FastAPI reads the body's type from the annotation: give each route its own model.
    handler.__annotations__ = {"payload": request_model, "return": RESULTS[rule]}
    handler.__name__ = f"calc_{rule.replace('-', '_')}"
    router.add_api_route(f"/{rule}", handler, methods=["POST"], summary=f"Calculate {rule}")


for _rule in RULES:
    _add_route(_rule)


@router.post("/{rule}", include_in_schema=False)
def unknown_rule(rule: str) -> None:
    raise InputError("rule", f"unknown rule {rule!r}; one of {', '.join(RULES)}")
