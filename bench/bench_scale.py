"""Building many gemeenten in one process (issue 15, item 5): build time and peak memory for 1, 4, 16 and 64
synthetic gemeenten, per buurt and per address.

Each size writes a country with ``atlas demo --gemeenten N`` (not timed; ``bench demo`` measures that) and builds
its top-level ``sources.yaml`` (``gemeente: [GM9001, …]``) in a fresh Python process: wall time and peak RSS
(``ru_maxrss``, imports included). The cost per buurt and per address should stay flat as the country grows: the
ratio from 4 to the largest size is reported, with the target (issue 15) that it stays below :data:`FLAT`. The
extrapolation to the country scales the largest size's cost linearly three ways: per gemeente (342), per buurt
(14 500) and per address (9 million); the synthetic gemeenten are smaller than real ones (about 15 buurten against
42 on average), so the per-buurt and per-address figures are the honest ones, and the largest of the three is held
against the target of 5 minutes. Only the one-process build exists yet: the Dask scheduler (item 3)
will add a column. ``BENCH_SCALE_SIZES=1,4`` picks other sizes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

SIZES = (1, 4, 16, 64)
FLAT = 1.5
"""Largest allowed ratio of the cost per buurt and per address between the largest size and 4 gemeenten."""
COUNTRY = 342
COUNTRY_BUURTEN = 14_500
COUNTRY_ADDRESSES = 9_000_000
TARGET_COUNTRY_S = 300.0
"""Issue 15: the extrapolation to 342 gemeenten must stay under 5 minutes on one machine like this one."""

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from atlas.pipeline.run import build
start = time.perf_counter()
build(Path(sys.argv[1]), Path(sys.argv[2]))
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _sizes() -> tuple[int, ...]:
    given = os.environ.get("BENCH_SCALE_SIZES")
    return tuple(int(s) for s in given.split(",")) if given else SIZES


def measure(size: int, root: Path) -> dict[str, float]:
    """Write a country of ``size`` gemeenten and build all of it in a fresh process: time, memory, counts."""
    import pyogrio

    from atlas.demo import write_country

    land = root / f"land{size}"
    write_country(land, size)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    out = root / f"build{size}"
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(land / "sources.yaml"), str(out)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    buurten = int(manifest["counts"]["areas"]["buurt"])
    addresses = int(pyogrio.read_info(land / "adressen.gpkg")["features"])
    seconds = float(figures["seconds"])
    return {
        "buurten": buurten,
        "addresses": addresses,
        "seconds": round(seconds, 1),
        "ms_per_buurt": round(1000 * seconds / buurten, 1),
        "us_per_address": round(1e6 * seconds / addresses, 1),
        "seconds_per_gemeente": round(seconds / size, 2),
        "peak_rss_mb": round(figures["peak_rss_mb"]),
    }


def run() -> dict[str, Any]:
    result: dict[str, Any] = {"scheduler": "one process"}
    sizes = _sizes()
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            figures = measure(size, Path(tmp))
            result[f"n{size}"] = figures
            print(f"  {size} gemeenten: {figures}", flush=True)
    top = max(sizes)
    largest = result[f"n{top}"]
    country = {
        f"by_gemeente_{COUNTRY}": round(largest["seconds_per_gemeente"] * COUNTRY),
        f"by_buurt_{COUNTRY_BUURTEN}": round(largest["ms_per_buurt"] * COUNTRY_BUURTEN / 1000),
        f"by_address_{COUNTRY_ADDRESSES}": round(largest["us_per_address"] * COUNTRY_ADDRESSES / 1e6),
    }
    result["extrapolated_country_s"] = country
    met = max(country.values()) < TARGET_COUNTRY_S
    if 4 in sizes and top > 4:
        for key in ("ms_per_buurt", "us_per_address"):
            ratio = result[f"n{top}"][key] / result["n4"][key]
            result[f"{key}_ratio_{top}_to_4"] = round(ratio, 2)
            met &= ratio < FLAT
        result[f"peak_rss_ratio_{top}_to_4"] = round(result[f"n{top}"]["peak_rss_mb"] / result["n4"]["peak_rss_mb"], 2)
    result["targets_met"] = met
    return result
