"""Errors that reach people: each names the field at fault and the reason.

Interfaces turn an `InputError` into HTTP 422 with a JSON body, or a CLI line with exit code 2,
so no bad input ever surfaces as a traceback or a 500.
"""

from __future__ import annotations

from typing import Any


class InputError(ValueError):
    """Input refused at the edge: `field` names what was wrong, `reason` says why, and `line`
    the line of an uploaded file it came from, if any."""

    def __init__(self, field: str, reason: str, line: int | None = None) -> None:
        where = f"line {line}: " if line is not None else ""
        super().__init__(f"{where}{field}: {reason}")
        self.field = field
        self.reason = reason
        self.line = line

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"field": self.field, "reason": self.reason}
        if self.line is not None:
            found["line"] = self.line
        return found


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
