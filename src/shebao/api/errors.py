"""Every refusal is a JSON body naming the field and the reason, never a traceback or a 500."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from shebao.auth.authz import Forbidden, NotFound
from shebao.errors import InputError, InputErrors, from_validation_errors


def install_error_handlers(app: FastAPI) -> None:
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

    @app.exception_handler(NotFound)
    async def _not_found(_request: Request, _exc: NotFound) -> JSONResponse:
        return JSONResponse({"detail": "not found"}, status_code=404)

    @app.exception_handler(Forbidden)
    async def _forbidden(_request: Request, exc: Forbidden) -> JSONResponse:
        return JSONResponse(
            {"detail": f"your role does not allow {exc.args[0]}"}, status_code=403
        )

