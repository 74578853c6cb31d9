"""Pages cached and uncached, each against a static file of the same size served by the same server in the same run.

The demo build is served by waitress (as ``atlas serve`` does) in a child process on 127.0.0.1. Every measurement
uses ``wrk`` (Debian's package; ``make bench`` installs it when missing and root) and is one function of this module
that takes the running :class:`Server` and returns its part of the result, so another one can be added beside them:

- :func:`cached`: for each page, the page cache is warmed, a static file with exactly the same number of bytes is
  written, and ``wrk`` runs with 50 connections for 30 s (``BENCH_WEB_SECONDS``) against the page and then the
  static file. Target: page p99 within 1.5x of the static file's, with no errors.
- :func:`uncached`: one client (``wrk -c1``) for 10 s (``BENCH_WEB_UNCACHED_SECONDS``) per page, every request a
  cache miss, then the static file of the same size the same way. The misses come from a hook that only the
  benchmark's own server process has: a request with the header ``X-Bench-Uncached`` clears the page cache before
  it is handled (nothing in the atlas itself reacts to that header). Targets (issue 12): map page p50 <= 25 ms at
  every level, profile p50 <= 40 ms.

- :func:`idle`: 300 connections held open without finishing a request (idle, then trickling a byte every half
  second), and meanwhile new requests for the home page timed (``bench/idle.py``); the server runs with the
  settings of ``atlas serve`` (:func:`atlas.web.server.waitress_options`). Target (issue 12): every new request
  answered within 2 s.

``cold_first_ms`` is the first map request after the server started (nothing parsed or indexed yet; ``atlas
serve`` warms that away in the background). Ratios are against the static file measured in the same run.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONNECTIONS = 50
THREADS = 4
TARGET_P99_RATIO = 1.5
UNCACHED_HEADER = "X-Bench-Uncached"
PAGES = {
    "map_buurt": "/kaart/vrijwilligerswerk?niveau=buurt&jaar=2024",
    "map_wijk": "/kaart/vrijwilligerswerk?niveau=wijk&jaar=2024",
    "map_stadsdeel": "/kaart/vrijwilligerswerk?niveau=stadsdeel&jaar=2024",
    "profile": "/gebied/WK019310",
    "api_values": "/api/values?indicator=inwoners&niveau=buurt&jaar=2024",
    "download": "/download/inwoners.csv?niveau=buurt&jaar=2024",
    "sheet": "/gebied/BU01931310/foto",
    "sheet_pdf": "/gebied/BU01931310/foto.pdf",
    "story": "/verhaal/BU01931310",
    "compare": "/vergelijk?gebieden=BU01931310,BU01931320,WK019313",
}
CACHED_PAGES = ("map_buurt", "profile", "api_values", "download", "sheet_pdf")
"""The pages measured cached under load (each takes 2 x BENCH_WEB_SECONDS)."""
UNCACHED_TARGET_P50_MS = {"map_buurt": 25.0, "map_wijk": 25.0, "map_stadsdeel": 25.0, "profile": 40.0}
COLD_PAGE = "/kaart/groen_2_22_200"


@dataclass(frozen=True)
class Server:
    """The benchmark's server: its base URL and the folder its ``/bench-static/`` files come from."""

    base: str
    static: Path

    def static_copy(self, name: str, path: str) -> tuple[str, int]:
        """Write a static file as large as the page at ``path``; its URL and the size."""
        body = urllib.request.urlopen(self.base + path).read()
        (self.static / f"{name}.bin").write_bytes(os.urandom(len(body)))
        return f"{self.base}/bench-static/{name}.bin", len(body)


def _serve(build: str, static: str, port: int) -> None:
    import logging

    import waitress
    from flask import request, send_from_directory

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # a queue under 50 connections is the point

    from atlas.web import create_app

    app = create_app(build)
    app.add_url_rule(
        "/bench-static/<path:name>", "bench_static", lambda name: send_from_directory(static, name, max_age=300)
    )

    @app.before_request
    def _miss() -> None:  # the uncached runs: only this process knows the header
        if UNCACHED_HEADER in request.headers:
            app.extensions["atlas_cache"].clear()

    from atlas.web.server import raise_file_limit, waitress_options

    raise_file_limit()
    waitress.serve(app, host="127.0.0.1", port=port, _quiet=True, **waitress_options(threads=8))


@contextlib.contextmanager
def serving(build: Path, static: Path, timeout: float = 120) -> Iterator[Server]:
    """The artifact ``build`` served by waitress in a child process (``static``: the folder of the static files
    measured beside the pages), until the block ends."""
    static.mkdir(exist_ok=True)
    port = _free_port()
    server = Server(f"http://127.0.0.1:{port}", static)
    process = mp.get_context("spawn").Process(target=_serve, args=(str(build), str(static), port))
    process.start()
    try:
        _wait(server.base + "/favicon.ico", timeout)
        yield server
    finally:
        process.terminate()
        process.join(10)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk(url: str, seconds: int, *, connections: int = CONNECTIONS, threads: int = THREADS, header: str = "") -> dict:
    """requests/s, p50 and p99 latency (ms) and errors of ``wrk`` against ``url``."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    command += ["-H", header] if header else []
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.M))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    requests = re.search(r"(\d+) requests in", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        # no percentile when no request finished within the run (a page slower than the run is long)
        "p50_ms": round(_ms(latency["50"]), 3) if "50" in latency else None,
        "p99_ms": round(_ms(latency["99"]), 3) if "99" in latency else None,
        "requests": int(requests.group(1)) if requests else 0,
        "errors": (sum(int(x) for x in errors.groups()) if errors else 0) + (int(non2xx.group(1)) if non2xx else 0),
    }


def _ratio(page: dict, ref: dict, key: str) -> float | None:
    if page[key] is None or ref[key] is None:
        return None
    return round(page[key] / ref[key], 2) if ref[key] else float("inf")


def cached(server: Server, seconds: int) -> tuple[dict[str, Any], bool]:
    """Cached pages under 50 connections against the static file of the same size."""
    out: dict[str, Any] = {"connections": CONNECTIONS, "seconds": seconds, "target_p99_ratio": TARGET_P99_RATIO}
    met = True
    for name in CACHED_PAGES:
        path = PAGES[name]
        static_url, size = server.static_copy(name, path)  # renders once: the rest are cache hits
        page = wrk(server.base + path, seconds)
        ref = wrk(static_url, seconds)
        ratio = _ratio(page, ref, "p99_ms")
        ok = ratio is not None and ratio <= TARGET_P99_RATIO and page["errors"] == 0 and ref["errors"] == 0
        met &= ok
        out[name] = {
            "url": path,
            "bytes": size,
            "page": page,
            "static": ref,
            "p99_ratio": _ratio(page, ref, "p99_ms"),
            "rps_ratio": _ratio(page, ref, "rps"),
            "ok": ok,
        }
    return out, met


def uncached(
    server: Server,
    seconds: int,
    pages: dict[str, str] | None = None,
    targets: dict[str, float] | None = None,
) -> tuple[dict[str, Any], bool]:
    """Every page rendered for every request, one client, against the static file of the same size (one client).
    ``pages`` and ``targets``: other pages than the demo's (:data:`PAGES`, :data:`UNCACHED_TARGET_P50_MS`)."""
    pages = PAGES if pages is None else pages
    targets = UNCACHED_TARGET_P50_MS if targets is None else targets
    out: dict[str, Any] = {
        "connections": 1,
        "seconds": seconds,
        "target_p50_ms": targets,
    }
    met = True
    for name, path in pages.items():
        static_url, size = server.static_copy(name, path)
        page = wrk(server.base + path, seconds, connections=1, threads=1, header=f"{UNCACHED_HEADER}: 1")
        ref = wrk(static_url, seconds, connections=1, threads=1)
        target = targets.get(name)
        ok = page["errors"] == 0 and page["p50_ms"] is not None and (target is None or page["p50_ms"] <= target)
        met &= ok
        out[name] = {
            "url": path,
            "bytes": size,
            "page": page,
            "static": ref,
            "p50_ratio": _ratio(page, ref, "p50_ms"),
            **({"target_p50_ms": target, "target_met": ok} if target is not None else {"ok": ok}),
        }
    return out, met


def idle(server: Server, held: int = 300) -> tuple[dict[str, Any], bool]:
    """New requests while ``held`` connections hang (idle, then trickling): answered within 2 s?"""
    from atlas.web.server import raise_file_limit
    from bench.idle import measure

    raise_file_limit(held + 256)
    host, port = server.base.removeprefix("http://").split(":")
    figures = measure(host, int(port), "/", held=held)
    return figures, all(bool(mode["met"]) for mode in figures.values())


def run() -> dict[str, Any]:
    if shutil.which("wrk") is None:
        return {"skipped": "wrk is not installed (Debian package 'wrk')", "targets_met": False}
    from atlas.demo import write_demo
    from atlas.pipeline.run import build

    seconds = int(os.environ.get("BENCH_WEB_SECONDS", "30"))
    uncached_seconds = int(os.environ.get("BENCH_WEB_UNCACHED_SECONDS", "10"))
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build(write_demo(root / "bron"), root / "build")
        with serving(root / "build", root / "static") as server:
            start = time.perf_counter()
            urllib.request.urlopen(server.base + COLD_PAGE).read()
            result["cold_first_ms"] = {"url": COLD_PAGE, "ms": round((time.perf_counter() - start) * 1000, 1)}
            result["uncached"], uncached_met = uncached(server, uncached_seconds)
            result["cached"], cached_met = cached(server, seconds)
            result["idle"], idle_met = idle(server)
            result["targets_met"] = uncached_met and cached_met and idle_met
    return result
