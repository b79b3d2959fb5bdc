"""A live system for a check: a scratch database with the checks' world in it, a `shebao
serve` worker over it, and a bearer header for every account of the world."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from shebao.db.engine import get_engine
from shebao.reliability.client import sign_in
from shebao.reliability.database import scratch_database
from shebao.reliability.server import Server
from shebao.reliability.world import World, build


@dataclass
class Live:
    url: str
    world: World
    server: Server
    headers: dict[str, dict[str, str]]
    """Authorization header by username."""

    def as_role(self, role: str, province: str = "440000") -> dict[str, str]:
        return self.headers[self.world.users[(role, province)]]


@contextmanager
def live(backend: str, name: str, log_dir: Path | None = None,
         workers: int = 1) -> Iterator[Live]:
    """The world on a scratch `backend` database, served by `workers` processes; the log is
    <log_dir or the temporary folder>/shebao-<name>-<backend>-<pid>.log."""
    with scratch_database(backend) as url:
        world = build(url)
        get_engine(url).dispose()  # the worker is the only one writing from now on
        log = Path(log_dir or tempfile.gettempdir()) / f"shebao-{name}-{backend}-{os.getpid()}.log"
        with Server(url, log, workers=workers) as server:
            headers = {user: sign_in(server.base_url, user) for user in set(world.users.values())}
            yield Live(url, world, server, headers)
