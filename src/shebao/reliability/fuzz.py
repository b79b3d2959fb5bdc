"""Every API endpoint fuzzed from the OpenAPI spec with schemathesis, once per role.

For each operation and role, a bounded number of generated requests: no answer may be a 5xx,
none may break its documented response schema, and none may be accepted (2xx) when the
authorization matrix (auth/matrix.yaml) says the role may not call the endpoint, and none may
carry a full identity number (but the reveal route's, which needs a permission and a reason).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from shebao.auth.models import Role
from shebao.reliability.authz import REVEAL, SKIPPED, identity_numbers, matrix, unmasked
from shebao.reliability.harness import Live, live
from shebao.reliability.report import CheckResult


def _fuzz(system: Live, operation: Any, role: Role, examples: int, result: CheckResult,
          numbers: frozenset[str]) -> None:
    endpoint = f"{operation.method.upper()} {operation.path}"
    rule = matrix()[endpoint]
    headers = system.as_role(role.value)
    base = system.server.base_url

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate],
              report_multiple_bugs=False)
    @given(operation.as_strategy())
    def holds(case: Any) -> None:
        response = case.call(base_url=base, headers=headers, timeout=30)
        result.operations += 1
        if response.status_code >= 500:
            result.server_errors += 1
        if 200 <= response.status_code < 300 and not rule.allows(role):
            result.leaked += 1
            raise AssertionError(f"accepted ({response.status_code}) against the matrix")
        shown = unmasked(numbers, response.text) if endpoint != REVEAL else 0
        if shown:
            result.leaked += shown
            raise AssertionError(f"{shown} full identity number(s) in the answer")
        case.validate_response(response, checks=[not_a_server_error,
                                                 response_schema_conformance])

    try:
        holds()
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as failure:  # the first failing case, shrunk (may be a group)
        result.problems.append(f"{endpoint} as {role.value}: {type(failure).__name__}: "
                               f"{str(failure)[:400]}")


def fuzz_check(backend: str = "sqlite", examples: int = 3, roles: tuple[Role, ...] = tuple(Role),
               log_dir: Path | None = None) -> CheckResult:
    started = time.monotonic()
    result = CheckResult(name=f"fuzz/{backend}", tried="")
    with live(backend, "fuzz", log_dir) as system:
        schema = schemathesis.openapi.from_url(f"{system.server.base_url}/openapi.json")
        operations = [found.ok() for found in schema.get_all_operations()]
        operations = [op for op in operations
                      if f"{op.method.upper()} {op.path}" not in SKIPPED]
        numbers = identity_numbers(system.url)
        for operation in operations:
            for role in roles:
                _fuzz(system, operation, role, examples, result, numbers)
    result.tried = (f"schemathesis: {len(operations)} operations x {len(roles)} roles x "
                    f"<= {examples} examples")
    result.seconds = time.monotonic() - started
    return result
