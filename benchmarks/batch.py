"""Monthly contribution billing over a synthetic population: local engine vs the I/O floor vs Dask.

The floor is a bare Polars scan of the columns the billing run reads (no checks, no formulas,
no writes); the local engine reads the same columns partition by partition, checks them, bills
every contributing person through policy.billing.monthly_bill and writes one row a person;
the Dask engine does the same work as one task a partition on a 2-worker local cluster (started
before the clock, as a standing cluster would be). The input is generated once into var/
(--dir) when missing. Each is timed --runs times and the median kept: the machine is shared.
Ends with one line of JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
from distributed import LocalCluster

from shebao.batch import engines, population
from shebao.batch.runs import CONTRIBUTION_COLUMNS

MONTH = "2025-07"


def _median(label: str, runs: int, work: Callable[[], object]) -> tuple[float, object]:
    """Median wall time of `runs` runs of `work` (the machine is shared: one run can be unlucky)."""
    walls, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        walls.append(time.perf_counter() - start)
    seconds = statistics.median(walls)
    print(f"{label}: median {seconds:.3f} s of {', '.join(f'{w:.3f}' for w in walls)}")
    return seconds, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each (median)")
    parser.add_argument("--dir", default=None, help="population folder (generated if missing)")
    args = parser.parse_args()
    folder = Path(args.dir or f"var/bench-population-{args.persons}")
    if not (folder / "manifest.json").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        _median(f"generate {args.persons:,} persons into {folder}", 1,
                lambda: population.generate(args.persons, args.seed, folder))
    files = population.partitions(folder)
    scratch = Path(tempfile.mkdtemp(prefix="shebao-bench-"))
    outputs = iter(range(10**6))

    def billing(**engine: Any) -> dict[str, Any]:
        return engines.run("contributions", folder, MONTH, scratch / str(next(outputs)), **engine)

    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"load average before the timed runs: {load} (other processes share the cores)")
    try:
        # Scan and billing alternate, round by round, so both sample the same moments of a
        # shared machine's load.
        scans: list[float] = []
        locals_: list[float] = []
        summary: dict[str, Any] = {}
        for i in range(args.runs):
            start = time.perf_counter()
            pl.scan_parquet(files, hive_partitioning=False).select(CONTRIBUTION_COLUMNS).collect()
            scans.append(time.perf_counter() - start)
            start = time.perf_counter()
            summary = billing()
            locals_.append(time.perf_counter() - start)
            print(f"round {i + 1}: scan (bare Polars read of the billing run's columns) "
                  f"{scans[-1]:.3f} s, local engine contributions run {locals_[-1]:.3f} s")
        scan_s, local_s = statistics.median(scans), statistics.median(locals_)
        print(f"medians of {args.runs} rounds: scan {scan_s:.3f} s, local {local_s:.3f} s")
        print(f"  billed {summary['persons']:,} persons, {summary['total_fen']:,} fen")
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=":0") as cluster:
            dask_s, dask_summary = _median(
                "dask engine (2 workers): contributions", args.runs,
                lambda: billing(engine="dask", scheduler=cluster.scheduler_address))
        assert dask_summary == summary, "the engines disagree"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps({"persons": args.persons, "local_s": round(local_s, 3),
                      "scan_s": round(scan_s, 3), "ratio_vs_scan": round(local_s / scan_s, 2),
                      "dask_s": round(dask_s, 3), "dask_overhead": round(dask_s / local_s, 2)}))


if __name__ == "__main__":
    main()
