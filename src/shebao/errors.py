"""Errors that reach people: each names the field at fault and the reason.

Interfaces turn an `InputError` into HTTP 422 with a JSON body, or a CLI line with exit code 2,
so no bad input ever surfaces as a traceback or a 500.
"""

from __future__ import annotations

from typing import Any


class InputError(ValueError):
    """Input refused at the edge: `field` names what was wrong, `reason` says why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "reason": self.reason}


class InputErrors(ValueError):
    """Several input errors reported together, e.g. every bad row of an uploaded file."""

    def __init__(self, errors: list[InputError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


_LOCATIONS = frozenset({"body", "query", "path", "header", "cookie"})


def from_validation_errors(errors: list[dict[str, Any]]) -> InputErrors:
    """Pydantic's error list as field-named input errors.

    A check across fields (no location of its own) names its field by starting its message
    with "field: ".
    """
    found: list[InputError] = []
    for error in errors:
        field = ".".join(str(p) for p in error.get("loc", ()) if p not in _LOCATIONS)
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, InputError):
            found.append(InputError(field or cause.field, cause.reason))
            continue
        reason = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        named, sep, rest = reason.partition(": ")
        if sep and named.replace(".", "_").isidentifier():
            field, reason = ".".join(p for p in (field, named) if p), rest
        found.append(InputError(field or "request", reason))
    return InputErrors(found)
