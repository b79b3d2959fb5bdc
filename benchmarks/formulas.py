"""Formula throughput: ten million synthetic persons across the 31 provinces, against OpenFisca.

shebao half: synthetic persons (seeded numpy) priced with shebao's own formulas and its real
parameter files (`Policy.at(...)`): contribution bases clamped per province, every scheme's
monthly employer and employee lines, the statutory retirement month under the 2025 reform
and the pension award (basic + account + transitional). The timed section is the
computation only, into whole-length result arrays; data generation is timed and printed
separately. The work runs in chunks of 131,072 persons (a chunk's temporaries stay in cache)
on a two-thread pool (numpy releases the GIL inside its loops). Three timed runs; the median
counts, and every run is printed (the first pays for memory pages the process has not used
yet, which on this virtual machine costs seconds).

OpenFisca half: the employee pension contribution (base clamped to 60–300% of the province's
average wage, employer 16%, employee 8%) and the award, written as an openfisca-core
tax-benefit system in this file, the way OpenFisca's documentation writes rules
(province-indexed parameters read with `parameters(period)....[province]`, province an Enum
variable). openfisca-core is never a dependency of shebao: it lives in its own virtual
environment (.venv-bench-openfisca, made by `make bench` or by this script when missing) and
runs as a subprocess of this script on the first million persons, exchanging .npy files.

The last line printed is JSON:
{"persons", "seconds", "persons_per_s", "openfisca_persons_per_s", "ratio_vs_openfisca",
 "peak_rss_mb"}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OPENFISCA_VENV = ROOT / ".venv-bench-openfisca"
OPENFISCA_REQUIREMENTS = Path(__file__).resolve().parent / "openfisca-requirements.txt"
ON = "2025-07-01"  # the month priced: unemployment's phased 1% is still in force
SEED = 20250701

# Fields the OpenFisca half receives (first million persons) and returns.
OPENFISCA_INPUTS = (
    "province",
    "wage",
    "average_index",
    "contribution_months",
    "deemed_months",
    "account_balance",
    "retirement_age_months",
)
OPENFISCA_OUTPUTS = (
    "pension_employer",
    "pension_employee",
    "award_basic",
    "award_account",
    "award_transitional",
    "award_total",
)


# =========================================================================== parameters


def load_parameters(on: str = ON) -> dict[str, Any]:
    """Everything the benchmark prices with, from shebao's parameter files via Policy.at."""
    from shebao.policy import PROVINCE_CODES, Policy
    from shebao.policy.formulas.periods import parse_month
    from shebao.policy.formulas.rounding import round_half_up_fen

    snap = Policy.at(on)
    # Bases and the pension's W use the previous year's average wage: look it up a year back.
    wages_on = f"{int(on[:4]) - 1}{on[4:]}"
    wages = Policy.at(wages_on)
    avg = np.array(wages.province_array("wages.average_monthly"), dtype=np.float64)
    missing = [PROVINCE_CODES[i] for i in np.flatnonzero(np.isnan(avg))]
    national_annual = wages.value("wages.national.nonprivate_annual")
    national_monthly = int(round_half_up_fen(national_annual / 12))
    avg[np.isnan(avg)] = national_monthly

    def prov(name: str) -> np.ndarray:
        arr = np.array(snap.province_array(name), dtype=np.float64)
        if np.isnan(arr).any():
            raise SystemExit(f"{name}: a province has no value")
        return arr

    def first_month(key: str) -> int:
        return parse_month(snap.value(f"retirement.reform.first_birth_month.{key}"))

    reform = {
        "first_affected_birth_month_men": first_month("men"),
        "first_affected_birth_month_women_55": first_month("women_cadre"),
        "first_affected_birth_month_women_50": first_month("women_worker"),
        "delay_step_birth_months_men": snap.value("retirement.reform.birth_months_per_step.men"),
        "delay_step_birth_months_women_55": snap.value(
            "retirement.reform.birth_months_per_step.women_cadre"
        ),
        "delay_step_birth_months_women_50": snap.value(
            "retirement.reform.birth_months_per_step.women_worker"
        ),
        "max_delay_months_men": snap.value("retirement.reform.max_delay_months.men"),
        "max_delay_months_women_55": snap.value("retirement.reform.max_delay_months.women_cadre"),
        "max_delay_months_women_50": snap.value(
            "retirement.reform.max_delay_months.women_worker"
        ),
    }
    class_rates = snap.value("work_injury.class_base_rates")
    phased = dt.date.fromisoformat(on) <= snap.value("unemployment.phased.end_date")
    unemployment = "unemployment.phased" if phased else "unemployment.statutory"
    return {
        "on": on,
        "province_codes": list(PROVINCE_CODES),
        "missing_wage_provinces": missing,
        "national_average_monthly": national_monthly,
        "wages_on": wages_on,
        "average_monthly": avg,
        "average_monthly_fen": avg.astype(np.int64),
        "pension_base_floor_ratio": prov("employee_pension.base.floor_ratio"),
        "pension_base_cap_ratio": prov("employee_pension.base.cap_ratio"),
        "pension_employer_rate": prov("employee_pension.employer_rate"),
        "pension_employee_rate": prov("employee_pension.employee_rate"),
        "medical_employer_rate": prov("employee_medical.employer_rate"),
        "medical_employee_rate": prov("employee_medical.employee_rate"),
        "medical_employer_to_account_share": prov("employee_medical.account.employer_share"),
        "unemployment_rates": unemployment,
        "unemployment_employer_rate": prov(f"{unemployment}.employer_rate"),
        "unemployment_employee_rate": prov(f"{unemployment}.employee_rate"),
        "work_injury_class_rates": [float(class_rates[k]) for k in sorted(class_rates)],
        "basic_accrual_rate": prov("employee_pension.basic.accrual_rate"),
        "transitional_coefficient": prov("employee_pension.transitional.coefficient"),
        "divisor_by_age": {int(k): float(v) for k, v in snap.value(
            "employee_pension.account.divisor_by_age"
        ).items()},
        "reform": {k: int(v) for k, v in reform.items()},
        "relief": relief_table(on, list(PROVINCE_CODES)),
    }


def relief_table(on: str, province_codes: list[str]) -> dict[str, np.ndarray]:
    """Employer relief factors for every (province, enterprise size) cell in the priced month.

    The only relief in relief.yaml is the 2020 COVID waiver (ended 2020-12); it is written as
    relief rules for `relief_factors`, which is then evaluated on the 31 × 4 table, so each
    person's factor is one np.take away.
    """
    from shebao.policy import Policy
    from shebao.policy.formulas.contributions import ENTERPRISE_SIZES, relief_factors
    from shebao.policy.formulas.periods import parse_month

    rules: list[dict[str, Any]] = []
    periods = (("2020-02-01", "2020-02", "2020-06"), ("2020-07-01", "2020-07", "2020-12"))
    for at, start, end in periods:
        snap = Policy.at(at)
        waiver = snap.value("relief.covid_2020.employer_waiver")
        hubei = str(snap.value("relief.covid_2020.hubei_province"))[:2]
        for scheme in ("pension", "unemployment", "work_injury"):
            window = {"scheme": scheme, "start": parse_month(start), "end": parse_month(end)}
            rules.append({**window, "factor": 1 - waiver["sme"],
                          "sizes": ["micro", "small", "medium"]})
            rules.append({**window, "factor": 1 - waiver["large"], "sizes": ["large"]})
            rules.append({**window, "factor": 1 - waiver["hubei"], "region_prefixes": [hubei],
                          "public_body": False})
        medical = snap.value("relief.covid_2020.medical_employer_reduction")
        rules.append({"scheme": "medical", "start": parse_month(start),
                      "end": parse_month(end), "factor": 1 - medical})
    month = parse_month(on[:7])
    regions = np.repeat(np.array(province_codes), len(ENTERPRISE_SIZES))
    sizes = np.tile(np.array(ENTERPRISE_SIZES), len(province_codes))
    factors = relief_factors(month, sizes, regions, False, relief_rules=rules)
    return {k: v.reshape(len(province_codes), len(ENTERPRISE_SIZES)) for k, v in factors.items()}


# =========================================================================== persons


def generate(n: int, params: dict[str, Any], seed: int = SEED) -> dict[str, np.ndarray]:
    """n synthetic persons; money in int64 fen, months as month numbers."""
    from shebao.policy.formulas.periods import parse_month

    rng = np.random.default_rng(seed)
    province = rng.integers(0, 31, n, dtype=np.int64)
    sex = rng.integers(1, 3, n, dtype=np.int64)
    women_cat = np.where(rng.random(n) < 0.4, 55, 50)
    original_age = np.where(sex == 1, 60, women_cat).astype(np.int64)
    del women_cat
    birth_month = rng.integers(parse_month("1960-01"), parse_month("2000-12") + 1, n)
    avg = params["average_monthly"][province]
    wage = np.rint(avg * rng.lognormal(-0.18, 0.6, n)).astype(np.int64)
    base_guess = np.clip(wage, 0.6 * avg, 3.0 * avg)
    del avg
    contribution_months = rng.integers(180, 481, n, dtype=np.int64)
    deemed = np.where(rng.random(n) < 0.5, 0, rng.integers(1, 181, n))
    deemed_months = np.minimum(deemed, contribution_months).astype(np.int64)
    del deemed
    # Ī held to float32-representable values so OpenFisca's float32 inputs carry them exactly.
    index = np.clip(rng.lognormal(0.0, 0.35, n), 0.6, 3.0).astype(np.float32).astype(np.float64)
    balance = np.rint(
        base_guess * 0.08 * contribution_months * rng.uniform(0.8, 1.5, n)
    ).astype(np.int64)
    del base_guess
    return {
        "province": province,
        "sex": sex,
        "original_age_years": original_age,
        "birth_month": birth_month,
        "wage": wage,
        "injury_class": rng.integers(1, 9, n, dtype=np.int64),
        "enterprise_size": rng.integers(0, 4, n, dtype=np.int64),
        "contribution_months": contribution_months,
        "deemed_months": deemed_months,
        "average_index": index,
        "account_balance": balance,
    }


# =========================================================================== computation


def _per_person(table: np.ndarray, idx: np.ndarray) -> float | np.ndarray:
    """A province-indexed value for each person; one float when all provinces agree."""
    t = np.asarray(table)
    if np.all(t == t.flat[0]):
        return float(t.flat[0])
    return np.take(t, idx)


def _relief(table: np.ndarray, province: np.ndarray, size: np.ndarray) -> float | np.ndarray:
    """Relief factor per person from the (province, size) table; 1.0 when nobody has relief."""
    if np.all(table == 1.0):
        return 1.0
    return np.take(table.ravel(), province * table.shape[1] + size)


def contributions_stage(p: dict[str, np.ndarray], prm: dict[str, Any]) -> dict[str, np.ndarray]:
    """Base clamped per province, then every scheme's monthly lines (shebao formulas).

    Lines: pension employer → pool and employee → account; medical employer → pool, employer
    → account (0 since the 2021 reform) and employee → account; unemployment employer and
    employee → pool; work injury employer → pool (class rate, experience factor 1).
    """
    from shebao.policy.formulas import contributions as c

    prov = p["province"]
    relief = {
        s: _relief(prm["relief"][s], prov, p["enterprise_size"]) for s in c.SCHEMES
    }
    floor = float(prm["pension_base_floor_ratio"][0])
    cap = float(prm["pension_base_cap_ratio"][0])
    if not (np.all(prm["pension_base_floor_ratio"] == floor)
            and np.all(prm["pension_base_cap_ratio"] == cap)):
        raise SystemExit("base ratios differ by province: not handled by this benchmark")
    base = c.contribution_base_by_region(
        p["wage"], prov, prm["average_monthly_fen"], base_floor_ratio=floor, base_cap_ratio=cap
    )
    out = {"base": base}
    pension = c.employee_pension_contributions(
        base,
        pension_employer_rate=_per_person(prm["pension_employer_rate"], prov),
        pension_employee_rate=_per_person(prm["pension_employee_rate"], prov),
        employer_relief_factor=relief["pension"],
    )
    medical = c.employee_medical_contributions(
        base,
        medical_employer_rate=_per_person(prm["medical_employer_rate"], prov),
        medical_employee_rate=_per_person(prm["medical_employee_rate"], prov),
        employer_to_account_share=_per_person(prm["medical_employer_to_account_share"], prov),
        employer_relief_factor=relief["medical"],
    )
    unemployment = c.unemployment_contributions(
        base,
        unemployment_employer_rate=_per_person(prm["unemployment_employer_rate"], prov),
        unemployment_employee_rate=_per_person(prm["unemployment_employee_rate"], prov),
        employer_relief_factor=relief["unemployment"],
    )
    injury = c.work_injury_contribution(
        base,
        p["injury_class"],
        work_injury_class_rates=prm["work_injury_class_rates"],
        employer_relief_factor=relief["work_injury"],
    )
    for scheme, lines in (("pension", pension), ("medical", medical),
                          ("unemployment", unemployment), ("injury", injury)):
        for key, value in lines.items():
            out[f"{scheme}_{key}"] = value
    return out


def retirement_stage(p: dict[str, np.ndarray], prm: dict[str, Any]) -> dict[str, np.ndarray]:
    """Statutory retirement month under the 2025 reform, and the age it is reached at."""
    from shebao.policy.formulas.retirement import statutory_retirement_month

    month = statutory_retirement_month(
        p["birth_month"], p["original_age_years"], **prm["reform"]
    )
    return {"retirement_month": month, "retirement_age_months": month - p["birth_month"]}


def award_stage(p: dict[str, np.ndarray], prm: dict[str, Any]) -> dict[str, np.ndarray]:
    """Pension award at the statutory age: basic + account + transitional."""
    from shebao.policy.formulas.pension import pension_award

    prov = p["province"]
    accrual = _per_person(prm["basic_accrual_rate"], prov)
    award = pension_award(
        np.take(prm["average_monthly_fen"], prov),
        p["average_index"],
        p["contribution_months"],
        p["account_balance"],
        p["retirement_age_months"],
        p["deemed_months"],
        account_divisor_table=prm["divisor_by_age"],
        basic_accrual_rate=accrual,  # type: ignore[arg-type]
        transitional_coefficient=_per_person(prm["transitional_coefficient"], prov),  # type: ignore[arg-type]
    )
    return {f"award_{k}": v for k, v in award.items()}


Stage = Callable[[dict[str, np.ndarray], dict[str, Any]], dict[str, np.ndarray]]
STAGES: tuple[tuple[str, Stage], ...] = (
    ("contributions (base + 8 lines, 4 schemes)", contributions_stage),
    ("statutory retirement month", retirement_stage),
    ("pension award (basic + account + transitional)", award_stage),
)


def run_chunked(
    stages: tuple[tuple[str, Stage], ...],
    data: dict[str, np.ndarray],
    prm: dict[str, Any],
    *,
    threads: int,
    chunk: int,
) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Every stage over slices of `chunk` persons on a thread pool, into whole-length arrays.

    A chunk goes through all stages while its inputs are still in cache; each stage's
    outputs feed the next one's inputs. Inputs are sliced as views (no copy); outputs are
    written into arrays preallocated for all persons, so the caller gets ordinary arrays.
    Returns the outputs and, per stage, the seconds the threads spent in it (summed).
    """
    n = len(next(iter(data.values())))
    bounds = [(lo, min(lo + chunk, n)) for lo in range(0, n, chunk)]
    out: dict[str, np.ndarray] = {}
    busy = {name: 0.0 for name, _ in stages}

    def one(lo: int, hi: int) -> dict[str, float]:
        part = {k: v[lo:hi] for k, v in data.items()}
        spent = {}
        for name, stage in stages:
            t0 = time.perf_counter()
            result = stage(part, prm)
            part.update(result)
            for key, value in result.items():
                out[key][lo:hi] = value
            spent[name] = time.perf_counter() - t0
        return spent

    # The first chunk alone tells each output's dtype; the pool takes the rest.
    lo, hi = bounds[0]
    part = {k: v[lo:hi] for k, v in data.items()}
    for name, stage in stages:
        t0 = time.perf_counter()
        result = stage(part, prm)
        part.update(result)
        for key, value in result.items():
            out[key] = np.empty(n, dtype=value.dtype)
            out[key][lo:hi] = value
        busy[name] += time.perf_counter() - t0
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for spent in pool.map(lambda b: one(*b), bounds[1:]):
            for name, t in spent.items():
                busy[name] += t
    return out, busy


def peak_rss_mb() -> float:
    """Peak resident set (MB) of the OpenFisca subprocess: VmHWM, which starts afresh at exec,
    where ru_maxrss would report the parent's peak inherited through fork; ru_maxrss elsewhere.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def keep_freed_memory() -> bool:
    """Ask glibc to keep freed memory for reuse instead of handing it back to the kernel.

    Every formula call makes chunk-sized temporaries; by default glibc returns each freed
    block of a few MB to the kernel and the next call faults the same pages in again, which on
    this virtual machine costs several times the arithmetic. Raising the mmap and trim
    thresholds makes those blocks come back from the heap. Process-wide, changes no result;
    a no-op where glibc is absent.
    """
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not name or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(name)
        m_trim_threshold, m_mmap_threshold = -1, -3
        return bool(libc.mallopt(m_mmap_threshold, 1 << 30)) and bool(
            libc.mallopt(m_trim_threshold, (1 << 31) - 1)
        )
    except (OSError, AttributeError):
        return False


def compute(
    persons: dict[str, np.ndarray], prm: dict[str, Any], *, threads: int, chunk: int
) -> tuple[dict[str, np.ndarray], float, dict[str, float]]:
    """All stages; returns the outputs, the wall time and each stage's thread-seconds."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    results, busy = run_chunked(STAGES, persons, prm, threads=threads, chunk=chunk)
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_SELF)
    busy["cpu seconds (user + system)"] = (after.ru_utime + after.ru_stime) - (
        before.ru_utime + before.ru_stime
    )
    busy["page faults (minor)"] = after.ru_minflt - before.ru_minflt
    return results, seconds, busy


# =========================================================================== OpenFisca half


def ensure_openfisca_venv() -> Path:
    """The separate environment holding openfisca-core (never one of shebao's dependencies)."""
    python = OPENFISCA_VENV / "bin" / "python"
    probe = [str(python), "-c", "import openfisca_core"]
    if python.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return python
    print(f"installing openfisca-core into {OPENFISCA_VENV.name} (benchmark only) ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(OPENFISCA_VENV)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "-r", str(OPENFISCA_REQUIREMENTS)],
        check=True,
    )
    return python


def openfisca_parameters(prm: dict[str, Any]) -> dict[str, Any]:
    """The values OpenFisca's rules read, taken from the same shebao snapshot (JSON-able)."""
    return {
        "on": prm["on"],
        "province_codes": prm["province_codes"],
        "average_monthly": [float(v) for v in prm["average_monthly"]],
        "transitional_coefficient": [float(v) for v in prm["transitional_coefficient"]],
        "base_floor_ratio": float(prm["pension_base_floor_ratio"][0]),
        "base_cap_ratio": float(prm["pension_base_cap_ratio"][0]),
        "employer_rate": float(prm["pension_employer_rate"][0]),
        "employee_rate": float(prm["pension_employee_rate"][0]),
        "basic_accrual_rate": float(prm["basic_accrual_rate"][0]),
        "divisor_by_age": {str(k): v for k, v in sorted(prm["divisor_by_age"].items())},
    }


def run_openfisca(
    persons: dict[str, np.ndarray],
    results: dict[str, np.ndarray],
    prm: dict[str, Any],
    n: int,
    keep_memory: bool,
    runs: int,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Run the OpenFisca system on the first n persons in its own venv; return its outputs."""
    python = ensure_openfisca_venv()
    with tempfile.TemporaryDirectory(prefix="shebao-bench-openfisca-") as tmp:
        folder = Path(tmp)
        inputs = {**persons, **results}
        for key in OPENFISCA_INPUTS:
            np.save(folder / f"in_{key}.npy", np.ascontiguousarray(inputs[key][:n]))
        of_prm = {**openfisca_parameters(prm), "keep_freed_memory": keep_memory, "runs": runs}
        (folder / "parameters.json").write_text(json.dumps(of_prm))
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        subprocess.run([str(python), __file__, "--openfisca-worker", str(folder)], check=True,
                       env=env)
        timing = json.loads((folder / "timing.json").read_text())
        outputs = {k: np.load(folder / f"out_{k}.npy") for k in OPENFISCA_OUTPUTS}
    return outputs, timing


def openfisca_worker(folder: Path) -> None:
    """Runs inside .venv-bench-openfisca: build the system, simulate, time calculate calls.

    Imports nothing of shebao. Money is integer fen (OpenFisca's int is int32: fine for these
    amounts); Ī arrives as float32 (OpenFisca's float), cast to float64 before arithmetic.
    """
    import yaml
    from openfisca_core.entities import build_entity
    from openfisca_core.indexed_enums import Enum
    from openfisca_core.periods import ETERNITY, MONTH
    from openfisca_core.simulation_builder import SimulationBuilder
    from openfisca_core.taxbenefitsystems import TaxBenefitSystem
    from openfisca_core.variables import Variable

    prm = json.loads((folder / "parameters.json").read_text())
    codes: list[str] = prm["province_codes"]
    if prm["keep_freed_memory"]:
        keep_freed_memory()  # the same allocator setting as the shebao half
    since = "2006-01-01"

    def dated(value: float) -> dict[str, Any]:
        return {"values": {since: {"value": value}}}

    # Parameters as OpenFisca YAML files in a temporary directory: one child per province
    # (named p110000 ... so they match the Province enum's names: fancy indexing).
    param_dir = folder / "parameters"
    (param_dir / "pension").mkdir(parents=True)
    tree = {
        "average_monthly_wage": {
            f"p{code}": dated(prm["average_monthly"][i]) for i, code in enumerate(codes)
        },
        "transitional_coefficient": {
            f"p{code}": dated(prm["transitional_coefficient"][i]) for i, code in enumerate(codes)
        },
        "base_floor_ratio": dated(prm["base_floor_ratio"]),
        "base_cap_ratio": dated(prm["base_cap_ratio"]),
        "employer_rate": dated(prm["employer_rate"]),
        "employee_rate": dated(prm["employee_rate"]),
        "basic_accrual_rate": dated(prm["basic_accrual_rate"]),
        "divisor_by_age": {
            "metadata": {"type": "single_amount"},
            "brackets": [
                {"threshold": dated(float(age)), "amount": dated(float(div))}
                for age, div in prm["divisor_by_age"].items()
            ],
        },
    }
    for name, node in tree.items():
        (param_dir / "pension" / f"{name}.yaml").write_text(yaml.safe_dump(node))

    Person = build_entity(
        key="person", plural="persons", label="An insured person", is_person=True
    )
    Province = Enum("Province", {f"p{code}": code for code in codes})
    eps8 = 8 * np.finfo(np.float64).eps

    def round_fen(x: np.ndarray) -> np.ndarray:
        """Half up to the fen, forgiving float artefacts a few ulps below a half (amounts ≥ 0)."""
        return np.floor(x + 0.5 + (1e-9 + eps8 * x))

    class province(Variable):
        value_type = Enum
        possible_values = Province
        default_value = Province[f"p{codes[0]}"]
        entity = Person
        definition_period = ETERNITY
        label = "Province of the insured person's pooling area"

    def _input(name: str, kind: type, period: str, text: str) -> type[Variable]:
        attrs = {"value_type": kind, "entity": Person, "definition_period": period,
                 "label": text}
        return type(name, (Variable,), attrs)

    wage = _input("wage", int, MONTH, "Own previous-year average monthly wage (fen)")
    average_index = _input("average_index", float, ETERNITY, "Average contribution index Ī")
    contribution_months = _input("contribution_months", int, MONTH, "Months incl. deemed")
    deemed_months = _input("deemed_months", int, MONTH, "Deemed (pre-account) months")
    account_balance = _input("account_balance", int, MONTH, "Individual account balance (fen)")
    retirement_age_months = _input("retirement_age_months", int, MONTH, "Retirement age")

    class average_monthly_wage(Variable):
        value_type = int
        entity = Person
        definition_period = MONTH
        label = "Provincial average monthly wage W (fen)"

        def formula(person, period, parameters):
            prov = person("province", period)
            return parameters(period).pension.average_monthly_wage[prov]

    class contribution_base(Variable):
        value_type = int
        entity = Person
        definition_period = MONTH
        label = "Monthly base: own wage clamped to [60%, 300%] of the provincial average (fen)"

        def formula(person, period, parameters):
            p = parameters(period).pension
            prov = person("province", period)
            avg = p.average_monthly_wage[prov].astype(np.float64)
            w = person("wage", period).astype(np.int64)
            floor = round_fen(avg * p.base_floor_ratio)
            cap = round_fen(avg * p.base_cap_ratio)
            return np.clip(w, floor, cap)

    class pension_employer(Variable):
        value_type = int
        entity = Person
        definition_period = MONTH
        label = "Employer pension contribution to the pooled fund (fen)"

        def formula(person, period, parameters):
            base = person("contribution_base", period).astype(np.float64)
            return round_fen(base * parameters(period).pension.employer_rate)

    class pension_employee(Variable):
        value_type = int
        entity = Person
        definition_period = MONTH
        label = "Employee pension contribution to the individual account (fen)"

        def formula(person, period, parameters):
            base = person("contribution_base", period).astype(np.float64)
            return round_fen(base * parameters(period).pension.employee_rate)

    class award_basic(Variable):
        value_type = int
        entity = Person
        definition_period = MONTH
        label = "Basic pension W × (1 + Ī)/2 × N × 1% (fen)"

        def formula(person, period, parameters):
            p = parameters(period).pension
            w = person("average_monthly_wage", period).astype(np.float64)
            idx = person("average_index", period).astype(np.float64)
            years = person("contribution_months", period).astype(np.float64) / 12.0
            return round_fen(w * (1.0 + idx) / 2.0 * years * p.basic_accrual_rate)

    class award_account(Variable):
        value_type = int
        entity = Person
        definition_period = MONTH
        label = "Individual-account pension: balance ÷ divisor for the age (fen)"

        def formula(person, period, parameters):
            # Divisor: the scale's value at the whole age, linear to the next whole age,
            # rounded to 0.1 month (kept in float64, never stored as an OpenFisca float32).
            scale = parameters(period).pension.divisor_by_age
            age = person("retirement_age_months", period).astype(np.float64) / 12.0
            whole = np.floor(age)
            lower = scale.calc(whole)
            upper = scale.calc(np.minimum(whole + 1.0, 70.0))
            divisor = round_fen(((upper - lower) * (age - whole) + lower) * 10.0) / 10.0
            balance = person("account_balance", period).astype(np.float64)
            return round_fen(balance / divisor)

    class award_transitional(Variable):
        value_type = int
        entity = Person
        definition_period = MONTH
        label = "Transitional pension W × Ī × deemed years × k (fen)"

        def formula(person, period, parameters):
            prov = person("province", period)
            k = parameters(period).pension.transitional_coefficient[prov].astype(np.float64)
            w = person("average_monthly_wage", period).astype(np.float64)
            idx = person("average_index", period).astype(np.float64)
            years = person("deemed_months", period).astype(np.float64) / 12.0
            return round_fen(w * idx * years * k)

    class award_total(Variable):
        value_type = int
        entity = Person
        definition_period = MONTH
        label = "Monthly pension: sum of the rounded parts (fen)"

        def formula(person, period, parameters):
            return (
                person("award_basic", period)
                + person("award_account", period)
                + person("award_transitional", period)
            )

    class PensionSystem(TaxBenefitSystem):
        def __init__(self) -> None:
            super().__init__([Person])
            self.load_parameters(str(param_dir))
            for var in (province, wage, average_index, contribution_months, deemed_months,
                        account_balance, retirement_age_months, average_monthly_wage,
                        contribution_base, pension_employer, pension_employee, award_basic,
                        award_account, award_transitional, award_total):
                self.add_variable(var)

    inputs = {k: np.load(folder / f"in_{k}.npy") for k in OPENFISCA_INPUTS}
    n = len(inputs["province"])
    period = prm["on"][:7]
    builds: list[float] = []
    runs: list[float] = []
    for _ in range(prm["runs"]):
        # A fresh system and simulation each run (a simulation caches what it calculated).
        t0 = time.perf_counter()
        system = PensionSystem()
        simulation = SimulationBuilder().build_default_simulation(system, count=n)
        simulation.set_input("province", "ETERNITY", inputs["province"])
        simulation.set_input("average_index", "ETERNITY", inputs["average_index"])
        for key in ("wage", "contribution_months", "deemed_months", "account_balance",
                    "retirement_age_months"):
            simulation.set_input(key, period, inputs[key])
        builds.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        outputs = {k: simulation.calculate(k, period) for k in OPENFISCA_OUTPUTS}
        runs.append(time.perf_counter() - t0)
    for key, value in outputs.items():
        np.save(folder / f"out_{key}.npy", np.asarray(value))
    build = float(np.median(builds))
    seconds = float(np.median(runs))
    rss = peak_rss_mb()
    (folder / "timing.json").write_text(
        json.dumps({"persons": n, "build_seconds": build, "seconds": seconds, "runs": runs,
                    "peak_rss_mb": rss})
    )


# =========================================================================== main


def _shebao_pension_only(
    persons: dict[str, np.ndarray], results: dict[str, np.ndarray], prm: dict[str, Any], n: int
) -> float:
    """shebao's time for just the rules OpenFisca runs, on the same first n persons (1 thread)."""
    from shebao.policy.formulas import contributions as c
    from shebao.policy.formulas.pension import pension_award

    prov = persons["province"][:n]
    t0 = time.perf_counter()
    avg = np.take(prm["average_monthly_fen"], prov)
    base = c.contribution_base(
        persons["wage"][:n], avg,
        base_floor_ratio=float(prm["pension_base_floor_ratio"][0]),
        base_cap_ratio=float(prm["pension_base_cap_ratio"][0]),
    )
    c.employee_pension_contributions(
        base,
        pension_employer_rate=float(prm["pension_employer_rate"][0]),
        pension_employee_rate=float(prm["pension_employee_rate"][0]),
    )
    pension_award(
        avg,
        persons["average_index"][:n],
        persons["contribution_months"][:n],
        persons["account_balance"][:n],
        results["retirement_age_months"][:n],
        persons["deemed_months"][:n],
        account_divisor_table=prm["divisor_by_age"],
        basic_accrual_rate=np.take(prm["basic_accrual_rate"], prov),  # type: ignore[arg-type]
        transitional_coefficient=np.take(prm["transitional_coefficient"], prov),  # type: ignore[arg-type]
    )
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=10_000_000)
    parser.add_argument("--openfisca-persons", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=1 << 17)
    parser.add_argument("--runs", type=int, default=3, help="timed runs; the median counts")
    parser.add_argument("--no-openfisca", action="store_true")
    parser.add_argument("--default-malloc", action="store_true", help="skip keep_freed_memory")
    parser.add_argument("--openfisca-worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.openfisca_worker is not None:
        openfisca_worker(args.openfisca_worker)
        return

    t0 = time.perf_counter()
    prm = load_parameters()
    print(f"parameters: shebao Policy.at({prm['on']}), loaded in "
          f"{time.perf_counter() - t0:.2f} s")
    print(f"  average wages of the previous year (Policy.at({prm['wages_on']})); unemployment "
          f"rates: {prm['unemployment_rates']}")
    for code in prm["missing_wage_provinces"]:
        print(f"  wages.average_monthly has no value for province {code}: filled with the "
              f"national non-private average, {prm['national_average_monthly']} fen/month "
              "(wages.national.nonprivate_annual / 12)")
    n = args.persons
    t0 = time.perf_counter()
    persons = generate(n, prm)
    generation = time.perf_counter() - t0
    print(f"generated {n:,} synthetic persons (seed {SEED}) in {generation:.2f} s (not timed)")

    if not args.default_malloc:
        print(f"glibc keeps freed memory for reuse (mallopt): {keep_freed_memory()}")
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    print(f"load average before the timed runs: {load} (other processes share the 2 cores)")
    timings: list[tuple[float, dict[str, float]]] = []
    for _ in range(args.runs):
        results = {}  # let the previous run's outputs go before the next allocates its own
        results, wall, busy = compute(persons, prm, threads=args.threads, chunk=args.chunk)
        timings.append((wall, busy))
    walls = [w for w, _ in timings]
    seconds = float(np.median(walls))
    _, busy = sorted(timings, key=lambda t: t[0])[len(timings) // 2]
    print(f"shebao formulas, {n:,} persons, {args.threads} threads, chunks of {args.chunk:,}, "
          f"median of {len(walls)} runs (the first touches memory this machine has not used "
          "yet; all stages of a chunk run back to back):")
    for i, (wall, run) in enumerate(timings, 1):
        print(f"  run {i}: wall {wall:.3f} s, cpu {run['cpu seconds (user + system)']:.3f} s, "
              f"{int(run['page faults (minor)']):,} page faults")
    for name, t in busy.items():
        unit = "" if name.startswith("page") else " thread-s" if name in dict(STAGES) else " s"
        print(f"  {name:<50} {t:6.3f}{unit}" if unit else f"  {name:<50} {int(t):,}")
    print(f"  {'wall time (timed, median)':<50} {seconds:6.3f} s  = {n / seconds:,.0f} persons/s")
    total = results["award_total"]
    print(f"  mean monthly pension {total.mean() / 100:,.2f} yuan; mean employer pension line "
          f"{results['pension_employer_to_pool'].mean() / 100:,.2f} yuan")

    of_rate = float("nan")
    ratio = float("nan")
    if not args.no_openfisca:
        m = min(args.openfisca_persons, n)
        outputs, timing = run_openfisca(
            persons, results, prm, m, not args.default_malloc, args.runs
        )
        of_rate = m / timing["seconds"]
        ratio = (n / seconds) / of_rate
        print(f"OpenFisca (openfisca-core in {OPENFISCA_VENV.name}), first {m:,} persons, "
              "employee pension contribution + award only:")
        print(f"  system + simulation built in {timing['build_seconds']:.2f} s (not timed)")
        each = ", ".join(f"{t:.3f}" for t in timing["runs"])
        print(f"  calculate calls, median of {len(timing['runs'])} runs: {timing['seconds']:.3f} s "
              f"= {of_rate:,.0f} persons/s (runs: {each} s; its own peak RSS "
              f"{timing['peak_rss_mb']:.0f} MB)")
        ours = _shebao_pension_only(persons, results, prm, m)
        print(f"  shebao, same rules on the same {m:,} persons, 1 thread: {ours:.3f} s")
        mapping = {
            "pension_employer": "pension_employer_to_pool",
            "pension_employee": "pension_employee_to_account",
            "award_basic": "award_basic",
            "award_account": "award_account",
            "award_transitional": "award_transitional",
            "award_total": "award_total",
        }
        worst = 0
        for of_key, our_key in mapping.items():
            diff = np.abs(outputs[of_key].astype(np.int64) - results[our_key][:m])
            worst = max(worst, int(diff.max()))
            print(f"  {of_key:<20} max |OpenFisca - shebao| = {int(diff.max())} fen, "
                  f"{int(np.count_nonzero(diff))} persons differ")
        print(f"  equality check: {'EQUAL to the fen' if worst == 0 else 'DIFFERENT'} "
              f"(max difference {worst} fen over {m:,} persons)")
        if worst:
            raise SystemExit("OpenFisca and shebao disagree: the comparison is not honest")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process {rss:,.0f} MB (getrusage ru_maxrss)")
    print(json.dumps({
        "persons": n,
        "seconds": round(seconds, 3),
        "persons_per_s": round(n / seconds, 1),
        # null, not NaN, when --no-openfisca skipped the comparison
        "openfisca_persons_per_s": None if of_rate != of_rate else round(of_rate, 1),
        "ratio_vs_openfisca": None if ratio != ratio else round(ratio, 2),
        "peak_rss_mb": round(rss, 1),
    }))


if __name__ == "__main__":
    main()
