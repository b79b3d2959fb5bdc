"""Every refusal is a JSON body naming the field and the reason, never a traceback or a 500."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from shebao.auth.authz import Forbidden, NotFound
from shebao.errors import InputError, InputErrors

log = logging.getLogger("shebao.api")


def _field(loc: tuple[object, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or "request"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field(tuple(e.get("loc", ()))), "reason": _reason(e)} for e in exc.errors()
        ]
        return JSONResponse({"detail": "invalid input", "errors": errors}, status_code=422)

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

    @app.exception_handler(NotFound)
    async def _not_found(_request: Request, _exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": "not found"}, status_code=404)

    @app.exception_handler(Forbidden)
    async def _forbidden(_request: Request, exc: Forbidden) -> JSONResponse:
        return JSONResponse(
            {"detail": f"your role does not allow {exc.args[0]}"}, status_code=403
        )


def _reason(error: dict) -> str:
    """Pydantic's message, unwrapped when it came from one of our own validators."""
    ctx = error.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, InputError):
        return cause.reason
    message = str(error.get("msg", "invalid"))
    return message.removeprefix("Value error, ")
