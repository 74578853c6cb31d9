"""``atlas demo --gemeenten N``: time and peak memory of writing a synthetic country of 1, 4, 16 and 64 gemeenten.

Each size runs in a fresh Python process (its own peak RSS, ``ru_maxrss``, imports included). The country is
written one gemeente and one canopy tile at a time, so the time per gemeente and the peak memory should stay flat
as N grows: the target is that both grow by less than half from 4 to 64 gemeenten. ``BENCH_DEMO_SIZES=1,4``
picks other sizes.
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
"""Largest allowed ratio (time per gemeente, peak RSS) between the largest size and 4 gemeenten."""

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from atlas.demo import write_country
start = time.perf_counter()
write_country(Path(sys.argv[1]), int(sys.argv[2]))
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _sizes() -> tuple[int, ...]:
    given = os.environ.get("BENCH_DEMO_SIZES")
    return tuple(int(s) for s in given.split(",")) if given else SIZES


def _folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.resolve().rglob("*") if p.is_file()) / 1e6


def measure(size: int, root: Path) -> dict[str, float]:
    """Write a country of ``size`` gemeenten under ``root`` in a fresh process; its time, peak RSS and size."""
    out = root / f"land{size}"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(out), str(size)], check=True, capture_output=True, text=True, env=env
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "seconds": round(figures["seconds"], 1),
        "seconds_per_gemeente": round(figures["seconds"] / size, 2),
        "peak_rss_mb": round(figures["peak_rss_mb"]),
        "output_mb": round(_folder_mb(out), 1),
    }


def run() -> dict[str, Any]:
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in _sizes():
            figures = measure(size, Path(tmp))
            result.update({f"n{size}_{key}": value for key, value in figures.items()})
            print(f"  {size} gemeenten: {figures}", flush=True)
    sizes = _sizes()
    if 4 in sizes and max(sizes) > 4:
        top = max(sizes)
        time_ratio = result[f"n{top}_seconds_per_gemeente"] / result["n4_seconds_per_gemeente"]
        rss_ratio = result[f"n{top}_peak_rss_mb"] / result["n4_peak_rss_mb"]
        result[f"time_per_gemeente_ratio_{top}_to_4"] = round(time_ratio, 2)
        result[f"peak_rss_ratio_{top}_to_4"] = round(rss_ratio, 2)
        result["targets_met"] = time_ratio < FLAT and rss_ratio < FLAT
    return result
