"""Cohort-component population projection for China by single age (0–100+) and sex.

Driven by the UN World Population Prospects 2024 inputs shipped in `shebao/data/wpp2024_china/`
(see its README for sources and licence). The projection starts from WPP's mid-2020 population
by five-year group, graduated to single ages with Sprague multipliers, and steps from mid-year
to mid-year (the figures the interfaces report are mid-year persons).

Grouped inputs and how they become single ages / single years:
- population by five-year age group (mid-2015, mid-2020): Sprague fifths;
- death rates m_x by age group (0, 1–4, 5–9 … 95–99, 100+) and five-year period: log-linear
  interpolation between group mid-ages, and between period mid-points in time;
- percent age-specific fertility by five-year group: f_x = TFR · pasfr / 100 / 5 within the group.
Annual single-age inputs are used as they are: TFR (medium, low, high), sex ratio at birth, net
migration by age and sex (2023 on; 2020–2022 take 2023's age pattern scaled to the year's total).

Every array carries optional leading dimensions (draws), so the stochastic mode runs the same
step over thousands of trajectories at once.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from shebao.errors import InputError

AGES = 101  # 0 … 99 single years, 100 = 100+
START_YEAR = 2020  # mid-year of the base population the validation projects from
BASE_YEARS = (2015, 2020)  # mid-years WPP gives by age and sex
LAST_YEAR = 2100
Variant = Literal["low", "medium", "high"]
VARIANTS: tuple[str, ...] = ("low", "medium", "high")
MALE, FEMALE = 0, 1

# Sprague fifths multipliers (rows: the five single ages of a group; columns: the five groups
# used). First, second, middle, next-to-last and last panels.
_SPRAGUE = np.array(
    [
        [0.3616, -0.2768, 0.1488, -0.0336, 0.0000],
        [0.2640, -0.0960, 0.0400, -0.0080, 0.0000],
        [0.1840, 0.0400, -0.0320, 0.0080, 0.0000],
        [0.1200, 0.1360, -0.0720, 0.0160, 0.0000],
        [0.0704, 0.1968, -0.0848, 0.0176, 0.0000],
        [0.0336, 0.2272, -0.0752, 0.0144, 0.0000],
        [0.0080, 0.2320, -0.0480, 0.0080, 0.0000],
        [-0.0080, 0.2160, -0.0080, 0.0000, 0.0000],
        [-0.0160, 0.1840, 0.0400, -0.0080, 0.0000],
        [-0.0176, 0.1408, 0.0912, -0.0144, 0.0000],
        [-0.0128, 0.0848, 0.1504, -0.0240, 0.0016],
        [-0.0016, 0.0144, 0.2224, -0.0416, 0.0064],
        [0.0064, -0.0336, 0.2544, -0.0336, 0.0064],
        [0.0064, -0.0416, 0.2224, 0.0144, -0.0016],
        [0.0016, -0.0240, 0.1504, 0.0848, -0.0128],
        [0.0000, -0.0144, 0.0912, 0.1408, -0.0176],
        [0.0000, -0.0080, 0.0400, 0.1840, -0.0160],
        [0.0000, 0.0000, -0.0080, 0.2160, -0.0080],
        [0.0000, 0.0080, -0.0480, 0.2320, 0.0080],
        [0.0000, 0.0144, -0.0752, 0.2272, 0.0336],
        [0.0000, 0.0176, -0.0848, 0.1968, 0.0704],
        [0.0000, 0.0160, -0.0720, 0.1360, 0.1200],
        [0.0000, 0.0080, -0.0320, 0.0400, 0.1840],
        [0.0000, -0.0080, 0.0400, -0.0960, 0.2640],
        [0.0000, -0.0336, 0.1488, -0.2768, 0.3616],
    ]
)


def sprague(groups: NDArray[np.float64]) -> NDArray[np.float64]:
    """Split n ≥ 5 five-year groups (last axis) into 5·n single ages; group sums are kept.

    Negative single-age values (possible where counts fall steeply) are set to zero and the
    group rescaled to its total, so counts stay non-negative and groups still add up.
    """
    g = np.asarray(groups, dtype=np.float64)
    n = g.shape[-1]
    if n < 5:
        raise InputError("groups", "Sprague graduation needs at least five groups")
    out = np.empty((*g.shape[:-1], 5 * n))
    for i in range(n):
        if i == 0:
            rows, cols = _SPRAGUE[0:5], slice(0, 5)
        elif i == 1:
            rows, cols = _SPRAGUE[5:10], slice(0, 5)
        elif i == n - 2:
            rows, cols = _SPRAGUE[15:20], slice(n - 5, n)
        elif i == n - 1:
            rows, cols = _SPRAGUE[20:25], slice(n - 5, n)
        else:
            rows, cols = _SPRAGUE[10:15], slice(i - 2, i + 3)
        out[..., 5 * i : 5 * i + 5] = g[..., cols] @ rows.T
    out = np.maximum(out, 0.0)
    sums = out.reshape((*g.shape[:-1], n, 5)).sum(axis=-1)
    scale = np.where(sums > 0, g / np.where(sums > 0, sums, 1.0), 0.0)
    return out * np.repeat(scale, 5, axis=-1)


def _rows(name: str) -> list[dict[str, str]]:
    path = resources.files("shebao").joinpath("data/wpp2024_china", name)
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@dataclass(frozen=True)
class Inputs:
    """Demographic inputs by projection step: step k goes from mid-year 2020+k to 2021+k."""

    base: NDArray[np.float64]  # (2, AGES) persons, mid-2020
    log_mx: NDArray[np.float64]  # (steps, 2, AGES) ln m_x centred on each step
    pasfr: NDArray[np.float64]  # (steps, AGES) share of TFR per single age (sums to 1)
    tfr: dict[str, NDArray[np.float64]]  # variant → (steps,)
    tfr_bounds: dict[str, NDArray[np.float64]]  # "80l", "80u" → (steps,) (medium before 2024)
    srb: NDArray[np.float64]  # (steps,)
    migration: NDArray[np.float64]  # (steps, 2, AGES) persons
    wpp_total_dec31: dict[int, float]  # WPP medium total, persons, 31 Dec (validation only)

    @property
    def steps(self) -> int:
        return self.tfr["medium"].shape[0]


def _by_year(rows: list[dict[str, str]], column: str) -> dict[int, float]:
    return {int(r["year"]): float(r[column]) for r in rows if r[column] != ""}


def _step_mean(series: dict[int, float], years: range) -> NDArray[np.float64]:
    """A calendar-year series averaged onto mid-year-to-mid-year steps (half of each year)."""
    return np.array([(series[y] + series[y + 1]) / 2 for y in years])


@lru_cache(maxsize=2)
def load_inputs(base_year: int = START_YEAR) -> Inputs:
    """Read and graduate the WPP 2024 inputs once, stepping from mid-`base_year`."""
    steps = range(base_year, LAST_YEAR)  # step from mid-year y to mid-year y + 1
    base_groups = np.zeros((2, 21))
    for r in _rows("population_base.csv"):
        if int(r["year"]) == base_year:
            s = MALE if r["sex"] == "male" else FEMALE
            base_groups[s, int(r["age_start"]) // 5] = float(r["pop_persons"])
    base = np.concatenate([sprague(base_groups[:, :20]), base_groups[:, 20:]], axis=1)

    # Death rates: single ages within each period, then log-linear in time between periods.
    periods: dict[int, NDArray[np.float64]] = {}
    for r in _rows("mortality_mx.csv"):
        if r["sex"] == "both":
            continue
        first = int(r["first_year"])
        grid = periods.setdefault(first, np.zeros((2, 22)))
        s = MALE if r["sex"] == "male" else FEMALE
        start = int(r["age_start"])
        grid[s, 0 if start == 0 else 1 if start == 1 else start // 5 + 1] = float(r["mx"])
    centres_age = np.array([3.0] + [5 * i + 2.5 for i in range(1, 20)] + [102.5])
    single = np.arange(AGES) + 0.5
    firsts = sorted(periods)
    log_single = np.empty((len(firsts), 2, AGES))
    for i, first in enumerate(firsts):
        lg = np.log(periods[first])
        for s in (MALE, FEMALE):
            row = np.interp(single, centres_age, lg[s, 1:])
            row[0] = lg[s, 0]
            row[1:5] = lg[s, 1]
            row[100] = lg[s, 21]
            log_single[i, s] = row
    centres_time = np.array(firsts, dtype=np.float64) + 2.5  # period 2020-2025 → 2022.5
    when = np.array([y + 1.0 for y in steps])  # mid-2020 → mid-2021 is centred on 2021.0
    log_mx = np.empty((len(steps), 2, AGES))
    for s in (MALE, FEMALE):
        for x in range(AGES):
            log_mx[:, s, x] = np.interp(when, centres_time, log_single[:, s, x])

    # Fertility pattern: the five-year period holding the step's centre year.
    pattern: dict[int, NDArray[np.float64]] = {}
    for r in _rows("fertility_age_pattern.csv"):
        share = pattern.setdefault(int(r["first_year"]), np.zeros(AGES))
        a = int(r["age_start"])
        share[a : a + 5] = float(r["pasfr_percent"]) / 100 / 5
    pasfr = np.array([pattern[min(y + 1 - (y + 1) % 5, max(pattern))] for y in steps])

    tfr_rows = _rows("fertility_tfr.csv")
    medium = _by_year(tfr_rows, "tfr")
    tfr = {"medium": _step_mean(medium, steps)}
    for v in ("low", "high"):
        series = {**medium, **_by_year(tfr_rows, f"tfr_{v}")}
        tfr[v] = _step_mean(series, steps)
    bounds = {
        b: _step_mean({**medium, **_by_year(tfr_rows, f"tfr_{b}")}, steps) for b in ("80l", "80u")
    }
    srb = _step_mean(_by_year(_rows("sex_ratio_at_birth.csv"), "srb"), steps)

    totals = _by_year(_rows("net_migration.csv"), "net_migration_thousands")
    by_age: dict[int, NDArray[np.float64]] = {}
    for r in _rows("net_migration_by_age.csv"):
        m = by_age.setdefault(int(r["year"]), np.zeros((2, AGES)))
        m[MALE, int(r["age"])] = float(r["male_thousands"]) * 1000
        m[FEMALE, int(r["age"])] = float(r["female_thousands"]) * 1000
    first_by_age = min(by_age)
    pattern_2023 = by_age[first_by_age] / by_age[first_by_age].sum()
    for y in range(min(steps), first_by_age):
        by_age[y] = pattern_2023 * totals[y] * 1000
    migration = np.array([(by_age[y] + by_age[y + 1]) / 2 for y in steps])

    wpp = {
        int(r["year"]): float(r["pop_dec31_thousands"]) * 1000
        for r in _rows("validation_population_medium.csv")
    }
    return Inputs(base, log_mx, pasfr, tfr, bounds, srb, migration, wpp)


def _survival(log_mx: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Survival ratios S_x (…, 2, AGES: index 99 is 99→100+, 100 is 100+→100+) and S_b (…, 2).

    Life table from m_x: q = m/(1+(1−a)m), a = ½ except at age 0 (Andreev–Kingkade a₀), so
    p = (1−½m)/(1+½m) and L_x = (l_x + l_{x+1})/2; L₀ = l₁ + a₀·q₀; open group L = l₁₀₀/m₁₀₀.
    """
    m = np.exp(log_mx)
    half = 0.5 * m
    p = np.maximum((1 - half) / (1 + half), 0.0)
    m0 = m[..., 0]
    a0 = np.empty(m0.shape, dtype=m.dtype)
    a0[..., MALE] = np.where(
        m0[..., MALE] < 0.023, 0.14929 - 1.99545 * m0[..., MALE], 0.02832 + 3.26201 * m0[..., MALE]
    )
    a0[..., FEMALE] = np.where(
        m0[..., FEMALE] < 0.01724,
        0.14903 - 2.05527 * m0[..., FEMALE],
        0.04667 + 3.88089 * m0[..., FEMALE],
    )
    q0 = np.minimum(m0 / (1 + (1 - a0) * m0), 1.0)
    p[..., 0] = 1 - q0
    lx = np.cumprod(p, axis=-1)  # l_{x+1}, x = 0 … 100
    big_l = np.empty(m.shape, dtype=m.dtype)
    big_l[..., 0] = lx[..., 0] + a0 * q0
    big_l[..., 1:-1] = 0.5 * (lx[..., :-2] + lx[..., 1:-1])
    big_l[..., -1] = lx[..., -2] / m[..., -1]
    s = np.empty(m.shape, dtype=m.dtype)
    np.divide(big_l[..., 1:-1], big_l[..., :-2], out=s[..., :-2])
    s[..., -2] = big_l[..., -1] / (big_l[..., -2] + big_l[..., -1])
    s[..., -1] = s[..., -2]
    return s, big_l[..., 0]


def step(
    pop: NDArray[np.float64],
    log_mx: NDArray[np.float64],
    asfr: NDArray[np.float64],
    srb: NDArray[np.float64] | float,
    migration: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """One year: (…, 2, AGES) mid-year population → next mid-year, and births (…).

    P_{x+1} = P_x·S_x + ½M_x(1+S_x); open group (P₉₉ + P₁₀₀₊)·T₁₀₀/T₉₉; births from the mean
    of women at both ends, split by the sex ratio at birth, surviving by L₀/l₀.
    """
    s, s_birth = _survival(log_mx)
    new = np.empty(pop.shape, dtype=pop.dtype)
    flow = pop * s + 0.5 * migration * (1 + s)
    new[..., 0] = 0.0  # the newborns come below; women of age 0 count as none until then
    new[..., 1:] = flow[..., :-1]
    new[..., -1] += flow[..., -1]
    women = 0.5 * (pop[..., FEMALE, :] + new[..., FEMALE, :])
    births = (asfr * women).sum(axis=-1)
    male_share = np.asarray(srb) / (1 + np.asarray(srb))
    new[..., MALE, 0] = births * male_share * s_birth[..., MALE] + 0.5 * migration[..., MALE, 0]
    new[..., FEMALE, 0] = (
        births * (1 - male_share) * s_birth[..., FEMALE] + 0.5 * migration[..., FEMALE, 0]
    )
    np.maximum(new, 0.0, out=new)
    return new, births


@dataclass(frozen=True)
class PopulationProjection:
    """Mid-year population by year, sex and single age (persons, float)."""

    years: NDArray[np.int64]  # (T,)
    population: NDArray[np.float64]  # (T, 2, AGES)
    births: NDArray[np.float64]  # (T,) births in the year ending at that mid-year (0 at start)

    def total(self) -> NDArray[np.float64]:
        return self.population.sum(axis=(-2, -1))

    def ages(self, lo: int, hi: int | None = None) -> NDArray[np.float64]:
        """Persons aged lo … hi inclusive (hi None = lo and over)."""
        return self.population[..., lo : (AGES if hi is None else hi + 1)].sum(axis=(-2, -1))

    def summary(self, start: int | None = None) -> dict[str, list[int]]:
        """The interface's lists, whole persons, from `start` (default: the first year)."""
        keep = self.years >= (start if start is not None else self.years[0])

        def whole(a: NDArray[np.float64]) -> list[int]:
            return [int(v) for v in np.rint(a[keep])]

        return {
            "years": [int(y) for y in self.years[keep]],
            "total": whole(self.total()),
            "age_0_14": whole(self.ages(0, 14)),
            "age_15_64": whole(self.ages(15, 64)),
            "age_65_plus": whole(self.ages(65)),
        }


def check_years(to: int, field: str = "to") -> None:
    if not START_YEAR < to <= LAST_YEAR:
        raise InputError(field, f"year must be between {START_YEAR + 1} and {LAST_YEAR}")


def project_population(
    to: int, variant: str = "medium", base_year: int = START_YEAR
) -> PopulationProjection:
    """Deterministic projection from mid-`base_year` to mid-`to` under a WPP fertility variant."""
    check_years(to)
    if variant not in VARIANTS:
        raise InputError("variant", f"variant must be one of {', '.join(VARIANTS)}")
    if base_year not in BASE_YEARS:
        raise InputError("base_year", f"base year must be one of {BASE_YEARS}")
    inp = load_inputs(base_year)
    n = to - base_year
    pop = np.empty((n + 1, 2, AGES))
    births = np.zeros(n + 1)
    pop[0] = inp.base
    tfr = inp.tfr[variant]
    for k in range(n):
        pop[k + 1], births[k + 1] = step(
            pop[k], inp.log_mx[k], tfr[k] * inp.pasfr[k], inp.srb[k], inp.migration[k]
        )
    return PopulationProjection(np.arange(base_year, to + 1), pop, births)


def wpp_midyear_total(year: int) -> float:
    """WPP 2024 medium-variant total at mid-year (mean of 31 Dec of year−1 and year)."""
    wpp = load_inputs().wpp_total_dec31
    return (wpp[year - 1] + wpp[year]) / 2


def validate_population(to: int = 2050, start: int = 2024) -> list[tuple[int, float, float, float]]:
    """(year, projected, WPP medium, relative difference) for each mid-year start … to."""
    proj = project_population(to)
    total = dict(zip(proj.years.tolist(), proj.total().tolist(), strict=True))
    rows = []
    for y in range(start, to + 1):
        ref = wpp_midyear_total(y)
        rows.append((y, total[y], ref, total[y] / ref - 1))
    return rows
