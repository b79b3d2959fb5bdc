"""Dated, referenced policy parameters: load them, validate them, look up what was in force.

A bare number in code cannot say when it took effect, which document set it, or how far a
province may move it. Here every parameter is a YAML node with a unit, a legal reference,
values keyed by effective date and, where the nation sets one, a bound. Provinces override
inside that bound; scenarios (reforms, or their absence) override over date ranges. Loading
refuses anything that breaks those rules, naming file, parameter, value and bound, so an
unauthorised local alteration never reaches a formula.

Layout (see docs/policy.md):
    parameters/national/<scheme>.yaml     the nation's values, one file per scheme
    parameters/regions/<province>/*.yaml  province overrides: `reference` + `values` only
    scenarios/<name>.yaml                 overrides over date ranges, by parameter name
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import yaml

from shebao.errors import InputError

__all__ = [
    "PROVINCE_CODES",
    "UNITS",
    "Bound",
    "DatedValue",
    "ParameterError",
    "ParameterNode",
    "ParameterSet",
    "ParameterValue",
    "Policy",
    "PolicySnapshot",
    "check_region_dir",
    "describe_parameter",
    "load_parameters",
    "province_index",
    "province_of",
]

POLICY_DIR = Path(__file__).resolve().parent
DEFAULT_ROOT = POLICY_DIR / "parameters"
DEFAULT_SCENARIOS = POLICY_DIR / "scenarios"

#: The 31 provincial-level divisions (GB/T 2260), sorted: position = index in province arrays.
PROVINCE_CODES: tuple[str, ...] = (
    "110000", "120000", "130000", "140000", "150000", "210000", "220000", "230000",
    "310000", "320000", "330000", "340000", "350000", "360000", "370000", "410000",
    "420000", "430000", "440000", "450000", "460000", "500000", "510000", "520000",
    "530000", "540000", "610000", "620000", "630000", "640000", "650000",
)  # fmt: skip
_PROVINCE_POS: dict[str, int] = {code: i for i, code in enumerate(PROVINCE_CODES)}

MONEY_UNITS = frozenset({"fen", "fen_per_day", "fen_per_month", "fen_per_year"})
NUMBER_UNITS = frozenset(
    {"ratio", "ratio_per_day", "ratio_per_year", "multiple", "days", "months", "years", "count"}
)
#: Every unit a parameter may declare. Money is always integer fen.
UNITS = MONEY_UNITS | NUMBER_UNITS | frozenset({"date", "year_month", "text"})

_NODE_KEYS = frozenset(
    {"description", "unit", "reference", "references", "values", "by_province", "bounds",
     "derived_from", "divide_by", "notes"}
)  # fmt: skip
_OVERRIDE_KEYS = frozenset({"reference", "references", "values", "notes", "description"})
_VALUE_KEYS = ("values", "by_province", "derived_from")
_YEAR_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_REGION = re.compile(r"^\d{6}$")


class ParameterError(Exception):
    """A parameter file breaks the rules; the message names file, parameter, value and bound."""


# --------------------------------------------------------------------------- regions


def province_of(region: str | int) -> str:
    """Province code of any GB/T 2260 region (440106 → 440000); refuse what is not one."""
    code = str(region).strip()
    if not _REGION.match(code):
        raise InputError("region", f"{region!r} is not a six-digit GB/T 2260 region code")
    province = code[:2] + "0000"
    if province not in _PROVINCE_POS:
        raise InputError("region", f"{code}: no province {province} among the 31 provinces")
    return province


def province_index(code: str | int) -> int:
    """Position of a region's province in `PROVINCE_CODES`: the index into province arrays."""
    return _PROVINCE_POS[province_of(code)]


# --------------------------------------------------------------------------- data types


@dataclass(frozen=True)
class Bound:
    """A national bound in force from `effective_from`; None means open on that side."""

    effective_from: dt.date
    min: float | None
    max: float | None

    def describe(self) -> str:
        lo = "-inf" if self.min is None else repr(self.min)
        hi = "+inf" if self.max is None else repr(self.max)
        return f"[{lo}, {hi}] (national bound from {self.effective_from.isoformat()})"


@dataclass(frozen=True)
class DatedValue:
    """One value with the date it took effect, its reference and who set it."""

    effective_from: dt.date
    value: Any
    reference: str
    source: str  # "national" | "region 440000" | "scenario no-reform"
    effective_to: dt.date | None = None  # scenarios only: last day (inclusive)


@dataclass(frozen=True)
class ParameterNode:
    """A national parameter as loaded: metadata, dated values and bounds."""

    name: str
    description: str
    unit: str
    reference: str
    file: str
    values: tuple[DatedValue, ...] = ()
    by_province: Mapping[str, tuple[DatedValue, ...]] | None = None
    bounds: tuple[Bound, ...] = ()
    derived_from: str | None = None
    divide_by: float | None = None

    @property
    def province_indexed(self) -> bool:
        return self.by_province is not None

    def bound_at(self, on: dt.date) -> Bound | None:
        """The bound in force on a date, if the nation set one then."""
        current = None
        for b in self.bounds:
            if b.effective_from <= on:
                current = b
        return current


@dataclass(frozen=True)
class ParameterValue:
    """A parameter's value in force at a date, with everything needed to justify it."""

    name: str
    value: Any
    unit: str
    reference: str
    effective_from: dt.date
    source: str
    description: str = ""


@dataclass(frozen=True)
class ScenarioOverride:
    """One scenario line: `parameter` takes `value` from `start` to `end` (inclusive)."""

    parameter: str
    start: dt.date
    end: dt.date | None
    value: Any
    reference: str


# --------------------------------------------------------------------------- helpers


def _freeze(value: Any) -> Any:
    """Make a parsed YAML value immutable so a snapshot cannot be altered through it."""
    if isinstance(value, dict):
        return MappingProxyType({_key(k): _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _key(k: Any) -> Any:
    return k.isoformat() if isinstance(k, dt.date) else k


def to_plain(value: Any) -> Any:
    """JSON-friendly copy of a parameter value (dates as ISO strings)."""
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [to_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _parse_date(raw: Any) -> dt.date | None:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw.strip())
        except ValueError:
            return None
    return None


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _leaves(value: Any) -> Iterator[Any]:
    if isinstance(value, Mapping):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


def _unit_problem(unit: str, value: Any) -> str | None:
    """Why a value does not fit its unit, or None. Tables are checked leaf by leaf."""
    for leaf in _leaves(value):
        if leaf is None:
            return "empty value (use a number, or leave the date out)"
        if unit in MONEY_UNITS:
            if not (isinstance(leaf, int) and not isinstance(leaf, bool)):
                return f"{leaf!r} is not an integer number of fen (unit {unit})"
        elif unit in NUMBER_UNITS:
            if not _is_number(leaf) or (isinstance(leaf, float) and math.isnan(leaf)):
                return f"{leaf!r} is not a number (unit {unit})"
        elif unit == "date":
            if not isinstance(leaf, dt.date):
                return f"{leaf!r} is not an ISO date (unit date)"
        elif unit == "year_month":
            if not (isinstance(leaf, str) and _YEAR_MONTH.match(leaf)):
                return f"{leaf!r} is not a YYYY-MM month (unit year_month)"
        elif unit == "text" and not isinstance(leaf, str):
            return f"{leaf!r} is not text (unit text)"
    return None


def _bound_problem(bound: Bound | None, value: Any) -> Any:
    """The first numeric leaf outside the bound, or None when all fit."""
    if bound is None:
        return None
    for leaf in _leaves(value):
        if not _is_number(leaf):
            continue
        if (bound.min is not None and leaf < bound.min) or (
            bound.max is not None and leaf > bound.max
        ):
            return leaf
    return None


def _walk(tree: Any, prefix: str, errors: list[str], file: str) -> Iterator[tuple[str, dict]]:
    """Yield (dotted name, node) for every parameter node under a YAML mapping."""
    if not isinstance(tree, dict):
        errors.append(f"{file}: {prefix or '(top)'}: expected a mapping, got {tree!r}")
        return
    for key, sub in tree.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(sub, dict) and any(k in sub for k in (*_VALUE_KEYS, "unit", "reference")):
            yield name, sub
        elif isinstance(sub, dict):
            yield from _walk(sub, name, errors, file)
        else:
            errors.append(
                f"{file}: {name}: {sub!r} is neither a parameter node (with unit, reference "
                "and values) nor a group of them"
            )


def _dated(
    raw: Any,
    *,
    file: str,
    name: str,
    unit: str,
    reference: str,
    references: Mapping,
    source: str,
    errors: list[str],
) -> tuple[DatedValue, ...]:
    """Parse a `values` mapping (date → value) into sorted DatedValues, reporting faults."""
    if not isinstance(raw, dict) or not raw:
        errors.append(f"{file}: {name}: `values` must be a non-empty mapping of date → value")
        return ()
    out: list[DatedValue] = []
    for key, value in raw.items():
        when = _parse_date(key)
        if when is None:
            errors.append(f"{file}: {name}: malformed date key {key!r} (use ISO YYYY-MM-DD)")
            continue
        problem = _unit_problem(unit, value)
        if problem:
            errors.append(f"{file}: {name}: value on {when.isoformat()}: {problem}")
            continue
        ref = reference
        for rk, rv in references.items():
            if _parse_date(rk) == when:
                ref = str(rv)
        out.append(DatedValue(when, _freeze(value), ref, source))
    out.sort(key=lambda d: d.effective_from)
    return tuple(out)


def _parse_bounds(raw: Any, file: str, name: str, errors: list[str]) -> tuple[Bound, ...]:
    """`{min, max}` (from the beginning of time) or `{date: {min, max}, ...}`."""
    if raw is None:
        return ()
    if not isinstance(raw, dict) or not raw:
        errors.append(f"{file}: {name}: `bounds` must be {{min, max}} or date → {{min, max}}")
        return ()
    items = [(dt.date.min, raw)] if set(raw) <= {"min", "max"} else list(raw.items())
    out = []
    for key, spec in items:
        when = key if key == dt.date.min else _parse_date(key)
        if when is None:
            errors.append(f"{file}: {name}: malformed bounds date key {key!r}")
            continue
        if not isinstance(spec, dict) or not set(spec) <= {"min", "max"} or not spec:
            errors.append(f"{file}: {name}: bound {spec!r} must have min and/or max")
            continue
        lo, hi = spec.get("min"), spec.get("max")
        if (lo is not None and not _is_number(lo)) or (hi is not None and not _is_number(hi)):
            errors.append(f"{file}: {name}: bound {spec!r} is not numeric")
            continue
        out.append(Bound(when, lo, hi))
    out.sort(key=lambda b: b.effective_from)
    return tuple(out)


class _Loader(yaml.SafeLoader):
    """Safe YAML, except an impossible date (2020-13-01) stays text for a clear error later."""


def _timestamp(loader: _Loader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def _read_yaml(path: Path, errors: list[str]) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_Loader)  # _Loader is a SafeLoader
    except (yaml.YAMLError, ValueError) as exc:
        errors.append(f"{path}: not valid YAML: {exc}")
        return None


# --------------------------------------------------------------------------- loading


def _load_national(national_dir: Path, errors: list[str]) -> dict[str, ParameterNode]:
    nodes: dict[str, ParameterNode] = {}
    if not national_dir.is_dir():
        errors.append(f"{national_dir}: no national parameter folder")
        return nodes
    for path in sorted(national_dir.glob("*.yaml")):
        tree = _read_yaml(path, errors)
        if tree is None:
            continue
        file = str(path)
        for name, raw in _walk(tree, path.stem, errors, file):
            node = _national_node(name, raw, file, errors)
            if node is not None:
                nodes[name] = node
    for node in nodes.values():
        if node.derived_from is not None:
            src = nodes.get(node.derived_from)
            if src is None or src.derived_from is not None:
                errors.append(
                    f"{node.file}: {node.name}: derived_from names {node.derived_from!r}, "
                    "which is not a stored parameter"
                )
    return nodes


def _national_node(name: str, raw: dict, file: str, errors: list[str]) -> ParameterNode | None:
    before = len(errors)
    unknown = set(raw) - _NODE_KEYS
    if unknown:
        errors.append(f"{file}: {name}: unknown keys {sorted(unknown)}")
    unit, reference = raw.get("unit"), raw.get("reference")
    if not unit:
        errors.append(f"{file}: {name}: missing `unit`")
    elif unit not in UNITS:
        errors.append(f"{file}: {name}: unknown unit {unit!r} (one of {sorted(UNITS)})")
    if not reference or not str(reference).strip():
        errors.append(f"{file}: {name}: missing `reference`")
    if not raw.get("description"):
        errors.append(f"{file}: {name}: missing `description`")
    kinds = [k for k in _VALUE_KEYS if k in raw]
    if len(kinds) != 1:
        errors.append(f"{file}: {name}: needs exactly one of values, by_province, derived_from")
    if len(errors) > before:
        return None
    references = raw.get("references") or {}
    common: dict[str, Any] = {
        "file": file,
        "name": name,
        "unit": unit,
        "reference": str(reference),
        "references": references,
        "errors": errors,
    }
    values: tuple[DatedValue, ...] = ()
    by_province: dict[str, tuple[DatedValue, ...]] | None = None
    derived_from, divide_by = None, None
    if "values" in raw:
        values = _dated(raw["values"], source="national", **common)
    elif "by_province" in raw:
        by_province = {}
        table = raw["by_province"] or {}
        if not isinstance(table, dict):
            errors.append(f"{file}: {name}: `by_province` must map province code → values")
            table = {}
        for code, series in table.items():
            code_s = str(code)
            if code_s not in _PROVINCE_POS:
                errors.append(f"{file}: {name}: by_province names unknown province {code_s!r}")
                continue
            by_province[code_s] = _dated(series, source="national", **common)
    else:
        derived_from = str(raw["derived_from"])
        divide_by = raw.get("divide_by", 1)
        if not _is_number(divide_by) or divide_by == 0:
            errors.append(f"{file}: {name}: divide_by must be a non-zero number")
    bounds = _parse_bounds(raw.get("bounds"), file, name, errors)
    return ParameterNode(
        name=name,
        description=str(raw["description"]),
        unit=unit,
        reference=str(reference),
        file=file,
        values=values,
        by_province=MappingProxyType(by_province) if by_province is not None else None,
        bounds=bounds,
        derived_from=derived_from,
        divide_by=divide_by,
    )


def _check_override_value(
    node: ParameterNode,
    file: str,
    when: dt.date,
    value: Any,
    errors: list[str],
    until: dt.date | None = None,
) -> bool:
    """Unit and national-bound check for one overriding value; report and return False."""
    problem = _unit_problem(node.unit, value)
    if problem:
        errors.append(f"{file}: {node.name}: value on {when.isoformat()}: {problem}")
        return False
    in_force = [node.bound_at(when)] + [
        b
        for b in node.bounds
        if b.effective_from > when and (until is None or b.effective_from <= until)
    ]
    for bound in in_force:
        bad = _bound_problem(bound, value)
        if bad is not None and bound is not None:
            errors.append(
                f"{file}: {node.name}: value {bad!r} on {when.isoformat()} is outside "
                f"the national bound {bound.describe()}"
            )
            return False
    return True


def _load_region_file(
    path: Path, province: str, nodes: Mapping[str, ParameterNode], errors: list[str]
) -> dict[str, tuple[DatedValue, ...]]:
    """Parse and check one province override file against the national nodes."""
    out: dict[str, tuple[DatedValue, ...]] = {}
    tree = _read_yaml(path, errors)
    if tree is None:
        return out
    file = str(path)
    for name, raw in _walk(tree, path.stem, errors, file):
        node = nodes.get(name)
        if node is None:
            errors.append(f"{file}: {name}: unknown parameter (no national node of that name)")
            continue
        if node.derived_from is not None:
            errors.append(
                f"{file}: {name}: is derived from {node.derived_from}; override that instead"
            )
            continue
        unknown = set(raw) - _OVERRIDE_KEYS
        if unknown:
            errors.append(
                f"{file}: {name}: keys {sorted(unknown)} not allowed in an override "
                "(only reference and values; unit and bounds are national)"
            )
            continue
        if not raw.get("reference"):
            errors.append(f"{file}: {name}: missing `reference`")
            continue
        before = len(errors)
        series = _dated(
            raw.get("values"),
            file=file,
            name=name,
            unit=node.unit,
            reference=str(raw["reference"]),
            references=raw.get("references") or {},
            source=f"region {province}",
            errors=errors,
        )
        for i, dv in enumerate(series):
            # A value stays in force until the next one: every bound of that period applies.
            until = (
                series[i + 1].effective_from - dt.timedelta(days=1) if i + 1 < len(series) else None
            )
            _check_override_value(node, file, dv.effective_from, dv.value, errors, until=until)
        if len(errors) == before:
            out[name] = series
    return out


def _load_regions(
    regions_dir: Path, nodes: Mapping[str, ParameterNode], errors: list[str]
) -> dict[str, dict[str, tuple[DatedValue, ...]]]:
    regions: dict[str, dict[str, tuple[DatedValue, ...]]] = {}
    if not regions_dir.is_dir():
        return regions
    for sub in sorted(p for p in regions_dir.iterdir() if p.is_dir()):
        if sub.name not in _PROVINCE_POS:
            errors.append(f"{sub}: folder name is not one of the 31 province codes")
            continue
        merged: dict[str, tuple[DatedValue, ...]] = {}
        for path in sorted(sub.glob("*.yaml")):
            merged.update(_load_region_file(path, sub.name, nodes, errors))
        regions[sub.name] = merged
    return regions


def _load_scenario(
    path: Path, nodes: Mapping[str, ParameterNode], errors: list[str]
) -> tuple[ScenarioOverride, ...]:
    """A scenario: `overrides:` list of {parameter, from, to?, value, reference?}."""
    tree = _read_yaml(path, errors)
    file = str(path)
    if tree is None:
        tree = {}
    if not isinstance(tree, dict):
        errors.append(f"{file}: a scenario file is a mapping with `description` and `overrides`")
        return ()
    default_ref = str(tree.get("reference") or f"scenario {path.stem}")
    out = []
    for i, item in enumerate(tree.get("overrides") or []):
        where = f"{file}: overrides[{i}]"
        if not isinstance(item, dict) or "parameter" not in item or "value" not in item:
            errors.append(f"{where}: needs parameter, from and value")
            continue
        name = str(item["parameter"])
        node = nodes.get(name)
        if node is None:
            errors.append(f"{file}: {name}: unknown parameter (no national node of that name)")
            continue
        if node.derived_from is not None:
            errors.append(f"{file}: {name}: is derived from {node.derived_from}; override that")
            continue
        start, end = _parse_date(item.get("from")), item.get("to")
        end_d = None if end is None else _parse_date(end)
        if start is None or (end is not None and end_d is None):
            errors.append(f"{file}: {name}: malformed from/to date {item.get('from')!r}/{end!r}")
            continue
        if end_d is not None and end_d < start:
            errors.append(f"{file}: {name}: `to` {end_d} is before `from` {start}")
            continue
        if _check_override_value(node, file, start, item["value"], errors, until=end_d):
            ref = str(item.get("reference") or default_ref)
            out.append(ScenarioOverride(name, start, end_d, _freeze(item["value"]), ref))
    return tuple(out)


def _collect(
    root: Path, scenarios_dir: Path | None
) -> tuple[dict[str, ParameterNode], dict, dict, list[str]]:
    errors: list[str] = []
    nodes = _load_national(root / "national", errors)
    regions = _load_regions(root / "regions", nodes, errors)
    scenarios: dict[str, tuple[ScenarioOverride, ...]] = {"baseline": ()}
    if scenarios_dir is not None and scenarios_dir.is_dir():
        for path in sorted(scenarios_dir.glob("*.yaml")):
            scenarios[path.stem] = _load_scenario(path, nodes, errors)
    return nodes, regions, scenarios, errors


def load_parameters(
    root: str | Path | None = None, scenarios: str | Path | None = None
) -> ParameterSet:
    """Load and validate a parameter tree (cached per folder); raise ParameterError on faults.

    `root` holds `national/` and optionally `regions/`; scenarios default to the shipped
    `scenarios/` folder beside the shipped parameters, or `<root>/../scenarios` if present.
    """
    root_p = Path(root).resolve() if root is not None else DEFAULT_ROOT
    if scenarios is not None:
        scen_p: Path | None = Path(scenarios).resolve()
    elif root is None:
        scen_p = DEFAULT_SCENARIOS
    else:
        scen_p = root_p.parent / "scenarios" if (root_p.parent / "scenarios").is_dir() else None
    # Shipped files do not change while running: skip the stat walk on the hot path.
    stamp = () if root is None and scenarios is None else _fingerprint(root_p, scen_p)
    # One load at a time: the first requests a server answers arrive together, and each
    # would otherwise parse every file itself (the cache fills only when a load ends).
    with _LOADING:
        return _load_cached(str(root_p), str(scen_p) if scen_p else None, stamp)


_LOADING = threading.Lock()


def _fingerprint(*dirs: Path | None) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and mtimes of the YAML files: an edited file is reloaded, not served stale."""
    out = []
    for d in dirs:
        if d is not None and d.is_dir():
            for f in sorted(d.rglob("*.yaml")):
                st = f.stat()
                out.append((str(f), st.st_size, st.st_mtime_ns))
    return tuple(out)


@lru_cache(maxsize=16)
def _load_cached(root: str, scenarios: str | None, _stamp: tuple = ()) -> ParameterSet:
    nodes, regions, scen, errors = _collect(Path(root), Path(scenarios) if scenarios else None)
    if errors:
        raise ParameterError("\n".join(errors))
    return ParameterSet(nodes, regions, scen)


def check_region_dir(path: str | Path, national: ParameterSet | None = None) -> list[str]:
    """Every violation in a province folder (or a folder of them), as messages; [] = valid.

    Backs `shebao policy check DIR`: each message names file, parameter, value and bound.
    """
    base = national or load_parameters()
    p = Path(path)
    if not p.is_dir():
        return [f"{p}: not a folder"]
    errors: list[str] = []
    folders = [p] if _REGION.match(p.name) else sorted(x for x in p.iterdir() if x.is_dir())
    if not folders:
        return [f"{p}: no province folders (named by six-digit code) and not one itself"]
    for folder in folders:
        if folder.name not in _PROVINCE_POS:
            errors.append(f"{folder}: folder name is not one of the 31 province codes")
            continue
        files = sorted(folder.glob("*.yaml"))
        if not files:
            errors.append(f"{folder}: no *.yaml override files")
        for f in files:
            _load_region_file(f, folder.name, base.nodes, errors)
    return errors


# --------------------------------------------------------------------------- lookup


def _as_date(on: dt.date | str) -> dt.date:
    if isinstance(on, dt.datetime):
        return on.date()
    if isinstance(on, dt.date):
        return on
    parsed = _parse_date(on)
    if parsed is None:
        raise InputError("date", f"{on!r} is not an ISO date (YYYY-MM-DD)")
    return parsed


def _pick(series: tuple[DatedValue, ...], on: dt.date) -> DatedValue | None:
    i = bisect.bisect_right([d.effective_from for d in series], on)
    return series[i - 1] if i else None


def _round_half_up(x: float) -> int:
    return int(Decimal(repr(x)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class ParameterSet:
    """A validated parameter tree: national nodes, province overrides and scenarios."""

    def __init__(
        self,
        nodes: Mapping[str, ParameterNode],
        regions: Mapping[str, Mapping[str, tuple[DatedValue, ...]]],
        scenarios: Mapping[str, tuple[ScenarioOverride, ...]],
    ) -> None:
        self.nodes: Mapping[str, ParameterNode] = MappingProxyType(dict(nodes))
        self.regions = MappingProxyType({k: MappingProxyType(dict(v)) for k, v in regions.items()})
        self.scenarios = MappingProxyType(dict(scenarios))

    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self.nodes))

    def node(self, name: str) -> ParameterNode:
        try:
            return self.nodes[name]
        except KeyError:
            raise InputError("parameter", f"unknown parameter {name!r}") from None

    def at(
        self, on: dt.date | str, region: str | int | None = None, scenario: str | None = None
    ) -> PolicySnapshot:
        """The rules in force on a date, in a region, under a scenario (None = today's law)."""
        when = _as_date(on)
        province = province_of(region) if region is not None else None
        if scenario is not None and scenario not in self.scenarios:
            raise InputError(
                "scenario", f"unknown scenario {scenario!r} (one of {sorted(self.scenarios)})"
            )
        return PolicySnapshot(
            date=when,
            region=None if region is None else str(region),
            province=province,
            scenario=scenario,
            parameters=self,
        )

    def resolve(
        self,
        name: str,
        on: dt.date,
        province: str | None,
        scenario: str | None,
        region_label: str | None = None,
    ) -> ParameterValue:
        """Value in force: scenario, else the province's override, else the national value."""
        node = self.node(name)
        if node.derived_from is not None:
            try:
                src = self.resolve(node.derived_from, on, province, scenario, region_label)
            except InputError as exc:
                raise InputError(
                    exc.field, f"{name} (derived from {node.derived_from}): {exc.reason}"
                ) from None
            value = src.value / node.divide_by
            if node.unit in MONEY_UNITS:
                value = _round_half_up(value)
            return ParameterValue(
                name,
                value,
                node.unit,
                f"{node.reference}; from {src.name}: {src.reference}",
                src.effective_from,
                src.source,
                node.description,
            )
        for o in self.scenarios.get(scenario or "baseline", ()):
            if o.parameter == name and o.start <= on and (o.end is None or on <= o.end):
                return ParameterValue(
                    name,
                    o.value,
                    node.unit,
                    o.reference,
                    o.start,
                    f"scenario {scenario}",
                    node.description,
                )
        if province is not None:
            regional = self.regions.get(province, {}).get(name)
            hit = _pick(regional, on) if regional else None
            if hit is not None:
                return self._pv(node, hit)
        if node.by_province is not None:
            if province is None:
                raise InputError("region", f"{name} is set per province: give a region")
            series = node.by_province.get(province, ())
            regional = self.regions.get(province, {}).get(name, ())
            hit = _pick(series, on)
            if hit is None:
                label = region_label or province
                if not series and not regional:
                    raise InputError("region", f"no value of {name} for region {label}")
                first = min(d.effective_from for d in (*series, *regional))
                raise InputError(
                    "date",
                    f"no value of {name} for region {label} before {first.isoformat()} "
                    f"(asked for {on.isoformat()})",
                )
            return self._pv(node, hit)
        hit = _pick(node.values, on)
        if hit is None:
            first = node.values[0].effective_from.isoformat()
            raise InputError(
                "date", f"{name} has no value before {first} (asked for {on.isoformat()})"
            )
        return self._pv(node, hit)

    @staticmethod
    def _pv(node: ParameterNode, hit: DatedValue) -> ParameterValue:
        return ParameterValue(
            node.name,
            hit.value,
            node.unit,
            hit.reference,
            hit.effective_from,
            hit.source,
            node.description,
        )

    @lru_cache(maxsize=4096)  # noqa: B019 - sets are few and cached for the process anyway
    def province_array(self, name: str, on: dt.date, scenario: str | None) -> np.ndarray:
        """Dense (31,) float64 array ordered like PROVINCE_CODES; NaN where no value exists."""
        node = self.node(name)
        out = np.full(len(PROVINCE_CODES), np.nan, dtype=np.float64)
        for i, code in enumerate(PROVINCE_CODES):
            try:
                pv = self.resolve(name, on, code, scenario)
            except InputError as exc:
                if node.by_province is None and exc.field != "region":
                    raise
                continue
            if not _is_number(pv.value):
                raise InputError("parameter", f"{name} is not a number: no province array")
            out[i] = pv.value
        out.setflags(write=False)
        return out

    def history(self, name: str, province: str | None = None) -> list[DatedValue]:
        """Every dated value of a parameter: national, then regional (one or all provinces)."""
        node = self.node(name)
        if node.derived_from is not None:
            return self.history(node.derived_from, province)
        rows: list[DatedValue] = []
        provinces = [province] if province else sorted(self.regions)
        if node.by_province is not None:
            for code in [province] if province else sorted(node.by_province):
                rows.extend(
                    DatedValue(d.effective_from, d.value, d.reference, f"national ({code})")
                    for d in node.by_province.get(code, ())
                )
        else:
            rows.extend(node.values)
        for code in provinces:
            rows.extend(self.regions.get(code, {}).get(name, ()))
        for scen, overrides in sorted(self.scenarios.items()):
            rows.extend(
                DatedValue(o.start, o.value, o.reference, f"scenario {scen}", o.end)
                for o in overrides
                if o.parameter == name
            )
        return rows


@dataclass(frozen=True)
class PolicySnapshot:
    """Immutable view of the rules in force on one date, in one region, under one scenario."""

    date: dt.date
    region: str | None
    province: str | None
    scenario: str | None
    parameters: ParameterSet = field(repr=False, compare=False)

    def param(self, name: str, region: str | int | None = None) -> ParameterValue:
        """The value in force with unit, reference, effective date and who set it."""
        province, label = self.province, self.region
        if region is not None:
            province, label = province_of(region), str(region)
        return self.parameters.resolve(name, self.date, province, self.scenario, label)

    def value(self, name: str, region: str | int | None = None) -> Any:
        """Just the value in force (a number, table, date or text)."""
        return self.param(name, region).value

    def province_array(self, name: str) -> np.ndarray:
        """(31,) read-only float64 array by province index; NaN where a province has no value."""
        return self.parameters.province_array(name, self.date, self.scenario)

    def names(self) -> tuple[str, ...]:
        return self.parameters.names()


class Policy:
    """Entry point over the shipped parameters: `Policy.at(date, region, scenario)`."""

    @staticmethod
    def at(
        on: dt.date | str, region: str | int | None = None, scenario: str | None = None
    ) -> PolicySnapshot:
        return load_parameters().at(on, region, scenario)


def describe_parameter(
    name: str,
    date: dt.date | str | None = None,
    region: str | int | None = None,
    *,
    parameters: ParameterSet | None = None,
    scenario: str | None = None,
) -> dict[str, Any]:
    """Backs `shebao policy show PARAM`: value in force, unit, reference and full history."""
    ps = parameters or load_parameters()
    node = ps.node(name)
    snap = ps.at(date if date is not None else dt.date.today(), region, scenario)
    result: dict[str, Any] = {
        "name": name,
        "description": node.description,
        "unit": node.unit,
        "date": snap.date.isoformat(),
        "region": snap.region,
        "scenario": scenario,
        "bounds": [
            {
                "from": None if b.effective_from == dt.date.min else b.effective_from.isoformat(),
                "min": b.min,
                "max": b.max,
            }
            for b in node.bounds
        ],
    }
    try:
        pv = snap.param(name)
        result.update(
            value=to_plain(pv.value),
            reference=pv.reference,
            effective_from=pv.effective_from.isoformat(),
            source=pv.source,
        )
    except InputError as exc:
        result.update(
            value=None, reference=node.reference, effective_from=None, source=None, error=str(exc)
        )
    result["history"] = [
        {
            "effective_from": d.effective_from.isoformat(),
            "effective_to": d.effective_to.isoformat() if d.effective_to else None,
            "value": to_plain(d.value),
            "reference": d.reference,
            "source": d.source,
            "regional": d.source.startswith("region"),
        }
        for d in ps.history(name, snap.province)
    ]
    return result
