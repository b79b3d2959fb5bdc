"""The system's weak points, measured on a population in Parquet: one indicator a question.

- coverage: who contributes to the employee pension, by employment segment and hukou status;
- benefit gaps: urban vs rural hukou pensioners, and between provinces (median pension,
  replacement rate = pension ÷ the province's average monthly wage);
- fund pressure: months of the province's employee-pension spending held in reserve;
- service gaps: pension transfers' turnaround against the target, the authentication backlog;
- redistribution: the Gini coefficient of market income, and of income after contributions
  (the bill through policy.billing, as the batch run computes it) and pensions.

Each partition (province) is read once; amounts stay integer fen until they are shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import ArrayLike

from shebao.batch import population, runs
from shebao.errors import InputError
from shebao.policy import Policy
from shebao.policy import bindings as b
from shebao.policy.formulas.periods import format_month

SEGMENTS = ("enterprise", "public", "flexible", "platform", "farmer", "not_working")
STATUSES = ("urban_local", "rural_local", "migrant")
COLUMNS = sorted({*runs.CONTRIBUTION_COLUMNS, *runs.PENSION_COLUMNS, "segment", "migrant",
                  "rural_hukou", "resident_insured", "income_fen", "transfer_days"})


def gini(values: ArrayLike) -> float:
    """Gini coefficient of non-negative values: 2 Σ i·x₍ᵢ₎ / (n Σ x) − (n + 1) / n over the
    values sorted ascending (i = 1…n); 0 is equality, 1 one person holding everything."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    n, total = x.size, x.sum()
    if n == 0 or total <= 0:
        return 0.0
    ranks = np.arange(1, n + 1, dtype=np.float64)
    return float(2 * (ranks * x).sum() / (n * total) - (n + 1) / n)


def _status() -> pl.Expr:
    return (pl.when(pl.col("migrant")).then(pl.lit("migrant"))
            .when(pl.col("rural_hukou")).then(pl.lit("rural_local"))
            .otherwise(pl.lit("urban_local")))


def compute(input_dir: str | Path) -> dict[str, Any]:
    """Every indicator of the population in `input_dir` at its as-of month."""
    as_of = population.as_of_month(input_dir)
    provinces = pl.read_parquet(Path(input_dir) / "provinces.parquet")
    wage_of = dict(zip(provinces["province"], provinces["average_wage_fen"], strict=True))
    reserve_of = dict(zip(provinces["province"], provinces["reserve_fen"], strict=True))
    coverage: list[pl.DataFrame] = []
    pensions: list[pl.DataFrame] = []
    market: list[np.ndarray] = []
    after: list[np.ndarray] = []
    by_province: list[dict[str, Any]] = []
    persons = 0
    target = int(Policy.at(b.month_start(as_of)).value("transfer.service_target_working_days"))
    for path in population.partitions(input_dir):
        part = runs.Partition(str(path), "", as_of, as_of)
        try:
            frame = pl.read_parquet(path, columns=COLUMNS, hive_partitioning=False)
        except pl.exceptions.ColumnNotFoundError as error:
            raise InputError("input", f"{path}: {error}") from None
        persons += frame.height
        frame = frame.with_columns(_status().alias("status"))
        working = frame.filter(pl.col("segment").is_in(SEGMENTS))
        coverage.append(working.group_by("segment", "status").agg(
            pl.len().alias("persons"), pl.col("insured_employee").sum().alias("employee"),
            (pl.col("insured_employee") | pl.col("resident_insured")).sum().alias("any")))

        living = frame.filter(pl.col("pension_scheme").is_not_null()
                              & pl.col("death_month").is_null()
                              & (pl.col("award_month") <= as_of))
        wage = wage_of[part.province]
        pensions.append(living.select("pension_scheme", "rural_hukou", "pension_fen",
                                      pl.lit(part.province).alias("province"),
                                      (pl.col("pension_fen") / wage).alias("replacement")))
        lapsed = int((runs.authentication_lapses(part, living) <= as_of).sum())
        employee = living.filter(pl.col("pension_scheme") == "employee")
        spending = int(employee["pension_fen"].sum())
        days = frame["transfer_days"].drop_nulls()

        # Redistribution: adults' market income, and after their contributions and pensions.
        adults = frame.filter(pl.col("segment") != "child")
        deducted = np.zeros(adults.height, dtype=np.int64)
        snapshot = Policy.at(b.month_start(as_of), part.province)
        try:
            average_wage, _ = b.previous_year_average_wage(snapshot, as_of // 12, part.province)
        except InputError:
            average_wage = None  # no published wage: contributions not deducted (said below)
        if average_wage is not None:
            billed = runs.bill(runs.contributing(adults, as_of), snapshot, as_of,
                               part.province, average_wage)
            position = adults.with_row_index("row").join(
                billed.frame.select("person_id").with_row_index("billed"), on="person_id")
            deducted[position["row"].to_numpy()] = \
                billed.amounts["employee"][position["billed"].to_numpy()]
        income = adults["income_fen"].to_numpy()
        pension = np.where(adults["pension_scheme"].is_not_null().to_numpy()
                           & adults["death_month"].is_null().to_numpy(),
                           adults["pension_fen"].to_numpy(), 0)
        market.append(income)
        after.append(income - deducted + pension)
        by_province.append({
            "province": part.province,
            "reserve_months": round(reserve_of[part.province] / spending, 1) if spending else None,
            "pensioners": living.height,
            "authentication_lapsed": lapsed,
            "authentication_backlog": round(lapsed / living.height, 3) if living.height else 0.0,
            "transfers": days.len(),
            "transfer_median_days": float(days.median()) if days.len() else None,
            "transfer_over_target": round(float((days > target).mean()), 3) if days.len() else 0.0,
            "contributions_deducted": average_wage is not None,
        })
    return _assemble(as_of, persons, pl.concat(coverage), pl.concat(pensions), market, after,
                     by_province, target)


def _assemble(as_of: int, persons: int, coverage: pl.DataFrame, pensions: pl.DataFrame,
              market: list[np.ndarray], after: list[np.ndarray],
              by_province: list[dict[str, Any]], target: int) -> dict[str, Any]:
    cells = coverage.group_by("segment", "status").agg(pl.col("persons", "employee", "any").sum())
    coverage_rows = []
    for segment in SEGMENTS:
        for status in STATUSES:
            cell = cells.filter((pl.col("segment") == segment) & (pl.col("status") == status))
            count = int(cell["persons"].sum())
            coverage_rows.append({
                "segment": segment, "status": status, "persons": count,
                "employee_coverage": round(int(cell["employee"].sum()) / count, 3)
                if count else None,
                "any_pension_coverage": round(int(cell["any"].sum()) / count, 3)
                if count else None})

    gaps = []
    for label, selected in (
            ("urban hukou, employee pension", pensions.filter(~pl.col("rural_hukou") & (
                pl.col("pension_scheme") == "employee"))),
            ("rural hukou, employee pension", pensions.filter(pl.col("rural_hukou") & (
                pl.col("pension_scheme") == "employee"))),
            ("urban hukou, all pensions", pensions.filter(~pl.col("rural_hukou"))),
            ("rural hukou, all pensions", pensions.filter(pl.col("rural_hukou"))),
            ("residents' pension", pensions.filter(pl.col("pension_scheme") == "resident"))):
        gaps.append({"group": label, "pensioners": selected.height,
                     "median_pension_fen": int(selected["pension_fen"].median() or 0),
                     "median_replacement": round(float(selected["replacement"].median() or 0), 3)})
    provincial = (pensions.filter(pl.col("pension_scheme") == "employee").group_by("province")
                  .agg(pl.col("pension_fen").median().alias("median_pension_fen"),
                       pl.col("replacement").median().alias("median_replacement"), pl.len())
                  .sort("province"))
    province_rows = [{"province": r["province"], "pensioners": r["len"],
                      "median_pension_fen": int(r["median_pension_fen"]),
                      "median_replacement": round(r["median_replacement"], 3)}
                     for r in provincial.iter_rows(named=True)]
    market_all, after_all = np.concatenate(market), np.concatenate(after)
    return {
        "as_of": format_month(as_of),
        "persons": persons,
        "coverage": coverage_rows,
        "benefit_gap_urban_rural": gaps,
        "benefit_gap_provinces": province_rows,
        "fund_pressure": [{k: p[k] for k in ("province", "reserve_months")}
                          for p in by_province],
        "service_gaps": {"transfer_target_working_days": target,
                         "by_province": [{k: p[k] for k in (
                             "province", "transfers", "transfer_median_days",
                             "transfer_over_target", "pensioners", "authentication_lapsed",
                             "authentication_backlog")} for p in by_province]},
        "redistribution": {
            "adults": int(market_all.size),
            "gini_market_income": round(gini(market_all), 4),
            "gini_after_contributions_and_pensions": round(gini(np.maximum(after_all, 0)), 4),
            "provinces_without_contributions": [p["province"] for p in by_province
                                                if not p["contributions_deducted"]],
        },
    }
