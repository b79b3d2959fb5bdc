"""Projection speed: a deterministic 75-year national run and 5,000 stochastic draws.

Deterministic: `project_pension("baseline", start + 75)` — population (cohort-component from
mid-2015 by single age and sex) plus the urban employee pension fund with retirements and
awards from the live formulas; the best of five runs after one warm-up (which pays for reading
the WPP files and the policy parameters once, as a server does at start-up).
Stochastic: `run_stochastic("baseline", start + 75, draws)` — every draw's population (Lee–Carter
mortality, AR(1) fertility) and fund (VAR(1) wage and return shocks, beta coverage and
compliance) at once, then P10/P50/P90 and the depletion probability; one timed run after the
warm-up (the median of --repeat runs when asked).

The last line printed is JSON: {"deterministic_s", "stochastic_draws", "stochastic_s"}.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

from shebao.projection.pension import project_pension
from shebao.projection.scenarios import load_scenario
from shebao.projection.stochastic import run_stochastic, summarize

YEARS = 75


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--draws", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    to = int(load_scenario("baseline").value("start_year")) + YEARS
    project_pension("baseline", to)  # warm-up: data files and parameters read once
    runs = []
    for _ in range(5):
        t = time.perf_counter()
        project_pension("baseline", to)
        runs.append(time.perf_counter() - t)
    deterministic = min(runs)
    print(f"deterministic baseline {to - YEARS}-{to}: {deterministic:.3f} s (best of 5)")
    stochastic = []
    for _ in range(args.repeat):
        t, cpu = time.perf_counter(), time.process_time()
        fund, pop = run_stochastic("baseline", to, args.draws)
        result = summarize(fund, pop)
        stochastic.append(time.perf_counter() - t)
        print(
            f"stochastic {args.draws} draws: {stochastic[-1]:.2f} s "
            f"(CPU {time.process_time() - cpu:.2f} s over both threads); "
            f"P(depleted by {to}) = {result.depletion_probability[-1]:.3f}"
        )
    print(f"load average: {os.getloadavg()[0]:.2f}")
    print(
        json.dumps(
            {
                "deterministic_s": round(deterministic, 4),
                "stochastic_draws": args.draws,
                "stochastic_s": round(statistics.median(stochastic), 3),
            }
        )
    )


if __name__ == "__main__":
    main()
