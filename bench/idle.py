"""Clients that hold connections open without finishing a request: the cheap denial of service of issue 12.

``idle`` connections connect and send nothing; ``trickle`` connections send the start of a request line and then
one byte every half second, so that an idle timeout never fires. While they are held, :func:`new_request` times
one ordinary request. Used by ``python -m bench web`` and by ``tests/test_web_serve.py``.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress

MODES = ("idle", "trickle")
TRICKLE_EVERY = 0.5


@contextmanager
def held_connections(host: str, port: int, count: int, mode: str) -> Iterator[list[socket.socket]]:
    """Open ``count`` connections to ``host:port`` and hold them (idle or trickling) until the block ends."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    sockets: list[socket.socket] = []
    stop = threading.Event()
    try:
        for _ in range(count):
            sock = socket.create_connection((host, port), timeout=5)
            if mode == "trickle":
                sock.sendall(b"GET /api/indicators HTTP/1.1\r\nX-Slow: ")
            sockets.append(sock)
        if mode == "trickle":

            def drip() -> None:
                while not stop.wait(TRICKLE_EVERY):
                    for sock in sockets:
                        with suppress(OSError):
                            sock.send(b"x")

            threading.Thread(target=drip, daemon=True).start()
        time.sleep(0.5)  # let the server accept them all
        yield sockets
    finally:
        stop.set()
        for sock in sockets:
            sock.close()


def new_request(url: str, timeout: float = 10.0) -> tuple[int | None, float]:
    """The status of one GET of ``url`` (None when it failed or timed out) and the seconds it took."""
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            status: int | None = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError:
        status = None
    return status, time.perf_counter() - start


def measure(host: str, port: int, path: str, held: int = 300, repeat: int = 5) -> dict[str, dict[str, object]]:
    """Per mode: the status and latency of ``repeat`` new requests for ``path`` while ``held`` connections hang."""
    figures: dict[str, dict[str, object]] = {}
    for mode in MODES:
        with held_connections(host, port, held, mode):
            answers = [new_request(f"http://{host}:{port}{path}") for _ in range(repeat)]
        seconds = sorted(s for _, s in answers)
        figures[mode] = {
            "held": held,
            "statuses": [status for status, _ in answers],
            "median_ms": round(1000 * seconds[len(seconds) // 2], 1),
            "max_ms": round(1000 * seconds[-1], 1),
            "target_ms": 2000,
            "met": all(status == 200 for status, _ in answers) and seconds[-1] < 2.0,
        }
    return figures
