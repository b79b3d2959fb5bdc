"""Engines: where a run's partitions are computed. Both call runs.run_partition per partition.

- local: in this process, partitions on a pool of threads (one a core by default): Polars
  and numpy release the interpreter lock for their work on whole columns, so one partition's
  reading overlaps another's arithmetic.
- dask: one task a partition on a Dask distributed cluster, the one at --scheduler or a local
  cluster started for the run. Workers write their partition's output themselves, so the
  output folder must be one they all see.

Outputs go to a hidden folder beside --out, renamed to --out only when every partition is done:
a malformed row stops the run (exit 2) and leaves neither outputs nor a summary.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial, reduce
from pathlib import Path
from typing import Any

from shebao.batch import population
from shebao.batch.runs import RUNS, Partition, add, run_partition
from shebao.errors import InputError
from shebao.policy import Policy
from shebao.policy.bindings import month_start
from shebao.policy.formulas.periods import format_month, parse_month

ENGINES = ("local", "dask")


def run(name: str, input_dir: str | Path, month: str, out: str | Path, *,
        engine: str = "local", scheduler: str | None = None, workers: int = 2,
        threads: int | None = None, scenario: str | None = None) -> dict[str, Any]:
    """Run `name` over every partition of the population in `input_dir` for `month` (under a
    reform `scenario`'s parameters if one is named); write the partitions' rows and
    summary.json under `out`; return the summary."""
    if name not in RUNS:
        raise InputError("run", f"must be one of {', '.join(RUNS)}")
    if engine not in ENGINES:
        raise InputError("engine", f"must be one of {', '.join(ENGINES)}")
    if scheduler and engine != "dask":
        raise InputError("scheduler", "only the dask engine takes a scheduler")
    number = parse_month(month, "month")
    if scenario is not None:
        Policy.at(month_start(number), None, scenario)  # refuses an unknown scenario up front
    files = population.partitions(input_dir)
    as_of = population.as_of_month(input_dir)
    if number < as_of:
        raise InputError("month", f"the population describes {format_month(as_of)}; "
                                  "runs are for that month or later")
    target = Path(out)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError("out", f"{target} exists and is not an empty folder")
    work = target.parent / f".{target.name}.tmp-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        tasks = [Partition(str(f.resolve()), str(work.resolve()), number, as_of, scenario)
                 for f in files]
        if engine == "local":
            with ThreadPoolExecutor(max_workers=threads or os.cpu_count()) as pool:
                results = list(pool.map(partial(run_partition, name), tasks))
        else:
            with _client(scheduler, workers) as client:
                results = client.gather(client.map(run_partition, [name] * len(tasks), tasks,
                                                   pure=False))
        for result in results:
            if "error" in result:
                error = result["error"]
                row = f"row {error['row']}: " if error["row"] is not None else ""
                raise InputError(f"{error['path']}: {row}{error['column']}", error["reason"])
        summary = {"run": name, "month": format_month(number), "as_of": format_month(as_of),
                   "scenario": scenario, "partitions": len(tasks), **reduce(add, results, {})}
        (work / "summary.json").write_text(json.dumps(summary, indent=1, sort_keys=True),
                                           encoding="utf-8")
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    if target.exists():
        target.rmdir()
    work.rename(target)
    return summary


@contextmanager
def _client(scheduler: str | None, workers: int) -> Iterator[Any]:
    """A client of the cluster at `scheduler`, or of a local cluster of `workers` processes
    (one thread each: the partitions' numpy work holds the GIL in places)."""
    from dask.distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        yield client
