"""A `shebao serve` subprocess on loopback that can be killed with SIGKILL and started again.

The secret key is fixed for the server's whole life, so bearer tokens issued before a kill
still work after the restart (they are stored in the database, hashed with it).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

import shebao

START_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """The API serving `database_url` on 127.0.0.1: one worker process, or `workers` of them
    under uvicorn's supervisor (a kill then takes the whole group)."""

    def __init__(self, database_url: str, log: Path, secret_key: str = "reliability",
                 workers: int = 1) -> None:
        self.database_url = database_url
        self.workers = workers
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.secret_key = secret_key
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.kills = 0

    def start(self) -> None:
        """Start the worker and wait until /health answers."""
        source = str(Path(shebao.__file__).resolve().parent.parent)
        env = {
            **os.environ, "SHEBAO_DATABASE_URL": self.database_url,
            "SHEBAO_SECRET_KEY": self.secret_key,
            "PYTHONPATH": os.pathsep.join(filter(None, [source, os.environ.get("PYTHONPATH")])),
        }
        env.pop("SHEBAO_DEMO", None)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "shebao.cli", "serve", "--port", str(self.port),
                 "--workers", str(self.workers), "--no-access-log"],
                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )
        self.starts += 1
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"shebao serve exited with {self.process.returncode}: "
                                   f"see {self.log}")
            try:
                if httpx.get(f"{self.base_url}/health", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"shebao serve did not answer within {START_TIMEOUT_S:.0f} s")

    def kill(self) -> None:
        """SIGKILL to the server's process group (its workers too): no clean-up, no flush,
        requests in flight cut off."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.kills += 1
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
