"""The analysts' projection page: two scenarios side by side, with stochastic fan charts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shebao.api.deps import optional_user
from shebao.auth.authz import has_permission
from shebao.auth.models import User
from shebao.errors import InputError
from shebao.projection import service
from shebao.projection.charts import Chart
from shebao.web.i18n import language_of, translator
from shebao.web.routes import render

router = APIRouter(include_in_schema=False)
MaybeUser = Annotated[User | None, Depends(optional_user)]
TRILLION_FEN = 100 * 10**12


@router.get("/projection", response_class=HTMLResponse)
def projection_page(
    request: Request,
    user: MaybeUser,
    a: Annotated[str, Query()] = "baseline",
    b: Annotated[str, Query()] = "no-reform",
    to: Annotated[int, Query()] = 2070,
    draws: Annotated[int, Query()] = 1000,
) -> Response:
    if user is None:
        return RedirectResponse("/login", status_code=303)
    if not has_permission(user, "projection.run"):
        return RedirectResponse("/", status_code=303)
    context: dict[str, object] = {
        "a": a,
        "b": b,
        "to": to,
        "draws": draws,
        "scenarios": service.scenarios(),
    }
    try:
        runs = [service.cached_pension(name, to) for name in (a, b)]
        fans = [service.cached_stochastic(name, to, draws) for name in (a, b)]
    except InputError as error:
        return render(request, "projection.html", status_code=422, error=error, **context)
    panels = []
    for run, fan in zip(runs, fans, strict=True):
        band = fan["percentiles"]["balance_fen"]
        fan_chart = Chart(
            run["scenario"],
            fan["years"],
            "trillion yuan",
            lines={"P50": [v / TRILLION_FEN for v in band["p50"]]},
            bands={
                "P10–P90": (
                    [v / TRILLION_FEN for v in band["p10"]],
                    [v / TRILLION_FEN for v in band["p90"]],
                )
            },
        )
        years = run["years"]
        panels.append(
            {
                "run": run,
                "fund_svg": service.chart(run).svg(),
                "fan_svg": fan_chart.svg(),
                "probability": fan["depletion_probability"][-1],
                "dependency_2050": run["system_dependency_ratio"][years.index(2050)]
                if 2050 in years
                else None,
            }
        )
    # The chart's title is its accessible name (the SVG is role="img").
    compared = Chart(
        translator(language_of(request))("balances_compared"),
        runs[0]["years"],
        "trillion yuan",
        {r["scenario"]: [v / TRILLION_FEN for v in r["balance_fen"]] for r in runs},
    )
    population = service.chart(service.population(min(to, 2100)))
    return render(
        request,
        "projection.html",
        panels=panels,
        compared_svg=compared.svg(),
        population_svg=population.svg(),
        **context,
    )
