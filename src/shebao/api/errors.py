"""Every refusal is a JSON body naming the field and the reason, never a traceback or a 500."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError

from shebao.auth.authz import Forbidden, NotFound
from shebao.errors import InputError, InputErrors, from_validation_errors

REFUSAL_SCHEMA = {
    "title": "Refusal",
    "type": "object",
    "required": ["detail", "errors"],
    "properties": {
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object",
            "required": ["field", "reason"],
            "properties": {"field": {"type": "string"}, "reason": {"type": "string"},
                           "line": {"type": "integer"}},
        }},
    },
}
"""The body of every 422, as the handlers below write it."""


def _document_refusals(app: FastAPI) -> None:
    """FastAPI documents its own 422 body (`detail` a list); shebao's is REFUSAL_SCHEMA: the
    spec says so, so that clients and schema checks read the refusals shebao sends."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = generate()
            schemas = spec.get("components", {}).get("schemas", {})
            if "HTTPValidationError" in schemas:
                schemas["HTTPValidationError"] = REFUSAL_SCHEMA
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def install_error_handlers(app: FastAPI) -> None:
    _document_refusals(app)
    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = from_validation_errors(list(exc.errors())).errors
        return JSONResponse(
            {"detail": "invalid input", "errors": [e.as_dict() for e in errors]}, status_code=422
        )

    @app.exception_handler(InputError)
    async def _input(_request: Request, exc: InputError) -> JSONResponse:
        return JSONResponse(
            {"detail": "invalid input", "errors": [exc.as_dict()]}, status_code=422
        )

    @app.exception_handler(InputErrors)
    async def _inputs(_request: Request, exc: InputErrors) -> JSONResponse:
        return JSONResponse(
            {"detail": "invalid input", "errors": [e.as_dict() for e in exc.errors]},
            status_code=422,
        )

    @app.exception_handler(DataError)
    async def _does_not_fit(_request: Request, exc: DataError) -> JSONResponse:
        """A value the database cannot hold (an id past its integer type, text past its
        column's length) is bad input like any other; the transaction is rolled back."""
        reason = str(exc.orig).splitlines()[0] if exc.orig else "a value does not fit"
        return JSONResponse({"detail": "invalid input",
                             "errors": [{"field": "request", "reason": reason}]},
                            status_code=422)

    @app.exception_handler(NotFound)
    async def _not_found(_request: Request, _exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": "not found"}, status_code=404)

    @app.exception_handler(Forbidden)
    async def _forbidden(_request: Request, exc: Forbidden) -> JSONResponse:
        return JSONResponse(
            {"detail": f"your role does not allow {exc.args[0]}"}, status_code=403
        )

