"""A JSON answer from a model the handler has already built and validated.

FastAPI validates a returned model once more against the route's response model, in a worker
thread when the handler is a plain `def`: a hop and a validation per request. A route on a hot
path returns this instead and names its model in `response_model` for the API's schema.
"""

from __future__ import annotations

from fastapi import Response
from pydantic import BaseModel


def model_response(model: BaseModel, status_code: int = 200) -> Response:
    return Response(model.model_dump_json(), status_code=status_code,
                    media_type="application/json")
