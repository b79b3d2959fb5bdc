"""The indicators as sections with charts: written as one self-contained HTML file by
`shebao analytics report`, shown on the analysts' page (/analytics) from the last report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from shebao.analytics.charts import bars
from shebao.analytics.indicators import compute
from shebao.config import Settings, get_settings
from shebao.errors import InputError
from shebao.registry.regions import get_region

_env = Environment(loader=PackageLoader("shebao.web", "templates"),
                   autoescape=select_autoescape(["html"]))


def _name(code: str) -> str:
    return get_region(code).name_en


def _yuan(fen: int | None) -> float | None:
    return None if fen is None else fen / 100


def sections(found: dict[str, Any]) -> list[dict[str, Any]]:
    """One section an indicator: its question, what it measures, its charts and its rows."""
    coverage = found["coverage"]
    gaps = found["benefit_gap_urban_rural"]
    provinces = found["benefit_gap_provinces"]
    service = found["service_gaps"]
    spread = found["redistribution"]
    target = service["transfer_target_working_days"]
    return [
        {"key": "coverage", "title": "Coverage by employment segment and hukou status",
         "text": "Share of people of working age contributing to the urban employee pension "
                 "(and, in the table, to any pension scheme).",
         "charts": [bars("Employee pension coverage", [
             (f"{r['segment']} · {r['status'].replace('_', ' ')}",
              None if r["employee_coverage"] is None else 100 * r["employee_coverage"])
             for r in coverage], "% of persons")],
         "columns": ["segment", "status", "persons", "employee_coverage",
                     "any_pension_coverage"], "rows": coverage},
        {"key": "benefit_gap_urban_rural", "title": "Benefit gap: urban and rural hukou",
         "text": "Median monthly pension and replacement rate (pension ÷ the province's average "
                 "monthly wage) of living pensioners.",
         "charts": [bars("Median pension", [(r["group"], _yuan(r["median_pension_fen"]))
                                            for r in gaps], "yuan a month", colour="#c2410c"),
                    bars("Median replacement rate", [(r["group"], 100 * r["median_replacement"])
                                                     for r in gaps], "%", colour="#c2410c")],
         "columns": ["group", "pensioners", "median_pension_fen", "median_replacement"],
         "rows": gaps},
        {"key": "benefit_gap_provinces", "title": "Benefit gap between provinces",
         "text": "Median employee pension and replacement rate by province.",
         "charts": [bars("Median employee pension", [(_name(r["province"]),
                                                      _yuan(r["median_pension_fen"]))
                                                     for r in provinces], "yuan a month"),
                    bars("Median replacement rate", [(_name(r["province"]),
                                                      100 * r["median_replacement"])
                                                     for r in provinces], "%")],
         "columns": ["province", "pensioners", "median_pension_fen", "median_replacement"],
         "rows": provinces},
        {"key": "fund_pressure", "title": "Fund pressure: months of spending in reserve",
         "text": "The province's employee-pension reserve ÷ its monthly pension spending.",
         "charts": [bars("Reserve", [(_name(r["province"]), r["reserve_months"])
                                     for r in found["fund_pressure"]], "months of spending",
                         colour="#15803d")],
         "columns": ["province", "reserve_months"], "rows": found["fund_pressure"]},
        {"key": "service_gaps", "title": "Service gaps: transfers and authentication",
         "text": f"Pension transfers completed after the {target}-working-day target, and "
                 "living pensioners whose survival authentication has lapsed (payment "
                 "suspended), by province.",
         "charts": [bars("Transfers over the target", [
             (_name(r["province"]), 100 * r["transfer_over_target"])
             for r in service["by_province"]], "% of transfers", colour="#7c3aed"),
                    bars("Authentication backlog", [
                        (_name(r["province"]), 100 * r["authentication_backlog"])
                        for r in service["by_province"]], "% of pensioners", colour="#7c3aed")],
         "columns": ["province", "transfers", "transfer_median_days", "transfer_over_target",
                     "pensioners", "authentication_lapsed", "authentication_backlog"],
         "rows": service["by_province"]},
        {"key": "redistribution", "title": "Redistribution",
         "text": "Gini coefficient over adults of monthly market income, and of income after "
                 "their own contributions and their pensions."
                 + (" Not deducted in " + ", ".join(_name(p) for p in
                                                    spread["provinces_without_contributions"])
                    + " (no published average wage to bill against)."
                    if spread["provinces_without_contributions"] else ""),
         "charts": [bars("Gini coefficient", [
             ("market income", spread["gini_market_income"]),
             ("after contributions and pensions",
              spread["gini_after_contributions_and_pensions"])], colour="#b91c1c")],
         "columns": ["adults", "gini_market_income", "gini_after_contributions_and_pensions"],
         "rows": [spread]},
    ]


def write(input_dir: str | Path, out: str | Path, settings: Settings | None = None) -> dict:
    """Compute the indicators, write the HTML report to `out` and the indicators beside it
    (`out` with .json); the analysts' page shows the last one (Settings.data_dir)."""
    target = Path(out)
    if target.suffix != ".html":
        raise InputError("out", "the report is an .html file")
    found = compute(input_dir)
    html = _env.get_template("analytics_report.html").render(
        found=found, sections=sections(found), source=str(input_dir))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(html, encoding="utf-8")
    text = json.dumps(found, indent=1)
    target.with_suffix(".json").write_text(text, encoding="utf-8")
    last = last_report_path(settings or get_settings())
    last.parent.mkdir(parents=True, exist_ok=True)
    last.write_text(text, encoding="utf-8")
    return found


def last_report_path(settings: Settings) -> Path:
    """Where the last report's indicators are kept for the analysts' page."""
    return settings.data_dir / "analytics" / "indicators.json"
