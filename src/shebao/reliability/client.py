"""HTTP helpers shared by the checks: sign in, and send one request until it is answered."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx

from shebao.reliability.world import PASSWORD

RETRY_PAUSE_S = 0.05
ENTRIES = "/api/v1/ledger/entries"
"""Where postings go (POST, with an Idempotency-Key header)."""


def sign_in(base_url: str, username: str) -> dict[str, str]:
    """A bearer header for `username` (the world's password)."""
    answer = httpx.post(f"{base_url}/api/v1/auth/token",
                        json={"username": username, "password": PASSWORD}, timeout=30)
    answer.raise_for_status()
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@dataclass
class Answer:
    """The first definite answer to a request (None when the deadline passed without one)."""

    status: int | None
    body: Any
    attempts: int
    server_errors: int


async def until_answered(
    http: httpx.AsyncClient, method: str, url: str, deadline: float, *,
    headers: dict[str, str], json: Any = None,
) -> Answer:
    """Send the same request (same body, same idempotency key) until the server answers with
    anything but a 5xx, or until `deadline` (time.monotonic()). A cut connection — the worker
    was killed — and a 5xx are retried; a 5xx is also counted."""
    attempts = server_errors = 0
    while time.monotonic() < deadline:
        attempts += 1
        try:
            response = await http.request(method, url, headers=headers, json=json)
        except httpx.TransportError:
            await asyncio.sleep(RETRY_PAUSE_S)
            continue
        if response.status_code >= 500:
            server_errors += 1
            await asyncio.sleep(RETRY_PAUSE_S)
            continue
        try:
            body = response.json()
        except ValueError:
            body = response.text
        return Answer(response.status_code, body, attempts, server_errors)
    return Answer(None, None, attempts, server_errors)
