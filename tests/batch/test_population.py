from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from shebao.batch import population
from shebao.cli import app
from shebao.errors import InputError
from shebao.policy import PROVINCE_CODES
from shebao.registry.identifiers import parse_resident_id


def _persons(directory: Path) -> pl.DataFrame:
    return pl.read_parquet(population.partitions(directory), hive_partitioning=False)


def test_every_province_is_a_partition_and_the_counts_add_up(small_population: Path) -> None:
    manifest = json.loads((small_population / "manifest.json").read_text())
    files = population.partitions(small_population)
    assert [f.parent.name for f in files] == [f"province={c}" for c in PROVINCE_CODES]
    persons = _persons(small_population)
    assert persons.height == manifest["persons"] == 20_000
    counts = persons.group_by("province").len()
    assert dict(counts.iter_rows()) == manifest["partitions"]
    # Guangdong, the most populous province at the 2020 census, has the most residents.
    assert max(manifest["partitions"], key=manifest["partitions"].get) == "440000"


def test_the_same_seed_gives_the_same_files_and_another_seed_others(tmp_path: Path) -> None:
    population.generate(3_000, 5, tmp_path / "a")
    population.generate(3_000, 5, tmp_path / "b")
    population.generate(3_000, 6, tmp_path / "c")
    a, b, c = (_persons(tmp_path / x) for x in "abc")
    assert a.equals(b)
    assert not a.equals(c)


def test_identity_numbers_are_valid_unique_and_match_birth_and_sex(small_population: Path) -> None:
    persons = _persons(small_population)
    assert persons["identity"].n_unique() == persons.height
    assert persons["person_id"].n_unique() == persons.height
    for row in persons.sample(300, seed=1).iter_rows(named=True):
        parsed = parse_resident_id(row["identity"], today=dt.date(2025, 7, 1))
        assert parsed.region_code[:2] == row["hukou_province"][:2]
        assert parsed.birth_date.year * 12 + parsed.birth_date.month - 1 == row["birth_month"]
        assert (parsed.sex == "female") == row["female"]


def test_structure_follows_its_sources(small_population: Path) -> None:
    persons = _persons(small_population)
    migrants = persons.filter(pl.col("migrant"))
    # Migrants are of working age and hold their hukou in another province.
    assert (migrants["hukou_province"] != migrants["province"]).all()
    share = persons.group_by("province").agg(pl.col("migrant").mean())
    by_province = dict(share.iter_rows())
    assert by_province["310000"] > 0.3 > by_province["510000"]  # Shanghai vs Sichuan (census)
    working = persons.filter(~pl.col("segment").is_in(["child", "retired"]))
    assert (working.filter(pl.col("segment") == "not_working")["income_fen"] == 0).all()
    assert (working.filter(pl.col("segment") == "enterprise")["income_fen"] > 0).all()
    pensions = persons.filter(pl.col("pension_scheme").is_not_null())
    medians = dict(pensions.group_by("pension_scheme").agg(pl.col("pension_fen").median())
                   .iter_rows())
    assert medians["employee"] > 10 * medians["resident"]
    planted = persons["planted"].value_counts()
    assert set(planted["planted"].drop_nulls()) == {"under_declaration", "pension_after_death"}


def test_refuses_a_folder_that_holds_files(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("keep me")
    with pytest.raises(InputError) as refused:
        population.generate(100, 1, tmp_path)
    assert refused.value.field == "out"
    assert (tmp_path / "x").read_text() == "keep me"


def test_cli_generates_and_refuses_bad_counts(tmp_path: Path) -> None:
    done = CliRunner().invoke(app, ["population", "generate", "--persons", "500", "--seed", "2",
                                    "--out", str(tmp_path / "p")])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["persons"] == 500
    refused = CliRunner().invoke(app, ["population", "generate", "--persons", "0",
                                       "--out", str(tmp_path / "q")])
    assert refused.exit_code == 2
    assert "persons" in refused.output
    assert not (tmp_path / "q").exists()
