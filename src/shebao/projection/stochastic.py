"""Stochastic mode: thousands of trajectories through the same population and fund steps.

Per draw: mortality follows Lee–Carter around WPP's path (ln m_x,t = ln m̂_x,t + b_x·k_t, k a
random walk), fertility an AR(1) around the medium TFR, scaled so its spread matches WPP's 80%
interval; wage growth and the fund's return are a VAR(1) with correlated shocks; coverage and
compliance multipliers are beta-distributed. Every draw runs through `population.step` and
`pension.project_pension` at once (arrays with a leading draw axis).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from shebao.errors import InputError

from .pension import POPULATION_BASE, Paths, PensionProjection, _paths, project_pension
from .population import AGES, LAST_YEAR, load_inputs, step
from .scenarios import load_scenario

MIN_DRAWS, MAX_DRAWS = 100, 20_000


@dataclass(frozen=True)
class Uncertainty:
    """Spread of the random drivers (annual standard deviations unless said otherwise)."""

    mortality_drift_sd: float = 0.012  # of the Lee–Carter index k per year
    fertility_phi: float = 0.9  # AR(1) persistence of TFR deviations
    wage_sd: float = 0.012
    return_sd: float = 0.015
    wage_return_corr: float = 0.5
    wage_phi: float = 0.6
    return_phi: float = 0.3
    coverage_concentration: float = 400.0  # beta(a, b) around 1 (a + b); larger = tighter
    compliance_concentration: float = 600.0


@dataclass(frozen=True)
class StochasticResult:
    years: list[int]
    draws: int
    percentiles: dict[str, dict[str, list[float]]]  # indicator → "p10"/"p50"/"p90" → by year
    depletion_probability: list[float]  # P(balance < 0 by each year)
    depletion_year_p50: int | None


def _population_draws(
    to: int, draws: int, rng: np.random.Generator, u: Uncertainty
) -> NDArray[np.float32]:
    """(draws, T, 2, AGES) mid-year population from mid-2015, single precision."""
    inp = load_inputs(POPULATION_BASE)
    n = to - POPULATION_BASE
    # Lee–Carter: b_x as the share of mortality decline by age, from WPP's own path.
    decline = inp.log_mx[0] - inp.log_mx[min(n, inp.steps) - 1]
    b = decline / np.maximum(decline.sum(axis=-1, keepdims=True), 1e-9)
    k = np.cumsum(rng.normal(0, u.mortality_drift_sd * AGES, (draws, n)), axis=1)
    # TFR: AR(1) deviations, unit variance then scaled to WPP's 80% band (±1.2816 sd).
    sd = np.maximum((inp.tfr_bounds["80u"] - inp.tfr_bounds["80l"]) / (2 * 1.2816), 0.0)
    eps = rng.normal(0, 1, (draws, n))
    z = np.zeros((draws, n))
    scale = np.sqrt(1 - u.fertility_phi**2)
    for t in range(n):
        z[:, t] = (u.fertility_phi * z[:, t - 1] if t else 0.0) + scale * eps[:, t]
    # Single precision: counts keep 7 significant digits, ample for a band, at half the memory
    # traffic; the fund's money stays in float64.
    f32 = np.float32
    pop = np.empty((draws, n + 1, 2, AGES), dtype=f32)
    pop[:, 0] = inp.base
    b32, k32 = b.astype(f32), k.astype(f32)
    for t in range(n):
        tfr = np.maximum(inp.tfr["medium"][t] + sd[t] * z[:, t], 0.3).astype(f32)
        log_mx = inp.log_mx[t].astype(f32)[None] + b32[None] * k32[:, t, None, None]
        pop[:, t + 1], _ = step(
            pop[:, t],
            log_mx,
            tfr[:, None] * inp.pasfr[t].astype(f32)[None],
            f32(inp.srb[t]),
            inp.migration[t].astype(f32),
        )
    return pop


def _economic_paths(
    scenario: str, years: NDArray[np.int64], draws: int, rng: np.random.Generator, u: Uncertainty
) -> Paths:
    """Deterministic paths with VAR(1) shocks to wage growth and returns, beta coverage."""
    base = _paths(load_scenario(scenario), years, draws)
    t_count = years.size
    cov = np.array(
        [
            [u.wage_sd**2, u.wage_return_corr * u.wage_sd * u.return_sd],
            [u.wage_return_corr * u.wage_sd * u.return_sd, u.return_sd**2],
        ]
    )
    shocks = rng.multivariate_normal(np.zeros(2), cov, (draws, t_count))
    dev = np.zeros((draws, t_count, 2))
    phi = np.array([u.wage_phi, u.return_phi])
    for t in range(t_count):
        dev[:, t] = (phi * dev[:, t - 1] if t else 0.0) + shocks[:, t]
    growth = base.wage[:, 1:] / base.wage[:, :-1] - 1
    wage = base.wage.copy()
    wage[:, 1:] = base.wage[:, :1] * np.cumprod(1 + growth + dev[:, 1:, 0], axis=1)
    share = float(load_scenario(scenario).value("indexation_wage_share"))
    projected = years > base.indexation_published_until
    indexation = base.indexation + np.where(projected, share * dev[:, :, 0], 0.0)

    def beta(concentration: float) -> NDArray[np.float64]:
        level = rng.beta(concentration / 2, concentration / 2, (draws, 1)) * 2
        return np.broadcast_to(level, (draws, t_count)).copy()

    return Paths(
        years,
        wage,
        base.fund_return + dev[:, :, 1],
        indexation,
        beta(u.coverage_concentration),
        beta(u.compliance_concentration),
        base.indexation_published_until,
    )


CHUNKS = 2  # draws run as two halves on two threads (numpy releases the GIL in its loops)


def run_stochastic(
    scenario: str, to: int, draws: int = 5000, seed: int = 2019, u: Uncertainty | None = None
) -> tuple[PensionProjection, NDArray[np.float32]]:
    """All draws: the fund projection and the population (draws, T, 2, AGES).

    The draws are split into a fixed number of chunks, each with its own random stream
    spawned from `seed`, so a seed gives the same draws on any machine.
    """
    if not MIN_DRAWS <= draws <= MAX_DRAWS:
        raise InputError("draws", f"draws must be between {MIN_DRAWS} and {MAX_DRAWS}")
    sc = load_scenario(scenario)
    start = int(sc.value("start_year"))
    if not start < to <= LAST_YEAR:
        raise InputError("to", f"year must be between {start + 1} and {LAST_YEAR}")
    u = u or Uncertainty()
    years = np.arange(start, to + 1)
    project_pension(scenario, to)  # reads data and parameters once, before the threads
    sizes = [draws // CHUNKS + (i < draws % CHUNKS) for i in range(CHUNKS)]
    streams = np.random.SeedSequence(seed).spawn(CHUNKS)

    def chunk(i: int) -> tuple[PensionProjection, NDArray[np.float32]]:
        rng = np.random.default_rng(streams[i])
        pop = _population_draws(to, sizes[i], rng, u)
        paths = _economic_paths(scenario, years, sizes[i], rng, u)
        return project_pension(scenario, to, population=pop, paths=paths), pop

    with ThreadPoolExecutor(CHUNKS) as pool:
        parts = list(pool.map(chunk, range(CHUNKS)))
    fund = PensionProjection(
        scenario,
        years,
        **{
            name: np.concatenate([getattr(f, name) for f, _ in parts])
            for name in PensionProjection.ARRAYS
        },
    )
    return fund, np.concatenate([p for _, p in parts])


def summarize(fund: PensionProjection, pop: NDArray[np.floating]) -> StochasticResult:
    """P10/P50/P90 by year and the probability of depletion by each year."""
    years = fund.years
    first = years[0] - POPULATION_BASE
    total = pop[:, first : first + years.size].sum(axis=(-2, -1))
    series = {
        "balance_fen": fund.balance,
        "revenue_fen": fund.revenue,
        "expenditure_fen": fund.expenditure,
        "contributors": fund.contributors,
        "retirees": fund.retirees,
        "population": total,
    }
    pct = {
        name: {f"p{q}": [float(v) for v in np.percentile(values, q, axis=0)] for q in (10, 50, 90)}
        for name, values in series.items()
    }
    depleted = np.maximum.accumulate(fund.balance < 0, axis=1).mean(axis=0)
    dep = fund.depletion_years()
    median = float(np.nanmedian(dep)) if np.isfinite(dep).sum() * 2 > dep.size else None
    return StochasticResult(
        [int(y) for y in years],
        fund.balance.shape[0],
        pct,
        [round(float(p), 4) for p in depleted],
        int(median) if median is not None else None,
    )
