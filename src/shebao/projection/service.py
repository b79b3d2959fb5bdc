"""What the CLI, the API and the analyst page ask of the projection: summaries, validation,
CSV and charts. Interfaces stay thin; every check of input happens here or below.
"""

from __future__ import annotations

import csv
import io
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from shebao.errors import InputError

from .charts import Chart
from .pension import project_pension
from .population import project_population, validate_population
from .scenarios import load_scenario, scenario_names
from .stochastic import run_stochastic, summarize

REPORTED_FROM = 2024  # population lists start at WPP's jump-off year
CASS_DEPLETION = 2035  # CASS 2019: the fund is exhausted around 2035
CASS_TOLERANCE = 3
WPP_TOLERANCE = 0.01
FEN_PER_TRILLION_YUAN = 100 * 10**12


def population(to: int, variant: str = "medium") -> dict[str, Any]:
    if to < REPORTED_FROM:
        raise InputError("to", f"year must be between {REPORTED_FROM} and 2100")
    return project_population(to, variant).summary(REPORTED_FROM)


def pension(scenario: str, to: int) -> dict[str, Any]:
    result = project_pension(scenario, to).summary()
    result["description"] = load_scenario(scenario).description
    return result


def stochastic(scenario: str, to: int, draws: int = 5000, seed: int = 2019) -> dict[str, Any]:
    fund, pop = run_stochastic(scenario, to, draws, seed)
    r = summarize(fund, pop)
    return {
        "scenario": scenario,
        "years": r.years,
        "draws": r.draws,
        "percentiles": r.percentiles,
        "depletion_probability": r.depletion_probability,
        "depletion_year_p50": r.depletion_year_p50,
    }


@lru_cache(maxsize=32)
def _cached_pension(scenario: str, to: int) -> str:
    return json.dumps(pension(scenario, to))


@lru_cache(maxsize=16)
def _cached_stochastic(scenario: str, to: int, draws: int) -> str:
    return json.dumps(stochastic(scenario, to, draws))


def cached_pension(scenario: str, to: int) -> dict[str, Any]:
    """The same as `pension`, kept for the page (a scenario's run depends only on its inputs)."""
    return json.loads(_cached_pension(scenario, to))


def cached_stochastic(scenario: str, to: int, draws: int) -> dict[str, Any]:
    """The same as `stochastic` with the default seed, kept for the page."""
    return json.loads(_cached_stochastic(scenario, to, draws))


def scenarios() -> list[dict[str, str]]:
    return [
        {
            "name": n,
            "description": load_scenario(n).description,
            "policy_scenario": load_scenario(n).policy_scenario,
        }
        for n in scenario_names()
    ]


def calibration(scenario: str = "cass-2019") -> list[dict[str, Any]]:
    """Each calibrated assumption: its value and what it was set to reproduce."""
    sc = load_scenario(scenario)
    return [
        {
            "assumption": name,
            "value": node["value"],
            "unit": node["unit"],
            "calibrated_to": node["reference"],
        }
        for name, node in sc.assumptions.items()
        if "calibrated" in str(node["reference"])
    ]


def validate() -> dict[str, Any]:
    """WPP reproduction through 2050, the CASS 2019 checks, and what was calibrated to what."""
    rows = validate_population(2050, REPORTED_FROM)
    worst = max(abs(r[3]) for r in rows)
    cass = project_pension("cass-2019", 2060).summary()
    years = cass["years"]
    i19, i28, i50 = years.index(2019), years.index(2028), years.index(2050)

    def current_balance(i: int) -> int:
        return cass["revenue_fen"][i] + cass["interest_fen"][i] - cass["expenditure_fen"][i]

    peak = max(range(len(years)), key=lambda i: cass["balance_fen"][i])
    depletion = cass["depletion_year"]
    return {
        "population": {
            "reference": "WPP 2024 medium variant, total population at mid-year",
            "tolerance": WPP_TOLERANCE,
            "max_abs_relative_difference": round(worst, 6),
            "ok": worst <= WPP_TOLERANCE,
            "calibrated": "nothing: WPP inputs as published (base mid-2020, death rates, "
            "fertility, sex ratio at birth, migration)",
            "years": [
                {"year": y, "projected": round(p), "wpp": round(w), "difference": round(d, 6)}
                for y, p, w, d in rows
            ],
        },
        "cass_2019": {
            "depletion_year": depletion,
            "report_depletion_year": CASS_DEPLETION,
            "tolerance_years": CASS_TOLERANCE,
            "ok": depletion is not None and abs(depletion - CASS_DEPLETION) <= CASS_TOLERANCE,
            "checks": [
                {
                    "indicator": "retirees 2019 (m)",
                    "report": 102.0,
                    "model": round(cass["retirees"][i19] / 1e6, 1),
                },
                {
                    "indicator": "payer dependency ratio 2019",
                    "report": 0.47,
                    "model": cass["system_dependency_ratio"][i19],
                },
                {
                    "indicator": "current balance 2019 (bn yuan)",
                    "report": 106.29,
                    "model": round(current_balance(i19) / 1e11, 2),
                },
                {
                    "indicator": "current balance 2028 (bn yuan)",
                    "report": -118.13,
                    "model": round(current_balance(i28) / 1e11, 2),
                },
                {
                    "indicator": "peak balance (tn yuan)",
                    "report": 6.99,
                    "model": round(cass["balance_fen"][peak] / FEN_PER_TRILLION_YUAN, 2),
                },
                {"indicator": "peak year", "report": 2027, "model": years[peak]},
                {
                    "indicator": "retirees 2050 (m)",
                    "report": 278.0,
                    "model": round(cass["retirees"][i50] / 1e6, 1),
                },
                {
                    "indicator": "payer dependency ratio 2050",
                    "report": 0.963,
                    "model": cass["system_dependency_ratio"][i50],
                },
            ],
            "calibrated": calibration("cass-2019"),
        },
    }


def validation_text(report: dict[str, Any]) -> str:
    """The validation report as lines of text for the terminal."""
    pop, cass = report["population"], report["cass_2019"]
    lines = [
        f"Population vs {pop['reference']}, {pop['years'][0]['year']}–{pop['years'][-1]['year']}:"
        f" largest difference {pop['max_abs_relative_difference']:.3%}"
        f" (tolerance {pop['tolerance']:.0%}) — {'OK' if pop['ok'] else 'FAILED'}",
        f"  calibrated: {pop['calibrated']}",
    ]
    lines += [
        f"  {r['year']}: projected {r['projected']:,} WPP {r['wpp']:,} ({r['difference']:+.3%})"
        for r in pop["years"]
        if r["year"] % 5 == 0
    ]
    lines += [
        f"cass-2019: fund depleted in {cass['depletion_year']} (report: "
        f"{cass['report_depletion_year']} ± {cass['tolerance_years']}) — "
        f"{'OK' if cass['ok'] else 'FAILED'}",
    ]
    lines += [
        f"  {c['indicator']}: report {c['report']}, model {c['model']}" for c in cass["checks"]
    ]
    lines.append("  calibrated (value → what it was set to reproduce):")
    lines += [
        f"  - {c['assumption']} = {c['value']} ({c['unit']}): {c['calibrated_to']}"
        for c in cass["calibrated"]
    ]
    return "\n".join(lines)


def to_csv(result: dict[str, Any]) -> str:
    """The per-year lists of a summary as CSV, one row a year."""
    columns = [
        k for k, v in result.items() if isinstance(v, list) and len(v) == len(result["years"])
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for i in range(len(result["years"])):
        writer.writerow([result[c][i] for c in columns])
    return out.getvalue()


def chart(result: dict[str, Any]) -> Chart:
    """A population chart (age groups) or a fund chart (revenue, expenditure, balance)."""
    if "balance_fen" in result:
        yuan = 100 * 10**12

        def tn(key: str) -> list[float]:
            return [v / yuan for v in result[key]]

        return Chart(
            f"Urban employee pension fund, {result['scenario']}",
            result["years"],
            "trillion yuan",
            {
                "revenue": tn("revenue_fen"),
                "expenditure": tn("expenditure_fen"),
                "balance": tn("balance_fen"),
            },
        )
    millions = {
        k: [v / 1e6 for v in result[k]] for k in ("total", "age_0_14", "age_15_64", "age_65_plus")
    }
    return Chart("Population of China, mid-year", result["years"], "million", millions)


def write_plot(result: dict[str, Any], path: str) -> None:
    """Write the chart as .svg or .png (by the file's extension)."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".svg", ".png"):
        raise InputError("plot", "the file name must end in .svg or .png")
    c = chart(result)
    try:
        if suffix == ".svg":
            target.write_text(c.svg(), encoding="utf-8")
        else:
            target.write_bytes(c.png())
    except OSError as e:
        raise InputError("plot", f"cannot write {path}: {e.strerror}") from None
