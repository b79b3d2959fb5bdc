"""Errors that reach people: each names the field at fault and the reason.

Interfaces turn an `InputError` into HTTP 422 with a JSON body, or a CLI line with exit code 2,
so no bad input ever surfaces as a traceback or a 500.
"""

from __future__ import annotations


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
