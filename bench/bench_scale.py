"""Building many gemeenten (issue 15, item 5): build time and peak memory for 1, 4, 16, 64 and 128 synthetic
gemeenten, per buurt and per address, in one process and on Dask.

Each size writes a country with ``atlas demo --gemeenten N`` (not timed; ``bench demo`` measures that) and builds
its top-level ``sources.yaml`` (``gemeente: [GM9001, …]``) in a fresh Python process: wall time and peak RSS
(``ru_maxrss``, imports included). The cost per buurt and per address should stay flat as the country grows: the
ratio from 4 to the largest size is reported, with the target (issue 15) that it stays below :data:`FLAT`. The
extrapolation to the country scales the largest size's cost linearly three ways: per gemeente (342), per buurt
(14 500) and per address (9 million); the synthetic gemeenten are smaller than real ones (about 15 buurten against
42 on average), so the per-buurt and per-address figures are the honest ones, and the largest of the three is held
against the target of 5 minutes.

Each size is built twice, in one process and on Dask (``--scheduler dask``: a ``LocalCluster`` of 2
single-threaded worker processes, started inside the timed build, as a user's build pays it). For Dask the peak
memory is the driver's and the largest worker's (``RUSAGE_CHILDREN``: the workers are the driver's children). The
two artifacts' ``values.parquet`` must be the same byte for byte (``same_values``). The engine's cost over one
process is reported per size (``dask_over_process``: the time ratio). ``BENCH_SCALE_SIZES=1,4`` picks other sizes,
``BENCH_SCALE_SCHEDULERS=process`` one scheduler.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

SIZES = (1, 4, 16, 64, 128)
SCHEDULERS = ("process", "dask")
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
build(Path(sys.argv[1]), Path(sys.argv[2]), scheduler=sys.argv[3])
seconds = time.perf_counter() - start
mb = lambda who: resource.getrusage(who).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_rss_mb": mb(resource.RUSAGE_SELF),
                  "worker_peak_rss_mb": mb(resource.RUSAGE_CHILDREN)}))
"""


def _sizes() -> tuple[int, ...]:
    given = os.environ.get("BENCH_SCALE_SIZES")
    return tuple(int(s) for s in given.split(",")) if given else SIZES


def _schedulers() -> tuple[str, ...]:
    given = os.environ.get("BENCH_SCALE_SCHEDULERS")
    return tuple(given.split(",")) if given else SCHEDULERS


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def measure(size: int, root: Path, scheduler: str) -> dict[str, Any]:
    """Build the country of ``size`` gemeenten in ``root`` in a fresh process: time, memory, counts."""
    import pyogrio

    land = root / f"land{size}"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]), "SOURCE_DATE_EPOCH": "1700000000"}
    out = root / f"build{size}_{scheduler}"
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(land / "sources.yaml"), str(out), scheduler],
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
    result = {
        "buurten": buurten,
        "addresses": addresses,
        "seconds": round(seconds, 1),
        "ms_per_buurt": round(1000 * seconds / buurten, 1),
        "us_per_address": round(1e6 * seconds / addresses, 1),
        "seconds_per_gemeente": round(seconds / size, 2),
        "peak_rss_mb": round(figures["peak_rss_mb"]),
        "values_sha256": _digest(out / "values.parquet")[:16],
    }
    if scheduler == "dask":
        result["worker_peak_rss_mb"] = round(figures["worker_peak_rss_mb"])
    return result


def run() -> dict[str, Any]:
    from atlas.demo import write_country

    schedulers = _schedulers()
    result: dict[str, Any] = {"schedulers": list(schedulers)}
    sizes = _sizes()
    met = True
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            write_country(Path(tmp) / f"land{size}", size)
            row: dict[str, Any] = {}
            for scheduler in schedulers:
                row[scheduler] = measure(size, Path(tmp), scheduler)
                print(f"  {size} gemeenten, {scheduler}: {row[scheduler]}", flush=True)
            if len(schedulers) > 1:
                digests = {row[s].pop("values_sha256") for s in schedulers}
                row["same_values"] = len(digests) == 1
                met &= row["same_values"]
                row["dask_over_process"] = round(row["dask"]["seconds"] / row["process"]["seconds"], 2)
            else:
                row[schedulers[0]].pop("values_sha256")
            result[f"n{size}"] = row
    top = max(sizes)
    for scheduler in schedulers:
        largest = result[f"n{top}"][scheduler]
        country = {
            f"by_gemeente_{COUNTRY}": round(largest["seconds_per_gemeente"] * COUNTRY),
            f"by_buurt_{COUNTRY_BUURTEN}": round(largest["ms_per_buurt"] * COUNTRY_BUURTEN / 1000),
            f"by_address_{COUNTRY_ADDRESSES}": round(largest["us_per_address"] * COUNTRY_ADDRESSES / 1e6),
        }
        result[f"extrapolated_country_s_{scheduler}"] = country
        if 4 in sizes and top > 4:
            for key in ("ms_per_buurt", "us_per_address", "peak_rss_mb"):
                ratio = largest[key] / result["n4"][scheduler][key]
                result[f"{scheduler}_{key}_ratio_{top}_to_4"] = round(ratio, 2)
                met &= key == "peak_rss_mb" or ratio < FLAT
    best = min(max(result[f"extrapolated_country_s_{s}"].values()) for s in schedulers)
    result["extrapolated_country_best_s"] = best
    met &= best < TARGET_COUNTRY_S
    result["targets_met"] = met
    return result
