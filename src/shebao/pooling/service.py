"""The central adjustment fund of the employee pension (国发〔2018〕18号, 2018–2021).

A year is computed by the calculator's `central-adjustment` rule (policy/formulas/
central_adjustment.py: remittance = average wage × 90% × insured employees × rate; allocation =
retirees × the national amount per retiree, split to the fen so the nets sum to zero) from a
provinces table, CSV or the rule's JSON. Posting a year moves each province's net between its
pooled fund and `central:adjustment`: the net payers' entries first, then the receivers', so
the fund never goes below zero and ends the year at zero. A year is posted once; its entries'
keys name the year and the province, so a retry replays instead of posting again.

`reproduce_2020` rebuilds 2020 from the bundled provinces table (data/provinces_2019_2020.csv)
and sets the net transfer beside the published figure, with the gap and why.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shebao.auth.authz import require
from shebao.auth.models import User
from shebao.calc.service import calculate
from shebao.errors import InputError
from shebao.ledger import accounts
from shebao.ledger import service as ledger
from shebao.policy.formulas.rounding import largest_remainder
from shebao.pooling.models import AdjustmentProvince, AdjustmentYear

SCHEME = "employee_pension"
CSV_COLUMNS = ("region", "average_wage_fen", "insured_employees", "retirees")


# -- input -----------------------------------------------------------------------------------


def parse_input(text: str, name: str, year: int) -> dict[str, Any]:
    """The rule's JSON payload from a CSV table (header `region,average_wage_fen,
    insured_employees,retirees`) or the `central-adjustment` rule's JSON; `year` fills the
    JSON's year or must agree with it."""
    if name.lower().endswith(".csv"):
        reader = csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#"))
        missing = set(CSV_COLUMNS) - set(reader.fieldnames or ())
        if missing:
            raise InputError("input", f"CSV needs the columns {', '.join(CSV_COLUMNS)}; "
                                      f"missing {', '.join(sorted(missing))}")
        provinces: list[dict[str, Any]] = []
        for line, row in enumerate(reader, start=2):
            try:
                provinces.append({"region": row["region"],
                                  **{c: int(row[c]) for c in CSV_COLUMNS[1:]}})
            except (TypeError, ValueError):
                raise InputError("input", f"line {line}: amounts and counts must be whole "
                                          "numbers") from None
        return {"year": year, "provinces": provinces}
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as bad:
        raise InputError("input", f"not valid JSON: {bad.msg} at line {bad.lineno}") from None
    if not isinstance(payload, dict):
        raise InputError("input", "must be a JSON object (the central-adjustment rule's input)")
    if payload.setdefault("year", year) != year:
        raise InputError("year", f"{year} differs from the input's year {payload['year']}")
    return payload


def compute(payload: dict[str, Any]) -> dict[str, Any]:
    """The year by the calculator's rule: fund, per retiree, per province, explanation."""
    result = calculate("central-adjustment", payload)
    figures = {p["region"]: p for p in payload["provinces"]}
    for row in result["provinces"]:
        row.update({k: figures[row["region"]][k] for k in CSV_COLUMNS[1:]})
    return result


def net_transfer(result: dict[str, Any]) -> int:
    """Money moved between provinces: Σ of the net payers' nets (= −Σ of the receivers')."""
    return sum(p["net_fen"] for p in result["provinces"] if p["net_fen"] > 0)


# -- posting ---------------------------------------------------------------------------------


def post_year(db: Session, user: User, payload: dict[str, Any], source: str) -> AdjustmentYear:
    """Compute and post a year: one entry per province with a net, payers first. Posting the
    same year again with the same figures returns it; other figures are refused."""
    require(user, "pooling.post")
    result = compute(payload)
    year = int(payload["year"])
    existing = db.scalar(select(AdjustmentYear).where(AdjustmentYear.year == year))
    if existing is not None:
        if {p.province: p.net_fen for p in existing.provinces} != {
                p["region"]: p["net_fen"] for p in result["provinces"]}:
            raise InputError("year", f"{year} is already posted with other figures; correct it "
                                     "by reversing its entries")
        return existing
    with db.begin_nested():  # a refused entry (a pool that cannot pay) leaves nothing
        made = _post(db, user, result, year, payload, source)
    db.refresh(made)
    return made


def _post(db: Session, user: User, result: dict[str, Any], year: int,
          payload: dict[str, Any], source: str) -> AdjustmentYear:
    """The year's rows and its entries: payers first, so the central fund never goes below
    zero on the way."""
    used = {p["argument"]: p["value"] for p in result["explanation"]["parameters"]}
    made = AdjustmentYear(
        year=year, remittance_rate=float(used.get("remittance_rate", payload.get("rate"))),
        wage_factor=float(used["remittance_wage_ratio"]), fund_fen=result["fund_fen"],
        per_retiree_fen=result["per_retiree_fen"], source=source[:200], posted_by=user.id)
    db.add(made)
    db.flush()
    on = dt.date(year, 12, 31)
    for row in sorted(result["provinces"], key=lambda p: -p["net_fen"]):
        entry_id = None
        if row["net_fen"]:
            pool = accounts.pool(SCHEME, row["region"])
            way = "remittance" if row["net_fen"] > 0 else "allocation"
            posted = ledger.post(db, ledger.PostingRequest(
                idempotency_key=f"central-adjustment-{year}-{row['region']}",
                kind="central_adjustment",
                memo=f"central adjustment {year}: net {way} of {row['region']}",
                effective_date=on,
                lines=[(pool, row["net_fen"]), (accounts.CENTRAL_ADJUSTMENT, -row["net_fen"])],
            ), actor_id=user.id)
            entry_id = posted.entry_id
        db.add(AdjustmentProvince(
            year_id=made.id, province=row["region"], average_wage_fen=row["average_wage_fen"],
            insured_employees=row["insured_employees"], retirees=row["retirees"],
            remittance_fen=row["remittance_fen"], allocation_fen=row["allocation_fen"],
            net_fen=row["net_fen"], ledger_entry_id=entry_id))
    db.flush()
    return made


def years(db: Session, user: User) -> list[AdjustmentYear]:
    require(user, "pooling.read")
    return list(db.scalars(select(AdjustmentYear).order_by(AdjustmentYear.year.desc())))


# -- the 2020 reproduction -------------------------------------------------------------------

PUBLISHED_2020_NET_FEN = (176_700_000_000_00, 176_800_000_000_00)
"""Net inter-provincial transfer of 2020: MOF budget RMB 176.7 bn; 176.8 bn quoted in Feb 2021
(shared/rules/china.md §4, tellerreport.com 2020-06-22)."""
PUBLISHED_2020_FUND_FEN = 739_823_000_000_00
"""The 2020 fund, RMB 739.823 bn (budget; same source)."""
NATIONAL_2020 = {"insured_employees": 328_590_000, "retirees": 127_620_000}
"""Urban-employee pension insured at end-2020 (MOHRSS 2021 bulletin, derived: 34,917 − 2,058
and 13,157 − 395 ten-thousand persons; data/provinces_2019_2020.md)."""
NATIONAL_WAGE_NONPRIVATE = {2019: 90501_00, 2020: 97379_00}
"""National average wage of urban non-private units, yuan → fen (same README)."""


@dataclass(frozen=True)
class Reproduction:
    payload: dict[str, Any]
    result: dict[str, Any]
    net_fen: int
    gap_fen: tuple[int, int]
    proxies: list[str]
    explanation: list[str]


def _rows() -> list[dict[str, str]]:
    text = (files("shebao.data") / "provinces_2019_2020.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(line for line in io.StringIO(text) if not line.startswith("#")))


def _apportion(total: int, weights: Iterable[int]) -> list[int]:
    """`total` split in proportion to `weights`, exact (largest remainder)."""
    return [int(x) for x in largest_remainder(total, list(weights))]


def reproduce_2020() -> Reproduction:
    """2020 from the bundled table, with every proxy named (the table lacks most inputs)."""
    rows = _rows()
    proxies: list[str] = []
    wages: list[int] = []
    growth = NATIONAL_WAGE_NONPRIVATE[2019] / NATIONAL_WAGE_NONPRIVATE[2020]
    for row in rows:
        if row["wage_nonprivate_2019"]:
            wages.append(int(row["wage_nonprivate_2019"]) * 100)
        elif row["wage_nonprivate_2020"]:
            wages.append(round(int(row["wage_nonprivate_2020"]) * 100 * growth))
            proxies.append(f"{row['code']} {row['name_en']}: 2019 wage = 2020 non-private wage "
                           "× national 2019/2020 ratio")
        else:
            wages.append(NATIONAL_WAGE_NONPRIVATE[2019])
            proxies.append(f"{row['code']} {row['name_en']}: no wage found; national 2019 "
                           "non-private average used")
    known = {r["code"]: r for r in rows if r["insured_employees_2020"]}
    counts: dict[str, list[int]] = {}
    for column, national in (("insured_employees", NATIONAL_2020["insured_employees"]),
                             ("insured_retirees", NATIONAL_2020["retirees"])):
        given = {c: round(float(r[f"{column}_2020"]) * 10_000) for c, r in known.items()}
        rest = [r for r in rows if r["code"] not in given]
        shares = _apportion(national - sum(given.values()),
                            [int(r["pop_census_2020"]) for r in rest])
        spread = dict(zip((r["code"] for r in rest), shares, strict=True))
        counts[column] = [given.get(r["code"], spread.get(r["code"], 0)) for r in rows]
    proxies.append(f"insured employees and retirees: the table's figures for "
                   f"{', '.join(sorted(known))} only (Fujian's include government and "
                   f"institution staff); the national end-2020 totals less those are spread "
                   f"over the other {len(rows) - len(known)} provinces by census population")
    payload = {"year": 2020, "provinces": [
        {"region": r["code"], "average_wage_fen": w, "insured_employees": n, "retirees": k}
        for r, w, n, k in zip(rows, wages, counts["insured_employees"],
                              counts["insured_retirees"], strict=True)]}
    result = compute(payload)
    net = net_transfer(result)
    low, high = PUBLISHED_2020_NET_FEN
    explanation = [
        "Insured employees and retirees by province are missing from the bundled table (31 "
        "provinces, Fujian only): spreading the national totals by population gives every "
        "province the national ratio of retirees to workers, which removes most of the "
        "imbalance the fund corrects (the north-east's many retirees, the south-east's young "
        "migrants), so the net transfer comes out far below the published one.",
        "The formula's inputs are narrower than our stand-ins: it uses the weighted average of "
        "non-private and private wages (the table has non-private, which is higher), the "
        "'should-be-insured' enterprise employees (the mean of insured enterprise employees and "
        "enterprise employment, not all insured incl. institutions and flexible workers) and "
        "MOHRSS-approved enterprise retirees; the fund computed here "
        f"({result['fund_fen'] / 1e11:,.1f} bn) differs from the budget's "
        f"{PUBLISHED_2020_FUND_FEN / 1e11:,.3f} bn accordingly.",
        "Counts at end-2020 stand in for the figures the 2020 budget used (end-2019, which the "
        "table lacks). Xinjiang Production and Construction Corps is a separate unit in the "
        "published figures and has no row.",
    ]
    return Reproduction(payload, result, net, (net - low, net - high), proxies, explanation)
