"""Projection scenarios: a policy scenario plus economic and coverage assumptions.

Each scenario is `policy/projection/<name>.yaml`: `policy_scenario` names the rules
(`policy/scenarios/`), `extends` another projection scenario, and `assumptions` are nodes with a
value, a unit and a reference. A dated value (a mapping of years) holds from its year to the
next; `linear` assumptions (urbanization, coverage) are interpolated between their years.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray

from shebao.errors import InputError

LINEAR = frozenset({"urbanization", "coverage"})


def _directory() -> Any:
    return resources.files("shebao").joinpath("policy/projection")


def scenario_names() -> list[str]:
    """Every projection scenario shipped, sorted."""
    return sorted(p.name[:-5] for p in _directory().iterdir() if p.name.endswith(".yaml"))


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    policy_scenario: str
    assumptions: dict[str, dict[str, Any]]  # name → {value, unit, reference}

    def with_values(self, values: dict[str, Any]) -> Scenario:
        """The same scenario with some assumptions' values replaced (names must exist)."""
        if not values:
            return self
        unknown = set(values) - set(self.assumptions)
        if unknown:
            raise InputError("values", f"unknown assumption(s): {', '.join(sorted(unknown))}")
        changed = {
            k: {**node, "value": values.get(k, node["value"])}
            for k, node in self.assumptions.items()
        }
        return replace(self, assumptions=changed)

    def value(self, name: str) -> Any:
        return self.assumptions[name]["value"]

    def path(self, name: str, years: NDArray[np.int64]) -> NDArray[np.float64]:
        """A dated assumption as one value per year (step or linear, see the module doc)."""
        raw = self.value(name)
        if not isinstance(raw, dict):
            return np.full(years.shape, float(raw))
        keys = np.array(sorted(int(k) for k in raw), dtype=np.int64)
        vals = np.array([float(raw[k]) for k in sorted(raw, key=int)])
        if name in LINEAR:
            return np.interp(years, keys, vals)
        pos = np.searchsorted(keys, years, side="right") - 1
        return vals[np.clip(pos, 0, len(vals) - 1)]


@lru_cache(maxsize=16)
def load_scenario(name: str) -> Scenario:
    """The scenario with its `extends` chain applied; an unknown name is an InputError."""
    if name not in scenario_names():
        raise InputError(
            "scenario", f"unknown scenario {name!r}; known: {', '.join(scenario_names())}"
        )
    raw = yaml.safe_load(_directory().joinpath(f"{name}.yaml").read_text(encoding="utf-8"))
    assumptions: dict[str, dict[str, Any]] = {}
    if raw.get("extends"):
        assumptions.update(load_scenario(raw["extends"]).assumptions)
    for key, node in (raw.get("assumptions") or {}).items():
        if not {"value", "unit", "reference"} <= set(node):
            raise ValueError(f"{name}.yaml: assumption {key} needs value, unit and reference")
        assumptions[key] = node
    return Scenario(name, raw["description"], raw["policy_scenario"], assumptions)
