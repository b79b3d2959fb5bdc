"""Load: a bounded pool of asyncio clients on loopback, 70% reads and 30% writes, for a fixed
time; latency percentiles per kind and the error rate (any answer but 2xx, or no answer).

Goals (docs/reliability.md): p95 under 200 ms for reads and under 500 ms for writes, no errors.
Reads: a pool's statement, an employer's bills, a person. Writes: ledger postings, each with
its own idempotency key.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from pathlib import Path

import httpx

from shebao.reliability.client import ENTRIES
from shebao.reliability.harness import Live, live
from shebao.reliability.idempotency import entry_body
from shebao.reliability.report import CheckResult

READ_SHARE = 0.7
GOAL_P95_MS = {"read": 200.0, "write": 500.0}
WORKERS = 2
"""API worker processes, one a core of the 2-core machine the figures come from, as a
deployment would run them (`shebao serve --workers`)."""


def _percentiles(samples: list[float]) -> dict[str, float]:
    if len(samples) < 2:
        return {"p50": samples[0] if samples else 0.0, "p95": 0.0, "p99": 0.0}
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98]}


async def _worker(number: int, system: Live, stop_at: float, latencies: dict[str, list[float]],
                  errors: list[str]) -> None:
    rng = random.Random(number)
    world = system.world
    clerk, admin = system.as_role("clerk"), system.as_role("admin")
    reads = [
        (f"/api/v1/ledger/accounts/{world.pools('440000')[0]}?limit=20", admin),
        (f"/api/v1/contributions/bills?employer_id={world.employers['440000'][0]}", clerk),
        (f"/api/v1/persons/{world.persons['440000'][0]}", clerk),
    ]
    async with httpx.AsyncClient(base_url=system.server.base_url, timeout=10.0) as http:
        i = 0
        while time.monotonic() < stop_at:
            i += 1
            kind = "read" if rng.random() < READ_SHARE else "write"
            started = time.perf_counter()
            try:
                if kind == "read":
                    path, headers = rng.choice(reads)
                    response = await http.get(path, headers=headers)
                else:
                    response = await http.post(
                        ENTRIES, json=entry_body(rng.randint(1, 10_000), memo="load"),
                        headers=admin | {"Idempotency-Key": f"load-{number}-{i}"})
            except httpx.TransportError as failure:
                errors.append(f"{kind}: {type(failure).__name__}")
                continue
            latencies[kind].append((time.perf_counter() - started) * 1000)
            if not response.is_success:
                errors.append(f"{kind}: {response.status_code} {response.text[:120]}")


def load_check(backend: str, seconds: float = 20.0, clients: int = 16,
               log_dir: Path | None = None) -> CheckResult:
    """Run the load; a missed latency goal is reported in the row, errors are problems."""
    started = time.monotonic()
    latencies: dict[str, list[float]] = {"read": [], "write": []}
    errors: list[str] = []
    with live(backend, "load", log_dir, workers=WORKERS) as system:
        stop_at = time.monotonic() + seconds

        async def everything() -> None:
            await asyncio.gather(*(_worker(n, system, stop_at, latencies, errors)
                                   for n in range(clients)))

        asyncio.run(everything())
    answered = sum(len(v) for v in latencies.values())
    attempted = answered + sum("Error" in e for e in errors)  # transport failures: no latency
    result = CheckResult(name=f"load/{backend}", tried="", operations=attempted,
                         server_errors=sum(": 5" in e for e in errors),
                         problems=[f"error: {e}" for e in errors[:20]])
    result.figures = {"seconds": seconds, "clients": clients,
                      "requests_per_s": round(attempted / seconds, 1),
                      "error_rate": round(len(errors) / max(1, attempted), 6)}
    described = []
    for kind, samples in latencies.items():
        cut = _percentiles(samples)
        result.figures |= {f"{kind}_{name}_ms": round(ms, 1) for name, ms in cut.items()}
        result.figures[f"{kind}s"] = len(samples)
        verdict = "goal met" if cut["p95"] < GOAL_P95_MS[kind] else "GOAL MISSED"
        described.append(f"{kind}s p50/p95/p99 {cut['p50']:.0f}/{cut['p95']:.0f}/"
                         f"{cut['p99']:.0f} ms ({verdict})")
    result.tried = (f"{clients} clients, {seconds:.0f} s, {result.figures['requests_per_s']} "
                    "req/s; " + "; ".join(described))
    result.seconds = time.monotonic() - started
    return result
