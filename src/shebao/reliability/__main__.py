"""`python -m shebao.reliability [--soak]`: run every check, print one table and end with one
JSON line {"checks", "operations", "lost", "duplicated", "leaked", "server_errors"}.

The short run (`make reliability`) takes a few minutes at most; `--soak` (`make soak`) runs the
bank test and the load for five minutes each and also stops PostgreSQL itself
(`pg_ctlcluster 15 main stop -m immediate`) during the bank test — only there, since the
machine's PostgreSQL may serve others.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from shebao.reliability.at_rest import at_rest_check
from shebao.reliability.authz import authz_check
from shebao.reliability.backups import backup_check
from shebao.reliability.bank import bank_test
from shebao.reliability.database import postgres_available
from shebao.reliability.fuzz import fuzz_check
from shebao.reliability.idempotency import idempotency_check
from shebao.reliability.load import load_check
from shebao.reliability.parsers import parsers_check
from shebao.reliability.report import CheckResult, summary, summary_line, table


@dataclass(frozen=True)
class Plan:
    bank_seconds: float
    load_seconds: float
    restart_postgres: bool
    parser_examples: int
    fuzz_examples: int


SHORT = Plan(bank_seconds=20, load_seconds=20, restart_postgres=False, parser_examples=200,
             fuzz_examples=3)
SOAK = Plan(bank_seconds=300, load_seconds=300, restart_postgres=True, parser_examples=2000,
            fuzz_examples=25)


def checks(plan: Plan, backends: list[str]) -> list[tuple[str, Callable[[], CheckResult]]]:
    """Every check of a run, by name, in the order they run."""
    planned: list[tuple[str, Callable[[], CheckResult]]] = []
    for backend in backends:
        planned.append((f"bank/{backend}", lambda b=backend: bank_test(
            b, plan.bank_seconds, restart_postgres=plan.restart_postgres and b == "postgresql")))
        planned.append((f"idempotency/{backend}", lambda b=backend: idempotency_check(b)))
        planned.append((f"authz/{backend}", lambda b=backend: authz_check(b)))
        planned.append((f"backup/{backend}", lambda b=backend: backup_check(b)))
        planned.append((f"at-rest/{backend}", lambda b=backend: at_rest_check(b)))
    planned.append(("parsers/sqlite", lambda: parsers_check("sqlite", plan.parser_examples)))
    # Fuzzing and load on the production database when there is one.
    main = backends[-1]
    planned.append((f"fuzz/{main}", lambda: fuzz_check(main, plan.fuzz_examples)))
    planned.append((f"load/{main}", lambda: load_check(main, plan.load_seconds)))
    return planned


def run(plan: Plan, backends: list[str]) -> list[CheckResult]:
    """Run the checks one after another; a check that crashes is a failed row, not the end."""
    results: list[CheckResult] = []
    for name, check in checks(plan, backends):
        started = time.monotonic()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        try:
            results.append(check())
        except Exception as crash:  # the table must still be printed
            results.append(CheckResult(
                name=name, tried="crashed", seconds=time.monotonic() - started,
                problems=[f"{type(crash).__name__}: {crash}",
                          *traceback.format_exc().splitlines()[-6:]]))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shebao.reliability", description=__doc__)
    parser.add_argument("--soak", action="store_true", help="the long run (make soak)")
    parser.add_argument("--backend", action="append", choices=("sqlite", "postgresql"),
                        help="databases to run on (default: both, PostgreSQL when reachable)")
    args = parser.parse_args(argv)
    backends = args.backend or ["sqlite", *(["postgresql"] if postgres_available() else [])]
    if "postgresql" not in backends:
        print("PostgreSQL is not reachable: its checks do not run", file=sys.stderr)
    results = run(SOAK if args.soak else SHORT, backends)
    print(table(results))
    print(summary_line(results))
    totals = summary(results)
    failed = any(not r.ok for r in results) or any(
        totals[k] for k in ("lost", "duplicated", "leaked", "server_errors"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
