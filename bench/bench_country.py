"""Serving a country (issue 15, item 6): the uncached page targets of the serving issue with about 14 000 buurten.

A synthetic country of 342 gemeenten of real size (``wijken=(7, 14)``: about 41 buurten each, 14 000 in all,
against 14 500 in the Netherlands; without groen, which the pages measured here do not read) is written and
built with ``gemeente: all`` (so with its regios and Nederland on top), then served by waitress in a child process
as :mod:`bench.bench_web` serves the demo, and every page is measured uncached (every request a cache miss) with
one ``wrk`` client, against a static file of the same size. Targets as for the demo (issue 12): a map page p50
<= 25 ms, a profile p50 <= 40 ms; the national map is the map at gemeente level (342 gemeenten), the buurt and
wijk maps are those of one gemeente (``gemeente=``). The build's time and the artifact's size are reported too.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.bench_web import serving, uncached

GEMEENTEN = 342
WIJKEN = (7, 14)
GEMEENTE = "GM9100"
PAGES = {
    "map_gemeente_national": "/kaart/inwoners?niveau=gemeente&jaar=2024",
    "map_buurt": f"/kaart/inwoners?niveau=buurt&gemeente={GEMEENTE}&jaar=2024",
    "map_wijk": f"/kaart/inwoners?niveau=wijk&gemeente={GEMEENTE}&jaar=2024",
    "profile": "/gebied/WK910001",
    "profile_gemeente": f"/gebied/{GEMEENTE}",
    "home": "/",
    "api_values_gemeente": "/api/values?indicator=inwoners&niveau=gemeente&jaar=2024",
}
TARGETS = {"map_gemeente_national": 25.0, "map_buurt": 25.0, "map_wijk": 25.0, "profile": 40.0}


def run() -> dict[str, Any]:
    if shutil.which("wrk") is None:
        return {"skipped": "wrk is not installed (Debian package 'wrk')", "targets_met": False}
    from atlas.demo import write_country
    from atlas.pipeline.run import build

    seconds = int(os.environ.get("BENCH_WEB_UNCACHED_SECONDS", "10"))
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        write_country(root / "land", GEMEENTEN, wijken=WIJKEN, groen=False)
        result["write_s"] = round(time.perf_counter() - start, 1)
        start = time.perf_counter()
        manifest = build(root / "land" / "nederland.yaml", root / "build")
        result["build_s"] = round(time.perf_counter() - start, 1)
        result["areas"] = manifest["counts"]["areas"]
        result["values"] = manifest["counts"]["values"]
        result["artifact_mb"] = round(
            sum(p.stat().st_size for p in (root / "build").resolve().rglob("*") if p.is_file()) / 1e6
        )
        with serving(root / "build", root / "static") as server:
            start = time.perf_counter()
            urllib.request.urlopen(server.base + PAGES["map_buurt"]).read()
            result["cold_first_ms"] = round((time.perf_counter() - start) * 1000, 1)
            result["uncached"], met = uncached(server, seconds, PAGES, TARGETS)
            result["targets_met"] = met
    return result
