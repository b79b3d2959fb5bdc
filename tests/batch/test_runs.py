from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from shebao.batch import engines
from shebao.cli import app
from shebao.errors import InputError
from shebao.policy import Policy
from shebao.policy import bindings as b
from shebao.policy.billing import monthly_bill
from shebao.policy.formulas import pension


def _rows(out: Path) -> pl.DataFrame:
    return pl.read_parquet(sorted(out.glob("province=*/*.parquet")), hive_partitioning=False)


def _persons(directory: Path, province: str) -> pl.DataFrame:
    return pl.read_parquet(directory / "persons" / f"province={province}" / "part-0.parquet")


def test_contributions_are_monthly_bill_person_by_person(small_population: Path,
                                                         tmp_path: Path) -> None:
    summary = engines.run("contributions", small_population, "2025-07", tmp_path / "out")
    bills = _rows(tmp_path / "out")
    persons = _persons(small_population, "440000").join(bills, on="person_id")
    snapshot = Policy.at(dt.date(2025, 7, 1), "440000")
    month = 2025 * 12 + 6
    for row in persons.sample(40, seed=2).iter_rows(named=True):
        bill = monthly_bill(snapshot, month, "440000", [row["declared_wage_fen"]],
                            flexible=row["flexible"], injury_class=row["injury_class"],
                            enterprise_size=row["enterprise_size"], public_body=row["public_body"])
        assert row["base_fen"] == bill.base_fen[0]
        assert row["employer_fen"] == bill.total("employer")[0]
        assert row["employee_fen"] == bill.total("employee", "person")[0]
    assert summary["total_fen"] == int(bills["employer_fen"].sum() + bills["employee_fen"].sum())
    assert summary["total_fen"] == summary["pooled_fund_fen"] + summary["individual_account_fen"]
    assert summary["total_fen"] == sum(summary["by_scheme_fen"].values())
    # Hubei has no published average wage: its persons are not billed, and the summary says so.
    assert summary["skipped"]["420000"]["persons"] > 0
    hubei = pl.read_parquet(tmp_path / "out" / "province=420000" / "part-0.parquet")
    assert hubei.height == 0 and hubei.columns == bills.columns
    saved = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert saved == summary
    # A scenario that changes only retirement ages bills the same month the same way.
    reform = engines.run("contributions", small_population, "2025-07", tmp_path / "no-reform",
                         scenario="no-reform")
    assert reform.pop("scenario") == "no-reform" and summary.pop("scenario") is None
    assert reform == summary


def test_payroll_indexes_later_years_and_pays_only_the_authenticated_living(
        small_population: Path, tmp_path: Path) -> None:
    summary = engines.run("payroll", small_population, "2026-01", tmp_path / "out")
    paid = _rows(tmp_path / "out")
    persons = _persons(small_population, "510000").join(paid, on="person_id")
    covers = b.survival_authentication_months(Policy.at(dt.date(2026, 1, 1), "510000"),
                                              "510000").values
    month = 2026 * 12
    indexed = persons.filter((pl.col("scheme") == "employee") & (pl.col("status") == "paid"))
    used = b.indexation_arguments(Policy.at(dt.date(2026, 1, 1), "510000"), "510000").values
    expected = pension.indexation_increase(
        indexed["pension_fen"].to_numpy(), indexed["contribution_months"].to_numpy(),
        2026 - indexed["birth_month"].to_numpy() // 12, **used)["increase"]
    assert (indexed["indexation_fen"].to_numpy() == expected).all()
    assert (indexed["amount_fen"] == indexed["pension_fen"] + indexed["indexation_fen"]).all()
    # Residents' pensions take the month's minimum basic pension (163 yuan from 2026).
    residents = persons.filter((pl.col("scheme") == "resident") & (pl.col("status") == "paid"))
    assert residents.height
    expected = pension.resident_pension(
        residents["account_balance_fen"].to_numpy(),
        **b.resident_pension_arguments(Policy.at(dt.date(2026, 1, 1), "510000"),
                                       "510000").values)["total"]
    assert (residents["amount_fen"].to_numpy() == expected).all()
    assert (residents["amount_fen"] > residents["pension_fen"]).all()
    for row in persons.iter_rows(named=True):
        lapse = (max(row["last_auth_month"], row["award_month"]) + covers["period_months"]
                 + covers["grace_months"])
        dead = row["death_month"] is not None and row["death_month"] < month
        assert row["status"] == ("stopped" if dead else "suspended" if month >= lapse
                                 else "paid")
    assert summary["paid"] + summary["suspended"] + summary["stopped"] == summary["pensioners"]
    assert summary["paid_fen"] == int(paid["amount_fen"].sum())


def test_authentication_list_is_masked_and_split_into_due_and_lapsed(
        small_population: Path, tmp_path: Path) -> None:
    summary = engines.run("authentication", small_population, "2025-07", tmp_path / "out")
    listed = _rows(tmp_path / "out")
    assert listed.height == summary["listed"] == summary["due"] + summary["lapsed"]
    assert listed["identity"].str.contains(r"^\d{6}\*{8}\d{3}[\dX]$").all()
    assert set(listed["status"]) == {"due", "lapsed"}
    assert (listed.filter(pl.col("status") == "due")["months_overdue"] == 0).all()


def test_fraud_rules_find_the_planted_cases(small_population: Path, tmp_path: Path) -> None:
    summary = engines.run("fraud", small_population, "2025-07", tmp_path / "out")
    for rule in ("under_declaration", "pension_after_death"):
        found = summary["by_rule"][rule]
        assert found["planted"] > 0
        assert found["planted_found"] == found["planted"]  # every planted case is found
    # Bonuses above the rule's tolerance are flagged too: precision below 1, as in life.
    under = summary["by_rule"]["under_declaration"]
    assert under["planted"] < under["findings"] < 2 * under["planted"]
    findings = _rows(tmp_path / "out")
    assert (findings.filter(pl.col("rule") == "under_declaration")["amount_fen"] >= 0).all()


@pytest.mark.parametrize(("column", "value", "reason"), [
    ("declared_wage_fen", -1, "wage cannot be negative"),
    ("identity", None, "must be 18 characters"),
    ("death_month", 99_999_999, "not a month"),
])
def test_a_malformed_row_stops_the_run_naming_file_row_and_reason(
        small_population: Path, tmp_path: Path, column: str, value: object,
        reason: str) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(small_population, bad)
    path = bad / "persons" / "province=510000" / "part-0.parquet"
    frame = pl.read_parquet(path)
    values = frame[column].to_list()
    values[6] = value
    frame.with_columns(pl.Series(column, values, dtype=frame[column].dtype)).write_parquet(path)
    with pytest.raises(InputError) as refused:
        engines.run("contributions", bad, "2025-07", tmp_path / "out")
    assert refused.value.field == f"{path.resolve()}: row 7: {column}"
    assert reason in refused.value.reason
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bad"]  # no partial output left behind

    result = CliRunner().invoke(app, ["batch", "contributions", "--input", str(bad),
                                      "--month", "2025-07", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "row 7" in result.output and reason in result.output
    assert not (tmp_path / "out").exists()


def test_refuses_bad_arguments(small_population: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="month"):
        engines.run("payroll", small_population, "2025-13", tmp_path / "o")
    with pytest.raises(InputError, match="engine"):
        engines.run("payroll", small_population, "2025-07", tmp_path / "o", engine="spark")
    with pytest.raises(InputError, match="describes 2025-06"):
        engines.run("payroll", small_population, "2025-01", tmp_path / "o")
    with pytest.raises(InputError, match="input"):
        engines.run("payroll", tmp_path, "2025-07", tmp_path / "o")
    with pytest.raises(InputError, match="unknown scenario"):
        engines.run("payroll", small_population, "2025-07", tmp_path / "o", scenario="nope")
    assert np.all([not p.name.startswith(".") for p in tmp_path.iterdir()])


def test_a_province_split_into_several_files_gives_the_same_summary(
        small_population: Path, tmp_path: Path) -> None:
    split = tmp_path / "split"
    shutil.copytree(small_population, split)
    folder = split / "persons" / "province=440000"
    frame = pl.read_parquet(folder / "part-0.parquet")
    (folder / "part-0.parquet").unlink()
    half = frame.height // 2
    frame[:half].write_parquet(folder / "part-0.parquet")
    frame[half:].write_parquet(folder / "part-1.parquet")
    whole = engines.run("contributions", small_population, "2025-07", tmp_path / "whole")
    parts = engines.run("contributions", split, "2025-07", tmp_path / "parts")
    assert parts.pop("partitions") == whole.pop("partitions") + 1
    assert parts == whole
    assert len(list((tmp_path / "parts" / "province=440000").glob("*.parquet"))) == 2
