"""Cached pages under load against a static file of the same size, served by the same server in the same run.

The demo build is served by waitress (as ``atlas serve`` does) in a child process on 127.0.0.1. For a map page, a
profile page and /api/values, the benchmark warms the page cache, writes a static file with exactly the same number
of bytes, and runs ``wrk`` (Debian's package; ``make bench`` installs it when missing and root) with 50 connections
for 30 s (``BENCH_WEB_SECONDS`` to change) against the page and then against the static file. It reports requests/s
and p50/p99 latency of both and their ratio. Target: page p99 within 1.5x of the static file's, with no errors.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

CONNECTIONS = 50
THREADS = 4
TARGET_P99_RATIO = 1.5
PAGES = {
    "map": "/kaart/vrijwilligerswerk?niveau=buurt&jaar=2024",
    "profile": "/gebied/WK019310",
    "api_values": "/api/values?indicator=inwoners&niveau=buurt&jaar=2024",
}


def _serve(build: str, static: str, port: int) -> None:
    import logging

    import waitress
    from flask import send_from_directory

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # a queue under 50 connections is the point

    from atlas.web import create_app

    app = create_app(build)
    app.add_url_rule(
        "/bench-static/<path:name>", "bench_static", lambda name: send_from_directory(static, name, max_age=300)
    )
    waitress.serve(app, host="127.0.0.1", port=port, threads=8, ident="wijkatlas", _quiet=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(url: str, timeout: float = 30) -> None:
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


def wrk(url: str, seconds: int) -> dict[str, Any]:
    out = subprocess.run(
        ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.M))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": round(_ms(latency["50"]), 3),
        "p99_ms": round(_ms(latency["99"]), 3),
        "errors": (sum(int(x) for x in errors.groups()) if errors else 0) + (int(non2xx.group(1)) if non2xx else 0),
    }


def run() -> dict[str, Any]:
    if shutil.which("wrk") is None:
        return {"skipped": "wrk is not installed (Debian package 'wrk')", "targets_met": False}
    from atlas.demo import write_demo
    from atlas.pipeline.run import build

    seconds = int(os.environ.get("BENCH_WEB_SECONDS", "30"))
    result: dict[str, Any] = {"connections": CONNECTIONS, "seconds": seconds, "target_p99_ratio": TARGET_P99_RATIO}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build(write_demo(root / "bron"), root / "build")
        static = root / "static"
        static.mkdir()
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = mp.get_context("spawn").Process(target=_serve, args=(str(root / "build"), str(static), port))
        server.start()
        try:
            _wait(base + "/api/indicators")
            met = True
            for name, path in PAGES.items():
                body = urllib.request.urlopen(base + path).read()  # renders once: the rest are cache hits
                (static / f"{name}.bin").write_bytes(os.urandom(len(body)))
                page = wrk(base + path, seconds)
                ref = wrk(f"{base}/bench-static/{name}.bin", seconds)
                ratio = page["p99_ms"] / ref["p99_ms"] if ref["p99_ms"] else float("inf")
                ok = ratio <= TARGET_P99_RATIO and page["errors"] == 0 and ref["errors"] == 0
                met &= ok
                result[name] = {
                    "url": path,
                    "bytes": len(body),
                    "page": page,
                    "static": ref,
                    "p99_ratio": round(ratio, 2),
                    "rps_ratio": round(page["rps"] / ref["rps"], 2) if ref["rps"] else None,
                    "ok": ok,
                }
            result["targets_met"] = met
        finally:
            server.terminate()
            server.join(10)
    return result
