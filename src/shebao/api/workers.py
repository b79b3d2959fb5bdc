"""Several server processes on one port, each with a listening socket of its own.

With one shared socket, a burst of new connections goes to whichever process wakes first,
and keep-alive connections stay where they landed: 16 connections opened at once to 2
workers went 15/1, 16/0, 14/2, 16/0, 16/0, 16/0 in six trials (benchmarks/README.md), the
busier process held to one core by its interpreter lock while the other idled. With
`SO_REUSEPORT` the kernel hands each new connection to one of the sockets by a hash of its
addresses, independently of which process is awake.

The parent only supervises: it starts the workers, starts a worker again if one dies, and
stops them all on SIGINT or SIGTERM.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import time
from types import FrameType

log = logging.getLogger("shebao.serve")

APP = "shebao.api.app:create_app"
BACKLOG = 2048
RESTART_PAUSE_SECONDS = 1.0  # a worker that dies at once is not restarted in a tight loop


def _bound(host: str, port: int, shared: bool) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def shared_socket(host: str, port: int) -> socket.socket:
    """A socket listening on (host, port) that shares the port with the other workers'."""
    sock = _bound(host, port, shared=True)
    sock.listen(BACKLOG)
    return sock


def _worker(host: str, port: int, access_log: bool) -> None:
    import uvicorn

    sock = shared_socket(host, port)
    config = uvicorn.Config(APP, factory=True, log_level="info", access_log=access_log)
    uvicorn.Server(config).run(sockets=[sock])


def serve_workers(host: str, port: int, workers: int, access_log: bool) -> None:
    """Run `workers` server processes until SIGINT or SIGTERM."""
    # The port must be free, also of another server's shared sockets (which a shared socket
    # would silently join, splitting the traffic): a plain bind fails now, with one clear error.
    _bound(host, port, shared=False).close()
    context = multiprocessing.get_context("spawn")
    stopping = False

    def start() -> multiprocessing.process.BaseProcess:
        process = context.Process(target=_worker, args=(host, port, access_log), daemon=False)
        process.start()
        return process

    def stop(_signal: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    running = [start() for _ in range(workers)]
    try:
        while not stopping:
            time.sleep(0.2)
            for i, process in enumerate(running):
                if not process.is_alive() and not stopping:
                    log.warning("worker %s exited with %s; starting another",
                                process.pid, process.exitcode)
                    time.sleep(RESTART_PAUSE_SECONDS)
                    running[i] = start()
    finally:
        for process in running:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        for process in running:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
