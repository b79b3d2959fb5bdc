"""A synthetic population of N persons, written as Parquet partitioned by province.

Batch runs, benchmarks and the analytics need millions of realistic persons that no real
register can lend: ages and sexes from WPP 2024, provinces by the 2020 census, migrants between
provinces, employment segments, wages around each province's average wage, contribution records,
pensioners with awards computed by the award formulas, households, and planted irregularities as
ground truth for the supervision rules. Every structural number is in population.yaml with its
source; every rule value comes from policy/ through the formulas.

It works province by province (one RNG stream a province, from the seed), so ten million persons
never sit in memory at once, and the same seed always gives the same files.
"""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import yaml
from numpy.typing import NDArray

from shebao.errors import InputError
from shebao.policy import PROVINCE_CODES, Policy
from shebao.policy import bindings as b
from shebao.policy.formulas import contributions, pension
from shebao.policy.formulas.periods import format_month, parse_month
from shebao.policy.formulas.retirement import statutory_retirement_month
from shebao.policy.formulas.rounding import round_half_up_fen
from shebao.registry.identifiers import _ID_CHECK, _ID_WEIGHTS

SEGMENTS = ("enterprise", "public", "flexible", "platform", "farmer", "not_working")
_ID_BLOCK = 10**9  # person_id = province position × 10⁹ + row: unique across partitions
_SEQ_PER_PROVINCE = 16  # identity sequences per (region, birth date, sex, residence province)


@lru_cache(maxsize=1)
def config() -> dict[str, Any]:
    """The generator's structural assumptions (population.yaml), each with its source."""
    text = (files("shebao.batch") / "population.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@dataclass(frozen=True)
class ProvinceInputs:
    code: str
    census: int
    average_wage_fen: int  # previous-year average monthly wage at the as-of month
    wage_source: str


def province_inputs(as_of: int) -> list[ProvinceInputs]:
    """Census population and average monthly wage per province (policy parameters).

    A province without a published wage (Hubei) is given the national non-private average for
    generating incomes only, and says so; billing never uses that stand-in.
    """
    text = (files("shebao.data") / "provinces_2019_2020.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    census = {row["code"]: int(row["pop_census_2020"]) for row in rows}
    day = b.month_start(as_of)
    out = []
    for code in PROVINCE_CODES:
        snapshot = Policy.at(day, code)
        try:
            wage, _ = b.previous_year_average_wage(snapshot, as_of // 12, code)
            source = "wages.average_monthly"
        except InputError:
            wage = int(round_half_up_fen(snapshot.value("wages.national.nonprivate_annual") / 12))
            source = "wages.national.nonprivate_annual ÷ 12 (no provincial value)"
        out.append(ProvinceInputs(code, census[code], wage, source))
    return out


def _age_sex_table() -> tuple[NDArray[np.int64], NDArray[np.bool_], NDArray[np.float64]]:
    """(age group start, female, weight) of the latest WPP 2024 year in the bundled table."""
    text = (files("shebao.data") / "wpp2024_china" / "population_base.csv").read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    year = max(int(r["year"]) for r in rows)
    rows = [r for r in rows if int(r["year"]) == year]
    return (np.array([int(r["age_start"]) for r in rows]),
            np.array([r["sex"] == "female" for r in rows]),
            np.array([float(r["pop_persons"]) for r in rows]))


def generate(persons: int, seed: int, out: str | Path, as_of: str | None = None) -> dict[str, Any]:
    """Write `persons` persons under `out` (persons/province=<code>/part-0.parquet), a provinces
    table and manifest.json; returns the manifest. Writes into a temporary folder first, so an
    interrupted run leaves nothing that looks complete."""
    if persons < 1:
        raise InputError("persons", "must be at least 1")
    if persons >= _ID_BLOCK:
        raise InputError("persons", f"must be below {_ID_BLOCK:,}")
    cfg = config()
    month = parse_month(as_of or cfg["as_of"]["value"], "as_of")
    target = Path(out)
    if target.exists() and any(target.iterdir()):
        raise InputError("out", f"{target} exists and is not empty")
    work = target.with_name(target.name + ".tmp")
    shutil.rmtree(work, ignore_errors=True)
    (work / "persons").mkdir(parents=True)
    inputs = province_inputs(month)
    census = np.array([p.census for p in inputs], dtype=np.float64)
    counts = np.random.default_rng([seed, 0]).multinomial(persons, census / census.sum())
    stats = []
    for i, (province, n) in enumerate(zip(inputs, counts.tolist(), strict=True)):
        frame = _province_frame(i, province, n, seed, month, inputs)
        folder = work / "persons" / f"province={province.code}"
        folder.mkdir()
        frame.write_parquet(folder / "part-0.parquet", statistics=True)
        stats.append(_fund_stats(frame, month))
    _provinces_frame(inputs, stats, seed).write_parquet(work / "provinces.parquet")
    manifest = {"persons": persons, "seed": seed, "as_of": format_month(month),
                "partitions": {p.code: int(n) for p, n in zip(inputs, counts, strict=True)}}
    (work / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    if target.exists():
        target.rmdir()
    work.rename(target)
    return manifest


def _pick(rng: np.random.Generator, probabilities: NDArray[np.float64]) -> NDArray[np.int64]:
    """One category per row from row-wise probabilities (rows sum to 1)."""
    cumulative = np.cumsum(probabilities, axis=1)
    u = rng.random(len(probabilities))[:, None]
    return np.minimum((u > cumulative).sum(axis=1), probabilities.shape[1] - 1)


def _province_frame(i: int, province: ProvinceInputs, n: int, seed: int, as_of: int,
                    inputs: list[ProvinceInputs]) -> pl.DataFrame:
    """One province's residents; every draw comes from the province's own RNG stream."""
    cfg = config()
    rng = np.random.default_rng([seed, 1 + i])
    snapshot = Policy.at(b.month_start(as_of), province.code)
    wage = province.average_wage_fen

    age_start, female_of, weight = _age_sex_table()
    group = rng.choice(len(weight), size=n, p=weight / weight.sum())
    age_months = (age_start[group] * 12 + rng.integers(0, 60, n)).astype(np.int64)
    female = female_of[group]
    birth_month = as_of - age_months
    age = age_months // 12

    low, high = cfg["inter_province_migrant_share"]["working_age"]
    working_age = (age >= low) & (age <= high)
    share = cfg["inter_province_migrant_share"]["destinations"].get(
        province.code, cfg["inter_province_migrant_share"]["other"])
    migrant = working_age & (rng.random(n) < min(0.95, share / working_age.mean()))
    origins = np.array([p.census if p.code != province.code else 0 for p in inputs], float)
    hukou_index = np.where(migrant, rng.choice(len(inputs), size=n, p=origins / origins.sum()), i)
    rural_share = cfg["rural_hukou_share"]
    rural = rng.random(n) < np.where(migrant, rural_share["migrants"], rural_share["residents"])

    seg_cfg = cfg["segments"]
    probabilities = np.where(migrant[:, None], np.array(seg_cfg["migrant"]),
                             np.where(rural[:, None], np.array(seg_cfg["rural"]),
                                      np.array(seg_cfg["urban"])))
    segment = _pick(rng, probabilities)
    public = segment == SEGMENTS.index("public")
    original_age = np.where(female, np.where(public, 55, 50), 60)
    reform = b.retirement_arguments(snapshot).values
    retirement_month = statutory_retirement_month(birth_month, original_age, **reform)
    retired = retirement_month <= as_of
    child = age < low
    seg_name = np.where(child, "child", np.where(retired, "retired", np.array(SEGMENTS)[segment]))
    working = ~retired & ~child

    income_cfg = cfg["income_vs_average_wage"]
    median = np.array([income_cfg["median"].get(s, 0.0) for s in SEGMENTS])[segment]
    income = np.where(working & (median > 0),
                      round_half_up_fen(wage * median * rng.lognormal(0, income_cfg["sigma"], n)),
                      0)

    coverage = cfg["employee_coverage"]
    cover_local = np.array([coverage["local"].get(s, 0.0) for s in SEGMENTS])[segment]
    cover_migrant = np.array([coverage["migrant"].get(s, 0.0) for s in SEGMENTS])[segment]
    insured = working & (rng.random(n) < np.where(migrant, cover_migrant, cover_local))
    flexible = insured & np.isin(segment, [SEGMENTS.index("flexible"),
                                           SEGMENTS.index("platform")])
    employee = insured & ~flexible
    floor, _ = contributions.base_bounds(wage, **b.base_arguments(snapshot, True).values)
    at_floor = rng.random(n) < cfg["flexible_base_ratio"]["at_floor"]
    under = employee & (rng.random(n) < cfg["under_declaration"]["share"])
    honest = cfg["under_declaration"]
    bonus = ~under & (rng.random(n) < honest["bonus_share"])
    extra = rng.uniform(0, honest["bonus_max"], n)
    taxed = np.where(bonus, round_half_up_fen(income * (1 + extra)), income)
    lo, hi = cfg["under_declaration"]["declared"]
    declared = np.where(employee, income, 0)
    declared = np.where(under, round_half_up_fen(income * rng.uniform(lo, hi, n)), declared)
    declared = np.where(flexible, np.where(at_floor, int(floor), income), declared)
    employers = cfg["employers"]
    sizes = list(employers["sizes"])
    size = np.array(sizes)[rng.choice(len(sizes), n, p=list(employers["sizes"].values()))]
    size = np.where(public, "large", np.where(segment == 0, size, "small"))
    classes = employers["injury_classes"]
    injury_class = np.where(segment == 0, rng.choice(np.arange(1, len(classes) + 1), n,
                                                     p=classes), 1)
    resident_insured = ~child & ~insured & ~retired & (
        rng.random(n) < cfg["resident_coverage"]["value"])

    record = cfg["employee_record"]
    worked_months = np.maximum(age_months - low * 12, 0)
    months = np.where(insured, rng.integers(0, worked_months + 1), 0)
    index = np.where(insured, np.maximum(declared, 1) / wage, 0.0)

    # pensioners
    scheme_cfg = cfg["retiree_scheme"]
    draw = rng.random(n)
    employee_share = np.where(rural, scheme_cfg["employee"]["rural"],
                              scheme_cfg["employee"]["urban"])
    resident_age = int(snapshot.value("resident_pension.benefit_age_years"))
    employee_pensioner = retired & (draw < employee_share)
    resident_pensioner = (retired & ~employee_pensioner & (draw < 1 - scheme_cfg["none"])
                          & (age >= resident_age))
    pension_fen = np.zeros(n, dtype=np.int64)
    award_month = np.where(employee_pensioner, retirement_month,
                           birth_month + resident_age * 12)
    m_lo, m_hi = record["months"]
    months = np.where(employee_pensioner, rng.integers(m_lo, m_hi + 1, n), months)
    index = np.where(employee_pensioner, rng.lognormal(0, record["index_sigma"], n), index)
    start = award_month - months
    account_start = parse_month(record["account_start"], "account_start")
    deemed = np.clip(account_start - start, 0, months)
    balance = np.where(employee_pensioner, round_half_up_fen(
        float(snapshot.value("employee_pension.employee_rate")) * index * wage
        * (months - deemed) * record["account_wage_discount"]), 0)
    if employee_pensioner.any():
        award = pension.pension_award(
            wage, index[employee_pensioner], months[employee_pensioner],
            balance[employee_pensioner], (award_month - birth_month)[employee_pensioner],
            deemed[employee_pensioner], **b.pension_award_arguments(snapshot, province.code).values)
        pension_fen[employee_pensioner] = award["total"]
    resident_balance = round_half_up_fen(
        record["resident_balance_median_fen"]
        * rng.lognormal(0, record["resident_balance_sigma"], n))
    if resident_pensioner.any():
        resident = pension.resident_pension(
            resident_balance[resident_pensioner],
            **b.resident_pension_arguments(snapshot, province.code).values)
        pension_fen[resident_pensioner] = resident["total"]
        balance = np.where(resident_pensioner, resident_balance, balance)
    pensioner = employee_pensioner | resident_pensioner
    last_auth = as_of - rng.integers(0, cfg["authentication"]["max_months_ago"] + 1, n)
    died = pensioner & (rng.random(n) < cfg["deaths"]["recent"])
    low_ago, high_ago = cfg["deaths"]["months_ago"]
    death_month = as_of - rng.integers(low_ago, high_ago + 1, n)
    paid_after = died & (rng.random(n) < cfg["deaths"]["paid_after"])
    covers = b.survival_authentication_months(snapshot, province.code).values
    lapse = np.maximum(last_auth, award_month) + covers["period_months"] + covers["grace_months"]
    paid_through = np.minimum(as_of - 1, lapse - 1)
    paid_through = np.where(died, np.minimum(paid_through, death_month), paid_through)
    # planted: paid to the as-of month, as if someone authenticated in the dead person's name
    paid_through = np.where(paid_after, as_of - 1, paid_through)

    transfers = cfg["transfers"]
    moved = insured & migrant & (rng.random(n) < transfers["share"])
    days = np.ceil(rng.gamma(transfers["shape"], transfers["mean_days"] / transfers["shape"], n))

    planted = np.where(paid_after, "pension_after_death", "under_declaration")

    hukou_codes = np.array(PROVINCE_CODES)[hukou_index]
    identity = _identities(rng, i, hukou_codes, birth_month, female)
    return pl.DataFrame({
        "person_id": np.arange(n, dtype=np.int64) + i * _ID_BLOCK,
        "identity": identity,
        "household_id": _households(rng, i, n, cfg["households"]["mean_size"]),
        "province": pl.Series([province.code] * n, dtype=pl.String),
        "hukou_province": hukou_codes,
        "migrant": migrant,
        "rural_hukou": rural,
        "female": female,
        "birth_month": birth_month.astype(np.int32),
        "segment": seg_name,
        "income_fen": income.astype(np.int64),
        "insured_employee": insured,
        "flexible": flexible,
        "declared_wage_fen": declared.astype(np.int64),
        "tax_wage_fen": _masked(taxed.astype(np.int64), employee).cast(pl.Int64),
        "enterprise_size": size,
        "injury_class": injury_class.astype(np.int8),
        "public_body": public & working,
        "resident_insured": resident_insured,
        "contribution_months": months.astype(np.int32),
        "average_index": np.round(index, 4),
        "account_balance_fen": balance.astype(np.int64),
        "pension_scheme": _masked(np.where(employee_pensioner, "employee", "resident"),
                                  pensioner),
        "pension_fen": pension_fen,
        "award_month": _masked(award_month, pensioner),
        "last_auth_month": _masked(last_auth, pensioner),
        "death_month": _masked(death_month, died),
        "paid_through_month": _masked(paid_through, pensioner),
        "transfer_days": _masked(days, moved),
        "planted": _masked(planted, under | paid_after),
    })


def _masked(values: NDArray[Any], keep: NDArray[np.bool_]) -> pl.Series:
    """`values` where `keep`, null elsewhere (months and days as int32)."""
    if values.dtype.kind in "iuf":
        values = values.astype(np.int32)
    return pl.select(pl.when(pl.Series(keep)).then(pl.Series(values))).to_series()


def _households(rng: np.random.Generator, i: int, n: int, mean_size: float) -> NDArray[np.int64]:
    """Random households of mean size `mean_size` (1 + Poisson) over the province's residents."""
    sizes = 1 + rng.poisson(mean_size - 1, n)
    household = np.repeat(np.arange(n, dtype=np.int64), sizes)[:n]
    return household[rng.permutation(n)] + i * _ID_BLOCK


def _identities(rng: np.random.Generator, residence: int, hukou: NDArray[Any],
                birth_month: NDArray[np.int64], female: NDArray[np.bool_]) -> pl.Series:
    """Valid, unique 18-character identity numbers (GB 11643), built column-wise.

    Region: the hukou province's prefix and a synthetic city/county (01-20, 01-30); sequence
    (odd for men): the residence province's block of 16, then a counter within (region, birth
    date, sex), so partitions never collide.
    """
    n = len(birth_month)
    prefix = np.array([int(c[:2]) for c in hukou], dtype=np.int64)
    region = prefix * 10000 + rng.integers(1, 21, n) * 100 + rng.integers(1, 31, n)
    year, month0 = np.divmod(birth_month, 12)
    birth_date = year * 10000 + (month0 + 1) * 100 + rng.integers(1, 29, n)
    key = (region * 10**8 + birth_date) * 2 + female
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    starts = np.r_[True, sorted_key[1:] != sorted_key[:-1]]
    run_start = np.maximum.accumulate(np.where(starts, np.arange(n), 0))
    counter = np.empty(n, dtype=np.int64)
    counter[order] = np.arange(n) - run_start
    if n and counter.max() >= _SEQ_PER_PROVINCE:
        raise InputError("persons", "too many persons share a region, birth date and sex")
    sequence = (residence * _SEQ_PER_PROVINCE + counter) * 2 + (~female)
    first17 = (region * 10**8 + birth_date) * 1000 + sequence
    total = np.zeros(n, dtype=np.int64)
    rest = first17.copy()
    for weight in reversed(_ID_WEIGHTS):
        rest, digit = np.divmod(rest, 10)
        total += digit * weight
    check = np.array(list(_ID_CHECK))[total % 11]
    return pl.Series(first17).cast(pl.String) + pl.Series(check)


def _fund_stats(frame: pl.DataFrame, as_of: int) -> dict[str, int]:
    """A province's employee-scheme contributors, pensioners and monthly pension spending."""
    pensioners = frame.filter((pl.col("pension_scheme") == "employee")
                              & pl.col("death_month").is_null())
    return {"contributors": int(frame["insured_employee"].sum()),
            "pensioners": pensioners.height,
            "spending_fen": int(pensioners["pension_fen"].sum())}


def _provinces_frame(inputs: list[ProvinceInputs], stats: list[dict[str, int]],
                     seed: int) -> pl.DataFrame:
    """Per province: the wage used, and a synthetic pension reserve (months of spending scale
    with the national pensioner-to-contributor ratio over the province's, squared)."""
    cfg = config()["provincial_reserve"]
    ratio = np.array([s["pensioners"] / max(s["contributors"], 1) for s in stats])
    national = sum(s["pensioners"] for s in stats) / max(sum(s["contributors"] for s in stats), 1)
    noise = np.random.default_rng([seed, 1000]).lognormal(0, cfg["sigma"], len(inputs))
    months = cfg["national_months"] * (national / np.maximum(ratio, 1e-9)) ** 2 * noise
    spending = np.array([s["spending_fen"] for s in stats], dtype=np.float64)
    return pl.DataFrame({
        "province": [p.code for p in inputs],
        "census_2020": [p.census for p in inputs],
        "average_wage_fen": [p.average_wage_fen for p in inputs],
        "wage_source": [p.wage_source for p in inputs],
        "reserve_fen": round_half_up_fen(np.minimum(months, 120) * spending),
    })


def as_of_month(directory: str | Path) -> int:
    """The as-of month of a generated population (manifest.json)."""
    path = Path(directory) / "manifest.json"
    if not path.is_file():
        raise InputError("input", f"{directory} has no manifest.json (not a generated population)")
    return parse_month(json.loads(path.read_text(encoding="utf-8"))["as_of"], "as_of")


def partitions(directory: str | Path) -> list[Path]:
    """The population's partition files, in province order."""
    found = sorted(Path(directory).glob("persons/province=*/*.parquet"))
    if not found:
        raise InputError("input", f"{directory} holds no persons/province=*/ Parquet files")
    return found
