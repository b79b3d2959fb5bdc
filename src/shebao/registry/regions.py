"""Administrative regions (GB/T 2260 codes) as shipped in ``shebao/data/regions.csv``.

Every record in shebao carries a six-digit region code: where a person is registered, where an
employer contributes, which pool pays. This module is the one place that knows what those codes
mean, how they nest (county -> city -> province) and which province owns which slot in the dense
per-province parameter arrays.

The table holds all 31 provincial-level divisions and, for now, every prefecture and county of
Guangdong and Sichuan; see ``data/README.md`` for the source and the gaps.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal, cast

from shebao.errors import InputError

Level = Literal["province", "city", "county"]

NATION = "000000"
"""Scope code meaning the whole nation: contains every region."""

_FIELD = "region_code"
_LEVELS: tuple[Level, ...] = ("province", "city", "county")


@dataclass(frozen=True)
class Region:
    """One administrative division: its code, names, and level in the hierarchy."""

    code: str
    name_zh: str
    name_en: str
    level: Level

    @property
    def province_code(self) -> str:
        """Code of the provincial-level division this region belongs to (itself if a province)."""
        return self.code[:2] + "0000"

    @property
    def parent_code(self) -> str | None:
        """Code of the division directly above, or None for a province.

        Derived from the code: a county's parent is the city sharing its first four digits when
        that city exists (440106 -> 440100), otherwise the province. That covers counties governed
        directly by a province (419001 Jiyuan) and municipal districts such as Beijing's 1101xx,
        whose placeholder "市辖区" rows are not regions.
        """
        return _parent_code(self.code, self.level)


def _parent_code(code: str, level: Level) -> str | None:
    if level == "province":
        return None
    province = code[:2] + "0000"
    if level == "city":
        return province
    city = code[:4] + "00"
    return city if city in _table() else province


@cache
def _table() -> dict[str, Region]:
    """Load the CSV once; keyed by code, in code order."""
    text = resources.files("shebao").joinpath("data/regions.csv").read_text(encoding="utf-8")
    rows: dict[str, Region] = {}
    for row in csv.DictReader(io.StringIO(text)):
        level = row["level"]
        if level not in _LEVELS:
            raise RuntimeError(f"regions.csv: bad level {level!r} for {row['code']}")
        rows[row["code"]] = Region(row["code"], row["name_zh"], row["name_en"], cast(Level, level))
    return dict(sorted(rows.items()))


@cache
def _province_codes() -> tuple[str, ...]:
    return tuple(code for code, r in _table().items() if r.level == "province")


def _check_format(code: object) -> str:
    """Refuse anything that is not six ASCII digits, naming the bad value."""
    if not isinstance(code, str):
        raise InputError(_FIELD, f"must be a string of 6 digits, got {type(code).__name__}")
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        raise InputError(_FIELD, f"must be 6 digits, got {code!r}")
    return code


def get_region(code: str) -> Region:
    """Look a code up, refusing malformed or unknown codes with a field-named InputError."""
    region = _table().get(_check_format(code))
    if region is None:
        raise InputError(_FIELD, f"unknown region code {code}")
    return region


def is_region(code: object) -> bool:
    """True when `code` names a region in the table; never raises."""
    return isinstance(code, str) and code in _table()


def all_regions() -> list[Region]:
    """Every region, sorted by code."""
    return list(_table().values())


def provinces() -> list[Region]:
    """The 31 provincial-level divisions, sorted by code."""
    return [_table()[c] for c in _province_codes()]


def children(code: str) -> list[Region]:
    """Regions directly below `code` (the provinces for the nation scope "000000")."""
    if _check_format(code) == NATION:
        return provinces()
    get_region(code)
    return [r for r in _table().values() if r.parent_code == code]


def ancestors(code: str) -> list[Region]:
    """Regions above `code`, nearest first (a county's city, then its province)."""
    region = get_region(code)
    chain: list[Region] = []
    parent = region.parent_code
    while parent is not None:
        above = _table()[parent]
        chain.append(above)
        parent = above.parent_code
    return chain


def is_within(code: str, scope: str) -> bool:
    """True when `code` equals `scope` or lies below it; "000000" contains everything.

    `scope` must be the nation or a known region. `code` need only be well formed: a code missing
    from the table (another province's county, an abolished code) is placed by its digits, so a
    supervisor's scope still covers records that carry it.
    """
    _check_format(code)
    if _check_format(scope) == NATION:
        return True
    scope_region = get_region(scope)
    if code == scope:
        return True
    known = _table().get(code)
    if known is not None:
        return any(a.code == scope for a in ancestors(code))
    if scope_region.level == "province":
        return code[:2] == scope[:2]
    if scope_region.level == "city":
        return code[:4] == scope[:4] and code[4:] != "00"
    return False


def scope_prefix(scope: str) -> str:
    """The code prefix of everything within `scope`, for database queries (LIKE 'prefix%').

    It agrees with `is_within` for every scope a staff account can hold: the nation (""),
    a province (two digits), a city (four) or a county (all six).
    """
    if _check_format(scope) == NATION:
        return ""
    level = get_region(scope).level
    return scope[:2] if level == "province" else scope[:4] if level == "city" else scope


def counties_of(code: str) -> list[Region]:
    """All county-level divisions below a province or city ("000000": all in the table)."""
    if _check_format(code) == NATION:
        return [r for r in _table().values() if r.level == "county"]
    region = get_region(code)
    if region.level == "county":
        raise InputError(_FIELD, f"{code} is a county; counties_of needs a province or city")
    return [r for r in _table().values() if r.level == "county" and is_within(r.code, code)]
