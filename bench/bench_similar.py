"""Similar buurten (atlas.artifact.similar) as the country grows: time and peak memory for 1 000 to 14 500 buurten.

The distances are all pairs, so time grows with the square of the number of buurten; memory must not (the
computation runs in blocks of rows). Synthetic z-scores with 5 % gaps stand in for the context indicators; each
size is measured in a fresh process (peak RSS from ``resource``), and against the smallest size in the same run.
Target: peak memory above the baseline process stays under 1 GiB at the national 14 500 buurten.
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import time
from typing import Any

SIZES = (1000, 4000, 14500)
TARGET_EXTRA_MB = 1024.0


def _measure(n: int, queue: Any) -> None:
    import numpy as np
    import pandas as pd

    import atlas.artifact.similar as similar

    rng = np.random.default_rng(n)
    z = rng.normal(size=(n, len(similar.CONTEXT_INDICATORS)))
    z[rng.random(z.shape) < 0.05] = np.nan
    scores = pd.DataFrame(z, index=[f"BU{i:08d}" for i in range(n)], columns=list(similar.CONTEXT_INDICATORS))
    similar.context_scores = lambda values, forecasts: scores  # type: ignore[assignment]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    found = similar.similar_buurten(pd.DataFrame(), {})
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put({"buurten": n, "rows": len(found), "s": round(seconds, 2), "extra_peak_mb": round(peak - before, 1)})


def run() -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    sizes = []
    for n in SIZES:
        queue = ctx.Queue()
        process = ctx.Process(target=_measure, args=(n, queue))
        process.start()
        sizes.append(queue.get())
        process.join()
    base = sizes[0]
    for size in sizes:
        pairs = (size["buurten"] / base["buurten"]) ** 2
        size["time_ratio"] = round(size["s"] / base["s"], 1) if base["s"] else None
        size["time_ratio_per_pair"] = round(size["s"] / base["s"] / pairs, 2) if base["s"] else None
    return {
        "sizes": sizes,
        "target_extra_peak_mb": TARGET_EXTRA_MB,
        "targets_met": sizes[-1]["extra_peak_mb"] <= TARGET_EXTRA_MB,
    }
