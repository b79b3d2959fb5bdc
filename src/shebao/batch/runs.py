"""Batch runs over one province's partition: the policy formulas over every person at once.

Each run is one function of (partition file, month, as-of month) that reads the columns it
needs, checks them (a malformed row stops the run, naming file, row and reason), calls the same
formulas the services call (policy/billing.monthly_bill, pension indexation, survival
authentication, the supervision parameters), writes the partition's output rows and returns
the partition's integer totals. Both engines (engines.py) call these functions; a run's
summary is the sum of its partitions' totals, so the engine cannot change the answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray

from shebao.errors import InputError
from shebao.policy import Policy, PolicySnapshot
from shebao.policy import bindings as b
from shebao.policy.billing import monthly_bill
from shebao.policy.formulas import pension
from shebao.policy.formulas.contributions import ENTERPRISE_SIZES
from shebao.policy.formulas.periods import format_month
from shebao.registry.identifiers import mask_resident_id

#: Months the checks accept: 1900-01 … 2100-12 as month numbers (year × 12 + month − 1).
_FIRST_MONTH, _LAST_MONTH = 1900 * 12, 2100 * 12 + 11


@dataclass(frozen=True)
class Partition:
    """One run over one partition: where it reads, where it writes, for which month."""

    path: str
    out_dir: str
    month: int
    as_of: int
    scenario: str | None = None  # a reform's parameter overrides (policy/scenarios)

    def policy(self, on: dt.date) -> PolicySnapshot:
        """The rules in force on `on` in the partition's province, under its scenario."""
        return Policy.at(on, self.province, self.scenario)

    @property
    def province(self) -> str:
        return Path(self.path).parent.name.removeprefix("province=")

    def output(self) -> Path:
        """The output file beside its input's name: a province split into several files
        (more, smaller tasks) gets as many outputs."""
        return Path(self.out_dir) / f"province={self.province}" / Path(self.path).name


class PartitionError(Exception):
    """A malformed row: raised inside a run, turned into an InputError by the engine."""

    def __init__(self, path: str, row: int, column: str, reason: str) -> None:
        super().__init__(path, row, column, reason)
        self.path, self.row, self.column, self.reason = path, row, column, reason


# -- reading and checking -------------------------------------------------------------------


def _read(part: Partition, columns: list[str]) -> pl.DataFrame:
    try:
        return pl.read_parquet(part.path, columns=columns, hive_partitioning=False)
    except (pl.exceptions.ColumnNotFoundError, pl.exceptions.SchemaError) as error:
        raise PartitionError(part.path, 0, "columns", f"missing or mistyped: {error}") from None


def _bad(column: str, kind: str, allowed: Any) -> pl.Expr:
    """True on the rows where `column` breaks its rule."""
    col = pl.col(column)
    if kind == "identity":
        return col.is_null() | (col.str.len_bytes() != 18)
    if kind == "not_negative":
        return col.is_null() | (col < 0)
    if kind == "month":
        return col.is_not_null() & ((col < _FIRST_MONTH) | (col > _LAST_MONTH))
    return col.is_null() | ~col.is_in(list(allowed))  # "one_of"


def _check(part: Partition, frame: pl.DataFrame, rules: dict[str, tuple[str, Any]]) -> None:
    """Refuse the partition at the first row breaking a rule (column → (kind, reason or the
    allowed values)). One query answers every rule; only a refused partition looks further."""
    found = frame.select(**{c: _bad(c, kind, arg).any() for c, (kind, arg) in rules.items()})
    for column, bad in found.row(0, named=True).items():
        if bad:
            kind, arg = rules[column]
            row = frame.select(_bad(column, kind, arg).arg_true().first()).item()
            reason = f"must be one of {', '.join(arg)}" if kind == "one_of" else arg
            raise PartitionError(part.path, int(row) + 1, column, reason)


def _write(part: Partition, frame: pl.DataFrame) -> None:
    target = part.output()
    target.parent.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(target, compression="lz4", statistics=False)


def _snapshot(part: Partition) -> PolicySnapshot:
    return part.policy(b.month_start(part.month))


# -- contributions --------------------------------------------------------------------------

CONTRIBUTION_COLUMNS = ["person_id", "identity", "insured_employee", "flexible",
                        "declared_wage_fen", "enterprise_size", "injury_class", "public_body",
                        "death_month"]


# What a bill depends on besides the wage; a size is sorted by its position (an Enum).
_GROUP_COLUMNS = [pl.col("flexible"), pl.col("injury_class"),
                  pl.col("enterprise_size").cast(pl.Enum(ENTERPRISE_SIZES)), pl.col("public_body")]


def _groups(frame: pl.DataFrame,
            keys: list[str]) -> tuple[NDArray[np.intp], list[tuple[Any, slice]]]:
    """The order that sorts `frame` by `keys`, and each key combination's values with its
    slice of that order: a formula taking scalar arguments is then called once a group.
    The keys (small non-negative integers, booleans, enums) are packed into one small
    integer, so the sort is a radix sort and the groups are counted, not searched."""
    packed = np.zeros(frame.height, dtype=np.int64)
    for key in keys:
        codes = frame[key].to_physical().to_numpy().astype(np.int64)
        packed = packed * (int(codes.max(initial=0)) + 1) + codes
    if packed.max(initial=0) < np.iinfo(np.int16).max:
        packed = packed.astype(np.int16)
    order = np.argsort(packed, kind="stable")
    counts = np.bincount(packed)
    groups, start = [], 0
    for length in counts[counts > 0].tolist():
        first = int(order[start])
        groups.append((tuple(frame[key][first] for key in keys), slice(start, start + length)))
        start += length
    return order, groups


@dataclass(frozen=True)
class Billed:
    """Contributing persons in billing order, with their bill's amounts (fen, one a person)."""

    frame: pl.DataFrame
    amounts: dict[str, NDArray[np.int64]]  # base, employer, employee, pool, account
    by_scheme: dict[str, int]


def bill(frame: pl.DataFrame, snapshot: PolicySnapshot, month: int, province: str,
         average_wage_fen: int) -> Billed:
    """Bill `frame`'s persons (person_id, declared_wage_fen and the group columns) through
    policy.billing.monthly_bill, one call per (flexible, enterprise size, public body) group,
    the injury class passed per person. A flexible worker pays both shares as "person":
    counted as the employee's."""
    order, groups = _groups(frame.select(*_GROUP_COLUMNS),
                            ["flexible", "enterprise_size", "public_body"])
    amounts = {k: np.zeros(frame.height, dtype=np.int64)
               for k in ("base", "employer", "employee", "pool", "account")}
    by_scheme: dict[str, int] = {}
    wages = frame["declared_wage_fen"].to_numpy()[order]
    injury_classes = frame["injury_class"].to_numpy()[order]
    for (flexible, size, public), rows in groups:
        billed = monthly_bill(snapshot, month, province, wages[rows], flexible=bool(flexible),
                              injury_class=injury_classes[rows], enterprise_size=str(size),
                              public_body=bool(public), average_wage_fen=average_wage_fen)
        amounts["base"][rows] = billed.base_fen
        amounts["employer"][rows] = billed.total("employer")
        amounts["employee"][rows] = billed.total("employee", "person")
        for line in billed.lines:
            target = "pool" if line.destination == "pooled_fund" else "account"
            amounts[target][rows] += line.amount_fen
            by_scheme[line.scheme] = by_scheme.get(line.scheme, 0) + int(line.amount_fen.sum())
    return Billed(frame.select(pl.col("person_id").gather(order)), amounts, by_scheme)


def contributing(frame: pl.DataFrame, month: int) -> pl.DataFrame:
    """The persons a month's bill covers: in the employee schemes and alive in the month."""
    return frame.filter(pl.col("insured_employee") & (pl.col("death_month").is_null()
                                                      | (pl.col("death_month") >= month)))


def bill_partition(part: Partition) -> dict[str, Any]:
    """The month's contribution bill of every contributing person of the partition: per
    person the base and the totals by payer and destination (see `bill`)."""
    frame = _read(part, CONTRIBUTION_COLUMNS)
    _check(part, frame, {"identity": ("identity", "must be 18 characters"),
                         "declared_wage_fen": ("not_negative", "wage cannot be negative"),
                         "death_month": ("month", "not a month 1900-01…2100-12"),
                         "enterprise_size": ("one_of", ENTERPRISE_SIZES)})
    frame = contributing(frame.drop("identity"), part.month)  # (checked; not copied further)
    n = frame.height
    snapshot = _snapshot(part)
    try:
        average_wage, _ = b.previous_year_average_wage(snapshot, part.month // 12, part.province)
    except InputError as error:
        # No published average wage for the province: not billed, and said so (no guess).
        nobody = np.zeros(0, np.int64)
        _write(part, _bill_frame(frame.clear(), dict.fromkeys(("base", "employer", "employee",
                                                               "pool", "account"), nobody)))
        return {"persons": 0, "skipped": {part.province: {"persons": n, "reason": error.reason}}}
    billed = bill(frame, snapshot, part.month, part.province, average_wage)
    _write(part, _bill_frame(billed.frame, billed.amounts))
    totals = {k: int(v.sum()) for k, v in billed.amounts.items()}
    return {"persons": n, "base_fen": totals["base"], "employer_fen": totals["employer"],
            "employee_fen": totals["employee"], "pooled_fund_fen": totals["pool"],
            "individual_account_fen": totals["account"],
            "total_fen": totals["employer"] + totals["employee"],
            "by_scheme_fen": billed.by_scheme,
            "by_province": {part.province: {"persons": n, "total_fen": totals["pool"]
                                            + totals["account"]}}}


def _bill_frame(frame: pl.DataFrame, amounts: dict[str, NDArray[np.int64]]) -> pl.DataFrame:
    return pl.DataFrame({"person_id": frame["person_id"], "base_fen": amounts["base"],
                         "employer_fen": amounts["employer"], "employee_fen": amounts["employee"],
                         "pooled_fund_fen": amounts["pool"],
                         "individual_account_fen": amounts["account"]})


# -- pensions: payroll with indexation, authentication due list ----------------------------

PENSION_COLUMNS = ["person_id", "identity", "birth_month", "pension_scheme", "pension_fen",
                   "account_balance_fen", "contribution_months", "award_month",
                   "last_auth_month", "death_month"]


def _pensioners(part: Partition) -> pl.DataFrame:
    frame = _read(part, PENSION_COLUMNS)
    _check(part, frame, {"identity": ("identity", "must be 18 characters"),
                         "pension_fen": ("not_negative", "pension cannot be negative"),
                         "account_balance_fen": ("not_negative", "balance cannot be negative"),
                         "birth_month": ("month", "not a month 1900-01…2100-12"),
                         "award_month": ("month", "not a month 1900-01…2100-12"),
                         "last_auth_month": ("month", "not a month 1900-01…2100-12"),
                         "death_month": ("month", "not a month 1900-01…2100-12")})
    return frame.filter(pl.col("pension_scheme").is_not_null()
                        & (pl.col("award_month") <= part.month))


def authentication_lapses(part: Partition, frame: pl.DataFrame) -> NDArray[np.int64]:
    """The month each pensioner's authentication no longer covers (the payroll's rule)."""
    return pension.authentication_lapse(
        np.maximum(frame["last_auth_month"].to_numpy(), frame["award_month"].to_numpy()),
        **b.survival_authentication_months(_snapshot(part), part.province).values)


def payroll_partition(part: Partition) -> dict[str, Any]:
    """The month's pension payroll. Employee pensions: the amounts of the population's as-of
    month with each later year's indexation. Residents' pensions: the formula with the
    month's minimum basic pension (raised by the nation, not indexed). Paid where the
    pensioner is alive and authenticated, suspended where the authentication lapsed, stopped
    after the month of death."""
    frame = _pensioners(part)
    amount = frame["pension_fen"].to_numpy().copy()
    employee = (frame["pension_scheme"] == "employee").to_numpy()
    if (~employee).any():
        amount[~employee] = pension.resident_pension(
            frame["account_balance_fen"].to_numpy()[~employee],
            **b.resident_pension_arguments(_snapshot(part), part.province).values)["total"]
    award_year = frame["award_month"].to_numpy() // 12
    months = frame["contribution_months"].to_numpy()
    increase = np.zeros(frame.height, dtype=np.int64)
    for year in range(part.as_of // 12 + 1, part.month // 12 + 1):
        snapshot = part.policy(dt.date(year, 1, 1))
        due = employee & (award_year < year)
        step = pension.indexation_increase(
            amount[due], months[due], year - frame["birth_month"].to_numpy()[due] // 12,
            **b.indexation_arguments(snapshot, part.province).values)["increase"]
        amount[due] += step
        increase[due] += step
    stopped = (frame["death_month"] < part.month).fill_null(False).to_numpy()
    suspended = ~stopped & (part.month >= authentication_lapses(part, frame))
    paid = ~stopped & ~suspended
    status = np.where(stopped, "stopped", np.where(suspended, "suspended", "paid"))
    _write(part, pl.DataFrame({"person_id": frame["person_id"], "scheme": frame["pension_scheme"],
                               "status": status, "amount_fen": np.where(paid, amount, 0),
                               "indexation_fen": increase}))
    by_scheme: dict[str, dict[str, int]] = {}
    for scheme in ("employee", "resident"):
        mine = (frame["pension_scheme"] == scheme).to_numpy()
        by_scheme[scheme] = {"paid": int((paid & mine).sum()),
                             "paid_fen": int(amount[paid & mine].sum())}
    return {"pensioners": frame.height, "paid": int(paid.sum()),
            "paid_fen": int(amount[paid].sum()), "suspended": int(suspended.sum()),
            "suspended_fen": int(amount[suspended].sum()), "stopped": int(stopped.sum()),
            "indexation_fen": int(increase[paid].sum()), "by_scheme": by_scheme,
            "by_province": {part.province: {"paid": int(paid.sum()),
                                            "paid_fen": int(amount[paid].sum())}}}


def authentication_partition(part: Partition) -> dict[str, Any]:
    """Living pensioners whose survival authentication lapses by the end of the month (due)
    or has lapsed before it (suspended backlog), identity numbers masked."""
    frame = _pensioners(part)
    death = frame["death_month"]
    alive = (death.is_null() | (death >= part.month)).to_numpy()
    lapses = authentication_lapses(part, frame)
    listed = alive & (lapses <= part.month)
    lapsed = listed & (lapses < part.month)
    out = pl.DataFrame({
        "person_id": frame["person_id"].filter(listed),
        "identity": [mask_resident_id(x) for x in frame["identity"].filter(listed).to_list()],
        "lapse_month": [format_month(m) for m in lapses[listed].tolist()],
        "status": np.where(lapsed[listed], "lapsed", "due"),
        "months_overdue": (part.month - lapses[listed]).astype(np.int32),
    })
    _write(part, out)
    return {"pensioners": int(alive.sum()), "listed": int(listed.sum()),
            "due": int((listed & ~lapsed).sum()), "lapsed": int(lapsed.sum()),
            "by_province": {part.province: {"due": int((listed & ~lapsed).sum()),
                                            "lapsed": int(lapsed.sum())}}}


# -- supervision rules that run on a partition ----------------------------------------------

FRAUD_COLUMNS = [*CONTRIBUTION_COLUMNS, "tax_wage_fen", "pension_scheme", "pension_fen",
                 "paid_through_month", "planted"]


def fraud_partition(part: Partition) -> dict[str, Any]:
    """Two supervision rules that need only a person's own row (supervision/rules.py runs
    them on the database): under-declaration (tax-record wage above declared × the
    parameter; at stake: the bill on the tax wage minus the bill on the declared wage, both
    through monthly_bill) and pension after death (months paid after the month of death ×
    the pension). The others compare rows across tables and stay in the database.

    The generator's planted irregularities are the ground truth: each rule's findings are
    counted against them (planted, found among them)."""
    frame = _read(part, FRAUD_COLUMNS)
    _check(part, frame, {"identity": ("identity", "must be 18 characters"),
                         "declared_wage_fen": ("not_negative", "wage cannot be negative"),
                         "death_month": ("month", "not a month 1900-01…2100-12"),
                         "paid_through_month": ("month", "not a month 1900-01…2100-12"),
                         "enterprise_size": ("one_of", ENTERPRISE_SIZES)})
    snapshot = _snapshot(part)
    ratio = float(snapshot.value("supervision.under_declaration_ratio"))
    employees = frame.filter(pl.col("insured_employee") & ~pl.col("flexible")
                             & pl.col("tax_wage_fen").is_not_null()
                             & (pl.col("tax_wage_fen") > pl.col("declared_wage_fen") * ratio))
    order, groups = _groups(employees.select(*_GROUP_COLUMNS[2:]),
                            ["enterprise_size", "public_body"])
    employees = employees[order]
    at_stake = np.zeros(employees.height, dtype=np.int64)
    declared = employees["declared_wage_fen"].to_numpy()
    taxed = employees["tax_wage_fen"].to_numpy()
    try:
        average_wage, _ = b.previous_year_average_wage(snapshot, part.month // 12, part.province)
    except InputError:
        average_wage = None  # no average wage: findings kept, their amount unknown (0)
    if average_wage is not None:
        injury_classes = employees["injury_class"].to_numpy()
        for (size, public), rows in groups:
            args = {"injury_class": injury_classes[rows], "enterprise_size": str(size),
                    "public_body": bool(public), "average_wage_fen": average_wage}
            owed = monthly_bill(snapshot, part.month, part.province, taxed[rows], **args)
            billed = monthly_bill(snapshot, part.month, part.province, declared[rows], **args)
            at_stake[rows] = owed.total() - billed.total()
    dead = frame.filter(pl.col("pension_scheme").is_not_null() & pl.col("death_month").is_not_null()
                        & (pl.col("paid_through_month") > pl.col("death_month")))
    after = (dead["paid_through_month"] - dead["death_month"]).to_numpy().astype(np.int64)
    schema = {"rule": pl.String, "person_id": pl.Int64, "amount_fen": pl.Int64}
    findings = pl.concat([
        pl.DataFrame({"rule": ["under_declaration"] * employees.height,
                      "person_id": employees["person_id"], "amount_fen": at_stake}, schema),
        pl.DataFrame({"rule": ["pension_after_death"] * dead.height,
                      "person_id": dead["person_id"],
                      "amount_fen": after * dead["pension_fen"].to_numpy()}, schema),
    ])
    _write(part, findings)
    by_rule = {}
    for rule, found in (("under_declaration", employees), ("pension_after_death", dead)):
        rows = findings.filter(pl.col("rule") == rule)
        by_rule[rule] = {"findings": found.height, "amount_fen": int(rows["amount_fen"].sum()),
                         "planted": int((frame["planted"] == rule).sum()),
                         "planted_found": int((found["planted"] == rule).sum())}
    return {"findings": findings.height, "by_rule": by_rule,
            "by_province": {part.province: {"findings": findings.height}}}


RUNS: dict[str, Callable[[Partition], dict[str, Any]]] = {
    "contributions": bill_partition,
    "payroll": payroll_partition,
    "authentication": authentication_partition,
    "fraud": fraud_partition,
}


def run_partition(run: str, part: Partition) -> dict[str, Any]:
    """Run `run` over one partition; a malformed row comes back as {"error": …}, not raised,
    so it crosses a Dask worker boundary as plain data."""
    try:
        return RUNS[run](part)
    except PartitionError as error:
        return {"error": {"path": error.path, "row": error.row, "column": error.column,
                          "reason": error.reason}}
    except InputError as error:  # a value a formula refused (e.g. an unknown injury class)
        return {"error": {"path": part.path, "row": None, "column": error.field,
                          "reason": error.reason}}


def add(total: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    """Sum two partitions' totals: integers add, nested dicts add key by key, text (a reason)
    is kept."""
    out = dict(total)
    for key, value in part.items():
        if isinstance(value, dict):
            out[key] = add(out.get(key, {}), value)
        elif isinstance(value, str):
            out[key] = value
        else:
            out[key] = out.get(key, 0) + value
    return out
