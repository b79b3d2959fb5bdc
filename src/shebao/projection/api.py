"""Projection routes (analysts): population, the pension fund, the stochastic mode, validation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from shebao.api.deps import CurrentUser
from shebao.auth.authz import require
from shebao.projection import service

router = APIRouter(prefix="/api/v1/projection", tags=["projection"])


@router.get("/scenarios")
def scenarios(user: CurrentUser) -> list[dict[str, str]]:
    """The projection scenarios: policy scenario and description of each."""
    require(user, "projection.run")
    return service.scenarios()


@router.get("/population")
def population(
    user: CurrentUser,
    to: Annotated[int, Query(description="Last year (mid-year figures).")],
    variant: Annotated[str, Query(description="low, medium or high")] = "medium",
) -> dict[str, Any]:
    """Population by broad age group, mid-year persons, from 2024."""
    require(user, "projection.run")
    return service.population(to, variant)


@router.get("/pension")
def pension(
    user: CurrentUser,
    scenario: Annotated[str, Query(description="baseline, no-reform, cass-2019 …")],
    to: Annotated[int, Query(description="Last year.")],
) -> dict[str, Any]:
    """The urban employee pension fund by year (money in fen) and its depletion year."""
    require(user, "projection.run")
    return service.pension(scenario, to)


@router.get("/stochastic")
def stochastic(
    user: CurrentUser,
    scenario: Annotated[str, Query()],
    to: Annotated[int, Query()],
    draws: Annotated[int, Query(description="100–20000")] = 1000,
    seed: Annotated[int, Query()] = 2019,
) -> dict[str, Any]:
    """P10/P50/P90 by year and the probability of depletion by each year."""
    require(user, "projection.run")
    return service.stochastic(scenario, to, draws, seed)


@router.get("/validate")
def validate(user: CurrentUser) -> dict[str, Any]:
    """WPP 2024 reproduction, CASS 2019 depletion, and what was calibrated to what."""
    require(user, "projection.run")
    return service.validate()
