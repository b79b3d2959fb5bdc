"""The local engine and a 2-worker Dask cluster give the same summaries and the same rows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from distributed import LocalCluster

from shebao.batch import engines
from shebao.batch.runs import RUNS
from shebao.errors import InputError


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as running:
        yield running


@pytest.mark.parametrize("run", list(RUNS))
def test_both_engines_give_identical_summaries_and_outputs(
        run: str, small_population: Path, tmp_path: Path, cluster: LocalCluster) -> None:
    local = engines.run(run, small_population, "2026-01", tmp_path / "local")
    dask = engines.run(run, small_population, "2026-01", tmp_path / "dask", engine="dask",
                       scheduler=cluster.scheduler_address)
    assert local == dask
    assert (tmp_path / "local" / "summary.json").read_bytes() == \
        (tmp_path / "dask" / "summary.json").read_bytes()
    files = sorted(p.relative_to(tmp_path / "local")
                   for p in (tmp_path / "local").glob("province=*/*.parquet"))
    assert len(files) == 31
    assert files == sorted(p.relative_to(tmp_path / "dask")
                           for p in (tmp_path / "dask").glob("province=*/*.parquet"))
    for name in files:
        assert pl.read_parquet(tmp_path / "local" / name).equals(
            pl.read_parquet(tmp_path / "dask" / name))


def test_the_dask_engine_starts_its_own_cluster_without_a_scheduler(
        small_population: Path, tmp_path: Path) -> None:
    dask = engines.run("authentication", small_population, "2025-07", tmp_path / "d",
                       engine="dask", workers=2)
    assert dask == engines.run("authentication", small_population, "2025-07", tmp_path / "l")


def test_a_malformed_row_on_a_worker_stops_the_run(small_population: Path, tmp_path: Path,
                                                  cluster: LocalCluster) -> None:
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "manifest.json").write_bytes((small_population / "manifest.json").read_bytes())
    source = small_population / "persons" / "province=440000" / "part-0.parquet"
    target = bad / "persons" / "province=440000" / "part-0.parquet"
    target.parent.mkdir(parents=True)
    frame = pl.read_parquet(source)
    frame.with_columns(pl.when(pl.int_range(pl.len()) == 2).then(-5)
                       .otherwise(pl.col("pension_fen")).alias("pension_fen")).write_parquet(target)
    with pytest.raises(InputError, match=r"row 3: pension_fen: pension cannot be negative"):
        engines.run("payroll", bad, "2025-07", tmp_path / "out", engine="dask",
                    scheduler=cluster.scheduler_address)
    assert not (tmp_path / "out").exists()
