"""The authorization matrix (src/shebao/auth/matrix.yaml) against the running system.

The table says, for every endpoint, the permissions it needs (`[a, b]`: all of them; `{any:
[a, b]}`: one of them), `signed-in` or `public`. The check sends every endpoint a request as
every role, for a record in the account's own province and one in the other, and as nobody:

- a request the table says the account may not make must not be accepted (2xx, or for a form
  post a redirect other than to the sign-in page or home) — each acceptance is a leak;
- a record in the other province must not be shown to a provincial account (404) — a leak too;
- a read the table allows, of a record in the account's own province, must be answered (200)
  — a refusal there is a mismatch between the table and the code;
- no answer, API or page, may carry a person's full identity number (they are masked by
  default; only the reveal route shows one, with a permission and a reason) — a leak too.

Requests carry no body ({} for writes): a role the table refuses must be refused whatever the
body, and nobody's data changes unless the table allows it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import httpx
import yaml
from fastapi import FastAPI
from sqlalchemy import select

from shebao.auth.authz import PERMISSIONS
from shebao.auth.models import Role
from shebao.db.engine import transaction
from shebao.registry.models import Person
from shebao.reliability.harness import Live, live
from shebao.reliability.report import CheckResult

OWN, OTHER = "440000", "510000"
SKIPPED = frozenset({"POST /api/v1/auth/logout", "POST /logout"})
REVEAL = "POST /api/v1/persons/{person_id}/reveal"
"""The one endpoint that answers with a full identity number (a permission and a reason)."""
"""Sign-outs end the very session the check signs in with: the table's row is checked for
coverage only."""
RECORD_PARAMS = ("person_id", "employer_id", "bill_id")
"""Path parameters the check fills with a record of a chosen province."""
FIXED_PARAMS = {"code": OWN, "rule": "pension", "lang": "en"}
NATIONAL = (Role.analyst, Role.admin)


@dataclass(frozen=True)
class Rule:
    """Who may call an endpoint."""

    kind: str  # public | signed-in | all | any | role
    permissions: tuple[str, ...] = ()

    def allows(self, role: Role | None) -> bool:
        if self.kind == "public":
            return True
        if role is None:
            return False
        if self.kind == "signed-in":
            return True
        if self.kind == "role":  # a page for one kind of account (an employer's own pages)
            return role.value in self.permissions
        held = [role in PERMISSIONS[p] for p in self.permissions]
        return all(held) if self.kind == "all" else any(held)


def _rule(value: Any) -> Rule:
    if value in ("public", "signed-in"):
        return Rule(value)
    if isinstance(value, list):
        return Rule("all", tuple(value))
    if isinstance(value, dict) and set(value) == {"any"}:
        return Rule("any", tuple(value["any"]))
    if isinstance(value, dict) and set(value) == {"role"}:
        return Rule("role", tuple(value["role"]))
    raise ValueError(f"matrix: cannot read {value!r}")


@cache
def matrix() -> dict[str, Rule]:
    """The table, by "METHOD /path"."""
    text = (files("shebao.auth") / "matrix.yaml").read_text(encoding="utf-8")
    return {endpoint: _rule(value) for endpoint, value in yaml.safe_load(text).items()}


def endpoints(app: FastAPI) -> list[str]:
    """Every endpoint of the app as "METHOD /path" (HEAD aside), routers included."""
    found: list[str] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:  # a router included by reference (FastAPI >= 0.120)
                walk(inner.routes)
                continue
            for method in sorted(getattr(route, "methods", None) or ()):
                if method != "HEAD":
                    found.append(f"{method} {route.path}")

    walk(app.routes)
    return found


def coverage_problems(app: FastAPI) -> list[str]:
    """Endpoints without a row, rows without an endpoint, permissions that do not exist."""
    table, present = matrix(), set(endpoints(app))
    problems = [f"{e}: no row in auth/matrix.yaml" for e in sorted(present - set(table))]
    problems += [f"{e}: a row for no endpoint" for e in sorted(set(table) - present)]
    problems += [f"{e}: unknown permission {p}" for e, rule in table.items()
                 if rule.kind != "role" for p in rule.permissions if p not in PERMISSIONS]
    problems += [f"{e}: unknown role {r}" for e, rule in table.items()
                 if rule.kind == "role" for r in rule.permissions if r not in Role.__members__]
    return problems


def _records(system: Live, province: str) -> dict[str, int]:
    world = system.world
    bill = next(b for b in world.bills if b.province == province)
    return {"person_id": world.persons[province][0], "employer_id": world.employers[province][0],
            "bill_id": bill.id}


def _path(template: str, records: dict[str, int]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1).split(":")[0]
        return str(records.get(name, FIXED_PARAMS.get(name, 1)))

    return re.sub(r"\{([^}]+)\}", fill, template)


def _accepted(response: httpx.Response) -> bool:
    """2xx; or, to a form post, a redirect anywhere but to the sign-in page or home (a page
    refuses so; a page read redirected is navigation: the target has its own row)."""
    if response.status_code < 300:
        return True
    if response.request.method == "GET" or not 300 <= response.status_code < 400:
        return False
    return httpx.URL(response.headers.get("location", "")).path not in ("/", "/login")


def identity_numbers(url: str) -> frozenset[str]:
    """Every full identity number in the database, to look for in answers."""
    with transaction(url) as db:
        return frozenset(db.scalars(select(Person.identity_number)))


def unmasked(numbers: frozenset[str], text: str) -> int:
    """How many of `numbers` appear in full in `text`."""
    found = set(re.findall(r"[0-9]{17}[0-9Xx]", text))
    return len(found & numbers)


def _probe(system: Live, http: httpx.Client, result: CheckResult) -> None:
    own, other = _records(system, OWN), _records(system, OTHER)
    numbers = identity_numbers(system.url)
    users: list[tuple[Role | None, dict[str, str]]] = [(None, {})] + [
        (role, system.as_role(role.value, OWN)) for role in Role]
    for endpoint, rule in matrix().items():
        if endpoint in SKIPPED:
            continue
        method, template = endpoint.split(" ", 1)
        params = set(re.findall(r"\{([^}:]+)", template))
        scoped = params & set(RECORD_PARAMS)
        for role, headers in users:
            places = [("own", own)] + ([("other", other)] if scoped else [])
            for place, records in places:
                response = http.request(method, _path(template, records), headers=headers,
                                        json={} if method != "GET" else None)
                result.operations += 1
                if response.status_code >= 500:
                    result.server_errors += 1
                    result.problems.append(f"{endpoint} as {role}: {response.status_code}")
                    continue
                who = role.value if role else "nobody"
                shown = unmasked(numbers, response.text) if endpoint != REVEAL else 0
                if shown:
                    result.leaked += shown
                    result.problems.append(f"{endpoint} showed {who} {shown} full identity "
                                           "number(s)")
                if _accepted(response) and not rule.allows(role):
                    result.leaked += 1
                    result.problems.append(f"{endpoint} let {who} in ({response.status_code}) "
                                           "against the table")
                elif (_accepted(response) and place == "other" and role is not None
                      and role not in NATIONAL):
                    result.leaked += 1
                    result.problems.append(f"{endpoint} showed {who} a record of another "
                                           f"province ({response.status_code})")
                elif (method == "GET" and place == "own" and rule.allows(role)
                      and response.status_code == 403):
                    result.problems.append(f"{endpoint} refused {who} (403) though the table "
                                           "allows it")


def authz_check(backend: str, log_dir: Path | None = None) -> CheckResult:
    started = time.monotonic()
    from shebao.api.app import create_app

    result = CheckResult(name=f"authz/{backend}", tried="")
    result.problems.extend(coverage_problems(create_app()))
    with live(backend, "authz", log_dir) as system, httpx.Client(
            base_url=system.server.base_url, timeout=30.0) as http:
        _probe(system, http, result)
    result.tried = (f"{len(matrix())} endpoints x {len(Role)} roles + nobody, own and other "
                    "province")
    result.seconds = time.monotonic() - started
    return result
