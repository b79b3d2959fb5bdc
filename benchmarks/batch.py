"""Monthly contribution billing over a synthetic population: local engine vs the I/O floor vs Dask.

The floor is a bare Polars scan of the columns the billing run reads (no checks, no formulas,
no writes); the local engine reads the same columns partition by partition, checks them, bills
every contributing person through policy.billing.monthly_bill and writes one row a person;
the Dask engine does the same work as one task a partition on a 2-worker local cluster (started
before the clock, as a standing cluster would be). The input is generated once into var/
(--dir) when missing. Ends with one line of JSON.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import polars as pl
from distributed import LocalCluster

from shebao.batch import engines, population
from shebao.batch.runs import CONTRIBUTION_COLUMNS

MONTH = "2025-07"


def _timed(label: str, work: object) -> tuple[float, object]:
    start = time.perf_counter()
    result = work()  # type: ignore[operator]
    seconds = time.perf_counter() - start
    print(f"{label}: {seconds:.2f} s")
    return seconds, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", default=None, help="population folder (generated if missing)")
    args = parser.parse_args()
    folder = Path(args.dir or f"var/bench-population-{args.persons}")
    if not (folder / "manifest.json").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        _timed(f"generate {args.persons:,} persons into {folder}",
               lambda: population.generate(args.persons, args.seed, folder))
    files = population.partitions(folder)
    scratch = Path(tempfile.mkdtemp(prefix="shebao-bench-"))
    try:
        scan_s, frame = _timed("scan (bare Polars read of the same columns)",
                               lambda: pl.scan_parquet(files, hive_partitioning=False)
                               .select(CONTRIBUTION_COLUMNS).collect())
        print(f"  rows read: {frame.height:,}")
        del frame
        local_s, summary = _timed("local engine: contributions", lambda: engines.run(
            "contributions", folder, MONTH, scratch / "local"))
        print(f"  billed {summary['persons']:,} persons, {summary['total_fen']:,} fen")
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=":0") as cluster:
            dask_s, dask_summary = _timed("dask engine (2 workers): contributions",
                                          lambda: engines.run(
                                              "contributions", folder, MONTH, scratch / "dask",
                                              engine="dask", scheduler=cluster.scheduler_address))
        assert dask_summary == summary, "the engines disagree"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps({"persons": args.persons, "local_s": round(local_s, 3),
                      "scan_s": round(scan_s, 3), "ratio_vs_scan": round(local_s / scan_s, 2),
                      "dask_s": round(dask_s, 3), "dask_overhead": round(dask_s / local_s, 2)}))


if __name__ == "__main__":
    main()
