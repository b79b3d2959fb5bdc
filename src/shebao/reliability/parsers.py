"""Parsers fuzzed with Hypothesis: identity numbers, credit codes, declaration files, transfer
applications and medical claims (as JSON and as files). Whatever the input, the answer is a
result or a refusal naming the field and the reason: an `InputError` in-process, a 422 with
`errors: [{field, reason}]` over HTTP; never another exception, never a 5xx.

Examples are derandomized (the same inputs every run) and bounded per parser.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shebao.benefits.medical import service as medical
from shebao.errors import InputError
from shebao.registry.identifiers import (
    describe,
    make_credit_code,
    make_resident_id,
    parse_credit_code,
    parse_resident_id,
)
from shebao.reliability.harness import Live, live
from shebao.reliability.report import CheckResult

VALID_ID = make_resident_id("440306", date(1985, 3, 9), 22)
VALID_CODE = make_credit_code("440306", "MA5F3K2L8")


def _mutated(valid: str) -> st.SearchStrategy[str]:
    """A valid value with one character replaced, dropped or added: near misses."""
    return st.tuples(st.integers(0, len(valid)), st.characters(), st.sampled_from("rda")).map(
        lambda t: valid[:t[0]] + (t[1] if t[2] != "d" else "")
        + valid[t[0] + (1 if t[2] != "a" else 0):])


IDENTIFIERS = st.one_of(st.text(max_size=24), _mutated(VALID_ID), _mutated(VALID_CODE),
                        st.just(VALID_ID.lower()),
                        st.from_regex(r"[0-9]{17}[0-9Xx]", fullmatch=True))
CELL = st.one_of(st.text(max_size=20), st.integers(-10**16, 10**16).map(str),
                 st.floats(allow_nan=True).map(str), st.just(VALID_ID), st.just(""))
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**63), st.text(max_size=12),
                   st.floats(allow_nan=False, allow_infinity=False), st.dates().map(str))
"""Any JSON scalar (JSON has no NaN or infinity)."""


def _csv(header: str, columns: int) -> st.SearchStrategy[str]:
    rows = st.lists(st.lists(CELL, min_size=max(0, columns - 1), max_size=columns + 1)
                    .map(lambda cells: ",".join(cells)), max_size=6)
    return st.one_of(
        st.text(max_size=200),
        st.tuples(st.sampled_from([header, "\ufeff" + header, header.upper()]), rows)
        .map(lambda t: "\n".join([t[0], *t[1]])),
    )


def _refused_clearly(error: InputError) -> None:
    assert error.field and error.reason, f"a refusal without field or reason: {error!r}"


def _local(parse: Callable[[Any], object]) -> Callable[[Any], None]:
    def probe(value: Any) -> None:
        try:
            parse(value)
        except InputError as error:
            _refused_clearly(error)

    return probe


def _medical_csv(text: str) -> None:
    _rows, unread = medical.read_csv(text)
    for error in unread:
        _refused_clearly(error)


class ServerError(AssertionError):
    """A 5xx answer."""


def _answered(response: httpx.Response) -> None:
    if response.status_code >= 500:
        raise ServerError(f"{response.status_code}: {response.text[:300]}")
    if response.status_code == 422:
        errors = response.json().get("errors")
        assert errors and all(e.get("field") and e.get("reason") for e in errors), response.text


def _run(result: CheckResult, name: str, strategy: st.SearchStrategy[Any],
         probe: Callable[[Any], None], examples: int) -> None:
    """Up to `examples` inputs through `probe`; the first failure (shrunk) is a problem."""
    count = 0

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
    @given(strategy)
    def holds(value: Any) -> None:
        nonlocal count
        count += 1
        probe(value)

    try:
        holds()
    except Exception as failure:  # the shrunk counter-example, reported
        notes = " ".join(getattr(failure, "__notes__", []))
        result.problems.append(f"{name}: {type(failure).__name__}: {failure} {notes}"[:600])
        result.server_errors += isinstance(failure, ServerError)
    result.operations += count


def _over_http(system: Live, http: httpx.Client, result: CheckResult, examples: int) -> None:
    clerk = system.as_role("clerk")
    employer = system.world.employers["440000"][0]
    person = system.world.persons["440000"][0]

    def declaration(case: tuple[str, str]) -> None:
        month, text = case
        _answered(http.post("/api/v1/contributions/declarations/csv", headers=clerk,
                            data={"employer_id": str(employer), "month": month},
                            files={"file": ("wages.csv", text.encode("utf-8", "surrogatepass"),
                                            "text/csv")}))

    months = st.one_of(st.sampled_from(["2025-08", "2025-09", "2025-13", "2025-7", ""]),
                       st.text(max_size=8))
    _run(result, "declaration files", st.tuples(months, _csv("identity_number,wage_fen", 2)),
         declaration, examples)

    transfer = st.fixed_dictionaries(
        {"person_id": st.one_of(st.just(person), SCALAR)},
        optional={"destination_province": st.one_of(st.sampled_from(["510000", "440000"]),
                                                    SCALAR),
                  "destination_region": st.one_of(st.just("510104"), SCALAR),
                  "source_province": SCALAR, "extra": SCALAR})
    _run(result, "transfer applications", transfer,
         lambda body: _answered(http.post("/api/v1/transfers", headers=clerk, json=body)),
         examples)

    item = st.fixed_dictionaries({"item_code": SCALAR, "quantity": SCALAR,
                                  "unit_price_fen": SCALAR})
    claim = st.fixed_dictionaries(
        {"claim_no": SCALAR, "identity_number": st.one_of(st.just(VALID_ID), SCALAR),
         "kind": st.one_of(st.sampled_from(["outpatient", "inpatient"]), SCALAR),
         "admission_date": SCALAR, "discharge_date": SCALAR, "diagnosis": SCALAR,
         "items": st.lists(item, max_size=3)})
    submission = st.fixed_dictionaries({"hospital_id": st.one_of(st.just(employer), SCALAR),
                                        "claims": st.lists(claim, max_size=2)})
    _run(result, "medical claims", submission,
         lambda body: _answered(http.post("/api/v1/medical/claims", headers=clerk, json=body)),
         examples)


def parsers_check(backend: str = "sqlite", examples: int = 200,
                  log_dir: Path | None = None) -> CheckResult:
    """`examples` inputs for each in-process parser, a third as many for each HTTP one."""
    started = time.monotonic()
    result = CheckResult(name=f"parsers/{backend}", tried="")
    _run(result, "identity numbers", IDENTIFIERS, _local(parse_resident_id), examples)
    _run(result, "credit codes", IDENTIFIERS, _local(parse_credit_code), examples)
    _run(result, "identifier descriptions", IDENTIFIERS, _local(describe), examples)
    _run(result, "medical claim files", _csv(",".join(medical.CSV_HEADER),
                                             len(medical.CSV_HEADER)),
         _local(_medical_csv), examples)
    with live(backend, "parsers", log_dir) as system, httpx.Client(
            base_url=system.server.base_url, timeout=30.0) as http:
        _over_http(system, http, result, max(10, examples // 3))
    result.tried = (f"Hypothesis: 4 parsers x {examples} inputs, 3 HTTP payloads x "
                    f"{max(10, examples // 3)}")
    result.seconds = time.monotonic() - started
    return result
